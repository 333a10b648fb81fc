// The push-to-talk key watched in every window (platform/global_keys.hpp):
// the names mean the right X11 keys and buttons; on an Xvfb display of the
// test's own, while a window of the test holds the focus, xdotool's presses
// of the chosen key (or mouse button) are seen, and no other key or button
// counts. Where no global key can be had, a sentence says why. Waits are on
// the watcher's state, with a deadline.
#include <doctest/doctest.h>

#include <X11/Xlib.h>
#include <X11/keysym.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "platform/global_keys.hpp"
#include "support/eventually.hpp"
#include "support/process.hpp"

using namespace voixer;
using test::eventually;

namespace {

// An Xvfb of the test's own, and a window on it that has the focus.
struct TestDisplay {
  test::Process xvfb{
      {"/usr/bin/Xvfb", "-displayfd", "1", "-screen", "0", "640x480x24", "-nolisten", "tcp"}};
  std::string name;
  ::Display* x = nullptr;

  TestDisplay() {
    auto n = xvfb.stdout_line(10000);
    REQUIRE_MESSAGE(n, "Xvfb did not start");
    name = ":" + *n;
    x = XOpenDisplay(name.c_str());
    REQUIRE(x);
    Window w = XCreateSimpleWindow(x, DefaultRootWindow(x), 0, 0, 200, 100, 0, 0, 0);
    XMapWindow(x, w);
    XSync(x, False);
    XSetInputFocus(x, w, RevertToParent, CurrentTime);
    XSync(x, False);
  }
  ~TestDisplay() {
    if (x) XCloseDisplay(x);
  }
  // Runs xdotool on this display; true when it succeeded.
  bool xdotool(const std::string& args) const {
    return std::system(("DISPLAY=" + name + " xdotool " + args).c_str()) == 0;
  }
};

}  // namespace

TEST_CASE("push-to-talk keys: each name means one X11 key or button") {
  std::set<std::string> names;
  for (const auto& k : platform::push_to_talk_keys()) {
    CAPTURE(k.name);
    CHECK(names.insert(k.name).second);
    CHECK((k.x_keysym == 0) != (k.x_button == 0));
  }
  CHECK(platform::find_push_to_talk_key("Left Ctrl")->x_keysym == XK_Control_L);
  CHECK(std::string(XKeysymToString(platform::find_push_to_talk_key("Right Ctrl")->x_keysym)) ==
        "Control_R");
  CHECK(platform::find_push_to_talk_key("Caps Lock")->x_keysym == XK_Caps_Lock);
  CHECK(platform::find_push_to_talk_key("F1")->x_keysym == XK_F1);
  // Buttons 4-7 are the wheel: the side buttons are 8 and 9.
  CHECK(platform::find_push_to_talk_key("Mouse button 4")->x_button == 8);
  CHECK(platform::find_push_to_talk_key("Mouse button 5")->x_button == 9);
  CHECK(platform::find_push_to_talk_key("Left Control") == nullptr);
  CHECK(platform::find_push_to_talk_key("") == nullptr);
}

TEST_CASE("global push-to-talk: the chosen key is seen while another window has the focus") {
  TestDisplay display;
  std::atomic<int> changes{0};
  platform::GlobalKey key(
      "Right Ctrl", [&] { ++changes; }, display.name.c_str());
  REQUIRE(key.watching());
  CHECK(key.problem() == "");
  // Other keys first: they come before the chosen one on the same
  // connection, so had they counted, they would have by then.
  REQUIRE(display.xdotool("keydown Control_L keydown a keyup a keyup Control_L"));
  REQUIRE(display.xdotool("keydown Control_R"));
  REQUIRE(eventually([&] { return key.held(); }));
  CHECK(changes.load() == 1);
  REQUIRE(display.xdotool("keydown b keyup b keyup Control_R"));
  REQUIRE(eventually([&] { return !key.held(); }));
  CHECK(changes.load() == 2);
}

TEST_CASE("global push-to-talk: a mouse side button as the key; the other buttons do not count") {
  TestDisplay display;
  std::atomic<int> changes{0};
  platform::GlobalKey key(
      "Mouse button 4", [&] { ++changes; }, display.name.c_str());
  REQUIRE(key.watching());
  REQUIRE(display.xdotool(
      "mousedown 1 mouseup 1 mousedown 9 mouseup 9 keydown Control_L keyup Control_L"));
  REQUIRE(display.xdotool("mousedown 8"));
  REQUIRE(eventually([&] { return key.held(); }));
  CHECK(changes.load() == 1);
  REQUIRE(display.xdotool("mouseup 8"));
  REQUIRE(eventually([&] { return !key.held(); }));
  CHECK(changes.load() == 2);
}

TEST_CASE("global push-to-talk: where there is none, a sentence says why and offers the way out") {
  SUBCASE("no X display") {
    platform::GlobalKey key("Left Ctrl", {}, ":4095");
    CHECK_FALSE(key.watching());
    CHECK(key.problem().find("no X display") != std::string::npos);
    CHECK(key.problem().find("voice activation") != std::string::npos);
  }
  SUBCASE("a key it does not know") {
    platform::GlobalKey key("Hyper", {}, ":4095");
    CHECK_FALSE(key.watching());
    CHECK(key.problem().find("'Hyper'") != std::string::npos);
  }
  SUBCASE("a Wayland session: watched, but only over X windows") {
    TestDisplay display;
    ::setenv("WAYLAND_DISPLAY", "wayland-0", 1);
    platform::GlobalKey key("Left Ctrl", {}, display.name.c_str());
    ::unsetenv("WAYLAND_DISPLAY");
    CHECK(key.watching());
    CHECK(key.problem().find("Wayland") != std::string::npos);
    CHECK(key.problem().find("Voice activation") != std::string::npos);
  }
}
