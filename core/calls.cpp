#include "core/calls.hpp"

#include "core/names.hpp"

#include <algorithm>
#include <deque>

namespace voixer::core {

namespace {

enum class MemberState { Ringing, Joined };

struct Member {
  ConnId conn = 0;
  std::string key;
  MemberState state = MemberState::Ringing;
  Millis rung_at = 0;
  ConnId rung_by = 0;  // Ringing: who rang
  PeerId peer = 0;  // 0: no voice connection bound
  std::string peer_address;  // where the bound voice connection comes from
  VoiceKeys voice;           // for a sealed member (core/voice_seal.hpp)
  bool sealed_peer = false;  // the peer proved the key: its voice is sealed
  VoiceFlags flags;          // as the member says (VOICESTATE)
};

struct Call {
  std::uint64_t id = 0;
  std::vector<Member> members;  // in the order they joined or were rung
  bool echo = false;            // the server is the other member
  bool was_active = false;      // two members have been joined at some point
  std::vector<PeerId> peers;    // bound voice peers of joined members
  std::string room;             // a voice room: the channel's folded name
};

}  // namespace

struct CallBook::Impl {
  CallDirectory& dir;
  Millis ring_timeout;
  std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls;
  std::unordered_map<std::string, std::uint64_t> by_key;
  std::unordered_map<std::string, std::string> key_of_id;  // VoiceKeys::id -> key
  struct Binding {
    std::uint64_t call;
    ConnId conn;
  };
  std::unordered_map<PeerId, Binding> by_peer;
  std::unordered_map<std::string, std::uint64_t> rooms;  // room -> call id
  std::unordered_map<ConnId, std::deque<Millis>> rings_received;  // within kRingWindow
  std::uint64_t next_id = 1;

  Impl(CallDirectory& d, Millis t) : dir(d), ring_timeout(t) {}

  // ---- lookups ----------------------------------------------------------

  Call* call_of_key(const std::string& key, Member** member) {
    auto it = by_key.find(key);
    if (it == by_key.end()) return nullptr;
    Call* call = calls.at(it->second).get();
    for (auto& m : call->members)
      if (m.key == key) *member = &m;
    return call;
  }

  static Member* member_of(Call& call, ConnId conn) {
    for (auto& m : call.members)
      if (m.conn == conn) return &m;
    return nullptr;
  }

  Call* joined_call(ConnId conn) {
    for (auto& [id, call] : calls) {
      Member* m = member_of(*call, conn);
      if (m && m->state == MemberState::Joined) return call.get();
    }
    return nullptr;
  }

  // Whether `caller` may ring `target` now; if not, the caller is told why.
  bool may_ring(ConnId caller, ConnId target, Millis now) {
    std::string nick(dir.nickname_of(target));
    for (const auto& [id, call] : calls)
      for (const auto& m : call->members)
        if (m.conn == target && m.state == MemberState::Ringing && m.rung_by == caller) {
          dir.error_to(caller, error_code::kRateLimited, "You are already ringing '" + nick + "'");
          return false;
        }
    auto& times = rings_received[target];
    while (!times.empty() && now - times.front() >= kRingWindow) times.pop_front();
    if (static_cast<int>(times.size()) >= kMaxRingsPerWindow) {
      Millis wait = times.front() + kRingWindow - now;
      dir.error_to(caller, error_code::kRateLimited,
                   "'" + nick + "' was rung " + std::to_string(kMaxRingsPerWindow) +
                       " times in the last minute; try again in " +
                       std::to_string((wait + 999) / 1000) + " s");
      return false;
    }
    times.push_back(now);
    return true;
  }

  std::string add_member(Call& call, ConnId conn, MemberState state, Millis now,
                         ConnId rung_by = 0) {
    Member m;
    m.conn = conn;
    m.rung_by = rung_by;
    m.key = dir.new_session_key();
    m.state = state;
    m.rung_at = now;
    m.voice = derive_voice_keys(m.key);
    by_key.emplace(m.key, call.id);
    key_of_id.emplace(m.voice.id, m.key);
    call.members.push_back(m);
    return m.key;
  }

  // ---- telling members ----------------------------------------------------

  std::vector<std::string> joined_names(const Call& call) const {
    std::vector<std::string> names;
    for (const auto& m : call.members)
      if (m.state == MemberState::Joined) names.emplace_back(dir.nickname_of(m.conn));
    if (call.echo) names.emplace_back(kEchoNickname);
    return names;
  }

