#include "net/voice_client.hpp"

#include <sodium.h>

#include <array>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/protocol.hpp"
#include "core/voice_frame.hpp"
#include "core/voice_seal.hpp"
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

  void bind(const std::string& key, Binding binding) {
    m_pending_key = key;
    m_binding = binding;
    m_keys.reset();
    m_replay = {};
    if (binding == Binding::Sealed) m_keys = core::derive_voice_keys(key);
    if (m_connected) send_bind();
  }

  void send_frame(std::span<const std::uint8_t> frame) {
    if (!m_connected || !m_peer) return;
    if (m_keys) {
      if (frame.size() + core::kVoiceSealOverhead > m_sealed.size()) return;
      std::size_t n = core::seal_voice(*m_keys, core::VoiceDirection::ToServer, ++m_sent, frame,
                                       m_sealed);
      frame = {m_sealed.data(), n};
    }
    ENetPacket* p = enet_packet_create(frame.data(), frame.size(), ENET_PACKET_FLAG_UNSEQUENCED);
    if (enet_peer_send(m_peer, kVoiceChannel, p) != 0) enet_packet_destroy(p);
    enet_host_flush(m_host.get());
  }

  bool connected() const { return m_connected; }
  std::uint32_t round_trip_ms() const { return m_peer ? m_peer->roundTripTime : 0; }
  std::uint64_t frames_refused() const { return m_refused; }

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
  // Sealed: only once the server's challenge for this connection is here.
  void send_bind() {
    if (m_pending_key.empty()) return;
    std::string line;
    if (m_binding == Binding::BareKey) {
      line = core::format(core::ClientMessage{core::TalkSession{m_pending_key}});
    } else if (m_challenge) {
      line = core::format(core::ClientMessage{
          core::TalkProof{m_keys->id, core::voice_proof(*m_keys, *m_challenge)}});
    } else {
      return;
    }
    ENetPacket* p = enet_packet_create(line.data(), line.size(), ENET_PACKET_FLAG_RELIABLE);
    if (enet_peer_send(m_peer, kControlChannel, p) != 0) enet_packet_destroy(p);
    enet_host_flush(m_host.get());
  }

  void on_event(ENetEvent& event) {
    switch (event.type) {
      case ENET_EVENT_TYPE_CONNECT:
        m_connected = true;
        keep_unreliable_packets(event.peer);
        send_bind();
        if (m_handlers.on_connected) m_handlers.on_connected();
        break;
      case ENET_EVENT_TYPE_RECEIVE: {
        std::span<const std::uint8_t> bytes(event.packet->data, event.packet->dataLength);
        if (event.channelID == kVoiceChannel) {
          on_frame(bytes);
        } else {
          on_control(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
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

  void on_control(std::string_view line) {
    auto parsed = core::parse_server(line);
    auto* msg = std::get_if<core::ServerMessage>(&parsed);
    if (auto* challenge = msg ? std::get_if<core::VoiceChallenge>(msg) : nullptr) {
      std::array<std::uint8_t, core::kVoiceChallengeBytes> bytes{};
      std::size_t n = 0;
      if (sodium_hex2bin(bytes.data(), bytes.size(), challenge->challenge.data(),
                         challenge->challenge.size(), nullptr, &n, nullptr) == 0 &&
          n == bytes.size()) {
        m_challenge = bytes;
        send_bind();
      }
      return;
    }
    if (m_handlers.on_control) m_handlers.on_control(line);
  }

  void on_frame(std::span<const std::uint8_t> bytes) {
    if (m_binding == Binding::Sealed) {
      auto opened = m_keys ? core::open_voice(*m_keys, core::VoiceDirection::ToClient, bytes,
                                              m_opened)
                           : std::nullopt;
      if (!opened || !m_replay.fresh(opened->counter)) {
        ++m_refused;
        return;
      }
      m_replay.mark(opened->counter);
      bytes = {m_opened.data(), opened->length};
    }
    if (m_handlers.on_frame) m_handlers.on_frame(bytes);
  }

  EnetHostPtr m_host;
  ENetPeer* m_peer = nullptr;
  asio::io_context& m_io;
  std::shared_ptr<EnetPump> m_pump;
  Handlers m_handlers;
  std::string m_pending_key;
  Binding m_binding = Binding::Sealed;
  std::optional<core::VoiceKeys> m_keys;  // sealed
  std::optional<std::array<std::uint8_t, core::kVoiceChallengeBytes>> m_challenge;
  core::ReplayWindow m_replay;
  std::uint32_t m_sent = 0;  // counter of the last frame sealed
  std::uint64_t m_refused = 0;
  std::array<std::uint8_t, core::kMaxServerVoiceFrame + core::kVoiceSealOverhead> m_sealed{};
  std::vector<std::uint8_t> m_opened = std::vector<std::uint8_t>(16 * 1024);
  bool m_connected = false;
};

VoiceClient::VoiceClient(asio::io_context& io, Handlers handlers)
    : m_impl(std::make_shared<Impl>(io, std::move(handlers))) {}
VoiceClient::~VoiceClient() { m_impl->close(); }
void VoiceClient::connect(const std::string& host, std::uint16_t port) {
  m_impl->connect(host, port);
}
void VoiceClient::bind(const std::string& key, Binding binding) { m_impl->bind(key, binding); }
void VoiceClient::send_frame(std::span<const std::uint8_t> frame) { m_impl->send_frame(frame); }
bool VoiceClient::connected() const { return m_impl->connected(); }
std::uint32_t VoiceClient::round_trip_ms() const { return m_impl->round_trip_ms(); }
std::uint64_t VoiceClient::frames_refused() const { return m_impl->frames_refused(); }
void VoiceClient::close() { m_impl->close(); }

}  // namespace voixer::net
