// Services one ENet host on an asio thread: drains its events whenever its
// socket becomes readable, and on a timer for ENet's own resends, pings and
// timeouts. Shared by the voice server and the voice client.
#pragma once

#include <asio.hpp>
#include <enet/enet.h>

#include <functional>
#include <memory>

namespace voixer::net {

class EnetPump : public std::enable_shared_from_this<EnetPump> {
 public:
  using OnEvent = std::function<void(ENetEvent&)>;
  // `interval` says how long until the next timed service (it may depend
  // on whether peers are connected).
  using Interval = std::function<std::chrono::milliseconds()>;

  static std::shared_ptr<EnetPump> start(asio::io_context& io, ENetHost* host, OnEvent on_event,
                                         Interval interval);
  // Stops servicing; no callback runs after this returns.
  void stop();
  // Drain pending events now (after sending, for instance).
  void service();

  EnetPump(asio::io_context& io, ENetHost* host, OnEvent on_event, Interval interval);

 private:
  void wait_readable();
  void schedule_timer();

  ENetHost* m_host;
  asio::posix::stream_descriptor m_socket;
  asio::steady_timer m_timer;
  OnEvent m_on_event;
  Interval m_interval;
  bool m_stopped = false;
};

}  // namespace voixer::net
