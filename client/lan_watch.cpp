#include "client/lan_watch.hpp"

#include <asio.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "net/discovery.hpp"

namespace voixer::client {

namespace {

core::Millis steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class LanWatch::Impl : public std::enable_shared_from_this<LanWatch::Impl> {
 public:
  Impl(std::function<void()> wake, std::uint16_t port)
      : m_wake(std::move(wake)), m_port(port), m_sweep(m_io) {}

  void start() {
    asio::post(m_io, [self = shared_from_this()] {
      self->m_browser = std::make_unique<net::LanBrowser>(
          self->m_io,
          [self](const std::string& ip, const core::ServerAnnouncement& info, int rtt_ms) {
            self->update([&](core::LanServerList& l) { return l.seen(ip, info, rtt_ms, steady_ms()); });
          },
          self->m_port);
      self->sweep();
    });
    m_thread = std::thread([self = shared_from_this()] { self->m_io.run(); });
  }

  void stop() {
    asio::post(m_io, [self = shared_from_this()] {
      // A sweep that already fell due runs with success despite cancel():
      // it must not start another, or run() would never return.
      self->m_stopping = true;
      self->m_sweep.cancel();
      self->m_browser.reset();
    });
    if (m_thread.joinable()) m_thread.join();
  }

  std::vector<core::LanServer> servers() const {
    std::lock_guard lock(m_mutex);
    return m_list.servers();
  }
  std::uint64_t version() const {
    std::lock_guard lock(m_mutex);
    return m_version;
  }

 private:
  template <class F>
  void update(F change) {
    bool changed;
    {
      std::lock_guard lock(m_mutex);
      changed = change(m_list);
      if (changed) ++m_version;
    }
    if (changed && m_wake) m_wake();
  }

  void sweep() {
    m_sweep.expires_after(std::chrono::milliseconds(500));
    m_sweep.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec || self->m_stopping) return;
      self->update([](core::LanServerList& l) { return l.expire(steady_ms()); });
      self->sweep();
    });
  }

  std::function<void()> m_wake;
  std::uint16_t m_port;
  asio::io_context m_io;
  asio::steady_timer m_sweep;
  bool m_stopping = false;  // watch thread only
  std::unique_ptr<net::LanBrowser> m_browser;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  core::LanServerList m_list;
  std::uint64_t m_version = 0;
};

LanWatch::LanWatch(std::function<void()> wake, std::uint16_t port)
    : m_impl(std::make_shared<Impl>(std::move(wake), port)) {
  m_impl->start();
}
LanWatch::~LanWatch() { m_impl->stop(); }
std::vector<core::LanServer> LanWatch::servers() const { return m_impl->servers(); }
std::uint64_t LanWatch::version() const { return m_impl->version(); }

}  // namespace voixer::client
