// Push-to-talk while another window (a game) has the focus: the one chosen
// key or mouse button, watched on the X server through XInput2 raw events
// on a thread of its own. The X server sends a client that asks for raw key
// events every key; each is compared with the chosen key's code and
// dropped at once, never stored or logged, so nothing here can tell what
// else was typed. For a mouse button only button events are asked for.
//
// Where this cannot work the window falls back to the key as it sees it
// (only while focused) and says why: no X display, an X server without
// XInput2, or a Wayland session, where an X client (XWayland) sees keys
// only while an X window has the focus and Wayland gives applications no
// global key without a portal.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace voixer::platform {

// A push-to-talk choice as saved in the settings and shown in the window,
// and what it is to X11: a keysym (x_button 0) or a pointer button (x_keysym
// 0; buttons 4-7 are the wheel, so "Mouse button 4" is X's button 8, as in
// GLFW).
struct PushToTalkKey {
  const char* name;
  unsigned long x_keysym;
  unsigned int x_button;
};

// Every choice offered, in the order shown.
const std::vector<PushToTalkKey>& push_to_talk_keys();
// The choice called `name`, or null.
const PushToTalkKey* find_push_to_talk_key(std::string_view name);

class GlobalKey {
 public:
  // Starts watching `key_name` (a push_to_talk_keys() name) on `display`
  // (null: $DISPLAY). `changed` is called on the watcher's thread after the
  // key went down or up. Never throws: problem() says what failed.
  GlobalKey(std::string key_name, std::function<void()> changed, const char* display = nullptr);
  ~GlobalKey();
  GlobalKey(const GlobalKey&) = delete;
  GlobalKey& operator=(const GlobalKey&) = delete;

  const std::string& key_name() const { return m_key_name; }
  // Whether the key is watched (held() means something).
  bool watching() const { return m_thread.joinable(); }
  // "" when the key works whatever window has the focus; otherwise a
  // sentence for the window saying why not (also while watching, on
  // Wayland, where it works only over X windows).
  const std::string& problem() const { return m_problem; }
  // Whether the key (or button) is down now; any thread.
  bool held() const { return m_held.load(std::memory_order_acquire); }

 private:
  struct XConnection;
  std::string open(const char* display);
  void run();

  std::string m_key_name;
  std::function<void()> m_changed;
  std::unique_ptr<XConnection> m_x;
  std::string m_problem;
  std::atomic<bool> m_held{false};
  int m_stop_fd = -1;
  std::thread m_thread;
};

}  // namespace voixer::platform
