// The playout cushion: grows by what the speakers missed, up to its limit,
// owes the rest, and gives periods back after a calm stretch. On
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

TEST_CASE("playout cushion: a talk spurt starts with what it holds beyond one period in front") {
  PlayoutCushion c(240, 960);
  CHECK(c.lead_in() == 0);  // one period: the first frame goes straight in
  c.ran_dry(480, 1000);
  CHECK(c.target() == 720);
  CHECK(c.lead_in() == 480);  // grown: what it grew by
  c.set_period(480);
  CHECK(c.lead_in() == c.target() - 480);
}

TEST_CASE("playout cushion: after a calm stretch it gives back a period a second, owed, down to one period") {
  using C = PlayoutCushion;
  PlayoutCushion c(240, 960);
  c.ran_dry(720, 0);
  CHECK(c.target() == 960);
  CHECK(c.tick(C::kShortCalmMs - 1) == 0);  // not calm long enough
  CHECK(c.tick(C::kShortCalmMs) == 240);
  CHECK(c.target() == 720);
  CHECK(c.tick(C::kShortCalmMs + C::kStepMs - 1) == 0);  // the next one a step later
  CHECK(c.tick(C::kShortCalmMs + C::kStepMs) == 240);
  c.ran_dry(0, C::kShortCalmMs + C::kStepMs + 100);  // a gap (of nothing) starts the calm again
  const std::int64_t t = C::kShortCalmMs + C::kStepMs + 100;
  CHECK(c.tick(t + C::kShortCalmMs - 1) == 0);
  CHECK(c.tick(t + C::kShortCalmMs) == 240);
  CHECK(c.target() == 240);
  CHECK(c.tick(t + 100 * C::kShortCalmMs) == 0);  // never under one period
  CHECK(c.target() == 240);
}

TEST_CASE("playout cushion: gaps that keep coming make it wait longer before giving back") {
  using C = PlayoutCushion;
  PlayoutCushion c(240, 960);
  c.ran_dry(240, 0);
  CHECK(c.calm_needed_ms() == C::kShortCalmMs);
  c.ran_dry(240, 10'000);  // again within kRecurMs: twice the calm
  CHECK(c.calm_needed_ms() == 2 * C::kShortCalmMs);
  CHECK(c.tick(10'000 + C::kShortCalmMs) == 0);
  CHECK(c.tick(10'000 + 2 * C::kShortCalmMs) == 240);
  for (int i = 0; i < 10; ++i) c.ran_dry(240, 20'000 + i * 1000);
  CHECK(c.calm_needed_ms() == C::kLongestCalmMs);  // no longer than that
  // A gap long after the last one came alone: the short calm again.
  c.ran_dry(240, 29'000 + C::kRecurMs);
  CHECK(c.calm_needed_ms() == C::kShortCalmMs);
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
  CHECK(c.tick(PlayoutCushion::kShortCalmMs) == 240);
  CHECK(c.target() == 960);
}

TEST_CASE("playout cushion: what a stall of the voice thread longer than any cushion ran dry is owed, not kept") {
  using C = PlayoutCushion;
  PlayoutCushion c(240, 960);
  c.held_up(960 + 240, 1000);        // 25 ms late: a full cushion and a period cover it
  CHECK(c.ran_dry(480, 1000) == 0);  // kept, as any gap
  CHECK(c.target() == 720);
  c.held_up(2400, 5000);                                      // 50 ms: no cushion would have
  CHECK(c.ran_dry(1440, 5000) == 1440);                       // all owed
  CHECK(c.ran_dry(240, 5000 + C::kStallAftermathMs) == 240);  // the sound server refilling after it
  CHECK(c.target() == 720);                                   // not grown
  CHECK(c.calm_needed_ms() == C::kShortCalmMs);               // nor is it a gap that recurs
  CHECK(c.tick(5000 + C::kStallAftermathMs) == 240);          // the calm since 1000 ms still counts
  CHECK(c.target() == 480);
  CHECK(c.ran_dry(240, 5001 + C::kStallAftermathMs) == 0);  // after its aftermath: a gap again
  CHECK(c.target() == 720);
}
