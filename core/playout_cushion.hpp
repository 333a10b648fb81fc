// How much mixed audio the voice thread keeps queued for the speakers,
// beyond what they are playing: the cushion against a voice thread that
// wakes late or a sound server that pulls in bursts.
//
// It starts at one device period (the lowest delay). When the speakers ran
// dry all the same, the cushion grows by what they missed, up to a limit:
// that silence already made everyone heard later, and it is kept as
// cushion rather than cut back out, so the same burst finds audio next
// time (cutting it out at once only to run dry again was a gap every few
// seconds through PulseAudio). What the cushion cannot take is owed, to be
// cut in a pause.
//
// A stall of the voice thread itself longer than the largest cushion (the
// whole machine or process stopped for 50 ms) runs the speakers dry
// whatever the cushion: what they miss then is owed, and the cushion does
// not grow. Kept, it held everyone 10-20 ms later for 3-4 s after such a
// stall (docs/performance.md), and the next stall ran them dry all the same.
//
// The cushion is not kept for good: a single hiccup of the machine would
// leave everyone that much later for the rest of the call. After a calm
// stretch it gives back one period a second, also owed, until it is one
// period again. The calm it waits for is short (3 s) after a gap that
// came alone, and doubles with each gap that follows another within 30 s
// (up to 24 s): where the speakers run dry again and again, the cushion
// stays.
//
// Pure logic on the caller's millisecond clock.
#pragma once

#include <cstdint>

namespace voixer::core {

class PlayoutCushion {
 public:
  // Calm this long after a gap that came alone, and the cushion starts
  // giving back; each gap within kRecurMs of the one before doubles it, up
  // to kLongestCalmMs. Then one period every kStepMs.
  static constexpr std::int64_t kShortCalmMs = 3'000;
  static constexpr std::int64_t kLongestCalmMs = 24'000;
  static constexpr std::int64_t kRecurMs = 30'000;
  static constexpr std::int64_t kStepMs = 1'000;
  // After the voice thread was held up, the speakers' running dry this long
  // is the stall's: they may ask for more than the ring holds for a few
  // periods after it, to refill a sound server's buffer.
  static constexpr std::int64_t kStallAftermathMs = 100;

  PlayoutCushion(int period_samples, int max_samples);

  // Samples to keep queued now: at least one period.
  int target() const { return m_target > m_period ? m_target : m_period; }

  // Silence to queue before a talk spurt's first frame: what the cushion
  // holds beyond one period. A call that has been playing mixes its next
  // frame when the ring holds less than the cushion, which after the
  // device's take of a period is one period less; a start with the whole
  // cushion in front would play a period later than the rest of the talk
  // spurt, until a slack window cut it back out 2 to 4 s later.
  int lead_in() const { return target() - m_period; }

  // The calm now needed before the cushion gives back.
  std::int64_t calm_needed_ms() const { return m_calm_needed; }

  // The device period changed (a device reopened).
  void set_period(int period_samples);

  // The speakers played `samples` of silence while voice was due. Returns
  // the samples of delay this added that the cushion does not keep (to be
  // cut back out).
  int ran_dry(int samples, std::int64_t now_ms);

  // The voice thread ran `samples` later than it ever waits. Beyond what
  // the largest cushion and a period hold, no cushion would have covered
  // it: running dry from it until kStallAftermathMs later is all owed.
  void held_up(int samples, std::int64_t now_ms);

  // Running dry now would be such a stall's.
  bool in_stall(std::int64_t now_ms) const {
    return m_stalled && now_ms - m_stalled_at <= kStallAftermathMs;
  }

  // Call often: returns the samples given back (to be cut back out), or 0.
  int tick(std::int64_t now_ms);

 private:
  int m_period;
  int m_max;
  int m_target;
  std::int64_t m_calm_since = 0;
  std::int64_t m_calm_needed = kShortCalmMs;
  bool m_dried = false;  // m_last_dry means something
  std::int64_t m_last_dry = 0;
  bool m_stalled = false;  // m_stalled_at means something
  std::int64_t m_stalled_at = 0;
};

}  // namespace voixer::core
