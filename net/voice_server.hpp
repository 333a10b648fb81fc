// The voice relay: an ENet host on UDP beside the TCP server, serviced on
// the same asio thread. Each new peer is sent a VOICECHALLENGE; it binds to
// a call member on the reliable channel with TALKPROOF (a MAC of the
// challenge: sealed voice, core/voice_seal.hpp) or the seed's TALKSESSION
// (the bare key: plain voice, for plain clients only). Its voice frames
// (unreliable channel) are opened if sealed, stamped with the speaker, and
// forwarded to the other bound members of the call, sealed again for each
// sealed recipient. Nothing is decoded or mixed here.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/server.hpp"

namespace voixer::net {

struct VoiceStats {
  std::uint64_t frames_received = 0;
  std::uint64_t frames_forwarded = 0;   // counted once per receiving peer
  std::uint64_t dropped_unbound = 0;    // from peers not bound to a joined member
  std::uint64_t dropped_malformed = 0;  // not a valid client voice frame
  std::uint64_t dropped_rate = 0;       // over a member's voice budget (core/voice_budget.hpp)
  std::uint64_t peers_refused = 0;      // over the cap of peers from one address
  std::uint64_t peers_unbound_dropped = 0;  // did not bind in time
  std::uint64_t dropped_unopened = 0;   // from a sealed peer, did not open under its key
  std::uint64_t dropped_replayed = 0;   // sealed, with a counter seen before or too old
};

// What one voice peer may hold. A voice connection that has not bound to a
// call member (TALKSESSION with a valid key) is a stranger: it is dropped
// after bind_timeout_ms, and one address holds at most a few peers, so
// strangers never fill the host. Packets are kept small: a voice frame or a
// control line is at most a few kilobytes (ENet would accept 32 MiB).
struct VoiceLimits {
  std::int64_t bind_timeout_ms = 5000;
  std::size_t max_peers_per_address = 4;
  std::size_t max_packet_bytes = 8192;
  std::size_t max_waiting_bytes = 64 * 1024;  // per peer, while ENet reassembles
};

class VoiceServer {
 public:
  // Binds UDP `port` on `bind_address`; throws std::runtime_error with a
  // one-line reason when it cannot.
  VoiceServer(asio::io_context& io, core::Server& server, const std::string& bind_address,
              std::uint16_t port, std::size_t max_peers, VoiceLimits limits = {});
  ~VoiceServer();
  VoiceServer(const VoiceServer&) = delete;
  VoiceServer& operator=(const VoiceServer&) = delete;

  void shutdown();
  const VoiceStats& stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::net
