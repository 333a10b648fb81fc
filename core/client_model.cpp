// The client model's behaviour: server lines (parsed with the protocol
// codec) update the state the GUI draws, and the user's intents become
// protocol lines (formatted with the same codec). The server is the
// authority: intents only send, and the state changes when the answer
// arrives, except where the server sends no answer (DENY) or where a local
// check saves a useless round trip (sending while disconnected).
#include "core/client_model.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include "core/mentions.hpp"
#include "core/names.hpp"
#include "core/protocol.hpp"
#include "core/version.hpp"

namespace voixer::core {

namespace {

constexpr std::string_view kEcho = "*echo";  // the server's loopback member (calls.hpp)

// A live line carries the client's clock and its HISTORY replay the
// server's; on a LAN the two agree within this, so a replayed line this
// close to a live one with the same sender and text is the same message.
constexpr std::int64_t kClockSkewMs = 120'000;

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool contains_name(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return same_name(n, name); });
}

// Removes `name` (any case); true if it was there.
bool erase_name(std::vector<std::string>& names, std::string_view name) {
  auto it = std::remove_if(names.begin(), names.end(),
                           [&](const std::string& n) { return same_name(n, name); });
  bool found = it != names.end();
  names.erase(it, names.end());
  return found;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string channel_name(std::string_view arg) {
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  while (!arg.empty() && arg.back() == ' ') arg.remove_suffix(1);
  if (!arg.empty() && arg.front() == '#') return std::string(arg);
  return "#" + std::string(arg);
}

bool same_listing(const std::vector<ChannelListing>& a, const std::vector<ChannelListing>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ChannelListing& x, const ChannelListing& y) {
                      return x.name == y.name && x.members == y.members && x.topic == y.topic;
                    });
}

// The text between the first pair of single quotes ("No such user 'zed'").
std::string quoted(std::string_view message) {
  auto open = message.find('\'');
  if (open == std::string_view::npos) return {};
  auto close = message.find('\'', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(message.substr(open + 1, close - open - 1));
}

std::vector<std::string> one(const ClientMessage& m) { return {format(m)}; }

}  // namespace

// ---- server lines ------------------------------------------------------------

struct ClientModel::Applier {
  ClientModel& m;
  std::int64_t now;

  void operator()(const Accept& a) {
    if (m.m_phase == ConnectionPhase::Connected && m.m_server_name == a.hostname &&
        m.m_status.empty())
      return;
    m.m_phase = ConnectionPhase::Connected;
    m.m_server_name = a.hostname;
    m.m_status.clear();  // the refusal or drop that came before is over
    m.changed();
  }

  void refused(const std::string& message) {
    if (m.m_phase == ConnectionPhase::Connected) {
      // Not an answer to CONNECT any more; show it like any error.
      (*this)(Error{"NOTACCEPTED", message});
      return;
    }
    m.m_phase = ConnectionPhase::Refused;
    m.m_status = message;
    m.changed();
  }
  void operator()(const NotAccepted& n) { refused(n.message); }
  void operator()(const NicknameInUse& n) { refused(n.message); }

  // Keep-alive is the session layer's business, voice binding the voice
  // client's: nothing here for the user to see.
  void operator()(const Ping&) {}
  void operator()(const Pong&) {}
  void operator()(const SessionAccepted&) {}
  void operator()(const VoiceChallenge&) {}
  void operator()(const SessionError&) {}
  void operator()(const Operator&) {
    m.m_operator = true;
    m.changed();
  }

  void operator()(const Banned& b) {
    std::erase_if(m.m_bans, [&](const BanEntry& e) { return same_name(e.nickname, b.nickname); });
    m.m_bans.push_back({b.nickname, b.address, b.reason, b.until_unix_ms});
    m.changed();
  }
  void operator()(const Unbanned& u) {
    std::erase_if(m.m_bans, [&](const BanEntry& e) {
      return same_name(e.nickname, u.nickname) && e.address == u.address;
    });
    m.changed();
  }
  void operator()(const BansEnd&) {}

  void operator()(const Joined& j) {
    Conversation& c = m.conversation(j.channel, true);
    if (!c.joined) {
      c.joined = true;
      m.changed();
    }
    if (!contains_name(m.m_join_order, c.name)) m.m_join_order.push_back(c.name);
    bool asked = erase_name(m.m_pending_joins, c.name);
    if (asked || !m.active()) m.make_active(c);
    // The answer goes on with USERLIST, TOPIC and HISTORY; remember what
    // was there before so a rejoin does not show the history twice.
    m.m_replay_channel = fold_case(c.name);
    m.m_replay_claimed.assign(c.lines.size(), false);
  }

