#include "net/voice_server.hpp"

#include <array>
#include <sodium.h>

#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "core/voice_budget.hpp"
#include "core/voice_frame.hpp"
#include "core/voice_seal.hpp"
#include "net/enet_pump.hpp"
#include "net/enet_support.hpp"

namespace voixer::net {

class VoiceServer::Impl : public std::enable_shared_from_this<VoiceServer::Impl> {
 private:
  struct Peer {
    ENetPeer* enet = nullptr;
    std::uint32_t address = 0;  // IPv4, as ENet keeps it
    std::int64_t connected_ms = 0;
    bool bound = false;
    core::VoiceBudget budget;
    std::array<std::uint8_t, core::kVoiceChallengeBytes> challenge{};
    std::optional<core::VoiceKeys> keys;  // bound with a proof: its voice is sealed
    core::ReplayWindow replay;            // counters received
    std::uint32_t sent = 0;               // counter of the last frame sealed for it
  };

 public:
  Impl(asio::io_context& io, core::Server& server, const std::string& bind_address,
       std::uint16_t port, std::size_t max_peers, VoiceLimits limits)
      : m_server(server), m_io(io), m_sweep(io), m_limits(limits) {
    ensure_enet();
    ENetAddress address{};
    address.port = port;
    if (bind_address == "0.0.0.0" || bind_address.empty()) {
      address.host = ENET_HOST_ANY;
    } else if (enet_address_set_host_ip(&address, bind_address.c_str()) != 0) {
      throw std::runtime_error("invalid voice bind address '" + bind_address + "'");
    }
    // Room for every user plus strangers, who are capped per address and
    // dropped soon when they do not bind.
    std::size_t peers = std::min<std::size_t>(max_peers + 256, ENET_PROTOCOL_MAXIMUM_PEER_ID);
    m_host.reset(enet_host_create(&address, peers, kChannelCount, 0, 0));
    if (!m_host)
      throw std::runtime_error("UDP port " + std::to_string(port) +
                               " is already in use (voice)");
    m_host->maximumPacketSize = m_limits.max_packet_bytes;
    m_host->maximumWaitingData = m_limits.max_waiting_bytes;
  }

  void start() {
    m_pump = EnetPump::start(
        m_io, m_host.get(), [this](ENetEvent& e) { on_event(e); },
        // ENet's own resends and pings need servicing while peers are here.
        [this] { return std::chrono::milliseconds(m_peers.empty() ? 250 : 20); });
    sweep();
  }

  void shutdown() {
    if (!m_host) return;
    m_sweep.cancel();
    for (auto& [id, peer] : m_peers) enet_peer_disconnect_now(peer.enet, 0);
    m_peers.clear();
    if (m_pump) m_pump->stop();
    m_host.reset();
  }

  const VoiceStats& stats() const { return m_stats; }

 private:
  void on_event(ENetEvent& event) {
    switch (event.type) {
      case ENET_EVENT_TYPE_CONNECT: {
        std::uint32_t address = event.peer->address.host;
        if (m_per_address[address] >= m_limits.max_peers_per_address) {
          ++m_stats.peers_refused;
          event.peer->data = nullptr;
          enet_peer_disconnect_now(event.peer, 0);  // no DISCONNECT event follows
          break;
        }
        ++m_per_address[address];
        core::PeerId id = m_next_id++;
        event.peer->data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
        Peer& peer = m_peers[id];
        peer.enet = event.peer;
        peer.address = address;
        peer.connected_ms = steady_ms();
        randombytes_buf(peer.challenge.data(), peer.challenge.size());
        keep_unreliable_packets(event.peer);
        char hex[core::kVoiceChallengeBytes * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, peer.challenge.data(), peer.challenge.size());
        send(id, kControlChannel, core::format(core::ServerMessage{core::VoiceChallenge{hex}}),
             ENET_PACKET_FLAG_RELIABLE);
        break;
      }
      case ENET_EVENT_TYPE_RECEIVE:
        on_receive(peer_id(event.peer), event.channelID, event.packet);
        enet_packet_destroy(event.packet);
        break;
      case ENET_EVENT_TYPE_DISCONNECT: {
        if (!event.peer->data) break;  // refused at CONNECT
        forget(peer_id(event.peer));
        event.peer->data = nullptr;
        break;
      }
      case ENET_EVENT_TYPE_NONE:
        break;
    }
  }

  void forget(core::PeerId id) {
    auto it = m_peers.find(id);
    if (it == m_peers.end()) return;
    auto count = m_per_address.find(it->second.address);
    if (count != m_per_address.end() && --count->second == 0) m_per_address.erase(count);
    m_peers.erase(it);
    m_server.on_voice_peer_gone(id);
  }

