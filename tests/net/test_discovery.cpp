// LAN discovery over real UDP on this machine: a server answering beside
// its TCP port, a browser finding it, and a raw socket that misbehaves.
// Each test uses a discovery port of its own, so tests running at once do
// not see each other's servers. (Across machines: tests/net/discovery_namespaces.sh.)
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/discovery.hpp"
#include "core/identity.hpp"
#include "net/discovery.hpp"
#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using test::RunningServer;
using test::TestClient;

namespace {

// A LanBrowser on its own thread, with what it heard.
class Browser {
 public:
  explicit Browser(std::uint16_t port) {
    m_browser = std::make_unique<net::LanBrowser>(
        m_io,
        [this](const std::string& ip, const core::ServerAnnouncement& info, int rtt) {
          std::lock_guard lock(m_mutex);
          m_list.seen(ip, info, rtt, now_ms());
          m_cv.notify_all();
        },
        port);
    m_thread = std::thread([this] { m_io.run(); });
  }
  ~Browser() {
    asio::post(m_io, [this] { m_browser.reset(); });
    m_thread.join();
  }
  // Waits until `done(list)` holds: on every answer, and every 100 ms for
  // servers that fell silent (as the window's list sweeps).
  template <class F>
  bool until(F done, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::unique_lock lock(m_mutex);
    for (;;) {
      m_list.expire(now_ms());
      if (done(m_list.servers())) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      m_cv.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

 private:
  static core::Millis now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  asio::io_context m_io;
  std::unique_ptr<net::LanBrowser> m_browser;
  std::thread m_thread;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  core::LanServerList m_list;
};

net::ChatServerOptions announcing(std::uint16_t discovery_port, const std::string& name) {
  auto o = RunningServer::test_options();
  o.bind_address = "0.0.0.0";
  o.discovery = net::DiscoveryOptions{discovery_port, name, "alice"};
  return o;
}

const core::LanServer* find(const std::vector<core::LanServer>& list, std::uint16_t port) {
  for (const auto& s : list)
    if (s.info.port == port) return &s;
  return nullptr;
}

// Sends `datagram` to the responder from a socket of our own; returns the
// answers that come within the time.
std::vector<std::string> ask_raw(std::uint16_t port, const std::string& datagram, int times = 1,
                                 int wait_ms = 500) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < times; ++i)
    ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  std::vector<std::string> answers;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now()).count());
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) break;
    char buf[2048];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) answers.emplace_back(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answers;
}

}  // namespace

TEST_CASE("discovery: a browser finds the server with its name, host, users and lock") {
  std::uint16_t dport = test::free_udp_port();
  auto config = RunningServer::test_config();
  config.password = "letmein";
  RunningServer s(config, announcing(dport, "Alice's LAN"));
  Browser browser(dport);
  REQUIRE(browser.until([&](const auto& l) { return find(l, s.port()) != nullptr; }));
  TestClient bob(s.port());
  bob.send("CONNECT: \"bob\" \"bob\" 1.0.0 \"letmein\"");
  bob.sync();
  // The count follows within a query or two.
  REQUIRE(browser.until([&](const auto& l) {
    auto* found = find(l, s.port());
    return found && found->info.users == 1;
  }));
  browser.until([&](const auto& l) {
    auto* found = find(l, s.port());
    CHECK(found->info.name == "Alice's LAN");
    CHECK(found->info.host == "alice");
    CHECK(found->info.locked);
    CHECK(found->info.identity == core::key_hex(RunningServer::identity()->public_key));
    CHECK(found->rtt_ms >= 0);
    return true;
  });
}

TEST_CASE("discovery: a server that stops is gone from the list within seconds") {
  std::uint16_t dport = test::free_udp_port();
  auto server = std::make_unique<RunningServer>(RunningServer::test_config(), announcing(dport, "Short-lived"));
  std::uint16_t port = server->port();
  Browser browser(dport);
  REQUIRE(browser.until([&](const auto& l) { return find(l, port) != nullptr; }));
  auto stopped = std::chrono::steady_clock::now();
  server.reset();
  REQUIRE(browser.until([&](const auto& l) { return find(l, port) == nullptr; },
                        static_cast<int>(core::kForgetServerAfterMs) + 3000));
  MESSAGE("gone from the list "
          << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stopped).count()
          << " ms after it stopped");
}

TEST_CASE("discovery: a server without discovery is not found") {
  std::uint16_t dport = test::free_udp_port();
  RunningServer quiet;  // test_options(): no discovery
  RunningServer loud(RunningServer::test_config(), announcing(dport, "Loud"));
  Browser browser(dport);
  REQUIRE(browser.until([&](const auto& l) { return find(l, loud.port()) != nullptr; }));
  CHECK_FALSE(browser.until([&](const auto& l) { return find(l, quiet.port()) != nullptr; }, 1500));
}

TEST_CASE("discovery: garbage gets no answer, answers are never larger than the query, and are rate limited") {
  std::uint16_t dport = test::free_udp_port();
  RunningServer s(RunningServer::test_config(), announcing(dport, std::string(300, 'N')));
  CHECK(ask_raw(dport, "VOIXER? 1 0123456789abcdef\n").empty());  // not padded: too small to answer
  CHECK(ask_raw(dport, std::string(256, 'x')).empty());
  auto one = ask_raw(dport, core::format_query("0123456789abcdef"));
  REQUIRE(one.size() == 1);
  CHECK(one[0].size() <= core::kDiscoveryDatagram);
  CHECK(core::parse_announcement(one[0])->nonce == "0123456789abcdef");
  // A flood from one address: the burst, then nothing more.
  auto flood = ask_raw(dport, core::format_query("fedcba9876543210"), 200);
  MESSAGE(flood.size() << " answers to 200 queries");
  CHECK(flood.size() <= 10);
}

// asio cannot cancel a timer that has already fallen due: its handler runs
// with success. A browser stopped in that moment (`voixer lan` stopping at
// its deadline, the window's list closing) must not ask again, or its
// thread's io_context never runs out of work and the join waits forever.
TEST_CASE("discovery: a browser stopped as its query timer falls due lets its thread end") {
  asio::io_context io;
  auto browser = std::make_unique<net::LanBrowser>(
      io, [](const std::string&, const core::ServerAnnouncement&, int) {}, test::free_udp_port());
  // The browser's next query is due 1 s from now; the stop falls due before
  // it. The thread is held until both are due, so one pass of the reactor
  // finds both, and the stop runs first.
  const auto both_due = std::chrono::steady_clock::now() + std::chrono::milliseconds(1200);
  asio::steady_timer stop(io);
  stop.expires_after(std::chrono::milliseconds(500));
  stop.async_wait([&](asio::error_code) { browser.reset(); });
  asio::post(io, [&] { std::this_thread::sleep_until(both_due); });
  io.run_for(std::chrono::seconds(4));
  CHECK(browser == nullptr);
  CHECK(io.stopped());  // out of work: no query timer was set again
}
