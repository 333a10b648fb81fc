// The line client's friendly commands ("/join #games", "/call bob", ...)
// translated into protocol lines, using what the client model knows (the
// channel you are in, the call that rings, the call you are in). Lines
// without a leading '/' are protocol lines and pass through unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/client_model.hpp"

namespace voixer::core {

// Commands the client carries out itself, without the server.
enum class LocalCommand {
  None, Mute, Unmute, Deafen, Undeafen, Stats, PushToTalk,
  SendFile,   // `path` to `target`
  FetchFile,  // `target`: a file id or its number in /files; `path`: a directory or ""
  ListFiles,
};

struct CliAction {
  std::vector<std::string> lines;  // protocol lines to send
  std::string output;              // text for the user (help, errors)
  bool quit = false;               // send DISCONNECT and exit
  LocalCommand local = LocalCommand::None;
  std::string target, path;  // SendFile, FetchFile
};

// Translate one line typed by the user.
CliAction translate_cli_input(std::string_view input, const ClientModel& model);

// The seed client's own commands, typed before a connection exists:
// "HOST localhost" (or "HOST: localhost") and "CONNECT nickname Full Name"
// (the real name defaults to the nickname). Verbs in any case.
struct SeedCommand {
  enum class Verb { Host, Connect };
  Verb verb;
  std::string host;                // Host
  std::string nickname, realname;  // Connect
};
std::optional<SeedCommand> parse_seed_command(std::string_view line);

// The text printed by "/help".
std::string cli_help();

}  // namespace voixer::core
