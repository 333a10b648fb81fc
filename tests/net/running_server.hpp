// A real voixer server (TCP text + UDP voice) on an ephemeral port,
// running on its own thread, for loopback tests.
#pragma once

#include <future>
#include <memory>
#include <thread>

#include "net/chat_server.hpp"

namespace voixer::test {

// A real server on an ephemeral port, running on its own thread.
struct RunningServer {
  asio::io_context io;
  std::unique_ptr<net::ChatServer> server;
  std::thread thread;

  explicit RunningServer(core::ServerConfig config = test_config(),
                         net::ChatServerOptions options = test_options()) {
    server = std::make_unique<net::ChatServer>(io, config, options);
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    asio::post(io, [this] { server->shutdown("test over"); });
    thread.join();
  }
  std::uint16_t port() const { return server->port(); }

  static core::ServerConfig test_config() {
    core::ServerConfig c;
    c.hostname = "loopback";
    c.flood_rate = 0;
    return c;
  }
  static net::ChatServerOptions test_options() {
    net::ChatServerOptions o;
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.tick_interval_ms = 10;
    o.identity = identity();
    return o;
  }
  // One identity for every server of a test process, as a real server keeps
  // its own across restarts: a client that pinned it trusts the restarted one.
  static std::shared_ptr<const core::Identity> identity() {
    static auto id = std::make_shared<const core::Identity>(core::Identity::generate());
    return id;
  }
};

// Runs `f` on the server's thread and returns its result.
template <class F>
auto on_server_thread(RunningServer& s, F f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(f);
  auto result = task.get_future();
  asio::post(s.io, [&task] { task(); });
  return result.get();
}

}  // namespace voixer::test