  void operator()(const Left& l) {
    erase_name(m.m_closing, l.channel);
    erase_name(m.m_join_order, l.channel);
    erase_name(m.m_joined_before_drop, l.channel);
    erase_name(m.m_pending_joins, l.channel);
    Conversation* c = m.find_mutable(l.channel);
    if (!c || (!c->joined && c->members.empty())) return;
    c->joined = false;
    c->members.clear();  // a greyed channel shows no one
    m.changed();
  }

  std::vector<std::string>& parts_of(const std::string& channel) {
    std::string folded = fold_case(channel);
    for (auto& [name, parts] : m.m_user_list_parts)
      if (name == folded) return parts;
    return m.m_user_list_parts.emplace_back(folded, std::vector<std::string>{}).second;
  }

  void operator()(const UserListMore& u) {
    auto& parts = parts_of(u.channel);
    parts.insert(parts.end(), u.nicknames.begin(), u.nicknames.end());
  }

  void operator()(const UserList& u) {
    std::vector<std::string> members = std::move(parts_of(u.channel));
    std::string folded = fold_case(u.channel);
    std::erase_if(m.m_user_list_parts, [&](const auto& p) { return p.first == folded; });
    members.insert(members.end(), u.nicknames.begin(), u.nicknames.end());
    Conversation& c = m.conversation(u.channel, true);
    if (c.members == members) return;
    c.members = std::move(members);
    m.changed();
  }

  void operator()(const UserJoin& u) {
    Conversation* c = m.find_mutable(u.channel);
    if (!c || contains_name(c->members, u.nickname)) return;
    c->members.push_back(u.nickname);
    m.add_line(*c, {ChatLine::Kind::Notice, {}, u.nickname + " joined", now});
  }

  void operator()(const UserLeave& u) {
    Conversation* c = m.find_mutable(u.channel);
    if (!c || !erase_name(c->members, u.nickname)) return;
    m.add_line(*c, {ChatLine::Kind::Notice, {}, u.nickname + " left", now});
  }

  void operator()(const DeliverMsg& d) {
    bool to_channel = !d.recipient.empty() && d.recipient.front() == '#';
    // A private message is filed under the other user, whoever it names.
    Conversation& c = m.conversation(to_channel ? d.recipient : d.sender, to_channel);
    if (!m.active()) m.make_active(c);
    m.add_line(c, {ChatLine::Kind::Message, d.sender, d.text, now});
  }

  // A line of a page of older history (asked for by load_older()) goes
  // above what is shown, in order. False when `line` is not one.
  bool insert_older(Conversation& c, ChatLine& line) {
    if (m.m_older_channel.empty() || m.m_older_channel != fold_case(c.name)) return false;
    std::size_t at = std::min(m.m_older_at++, c.lines.size());
    c.lines.insert(c.lines.begin() + static_cast<std::ptrdiff_t>(at), std::move(line));
    if (c.lines.size() > Conversation::kMaxLines) c.lines.pop_back();
    m.changed();
    return true;
  }

  void operator()(const History& h) {
    bool private_line = h.channel.empty() || h.channel.front() != '#';
    // A private line is shown in the conversation with the other person.
    std::string where = !private_line                         ? h.channel
                        : same_name(h.sender, m.m_nickname) ? h.channel
                                                              : h.sender;
    Conversation& c = m.conversation(where, !private_line);
    ChatLine line{ChatLine::Kind::History, h.sender, h.text, h.unix_ms};
    if (insert_older(c, line)) return;
    if (m.is_replayed(c, line)) return;
    m.add_line(c, std::move(line));
  }

  // A file shared live or replayed with the history: shown once.
  void operator()(const FileShared& f) {
    bool to_channel = !f.target.empty() && f.target.front() == '#';
    std::string where = to_channel ? f.target : same_name(f.sender, m.m_nickname) ? f.target : f.sender;
    Conversation& c = m.conversation(where, to_channel);
    for (const auto& l : c.lines)
      if (l.file && l.file->id == f.id) return;
    ChatLine line{ChatLine::Kind::File, f.sender, f.name, f.unix_ms};
    line.file = f;
    if (insert_older(c, line)) return;
    if (!m.active()) m.make_active(c);
    m.add_line(c, std::move(line));
  }

  void operator()(const FileGrant&) {}  // the engine's business (the file stream)

