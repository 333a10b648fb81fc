#include "core/protocol.hpp"

#include <array>
#include <charconv>

namespace voixer::core {

namespace {

// A line split into its generic parts: VERB [arg ...][: text].
struct Fields {
  std::string_view verb;
  std::array<std::string_view, 6> args{};
  std::size_t arg_count = 0;
  bool too_many_args = false;
  std::optional<std::string_view> text;
};

Fields split(std::string_view line) {
  Fields f;
  // Every CR at the end goes: text may not hold control characters anyway,
  // and a line must mean the same once formatted again (found by fuzzing).
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view head = line;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    head = line.substr(0, colon);
    std::string_view text = line.substr(colon + 1);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    f.text = text;
  }
  bool first = true;
  while (!head.empty()) {
    auto start = head.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    head.remove_prefix(start);
    auto end = head.find(' ');
    std::string_view token = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end);
    if (first) {
      f.verb = token;
      first = false;
    } else if (f.arg_count < f.args.size()) {
      f.args[f.arg_count++] = token;
    } else {
      f.too_many_args = true;
    }
  }
  return f;
}

bool verb_is(std::string_view verb, std::string_view upper) {
  if (verb.size() != upper.size()) return false;
  for (std::size_t i = 0; i < verb.size(); ++i) {
    char c = verb[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

ParseError malformed(std::string_view verb, std::string_view syntax) {
  return {std::string(error_code::kMalformed),
          "Malformed " + std::string(verb) + ", expected '" +
              std::string(syntax) + "'"};
}

// Checks a shape: exactly `args` arguments and text present or absent.
bool shape(const Fields& f, std::size_t args, bool with_text) {
  return !f.too_many_args && f.arg_count == args &&
         f.text.has_value() == with_text;
}

std::string s(std::string_view v) { return std::string(v); }

// CONNECT's text: up to three fields, each "quoted" (with \" and \\ escapes)
// or bare.
std::optional<std::vector<std::string>> split_connect_fields(
    std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::string field;
    if (text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) {
          field += text[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          field += c;
        }
      }
      if (!closed) return std::nullopt;
      if (i < text.size() && text[i] != ' ') return std::nullopt;
    } else {
      while (i < text.size() && text[i] != ' ') field += text[i++];
    }
    out.push_back(std::move(field));
  }
  return out;
}

std::string quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

template <class Int>
bool parse_int(std::string_view v, Int& out) {
  if (v.empty()) return false;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && ptr == v.data() + v.size();
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  return out;
}

// "VERB args: text" with ":" alone when text is empty (no trailing space).
std::string with_text(std::string head, std::string_view text) {
  head += ':';
  if (!text.empty()) {
    head += ' ';
    head += text;
  }
  return head;
}

// "word rest of text" -> {"word", "rest of text"}.
std::pair<std::string_view, std::string_view> first_word(std::string_view text) {
  auto space = text.find(' ');
  if (space == std::string_view::npos) return {text, {}};
  return {text.substr(0, space), text.substr(space + 1)};
}

// "muted talking" -> flags; false on a word that is none of them.
bool parse_flags(std::string_view words, VoiceFlags& flags) {
  while (!words.empty()) {
    auto [w, rest] = first_word(words);
    words = rest;
    if (w.empty()) continue;
    if (verb_is(w, "MUTED")) flags.muted = true;
    else if (verb_is(w, "DEAFENED")) flags.deafened = true;
    else if (verb_is(w, "TALKING")) flags.talking = true;
    else if (verb_is(w, "NO-MICROPHONE")) flags.no_microphone = true;
    else if (verb_is(w, "NO-SPEAKERS")) flags.no_speakers = true;
    else return false;
  }
  return true;
}

std::string flag_words(const VoiceFlags& f) {
  std::string out;
  for (auto [on, word] : {std::pair{f.muted, "muted"}, {f.deafened, "deafened"}, {f.talking, "talking"},
                          {f.no_microphone, "no-microphone"}, {f.no_speakers, "no-speakers"}})
    if (on) out += (out.empty() ? "" : " ") + std::string(word);
  return out;
}

ParseError unknown(std::string_view verb) {
  if (verb.empty())
    return {s(error_code::kUnknownCommand), "Empty line"};
  return {s(error_code::kUnknownCommand),
          "Unknown command '" + s(verb.substr(0, 32)) + "'"};
}

}  // namespace

