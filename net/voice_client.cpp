#include "net/voice_client.hpp"

#include <stdexcept>

#include "core/protocol.hpp"
#include "net/enet_pump.hpp"
#include "net/enet_support.hpp"

namespace voixer::net {

class VoiceClient::Impl : public std::enable_shared_from_this<VoiceClient::Impl> {
 public:
  Impl(asio::io_context& io, Handlers h) : m_io(io), m_handlers(std::move(h)) {
    ensure_enet();
    m_host.reset(enet_host_create(nullptr, 1, kChannelCount, 0, 0));
    if (!m_host) throw std::runtime_error("cannot create the voice (UDP) socket");
  }

  void connect(const std::string& host, std::uint16_t port) {
    ENetAddress address{};
    address.port = port;
    if (enet_address_set_host(&address, host.c_str()) != 0)
      throw std::runtime_error("cannot resolve voice host '" + host + "'");
    m_peer = enet_host_connect(m_host.get(), &address, kChannelCount, 0);
    if (!m_peer) throw std::runtime_error("cannot start the voice connection");
    enet_host_flush(m_host.get());
    m_pump = EnetPump::start(
        m_io, m_host.get(), [this](ENetEvent& e) { on_event(e); },
        [] { return std::chrono::milliseconds(20); });
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
    if (m_pump) m_pump->stop();
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

  void on_event(ENetEvent& event) {
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

  EnetHostPtr m_host;
  ENetPeer* m_peer = nullptr;
  asio::io_context& m_io;
  std::shared_ptr<EnetPump> m_pump;
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
