// Silence the speakers played that the engine never saw: the playback
// callback ran late (a busy sound server, a scheduling stall), the sound
// card played nothing meanwhile, and from then on everything is heard that
// much later, although the engine's ring never ran dry.
//
// The speakers take samples at the sample rate of the wall clock. So the
// lag, the samples the wall clock says are due minus the samples the
// device actually took, is constant while all is well: it wobbles with
// the callbacks' timing but its lowest value over a window (250 ms, some
// fifty callbacks) hardly moves. When that lowest value rises and stays
// risen in the next window too, the device fell behind for good by that
// much (also a sound card whose clock is slower than the computer's, a
// millisecond every so often). One window is not enough: a thread that
// notices the callbacks late for a while raises one window's lowest value
// and no other, and cutting that would be cutting voice. When the lowest
// value falls, the device ran ahead (it took more to fill a larger buffer
// of its own) and, if it stays ahead, the new floor is kept.
//
// A rise far above what a late thread or a sound server's own buffer can
// explain (kLargeRiseMs: a machine or sound server that stalled for tens of
// milliseconds, which the listener has just heard as a dropout) is taken
// as soon as every value for kLargeRiseHoldUs stayed that high, without
// waiting for the windows: two windows after the one it fell in kept
// everyone 50 ms later for half a second to three quarters of one, and
// the cut after it then came that much later too.
//
// Pure logic: times in microseconds from the caller's monotonic clock.
#pragma once

#include <cstdint>

namespace voixer::core {

class PlaybackLag {
 public:
  static constexpr int kLargeRiseMs = 15;
  static constexpr std::int64_t kLargeRiseHoldUs = 80'000;

  // `sample_rate`: of the device. A rise smaller than `tolerance_samples`
  // is wobble, not a stall. The first window after a reset only settles
  // (a device fills its own buffer at the start).
  explicit PlaybackLag(int sample_rate = 48000, int tolerance_samples = 96,
                       std::int64_t window_us = 250'000);

  // The device has taken `consumed` samples so far (a running count).
  // Returns how many samples the lag rose by for good, at the end of the
  // second window that shows it, else 0. A rise over 200 ms is a device that stopped or was reopened:
  // it starts learning again instead.
  int observe(std::int64_t now_us, std::uint64_t consumed);

  // The device was reopened (or stopped taking): learn the lag again.
  void reset();

 private:
  // The fast path for a large rise; its size once it held, else 0.
  int large_rise(std::int64_t now_us, std::int64_t lag);

  int m_rate;
  int m_tolerance;
  std::int64_t m_window_us;
  bool m_started = false;
  bool m_have_floor = false;
  std::int64_t m_t0 = 0;
  std::uint64_t m_c0 = 0;
  std::int64_t m_window_start = 0;
  std::int64_t m_window_min = 0;
  bool m_window_has = false;
  std::int64_t m_floor = 0;
  bool m_have_risen = false;  // the last window's lowest value was above the floor
  std::int64_t m_risen = 0;   // and this was it
  bool m_have_fallen = false;  // likewise below the floor, by more than the tolerance
  std::int64_t m_fallen = 0;
  bool m_large = false;           // every value since m_large_since rose by kLargeRiseMs or more
  std::int64_t m_large_since = 0;
  std::int64_t m_large_min = 0;   // and this was the lowest of them
};

}  // namespace voixer::core
