// Cutting owed slack at a mix: free within what the ring holds beyond its
// least, a whole period of slack for each period the mixes move earlier.
#include <doctest/doctest.h>

#include "core/mix_cut.hpp"

using voixer::core::cut_at_mix;

TEST_CASE("mix cut: within what the ring holds beyond its least, a cut moves no mix") {
  auto c = cut_at_mix(48, 100, 48, 240);  // 1 ms owed, 1 ms spare, 2 ms held beyond
  CHECK(c.samples == 48);
  CHECK(c.periods == 0);
}

TEST_CASE("mix cut: beyond it, only with a whole period of slack to spare") {
  auto small = cut_at_mix(48, 0, 48, 240);  // 1 ms spare: the mix would come 5 ms sooner
  CHECK(small.samples == 0);
  auto part = cut_at_mix(144, 100, 144, 240);  // what the ring held, not the rest
  CHECK(part.samples == 100);
  CHECK(part.periods == 0);
  auto whole = cut_at_mix(288, 0, 288, 240);  // 6 ms spare: one period's worth
  CHECK(whole.samples == 240);
  CHECK(whole.periods == 1);
  auto enough = cut_at_mix(288, 100, 288, 240);  // 100 held + one period covers it
  CHECK(enough.samples == 288);
  CHECK(enough.periods == 1);
}

TEST_CASE("mix cut: nonsense in, nothing cut") {
  CHECK(cut_at_mix(-5, 100, 100, 240).samples == 0);
  CHECK(cut_at_mix(100, -5, -5, 0).samples == 0);
}
