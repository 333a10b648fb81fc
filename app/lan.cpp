#include "app/lan.hpp"

#include <asio.hpp>

#include <chrono>
#include <iostream>

#include "app/args.hpp"
#include "core/discovery.hpp"
#include "net/discovery.hpp"

namespace voixer::app {

const char* const kLanHelp =
    "usage: voixer lan [--seconds S]\n"
    "Asks the local networks for voixer servers (UDP broadcast on every IPv4\n"
    "interface, IPv6 ff02::1, and this machine), listens for S seconds\n"
    "(default 2), then prints one server a line, tab-separated:\n"
    "  ADDRESS  NAME  HOST  USERS  open|locked  RTT_MS\n"
    "e.g. 192.168.1.20:8649<TAB>Alice's LAN<TAB>alice<TAB>3<TAB>open<TAB>1\n"
    "(HOST is '-' for a server without a window). Exits 0 when it found one,\n"
    "1 when none answered.\n"
    "\n"
    "  --seconds S            how long to listen (0.2 to 60)\n"
    "  --discovery-port N     the UDP port servers answer on (default 8648)\n"
    "  --help                 this text\n";

int run_lan(const std::vector<std::string>& argv) {
  Args args(argv, {"--seconds", "--discovery-port"}, {"--help"});
  if (args.has("--help")) {
    std::cout << kLanHelp;
    return 0;
  }
  double seconds = args.number("--seconds", 2, 0.2, 60);
  auto port = static_cast<std::uint16_t>(
      args.number("--discovery-port", core::kDiscoveryPort, 1, 65535));
  if (!args.positional().empty() && args.error().empty()) {
    std::cerr << "voixer lan: unexpected argument '" << args.positional()[0] << "'\n";
    return 2;
  }
  if (!args.error().empty()) {
    std::cerr << "voixer lan: " << args.error() << "\n";
    return 2;
  }
  asio::io_context io;
  core::LanServerList list;
  core::Millis now = 0;  // every answer counts: nothing expires in one run
  auto browser = std::make_unique<net::LanBrowser>(
      io,
      [&](const std::string& ip, const core::ServerAnnouncement& info, int rtt_ms) {
        // The first answer's round trip is kept: later ones queue behind it.
        for (const auto& s : list.servers())
          if (s.ip == ip && s.info.port == info.port) rtt_ms = std::min(rtt_ms, s.rtt_ms);
        list.seen(ip, info, rtt_ms, now);
      },
      port);
  asio::steady_timer done(io);
  done.expires_after(std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
  done.async_wait([&](asio::error_code) { browser.reset(); });
  io.run();
  for (const auto& s : list.servers()) {
    std::cout << s.address() << '\t' << s.info.name << '\t'
              << (s.info.host.empty() ? "-" : s.info.host) << '\t' << s.info.users << '\t'
              << (s.info.locked ? "locked" : "open") << '\t' << s.rtt_ms << '\n';
  }
  return list.servers().empty() ? 1 : 0;
}

}  // namespace voixer::app
