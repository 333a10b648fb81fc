#include "core/server.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "core/bans.hpp"
#include "core/calls.hpp"
#include "core/failure_limiter.hpp"
#include "core/file_book.hpp"
#include "core/file_names.hpp"
#include "core/names.hpp"

namespace voixer::core {

namespace {

constexpr std::string_view kLobby = "#lobby";
constexpr std::size_t kSessionKeyBytes = 16;  // 128 bits, 32 hex characters

struct Channel;

// A channel's history: messages, and the files shared in it, each with the
// number of its archive record (0: none, or restored from the archive).
using HistoryEntry = std::variant<History, FileShared>;
struct Remembered {
  HistoryEntry entry;
  std::uint64_t record = 0;
};
std::int64_t stamp_of(const Remembered& e) {
  return std::visit([](const auto& m) { return m.unix_ms; }, e.entry);
}

struct Connection {
  ConnId id = 0;
  std::string address;
  bool operator_ = false;
  Millis opened_at = 0;
  bool accepted = false;
  bool sealed = false;  // the transport seals this connection (core/sealed_stream.hpp)
  std::string nickname, folded, realname, version;
  std::vector<Channel*> channels;
  // Keep-alive: the token of the outstanding PING, when it was sent, and
  // when the next one is due.
  std::string ping_token;
  Millis ping_sent_at = 0;
  Millis next_ping_at = 0;
  // Flood control: a token bucket.
  double tokens = 0;
  Millis tokens_at = 0;
  bool throttled = false;
};

struct Channel {
  std::string name, folded;
  std::vector<Connection*> members;
  std::string topic, topic_setter;
  std::uint64_t topic_record = 0;  // the archive record of the topic
  std::deque<Remembered> history;
  bool older_archived = false;  // the archive holds lines older than `history`
};

// HISTORYMORE's time when memory holds none of a channel's archived lines:
// later than any line (the year 2286).
constexpr std::int64_t kAfterEverything = 9'999'999'999'999;

template <class T>
void erase_value(std::vector<T>& v, const T& value) {
  v.erase(std::remove(v.begin(), v.end(), value), v.end());
}

}  // namespace

struct Server::Impl : CallDirectory {
  ServerConfig config;
  Outbox& out;
  RandomSource random;
  std::unordered_map<ConnId, std::unique_ptr<Connection>> conns;
  std::unordered_map<std::string, Connection*> users;  // by folded nickname
  std::map<std::string, std::unique_ptr<Channel>> channels;  // by folded name
  std::unordered_set<std::string> archived_names;  // folded; the archive has their history
  CallBook calls;
  std::size_t accepted_count = 0;
  std::size_t lines_cut = 0;
  std::unordered_map<std::string, std::size_t> per_address;
  std::unordered_map<std::string, std::size_t> pending_per_address;  // not logged in yet
  FailureLimiter password_failures;  // by address: server and operator passwords
  BanList bans;
  FileBook files;

  Impl(ServerConfig c, Outbox& o, RandomSource r)
      : config(std::move(c)),
        out(o),
        random(std::move(r)),
        calls(*this, config.ring_timeout),
        files(config.files_quota) {}

  // ---- CallDirectory ------------------------------------------------------

  std::string_view nickname_of(ConnId id) const override {
    Connection* c = find_conn(id);
    return c ? std::string_view(c->nickname) : std::string_view();
  }
  void send_to(ConnId id, const ServerMessage& m) override { emit(id, format(m)); }
  void error_to(ConnId id, std::string_view code, std::string message) override {
    emit(id, format(ServerMessage{Error{std::string(code), std::move(message)}}));
  }
  std::string new_session_key() override { return random_hex(kSessionKeyBytes); }
  bool is_sealed(ConnId id) const override {
    Connection* c = find_conn(id);
    return c && c->sealed;
  }
  void room_left(const std::string& room, ConnId leaver, bool tell_leaver) override {
    Channel* ch = find_channel(room);
    if (tell_leaver) send_to(leaver, VoiceLeft{ch ? ch->name : room});
    if (ch) send_room(*ch);
  }

  // ---- helpers -----------------------------------------------------------

  // Every line leaves through here. What users send is capped so that no
  // line built around it outgrows kMaxLineBytes (names.hpp); this keeps the
  // promise for anything else (an error quoting input): such a line is cut.
  // `record`: the archive record the line carries (Outbox::send_kept).
  void emit(ConnId id, std::string_view line, std::uint64_t record = 0) {
    std::string cut;
    if (line.size() > kMaxLineBytes) {
      ++lines_cut;  // a cap is missing somewhere: tests and the fuzz target look
      cut = std::string(utf8_prefix(line, kMaxLineBytes - 3)) + "...";
      line = cut;
    }
    if (record) {
      out.send_kept(id, line, record);
    } else {
      out.send(id, line);
    }
  }

  void send(Connection& c, const ServerMessage& m) { emit(c.id, format(m)); }

  void error(Connection& c, std::string_view code, std::string message) {
    send(c, Error{std::string(code), std::move(message)});
  }

  Connection* find_conn(ConnId id) const {
    auto it = conns.find(id);
    return it == conns.end() ? nullptr : it->second.get();
  }

  Connection* find_user(std::string_view nick) const {
    auto it = users.find(fold_case(nick));
    return it == users.end() ? nullptr : it->second;
  }

  Channel* find_channel(std::string_view name) const {
    auto it = channels.find(fold_case(name));
    return it == channels.end() ? nullptr : it->second.get();
  }

  static bool is_member(const Channel& ch, const Connection* c) {
    return std::find(ch.members.begin(), ch.members.end(), c) != ch.members.end();
  }

