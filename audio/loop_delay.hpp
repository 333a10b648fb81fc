// How long your own voice takes to come back in the mic test: the echo call
// plays what the microphone captured, so the captured sound shows up again
// in what the speakers are given, some time later. The meter keeps the
// loudness of both streams in 5 ms blocks (4 s of each, fixed arrays) and
// finds the lag at which they match best. It counts from the samples'
// places in their streams (both devices start together), so the sound
// card's own buffers come on top. On the voice thread; no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace voixer::audio {

class LoopDelayMeter {
 public:
  static constexpr int kBlock = 240;         // 5 ms at 48 kHz
  static constexpr int kHistory = 800;       // 4 s of blocks
  static constexpr int kMaxLagBlocks = 160;  // up to 800 ms

  void add_captured(const std::int16_t* samples, std::size_t n) { m_captured.add(samples, n); }
  void add_played(const std::int16_t* samples, std::size_t n) { m_played.add(samples, n); }
  // The delay in ms when the played sound clearly follows the captured one
  // (correlation of their loudness over 0.8), else nullopt (silence, or
  // other voices than one's own).
  std::optional<double> estimate() const;

 private:
  struct Stream {
    std::array<float, kHistory> level{};  // log energy of each block, a ring
    std::uint64_t blocks = 0;             // completed blocks so far
    double sum = 0;
    int count = 0;
    void add(const std::int16_t* samples, std::size_t n);
    float at(std::uint64_t block) const { return level[block % kHistory]; }
  };
  Stream m_captured, m_played;
};

}  // namespace voixer::audio
