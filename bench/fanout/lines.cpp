// The benchmark's protocol lines: see lines.hpp.
#include "bench/fanout/lines.hpp"

#include <charconv>

#include "core/protocol.hpp"

namespace voixer::bench {
namespace {

std::string line(const core::ClientMessage& m) { return core::format(m) + "\n"; }

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

}  // namespace voixer::bench
