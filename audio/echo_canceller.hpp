// Acoustic echo cancellation: takes out of the microphone what the speakers
// played and the microphone picked up again, so a player on speakers does
// not send everyone their own voice back. speexdsp's MDF echo canceller,
// fed with what the device actually played (the `played` ring of
// DeviceRings), not with what the engine meant to play: the device's own
// silences (a gap, a device reopened) are in it, so the reference stays in
// step with the speakers.
//
// Alignment: capture and playback reach the engine on the device's clock,
// and captured sample i is paired with the i-th sample played (less a
// cushion, below). What is played reaches the microphone only later (output
// buffer + air + input buffer), so the echo of a reference sample always
// comes after it: the filter (kTailMs long) finds that delay by itself, as
// long as the pairing holds. What keeps it:
// - The reference starts with kCushionSamples of silence, so each captured
//   sample is paired with what was played 10 ms before it: the two device
//   callbacks may drift apart that much without the microphone waiting for
//   the speakers (10 ms of the echo's delay, which is longer, is spent).
// - If the reference is missing all the same, a frame waits for it, at most
//   kMaxLagSamples; then the speakers count as stopped (a device gone):
//   silence stands in, and frames wait no more until they play again.
// - Reference running more than kMaxLeadSamples ahead of the captured
//   samples waiting (the speakers faster than the microphone, or the
//   microphone stalled) is dropped, oldest first. Reference that waiting
//   microphone samples need is never dropped, however late the voice thread
//   comes to them.
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
  // Captured samples are paired with what was played this much earlier.
  static constexpr std::size_t kCushionSamples = 480;  // 10 ms
  // A capture frame waits for its reference at most this long (50 ms).
  static constexpr std::size_t kMaxLagSamples = 2400;
  // Reference kept ahead of the captured samples waiting, at most (100 ms).
  static constexpr std::size_t kMaxLeadSamples = 4800;
  // Reference kept in all: what a full capture ring (1 s) needs, and the lead.
  static constexpr std::size_t kCapacity = 48000 + kMaxLeadSamples;

  EchoCanceller();
  ~EchoCanceller();
  EchoCanceller(const EchoCanceller&) = delete;
  EchoCanceller& operator=(const EchoCanceller&) = delete;

  // What the speakers played, in the order played (silence included).
  void add_played(const std::int16_t* samples, std::size_t n);
  // Drops the reference running more than kMaxLeadSamples ahead of the
  // `capture_waiting` samples captured and not processed yet.
  void bound_lead(std::size_t capture_waiting);
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
  void drop_oldest(std::size_t n);
  void push_silence(std::size_t n);

  std::unique_ptr<SpeexEchoState_, Deleter> m_state;
  std::vector<std::int16_t> m_reference;  // a ring of kCapacity
  std::size_t m_head = 0;                 // the oldest sample
  std::size_t m_level = 0;
  bool m_speakers_stopped = false;  // reference given up on, none since
  std::int16_t m_play[kFrameSamples] = {};
  std::int16_t m_out[kFrameSamples] = {};
};

}  // namespace voixer::audio