  void operator()(const VoiceJoined& v) {
    m.m_room = v.channel;
    m.m_room_key = v.key;
    m.m_room_before_drop.clear();
    m.changed();
  }

  void operator()(const VoiceLeft& v) {
    if (!same_name(m.m_room, v.channel)) return;
    m.m_room.clear();
    m.m_room_key.clear();
    m.changed();
  }

  void operator()(const VoiceRoom& r) {
    Conversation* c = m.find_mutable(r.channel);
    if (!c || c->voice == r.members) return;
    c->voice = r.members;
    m.changed();
  }

  void operator()(const VoiceState& s) {
    CallState& call = m.m_call;
    if (call.phase == CallPhase::InCall && s.channel == call.key) {  // a call member
      auto it = std::find_if(call.member_flags.begin(), call.member_flags.end(),
                             [&](const auto& f) { return same_name(f.first, s.nickname); });
      if (it == call.member_flags.end()) it = call.member_flags.insert(it, {s.nickname, {}});
      if (it->second == s.flags) return;
      it->second = s.flags;
      m.changed();
      return;
    }
    Conversation* c = m.find_mutable(s.channel);
    if (!c) return;
    for (auto& member : c->voice)
      if (same_name(member.nickname, s.nickname) && member.flags != s.flags) {
        member.flags = s.flags;
        m.changed();
      }
  }

  void operator()(const Found& f) {
    bool private_line = f.channel.empty() || f.channel.front() != '#';
    std::string where = !private_line || same_name(f.sender, m.m_nickname) ? f.channel : f.sender;
    if (m.m_search.done || !same_name(where, m.m_search.place)) return;  // an old search's
    m.m_search.lines.push_back({ChatLine::Kind::History, f.sender, f.text, f.unix_ms});
    m.changed();
  }

  void operator()(const FoundEnd& e) {
    if (!same_name(e.place, m.m_search.place)) return;
    m.m_search.done = true;
    m.changed();
  }

  void operator()(const HistoryMore& h) {
    Conversation& c = m.conversation(h.channel, !h.channel.empty() && h.channel.front() == '#');
    bool older_page = m.m_older_channel == fold_case(c.name);
    if (older_page) m.m_older_channel.clear();
    // The replay of a rejoin says where its page starts; when older lines
    // are shown already (loaded before the connection dropped), what was
    // known of the history before those still holds.
    if (!older_page && !c.lines.empty() && c.lines.front().unix_ms < h.before_unix_ms) return;
    if (c.older_before_unix_ms == h.before_unix_ms) return;
    c.older_before_unix_ms = h.before_unix_ms;
    m.changed();
  }

  void operator()(const Topic& t) {
    Conversation& c = m.conversation(t.channel, true);
    // JOIN repeats the current topic; only a new one is news.
    if (c.topic == t.text) return;
    c.topic = t.text;
    std::string text = t.text.empty() ? t.setter + " cleared the topic"
                                      : t.setter + " set the topic: " + t.text;
    m.add_line(c, {ChatLine::Kind::Notice, {}, std::move(text), now});
  }

  void operator()(const ChannelInfo& ci) {
    m.m_listing_building.push_back({ci.channel, ci.members, ci.topic});
  }

  void operator()(const ListMore& l) {
    // The next page; the list changes only once LISTEND has come.
    m.m_follow_ups.push_back(format(ClientMessage{List{l.after}}));
  }

  void operator()(const ListEnd&) {
    auto listing = std::exchange(m.m_listing_building, {});
    if (same_listing(listing, m.m_listing)) return;
    m.m_listing = std::move(listing);
    m.changed();
  }

  void operator()(const TalkOffer& o) {
    auto called = std::find_if(m.m_pending_calls.begin(), m.m_pending_calls.end(),
                               [&](const std::string& n) { return same_name(n, o.nickname); });
    if (called != m.m_pending_calls.end()) {
      // The answer to my own REQUEST: it names the callee and carries my key.
      m.m_pending_calls.erase(called);
      CallState s;
      s.phase = CallPhase::Calling;
      s.key = o.key;
      s.peer = o.nickname;
      s.echo = o.nickname == kEcho;
      m.m_call = std::move(s);
      m.m_hangup_sent.clear();
      m.changed();
      return;
    }
    m.m_rings.push_back({o.nickname, o.key, now});
    m.m_incoming = m.m_rings.back();
    m.changed();
  }

