// Silence played after the engine's ring: a device that takes 240 samples
// every 5 ms on simulated time, its callbacks wobbling, is found to have
// fallen behind for good only when it did (a stall, a slow clock), not when
// it filled its own buffer or ran ahead.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include "core/playback_lag.hpp"

using voixer::core::PlaybackLag;

namespace {

// A device that takes 240 samples every 5 ms (of its own clock, `ppm`
// slower than the wall clock), each callback noticed up to 3 ms late.
struct Device {
  PlaybackLag lag;
  std::uint64_t consumed = 0;
  double clock_us = 0;  // when the device's next period is due
  double ppm = 0;
  std::mt19937 rng{7};
  int found = 0;  // samples reported in all

  // Runs for `ms` of device time, each callback noticed `late_us` later
  // on top of the wobble.
  void run(std::int64_t ms, std::int64_t late_us = 0) {
    for (double end = clock_us + ms * 1000.0; clock_us < end;) {
      consumed += 240;
      clock_us += 5000 * (1 + ppm * 1e-6);
      auto noticed = static_cast<std::int64_t>(clock_us) + late_us + static_cast<std::int64_t>(rng() % 3000);
      found += lag.observe(noticed, consumed);
    }
  }

  // `ms` during which the device takes nothing, watched every 5 ms.
  void idle(std::int64_t ms) {
    for (double end = clock_us + ms * 1000.0; clock_us < end;) {
      clock_us += 5000;
      found += lag.observe(static_cast<std::int64_t>(clock_us), consumed);
    }
  }
};

// After 5 s of calm the card plays `stall_ms` of silence: that is found
// within `within_ms`, as that much silence (give or take 150 samples), and
// only once.
void check_stall_found(int stall_ms, int within_ms) {
  Device d;
  d.run(5000);
  d.clock_us += stall_ms * 1000.0;
  int ms = 0;
  for (; d.found == 0 && ms < 2000; ms += 5) d.run(5);
  CHECK(ms <= within_ms);
  CHECK(d.found >= stall_ms * 48 - 150);
  CHECK(d.found <= stall_ms * 48 + 150);
  const int before = d.found;
  d.run(30'000);
  CHECK(d.found == before);
}

}  // namespace

TEST_CASE("playback lag: callbacks that only wobble are never a gap") {
  Device d;
  d.consumed = 4800;  // the device filled 100 ms of its own buffer at the start
  d.run(60'000);
  CHECK(d.found == 0);
}

TEST_CASE("playback lag: callbacks noticed late for a while, though the device took its samples, are no gap") {
  // The thread that watches was held up for a quarter of a second or so
  // (as on a busy machine): every callback of that stretch is seen 4-7 ms
  // late, which looks like a lag that rose, until it falls again.
  Device d;
  d.run(5000);
  for (int i = 0; i < 10; ++i) {
    d.run(300, 4000);
    d.run(3000);
  }
  CHECK(d.found == 0);
}

TEST_CASE("playback lag: a stalled callback is found once, within a second, as the silence it played") {
  // 10 ms: a rise a late thread could make too, judged by the windows (the
  // one with the stall, one to show it, one to confirm it).
  check_stall_found(10, 1000);
}

TEST_CASE("playback lag: a stall of 50 ms is found within a tenth of a second, not after two windows") {
  // A listener has just heard 50 ms of silence: no late thread or sound
  // server's buffer makes a rise that large, so it is cut back out soon.
  check_stall_found(50, 100);
}

TEST_CASE("playback lag: callbacks noticed 12 ms late for a quarter second are no gap") {
  // Late, but under the large rise that is taken at once: the windows judge it.
  Device d;
  d.run(5000);
  for (int i = 0; i < 5; ++i) {
    d.run(250, 9000);
    d.run(3000);
  }
  CHECK(d.found == 0);
}

TEST_CASE("playback lag: a device that ran ahead (a larger buffer) is no gap, a later stall is") {
  Device d;
  d.run(5000);
  d.consumed += 480;  // took 10 ms more to fill its own buffer
  d.run(5000);
  CHECK(d.found == 0);
  d.clock_us += 10'000;
  d.run(5000);
  CHECK(d.found >= 480 - 150);
  CHECK(d.found <= 480 + 150);
}

TEST_CASE("playback lag: a device that takes 40 ms at once and then nothing until that is played is no gap") {
  Device d;
  d.run(5000);
  for (int i = 0; i < 5; ++i) {
    d.consumed += 1920;  // 40 ms ahead of the clock, into its own buffer
    d.idle(40);          // played out, taking nothing meanwhile
    d.run(3000);
  }
  CHECK(d.found == 0);
}

TEST_CASE("playback lag: a sound card slower than the clock is cut back a little at a time") {
  Device d;
  d.ppm = 100;  // 4.8 samples a second
  d.run(120'000);
  CHECK(d.found >= 576 - 200);  // 12 ms over two minutes
  CHECK(d.found <= 576);
}

TEST_CASE("playback lag: a device stopped for a second is learnt again, not cut") {
  Device d;
  d.run(5000);
  d.clock_us += 1'000'000;  // closed and opened again
  d.run(5000);
  CHECK(d.found == 0);
  d.clock_us += 20'000;  // and after that, a stall is found again
  d.run(5000);
  CHECK(d.found >= 960 - 150);
  CHECK(d.found <= 960 + 150);
}
