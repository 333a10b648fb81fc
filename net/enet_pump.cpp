#include "net/enet_pump.hpp"

#include <unistd.h>

namespace voixer::net {

EnetPump::EnetPump(asio::io_context& io, ENetHost* host, OnEvent on_event, Interval interval)
    : m_host(host), m_socket(io), m_timer(io), m_on_event(std::move(on_event)),
      m_interval(std::move(interval)) {
  // asio waits on a duplicate of ENet's socket; ENet keeps doing the I/O.
  m_socket.assign(::dup(host->socket));
}

std::shared_ptr<EnetPump> EnetPump::start(asio::io_context& io, ENetHost* host, OnEvent on_event,
                                          Interval interval) {
  auto pump = std::make_shared<EnetPump>(io, host, std::move(on_event), std::move(interval));
  pump->wait_readable();
  pump->schedule_timer();
  return pump;
}

void EnetPump::stop() {
  m_stopped = true;
  asio::error_code ignored;
  m_socket.close(ignored);
  m_timer.cancel();
}

void EnetPump::wait_readable() {
  m_socket.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](asio::error_code ec) {
                        if (ec || self->m_stopped) return;
                        // Re-arm before draining: the wait is edge-triggered,
                        // and anything arriving from now on must wake us.
                        self->wait_readable();
                        self->service();
                      });
}

void EnetPump::schedule_timer() {
  m_timer.expires_after(m_interval());
  m_timer.async_wait([self = shared_from_this()](asio::error_code ec) {
    if (ec || self->m_stopped) return;
    self->service();
    self->schedule_timer();
  });
}

void EnetPump::service() {
  ENetEvent event;
  while (!m_stopped && enet_host_service(m_host, &event, 0) > 0) m_on_event(event);
  if (!m_stopped) enet_host_flush(m_host);
}

}  // namespace voixer::net
