// Playback mixing: sums the decoded voices of everyone talking into one
// 48 kHz frame and limits the sum so several loud speakers never wrap or
// hard-clip. Runs on the audio path, so nothing allocates after construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace voixer::audio {

class Mixer {
 public:
  // Preallocates room for frames of up to max_frame_samples (80 ms by default).
  explicit Mixer(int max_frame_samples = 960 * 4);

  // Starts a frame of frame_samples (at most max_frame_samples) silent samples.
  void begin(int frame_samples);

  // Adds one speaker's n samples (only the first frame_samples count), scaled by gain.
  void add(const std::int16_t* pcm, int n, float gain = 1.0f);

  // Writes n samples (at most frame_samples) of the limited mix. A mix that
  // stays below the ceiling (0.891 FS, -1 dBFS) passes bit-exact; above it a
  // peak limiter (instant attack, 20-25 ms peak hold, 100 ms release) scales
  // it down so it never exceeds the ceiling.
  void finish(std::int16_t* out, int n);

  // Limiter gain applied to the last sample, 1.0 when not limiting.
  float current_gain() const;

 private:
  std::vector<float> m_acc;  // the mix, full scale = 1.0
  int m_frame = 0;
  // Peak hold: maxima of the last few 5 ms blocks, so the envelope holds
  // across pitch periods instead of rippling (and distorting) between peaks.
  std::array<float, 4> m_block_peaks{};
  float m_past_peak = 0.0f;     // max of m_block_peaks
  float m_current_peak = 0.0f;  // max of the block being filled
  int m_block_fill = 0;
  std::size_t m_block_index = 0;
  float m_envelope = 0.0f;  // held peak with exponential release
};

// RMS of n samples relative to full scale: 0 (silence) .. 1 (full-scale square).
float rms_level(const std::int16_t* pcm, int n);

// Largest |sample| relative to full scale, 0..1.
float peak_level(const std::int16_t* pcm, int n);

}  // namespace voixer::audio
