// The benchmark's IRC dialect: see irc.hpp.
#include "bench/fanout/irc.hpp"

#include <vector>

namespace voixer::bench {
namespace {

// A line's prefix nickname (":nick!user@host" → "nick"), verb, the
// parameters before the trailing one, and the trailing one.
struct IrcLine {
  std::string_view nick, verb;
  std::vector<std::string_view> params;
  std::string_view trailing;
};

IrcLine split(std::string_view line) {
  IrcLine l;
  if (!line.empty() && line[0] == ':') {
    auto space = line.find(' ');
    std::string_view prefix = line.substr(1, space == std::string_view::npos ? line.npos : space - 1);
    l.nick = prefix.substr(0, prefix.find('!'));
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  auto trailing = line.find(" :");
  if (trailing != std::string_view::npos) {
    l.trailing = line.substr(trailing + 2);
    line = line.substr(0, trailing);
  } else if (!line.empty() && line[0] == ':') {
    l.trailing = line.substr(1);
    line = {};
  }
  bool first = true;
  while (!line.empty()) {
    auto space = line.find(' ');
    std::string_view word = line.substr(0, space);
    if (!word.empty()) (first ? l.verb : l.params.emplace_back()) = word;
    if (!word.empty()) first = false;
    if (space == std::string_view::npos) break;
    line = line.substr(space + 1);
  }
  return l;
}

}  // namespace

std::string irc_connect_line(const std::string& nickname) {
  return "NICK " + nickname + "\r\nUSER " + nickname + " 0 * :chat_fanout bench\r\n";
}

std::string irc_join_line(const std::string& channel) { return "JOIN " + channel + "\r\n"; }

std::string irc_pong_line(const std::string& token) { return "PONG :" + token + "\r\n"; }

std::string irc_message_prefix(const std::string& channel) { return "PRIVMSG " + channel + " :"; }

std::optional<core::ServerMessage> irc_to_message(std::string_view line, std::string_view own_nick) {
  IrcLine l = split(line);
  auto s = [](std::string_view v) { return std::string(v); };
  if (l.verb == "PING") return core::Ping{s(l.trailing.empty() && !l.params.empty() ? l.params[0] : l.trailing)};
  if (l.verb == "001") return core::Accept{s(l.nick)};
  if (l.verb == "ERROR") return core::Error{"ERROR", s(l.trailing)};
  if (l.verb == "433") return core::NicknameInUse{s(own_nick)};
  if (l.verb == "JOIN") {
    std::string channel = s(l.params.empty() ? l.trailing : l.params[0]);
    if (l.nick == own_nick) return core::Joined{channel};
    return core::UserJoin{channel, s(l.nick)};
  }
  if (l.verb == "353" && l.params.size() >= 3) {  // NAMES: "<me> = #chan :a @b +c"
    core::UserList list{s(l.params.back()), {}};
    std::string_view names = l.trailing;
    while (!names.empty()) {
      auto space = names.find(' ');
      std::string_view name = names.substr(0, space);
      while (!name.empty() && (name[0] == '@' || name[0] == '+' || name[0] == '%')) name.remove_prefix(1);
      if (!name.empty()) list.nicknames.emplace_back(name);
      if (space == std::string_view::npos) break;
      names = names.substr(space + 1);
    }
    return list;
  }
  // Numeric errors (4xx, 5xx): refused.
  if (l.verb.size() == 3 && (l.verb[0] == '4' || l.verb[0] == '5'))
    return core::Error{s(l.verb), s(l.trailing)};
  return std::nullopt;
}

}  // namespace voixer::bench