  // Every quarter second: strangers that did not bind in time are dropped.
  void sweep() {
    m_sweep.expires_after(std::chrono::milliseconds(250));
    m_sweep.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec || !self->m_host) return;
      std::int64_t now = steady_ms();
      std::vector<core::PeerId> late;
      for (auto& [id, p] : self->m_peers)
        if (!p.bound && now - p.connected_ms >= self->m_limits.bind_timeout_ms) late.push_back(id);
      for (core::PeerId id : late) {
        ENetPeer* enet = self->m_peers[id].enet;
        enet->data = nullptr;
        enet_peer_disconnect_now(enet, 0);
        self->forget(id);
        ++self->m_stats.peers_unbound_dropped;
      }
      self->sweep();
    });
  }

  static std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  static std::int64_t steady_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  static core::PeerId peer_id(ENetPeer* peer) {
    return static_cast<core::PeerId>(reinterpret_cast<std::uintptr_t>(peer->data));
  }

  void on_receive(core::PeerId from, std::uint8_t channel, ENetPacket* packet) {
    std::span<const std::uint8_t> bytes(packet->data, packet->dataLength);
    auto self = m_peers.find(from);
    if (self == m_peers.end()) return;
    Peer& peer = self->second;
    if (channel == kControlChannel) {
      on_control(from, peer, bytes);
      return;
    }
    ++m_stats.frames_received;
    auto route = m_server.voice_route(from);
    if (!route) {
      ++m_stats.dropped_unbound;
      return;
    }
    if (peer.keys) {
      auto opened = core::open_voice(*peer.keys, core::VoiceDirection::ToServer, bytes, m_opened);
      if (!opened) {
        ++m_stats.dropped_unopened;
        return;
      }
      if (!peer.replay.fresh(opened->counter)) {
        ++m_stats.dropped_replayed;
        return;
      }
      peer.replay.mark(opened->counter);
      bytes = {m_opened.data(), opened->length};
    }
    auto frame = core::parse_client_voice(bytes);
    std::int64_t cost = frame ? core::opus_packet_duration_us(frame->opus) : 0;
    if (!peer.budget.spend(cost > 0 ? cost : 20'000, steady_us())) {
      ++m_stats.dropped_rate;
      return;
    }
    std::size_t n = core::stamp_voice(bytes, route->speaker, m_stamp);
    if (n == 0) {
      ++m_stats.dropped_malformed;
      return;
    }
    forward(from, *route, {m_stamp.data(), n});
  }

  void on_control(core::PeerId from, Peer& peer, std::span<const std::uint8_t> bytes) {
    if (bytes.size() > core::kMaxLineBytes) return;
    std::string_view line(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    char ip[64] = "?";
    ENetAddress where{peer.address, 0};
    enet_address_get_host_ip(&where, ip, sizeof ip);
    std::string reply = m_server.on_voice_session(from, line, {ip, peer.challenge});
    if (reply.rfind("SESSIONACCEPTED", 0) == 0) {
      // A peer that proved a key once is a member's, not a stranger.
      peer.bound = true;
      const core::VoiceKeys* keys = m_server.sealed_voice_keys(from);
      peer.keys = keys ? std::optional<core::VoiceKeys>(*keys) : std::nullopt;
      peer.replay = {};
    }
    send(from, kControlChannel, reply, ENET_PACKET_FLAG_RELIABLE);
  }

  // One stamped frame to every other bound member: sealed under each sealed
  // recipient's key, and one shared packet for the plain ones (ENet counts
  // references).
  void forward(core::PeerId from, const core::VoiceRoute& route,
               std::span<const std::uint8_t> stamped) {
    ENetPacket* shared = nullptr;
    for (core::PeerId to : route.peers) {
      if (to == from && !route.echo) continue;
      auto it = m_peers.find(to);
      if (it == m_peers.end()) continue;
      Peer& recipient = it->second;
      ENetPacket* out = nullptr;
      if (recipient.keys) {
        std::size_t n = core::seal_voice(*recipient.keys, core::VoiceDirection::ToClient,
                                         ++recipient.sent, stamped, m_sealed);
        out = enet_packet_create(m_sealed.data(), n, ENET_PACKET_FLAG_UNSEQUENCED);
      } else {
        if (!shared) shared = enet_packet_create(stamped.data(), stamped.size(), ENET_PACKET_FLAG_UNSEQUENCED);
        out = shared;
      }
      if (enet_peer_send(recipient.enet, kVoiceChannel, out) == 0) {
        ++m_stats.frames_forwarded;
      } else if (out != shared) {
        enet_packet_destroy(out);
      }
    }
    if (shared && shared->referenceCount == 0) enet_packet_destroy(shared);
  }

  void send(core::PeerId to, std::uint8_t channel, std::string_view bytes, std::uint32_t flags) {
    auto it = m_peers.find(to);
    if (it == m_peers.end()) return;
    ENetPacket* p = enet_packet_create(bytes.data(), bytes.size(), flags);
    if (enet_peer_send(it->second.enet, channel, p) != 0) enet_packet_destroy(p);
  }

  core::Server& m_server;
  EnetHostPtr m_host;
  asio::io_context& m_io;
  std::shared_ptr<EnetPump> m_pump;
  asio::steady_timer m_sweep;
  VoiceLimits m_limits;
  std::unordered_map<core::PeerId, Peer> m_peers;
  std::unordered_map<std::uint32_t, std::size_t> m_per_address;
  core::PeerId m_next_id = 1;
  VoiceStats m_stats;
  std::array<std::uint8_t, core::kMaxServerVoiceFrame> m_stamp{};
  std::array<std::uint8_t, core::kMaxServerVoiceFrame + core::kVoiceSealOverhead> m_sealed{};
  std::vector<std::uint8_t> m_opened = std::vector<std::uint8_t>(m_limits.max_packet_bytes);
};

VoiceServer::VoiceServer(asio::io_context& io, core::Server& server,
                         const std::string& bind_address, std::uint16_t port,
                         std::size_t max_peers, VoiceLimits limits)
    : m_impl(std::make_shared<Impl>(io, server, bind_address, port, max_peers, limits)) {
  m_impl->start();
}

VoiceServer::~VoiceServer() { m_impl->shutdown(); }
void VoiceServer::shutdown() { m_impl->shutdown(); }
const VoiceStats& VoiceServer::stats() const { return m_impl->stats(); }

}  // namespace voixer::net
