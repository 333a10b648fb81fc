#include "net/voice_client.hpp"

#include <unistd.h>

#include <stdexcept>

#include "core/protocol.hpp"
#include "net/enet_support.hpp"

namespace voixer::net {

class VoiceClient::Impl : public std::enable_shared_from_this<VoiceClient::Impl> {
 public:
  Impl(asio::io_context& io, Handlers h) : m_socket(io), m_timer(io), m_handlers(std::move(h)) {
    ensure_enet();
    m_host.reset(enet_host_create(nullptr, 1, kChannelCount, 0, 0));
    if (!m_host) throw std::runtime_error("cannot create the voice (UDP) socket");
    m_socket.assign(::dup(m_host->socket));
  }

  void connect(const std::string& host, std::uint16_t port) {
    ENetAddress address{};
    address.port = port;
    if (enet_address_set_host(&address, host.c_str()) != 0)
      throw std::runtime_error("cannot resolve voice host '" + host + "'");
    m_peer = enet_host_connect(m_host.get(), &address, kChannelCount, 0);
    if (!m_peer) throw std::runtime_error("cannot start the voice connection");
    enet_host_flush(m_host.get());
    wait_readable();
    schedule_timer();
  }

  void bind(const std::string& key) {
    m_pending_key = key;
    if (m_connected) send_bind();
  }

  void send_frame(std::span<const std::uint8_t> frame) {
    if (!m_connected || !m_peer) return;
    ENetPacket* p = enet_packet_create(frame.data(), frame.size(), ENET_PACKET_FLAG_UNSEQUENCED);
    if (enet_peer_send(m_peer, kVoiceChannel, p) != 0) enet_packet_destroy(p);
    enet_host_flush(m_host.get());
  }

  bool connected() const { return m_connected; }
  std::uint32_t round_trip_ms() const { return m_peer ? m_peer->roundTripTime : 0; }

  void close() {
    if (!m_host) return;
    if (m_peer) {
      enet_peer_disconnect_now(m_peer, 0);
      m_peer = nullptr;
    }
    asio::error_code ignored;
    m_socket.close(ignored);
    m_timer.cancel();
    m_host.reset();
    m_connected = false;
  }

 private:
  void send_bind() {
    std::string line = core::format(core::ClientMessage{core::TalkSession{m_pending_key}});
    ENetPacket* p = enet_packet_create(line.data(), line.size(), ENET_PACKET_FLAG_RELIABLE);
    if (enet_peer_send(m_peer, kControlChannel, p) != 0) enet_packet_destroy(p);
    enet_host_flush(m_host.get());
  }

  void wait_readable() {
    m_socket.async_wait(asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this()](asio::error_code ec) {
                          if (ec || !self->m_host) return;
                          self->wait_readable();  // re-arm first: edge-triggered
                          self->service();
                        });
  }

  void schedule_timer() {
    m_timer.expires_after(std::chrono::milliseconds(20));
    m_timer.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec || !self->m_host) return;
      self->service();
      self->schedule_timer();
    });
  }

  void service() {
    ENetEvent event;
    while (m_host && enet_host_service(m_host.get(), &event, 0) > 0) {
      switch (event.type) {
        case ENET_EVENT_TYPE_CONNECT:
          m_connected = true;
          keep_unreliable_packets(event.peer);
          if (!m_pending_key.empty()) send_bind();
          if (m_handlers.on_connected) m_handlers.on_connected();
          break;
        case ENET_EVENT_TYPE_RECEIVE: {
          std::span<const std::uint8_t> bytes(event.packet->data, event.packet->dataLength);
          if (event.channelID == kVoiceChannel) {
            if (m_handlers.on_frame) m_handlers.on_frame(bytes);
          } else if (m_handlers.on_control) {
            m_handlers.on_control(
                std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
          }
          enet_packet_destroy(event.packet);
          break;
        }
        case ENET_EVENT_TYPE_DISCONNECT:
          m_connected = false;
          m_peer = nullptr;
          if (m_handlers.on_closed) m_handlers.on_closed("voice connection lost");
          break;
        case ENET_EVENT_TYPE_NONE:
          break;
      }
    }
    if (m_host) enet_host_flush(m_host.get());
  }

  EnetHostPtr m_host;
  ENetPeer* m_peer = nullptr;
  asio::posix::stream_descriptor m_socket;
  asio::steady_timer m_timer;
  Handlers m_handlers;
  std::string m_pending_key;
  bool m_connected = false;
};

VoiceClient::VoiceClient(asio::io_context& io, Handlers handlers)
    : m_impl(std::make_shared<Impl>(io, std::move(handlers))) {}
VoiceClient::~VoiceClient() { m_impl->close(); }
void VoiceClient::connect(const std::string& host, std::uint16_t port) {
  m_impl->connect(host, port);
}
void VoiceClient::bind(const std::string& key) { m_impl->bind(key); }
void VoiceClient::send_frame(std::span<const std::uint8_t> frame) { m_impl->send_frame(frame); }
bool VoiceClient::connected() const { return m_impl->connected(); }
std::uint32_t VoiceClient::round_trip_ms() const { return m_impl->round_trip_ms(); }
void VoiceClient::close() { m_impl->close(); }

}  // namespace voixer::net
