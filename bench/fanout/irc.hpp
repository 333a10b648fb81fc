// The fan-out benchmark speaking IRC (RFC 1459/2812), to measure an IRC
// server the same way as Voixer (`chat_fanout --irc --connect ...`): the
// lines it writes, and what it reads translated into the Voixer messages
// the benchmark already follows (001 is ACCEPT, a JOIN of one's own is
// JOINED, NAMES is USERLIST, PRIVMSG is the measured message).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/protocol.hpp"

namespace voixer::bench {

// Whole lines, with their "\r\n".
std::string irc_connect_line(const std::string& nickname);
std::string irc_join_line(const std::string& channel);
std::string irc_pong_line(const std::string& token);
// What a measured message's line holds before its stamp: "PRIVMSG #chan :".
std::string irc_message_prefix(const std::string& channel);

// The text of a channel message (":nick!user@host PRIVMSG #chan :text"),
// or nullopt when the line is not one. Runs once per delivery: no allocation.
inline std::optional<std::string_view> irc_message_text(std::string_view line) {
  if (line.empty() || line[0] != ':') return std::nullopt;
  auto verb = line.find(' ');
  if (verb == std::string_view::npos || line.substr(verb + 1, 8) != "PRIVMSG ") return std::nullopt;
  auto text = line.find(" :", verb + 9);
  if (text == std::string_view::npos) return std::nullopt;
  return line.substr(text + 2);
}

// Any other line, as the Voixer message it stands for, or nullopt for a
// line the benchmark does not follow (MOTD, modes, ...).
std::optional<core::ServerMessage> irc_to_message(std::string_view line, std::string_view own_nick);

}  // namespace voixer::bench