Parsed<ClientMessage> parse_client(std::string_view line) {
  Fields f = split(line);
  const auto& a = f.args;
  if (verb_is(f.verb, "CONNECT")) {
    auto fields = f.text ? split_connect_fields(*f.text) : std::nullopt;
    if (f.arg_count != 0 || f.too_many_args || !fields || fields->empty() ||
        fields->size() > 4)
      return malformed("CONNECT", "CONNECT: \"nickname\" \"real name\" version");
    Connect c;
    c.nickname = (*fields)[0];
    c.realname = fields->size() > 1 ? (*fields)[1] : c.nickname;
    c.version = fields->size() > 2 ? (*fields)[2] : "0";
    c.password = fields->size() > 3 ? (*fields)[3] : "";
    return c;
  }
  if (verb_is(f.verb, "PING")) {
    if (!shape(f, 0, true) || f.text->empty())
      return malformed("PING", "PING: token");
    return Ping{s(*f.text)};
  }
  if (verb_is(f.verb, "PONG")) {
    if (!shape(f, 0, true) || f.text->empty())
      return malformed("PONG", "PONG: token");
    return Pong{s(*f.text)};
  }
  if (verb_is(f.verb, "JOIN")) {
    if (!shape(f, 0, true) || f.text->empty())
      return malformed("JOIN", "JOIN: #channel");
    return Join{s(*f.text)};
  }
  if (verb_is(f.verb, "LEAVE")) {
    if (!shape(f, 0, true) || f.text->empty())
      return malformed("LEAVE", "LEAVE: #channel");
    return Leave{s(*f.text)};
  }
  if (verb_is(f.verb, "LIST")) {
    if (shape(f, 0, false)) return List{};
    if (shape(f, 0, true) && !f.text->empty()) return List{s(*f.text)};
    return malformed("LIST", "LIST' or 'LIST: #after");
  }
  if (verb_is(f.verb, "HISTORY")) {
    HistoryRequest h{s(a[0]), 0, 0};
    auto [word, rest] = first_word(f.text.value_or(""));
    auto [time, count] = first_word(rest);
    bool ok = shape(f, 1, true) && verb_is(word, "BEFORE") && parse_int(time, h.before_unix_ms) &&
              (count.empty() || (parse_int(count, h.count) && h.count >= 1 &&
                                 h.count <= kMaxHistoryCount));
    if (!ok)
      return malformed("HISTORY", "HISTORY #channel: before <unix ms> [<count, 1 to " +
                                      std::to_string(kMaxHistoryCount) + ">]");
    return h;
  }
  if (verb_is(f.verb, "SEARCH")) {
    if (!shape(f, 1, true) || f.text->find_first_not_of(' ') == std::string_view::npos)
      return malformed("SEARCH", "SEARCH #channel: words");
    return Search{s(a[0]), s(*f.text)};
  }
  if (verb_is(f.verb, "TOPIC")) {
    if (!shape(f, 1, true)) return malformed("TOPIC", "TOPIC #channel: text");
    return SetTopic{s(a[0]), s(*f.text)};
  }
  if (verb_is(f.verb, "MSG")) {
    if (!shape(f, 1, true)) return malformed("MSG", "MSG recipient: text");
    return SendMsg{s(a[0]), s(*f.text)};
  }
  if (verb_is(f.verb, "TALK") && shape(f, 2, true) && verb_is(*f.text, "INVITE"))
    return TalkInvite{s(a[0]), s(a[1])};
  if (verb_is(f.verb, "TALK")) {
    if (!shape(f, 1, true))
      return malformed("TALK", "TALK nickname: REQUEST' or 'TALK key: ACCEPT");
    std::string_view action = *f.text;
    if (verb_is(action, "REQUEST")) return TalkRequest{s(a[0])};
    if (verb_is(action, "ACCEPT")) return TalkAnswer{s(a[0]), TalkVerb::Accept};
    if (verb_is(action, "DENY")) return TalkAnswer{s(a[0]), TalkVerb::Deny};
    if (verb_is(action, "HANGUP")) return TalkAnswer{s(a[0]), TalkVerb::Hangup};
    return {ParseError{s(error_code::kMalformed),
                       "Unknown TALK action '" + s(action.substr(0, 32)) +
                           "', expected REQUEST, ACCEPT, DENY, HANGUP or INVITE"}};
  }
  if (verb_is(f.verb, "TALKSESSION")) {
    if (!shape(f, 0, true) || f.text->empty())
      return malformed("TALKSESSION", "TALKSESSION: key");
    return TalkSession{s(*f.text)};
  }
  if (verb_is(f.verb, "TALKPROOF")) {
    if (!shape(f, 0, true)) return malformed("TALKPROOF", "TALKPROOF: key-id proof");
    auto [id, proof] = first_word(*f.text);
    if (id.empty() || proof.empty() || proof.find(' ') != std::string_view::npos)
      return malformed("TALKPROOF", "TALKPROOF: key-id proof");
    return TalkProof{s(id), s(proof)};
  }
  if (verb_is(f.verb, "OPER")) {
    if (!shape(f, 0, true) || f.text->empty()) return malformed("OPER", "OPER: password");
    return Oper{s(*f.text)};
  }
  if (verb_is(f.verb, "KICK")) {
    if (!shape(f, 1, true)) return malformed("KICK", "KICK nickname: reason");
    return Kick{s(a[0]), s(*f.text)};
  }
  if (verb_is(f.verb, "BAN")) {
    BanUser b{s(a[0]), 0, s(f.text.value_or(""))};
    if (f.too_many_args || f.arg_count != 2 || !parse_int(a[1], b.minutes))
      return malformed("BAN", "BAN nickname minutes: reason");
    return b;
  }
  if (verb_is(f.verb, "UNBAN")) {
    if (!shape(f, 0, true) || f.text->empty()) return malformed("UNBAN", "UNBAN: nickname or address");
    return Unban{s(*f.text)};
  }
  if (verb_is(f.verb, "BANS")) {
    if (!shape(f, 0, false)) return malformed("BANS", "BANS");
    return ListBans{};
  }
  if (verb_is(f.verb, "FILEUPLOAD")) {
    FileUpload u{s(a[0]), 0, s(a[2]), s(f.text.value_or(""))};
    if (!shape(f, 3, true) || !parse_int(a[1], u.size) || f.text->empty())
      return malformed("FILEUPLOAD", "FILEUPLOAD #channel-or-nickname size hash: name");
    return u;
  }
  if (verb_is(f.verb, "FILEGET")) {
    if (!shape(f, 0, true) || f.text->empty()) return malformed("FILEGET", "FILEGET: file-id");
    return FileGet{s(*f.text)};
  }
  if (verb_is(f.verb, "VOICEJOIN")) {
    if (!shape(f, 0, true) || f.text->empty()) return malformed("VOICEJOIN", "VOICEJOIN: #channel");
    return VoiceJoin{s(*f.text)};
  }
  if (verb_is(f.verb, "VOICELEAVE")) {
    if (f.arg_count != 0 || f.too_many_args) return malformed("VOICELEAVE", "VOICELEAVE");
    return VoiceLeave{};
  }
  if (verb_is(f.verb, "VOICESTATE")) {
    SetVoiceState v;
    if (!shape(f, 0, true) || !parse_flags(*f.text, v.flags))
      return malformed("VOICESTATE", "VOICESTATE: [muted] [deafened] [talking] [no-microphone] [no-speakers]");
    return v;
  }
  if (verb_is(f.verb, "DISCONNECT")) {
    // The seed sends a bare DISCONNECT; a reason after a colon is tolerated.
    if (f.arg_count != 0 || f.too_many_args)
      return malformed("DISCONNECT", "DISCONNECT");
    return Disconnect{};
  }
  return unknown(f.verb);
}