  void send_members(Call& call) {
    auto names = joined_names(call);
    for (const auto& m : call.members)
      if (m.state == MemberState::Joined) dir.send_to(m.conn, TalkMembers{m.key, names});
    // Who is muted or has lost a device, for those who just came in.
    if (call.room.empty())
      for (const auto& m : call.members)
        if (m.state == MemberState::Joined && m.flags != VoiceFlags{}) send_flags(call, m);
  }

  // `about`'s flags to the other joined members of a call, each with its key.
  void send_flags(Call& call, const Member& about) {
    std::string nick(dir.nickname_of(about.conn));
    for (const auto& m : call.members)
      if (m.state == MemberState::Joined && m.conn != about.conn)
        dir.send_to(m.conn, VoiceState{m.key, nick, about.flags});
  }

  void send_event(Call& call, ConnId about, TalkEventKind kind) {
    std::string nick(dir.nickname_of(about));
    for (const auto& m : call.members)
      if (m.state == MemberState::Joined && m.conn != about)
        dir.send_to(m.conn, TalkEvent{m.key, nick, kind});
  }

  // ---- membership changes -------------------------------------------------

  void unbind(Member& m) {
    if (m.peer) by_peer.erase(m.peer);
    m.peer = 0;
    m.sealed_peer = false;
  }

  void forget_key(const Member& m) {
    by_key.erase(m.key);
    key_of_id.erase(m.voice.id);
  }

  void rebuild_peers(Call& call) {
    call.peers.clear();
    for (const auto& m : call.members)
      if (m.state == MemberState::Joined && m.peer) call.peers.push_back(m.peer);
  }

  void remove_member(Call& call, ConnId conn) {
    auto it = std::find_if(call.members.begin(), call.members.end(),
                           [&](const Member& m) { return m.conn == conn; });
    if (it == call.members.end()) return;
    unbind(*it);
    forget_key(*it);
    call.members.erase(it);
    rebuild_peers(call);
  }

  // Everyone still in the call learns `status`; the call is gone.
  void end_call(Call& call, TalkStatus status) {
    for (auto& m : call.members) {
      dir.send_to(m.conn, TalkState{m.key, status});
      unbind(m);
      forget_key(m);
    }
    calls.erase(call.id);
  }

  // After someone left: end the call if fewer than two remain, otherwise
  // tell the rest who is in it now (if that changed). `never_active` is what the remaining
  // member hears if the call never got going (the seed's DENIED, or TIMEOUT).
  void settle(Call& call, TalkStatus never_active, bool joined_changed) {
    if (call.echo) return;
    if (call.members.size() < 2) {
      end_call(call, call.was_active ? TalkStatus::Ended : never_active);
      return;
    }
    if (joined_changed) send_members(call);
  }

  // `conn` leaves `call`. kind says how (hung up, denied, timed out, gone);
  // `tell_leaver` is false when the leaver's connection is already gone.
  void leave(Call& call, ConnId conn, TalkEventKind kind, bool tell_leaver) {
    Member* m = member_of(call, conn);
    if (!m) return;
    if (!call.room.empty()) {
      std::string room = call.room;
      remove_member(call, conn);
      if (call.members.empty()) {
        rooms.erase(room);
        calls.erase(call.id);
      }
      dir.room_left(room, conn, tell_leaver);
      return;
    }
    std::string key = m->key;
    bool was_joined = m->state == MemberState::Joined;
    if (tell_leaver) {
      TalkStatus status = kind == TalkEventKind::Timeout ? TalkStatus::Timeout
                          : kind == TalkEventKind::Denied ? TalkStatus::Denied
                                                          : TalkStatus::Ended;
      // A denied call is acknowledged by the caller's DENIED, not to the
      // one who denied; everyone else is told.
      if (kind != TalkEventKind::Denied) dir.send_to(conn, TalkState{key, status});
    }
    if (call.echo) {
      remove_member(call, conn);
      calls.erase(call.id);
      return;
    }
    if (was_joined || call.was_active) send_event(call, conn, kind);
    remove_member(call, conn);
    settle(call, kind == TalkEventKind::Timeout  ? TalkStatus::Timeout
                 : kind == TalkEventKind::Denied ? TalkStatus::Denied
                                                 : TalkStatus::Ended,
           was_joined);
  }

  void leave_joined_call(ConnId conn, const Call* except) {
    Call* current = joined_call(conn);
    if (current && current != except) leave(*current, conn, TalkEventKind::Left, true);
  }

  // ---- commands -----------------------------------------------------------

