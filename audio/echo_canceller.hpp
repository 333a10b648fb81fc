// Acoustic echo cancellation: takes out of the microphone what the speakers
// played and the microphone picked up again, so a player on speakers does
// not send everyone their own voice back. speexdsp's MDF echo canceller,
// fed with what the device actually played (the `played` ring of
// DeviceRings), not with what the engine meant to play: the device's own
// silences (a gap, a device reopened) are in it, so the reference stays in
// step with the speakers.
//
// Alignment: capture and playback reach the engine on the device's clock,
// one sample of reference for each sample captured. The reference is what
// was handed to the speakers, so the echo of a sample can only show up in
// the microphone later (output buffer + air + input buffer): the filter
// (kTailMs long) finds that delay by itself. Only the skew between the two
// device callbacks is absorbed here: the reference starts kCushionSamples
// of silence ahead (it may be older than the echo, never younger), so a
// capture frame seldom has to wait for it; when it must, it waits at most
// kMaxLagSamples, after which the speakers count as stopped (silence stands
// in, and frames wait no more until the speakers play again),
// and reference piling up beyond kMaxLeadSamples (the speakers running
// faster than the microphone, or the microphone stalled) is dropped, oldest
// first, so the pairing never drifts out of the filter's reach.
//
// Voice thread only; nothing here runs in an audio callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

struct SpeexEchoState_;

namespace voixer::audio {

class EchoCanceller {
 public:
  // Samples per speexdsp frame (5 ms at 48 kHz): the same as the noise
  // suppressor's, whose residual-echo suppression reads this state.
  static constexpr int kFrameSamples = 240;
  // How long an echo path the filter models: device buffers both ways plus
  // the room. Longer costs more and adapts slower (docs/performance.md:
  // 200 ms took 5 dB off the cancellation of a 40 ms path).
  static constexpr int kTailMs = 150;
  // The reference is paired this far back (10 ms): more than the two device
  // callbacks drift apart, so the microphone need not wait for it.
  static constexpr std::size_t kCushionSamples = 480;
  // A capture frame waits for its reference at most this long (50 ms);
  // then the speakers count as silent for it.
  static constexpr std::size_t kMaxLagSamples = 2400;
  // Reference kept ahead of the microphone at most (100 ms).
  static constexpr std::size_t kMaxLeadSamples = 4800;

  EchoCanceller();
  ~EchoCanceller();
  EchoCanceller(const EchoCanceller&) = delete;
  EchoCanceller& operator=(const EchoCanceller&) = delete;

  // What the speakers played, in the order played (silence included).
  void add_played(const std::int16_t* samples, std::size_t n);
  // Whether a capture frame of `n` samples can be cancelled now, with
  // `capture_waiting` samples captured and not processed yet: its
  // reference is here, or has been missing long enough to give up on.
  bool ready(std::size_t n, std::size_t capture_waiting) const;
  // Cancels the echo in `frame` (n samples, a multiple of kFrameSamples),
  // in place, consuming n samples of reference. Returns whether the
  // speakers played anything audible (above -60 dBFS) meanwhile.
  bool process(std::int16_t* frame, std::size_t n);

  // For SPEEX_PREPROCESS_SET_ECHO_STATE (residual echo suppression).
  SpeexEchoState_* state() const { return m_state.get(); }
  // Samples of reference waiting (for tests).
  std::size_t reference_waiting() const { return m_level; }

 private:
  struct Deleter {
    void operator()(SpeexEchoState_* s) const;
  };
  std::unique_ptr<SpeexEchoState_, Deleter> m_state;
  std::vector<std::int16_t> m_reference;  // kMaxLeadSamples, oldest first
  std::size_t m_level = 0;
  bool m_speakers_stopped = false;  // reference given up on, none since
  std::int16_t m_out[kFrameSamples] = {};
};

}  // namespace voixer::audio
