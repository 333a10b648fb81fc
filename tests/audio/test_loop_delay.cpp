// The mic test's delay readout: the lag at which what the speakers are
// given follows what the microphone took, found from loudness alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "audio/loop_delay.hpp"

using voixer::audio::LoopDelayMeter;

namespace {

// Speech-like: bursts of noise of random length and loudness, with pauses.
std::vector<std::int16_t> bursts(double seconds, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(2400, 19200);  // 50-400 ms
  std::uniform_real_distribution<double> loud(0.05, 0.5);
  std::normal_distribution<double> noise(0, 1);
  std::vector<std::int16_t> out;
  bool on = false;
  while (out.size() < seconds * 48000) {
    int n = length(rng);
    double a = on ? loud(rng) : 0.001;
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::int16_t>(std::clamp(a * noise(rng), -1.0, 1.0) * 32767));
    on = !on;
  }
  return out;
}

// Feeds `mic` as captured and `played` as played, in the pieces the voice
// thread sees (20 ms frames, 10 ms device chunks).
void feed(LoopDelayMeter& m, const std::vector<std::int16_t>& mic, const std::vector<std::int16_t>& played) {
  for (std::size_t at = 0; at + 960 <= std::min(mic.size(), played.size()); at += 960) {
    m.add_captured(mic.data() + at, 960);
    m.add_played(played.data() + at, 480);
    m.add_played(played.data() + at + 480, 480);
  }
}

}  // namespace

TEST_CASE("mic test delay: the voice coming back 130 ms later reads as 130 ms") {
  auto mic = bursts(6, 1);
  std::vector<std::int16_t> played(mic.size(), 0);
  const int delay = 130 * 48;
  for (std::size_t i = delay; i < mic.size(); ++i) played[i] = static_cast<std::int16_t>(mic[i - delay] / 2);
  LoopDelayMeter m;
  feed(m, mic, played);
  auto d = m.estimate();
  REQUIRE(d);
  CHECK(*d == doctest::Approx(130).epsilon(0.04));
}

TEST_CASE("mic test delay: silence, or someone else's voice, gives no reading") {
  LoopDelayMeter quiet;
  std::vector<std::int16_t> silence(6 * 48000, 0);
  feed(quiet, silence, silence);
  CHECK_FALSE(quiet.estimate());
  LoopDelayMeter others;
  feed(others, bursts(6, 2), bursts(6, 3));
  CHECK_FALSE(others.estimate());
  LoopDelayMeter early;  // not 4 s of sound yet
  feed(early, bursts(2, 4), bursts(2, 4));
  CHECK_FALSE(early.estimate());
}