  void request(ConnId caller, ConnId callee, Millis now) {
    if (callee != 0 && !may_ring(caller, callee, now)) return;
    leave_joined_call(caller, nullptr);
    auto call = std::make_unique<Call>();
    call->id = next_id++;
    Call& c = *call;
    calls.emplace(c.id, std::move(call));
    std::string caller_key = add_member(c, caller, MemberState::Joined, now);
    if (callee == 0) {
      c.echo = true;
      c.was_active = true;
      dir.send_to(caller, TalkOffer{std::string(kEchoNickname), caller_key});
      dir.send_to(caller, TalkState{caller_key, TalkStatus::Accepted});
      send_members(c);
      return;
    }
    std::string callee_key = add_member(c, callee, MemberState::Ringing, now, caller);
    dir.send_to(caller, TalkOffer{std::string(dir.nickname_of(callee)), caller_key});
    dir.send_to(callee, TalkOffer{std::string(dir.nickname_of(caller)), callee_key});
  }

  void answer(ConnId who, const std::string& key, TalkVerb verb) {
    Member* m = nullptr;
    Call* call = call_of_key(key, &m);
    if (!call) {
      dir.error_to(who, error_code::kNoSuchSession, "No call with key '" + shown(key) + "'");
      return;
    }
    if (m->conn != who) {
      dir.error_to(who, error_code::kNotAllowed, "Session key '" + shown(key) + "' is not yours");
      return;
    }
    if (verb == TalkVerb::Hangup) {
      leave(*call, who, m->state == MemberState::Ringing ? TalkEventKind::Denied
                                                         : TalkEventKind::Left,
            true);
      return;
    }
    if (m->state != MemberState::Ringing) {
      dir.error_to(who, error_code::kNotAllowed, "You are already in call '" + shown(key) + "'");
      return;
    }
    if (verb == TalkVerb::Deny) {
      // The caller of a call that never started gets the seed's DENIED
      // through settle(); in a running call the members get an event.
      leave(*call, who, TalkEventKind::Denied, true);
      return;
    }
    leave_joined_call(who, call);  // switching from another call
    m->state = MemberState::Joined;
    if (!call->was_active) {
      call->was_active = true;
      const Member& caller = call->members.front();
      dir.send_to(caller.conn, TalkState{caller.key, TalkStatus::Accepted});
    }
    rebuild_peers(*call);
    send_members(*call);
  }

  void invite(ConnId who, const std::string& key, ConnId target, Millis now) {
    Member* m = nullptr;
    Call* call = call_of_key(key, &m);
    if (!call) {
      dir.error_to(who, error_code::kNoSuchSession, "No call with key '" + shown(key) + "'");
      return;
    }
    if (m->conn != who || m->state != MemberState::Joined) {
      dir.error_to(who, error_code::kNotAllowed, "Only members of call '" + shown(key) + "' can invite");
      return;
    }
    if (call->echo) {
      dir.error_to(who, error_code::kNotAllowed, "Nobody can be invited into a mic test");
      return;
    }
    if (call->members.size() >= kMaxCallMembers) {
      dir.error_to(who, error_code::kNotAllowed,
                   "A call has at most " + std::to_string(kMaxCallMembers) + " members");
      return;
    }
    if (member_of(*call, target)) {
      dir.error_to(who, error_code::kNotAllowed,
                   std::string(dir.nickname_of(target)) + " is already in this call");
      return;
    }
    if (!may_ring(who, target, now)) return;
    std::string target_key = add_member(*call, target, MemberState::Ringing, now, who);
    dir.send_to(target, TalkOffer{std::string(dir.nickname_of(who)), target_key});
    send_event(*call, target, TalkEventKind::Invited);
  }

  // ---- voice rooms ---------------------------------------------------------

  Call* room_call(const std::string& room) {
    auto it = rooms.find(room);
    return it == rooms.end() ? nullptr : calls.at(it->second).get();
  }

  std::string join_room(ConnId who, const std::string& room) {
    Call* call = room_call(room);
    if (call) {
      if (Member* m = member_of(*call, who)) return m->key;  // already there
      if (call->members.size() >= kMaxCallMembers) {
        dir.error_to(who, error_code::kNotAllowed,
                     "A voice room holds at most " + std::to_string(kMaxCallMembers) + " people");
        return {};
      }
    }
    leave_joined_call(who, call);  // from another room or a call
    for (auto& [id, c] : calls)    // and stop ringing: the user chose a room
      if (Member* m = member_of(*c, who); m && m->state == MemberState::Ringing) {
        leave(*c, who, TalkEventKind::Denied, true);
        break;
      }
    call = room_call(room);
    if (!call) {
      auto fresh = std::make_unique<Call>();
      fresh->id = next_id++;
      fresh->room = room;
      fresh->was_active = true;
      call = fresh.get();
      rooms.emplace(room, call->id);
      calls.emplace(call->id, std::move(fresh));
    }
    std::string key = add_member(*call, who, MemberState::Joined, 0);
    rebuild_peers(*call);
    return key;
  }

