#include "platform/global_keys.hpp"

#include <X11/Xlib.h>
#include <X11/extensions/XInput2.h>
#include <X11/keysym.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace voixer::platform {

const std::vector<PushToTalkKey>& push_to_talk_keys() {
  static const std::vector<PushToTalkKey> keys = {{"Left Ctrl", XK_Control_L, 0},
                                                  {"Right Ctrl", XK_Control_R, 0},
                                                  {"Left Alt", XK_Alt_L, 0},
                                                  {"Left Shift", XK_Shift_L, 0},
                                                  {"Caps Lock", XK_Caps_Lock, 0},
                                                  {"Space", XK_space, 0},
                                                  {"F1", XK_F1, 0},
                                                  {"Mouse button 4", 0, 8},
                                                  {"Mouse button 5", 0, 9}};
  return keys;
}

const PushToTalkKey* find_push_to_talk_key(std::string_view name) {
  for (const auto& k : push_to_talk_keys())
    if (name == k.name) return &k;
  return nullptr;
}

// The watcher's own connection to the X server (Xlib connections are used
// by one thread each: this one by the watcher once it runs).
struct GlobalKey::XConnection {
  ::Display* display = nullptr;
  int xi_opcode = 0;
  unsigned int code = 0;  // keycode or button
  bool button = false;
  ~XConnection() {
    if (display) XCloseDisplay(display);
  }
};

GlobalKey::GlobalKey(std::string key_name, std::function<void()> changed, const char* display)
    : m_key_name(std::move(key_name)), m_changed(std::move(changed)) {
  m_problem = open(display);
  if (!m_problem.empty()) {
    m_x.reset();
    m_problem +=
        " The push-to-talk key works only while this window has the focus; voice "
        "activation works whatever has the focus.";
    return;
  }
  m_stop_fd = eventfd(0, EFD_CLOEXEC);
  if (m_stop_fd < 0) {
    m_x.reset();
    m_problem = "Cannot watch the push-to-talk key (no eventfd).";
    return;
  }
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if (wayland && *wayland)
    m_problem =
        "This is a Wayland session: the push-to-talk key is seen only while an X11 "
        "window (a game through XWayland, or this one) has the focus; Wayland gives "
        "applications no global key. Voice activation works whatever has the focus.";
  m_thread = std::thread([this] { run(); });
}

GlobalKey::~GlobalKey() {
  if (m_thread.joinable()) {
    std::uint64_t one = 1;
    (void)!write(m_stop_fd, &one, sizeof one);
    m_thread.join();
  }
  if (m_stop_fd >= 0) close(m_stop_fd);
}

std::string GlobalKey::open(const char* display_name) {
  const PushToTalkKey* key = find_push_to_talk_key(m_key_name);
  if (!key) return "'" + m_key_name + "' is not a push-to-talk key this window knows.";
  m_x = std::make_unique<XConnection>();
  m_x->display = XOpenDisplay(display_name);
  if (!m_x->display) return "There is no X display to watch the key on.";
  int event = 0, error = 0;
  if (!XQueryExtension(m_x->display, "XInputExtension", &m_x->xi_opcode, &event, &error))
    return "The X server has no XInput extension.";
  // 2.1 or later: raw events come whatever window has the focus or a grab.
  int major = 2, minor = 2;
  if (XIQueryVersion(m_x->display, &major, &minor) != Success || (major == 2 && minor < 1))
    return "The X server's XInput is older than 2.1.";
  m_x->button = key->x_button != 0;
  if (m_x->button) {
    m_x->code = key->x_button;
  } else {
    m_x->code = XKeysymToKeycode(m_x->display, key->x_keysym);
    if (m_x->code == 0) return "The keyboard has no " + m_key_name + " key.";
  }
  unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {};
  XIEventMask mask{XIAllMasterDevices, sizeof bits, bits};
  XISetMask(bits, m_x->button ? XI_RawButtonPress : XI_RawKeyPress);
  XISetMask(bits, m_x->button ? XI_RawButtonRelease : XI_RawKeyRelease);
  XISelectEvents(m_x->display, DefaultRootWindow(m_x->display), &mask, 1);
  XSync(m_x->display, False);
  return {};
}

void GlobalKey::run() {
  ::Display* d = m_x->display;
  pollfd fds[2] = {{ConnectionNumber(d), POLLIN, 0}, {m_stop_fd, POLLIN, 0}};
  for (;;) {
    while (XPending(d) > 0) {
      XEvent ev;
      XNextEvent(d, &ev);
      XGenericEventCookie* cookie = &ev.xcookie;
      if (cookie->type != GenericEvent || cookie->extension != m_x->xi_opcode) continue;
      if (!XGetEventData(d, cookie)) continue;
      const auto* raw = static_cast<const XIRawEvent*>(cookie->data);
      // Only the chosen key's code is looked at; every other is dropped here.
      if (static_cast<unsigned int>(raw->detail) == m_x->code) {
        bool down = cookie->evtype == XI_RawKeyPress || cookie->evtype == XI_RawButtonPress;
        if (m_held.exchange(down, std::memory_order_acq_rel) != down && m_changed) m_changed();
      }
      XFreeEventData(d, cookie);
    }
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (fds[0].revents & (POLLERR | POLLHUP)) return;
  }
}

}  // namespace voixer::platform
