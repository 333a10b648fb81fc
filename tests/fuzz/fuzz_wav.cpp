// Fuzz target: the WAV reader. Any bytes: a clear exception or samples,
// never a crash or an out-of-bounds read.
#include <cstdint>
#include <stdexcept>

#include "audio/wav.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    voixer::audio::parse_wav_48k_mono(std::span(data, size));
  } catch (const std::runtime_error&) {
  }
  return 0;
}
