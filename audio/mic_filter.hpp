// What the microphone's frames go through before the voice gate and the
// encoder, on the voice thread: echo cancellation against what the
// speakers played (echo_canceller.hpp), then speexdsp's preprocessor
// (noise suppression, automatic gain, and the echo the filter left).
// Either can be off; with both off frames pass untouched.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "audio/echo_canceller.hpp"

struct SpeexPreprocessState_;

namespace voixer::audio {

enum class NoiseSuppression { Off, On };
enum class EchoCancellation { Off, On };

class MicFilter {
 public:
  // Frames given to process() are multiples of EchoCanceller::kFrameSamples.
  MicFilter(NoiseSuppression noise, EchoCancellation echo);
  ~MicFilter();
  MicFilter(const MicFilter&) = delete;
  MicFilter& operator=(const MicFilter&) = delete;

  // What the speakers played (the echo canceller's reference); ignored
  // without echo cancellation.
  void add_played(const std::int16_t* samples, std::size_t n);
  // Bounds the reference kept ahead of the `capture_waiting` samples
  // captured and not processed yet (EchoCanceller::bound_lead).
  void bound_lead(std::size_t capture_waiting);
  // Filters `frame` (n samples) in place.
  void process(std::int16_t* frame, std::size_t n);

  bool cancels_echo() const { return m_echo != nullptr; }

 private:
  void hold_gain(bool far_end_playing, std::size_t n);

  struct Deleter {
    void operator()(SpeexPreprocessState_* s) const;
  };
  std::unique_ptr<EchoCanceller> m_echo;
  std::unique_ptr<SpeexPreprocessState_, Deleter> m_preprocess;
  std::size_t m_far_hold = 0;  // samples the speakers' echo may still be heard
  bool m_gain_held = false;
};

}  // namespace voixer::audio