  void operator()(const TalkState& s) {
    if (m.m_call.phase != CallPhase::None && s.key == m.m_call.key) {
      switch (s.status) {
        case TalkStatus::Accepted:
          return;  // members follow in TALKMEMBERS; until then still Calling
        case TalkStatus::Denied:
          m.end_call(m.m_call.peer.empty() ? "call declined" : m.m_call.peer + " declined", now);
          return;
        case TalkStatus::Timeout:
          m.end_call("no answer", now);
          return;
        case TalkStatus::Ended:
          m.end_call("call ended", now);
          return;
      }
      return;
    }
    auto ring = std::find_if(m.m_rings.begin(), m.m_rings.end(),
                             [&](const IncomingCall& r) { return r.key == s.key; });
    if (ring == m.m_rings.end()) return;  // a call I already left: keys differ
    std::string from = ring->from;
    m.remove_ring(s.key);
    m.changed();
    if (s.status == TalkStatus::Timeout || s.status == TalkStatus::Ended)
      m.notice("missed call from " + from, now);
  }

  void operator()(const TalkEvent& e) {
    if (m.m_call.phase == CallPhase::None || e.key != m.m_call.key) return;
    CallState& c = m.m_call;
    switch (e.kind) {
      case TalkEventKind::Invited:
        if (contains_name(c.ringing, e.nickname) || contains_name(c.members, e.nickname)) return;
        c.ringing.push_back(e.nickname);
        m.changed();
        return;
      case TalkEventKind::Left:
        erase_name(c.ringing, e.nickname);
        erase_name(c.members, e.nickname);
        m.changed();
        m.notice(e.nickname + " left the call", now);
        return;
      case TalkEventKind::Denied:
        erase_name(c.ringing, e.nickname);
        m.changed();
        m.notice(e.nickname + " declined", now);
        return;
      case TalkEventKind::Timeout:
        erase_name(c.ringing, e.nickname);
        m.changed();
        m.notice(e.nickname + " did not answer", now);
        return;
    }
  }

  void operator()(const TalkMembers& t) {
    // The server sends TALKMEMBERS only to joined members and a user is
    // joined in one call at most, so this names the call I am in now, be
    // it the one I placed, accepted, or switched to.
    CallState& c = m.m_call;
    bool same_call = c.phase != CallPhase::None && c.key == t.key;
    if (same_call && c.phase == CallPhase::InCall && c.members == t.nicknames) return;
    if (!same_call) {
      CallState fresh;
      fresh.key = t.key;
      c = std::move(fresh);
      m.m_hangup_sent.clear();
    }
    if (c.phase != CallPhase::InCall) c.started_unix_ms = now;
    c.phase = CallPhase::InCall;
    c.members = t.nicknames;
    c.echo = contains_name(c.members, kEcho);
    std::erase_if(c.member_flags, [&](const auto& f) { return !contains_name(c.members, f.first); });
    for (const auto& member : c.members) erase_name(c.ringing, member);
    m.remove_ring(t.key);
    m.changed();
  }

  void operator()(const Error& e) {
    if (e.code == error_code::kNoSuchUser || e.code == error_code::kRateLimited) {
      // My REQUEST to nobody, or refused: no offer will come for it.
      erase_name(m.m_pending_calls, quoted(e.message));
    } else if (e.code == error_code::kNoSuchSession && quoted(e.message) == m.m_call.key &&
               m.m_call.phase != CallPhase::None) {
      m.m_call = CallState{};  // the server knows no such call: do not pretend
    }
    if (e.code == error_code::kNoSuchChannel && e.message == kNoPrivateHistory) {
      m.m_no_private_history = true;
      m.m_older_channel.clear();
      for (auto& c : m.m_conversations)
        if (!c.is_channel) c.older_before_unix_ms = 0;
    }
    m.m_status = e.code == error_code::kShutdown
                     ? "The server is going away: " + e.message
                     : e.message;
    m.changed();
    m.error_line(e.message, now);
  }
};

ClientModel::ClientModel(std::string nickname, std::string realname)
    : m_nickname(std::move(nickname)), m_realname(std::move(realname)) {}

void ClientModel::on_connecting() {
  if (m_phase == ConnectionPhase::Connecting) return;
  m_phase = ConnectionPhase::Connecting;
  changed();
}

void ClientModel::apply(std::string_view server_line, std::int64_t now_unix_ms) {
  m_now = now_unix_ms;
  auto parsed = parse_server(server_line);
  // A broken or unknown line: nothing the user can act on.
  if (auto* msg = std::get_if<ServerMessage>(&parsed)) apply(*msg, now_unix_ms);
}

