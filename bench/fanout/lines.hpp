// The protocol lines the fan-out benchmark writes and reads. All but one go
// through core's codec (core/protocol.hpp). The one that does not is the
// measured message, on the hot path in both directions: its text is a
// stamp, "<sender> <seq> <send_ns>" and padding, written and read back
// without an allocation, so that the bench's own cost stays small beside
// the server's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace voixer::bench {

// Whole lines, with their "\n".
std::string connect_line(const std::string& nickname, int index);
std::string join_line(const std::string& channel);
std::string pong_line(const std::string& token);

// What a measured message's line holds before its stamp: "MSG #chan: ".
std::string message_prefix(const std::string& channel);
// What follows the stamp: " " and `payload` bytes of 'x', and the "\n".
std::string message_padding(int payload);

// A measured message's text: who sent it, its number, when it was sent.
struct Stamp {
  std::uint64_t sender = 0;
  std::uint64_t seq = 0;
  std::uint64_t send_ns = 0;
};

// Up to 62 characters of "<sender> <seq> <send_ns>" written at `out`;
// returns the end.
char* write_stamp(char* out, const Stamp& stamp);

// A channel message as delivered, "MSG <nick> <channel>: <stamp>[ padding]".
bool is_message(std::string_view line);
// The stamp of a delivered message, or nullopt when its text is not one.
std::optional<Stamp> read_stamp(std::string_view message_line);

}  // namespace voixer::bench
