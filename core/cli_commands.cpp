#include "core/cli_commands.hpp"

#include <algorithm>

namespace voixer::core {

namespace {

// Splits "word rest of line" into the first word and the rest.
std::pair<std::string_view, std::string_view> first_word(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  auto space = s.find(' ');
  if (space == std::string_view::npos) return {s, {}};
  std::string_view rest = s.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return {s.substr(0, space), rest};
}

CliAction send_line(std::string line) {
  CliAction a;
  a.lines.push_back(std::move(line));
  return a;
}

CliAction usage(std::string_view text) {
  CliAction a;
  a.output = "usage: " + std::string(text);
  return a;
}

std::string channel_name(std::string_view arg) {
  if (!arg.empty() && arg.front() == '#') return std::string(arg);
  return "#" + std::string(arg);
}

}  // namespace

std::string cli_help() {
  return "Lines starting with '/' are commands; any other line is sent to the "
         "server as typed\n"
         "(protocol lines such as 'JOIN: #room' or 'MSG #lobby: hi').\n"
         "  /join #channel          join (or create) a channel\n"
         "  /leave [#channel]       leave a channel (default: the current one)\n"
         "  /say text               message the current channel\n"
         "  /msg target text        message a #channel or a user\n"
         "  /list                   list channels with member counts\n"
         "  /topic #channel text    set a channel's topic\n"
         "  /call nickname          call a user\n"
         "  /accept [key]           accept the call that rang last (or key)\n"
         "  /deny [key]             deny the call that rang last (or key)\n"
         "  /hangup [key]           hang up the current call (or key)\n"
         "  /invite nickname        add someone to the current call\n"
         "  /echo                   mic test: a call with the server, which plays\n"
         "                          your voice back to you\n"
         "  /mute, /unmute          stop or resume sending your voice\n"
         "  /deafen, /undeafen      stop or resume hearing the call\n"
         "  /stats                  voice statistics (levels, loss, buffer)\n"
         "  /ptt                    push-to-talk (--input-mode ptt): press, and again\n"
         "                          to release\n"
         "  /ping                   measure the round trip to the server\n"
         "  /oper password          become an operator (servers with --operator-password)\n"
         "  /kick nickname [reason] operators: throw someone out\n"
         "  /quit                   disconnect and exit (so does end of input)\n"
         "  /help                   this text";
}

CliAction translate_cli_input(std::string_view input, CliState& state) {
  if (!input.empty() && input.back() == '\r') input.remove_suffix(1);
  if (input.empty() || input.front() != '/') {
    CliAction a;
    if (!input.empty()) a.lines.emplace_back(input);
    return a;
  }
  auto [command, rest] = first_word(input.substr(1));
  if (command == "help") {
    CliAction a;
    a.output = cli_help();
    return a;
  }
  if (command == "quit" || command == "exit") {
    CliAction a;
    a.quit = true;
    return a;
  }
  if (command == "join") {
    if (rest.empty()) return usage("/join #channel");
    return send_line(format(ClientMessage{Join{channel_name(rest)}}));
  }
  if (command == "leave" || command == "part") {
    std::string ch = rest.empty() ? state.current_channel : channel_name(rest);
    return send_line(format(ClientMessage{Leave{ch}}));
  }
  if (command == "say") {
    if (rest.empty()) return usage("/say text");
    return send_line(format(ClientMessage{SendMsg{state.current_channel, std::string(rest)}}));
  }
  if (command == "msg") {
    auto [target, text] = first_word(rest);
    if (target.empty() || text.empty()) return usage("/msg #channel|nickname text");
    return send_line(format(ClientMessage{SendMsg{std::string(target), std::string(text)}}));
  }
  if (command == "list") return send_line(format(ClientMessage{List{}}));
  if (command == "topic") {
    auto [target, text] = first_word(rest);
    if (target.empty()) return usage("/topic #channel text");
    return send_line(
        format(ClientMessage{SetTopic{channel_name(target), std::string(text)}}));
  }
  if (command == "call") {
    if (rest.empty()) return usage("/call nickname");
    return send_line(format(ClientMessage{TalkRequest{std::string(rest)}}));
  }
  static constexpr std::pair<std::string_view, LocalCommand> kLocal[] = {
      {"mute", LocalCommand::Mute},     {"unmute", LocalCommand::Unmute},
      {"deafen", LocalCommand::Deafen}, {"undeafen", LocalCommand::Undeafen},
      {"stats", LocalCommand::Stats},   {"ptt", LocalCommand::PushToTalk}};
  for (auto [name, local] : kLocal) {
    if (command == name) {
      CliAction a;
      a.local = local;
      return a;
    }
  }
  if (command == "oper") {
    if (rest.empty()) return usage("/oper password");
    return send_line(format(ClientMessage{Oper{std::string(rest)}}));
  }
  if (command == "kick") {
    auto [target, reason] = first_word(rest);
    if (target.empty()) return usage("/kick nickname [reason]");
    return send_line(format(ClientMessage{Kick{std::string(target), std::string(reason)}}));
  }
  if (command == "echo") return send_line(format(ClientMessage{TalkRequest{"*echo"}}));
  if (command == "invite") {
    if (rest.empty()) return usage("/invite nickname");
    if (state.active_call_key.empty()) {
      CliAction a;
      a.output = "not in a call";
      return a;
    }
    return send_line(
        format(ClientMessage{TalkInvite{state.active_call_key, std::string(rest)}}));
  }
  if (command == "accept" || command == "deny" || command == "hangup") {
    std::string fallback = command == "hangup" && !state.active_call_key.empty()
                               ? state.active_call_key
                               : state.last_call_key;
    std::string key = rest.empty() ? fallback : std::string(rest);
    if (key.empty()) {
      CliAction a;
      a.output = "no call to " + std::string(command);
      return a;
    }
    TalkVerb verb = command == "accept" ? TalkVerb::Accept
                    : command == "deny" ? TalkVerb::Deny
                                        : TalkVerb::Hangup;
    return send_line(format(ClientMessage{TalkAnswer{key, verb}}));
  }
  if (command == "ping") return send_line(format(ClientMessage{Ping{"cli"}}));
  CliAction a;
  a.output = "unknown command '/" + std::string(command) + "' (try /help)";
  return a;
}

void observe_server_line(std::string_view line, CliState& state) {
  auto parsed = parse_server(line);
  auto* msg = std::get_if<ServerMessage>(&parsed);
  if (!msg) return;
  auto& chans = state.joined_channels;
  if (auto* joined = std::get_if<Joined>(msg)) {
    state.current_channel = joined->channel;
    if (std::find(chans.begin(), chans.end(), joined->channel) == chans.end())
      chans.push_back(joined->channel);
  } else if (auto* left = std::get_if<Left>(msg)) {
    if (left->channel == state.current_channel) state.current_channel = "#lobby";
    chans.erase(std::remove(chans.begin(), chans.end(), left->channel), chans.end());
  } else if (auto* offer = std::get_if<TalkOffer>(msg)) {
    state.last_call_key = offer->key;
  } else if (auto* members = std::get_if<TalkMembers>(msg)) {
    state.active_call_key = members->key;  // keys are per member: this one is mine
  } else if (auto* st = std::get_if<TalkState>(msg)) {
    if (st->status != TalkStatus::Accepted && st->key == state.active_call_key)
      state.active_call_key.clear();
    if (st->status != TalkStatus::Accepted && st->key == state.last_call_key)
      state.last_call_key.clear();
  }
}

}  // namespace voixer::core