void ClientModel::apply(const ServerMessage& msg, std::int64_t now_unix_ms) {
  m_now = now_unix_ms;
  bool part_of_join_answer = std::holds_alternative<UserList>(msg) ||
                             std::holds_alternative<UserListMore>(msg) ||
                             std::holds_alternative<Topic>(msg) ||
                             std::holds_alternative<History>(msg) ||
                             std::holds_alternative<HistoryMore>(msg) ||
                             std::holds_alternative<Ping>(msg) ||
                             std::holds_alternative<Pong>(msg);
  if (!part_of_join_answer) {
    m_replay_channel.clear();
    m_replay_claimed.clear();
  }
  std::visit(Applier{*this, now_unix_ms}, msg);
}

void ClientModel::note_sent(std::string_view client_line) {
  auto parsed = parse_client(client_line);
  auto* msg = std::get_if<ClientMessage>(&parsed);
  if (!msg) return;
  if (auto* j = std::get_if<Join>(msg)) {
    if (!contains_name(m_pending_joins, j->channel)) m_pending_joins.push_back(j->channel);
  } else if (auto* t = std::get_if<TalkRequest>(msg)) {
    if (!contains_name(m_pending_calls, t->nickname)) m_pending_calls.push_back(t->nickname);
  } else if (std::holds_alternative<List>(*msg)) {
    m_listing_building.clear();
  }
}

void ClientModel::on_disconnected(const std::string& reason, bool will_retry,
                                  std::int64_t now_unix_ms) {
  m_now = now_unix_ms;
  ConnectionPhase phase = will_retry ? ConnectionPhase::Reconnecting : ConnectionPhase::Disconnected;
  bool change = phase != m_phase || reason != m_status;
  m_operator = false;  // the new connection has to OPER again
  m_bans.clear();
  // A refusal says more than the closed connection that follows it.
  if (m_phase != ConnectionPhase::Refused) m_status = reason;
  m_phase = phase;
  // Channels still waiting to be rejoined from an earlier drop stay wanted.
  std::vector<std::string> wanted = m_join_order;
  for (const auto& name : m_joined_before_drop)
    if (!contains_name(wanted, name)) wanted.push_back(name);
  m_joined_before_drop = std::move(wanted);
  m_join_order.clear();
  if (!m_room.empty()) {  // the server forgot it: asked for again after the reconnect
    m_room_before_drop = m_room;
    m_room.clear();
    m_room_key.clear();
    change = true;
  }
  for (auto& c : m_conversations) {
    if (c.joined || !c.members.empty() || !c.voice.empty()) {
      c.joined = false;
      c.members.clear();
      c.voice.clear();
      change = true;
    }
  }
  if (m_call.phase != CallPhase::None || m_incoming) {
    m_call = CallState{};
    m_rings.clear();
    m_incoming.reset();
    change = true;
    notice("call ended: connection lost", now_unix_ms);
  }
  // Questions asked on the old connection get no answer any more.
  m_pending_joins.clear();
  m_pending_calls.clear();
  m_listing_building.clear();
  m_follow_ups.clear();
  m_user_list_parts.clear();
  m_older_channel.clear();
  m_hangup_sent.clear();
  m_replay_channel.clear();
  m_replay_claimed.clear();
  if (change) changed();
}

// ---- intents -------------------------------------------------------------------

std::vector<std::string> ClientModel::connect_lines() const {
  return one(Connect{m_nickname, m_realname.empty() ? m_nickname : m_realname,
                     std::string(kVersion), m_password});
}

std::vector<std::string> ClientModel::rejoin_lines() const {
  std::vector<std::string> lines;
  for (const auto& name : m_joined_before_drop) lines.push_back(format(Join{name}));
  if (!m_room_before_drop.empty()) lines.push_back(format(VoiceJoin{m_room_before_drop}));
  return lines;
}

std::vector<std::string> ClientModel::join_voice(const std::string& channel) {
  return {format(VoiceJoin{channel})};
}

std::vector<std::string> ClientModel::leave_voice() {
  if (m_room.empty()) return {};
  return {format(VoiceLeave{})};
}

std::string voice_flags_note(const VoiceFlags& f) {
  std::string note;
  for (auto [on, text] : {std::pair{f.deafened, "deafened"}, {f.muted && !f.deafened, "muted"},
                          {f.no_microphone, "no microphone"}, {f.no_speakers, "no speakers"}})
    if (on) note += (note.empty() ? "" : ", ") + std::string(text);
  return note;
}

