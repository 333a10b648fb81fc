#include "core/cli_commands.hpp"

#include <algorithm>
#include <charconv>

#include "core/names.hpp"

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

CliAction note(std::string text) {
  CliAction a;
  a.output = std::move(text);
  return a;
}

CliAction usage(std::string_view text) { return note("usage: " + std::string(text)); }

std::string channel_name(std::string_view arg) {
  if (!arg.empty() && arg.front() == '#') return std::string(arg);
  return "#" + std::string(arg);
}

}  // namespace

std::optional<SeedCommand> parse_seed_command(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto word_end = line.find_first_of(" :");
  std::string verb = fold_case(line.substr(0, word_end));
  std::string_view rest = word_end == std::string_view::npos ? "" : line.substr(word_end);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':')) rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  if (verb == "host") return SeedCommand{SeedCommand::Verb::Host, std::string(rest), {}, {}};
  if (verb != "connect") return std::nullopt;
  auto [nickname, realname] = first_word(rest);
  return SeedCommand{SeedCommand::Verb::Connect, {}, std::string(nickname),
                     std::string(realname.empty() ? nickname : realname)};
}

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
         "  /voice [#channel]       join the channel's voice room (default: the current\n"
         "                          channel); anyone there hears you, no ringing\n"
         "  /leave-voice            leave the voice room\n"
         "  /echo                   mic test: a call with the server, which plays\n"
         "                          your voice back to you\n"
         "  /mute, /unmute          stop or resume sending your voice\n"
         "  /deafen, /undeafen      stop or resume hearing the call\n"
         "  /stats                  voice statistics (levels, loss, buffer)\n"
         "  /ptt                    push-to-talk (--input-mode ptt): press, and again\n"
         "                          to release\n"
         "  /send [#channel|@nickname] FILE\n"
         "                          share a file (default: in the current channel)\n"
         "  /files                  the files shared in your conversations, numbered\n"
         "  /search [#channel|@nickname] words\n"
         "                          search the history (default: the current channel);\n"
         "                          whole words, pizz* for a prefix\n"
         "  /older [#channel|@nickname]\n"
         "                          the page of history before what you have seen\n"
         "  /get N|ID [DIR]         fetch a file (default: your Downloads directory);\n"
         "                          again after an interruption, it resumes\n"
         "  /ping                   measure the round trip to the server\n"
         "  /oper password          become an operator (servers with --operator-password)\n"
         "  /kick nickname [reason] operators: throw someone out (for a minute)\n"
         "  /ban nickname [minutes] [reason]\n"
         "                          operators: keep someone out (default 60 minutes;\n"
         "                          0: until the server restarts)\n"
         "  /unban nickname|address operators: lift a ban\n"
         "  /bans                   operators: list the bans\n"
         "  /quit                   disconnect and exit (so does end of input)\n"
         "  /help                   this text";
}