  Call* room_call_of(ConnId who) const {
    for (const auto& [room, id] : rooms) {
      Call* call = calls.at(id).get();
      if (member_of(*call, who)) return call;
    }
    return nullptr;
  }

  void leave_all(ConnId who) {
    rings_received.erase(who);
    std::vector<std::uint64_t> ids;
    for (auto& [id, call] : calls)
      if (member_of(*call, who)) ids.push_back(id);
    for (auto id : ids) {
      auto it = calls.find(id);
      if (it != calls.end()) leave(*it->second, who, TalkEventKind::Left, false);
    }
  }

  void tick(Millis now) {
    std::vector<std::pair<std::uint64_t, ConnId>> expired;
    for (auto& [id, call] : calls)
      for (const auto& m : call->members)
        if (m.state == MemberState::Ringing && now - m.rung_at >= ring_timeout)
          expired.emplace_back(id, m.conn);
    for (auto [id, conn] : expired) {
      auto it = calls.find(id);
      if (it != calls.end()) leave(*it->second, conn, TalkEventKind::Timeout, true);
    }
  }

  // ---- voice peers ----------------------------------------------------------

  // TALKSESSION: the bare key, as the seed's clients bind. Not for a member
  // whose text connection is sealed (its key must never cross UDP), nor to
  // take over a binding that lives at another address.
  std::string bind_peer(PeerId peer, std::string_view key_text, std::string_view address) {
    std::string key(key_text);
    Member* m = nullptr;
    Call* call = call_of_key(key, &m);
    if (!call) return format(ServerMessage{SessionError{"Invalid session key '" + shown(key) + "'"}});
    if (m->state != MemberState::Joined)
      return format(ServerMessage{SessionError{"Session '" + shown(key) + "' is not accepted yet"}});
    if (dir.is_sealed(m->conn))
      return format(ServerMessage{SessionError{
          "This member's voice is sealed: bind with TALKPROOF, never the bare key"}});
    if (m->peer && m->peer != peer && m->peer_address != address)
      return format(ServerMessage{SessionError{"Session '" + shown(key) +
                                               "' is already bound from another address"}});
    bind(*call, *m, peer, address, false);
    return format(ServerMessage{SessionAccepted{key}});
  }

  // TALKPROOF: a MAC of this peer's challenge under the member's key. It may
  // take the member's voice over from another address (a new network, a
  // restarted client); the member is told.
  std::string bind_proof(PeerId peer, const TalkProof& proof,
                         std::span<const std::uint8_t> challenge, std::string_view address) {
    auto id = key_of_id.find(proof.key_id);
    Member* m = nullptr;
    Call* call = id == key_of_id.end() ? nullptr : call_of_key(id->second, &m);
    if (!call || !check_voice_proof(m->voice, challenge, proof.proof))
      return format(ServerMessage{SessionError{"No session for this proof"}});
    if (m->state != MemberState::Joined)
      return format(ServerMessage{SessionError{"Session '" + proof.key_id + "' is not accepted yet"}});
    if (m->peer && m->peer != peer && m->peer_address != address)
      dir.error_to(m->conn, error_code::kVoiceMoved,
                   "Your voice in this call now comes from " + std::string(address) +
                       " (the connection that proved your key)");
    bind(*call, *m, peer, address, true);
    return format(ServerMessage{SessionAccepted{proof.key_id}});
  }

  void bind(Call& call, Member& m, PeerId peer, std::string_view address, bool sealed) {
    if (auto old = by_peer.find(peer); old != by_peer.end()) {
      if (auto c = calls.find(old->second.call); c != calls.end()) {
        if (Member* previous = member_of(*c->second, old->second.conn)) unbind(*previous);
        rebuild_peers(*c->second);
      }
      by_peer.erase(peer);
    }
    unbind(m);
    m.peer = peer;
    m.peer_address = std::string(address);
    m.sealed_peer = sealed;
    by_peer[peer] = Binding{call.id, m.conn};
    rebuild_peers(call);
  }