VoiceFlags CallState::flags_of(std::string_view nickname) const {
  for (const auto& [nick, flags] : member_flags)
    if (same_name(nick, nickname)) return flags;
  return {};
}

std::vector<std::string> ClientModel::set_voice_flags(VoiceFlags flags) {
  if (m_room.empty() && m_call.phase != CallPhase::InCall) return {};
  return {format(SetVoiceState{flags})};
}

std::vector<std::string> ClientModel::send_text(const std::string& text, std::int64_t now_unix_ms) {
  m_now = now_unix_ms;
  if (is_blank(text)) return {};
  Conversation* c = active_mutable();
  if (!c) return {};
  if (m_phase != ConnectionPhase::Connected) {
    add_line(*c, {ChatLine::Kind::Error, {}, "Not connected: the message was not sent", now_unix_ms});
    return {};
  }
  if (c->is_channel && !c->joined) {
    add_line(*c, {ChatLine::Kind::Error, {},
                  "You are not in " + c->name + ": join it to send messages", now_unix_ms});
    return {};
  }
  // A pasted newline must not end the protocol line early: each line of the
  // text becomes a message of its own.
  std::vector<std::string> pieces;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view piece = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    if (!is_blank(piece)) pieces.emplace_back(piece);
  }
  std::vector<std::string> lines;
  for (const auto& piece : pieces) {
    // The server's rules, the length cap (kMaxTextBytes) among them, so an
    // over-long message is refused here with the same sentence.
    std::string why = check_text(piece);
    if (!why.empty()) {
      // All or nothing, so the log never shows half a message as sent.
      add_line(*c, {ChatLine::Kind::Error, {}, why + ": the message was not sent", now_unix_ms});
      return {};
    }
    lines.push_back(format(SendMsg{c->name, piece}));
  }
  for (auto& piece : pieces)
    add_line(*c, {ChatLine::Kind::Own, m_nickname, std::move(piece), now_unix_ms});
  return lines;
}

std::vector<std::string> ClientModel::join(const std::string& channel) {
  std::string name = channel_name(channel);
  if (std::string why = check_channel(name); !why.empty()) {
    error_line(why, m_now);
    return {};
  }
  if (!contains_name(m_pending_joins, name)) m_pending_joins.push_back(name);
  return one(Join{name});
}

std::vector<std::string> ClientModel::leave(const std::string& channel) {
  std::string name = channel_name(channel);
  if (std::string why = check_channel(name); !why.empty()) {
    error_line(why, m_now);
    return {};
  }
  return one(Leave{name});
}

std::vector<std::string> ClientModel::open_private(const std::string& nickname) {
  if (std::string why = check_nickname(nickname); !why.empty()) {
    error_line(why, m_now);
    return {};
  }
  Conversation* c = find_mutable(nickname);
  if (!c) {
    conversation(nickname, false);
    c = find_mutable(nickname);
  }
  make_active(*c);
  return {};
}

std::vector<std::string> ClientModel::become_operator(const std::string& password) {
  return one(Oper{password});
}

std::vector<std::string> ClientModel::kick(const std::string& nickname, const std::string& reason) {
  if (!m_operator) return {};
  return one(Kick{nickname, reason});
}

std::vector<std::string> ClientModel::ban(const std::string& nickname, std::uint32_t minutes,
                                          const std::string& reason) {
  if (!m_operator) return {};
  return one(BanUser{nickname, minutes, reason});
}

std::vector<std::string> ClientModel::unban(const std::string& nickname_or_address) {
  if (!m_operator || nickname_or_address.empty()) return {};
  return one(Unban{nickname_or_address});
}

std::vector<std::string> ClientModel::request_bans() {
  if (!m_operator) return {};
  m_bans.clear();
  changed();
  return one(ListBans{});
}

std::vector<std::string> ClientModel::close_conversation(const std::string& name) {
  auto it = std::find_if(m_conversations.begin(), m_conversations.end(),
                         [&](const Conversation& c) { return same_name(c.name, name); });
  if (it == m_conversations.end()) return {};
  std::vector<std::string> lines;
  if (it->is_channel && it->joined) {
    lines = leave(it->name);
    m_closing.push_back(fold_case(it->name));
  }
  bool was_active = same_name(m_active, it->name);
  m_conversations.erase(it);
  if (was_active) {
    m_active.clear();
    if (!m_conversations.empty()) make_active(m_conversations.front());
  }
  changed();
  return lines;
}

