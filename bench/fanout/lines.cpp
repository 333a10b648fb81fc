// The benchmark's protocol lines: see lines.hpp.
#include "bench/fanout/lines.hpp"

#include <charconv>
#include <cstring>

#include "core/protocol.hpp"

namespace voixer::bench {
namespace {

std::string line(const core::ClientMessage& m) { return core::format(m) + "\n"; }

// Digits at `p` as a number; false when there are none.
bool read_number(const char*& p, const char* end, std::uint64_t& value) {
  const char* start = p;
  std::uint64_t x = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10)
    x = x * 10 + static_cast<std::uint64_t>(*p++ - '0');
  value = x;
  return p != start;
}

}  // namespace

std::string connect_line(const std::string& nickname, int index) {
  return line(core::Connect{nickname, "chat_fanout bench " + std::to_string(index), "1.0.0"});
}

std::string join_line(const std::string& channel) { return line(core::Join{channel}); }

std::string pong_line(const std::string& token) { return line(core::Pong{token}); }

std::string message_prefix(const std::string& channel) {
  // Whatever the codec writes before a text, taken from a message whose text is known.
  std::string with_text = core::format(core::ClientMessage{core::SendMsg{channel, "x"}});
  with_text.pop_back();
  return with_text;
}

std::string message_padding(int payload) {
  return payload ? " " + std::string(static_cast<std::size_t>(payload), 'x') + "\n" : "\n";
}

char* write_stamp(char* out, const Stamp& stamp) {
  out = std::to_chars(out, out + 20, stamp.sender).ptr;
  *out++ = ' ';
  out = std::to_chars(out, out + 20, stamp.seq).ptr;
  *out++ = ' ';
  return std::to_chars(out, out + 20, stamp.send_ns).ptr;
}

bool is_message(std::string_view line) { return line.substr(0, 4) == "MSG "; }

std::optional<Stamp> read_stamp(std::string_view message_line) {
  const char* end = message_line.data() + message_line.size();
  const char* p = message_line.data() + 4;  // after "MSG "
  auto* colon = static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(end - p)));
  if (!colon || end - colon < 2 || colon[1] != ' ') return std::nullopt;
  p = colon + 2;
  Stamp s;
  if (!read_number(p, end, s.sender) || p == end || *p++ != ' ' || !read_number(p, end, s.seq) ||
      p == end || *p++ != ' ' || !read_number(p, end, s.send_ns))
    return std::nullopt;
  return s;
}

}  // namespace voixer::bench
