// Fuzz target: voice frames and the jitter buffer behind them. Any bytes
// as a client or server frame; then the bytes, cut into frames, as a stream
// into a jitter buffer, which must stay bounded and never crash.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/jitter_buffer.hpp"
#include "core/voice_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voixer::core;
  std::span<const std::uint8_t> bytes(data, size);
  parse_client_voice(bytes);
  parse_server_voice(bytes);
  std::vector<std::uint8_t> out(kMaxServerVoiceFrame);
  std::size_t n = stamp_voice(bytes, "speaker", out);
  if (n > 0 && !parse_server_voice(std::span(out.data(), n))) std::abort();

  JitterBuffer jb;
  std::int64_t now = 0;
  std::size_t i = 0;
  while (i + 4 <= size) {
    std::uint16_t seq = static_cast<std::uint16_t>(data[i] << 8 | data[i + 1]);
    std::size_t len = data[i + 2] % 64;
    now += data[i + 3] % 50;
    i += 4;
    std::size_t take = std::min(len, size - i);
    jb.put(seq, bytes.subspan(i, take), now);
    i += take;
    jb.next(now);
    if (jb.stats().buffered_frames > jb.config().max_packets) std::abort();
  }
  return 0;
}