std::vector<std::string> ClientModel::load_older(const std::string& channel) {
  Conversation* c = find_mutable(channel);
  if (!c || (c->is_channel && !c->joined) || c->older_before_unix_ms == 0) return {};
  m_older_channel = fold_case(c->name);
  m_older_at = 0;
  return one(HistoryRequest{c->name, c->older_before_unix_ms});
}

std::vector<std::string> ClientModel::search(const std::string& conversation,
                                             const std::string& words) {
  auto first = words.find_first_not_of(' ');
  if (conversation.empty() || first == std::string::npos) return {};
  m_search = SearchResults{conversation, words.substr(first), {}, false};
  changed();
  return one(Search{conversation, m_search.words});
}

void ClientModel::clear_search() {
  if (m_search.place.empty()) return;
  m_search = SearchResults{};
  changed();
}

std::vector<std::string> ClientModel::request_list() {
  m_listing_building.clear();
  return one(List{});
}

std::vector<std::string> ClientModel::set_topic(const std::string& channel,
                                                const std::string& topic) {
  std::string name = channel_name(channel);
  std::string why = check_channel(name);
  if (why.empty() && !topic.empty()) why = check_text(topic);
  if (!why.empty()) {
    error_line(why, m_now);
    return {};
  }
  return one(SetTopic{name, topic});
}

std::vector<std::string> ClientModel::call(const std::string& nickname) {
  std::string why = nickname == kEcho ? std::string() : check_nickname(nickname);
  if (why.empty() && same_name(nickname, m_nickname)) why = "You cannot call yourself";
  if (!why.empty()) {
    error_line(why, m_now);
    return {};
  }
  if (!contains_name(m_pending_calls, nickname)) m_pending_calls.push_back(nickname);
  return one(TalkRequest{nickname});
}

std::vector<std::string> ClientModel::accept_call() {
  if (!m_incoming) return {};
  std::string key = m_incoming->key;
  remove_ring(key);
  changed();
  return one(TalkAnswer{key, TalkVerb::Accept});
}

std::vector<std::string> ClientModel::deny_call() {
  if (!m_incoming) return {};
  std::string key = m_incoming->key;
  remove_ring(key);  // the server does not confirm a DENY to the one denying
  changed();
  return one(TalkAnswer{key, TalkVerb::Deny});
}

std::vector<std::string> ClientModel::hang_up() {
  if (m_call.phase == CallPhase::None || m_hangup_sent == m_call.key) return {};
  m_hangup_sent = m_call.key;  // a second click would only earn NOSUCHSESSION
  return one(TalkAnswer{m_call.key, TalkVerb::Hangup});
}

std::vector<std::string> ClientModel::invite(const std::string& nickname) {
  if (m_call.phase != CallPhase::InCall || m_call.echo) return {};
  if (!check_nickname(nickname).empty()) return {};
  if (contains_name(m_call.members, nickname) || contains_name(m_call.ringing, nickname))
    return {};
  return one(TalkInvite{m_call.key, nickname});
}

std::vector<std::string> ClientModel::set_nickname(const std::string& nickname) {
  // The protocol cannot rename a connected user, and a CONNECT in flight
  // already names one.
  if (m_phase == ConnectionPhase::Connected || m_phase == ConnectionPhase::Connecting) return {};
  if (std::string why = check_nickname(nickname); !why.empty()) {
    if (m_status != why) {
      m_status = why;
      changed();
    }
    return {};
  }
  m_nickname = nickname;
  changed();
  if (m_phase != ConnectionPhase::Refused) return {};  // used by the next connect_lines()
  m_phase = ConnectionPhase::Connecting;  // same connection, new CONNECT
  return connect_lines();
}

void ClientModel::select(const std::string& name) {
  if (Conversation* c = find_mutable(name)) make_active(*c);
}

// ---- state ----------------------------------------------------------------------

const Conversation* ClientModel::active() const {
  return m_active.empty() ? nullptr : find(m_active);
}

const Conversation* ClientModel::find(const std::string& name) const {
  for (const auto& c : m_conversations)
    if (same_name(c.name, name)) return &c;
  return nullptr;
}

std::string ClientModel::current_channel() const {
  if (const Conversation* c = active(); c && c->is_channel && c->joined) return c->name;
  return m_join_order.empty() ? std::string() : m_join_order.back();
}

bool ClientModel::in_my_call(const std::string& nickname) const {
  return m_call.phase == CallPhase::InCall && contains_name(m_call.members, nickname);
}

