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
      m_reference(kCapacity) {
  int rate = kSampleRate;
  speex_echo_ctl(m_state.get(), SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
  push_silence(kCushionSamples);
}

EchoCanceller::~EchoCanceller() = default;

void EchoCanceller::drop_oldest(std::size_t n) {
  n = std::min(n, m_level);
  m_head = (m_head + n) % kCapacity;
  m_level -= n;
}

void EchoCanceller::push_silence(std::size_t n) {
  std::vector<std::int16_t>::size_type at = (m_head + m_level) % kCapacity;
  std::size_t first = std::min(n, kCapacity - at);
  std::memset(m_reference.data() + at, 0, first * sizeof(std::int16_t));
  std::memset(m_reference.data(), 0, (n - first) * sizeof(std::int16_t));
  m_level += n;
}

void EchoCanceller::add_played(const std::int16_t* samples, std::size_t n) {
  if (n == 0) return;
  if (m_ran_short) {  // paired again, behind a cushion (m_level is 0 here)
    push_silence(kCushionSamples);
    m_ran_short = false;
    ++m_repairings;
  }
  if (n > kCapacity) {  // only the newest fit
    samples += n - kCapacity;
    n = kCapacity;
  }
  if (m_level + n > kCapacity) drop_oldest(m_level + n - kCapacity);
  std::size_t at = (m_head + m_level) % kCapacity;
  std::size_t first = std::min(n, kCapacity - at);
  std::memcpy(m_reference.data() + at, samples, first * sizeof(std::int16_t));
  std::memcpy(m_reference.data(), samples + first, (n - first) * sizeof(std::int16_t));
  m_level += n;
}

void EchoCanceller::bound_lead(std::size_t capture_waiting) {
  if (m_level > capture_waiting + kMaxLeadSamples)
    drop_oldest(m_level - capture_waiting - kMaxLeadSamples);
}

bool EchoCanceller::process(std::int16_t* frame, std::size_t n) {
  assert(n % kFrameSamples == 0);
  bool audible = false;
  for (std::size_t at = 0; at + kFrameSamples <= n; at += kFrameSamples) {
    std::size_t have = std::min<std::size_t>(m_level, kFrameSamples);
    std::size_t first = std::min(have, kCapacity - m_head);
    std::memcpy(m_play, m_reference.data() + m_head, first * sizeof(std::int16_t));
    std::memcpy(m_play + first, m_reference.data(), (have - first) * sizeof(std::int16_t));
    if (have < kFrameSamples) {  // missing (late, or the speakers stopped): silence stands in
      std::memset(m_play + have, 0, (kFrameSamples - have) * sizeof(std::int16_t));
      m_ran_short = true;
    }
    drop_oldest(have);
    audible = audible || loudest(m_play, kFrameSamples) > kAudible;
    speex_echo_cancellation(m_state.get(), frame + at, m_play, m_out);
    std::memcpy(frame + at, m_out, sizeof m_out);
  }
  return audible;
}

}  // namespace voixer::audio