Parsed<ServerMessage> parse_server(std::string_view line) {
  Fields f = split(line);
  const auto& a = f.args;
  auto text = [&] { return s(f.text.value_or("")); };
  if (verb_is(f.verb, "ACCEPT") && shape(f, 0, true)) return Accept{text()};
  if (verb_is(f.verb, "NOTACCEPTED") && shape(f, 0, true))
    return NotAccepted{text()};
  if (verb_is(f.verb, "NICKNAMEINUSE") && shape(f, 0, true))
    return NicknameInUse{text()};
  if (verb_is(f.verb, "PING") && shape(f, 0, true)) return Ping{text()};
  if (verb_is(f.verb, "PONG") && shape(f, 0, true)) return Pong{text()};
  if (verb_is(f.verb, "JOINED") && shape(f, 0, true)) return Joined{text()};
  if (verb_is(f.verb, "LEFT") && shape(f, 0, true)) return Left{text()};
  if (verb_is(f.verb, "USERLIST") && shape(f, 1, true))
    return UserList{s(a[0]), split_list(*f.text)};
  if (verb_is(f.verb, "USERLISTMORE") && shape(f, 1, true))
    return UserListMore{s(a[0]), split_list(*f.text)};
  if (verb_is(f.verb, "USERJOIN") && shape(f, 1, true))
    return UserJoin{s(a[0]), text()};
  if (verb_is(f.verb, "USERLEAVE") && shape(f, 1, true))
    return UserLeave{s(a[0]), text()};
  if (verb_is(f.verb, "MSG") && shape(f, 2, true))
    return DeliverMsg{s(a[0]), s(a[1]), text()};
  if (verb_is(f.verb, "HISTORY") && shape(f, 3, true)) {
    History h{s(a[0]), s(a[1]), 0, text()};
    if (parse_int(a[2], h.unix_ms)) return h;
  }
  if (verb_is(f.verb, "FOUND") && shape(f, 3, true)) {
    Found h{s(a[0]), s(a[1]), 0, text()};
    if (parse_int(a[2], h.unix_ms)) return h;
  }
  if (verb_is(f.verb, "FOUNDEND") && shape(f, 1, true)) {
    FoundEnd e{s(a[0]), 0};
    if (parse_int(*f.text, e.count)) return e;
  }
  if (verb_is(f.verb, "TOPIC") && shape(f, 2, true))
    return Topic{s(a[0]), s(a[1]), text()};
  if (verb_is(f.verb, "CHANNEL") && shape(f, 2, true)) {
    ChannelInfo c{s(a[0]), 0, text()};
    if (parse_int(a[1], c.members)) return c;
  }
  if (verb_is(f.verb, "LISTEND") && shape(f, 0, false)) return ListEnd{};
  if (verb_is(f.verb, "LISTMORE") && shape(f, 0, true) && !f.text->empty())
    return ListMore{text()};
  if (verb_is(f.verb, "HISTORYMORE") && shape(f, 1, true)) {
    HistoryMore h{s(a[0]), 0};
    if (parse_int(*f.text, h.before_unix_ms)) return h;
  }
  if (verb_is(f.verb, "TALK") && shape(f, 2, true) &&
      verb_is(*f.text, "REQUEST"))
    return TalkOffer{s(a[0]), s(a[1])};
  if (verb_is(f.verb, "TALK") && shape(f, 1, true)) {
    std::string_view st = *f.text;
    if (verb_is(st, "ACCEPTED")) return TalkState{s(a[0]), TalkStatus::Accepted};
    if (verb_is(st, "DENIED")) return TalkState{s(a[0]), TalkStatus::Denied};
    if (verb_is(st, "TIMEOUT")) return TalkState{s(a[0]), TalkStatus::Timeout};
    if (verb_is(st, "ENDED")) return TalkState{s(a[0]), TalkStatus::Ended};
  }
  if (verb_is(f.verb, "TALK") && shape(f, 2, true)) {
    std::string_view ev = *f.text;
    if (verb_is(ev, "INVITED")) return TalkEvent{s(a[0]), s(a[1]), TalkEventKind::Invited};
    if (verb_is(ev, "LEFT")) return TalkEvent{s(a[0]), s(a[1]), TalkEventKind::Left};
    if (verb_is(ev, "DENIED")) return TalkEvent{s(a[0]), s(a[1]), TalkEventKind::Denied};
    if (verb_is(ev, "TIMEOUT")) return TalkEvent{s(a[0]), s(a[1]), TalkEventKind::Timeout};
  }
  if (verb_is(f.verb, "TALKMEMBERS") && shape(f, 1, true))
    return TalkMembers{s(a[0]), split_list(*f.text)};
  if (verb_is(f.verb, "SESSIONACCEPTED") && shape(f, 0, true))
    return SessionAccepted{text()};
  if (verb_is(f.verb, "OPERATOR") && shape(f, 0, true)) return Operator{text()};
  if (verb_is(f.verb, "VOICECHALLENGE") && shape(f, 0, true)) return VoiceChallenge{text()};
  if (verb_is(f.verb, "SESSIONERROR") && shape(f, 0, true))
    return SessionError{text()};
  if (verb_is(f.verb, "BANNED") && shape(f, 2, true)) {
    auto [address, reason] = first_word(*f.text);
    Banned b{s(a[0]), 0, address == "-" ? "" : s(address), s(reason)};
    if (parse_int(a[1], b.until_unix_ms)) return b;
  }
  if (verb_is(f.verb, "UNBANNED") && shape(f, 1, true))
    return Unbanned{s(a[0]), *f.text == "-" ? "" : text()};
  if (verb_is(f.verb, "BANSEND") && shape(f, 0, false)) return BansEnd{};
  if (verb_is(f.verb, "FILEGRANT") && shape(f, 5, true)) {
    FileGrant g{s(a[0]), s(a[1]), FileDirection::Get, 0, s(a[4]), text()};
    bool direction_ok = verb_is(a[2], "GET") || verb_is(a[2], "PUT");
    if (verb_is(a[2], "PUT")) g.direction = FileDirection::Put;
    if (direction_ok && parse_int(a[3], g.size)) return g;
  }
  if (verb_is(f.verb, "FILE") && shape(f, 6, true)) {
    FileShared fs{s(a[0]), s(a[1]), 0, s(a[3]), 0, s(a[5]), text()};
    if (parse_int(a[2], fs.unix_ms) && parse_int(a[4], fs.size)) return fs;
  }
  if (verb_is(f.verb, "VOICEJOINED") && shape(f, 1, true) && !f.text->empty())
    return VoiceJoined{s(a[0]), text()};
  if (verb_is(f.verb, "VOICELEFT") && shape(f, 0, true)) return VoiceLeft{text()};
  if (verb_is(f.verb, "VOICEROOM") && shape(f, 1, true)) {
    VoiceRoom room{s(a[0]), {}};
    bool ok = true;
    for (const auto& item : split_list(*f.text)) {
      auto [nick, flags] = first_word(item);
      RoomMember m{s(nick), {}};
      ok = ok && parse_flags(flags, m.flags);
      room.members.push_back(std::move(m));
    }
    if (ok) return room;
  }
  if (verb_is(f.verb, "VOICESTATE") && shape(f, 2, true)) {
    VoiceState v{s(a[0]), s(a[1]), {}};
    if (parse_flags(*f.text, v.flags)) return v;
  }
  if (verb_is(f.verb, "ERROR") && shape(f, 1, true))
    return Error{s(a[0]), text()};
  static constexpr std::string_view kKnown[] = {
      "ACCEPT", "NOTACCEPTED", "NICKNAMEINUSE", "PING", "PONG", "JOINED",
      "LEFT", "USERLIST", "USERLISTMORE", "USERJOIN", "USERLEAVE", "MSG", "HISTORY",
      "HISTORYMORE", "FOUND", "FOUNDEND", "TOPIC", "CHANNEL", "LISTEND", "LISTMORE", "TALK", "TALKMEMBERS", "SESSIONACCEPTED", "VOICECHALLENGE", "OPERATOR", "SESSIONERROR",
      "BANNED", "UNBANNED", "BANSEND", "FILEGRANT", "FILE", "VOICEJOINED", "VOICELEFT", "VOICEROOM", "VOICESTATE", "ERROR"};
  for (auto known : kKnown) {
    if (verb_is(f.verb, known))
      return ParseError{s(error_code::kMalformed),
                        "Malformed " + s(known) + " line"};
  }
  return unknown(f.verb);
}

