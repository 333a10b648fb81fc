#include "net/line_client.hpp"

#include <cstring>
#include <vector>

#include "core/sealed_stream.hpp"

namespace voixer::net {

using asio::ip::tcp;

class LineClient::Impl : public std::enable_shared_from_this<LineClient::Impl> {
 public:
  Impl(asio::io_context& io, Handlers h, Security security)
      : m_resolver(io), m_socket(io), m_linger(io), m_handlers(std::move(h)) {
    if (security == Security::Sealed) {
      m_sealed = std::make_unique<core::SealedClientSide>();
      m_wire = m_sealed->hello();
    }
  }

  void connect(const std::string& host, std::uint16_t port) {
    m_target = host + ":" + std::to_string(port);
    m_resolver.async_resolve(
        host, std::to_string(port),
        [self = shared_from_this()](asio::error_code ec,
                                    tcp::resolver::results_type results) {
          if (ec) return self->closed("cannot resolve " + self->m_target + ": " + ec.message());
          asio::async_connect(self->m_socket, results,
                              [self](asio::error_code ec, const tcp::endpoint&) {
                                if (ec)
                                  return self->closed("cannot connect to " + self->m_target +
                                                      ": " + ec.message());
                                asio::error_code ignored;
                                self->m_socket.set_option(tcp::no_delay(true), ignored);
                                self->m_connected = true;
                                if (!self->m_sealed && self->m_handlers.on_connected)
                                  self->m_handlers.on_connected();
                                self->write();
                                self->read();
                              });
        });
  }

  void send(std::string_view line) {
    if (m_done || m_closing) return;
    m_out.append(line);
    m_out.push_back('\n');
    if (m_connected) write();
  }

  void close() {
    if (m_done) return;
    m_closing = true;
    if (m_target.empty()) return closed("closed");  // never asked to connect
    // Still connecting: what is queued goes out once connected, then close.
    if (m_connected && !m_writing) write();
  }

 private:
  void read() {
    m_socket.async_read_some(
        asio::buffer(m_buf), [self = shared_from_this()](asio::error_code ec, std::size_t n) {
          if (self->m_done) return;
          if (ec) {
            return self->closed(ec == asio::error::eof ? "connection closed by server"
                                                       : ec.message());
          }
          if (!self->m_sealed) {
            self->m_in.append(self->m_buf.data(), n);
          } else if (!self->open(n)) {
            return;
          }
          self->deliver_lines();
          if (!self->m_done) self->read();
        });
  }

  // Sealed bytes in: the server's hello (its identity is put to the owner),
  // then records, opened into m_in. False when the connection ended.
  bool open(std::size_t n) {
    std::string error;
    if (!m_sealed->receive({reinterpret_cast<const std::uint8_t*>(m_buf.data()), n}, m_in, error)) {
      closed("sealed connection failed: " + error);
      return false;
    }
    if (m_sealed->established() || !m_sealed->server_key()) return true;
    std::string refused;
    if (m_handlers.on_identity && !m_handlers.on_identity(*m_sealed->server_key(), refused)) {
      closed(refused);
      return false;
    }
    if (!m_sealed->accept(m_wire, m_in, error)) {
      closed("sealed connection failed: " + error);
      return false;
    }
    if (m_handlers.on_connected) m_handlers.on_connected();
    if (m_done) return false;
    write();
    return true;
  }

  void deliver_lines() {
    std::size_t start = 0;
    for (;;) {
      auto nl = m_in.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(m_in.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      start = nl + 1;
      if (m_handlers.on_line) m_handlers.on_line(line);
      if (m_done) return;
    }
    m_in.erase(0, start);
  }

  void write() {
    if (m_writing || m_done) return;
    // Lines go out sealed once the handshake is done; until then only the
    // handshake's own bytes do.
    if (!m_sealed) {
      m_wire += m_out;
      m_out.clear();
    } else if (m_sealed->established() && !m_out.empty()) {
      m_sealed->seal(m_out, m_wire);
      m_out.clear();
    }
    if (m_wire.empty()) {
      if (!m_out.empty()) return;  // waiting for the handshake
      if (m_closing && !m_half_closed) {
        // Everything is sent; keep reading what the server still says
        // until it closes, but not forever.
        m_half_closed = true;
        asio::error_code ignored;
        m_socket.shutdown(tcp::socket::shutdown_send, ignored);
        m_linger.expires_after(std::chrono::seconds(2));
        m_linger.async_wait([self = shared_from_this()](asio::error_code ec) {
          if (!ec) self->closed("closed");
        });
      }
      return;
    }
    m_writing = true;
    m_sending.swap(m_wire);
    m_wire.clear();
    asio::async_write(m_socket, asio::buffer(m_sending),
                      [self = shared_from_this()](asio::error_code ec, std::size_t) {
                        self->m_writing = false;
                        self->m_sending.clear();
                        if (self->m_done) return;
                        if (ec) return self->closed(ec.message());
                        self->write();
                      });
  }

  void closed(const std::string& reason) {
    if (m_done) return;
    m_done = true;
    asio::error_code ignored;
    m_linger.cancel();
    m_socket.close(ignored);
    if (m_handlers.on_closed) m_handlers.on_closed(reason);
  }

  tcp::resolver m_resolver;
  tcp::socket m_socket;
  asio::steady_timer m_linger;
  Handlers m_handlers;
  std::string m_target;
  std::array<char, 16384> m_buf{};
  std::string m_in, m_out, m_sending;
  std::string m_wire;  // bytes for the socket: m_out, sealed or not, after the handshake's
  std::unique_ptr<core::SealedClientSide> m_sealed;  // null: plain
  bool m_connected = false, m_writing = false, m_closing = false, m_done = false;
  bool m_half_closed = false;
};

LineClient::LineClient(asio::io_context& io, Handlers handlers, Security security)
    : m_impl(std::make_shared<Impl>(io, std::move(handlers), security)) {}
LineClient::~LineClient() = default;
void LineClient::connect(const std::string& host, std::uint16_t port) {
  m_impl->connect(host, port);
}
void LineClient::send(std::string_view line) { m_impl->send(line); }
void LineClient::close() { m_impl->close(); }

}  // namespace voixer::net
