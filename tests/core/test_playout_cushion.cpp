// The playout cushion: grows by what the speakers missed, up to its limit,
// owes the rest, and gives a period back after each calm stretch. On
// simulated time.
#include <doctest/doctest.h>

#include "core/playout_cushion.hpp"

using voixer::core::PlayoutCushion;

TEST_CASE("playout cushion: a gap is kept as cushion up to the limit, the rest is owed") {
  PlayoutCushion c(240, 960);
  CHECK(c.target() == 240);  // one period to start with
  CHECK(c.ran_dry(240, 1000) == 0);  // 5 ms missed: kept
  CHECK(c.target() == 480);
  CHECK(c.ran_dry(720, 2000) == 240);  // 15 ms more: 10 ms fit, 5 ms owed
  CHECK(c.target() == 960);
  CHECK(c.ran_dry(100, 3000) == 100);  // full: all owed
  CHECK(c.target() == 960);
}

TEST_CASE("playout cushion: after a calm stretch one period at a time is given back, and owed") {
  PlayoutCushion c(240, 960);
  c.ran_dry(720, 0);
  CHECK(c.target() == 960);
  CHECK(c.tick(PlayoutCushion::kCalmMs - 1) == 0);  // not calm long enough
  CHECK(c.tick(PlayoutCushion::kCalmMs) == 240);
  CHECK(c.target() == 720);
  CHECK(c.tick(PlayoutCushion::kCalmMs + 10) == 0);  // the next period needs its own calm stretch
  c.ran_dry(0, PlayoutCushion::kCalmMs + 100);      // a gap (of nothing) starts it again
  CHECK(c.tick(2 * PlayoutCushion::kCalmMs) == 0);
  CHECK(c.tick(2 * PlayoutCushion::kCalmMs + 100) == 240);
  CHECK(c.tick(3 * PlayoutCushion::kCalmMs + 100) == 240);
  CHECK(c.target() == 240);
  CHECK(c.tick(9 * PlayoutCushion::kCalmMs) == 0);  // never under one period
  CHECK(c.target() == 240);
}

TEST_CASE("playout cushion: a device reopened with another period keeps it within bounds") {
  PlayoutCushion c(240, 960);
  c.set_period(480);
  CHECK(c.target() == 480);
  c.set_period(1200);  // larger than the limit: the limit follows
  CHECK(c.target() == 1200);
  CHECK(c.ran_dry(240, 0) == 240);
  c.set_period(240);
  CHECK(c.target() == 1200);  // what was kept stays, until given back
  CHECK(c.tick(PlayoutCushion::kCalmMs) == 240);
  CHECK(c.target() == 960);
}