namespace {

std::string_view talk_verb_name(TalkVerb v) {
  switch (v) {
    case TalkVerb::Accept: return "ACCEPT";
    case TalkVerb::Deny: return "DENY";
    case TalkVerb::Hangup: return "HANGUP";
  }
  return "";
}

std::string_view talk_event_name(TalkEventKind v) {
  switch (v) {
    case TalkEventKind::Invited: return "INVITED";
    case TalkEventKind::Left: return "LEFT";
    case TalkEventKind::Denied: return "DENIED";
    case TalkEventKind::Timeout: return "TIMEOUT";
  }
  return "";
}

std::string_view talk_status_name(TalkStatus v) {
  switch (v) {
    case TalkStatus::Accepted: return "ACCEPTED";
    case TalkStatus::Denied: return "DENIED";
    case TalkStatus::Timeout: return "TIMEOUT";
    case TalkStatus::Ended: return "ENDED";
  }
  return "";
}

struct ClientFormatter {
  std::string operator()(const Connect& m) const {
    // The version is bare as in the seed ("1.0.0") unless it needs quotes.
    bool bare = !m.version.empty() &&
                m.version.find_first_of(" \"\\") == std::string::npos && m.version[0] != '"';
    std::string line = "CONNECT: " + quote(m.nickname) + " " + quote(m.realname) + " " +
                       (bare ? m.version : quote(m.version));
    if (!m.password.empty()) line += " " + quote(m.password);
    return line;
  }
  std::string operator()(const Oper& m) const { return with_text("OPER", m.password); }
  std::string operator()(const Kick& m) const { return with_text("KICK " + m.nickname, m.reason); }
  std::string operator()(const BanUser& m) const {
    return with_text("BAN " + m.nickname + " " + std::to_string(m.minutes), m.reason);
  }
  std::string operator()(const Unban& m) const { return with_text("UNBAN", m.target); }
  std::string operator()(const ListBans&) const { return "BANS"; }
  std::string operator()(const Ping& m) const { return with_text("PING", m.token); }
  std::string operator()(const Pong& m) const { return with_text("PONG", m.token); }
  std::string operator()(const Join& m) const { return with_text("JOIN", m.channel); }
  std::string operator()(const Leave& m) const { return with_text("LEAVE", m.channel); }
  std::string operator()(const List& m) const {
    return m.after.empty() ? "LIST" : with_text("LIST", m.after);
  }
  std::string operator()(const Search& m) const { return with_text("SEARCH " + m.place, m.words); }
  std::string operator()(const HistoryRequest& m) const {
    return with_text("HISTORY " + m.channel,
                     "before " + std::to_string(m.before_unix_ms) +
                         (m.count > 0 ? " " + std::to_string(m.count) : ""));
  }
  std::string operator()(const SetTopic& m) const {
    return with_text("TOPIC " + m.channel, m.text);
  }
  std::string operator()(const SendMsg& m) const {
    return with_text("MSG " + m.recipient, m.text);
  }
  std::string operator()(const TalkRequest& m) const {
    return "TALK " + m.nickname + ": REQUEST";
  }
  std::string operator()(const TalkAnswer& m) const {
    return "TALK " + m.key + ": " + s(talk_verb_name(m.verb));
  }
  std::string operator()(const TalkInvite& m) const {
    return "TALK " + m.key + " " + m.nickname + ": INVITE";
  }
  std::string operator()(const TalkSession& m) const {
    return with_text("TALKSESSION", m.key);
  }
  std::string operator()(const TalkProof& m) const {
    return with_text("TALKPROOF", m.key_id + " " + m.proof);
  }
  std::string operator()(const Disconnect&) const { return "DISCONNECT"; }
  std::string operator()(const FileUpload& m) const {
    return with_text("FILEUPLOAD " + m.target + " " + std::to_string(m.size) + " " + m.hash,
                     m.name);
  }
  std::string operator()(const FileGet& m) const { return with_text("FILEGET", m.id); }
  std::string operator()(const VoiceJoin& m) const { return with_text("VOICEJOIN", m.channel); }
  std::string operator()(const VoiceLeave&) const { return "VOICELEAVE"; }
  std::string operator()(const SetVoiceState& m) const {
    return with_text("VOICESTATE", flag_words(m.flags));
  }
};

struct ServerFormatter {
  std::string operator()(const Accept& m) const { return with_text("ACCEPT", m.hostname); }
  std::string operator()(const NotAccepted& m) const {
    return with_text("NOTACCEPTED", m.message);
  }
  std::string operator()(const NicknameInUse& m) const {
    return with_text("NICKNAMEINUSE", m.message);
  }
  std::string operator()(const Ping& m) const { return with_text("PING", m.token); }
  std::string operator()(const Pong& m) const { return with_text("PONG", m.token); }
  std::string operator()(const Joined& m) const { return with_text("JOINED", m.channel); }
  std::string operator()(const Left& m) const { return with_text("LEFT", m.channel); }
  std::string operator()(const UserList& m) const {
    return with_text("USERLIST " + m.channel, join_list(m.nicknames));
  }
  std::string operator()(const UserListMore& m) const {
    return with_text("USERLISTMORE " + m.channel, join_list(m.nicknames));
  }
  std::string operator()(const UserJoin& m) const {
    return with_text("USERJOIN " + m.channel, m.nickname);
  }
  std::string operator()(const UserLeave& m) const {
    return with_text("USERLEAVE " + m.channel, m.nickname);
  }
  std::string operator()(const DeliverMsg& m) const {
    return with_text("MSG " + m.sender + " " + m.recipient, m.text);
  }
  std::string operator()(const History& m) const {
    return with_text("HISTORY " + m.sender + " " + m.channel + " " +
                         std::to_string(m.unix_ms),
                     m.text);
  }
  std::string operator()(const Topic& m) const {
    return with_text("TOPIC " + m.setter + " " + m.channel, m.text);
  }
  std::string operator()(const ChannelInfo& m) const {
    return with_text("CHANNEL " + m.channel + " " + std::to_string(m.members),
                     m.topic);
  }
  std::string operator()(const ListEnd&) const { return "LISTEND"; }
  std::string operator()(const ListMore& m) const { return with_text("LISTMORE", m.after); }
  std::string operator()(const Found& m) const {
    return with_text("FOUND " + m.sender + " " + m.channel + " " + std::to_string(m.unix_ms), m.text);
  }
  std::string operator()(const FoundEnd& m) const {
    return with_text("FOUNDEND " + m.place, std::to_string(m.count));
  }
  std::string operator()(const HistoryMore& m) const {
    return with_text("HISTORYMORE " + m.channel, std::to_string(m.before_unix_ms));
  }
  std::string operator()(const TalkOffer& m) const {
    return "TALK " + m.nickname + " " + m.key + ": REQUEST";
  }
  std::string operator()(const TalkState& m) const {
    return "TALK " + m.key + ": " + s(talk_status_name(m.status));
  }
  std::string operator()(const TalkEvent& m) const {
    return "TALK " + m.key + " " + m.nickname + ": " + s(talk_event_name(m.kind));
  }
  std::string operator()(const TalkMembers& m) const {
    return with_text("TALKMEMBERS " + m.key, join_list(m.nicknames));
  }
  std::string operator()(const SessionAccepted& m) const {
    return with_text("SESSIONACCEPTED", m.key);
  }
  std::string operator()(const Operator& m) const { return with_text("OPERATOR", m.message); }
  std::string operator()(const VoiceChallenge& m) const {
    return with_text("VOICECHALLENGE", m.challenge);
  }
  std::string operator()(const SessionError& m) const {
    return with_text("SESSIONERROR", m.message);
  }
  std::string operator()(const Banned& m) const {
    std::string text = m.address.empty() ? "-" : m.address;
    if (!m.reason.empty()) text += " " + m.reason;
    return with_text("BANNED " + m.nickname + " " + std::to_string(m.until_unix_ms), text);
  }
  std::string operator()(const Unbanned& m) const {
    return with_text("UNBANNED " + m.nickname, m.address.empty() ? "-" : m.address);
  }
  std::string operator()(const BansEnd&) const { return "BANSEND"; }
  std::string operator()(const FileGrant& m) const {
    return with_text("FILEGRANT " + m.id + " " + m.token + " " +
                         (m.direction == FileDirection::Put ? "PUT " : "GET ") +
                         std::to_string(m.size) + " " + m.hash,
                     m.name);
  }
  std::string operator()(const VoiceJoined& m) const {
    return with_text("VOICEJOINED " + m.channel, m.key);
  }
  std::string operator()(const VoiceLeft& m) const { return with_text("VOICELEFT", m.channel); }
  std::string operator()(const VoiceRoom& m) const {
    std::string list;
    for (const auto& member : m.members) {
      if (!list.empty()) list += ", ";
      list += member.nickname;
      if (auto w = flag_words(member.flags); !w.empty()) list += " " + w;
    }
    return with_text("VOICEROOM " + m.channel, list);
  }
  std::string operator()(const VoiceState& m) const {
    return with_text("VOICESTATE " + m.channel + " " + m.nickname, flag_words(m.flags));
  }
  std::string operator()(const FileShared& m) const {
    return with_text("FILE " + m.sender + " " + m.target + " " + std::to_string(m.unix_ms) + " " +
                         m.id + " " + std::to_string(m.size) + " " + m.hash,
                     m.name);
  }
  std::string operator()(const Error& m) const {
    return with_text("ERROR " + m.code, m.message);
  }
};

}  // namespace

std::string format(const ClientMessage& m) { return std::visit(ClientFormatter{}, m); }
std::string format(const ServerMessage& m) { return std::visit(ServerFormatter{}, m); }

}  // namespace voixer::core
