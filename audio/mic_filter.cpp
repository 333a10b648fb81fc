#include "audio/mic_filter.hpp"

#include <speex/speex_preprocess.h>

#include "audio/device.hpp"

namespace voixer::audio {

namespace {
constexpr int kSubFrame = EchoCanceller::kFrameSamples;
constexpr int kAgcIncrementDbPerS = 12;  // speexdsp's default
}  // namespace

void MicFilter::Deleter::operator()(SpeexPreprocessState_* s) const {
  speex_preprocess_state_destroy(s);
}

MicFilter::MicFilter(NoiseSuppression noise, EchoCancellation echo) {
  if (echo == EchoCancellation::On) m_echo = std::make_unique<EchoCanceller>();
  if (noise == NoiseSuppression::Off) return;
  // The preprocessor delays its output by about three quarters of its
  // frame; short sub-frames (5 ms) keep that to a few milliseconds.
  m_preprocess.reset(speex_preprocess_state_init(kSubFrame, kSampleRate));
  SpeexPreprocessState* p = m_preprocess.get();
  int on = 1;
  speex_preprocess_ctl(p, SPEEX_PREPROCESS_SET_DENOISE, &on);
  speex_preprocess_ctl(p, SPEEX_PREPROCESS_SET_AGC, &on);
  int agc_level = 16000;
  speex_preprocess_ctl(p, SPEEX_PREPROCESS_SET_AGC_TARGET, &agc_level);
  // What the echo filter leaves is suppressed like noise (speexdsp does
  // that only with its noise suppression on).
  if (m_echo) speex_preprocess_ctl(p, SPEEX_PREPROCESS_SET_ECHO_STATE, m_echo->state());
}

MicFilter::~MicFilter() = default;

// The automatic gain must not rise while the speakers play (and for the
// echo's tail after): what it hears then is the residue of our own echo,
// quiet, and raising the gain would bring it back up (measured: the echo
// 25 dB down without this AGC pumping, 4 dB down with it, and the near end
// starting too loud afterwards). Lowering the gain stays allowed.
void MicFilter::hold_gain(bool far_end_playing, std::size_t n) {
  if (far_end_playing) {
    m_far_hold = static_cast<std::size_t>(kSampleRate) * EchoCanceller::kTailMs / 1000;
  } else {
    m_far_hold -= std::min(m_far_hold, n);
  }
  bool hold = m_far_hold > 0;
  if (hold == m_gain_held) return;
  m_gain_held = hold;
  int increment = hold ? 0 : kAgcIncrementDbPerS;
  speex_preprocess_ctl(m_preprocess.get(), SPEEX_PREPROCESS_SET_AGC_INCREMENT, &increment);
}

void MicFilter::add_played(const std::int16_t* samples, std::size_t n) {
  if (m_echo) m_echo->add_played(samples, n);
}

void MicFilter::bound_lead(std::size_t capture_waiting) {
  if (m_echo) m_echo->bound_lead(capture_waiting);
}

void MicFilter::process(std::int16_t* frame, std::size_t n) {
  if (m_echo) {
    bool far = m_echo->process(frame, n);
    if (m_preprocess) hold_gain(far, n);
  }
  if (m_preprocess)
    for (std::size_t at = 0; at + kSubFrame <= n; at += kSubFrame)
      speex_preprocess_run(m_preprocess.get(), frame + at);
}

}  // namespace voixer::audio
