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
//   callbacks may drift apart that much (10 ms of the echo's delay, which
//   is longer, is spent).
// - The microphone never waits for the speakers: a frame whose reference
//   is missing all the same (the speakers' callback late, a device gone)
//   is cancelled against silence for the missing part, and what is played
//   next is paired behind a new cushion. A sound server hands the two
//   streams over in bursts of its own; waiting there made every captured
//   frame wait for the speakers, 20-35 ms more delay through PulseAudio.
//   The wall clock keeps this pairing causal: a sample reaches the
//   reference when the speakers are handed it, well before its echo can
//   be captured, so pairing a frame with reference handed over just
//   before leaves the echo inside the filter's tail.
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
  // Cancels the echo in `frame` (n samples, a multiple of kFrameSamples),
  // in place, consuming n samples of reference (silence for what is
  // missing). Returns whether the speakers played anything audible (above
  // -60 dBFS) meanwhile.
  bool process(std::int16_t* frame, std::size_t n);

  // For SPEEX_PREPROCESS_SET_ECHO_STATE (residual echo suppression).
  SpeexEchoState_* state() const { return m_state.get(); }
  // Samples of reference waiting (for tests).
  std::size_t reference_waiting() const { return m_level; }
  // Times the reference ran short and was paired again behind a cushion.
  std::uint64_t repairings() const { return m_repairings; }

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
  bool m_ran_short = false;  // silence stood in for missing reference, none since
  std::uint64_t m_repairings = 0;
  std::int16_t m_play[kFrameSamples] = {};
  std::int16_t m_out[kFrameSamples] = {};
};

}  // namespace voixer::audio