  const VoiceKeys* sealed_keys(PeerId peer) const {
    auto it = by_peer.find(peer);
    if (it == by_peer.end()) return nullptr;
    const Call& call = *calls.at(it->second.call);
    for (const auto& m : call.members)
      if (m.conn == it->second.conn && m.peer == peer && m.sealed_peer) return &m.voice;
    return nullptr;
  }

  std::optional<VoiceRoute> route(PeerId peer) const {
    auto it = by_peer.find(peer);
    if (it == by_peer.end()) return std::nullopt;
    const Call& call = *calls.at(it->second.call);
    VoiceRoute r;
    r.speaker = call.echo ? kEchoNickname : dir.nickname_of(it->second.conn);
    r.peers = call.peers;
    r.echo = call.echo;
    return r;
  }

  void peer_gone(PeerId peer) {
    auto it = by_peer.find(peer);
    if (it == by_peer.end()) return;
    auto c = calls.find(it->second.call);
    ConnId conn = it->second.conn;
    by_peer.erase(it);
    if (c == calls.end()) return;
    if (Member* m = member_of(*c->second, conn)) m->peer = 0;
    rebuild_peers(*c->second);
  }
};

CallBook::CallBook(CallDirectory& directory, Millis ring_timeout)
    : m_impl(std::make_unique<Impl>(directory, ring_timeout)) {}
CallBook::~CallBook() = default;

void CallBook::request(ConnId caller, ConnId callee, Millis now) {
  m_impl->request(caller, callee, now);
}
void CallBook::answer(ConnId who, const std::string& key, TalkVerb verb) {
  m_impl->answer(who, key, verb);
}
void CallBook::invite(ConnId who, const std::string& key, ConnId target, Millis now) {
  m_impl->invite(who, key, target, now);
}
void CallBook::leave_all(ConnId who) { m_impl->leave_all(who); }
void CallBook::tick(Millis now) { m_impl->tick(now); }
std::string CallBook::bind_peer(PeerId peer, std::string_view key, std::string_view address) {
  return m_impl->bind_peer(peer, key, address);
}
std::string CallBook::bind_proof(PeerId peer, const TalkProof& proof,
                                 std::span<const std::uint8_t> challenge,
                                 std::string_view address) {
  return m_impl->bind_proof(peer, proof, challenge, address);
}
const VoiceKeys* CallBook::sealed_keys(PeerId peer) const { return m_impl->sealed_keys(peer); }
std::optional<VoiceRoute> CallBook::route(PeerId peer) const { return m_impl->route(peer); }
void CallBook::peer_gone(PeerId peer) { m_impl->peer_gone(peer); }
std::string CallBook::join_room(ConnId who, const std::string& room) {
  return m_impl->join_room(who, room);
}

std::string CallBook::leave_room(ConnId who) {
  Call* call = m_impl->room_call_of(who);
  if (!call) return {};
  std::string room = call->room;
  m_impl->leave(*call, who, TalkEventKind::Left, true);
  return room;
}

std::string CallBook::room_of(ConnId who) const {
  const Call* call = m_impl->room_call_of(who);
  return call ? call->room : std::string();
}

std::vector<CallBook::RoomSeat> CallBook::room_members(const std::string& room) const {
  std::vector<RoomSeat> seats;
  auto it = m_impl->rooms.find(room);
  if (it == m_impl->rooms.end()) return seats;
  for (const auto& m : m_impl->calls.at(it->second)->members) seats.push_back({m.conn, m.flags});
  return seats;
}

std::string CallBook::set_room_flags(ConnId who, VoiceFlags flags) {
  Call* call = m_impl->room_call_of(who);
  if (!call) return {};
  Impl::member_of(*call, who)->flags = flags;
  return call->room;
}

bool CallBook::set_call_flags(ConnId who, VoiceFlags flags) {
  Call* call = m_impl->joined_call(who);
  if (!call || !call->room.empty()) return false;
  Member* m = Impl::member_of(*call, who);
  if (m->flags == flags) return true;
  m->flags = flags;
  m_impl->send_flags(*call, *m);
  return true;
}

bool CallBook::knows_key(const std::string& key) const { return m_impl->by_key.count(key) > 0; }
std::size_t CallBook::call_count() const { return m_impl->calls.size() - m_impl->rooms.size(); }
bool CallBook::in_call(ConnId who) const { return m_impl->joined_call(who) != nullptr; }
void CallBook::clear() {
  m_impl->calls.clear();
  m_impl->by_key.clear();
  m_impl->key_of_id.clear();
  m_impl->by_peer.clear();
  m_impl->rings_received.clear();
  m_impl->rooms.clear();
}

}  // namespace voixer::core
