// How much mixed audio the voice thread keeps queued for the speakers,
// beyond what they are playing: the cushion against a voice thread that
// wakes late or a sound server that pulls in bursts.
//
// It starts at one device period (the lowest delay). When the speakers ran
// dry all the same, the cushion grows by what they missed, up to a limit:
// that silence already made everyone heard later, and it is kept as
// cushion rather than cut back out, so the same burst finds audio next
// time (cutting it out only to run dry again was a gap every few seconds
// through PulseAudio). What the cushion cannot take is owed, to be cut in a
// pause. After a calm stretch with no gap the cushion gives back one period
// at a time, also owed.
//
// Pure logic on the caller's millisecond clock.
#pragma once

#include <cstdint>

namespace voixer::core {

class PlayoutCushion {
 public:
  // Calm this long with no gap, and one period is given back.
  static constexpr std::int64_t kCalmMs = 20'000;

  PlayoutCushion(int period_samples, int max_samples);

  // Samples to keep queued now: at least one period.
  int target() const { return m_target > m_period ? m_target : m_period; }

  // The device period changed (a device reopened).
  void set_period(int period_samples);

  // The speakers played `samples` of silence while voice was due. Returns
  // the samples of delay this added that the cushion does not keep (to be
  // cut back out).
  int ran_dry(int samples, std::int64_t now_ms);

  // Call often: after a calm stretch returns the samples given back (to be
  // cut back out), else 0.
  int tick(std::int64_t now_ms);

 private:
  int m_period;
  int m_max;
  int m_target;
  std::int64_t m_calm_since = 0;
};

}  // namespace voixer::core
