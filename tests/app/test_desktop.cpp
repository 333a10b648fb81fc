// The desktop around the window: a notification reaches a real
// notification service (tests/support/notification_service.cpp) on a
// session bus of the test's own (dbus-daemon), and links are only ever
// web links.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "platform/desktop.hpp"
#include "support/process.hpp"

using voixer::test::Process;

namespace {

// The line starting with `prefix`, waiting for it.
std::string line_starting(Process& p, const std::string& prefix, int timeout_ms = 5000) {
  while (auto line = p.stdout_line(timeout_ms))
    if (line->rfind(prefix, 0) == 0) return *line;
  return {};
}

}  // namespace

TEST_CASE("a desktop notification reaches the notification service") {
  Process bus({"/usr/bin/dbus-daemon", "--session", "--nofork", "--print-address=1"});
  auto address = bus.stdout_line();
  REQUIRE_MESSAGE(address.has_value(), "dbus-daemon did not start: " << bus.stderr_text(500));
  setenv("DBUS_SESSION_BUS_ADDRESS", address->c_str(), 1);
  Process service({NOTIFICATION_SERVICE_EXE});
  REQUIRE(service.stdout_line() == "READY");
  voixer::platform::DesktopNotifier notifier;
  notifier.notify("bob in #lobby", "alice: the map is at https://lan/map.zip");
  CHECK(line_starting(service, "NOTIFY ") ==
        "NOTIFY Voixer|bob in #lobby|alice: the map is at https://lan/map.zip");
  notifier.notify("carol", "are you there?");
  CHECK(line_starting(service, "NOTIFY ") == "NOTIFY Voixer|carol|are you there?");
  CHECK(notifier.last_error().empty());
}

TEST_CASE("only web links are opened") {
  CHECK_FALSE(voixer::platform::open_link("file:///etc/passwd"));
  CHECK_FALSE(voixer::platform::open_link("javascript:alert(1)"));
  CHECK_FALSE(voixer::platform::open_link("-e http://x"));
}
