// The line client's friendly commands ("/join #games", "/call bob", ...)
// translated into protocol lines, and the little state they need (the
// channel you last joined, the call that last rang). Lines without a
// leading '/' are protocol lines and pass through unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/protocol.hpp"

namespace voixer::core {

struct CliState {
  std::string current_channel = "#lobby";  // where "/say" and "/me" go
  std::string last_call_key;                // what "/accept" answers
  std::string active_call_key;              // my key in the call I am in
  std::vector<std::string> joined_channels; // to join again after a reconnect
  std::string nickname;
};

// Commands the client carries out itself, without the server.
enum class LocalCommand { None, Mute, Unmute, Deafen, Undeafen, Stats, PushToTalk };

struct CliAction {
  std::vector<std::string> lines;  // protocol lines to send
  std::string output;              // text for the user (help, errors)
  bool quit = false;               // send DISCONNECT and exit
  LocalCommand local = LocalCommand::None;
};

// Translate one line typed by the user.
CliAction translate_cli_input(std::string_view input, CliState& state);

// Update the state from a line the server sent (JOINED, TALK ... REQUEST,
// TALKMEMBERS, the end of a call).
void observe_server_line(std::string_view line, CliState& state);

// The text printed by "/help".
std::string cli_help();

}  // namespace voixer::core
