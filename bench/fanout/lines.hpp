// The protocol lines the fan-out benchmark writes and reads. All but one go
// through core's codec (core/protocol.hpp). The one that does not is the
// measured message, on the hot path in both directions: its text is a
// stamp, "<sender> <seq> <send_ns>" and padding, written and read back
// without an allocation, so that the bench's own cost stays small beside
// the server's.
#pragma once

#include <cstdint>
#include <cstring>
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
inline bool is_message(std::string_view line) { return line.substr(0, 4) == "MSG "; }

namespace detail {
// Digits at `p` as a number; false when there are none.
inline bool read_number(const char*& p, const char* end, std::uint64_t& value) {
  const char* start = p;
  std::uint64_t x = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10)
    x = x * 10 + static_cast<std::uint64_t>(*p++ - '0');
  value = x;
  return p != start;
}
}  // namespace detail

// The stamp at the start of a delivered message's text, or nullopt when
// it is not one. Inline: it runs once per delivery.
inline std::optional<Stamp> read_stamp_text(std::string_view text) {
  using detail::read_number;
  const char* end = text.data() + text.size();
  const char* p = text.data();
  Stamp s;
  if (!read_number(p, end, s.sender) || p == end || *p++ != ' ' || !read_number(p, end, s.seq) ||
      p == end || *p++ != ' ' || !read_number(p, end, s.send_ns))
    return std::nullopt;
  return s;
}

}  // namespace voixer::bench