// ---- helpers ----------------------------------------------------------------------

Conversation* ClientModel::find_mutable(const std::string& name) {
  return const_cast<Conversation*>(std::as_const(*this).find(name));
}

Conversation* ClientModel::active_mutable() {
  return m_active.empty() ? nullptr : find_mutable(m_active);
}

Conversation& ClientModel::conversation(const std::string& name, bool is_channel) {
  if (is_channel && contains_name(m_closing, name)) {
    m_discard = Conversation{};  // closed by the user: not shown again
    return m_discard;
  }
  if (Conversation* c = find_mutable(name)) {
    if (c->name != name) {
      // Names are unique regardless of case; show the server's spelling.
      if (same_name(m_active, c->name)) m_active = name;
      c->name = name;
      changed();
    }
    return *c;
  }
  Conversation c;
  c.name = name;
  c.is_channel = is_channel;
  if (!is_channel && !m_no_private_history) c.older_before_unix_ms = Conversation::kOlderUnknown;
  m_conversations.push_back(std::move(c));
  changed();
  return m_conversations.back();
}

void ClientModel::add_line(Conversation& c, ChatLine line) {
  if (&c == &m_discard) return;
  bool counts = line.kind == ChatLine::Kind::Message || line.kind == ChatLine::Kind::History;
  if (counts && !same_name(line.sender, m_nickname)) line.mention = mentions(line.text, m_nickname);
  if (line.kind == ChatLine::Kind::Message && (line.mention || !c.is_channel) &&
      !same_name(line.sender, m_nickname)) {
    ++m_attention;
    m_last_attention = {c.name, line.sender, line.text, !c.is_channel};
  }
  if (counts && !same_name(m_active, c.name)) {
    ++c.unread;
    if (line.mention) ++c.unread_mentions;
  }
  c.lines.push_back(std::move(line));
  if (c.lines.size() > Conversation::kMaxLines) {
    c.lines.pop_front();
    if (m_replay_channel == fold_case(c.name) && !m_replay_claimed.empty())
      m_replay_claimed.pop_front();
  }
  changed();
}

void ClientModel::make_active(Conversation& c) {
  if (m_active == c.name && c.unread == 0) return;
  m_active = c.name;
  c.unread = 0;
  c.unread_mentions = 0;
  changed();
}

void ClientModel::notice(std::string text, std::int64_t now_unix_ms) {
  if (Conversation* c = active_mutable())
    add_line(*c, {ChatLine::Kind::Notice, {}, std::move(text), now_unix_ms});
}

void ClientModel::error_line(std::string text, std::int64_t now_unix_ms) {
  if (Conversation* c = active_mutable())
    add_line(*c, {ChatLine::Kind::Error, {}, std::move(text), now_unix_ms});
}

void ClientModel::end_call(std::string why, std::int64_t now_unix_ms) {
  m_call = CallState{};
  m_hangup_sent.clear();
  changed();
  notice(std::move(why), now_unix_ms);
}

void ClientModel::remove_ring(const std::string& key) {
  std::erase_if(m_rings, [&](const IncomingCall& r) { return r.key == key; });
  if (m_rings.empty()) {
    m_incoming.reset();
  } else {
    m_incoming = m_rings.back();
  }
}

const FileShared* ClientModel::find_file(const std::string& id) const {
  for (const auto& c : m_conversations)
    for (const auto& l : c.lines)
      if (l.file && l.file->id == id) return &*l.file;
  return nullptr;
}

bool ClientModel::is_replayed(Conversation& c, const ChatLine& history) {
  if (m_replay_channel != fold_case(c.name)) return false;
  std::size_t before = std::min(m_replay_claimed.size(), c.lines.size());
  for (std::size_t i = 0; i < before; ++i) {
    if (m_replay_claimed[i]) continue;
    const ChatLine& l = c.lines[i];
    if (l.text != history.text || !same_name(l.sender, history.sender)) continue;
    bool same_time = l.kind == ChatLine::Kind::History
                         ? l.unix_ms == history.unix_ms
                         : (l.kind == ChatLine::Kind::Message || l.kind == ChatLine::Kind::Own) &&
                               l.unix_ms - history.unix_ms <= kClockSkewMs &&
                               history.unix_ms - l.unix_ms <= kClockSkewMs;
    if (!same_time) continue;
    // One replayed line stands for one earlier line: a message said twice
    // and missed once still shows up.
    m_replay_claimed[i] = true;
    return true;
  }
  return false;
}

}  // namespace voixer::core
