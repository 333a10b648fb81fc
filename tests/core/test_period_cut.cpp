#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "core/period_cut.hpp"

using namespace voixer;

namespace {

// A vowel: a pulse train through a resonance, so each period repeats the
// one before (as voiced speech nearly does). The period glides from
// `period` to `period_end` over the samples, and a slow hum of `hum`
// rides under it.
std::vector<std::int16_t> vowel(int count, double period, double period_end = 0, double hum = 0) {
  if (period_end == 0) period_end = period;
  std::vector<std::int16_t> out(static_cast<std::size_t>(count));
  const double r = 0.97, c1 = 2 * r * std::cos(2 * std::numbers::pi * 700 / 48000.0), c2 = -r * r;
  double s1 = 0, s2 = 0, phase = 0;
  for (int i = -4000; i < count; ++i) {  // settled before the first sample
    phase += 1.0 / (period + (period_end - period) * std::max(0, i) / count);
    double x = 0;
    if (phase >= 1) {
      phase -= 1;
      x = 1;
    }
    const double y = x + c1 * s1 + c2 * s2;
    s2 = s1;
    s1 = y;
    const double slow = hum * std::sin(2 * std::numbers::pi * 20 * i / 48000.0);
    if (i >= 0) out[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(std::lround(y * 600 + slow));
  }
  return out;
}

// The largest step between neighbouring samples: a cut that does not match
// shows as a step much larger than the signal's own.
int largest_step(const std::vector<std::int16_t>& x, int count) {
  int most = 0;
  for (int i = 1; i < count; ++i) most = std::max(most, std::abs(x[static_cast<std::size_t>(i)] - x[static_cast<std::size_t>(i) - 1]));
  return most;
}

}  // namespace

TEST_CASE("period cut: a steady voice loses one period, and what is left continues it seamlessly") {
  const int period = 300;  // 160 Hz
  auto x = vowel(960, period);
  const auto original = x;
  const int cut = core::cut_one_period(x.data(), 960);
  CHECK(cut == period);
  // What follows the cut is the original a period later, and for a steady
  // voice that is the original itself: the voice goes on as if nothing
  // had been taken out.
  for (int i = 0; i < 960 - cut; ++i) {
    CAPTURE(i);
    REQUIRE(std::abs(x[static_cast<std::size_t>(i)] - original[static_cast<std::size_t>(i)]) <= 2);
  }
}

TEST_CASE("period cut: a voice whose pitch glides is cut where it matches, with no step at the joint") {
  // The pitch moves by 2 % over the frame and a slow hum (20 Hz) rides
  // under it: no two periods are quite the same, but the best match is
  // close enough. Joined without the cross-fade, the hum would step.
  auto x = vowel(960, 250, 255, 2500);
  const int own_step = largest_step(x, 960);
  const int cut = core::cut_one_period(x.data(), 960);
  CHECK(cut >= 245);
  CHECK(cut <= 260);
  CHECK(largest_step(x, 960 - cut) <= own_step * 5 / 4);
}

TEST_CASE("period cut: noise has no period, and is left as it was") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(-8000, 8000);
  std::vector<std::int16_t> x(960);
  for (auto& s : x) s = static_cast<std::int16_t>(noise(rng));
  const auto original = x;
  CHECK(core::cut_one_period(x.data(), 960) == 0);
  CHECK(x == original);
}

TEST_CASE("period cut: no more than asked, and none when the period is longer than allowed or than half the samples") {
  auto x = vowel(960, 300);
  // A 300-sample period is not within 120-250: nothing in that range repeats.
  CHECK(core::cut_one_period(x.data(), 960, {.min_lag = 120, .max_lag = 250}) == 0);
  // Two periods must be there to compare: 500 samples hold one and a bit.
  CHECK(core::cut_one_period(x.data(), 500) == 0);
  // Silence has nothing to match either (the caller cuts pauses its own way).
  std::vector<std::int16_t> quiet(960, 0);
  CHECK(core::cut_one_period(quiet.data(), 960) == 0);
  // Within bounds that hold it, the period is found.
  CHECK(core::cut_one_period(x.data(), 960, {.min_lag = 120, .max_lag = 400}) == 300);
}