  std::string random_hex(std::size_t bytes) {
    std::vector<std::uint8_t> buf(bytes);
    random(buf);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (auto b : buf) {
      s += kHex[b >> 4];
      s += kHex[b & 15];
    }
    return s;
  }

  std::string random_number() {
    std::uint64_t n = 0;
    random(std::span(reinterpret_cast<std::uint8_t*>(&n), sizeof n));
    return std::to_string(n % 100'000'000'000'000ULL);
  }

  Millis wall(Millis now) const { return now + config.wall_clock_offset; }

  // Compares secrets in time that depends on their lengths only, not on
  // where they differ.
  static bool same_secret(std::string_view given, std::string_view expected) {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i)
      diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
    return diff == 0;
  }

  static std::string seconds(Millis ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", static_cast<double>(ms) / 1000.0);
    return text;
  }

  // ---- lifecycle ---------------------------------------------------------

  bool open(ConnId id, Millis now, std::string_view address) {
    if (const Ban* ban = bans.find(address, {}, now)) {
      emit(id, format(ServerMessage{Error{std::string(error_code::kBanned),
                                              "You are banned from this server " +
                                                  ban_duration(*ban, now) + ban_why(*ban)}}));
      out.close(id, "banned");
      return false;
    }
    if (config.max_per_address > 0 && !address.empty() &&
        per_address[std::string(address)] >= config.max_per_address) {
      emit(id, format(ServerMessage{Error{
                       std::string(error_code::kServerFull),
                       "Too many connections from " + std::string(address) + " (" +
                           std::to_string(config.max_per_address) + ")"}}));
      out.close(id, "too many connections from one address");
      return false;
    }
    if (!address.empty() &&
        pending_per_address[std::string(address)] >= config.max_pending_per_address) {
      emit(id, format(ServerMessage{Error{
                       std::string(error_code::kServerFull),
                       "Too many connections from " + std::string(address) +
                           " waiting to log in (" +
                           std::to_string(config.max_pending_per_address) + ")"}}));
      out.close(id, "too many connections waiting to log in from one address");
      return false;
    }
    if (conns.size() - accepted_count >= config.max_pending) evict_oldest_pending();
    auto c = std::make_unique<Connection>();
    c->id = id;
    c->opened_at = now;
    c->tokens = config.flood_burst;
    c->tokens_at = now;
    c->address = std::string(address);
    if (!c->address.empty()) {
      ++per_address[c->address];
      ++pending_per_address[c->address];
    }
    conns.emplace(id, std::move(c));
    return true;
  }

  // The pending quota is full: the connection waiting longest for its
  // CONNECT makes room (a real client sends it at once). Ids grow in the
  // order connections came: among those of one millisecond (a burst), the
  // first came first.
  void evict_oldest_pending() {
    Connection* oldest = nullptr;
    auto earlier = [](const Connection& a, const Connection& b) {
      return a.opened_at != b.opened_at ? a.opened_at < b.opened_at : a.id < b.id;
    };
    for (auto& [id, c] : conns)
      if (!c->accepted && (!oldest || earlier(*c, *oldest))) oldest = c.get();
    if (!oldest) return;
    error(*oldest, error_code::kTimeout, "No CONNECT in time: the server needed the room");
    drop(*oldest, "waiting to log in while others needed the room");
  }

  static void decrement(std::unordered_map<std::string, std::size_t>& counts,
                        const std::string& key) {
    auto it = counts.find(key);
    if (it != counts.end() && --it->second == 0) counts.erase(it);
  }