CliAction translate_cli_input(std::string_view input, const ClientModel& model) {
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
    std::string ch = rest.empty() ? model.current_channel() : channel_name(rest);
    if (ch.empty()) return usage("/leave #channel");
    return send_line(format(ClientMessage{Leave{ch}}));
  }
  if (command == "say") {
    if (rest.empty()) return usage("/say text");
    std::string ch = model.current_channel();
    if (ch.empty()) return note("not in a channel: /join one first");
    return send_line(format(ClientMessage{SendMsg{ch, std::string(rest)}}));
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
  if (command == "ban") {
    auto [target, more] = first_word(rest);
    auto [minutes_text, reason] = first_word(more);
    std::uint32_t minutes = 60;
    if (!minutes_text.empty()) {
      auto [end, ec] = std::from_chars(minutes_text.data(),
                                       minutes_text.data() + minutes_text.size(), minutes);
      if (ec != std::errc() || end != minutes_text.data() + minutes_text.size())
        return usage("/ban nickname [minutes, 0: until restart] [reason]");
    }
    if (target.empty()) return usage("/ban nickname [minutes, 0: until restart] [reason]");
    return send_line(
        format(ClientMessage{BanUser{std::string(target), minutes, std::string(reason)}}));
  }
  if (command == "unban") {
    if (rest.empty()) return usage("/unban nickname|address");
    return send_line(format(ClientMessage{Unban{std::string(rest)}}));
  }
  if (command == "bans") return send_line(format(ClientMessage{ListBans{}}));
  if (command == "echo") return send_line(format(ClientMessage{TalkRequest{"*echo"}}));
  if (command == "invite") {
    if (rest.empty()) return usage("/invite nickname");
    const CallState& call = model.call_state();
    if (call.phase != CallPhase::InCall) return note("not in a call");
    return send_line(format(ClientMessage{TalkInvite{call.key, std::string(rest)}}));
  }
  if (command == "accept" || command == "deny" || command == "hangup") {
    // The call that rings; for /hangup first the call I am in (or placing).
    std::string ringing = model.incoming() ? model.incoming()->key : std::string();
    const CallState& call = model.call_state();
    std::string fallback =
        command == "hangup" && call.phase != CallPhase::None ? call.key : ringing;
    std::string key = rest.empty() ? fallback : std::string(rest);
    if (key.empty()) return note("no call to " + std::string(command));
    TalkVerb verb = command == "accept" ? TalkVerb::Accept
                    : command == "deny" ? TalkVerb::Deny
                                        : TalkVerb::Hangup;
    return send_line(format(ClientMessage{TalkAnswer{key, verb}}));
  }
  if (command == "ping") return send_line(format(ClientMessage{Ping{"cli"}}));
  if (command == "voice") {
    std::string ch = rest.empty() ? model.current_channel() : channel_name(rest);
    if (ch.empty()) return note("not in a channel: /join one first");
    return send_line(format(ClientMessage{VoiceJoin{ch}}));
  }
  if (command == "leave-voice") return send_line(format(ClientMessage{VoiceLeave{}}));
  if (command == "send") {
    CliAction a;
    a.local = LocalCommand::SendFile;
    auto [first, after] = first_word(rest);
    if (!after.empty() && (first.front() == '#' || first.front() == '@')) {
      a.target = first.front() == '@' ? std::string(first.substr(1)) : std::string(first);
      a.path = std::string(after);
    } else {
      a.target = model.current_channel();
      a.path = std::string(rest);
    }
    if (a.path.empty()) return usage("/send [#channel|@nickname] FILE");
    if (a.target.empty()) return note("not in a channel: /join one, or /send @nickname FILE");
    return a;
  }
  if (command == "get") {
    CliAction a;
    a.local = LocalCommand::FetchFile;
    auto [which, dir] = first_word(rest);
    if (which.empty()) return usage("/get N|ID [DIR]");
    a.target = std::string(which);
    a.path = std::string(dir);
    return a;
  }
  if (command == "search" || command == "older") {
    auto [first, after] = first_word(rest);
    bool named = !first.empty() && (first.front() == '#' || first.front() == '@');
    std::string place = !named                ? model.current_channel()
                        : first.front() == '@' ? std::string(first.substr(1))
                                               : std::string(first);
    std::string_view words = named ? after : rest;
    if (place.empty()) return note("not in a channel: /join one, or name #channel or @nickname");
    if (command == "search") {
      if (words.empty()) return usage("/search [#channel|@nickname] words");
      return send_line(format(ClientMessage{Search{place, std::string(words)}}));
    }
    const Conversation* c = model.find(place);
    std::int64_t before = c && c->older_before_unix_ms ? c->older_before_unix_ms
                                                        : Conversation::kOlderUnknown;
    return send_line(format(ClientMessage{HistoryRequest{place, before}}));
  }
  if (command == "files") {
    CliAction a;
    a.local = LocalCommand::ListFiles;
    return a;
  }
  return note("unknown command '/" + std::string(command) + "' (try /help)");
}

}  // namespace voixer::core
