#include "audio/echo_canceller.hpp"

#include <speex/speex_echo.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>

#include "audio/device.hpp"

namespace voixer::audio {

namespace {

constexpr int kAudible = 33;  // -60 dBFS

int loudest(const std::int16_t* s, std::size_t n) {
  int peak = 0;
  for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::abs(int{s[i]}));
  return peak;
}

}  // namespace

void EchoCanceller::Deleter::operator()(SpeexEchoState_* s) const { speex_echo_state_destroy(s); }

EchoCanceller::EchoCanceller()
    : m_state(speex_echo_state_init(kFrameSamples, kSampleRate * kTailMs / 1000)),
      m_reference(kMaxLeadSamples),
      m_level(kCushionSamples) {  // silence: the vector starts zeroed
  int rate = kSampleRate;
  speex_echo_ctl(m_state.get(), SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
}

EchoCanceller::~EchoCanceller() = default;

void EchoCanceller::add_played(const std::int16_t* samples, std::size_t n) {
  if (n == 0) return;
  if (m_speakers_stopped) {  // playing again: the cushion again (m_level is 0 here)
    std::memset(m_reference.data() + m_level, 0, kCushionSamples * sizeof(std::int16_t));
    m_level += kCushionSamples;
    m_speakers_stopped = false;
  }
  if (n >= kMaxLeadSamples) {  // only the newest fit
    samples += n - kMaxLeadSamples;
    n = kMaxLeadSamples;
  }
  if (m_level + n > kMaxLeadSamples) {  // drop the oldest
    std::size_t drop = m_level + n - kMaxLeadSamples;
    m_level -= drop;
    std::memmove(m_reference.data(), m_reference.data() + drop, m_level * sizeof(std::int16_t));
  }
  std::memcpy(m_reference.data() + m_level, samples, n * sizeof(std::int16_t));
  m_level += n;
}

bool EchoCanceller::ready(std::size_t n, std::size_t capture_waiting) const {
  return m_level >= n || m_speakers_stopped || capture_waiting >= n + kMaxLagSamples;
}

bool EchoCanceller::process(std::int16_t* frame, std::size_t n) {
  assert(n % kFrameSamples == 0);
  bool audible = false;
  for (std::size_t at = 0; at + kFrameSamples <= n; at += kFrameSamples) {
    // Missing reference (the speakers stopped): silence was played.
    std::size_t have = std::min<std::size_t>(m_level, kFrameSamples);
    if (have < kFrameSamples) {
      std::memset(m_reference.data() + have, 0, (kFrameSamples - have) * sizeof(std::int16_t));
      m_speakers_stopped = true;
    }
    audible = audible || loudest(m_reference.data(), kFrameSamples) > kAudible;
    speex_echo_cancellation(m_state.get(), frame + at, m_reference.data(), m_out);
    std::memcpy(frame + at, m_out, sizeof m_out);
    m_level -= have;
    std::memmove(m_reference.data(), m_reference.data() + have, m_level * sizeof(std::int16_t));
  }
  return audible;
}

}  // namespace voixer::audio