  // "for 9 more minutes" / "until the server restarts".
  std::string ban_duration(const Ban& b, Millis now) const {
    if (b.until == 0) return "until the server restarts";
    Millis left = b.until - now;
    if (left < 120'000) return "for " + std::to_string((left + 999) / 1000) + " more seconds";
    return "for " + std::to_string((left + 59'999) / 60'000) + " more minutes";
  }
  static std::string ban_why(const Ban& b) {
    return " (by " + b.by + (b.reason.empty() ? "" : ": " + b.reason) + ")";
  }

  // Removes every trace of the connection and tells the others. Does not
  // touch the transport.
  void forget(Connection& c) {
    if (c.accepted) {
      UserLeave leave{"", c.nickname};
      for (Channel* ch : c.channels) {
        erase_value(ch->members, &c);
        leave.channel = ch->name;
        std::string line = format(ServerMessage{leave});
        for (Connection* m : ch->members) emit(m->id, line);
        drop_channel_if_empty(*ch);
      }
      calls.leave_all(c.id);
      users.erase(c.folded);
      --accepted_count;
    }
    if (!c.address.empty()) {
      decrement(per_address, c.address);
      if (!c.accepted) decrement(pending_per_address, c.address);
    }
    out.file_revoke(c.id);
    conns.erase(c.id);
  }

  // Forget the connection and ask the transport to close it.
  void drop(Connection& c, std::string_view reason) {
    ConnId id = c.id;
    forget(c);
    out.close(id, reason);
  }

  // With an archive, a channel with history stays after its last member
  // leaves, like a Discord channel; the longest quiet one goes when there
  // are too many.
  void drop_channel_if_empty(Channel& ch) {
    if (!ch.members.empty() || ch.name == kLobby) return;
    if (!config.archive || (ch.history.empty() && ch.topic.empty())) {
      channels.erase(ch.folded);
      return;
    }
    if (channels.size() <= config.max_quiet_channels) return;
    std::vector<Channel*> quiet;
    for (auto& [folded, other] : channels)
      if (other->members.empty() && other->name != kLobby) quiet.push_back(other.get());
    if (quiet.size() <= config.max_quiet_channels) return;
    auto last_said = [](const Channel* c) {
      return c->history.empty() ? std::int64_t{0} : stamp_of(c->history.back());
    };
    auto oldest = *std::min_element(quiet.begin(), quiet.end(), [&](auto* a, auto* b) {
      return last_said(a) < last_said(b);
    });
    channels.erase(oldest->folded);
  }

  // ---- commands ----------------------------------------------------------

  void line(Connection& c, std::string_view text, Millis now) {
    auto parsed = parse_client(text);
    if (auto* err = std::get_if<ParseError>(&parsed)) {
      if (!c.accepted) {
        send(c, NotAccepted{"Syntax error, please resend the CONNECT request"});
      } else {
        error(c, err->code, err->message);
      }
      return;
    }
    auto& msg = std::get<ClientMessage>(parsed);
    if (std::holds_alternative<Disconnect>(msg)) {
      drop(c, "client disconnected");
      return;
    }
    if (auto* ping = std::get_if<Ping>(&msg)) {
      send(c, Pong{ping->token});
      return;
    }
    if (auto* connect = std::get_if<Connect>(&msg)) {
      handle_connect(c, *connect, now);
      return;
    }
    if (!c.accepted) {
      send(c, NotAccepted{
                  "Send CONNECT first: CONNECT: \"nickname\" \"real name\" "
                  "version"});
      return;
    }
    std::visit([&](const auto& m) { handle(c, m, now); }, msg);
  }

  void handle_connect(Connection& c, const Connect& m, Millis now) {
    if (c.accepted) {
      error(c, error_code::kAlreadyConnected,
            "Already connected as '" + c.nickname + "'");
      return;
    }
    if (auto why = check_nickname(m.nickname); !why.empty()) {
      send(c, NotAccepted{why});
      return;
    }
    if (const Ban* ban = bans.find(c.address, m.nickname, now)) {
      send(c, NotAccepted{"You are banned from this server " + ban_duration(*ban, now) +
                          ban_why(*ban)});
      drop(c, "banned");
      return;
    }
    if (!config.password.empty()) {
      if (m.password.empty()) {
        send(c, NotAccepted{"This server needs a password"});
        return;
      }
      if (auto why = password_refusal(c, now); !why.empty()) {
        send(c, NotAccepted{why});
        return;
      }
      if (!same_secret(m.password, config.password)) {
        password_failures.failed(c.address, now);
        send(c, NotAccepted{"Wrong server password"});
        return;
      }
      password_failures.succeeded(c.address);
    }
    if (m.realname.size() > kMaxRealnameLength) {
      send(c, NotAccepted{"Real name is longer than 64 bytes"});
      return;
    }
    if (auto why = check_text(m.realname); !why.empty()) {
      send(c, NotAccepted{"Real name: " + why});
      return;
    }
    std::string folded = fold_case(m.nickname);
    if (users.count(folded)) {
      send(c, NicknameInUse{"The nickname '" + m.nickname +
                            "' is already taken"});
      return;
    }
    if (accepted_count >= config.max_clients) {
      send(c, NotAccepted{"The server is full (" + std::to_string(config.max_clients) +
                          " users)"});
      drop(c, "server full");
      return;
    }
    if (!c.address.empty()) decrement(pending_per_address, c.address);
    c.accepted = true;
    c.nickname = m.nickname;
    c.folded = std::move(folded);
    c.realname = m.realname;
    c.version = m.version;
    c.next_ping_at = now + config.ping_interval;
    users.emplace(c.folded, &c);
    ++accepted_count;
    send(c, Accept{config.hostname});
    join(c, std::string(kLobby));
  }

  // Why a password from this connection's address is not even checked now
  // (too many wrong ones lately), or "".
  std::string password_refusal(const Connection& c, Millis now) const {
    Millis wait = password_failures.wait(c.address, now);
    if (wait <= 0) return {};
    return "Too many wrong passwords from " + (c.address.empty() ? "here" : c.address) +
           ": try again in " + std::to_string((wait + 999) / 1000) + " s";
  }

  void join(Connection& c, const std::string& name) {
    auto folded = fold_case(name);
    auto it = channels.find(folded);
    if (it == channels.end()) {
      auto ch = std::make_unique<Channel>();
      ch->name = name;
      ch->folded = folded;
      ch->older_archived = archived_names.count(folded) > 0;
      it = channels.emplace(folded, std::move(ch)).first;
    }
    Channel& ch = *it->second;
    if (!is_member(ch, &c)) {
      std::string line = format(ServerMessage{UserJoin{ch.name, c.nickname}});
      for (Connection* m : ch.members) emit(m->id, line);
      ch.members.push_back(&c);
      c.channels.push_back(&ch);
    }
    send(c, Joined{ch.name});
    send_user_list(c, ch);
    if (!ch.topic.empty())
      emit(c.id, format(ServerMessage{Topic{ch.topic_setter, ch.name, ch.topic}}), ch.topic_record);
    if (!calls.room_members(ch.folded).empty()) send(c, room_of(ch));
    replay(c, ch, ch.history.size());
  }

  // The members of `ch`, in lines that fit: USERLISTMORE for every part
  // but the last, USERLIST for the last (an old client that knows only
  // USERLIST still gets a valid, if partial, list).
  void send_user_list(Connection& c, const Channel& ch) {
    // "USERLISTMORE " + channel + ": " before the names.
    const std::size_t room = kMaxLineBytes - 13 - ch.name.size() - 2;
    UserList part{ch.name, {}};
    std::size_t used = 0;
    for (Connection* m : ch.members) {
      std::size_t cost = m->nickname.size() + (part.nicknames.empty() ? 0 : 2);
      if (used + cost > room) {
        send(c, UserListMore{ch.name, std::move(part.nicknames)});
        part.nicknames.clear();
        used = 0;
        cost = m->nickname.size();
      }
      part.nicknames.push_back(m->nickname);
      used += cost;
    }
    send(c, part);
  }

  // Replays the newest of the first `end` history lines of `ch` that fit
  // kReplayBytes, oldest first; says where older ones start if some were
  // left out (the client asks HISTORY #chan: before <time> for them).
  static std::string history_line(const Remembered& e) {
    return std::visit([](const auto& m) { return format(ServerMessage{m}); }, e.entry);
  }

  // Where a page of the lines before `end` starts: as many as fit, and at
  // most `count` (0: no limit but the bytes).
  static std::size_t page_begin(const Channel& ch, std::size_t end, int count = 0) {
    std::size_t begin = end, bytes = 0;
    while (begin > 0 && (count == 0 || end - begin < static_cast<std::size_t>(count))) {
      std::size_t size = history_line(ch.history[begin - 1]).size() + 1;
      if (bytes + size > kReplayBytes && begin < end) break;
      bytes += size;
      --begin;
    }
    return begin;
  }

  void replay(Connection& c, const Channel& ch, std::size_t end, bool always_say = false,
              int count = 0) {
    std::size_t begin = page_begin(ch, end, count);
    for (std::size_t i = begin; i < end; ++i)
      emit(c.id, history_line(ch.history[i]), ch.history[i].record);
    if (begin > 0) {
      send(c, HistoryMore{ch.name, stamp_of(ch.history[begin])});
    } else if (ch.older_archived) {
      send(c, HistoryMore{ch.name, ch.history.empty() ? kAfterEverything : stamp_of(ch.history[0])});
    } else if (always_say) {
      send(c, HistoryMore{ch.name, 0});
    }
  }

  void handle(Connection& c, const Join& m, Millis) {
    if (auto why = check_channel(m.channel); !why.empty()) {
      error(c, error_code::kBadName, why);
      return;
    }
    join(c, m.channel);
  }

  // Finds a channel the user is in, or replies with the reason and returns
  // nullptr.
  Channel* member_channel(Connection& c, std::string_view name) {
    Channel* ch = find_channel(name);
    if (!ch) {
      error(c, error_code::kNoSuchChannel,
            "No such channel '" + shown(name) + "'");
      return nullptr;
    }
    if (!is_member(*ch, &c)) {
      error(c, error_code::kNotMember,
            "You are not a member of " + ch->name);
      return nullptr;
    }
    return ch;
  }

  void handle(Connection& c, const Leave& m, Millis) {
    Channel* ch = member_channel(c, m.channel);
    if (!ch) return;
    if (calls.room_of(c.id) == ch->folded) calls.leave_room(c.id);
    erase_value(ch->members, &c);
    erase_value(c.channels, ch);
    send(c, Left{ch->name});
    std::string line = format(ServerMessage{UserLeave{ch->name, c.nickname}});
    for (Connection* other : ch->members) emit(other->id, line);
    drop_channel_if_empty(*ch);
  }

  // A page of channels in name order, at most kListPageBytes, then
  // LISTMORE (ask LIST: #last for the next page) or LISTEND.
  void handle(Connection& c, const List& m, Millis) {
    auto it = m.after.empty() ? channels.begin() : channels.upper_bound(fold_case(m.after));
    std::size_t bytes = 0;
    std::string last;
    for (; it != channels.end(); ++it) {
      const Channel& ch = *it->second;
      std::string line = format(ServerMessage{
          ChannelInfo{ch.name, static_cast<std::uint32_t>(ch.members.size()), ch.topic}});
      if (bytes + line.size() + 1 > kListPageBytes && !last.empty()) break;
      bytes += line.size() + 1;
      emit(c.id, line, ch.topic_record);  // it shows the topic
      last = ch.name;
    }
    if (it != channels.end()) {
      send(c, ListMore{last});
    } else {
      send(c, ListEnd{});
    }
  }

  void handle(Connection& c, const HistoryRequest& m, Millis) {
    if (m.channel.empty() || m.channel[0] != '#') {
      private_history(c, m);
      return;
    }
    Channel* ch = member_channel(c, m.channel);
    if (!ch) return;
    // The lines older than `before`: those before the first at or after it.
    std::size_t end = 0;
    while (end < ch->history.size() && stamp_of(ch->history[end]) < m.before_unix_ms) ++end;
    if (ch->older_archived && page_begin(*ch, end, m.count) == 0) {
      // The page reaches back past memory: the archive has all of it.
      out.history_page(c.id, ch->folded, ch->name, m.before_unix_ms, m.count);
      return;
    }
    replay(c, *ch, end, true, m.count);
  }

  // SEARCH #chan: words (members only), or SEARCH bob: words (the asker's
  // private messages with bob).
  void handle(Connection& c, const Search& m, Millis) {
    if (!config.archive) {
      error(c, error_code::kNoSuchChannel, std::string(kNoSearch));
      return;
    }
    if (auto why = check_text(m.words); !why.empty()) {
      error(c, error_code::kBadText, why);
      return;
    }
    if (!m.place.empty() && m.place[0] == '#') {
      Channel* ch = member_channel(c, m.place);
      if (ch) out.search(c.id, ch->folded, ch->name, m.words);
      return;
    }
    if (auto why = check_nickname(m.place); !why.empty()) {
      error(c, error_code::kBadName, why);
      return;
    }
    std::string other = fold_case(m.place);
    auto pair = std::minmax(c.folded, other);
    out.search(c.id, pair.first + " " + pair.second, m.place, m.words);
  }

  // `HISTORY bob: before <time>`: the private messages between the asker
  // and bob, from the archive only; nobody else's nickname opens them.
  void private_history(Connection& c, const HistoryRequest& m) {
    if (auto why = check_nickname(m.channel); !why.empty()) {
      error(c, error_code::kBadName, why);
      return;
    }
    if (!config.archive) {
      error(c, error_code::kNoSuchChannel, std::string(kNoPrivateHistory));
      return;
    }
    std::string other = fold_case(m.channel);
    auto pair = std::minmax(c.folded, other);
    out.history_page(c.id, pair.first + " " + pair.second, m.channel, m.before_unix_ms, m.count);
  }

  void handle(Connection& c, const SetTopic& m, Millis now) {
    Channel* ch = member_channel(c, m.channel);
    if (!ch) return;
    if (!m.text.empty()) {
      if (auto why = check_text(m.text); !why.empty()) {
        error(c, error_code::kBadText, why);
        return;
      }
    }
    ch->topic = m.text;
    ch->topic_setter = c.nickname;
    ch->topic_record = 0;
    if (config.archive) {
      ch->topic_record =
          out.keep(Kept{Kept::Kind::Topic, ch->folded, ch->name, c.nickname, wall(now), m.text, {}});
      archived_names.insert(ch->folded);
    }
    std::string line = format(ServerMessage{Topic{c.nickname, ch->name, m.text}});
    for (Connection* member : ch->members) emit(member->id, line, ch->topic_record);
  }

  void handle(Connection& c, const SendMsg& m, Millis now) {
    if (auto why = check_text(m.text); !why.empty()) {
      error(c, error_code::kBadText, why);
      return;
    }
    if (!m.recipient.empty() && m.recipient[0] == '#') {
      Channel* ch = member_channel(c, m.recipient);
      if (!ch) return;
      History kept{c.nickname, ch->name, history_stamp(*ch, now), m.text};
      std::uint64_t record = 0;
      if (config.archive) {
        record = out.keep(Kept{Kept::Kind::ChannelLine, ch->folded, ch->name, {}, kept.unix_ms,
                               format(ServerMessage{kept}), m.text});
        archived_names.insert(ch->folded);
      }
      // Formatted once, shared by every delivery.
      std::string line =
          format(ServerMessage{DeliverMsg{c.nickname, ch->name, m.text}});
      for (Connection* member : ch->members) {
        if (member != &c) emit(member->id, line, record);
      }
      remember(*ch, {std::move(kept), record});
      return;
    }
    Connection* to = find_user(m.recipient);
    if (!to) {
      error(c, error_code::kNoSuchUser,
            "No such user '" + shown(m.recipient) + "'");
      return;
    }
    std::uint64_t record = 0;
    if (config.archive) {
      // Kept for its two people: HISTORY <from> <to> <time>: text.
      auto pair = std::minmax(c.folded, to->folded);
      Millis stamp = wall(now);
      record = out.keep(Kept{Kept::Kind::Private, pair.first + " " + pair.second, {}, {}, stamp,
                             format(ServerMessage{History{c.nickname, to->nickname, stamp, m.text}}),
                             m.text});
    }
    emit(to->id, format(ServerMessage{DeliverMsg{c.nickname, to->nickname, m.text}}), record);
  }

  // Older history is asked for by time ("before <unix ms>"), so no two
  // entries of a channel may share one: a pasted block arrives within a
  // millisecond, and its later lines are stamped a millisecond apart.
  Millis history_stamp(const Channel& ch, Millis now) const {
    Millis stamp = wall(now);
    if (!ch.history.empty()) stamp = std::max(stamp, stamp_of(ch.history.back()) + 1);
    return stamp;
  }

  void remember(Channel& ch, Remembered entry) {
    if (config.history_length == 0) return;
    if (ch.history.size() >= config.history_length) {
      ch.history.pop_front();
      ch.older_archived = config.archive;
    }
    ch.history.push_back(std::move(entry));
  }

  // ---- voice rooms ---------------------------------------------------------

  VoiceRoom room_of(const Channel& ch) const {
    VoiceRoom room{ch.name, {}};
    for (const auto& seat : calls.room_members(ch.folded))
      room.members.push_back({std::string(nickname_of(seat.conn)), seat.flags});
    return room;
  }

  // Who is in the channel's room now, to everyone in the channel.
  void send_room(const Channel& ch) {
    std::string line = format(ServerMessage{room_of(ch)});
    for (Connection* member : ch.members) emit(member->id, line);
  }

  void handle(Connection& c, const VoiceJoin& m, Millis) {
    Channel* ch = member_channel(c, m.channel);
    if (!ch) return;
    std::string key = calls.join_room(c.id, ch->folded);
    if (key.empty()) return;
    send(c, VoiceJoined{ch->name, key});
    send_room(*ch);
  }

  void handle(Connection& c, const VoiceLeave&, Millis) {
    if (calls.leave_room(c.id).empty())
      error(c, error_code::kNotMember, "You are not in a voice room");
  }

  void handle(Connection& c, const SetVoiceState& m, Millis) {
    std::string room = calls.set_room_flags(c.id, m.flags);
    if (room.empty()) {
      if (!calls.set_call_flags(c.id, m.flags))
        error(c, error_code::kNotMember, "You are not in a voice room or a call");
      return;
    }
    Channel* ch = find_channel(room);
    if (!ch) return;
    std::string line = format(ServerMessage{VoiceState{ch->name, c.nickname, m.flags}});
    for (Connection* member : ch->members) emit(member->id, line);
  }

  // ---- files ---------------------------------------------------------------

  void handle(Connection& c, const FileUpload& m, Millis now) {
    auto refuse = [&](std::string why) { error(c, error_code::kFileRefused, std::move(why)); };
    if (!files.enabled()) return refuse("This server does not keep files");
    if (!c.sealed) return refuse("Files need a sealed connection (voixer 0.2 or newer)");
    if (auto why = check_file_name(m.name); !why.empty()) return refuse(why);
    if (!is_hex_id(m.hash, kFileHashHexDigits))
      return refuse("The hash must be 64 lower-case hex digits (BLAKE2b-256)");
    if (m.size == 0) return refuse(m.name + " is empty");
    FileRecord offer;
    offer.name = m.name;
    offer.hash = m.hash;
    offer.size = m.size;
    offer.sender = c.nickname;
    offer.uploader_folded = c.folded;
    // Every refusal of an upload is FILEREFUSED, so a client can tell
    // which of its requests it answers.
    if (!m.target.empty() && m.target[0] == '#') {
      Channel* ch = find_channel(m.target);
      if (!ch || !is_member(*ch, &c))
        return refuse("You are not a member of " + shown(m.target) + ": join it to share files there");
      offer.target = ch->name;
      offer.channel_folded = ch->folded;
    } else {
      Connection* to = find_user(m.target);
      if (!to) return refuse("No such user '" + shown(m.target) + "'");
      offer.target = to->nickname;
      offer.recipient_folded = to->folded;
    }
    auto result = files.offer(std::move(offer), now, random_hex(kFileIdHexDigits / 2));
    if (auto* why = std::get_if<std::string>(&result)) return refuse(*why);
    const FileRecord& f = *std::get<const FileRecord*>(result);
    if (f.stored) {  // sent before: shown again to whoever is there now
      announce(f);
      return;
    }
    grant(c, f, FileDirection::Put);
  }

  void handle(Connection& c, const FileGet& m, Millis) {
    const FileRecord* f = is_hex_id(m.id, kFileIdHexDigits) ? files.find(m.id) : nullptr;
    // A file this user may not see answers as one that does not exist.
    if (!f || !f->stored || !may_fetch(c, *f))
      return error(c, error_code::kNoSuchFile, "No file '" + shown(m.id) + "' here for you");
    if (!c.sealed)
      return error(c, error_code::kFileRefused, "Files need a sealed connection (voixer 0.2 or newer)");
    grant(c, *f, FileDirection::Get);
  }

  bool may_fetch(const Connection& c, const FileRecord& f) const {
    if (!f.channel_folded.empty()) {
      Channel* ch = find_channel(f.channel_folded);
      return ch && is_member(*ch, &c);
    }
    return c.folded == f.uploader_folded || c.folded == f.recipient_folded;
  }

  void grant(Connection& c, const FileRecord& f, FileDirection direction) {
    FileGrant g{f.id, random_hex(16), direction, f.size, f.hash, f.name};
    out.file_grant(c.id, g);
    send(c, g);
  }

  // A complete file, shown in its conversation (and kept in the channel's
  // history like a message).
  void announce(const FileRecord& f) {
    if (!f.channel_folded.empty()) {
      Channel* ch = find_channel(f.channel_folded);
      if (!ch) return;
      FileShared shared{f.sender, ch->name, f.stored_unix_ms, f.id, f.size, f.hash, f.name};
      std::string line = format(ServerMessage{shared});
      for (Connection* member : ch->members) emit(member->id, line);
      return;
    }
    FileShared shared{f.sender, f.target, f.stored_unix_ms, f.id, f.size, f.hash, f.name};
    std::string line = format(ServerMessage{shared});
    for (const std::string* who : {&f.uploader_folded, &f.recipient_folded}) {
      if (Connection* u = find_user(*who)) emit(u->id, line);
    }
  }

  void file_uploaded(const std::string& id, bool ok, Millis now) {
    if (!ok) {
      files.discard(id);
      return;
    }
    const FileRecord* f = files.find(id);
    if (!f || f->stored) return;
    Millis stamp = wall(now);
    Channel* ch = f->channel_folded.empty() ? nullptr : find_channel(f->channel_folded);
    if (ch) stamp = history_stamp(*ch, now);
    f = files.complete(id, stamp);
    if (ch)
      remember(*ch, {FileShared{f->sender, ch->name, stamp, f->id, f->size, f->hash, f->name}, 0});
    announce(*f);
  }

  void handle(Connection& c, const TalkRequest& m, Millis now) {
    if (m.nickname == kEchoNickname) {
      calls.request(c.id, 0, now);
      return;
    }
    Connection* callee = find_user(m.nickname);
    if (!callee) {
      error(c, error_code::kNoSuchUser, "No such user '" + shown(m.nickname) + "'");
      return;
    }
    if (callee == &c) {
      error(c, error_code::kNotAllowed, "You cannot call yourself");
      return;
    }
    calls.request(c.id, callee->id, now);
  }

  void handle(Connection& c, const TalkAnswer& m, Millis) { calls.answer(c.id, m.key, m.verb); }

  void handle(Connection& c, const TalkInvite& m, Millis now) {
    Connection* target = find_user(m.nickname);
    if (!target) {
      error(c, error_code::kNoSuchUser, "No such user '" + shown(m.nickname) + "'");
      return;
    }
    calls.invite(c.id, m.key, target->id, now);
  }

  void handle(Connection& c, const TalkSession& m, Millis) {
    if (!calls.knows_key(m.key)) {
      send(c, SessionError{"Invalid session key '" + shown(m.key) + "'"});
      return;
    }
    error(c, error_code::kNotAllowed,
          "TALKSESSION is sent on the voice (UDP) connection");
  }

  void handle(Connection& c, const TalkProof&, Millis) {
    error(c, error_code::kNotAllowed, "TALKPROOF is sent on the voice (UDP) connection");
  }

  void handle(Connection& c, const Pong& m, Millis now) {
    if (c.ping_token.empty() || m.token != c.ping_token) {
      error(c, error_code::kMalformed,
            "PONG '" + shown(m.token) + "' does not answer the last PING");
      return;
    }
    c.ping_token.clear();
    c.next_ping_at = now + config.ping_interval;
  }

  void handle(Connection& c, const Oper& m, Millis now) {
    if (config.operator_password.empty()) {
      error(c, error_code::kNotAllowed, "This server has no operators");
      return;
    }
    if (auto why = password_refusal(c, now); !why.empty()) {
      error(c, error_code::kRateLimited, why);
      return;
    }
    if (!same_secret(m.password, config.operator_password)) {
      password_failures.failed(c.address, now);
      error(c, error_code::kNotAllowed, "Wrong operator password");
      return;
    }
    password_failures.succeeded(c.address);
    c.operator_ = true;
    send(c, Operator{"You are an operator: KICK nickname: reason, BAN nickname minutes: "
                     "reason, UNBAN: nickname, BANS"});
  }

  // The target of an operator's KICK or BAN, or nullptr (and the reason sent).
  Connection* operator_target(Connection& c, const std::string& nickname, std::string_view what,
                              const std::string& reason) {
    if (!c.operator_) {
      error(c, error_code::kNotAllowed, "Only operators can " + std::string(what) + " (OPER first)");
      return nullptr;
    }
    // The reason reaches the user's screen: no escapes, no bidi tricks.
    if (auto why = reason.empty() ? std::string() : check_text(reason); !why.empty()) {
      error(c, error_code::kBadText, "Reason: " + why);
      return nullptr;
    }
    Connection* target = find_user(nickname);
    if (!target) error(c, error_code::kNoSuchUser, "No such user '" + shown(nickname) + "'");
    return target;
  }

  // Throws `target` out and keeps them out (address and nickname) for
  // `duration` (0: until the server restarts); the operator gets BANNED.
  void ban(Connection& by, Connection& target, Millis duration, const std::string& reason,
           std::string_view verb, Millis now) {
    const Ban& b = bans.add(Ban{target.nickname, target.address, duration ? now + duration : 0,
                                reason, by.nickname});
    send(by, Banned{b.nickname, b.until ? wall(b.until) : 0, b.address, b.reason});
    std::string why = std::string(verb) + " by " + by.nickname + " " + ban_duration(b, now) +
                      (reason.empty() ? "" : ": " + reason);
    error(target, error_code::kKicked, why);
    drop(target, "kicked");
  }

  void handle(Connection& c, const Kick& m, Millis now) {
    if (Connection* target = operator_target(c, m.nickname, "kick", m.reason))
      ban(c, *target, config.kick_ban, m.reason, "Kicked", now);
  }

  void handle(Connection& c, const BanUser& m, Millis now) {
    if (Connection* target = operator_target(c, m.nickname, "ban", m.reason))
      ban(c, *target, static_cast<Millis>(m.minutes) * 60'000, m.reason, "Banned", now);
  }

  void handle(Connection& c, const Unban& m, Millis) {
    if (!c.operator_) {
      error(c, error_code::kNotAllowed, "Only operators can unban (OPER first)");
      return;
    }
    auto lifted = bans.remove(m.target);
    if (lifted.empty()) {
      error(c, error_code::kNoSuchBan, "Nobody is banned as '" + shown(m.target) + "'");
      return;
    }
    for (const Ban& b : lifted) send(c, Unbanned{b.nickname, b.address});
  }

  void handle(Connection& c, const ListBans&, Millis now) {
    if (!c.operator_) {
      error(c, error_code::kNotAllowed, "Only operators can list bans (OPER first)");
      return;
    }
    bans.expire(now);
    for (const Ban& b : bans.all())
      send(c, Banned{b.nickname, b.until ? wall(b.until) : 0, b.address, b.reason});
    send(c, BansEnd{});
  }

  // Handled before dispatch; listed so the visit is exhaustive.
  void handle(Connection&, const Connect&, Millis) {}
  void handle(Connection&, const Ping&, Millis) {}
  void handle(Connection&, const Disconnect&, Millis) {}

  // ---- time --------------------------------------------------------------

  void tick(Millis now) {
    std::vector<Connection*> expired;
    for (auto& [id, c] : conns) {
      if (!c->accepted) {
        if (now - c->opened_at >= config.handshake_timeout) expired.push_back(c.get());
        continue;
      }
      if (!c->ping_token.empty()) {
        if (now - c->ping_sent_at >= config.ping_timeout) expired.push_back(c.get());
      } else if (now >= c->next_ping_at) {
        c->ping_token = random_number();
        c->ping_sent_at = now;
        send(*c, Ping{c->ping_token});
      }
    }
    for (Connection* c : expired) {
      if (c->accepted) {
        error(*c, error_code::kTimeout,
              "No PONG within " + seconds(config.ping_timeout));
        drop(*c, "ping timeout");
      } else {
        error(*c, error_code::kTimeout,
              "No CONNECT within " + seconds(config.handshake_timeout));
        drop(*c, "handshake timeout");
      }
    }
    calls.tick(now);
    bans.expire(now);
    password_failures.expire(now);
    for (const auto& id : files.expire(now)) out.file_drop(id);
  }

  // ---- flood control -------------------------------------------------------

  bool admit(Connection& c, Millis now) {
    if (config.flood_rate <= 0) return true;
    c.tokens = std::min(config.flood_burst,
                        c.tokens + static_cast<double>(now - c.tokens_at) *
                                       config.flood_rate / 1000.0);
    c.tokens_at = now;
    if (c.tokens >= 1.0) {
      c.tokens -= 1.0;
      c.throttled = false;
      return true;
    }
    if (!c.throttled) {
      c.throttled = true;
      char rate[32];
      std::snprintf(rate, sizeof rate, "%g", config.flood_rate);
      error(c, error_code::kFlood,
            std::string("Too many lines; slow down (limit ") + rate +
                " lines/s). Your next lines are held back, not lost");
    }
    return false;
  }

  Millis resume_time(const Connection& c) const {
    if (config.flood_rate <= 0 || c.tokens >= 1.0) return c.tokens_at;
    double wait_ms = (1.0 - c.tokens) * 1000.0 / config.flood_rate;
    return c.tokens_at + static_cast<Millis>(wait_ms) + 1;
  }
};

Server::Server(ServerConfig config, Outbox& out, RandomSource random)
    : m_impl(std::make_unique<Impl>(std::move(config), out, std::move(random))) {
  auto lobby = std::make_unique<Channel>();
  lobby->name = std::string(kLobby);
  lobby->folded = std::string(kLobby);
  m_impl->channels.emplace(lobby->folded, std::move(lobby));
}

Server::~Server() = default;

void Server::restore_channel(const std::string& name, const std::string& topic,
                             const std::string& topic_setter,
                             const std::vector<std::string>& lines, bool older_archived) {
  if (!check_channel(name).empty()) return;
  auto folded = fold_case(name);
  auto& slot = m_impl->channels[folded];
  if (!slot) {
    slot = std::make_unique<Channel>();
    slot->name = name;
    slot->folded = folded;
  }
  slot->topic = topic;
  slot->topic_setter = topic_setter;
  slot->topic_record = 0;  // stored already
  for (const auto& line : lines) {
    auto parsed = parse_server(line);
    auto* m = std::get_if<ServerMessage>(&parsed);
    if (!m) continue;
    if (auto* h = std::get_if<History>(m)) slot->history.push_back({*h, 0});
  }
  while (m_impl->config.history_length && slot->history.size() > m_impl->config.history_length)
    slot->history.pop_front();
  slot->older_archived = older_archived;
  m_impl->archived_names.insert(folded);
}

void Server::note_archived_channel(const std::string& folded) {
  m_impl->archived_names.insert(folded);
}

bool Server::on_open(ConnId id, Millis now, std::string_view address) {
  return m_impl->open(id, now, address);
}

bool Server::admit_line(ConnId id, Millis now) {
  Connection* c = m_impl->find_conn(id);
  return c ? m_impl->admit(*c, now) : true;
}

Millis Server::resume_at(ConnId id) const {
  Connection* c = m_impl->find_conn(id);
  return c ? m_impl->resume_time(*c) : 0;
}

void Server::on_line(ConnId id, std::string_view line, Millis now) {
  if (Connection* c = m_impl->find_conn(id)) m_impl->line(*c, line, now);
}

void Server::on_line_too_long(ConnId id, Millis) {
  if (Connection* c = m_impl->find_conn(id)) {
    m_impl->error(*c, error_code::kLineTooLong,
                  "Line longer than " + std::to_string(kMaxLineBytes) +
                      " bytes was discarded");
  }
}

void Server::on_closed(ConnId id, Millis) {
  if (Connection* c = m_impl->find_conn(id)) m_impl->forget(*c);
}

void Server::tick(Millis now) { m_impl->tick(now); }

void Server::on_file_uploaded(const std::string& id, bool ok, Millis now) {
  m_impl->file_uploaded(id, ok, now);
}

void Server::shutdown(std::string_view reason) {
  std::vector<Connection*> all;
  for (auto& [id, c] : m_impl->conns) all.push_back(c.get());
  for (Connection* c : all) {
    m_impl->error(*c, error_code::kShutdown, std::string(reason));
    m_impl->out.close(c->id, "server shutdown");
  }
  // Forget without telling anybody: everyone is being closed.
  m_impl->calls.clear();
  m_impl->users.clear();
  m_impl->conns.clear();
  m_impl->accepted_count = 0;
  for (auto& [folded, ch] : m_impl->channels) ch->members.clear();
}

std::size_t Server::connection_count() const { return m_impl->conns.size(); }
std::size_t Server::user_count() const { return m_impl->accepted_count; }
std::size_t Server::channel_count() const { return m_impl->channels.size(); }
std::size_t Server::call_count() const { return m_impl->calls.call_count(); }
std::size_t Server::lines_cut() const { return m_impl->lines_cut; }

std::string Server::on_voice_session(PeerId peer, std::string_view line,
                                     const VoicePeerInfo& from) {
  auto parsed = parse_client(line);
  auto* msg = std::get_if<ClientMessage>(&parsed);
  if (auto* proof = msg ? std::get_if<TalkProof>(msg) : nullptr)
    return m_impl->calls.bind_proof(peer, *proof, from.challenge, from.address);
  auto* session = msg ? std::get_if<TalkSession>(msg) : nullptr;
  if (!session)
    return format(ServerMessage{SessionError{
        "Expected 'TALKPROOF: <key id> <proof>' or 'TALKSESSION: <key>' on the voice connection"}});
  return m_impl->calls.bind_peer(peer, session->key, from.address);
}

const VoiceKeys* Server::sealed_voice_keys(PeerId peer) const {
  return m_impl->calls.sealed_keys(peer);
}

void Server::on_sealed(ConnId id) {
  if (Connection* c = m_impl->find_conn(id)) c->sealed = true;
}

std::optional<VoiceRoute> Server::voice_route(PeerId from) const {
  return m_impl->calls.route(from);
}

void Server::on_voice_peer_gone(PeerId peer) { m_impl->calls.peer_gone(peer); }

}  // namespace voixer::core
