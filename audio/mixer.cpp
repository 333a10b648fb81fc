// The playback mix and its peak limiter. A limiter rather than a static soft
// clipper: one quiet voice must come out bit-exact, and a loud sum should be
// turned down as a whole instead of having its waveform bent (which is what a
// tanh knee does to every peak, audibly, for as long as the sum is loud).
#include "audio/mixer.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>

namespace voixer::audio {

namespace {

constexpr float kSampleRate = 48000.0f;
constexpr float kCeiling = 0.891f;           // -1 dBFS: headroom for DAC/resampler overshoot
constexpr float kReleaseSeconds = 0.100f;   // slow enough not to pump within a syllable
constexpr int kHoldBlock = 240;             // 5 ms; four of them hold a peak 20-25 ms
constexpr float kEnvelopeFloor = 1e-6f;     // below this, zero: avoids denormals in long silence
constexpr float kInsane = 1e6f;             // a NaN/inf gain from a caller must not poison the state

std::int16_t to_int16(float full_scale) {
  return static_cast<std::int16_t>(
      std::lrint(std::clamp(full_scale * 32768.0f, -32768.0f, 32767.0f)));
}

}  // namespace

Mixer::Mixer(int max_frame_samples) : m_acc(static_cast<std::size_t>(std::max(max_frame_samples, 0))) {}

void Mixer::begin(int frame_samples) {
  assert(frame_samples >= 0 && static_cast<std::size_t>(frame_samples) <= m_acc.size());
  m_frame = std::clamp(frame_samples, 0, static_cast<int>(m_acc.size()));
  std::fill_n(m_acc.begin(), m_frame, 0.0f);
}

void Mixer::add(const std::int16_t* pcm, int n, float gain) {
  n = std::min(n, m_frame);
  const float scale = gain / 32768.0f;  // exact for gain 1: division by a power of two
  for (int i = 0; i < n; ++i) m_acc[static_cast<std::size_t>(i)] += static_cast<float>(pcm[i]) * scale;
}

void Mixer::finish(std::int16_t* out, int n) {
  assert(n <= m_frame);
  n = std::min(n, m_frame);
  // Per-sample decay for an exponential release with the time constant above.
  const float release = std::exp(-1.0f / (kReleaseSeconds * kSampleRate));
  float env = m_envelope;
  for (int i = 0; i < n; ++i) {
    float x = m_acc[static_cast<std::size_t>(i)];
    if (!(std::fabs(x) < kInsane)) x = 0.0f;
    m_current_peak = std::max(m_current_peak, std::fabs(x));
    // Instant attack: the envelope is never below the current sample, so
    // x * kCeiling / env can never exceed the ceiling. No look-ahead, no
    // added latency. It releases only once the held peaks have gone.
    env = std::max(std::max(m_current_peak, m_past_peak), env * release);
    if (env < kEnvelopeFloor) env = 0.0f;
    if (++m_block_fill == kHoldBlock) {
      m_block_peaks[m_block_index] = m_current_peak;
      m_block_index = (m_block_index + 1) % m_block_peaks.size();
      m_past_peak = *std::max_element(m_block_peaks.begin(), m_block_peaks.end());
      m_current_peak = 0.0f;
      m_block_fill = 0;
    }
    // Gain stays exactly 1 below the ceiling, so quiet mixes are untouched.
    const float gain = env > kCeiling ? kCeiling / env : 1.0f;
    out[i] = to_int16(x * gain);
  }
  m_envelope = env;
}

float Mixer::current_gain() const { return m_envelope > kCeiling ? kCeiling / m_envelope : 1.0f; }

float rms_level(const std::int16_t* pcm, int n) {
  if (n <= 0) return 0.0f;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
  return static_cast<float>(std::sqrt(sum / n) / 32768.0);
}

float peak_level(const std::int16_t* pcm, int n) {
  int peak = 0;
  for (int i = 0; i < n; ++i) peak = std::max(peak, std::abs(int{pcm[i]}));
  return static_cast<float>(peak) / 32768.0f;
}

}  // namespace voixer::audio
