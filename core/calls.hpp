// Voice calls: who is in which call, who is being rung, and which voice
// connection (peer) speaks for whom. Part of the server state machine; the
// server feeds it TALK commands and voice-connection events, and it answers
// through a CallDirectory. Every member of a call has a session key of its
// own, so a key names both the call and the member holding it: binding a
// voice peer with TALKSESSION therefore identifies the user without
// trusting anything else the peer says.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/protocol.hpp"
#include "core/voice_seal.hpp"

namespace voixer::core {

using ConnId = std::uint64_t;
using Millis = std::int64_t;
using PeerId = std::uint32_t;  // a voice (ENet) connection

// The nickname of the server's loopback member: TALK *echo: REQUEST.
inline constexpr std::string_view kEchoNickname = "*echo";

// Ringing is an interruption: a caller rings a given user once at a time,
// and a user is rung at most this many times in this window by anyone.
inline constexpr int kMaxRingsPerWindow = 5;
inline constexpr Millis kRingWindow = 60'000;

// A call's members (joined and rung) fit one TALKMEMBERS line: 64 names of
// at most 32 bytes.
inline constexpr std::size_t kMaxCallMembers = 64;

// What the call book needs from the rest of the server.
class CallDirectory {
 public:
  virtual ~CallDirectory() = default;
  virtual std::string_view nickname_of(ConnId id) const = 0;
  virtual void send_to(ConnId id, const ServerMessage& m) = 0;
  virtual void error_to(ConnId id, std::string_view code, std::string message) = 0;
  virtual std::string new_session_key() = 0;
  // The member's text connection is sealed: its voice must be too.
  virtual bool is_sealed(ConnId id) const = 0;
  // Someone left voice room `room` (joining another room or a call, or
  // gone: then `tell_leaver` is false): the channel learns who is in it now.
  virtual void room_left(const std::string& /*room*/, ConnId /*leaver*/, bool /*tell_leaver*/) {}
};

// Where a voice frame from one peer goes: every peer in `peers` except the
// sender (or the sender itself too, in an echo call), stamped `speaker`.
struct VoiceRoute {
  std::string_view speaker;
  std::span<const PeerId> peers;
  bool echo = false;
};

class CallBook {
 public:
  CallBook(CallDirectory& directory, Millis ring_timeout);
  ~CallBook();

  // TALK <nickname>: REQUEST. `callee` 0 means the echo member.
  void request(ConnId caller, ConnId callee, Millis now);
  // TALK <key>: ACCEPT | DENY | HANGUP.
  void answer(ConnId who, const std::string& key, TalkVerb verb);
  // TALK <key> <nickname>: INVITE.
  void invite(ConnId who, const std::string& key, ConnId target, Millis now);
  // The user is gone: leave every call, stop every ring.
  void leave_all(ConnId who);
  // Unanswered rings time out.
  void tick(Millis now);

  // TALKSESSION: <key> on voice peer `peer` from `address`. Returns the
  // reply line (SESSIONACCEPTED or SESSIONERROR).
  std::string bind_peer(PeerId peer, std::string_view key, std::string_view address = {});
  // TALKPROOF on a peer that was sent `challenge` (sealed voice).
  std::string bind_proof(PeerId peer, const TalkProof& proof,
                         std::span<const std::uint8_t> challenge, std::string_view address);
  // The keys to open and seal `peer`'s voice, when it bound with a proof.
  const VoiceKeys* sealed_keys(PeerId peer) const;
  // The route for a frame from `peer`, or nullopt when the peer is not
  // bound to a member of an active call (the frame is dropped).
  std::optional<VoiceRoute> route(PeerId peer) const;
  void peer_gone(PeerId peer);

  // ---- voice rooms ---------------------------------------------------------
  // A voice room is a call of its own per channel (`room`: the channel's
  // folded name), joined without ringing, kept while anyone is in it, and
  // relayed like any call. A user is in one call or room at a time: joining
  // leaves the other (CallDirectory::room_left tells the channel).
  // Returns the member's session key ("" when the room is full: `who` is told).
  std::string join_room(ConnId who, const std::string& room);
  // Leaves the room `who` is in (told); returns its name, "" if none.
  std::string leave_room(ConnId who);
  std::string room_of(ConnId who) const;  // "" when in none
  struct RoomSeat {
    ConnId conn = 0;
    VoiceFlags flags;
  };
  std::vector<RoomSeat> room_members(const std::string& room) const;  // in joining order
  // The member's mute/deafen/talking; returns the room, "" if in none.
  std::string set_room_flags(ConnId who, VoiceFlags flags);
  // A joined member of a call (not a room) says how they are: the other
  // joined members get `VOICESTATE <their key> <nickname>: flags`, now and
  // with each new member list. False when `who` is in no call.
  bool set_call_flags(ConnId who, VoiceFlags flags);

  bool knows_key(const std::string& key) const;
  std::size_t call_count() const;
  bool in_call(ConnId who) const;  // a joined member of some call
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace voixer::core
