// Mixer: one quiet voice passes bit-exact, quiet voices add exactly, loud
// sums are turned down without wrapping or bending the waveform, the limiter
// lets go again, and the level meters read what they should.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "support/analysis.hpp"
#include "audio/mixer.hpp"

using namespace voixer::audio;

namespace {

constexpr int kFrame = 960;

std::vector<std::int16_t> sine(double freq, double amplitude, std::size_t n, double phase = 0.0) {
  std::vector<std::int16_t> x(n);
  for (std::size_t i = 0; i < n; ++i)
    x[i] = static_cast<std::int16_t>(std::lrint(
        amplitude * 32767.0 * std::sin(2.0 * std::numbers::pi * freq * static_cast<double>(i) / 48000.0 + phase)));
  return x;
}

// Mixes whole signals frame by frame, as the playback thread would.
std::vector<std::int16_t> mix(Mixer& m, const std::vector<const std::vector<std::int16_t>*>& voices,
                              std::size_t n, float gain = 1.0f) {
  std::vector<std::int16_t> out(n);
  for (std::size_t at = 0; at + kFrame <= n; at += kFrame) {
    m.begin(kFrame);
    for (const auto* v : voices) m.add(v->data() + at, kFrame, gain);
    m.finish(out.data() + at, kFrame);
  }
  return out;
}

}  // namespace

TEST_CASE("a single quiet speaker passes through unchanged") {
  const auto voice = synth_voice(3.0, 4);  // peaks at -6 dBFS
  Mixer m;
  const auto out = mix(m, {&voice}, 144000);
  CHECK(out == voice);
  CHECK(m.current_gain() == 1.0f);
}

TEST_CASE("quiet speakers add exactly, and gain scales") {
  const auto a = sine(300.0, 0.2, 9600), b = sine(710.0, 0.3, 9600);
  Mixer m;
  const auto sum = mix(m, {&a, &b}, 9600);
  for (std::size_t i = 0; i < sum.size(); ++i) REQUIRE(sum[i] == a[i] + b[i]);
  const auto half = mix(m, {&a}, 9600, 0.5f);
  for (std::size_t i = 0; i < half.size(); ++i) REQUIRE(std::abs(half[i] - a[i] / 2.0) <= 1.0);
}

TEST_CASE("four full-scale speakers never wrap around or exceed the ceiling") {
  std::vector<std::int16_t> square(9600);
  for (std::size_t i = 0; i < square.size(); ++i) square[i] = (i / 55) % 2 ? 32767 : -32768;
  const auto s1 = sine(200.0, 1.0, 9600), s2 = sine(200.0, 1.0, 9600, 0.3), s3 = sine(331.0, 1.0, 9600);
  for (const auto& voices : std::vector<std::vector<const std::vector<std::int16_t>*>>{
           {&square, &square, &square, &square}, {&square, &s1, &s2, &s3}, {&s1, &s1, &s2, &s2}}) {
    Mixer m;
    const auto out = mix(m, voices, 9600);
    for (std::size_t i = 0; i < out.size(); ++i) {
      long sum = 0;
      for (const auto* v : voices) sum += (*v)[i];
      // A wrapped sum would flip sign; a limited one keeps it.
      if (sum > 0) REQUIRE(out[i] >= 0);
      if (sum < 0) REQUIRE(out[i] <= 0);
    }
    CHECK(peak_level(out.data(), static_cast<int>(out.size())) <= 0.892f);
    CHECK(peak_level(out.data(), static_cast<int>(out.size())) >= 0.88f);  // but not squashed
  }
}

TEST_CASE("a loud sum is turned down as a whole, not distorted") {
  // 480 Hz: exactly 100 samples a period, so every period has the same peak sample.
  const auto s = sine(480.0, 0.5, 48000);
  Mixer m;
  const auto out = mix(m, {&s, &s, &s, &s}, 48000);  // sum peaks at 2x full scale
  // After the first cycle the limiter gain is steady: output = input * constant.
  double worst = 0.0;
  for (std::size_t i = 4800; i < out.size(); ++i)
    worst = std::max(worst, std::abs(out[i] - 4.0 * s[i] * (0.891 / 2.0)));
  CHECK(worst <= 2.0);
  CHECK(m.current_gain() == doctest::Approx(0.891 / 2.0).epsilon(0.001));
  CHECK(std::abs(out[4800 + 25] - 0.891 * 32768.0) <= 1.0);  // the crest sits at the ceiling
}

TEST_CASE("the limiter lets go after a loud burst") {
  const auto loud = sine(440.0, 1.0, 24000);
  const auto quiet = sine(300.0, 0.1, 96000);
  Mixer m;
  mix(m, {&loud, &loud}, 24000);
  CHECK(m.current_gain() < 0.5f);
  const auto out = mix(m, {&quiet}, 96000);
  // 100 ms release from 2x over: back to unity within about a quarter second...
  CHECK(m.current_gain() == 1.0f);
  // ...and from then on bit-exact again.
  for (std::size_t i = 48000; i < out.size(); ++i) REQUIRE(out[i] == quiet[i]);
  // Meanwhile nothing was silenced: the quiet voice is audible during the release.
  CHECK(rms_level(out.data(), 4800) > 0.03f);
}

TEST_CASE("begin() starts from silence, and add() never reads past the frame") {
  const auto a = sine(300.0, 0.2, 960);
  Mixer m;
  std::vector<std::int16_t> out(960, 123);
  m.begin(480);
  m.add(a.data(), 960);  // longer than the frame: only 480 are used
  m.finish(out.data(), 480);
  CHECK(std::equal(out.begin(), out.begin() + 480, a.begin()));
  CHECK(out[480] == 123);  // finish wrote only what it was asked to
  m.begin(960);
  m.finish(out.data(), 960);
  CHECK(std::all_of(out.begin(), out.end(), [](std::int16_t v) { return v == 0; }));
}

TEST_CASE("the default mixer takes frames up to 80 ms") {
  const auto a = sine(300.0, 0.2, 3840);
  Mixer m;
  std::vector<std::int16_t> out(3840);
  m.begin(3840);
  m.add(a.data(), 3840);
  m.finish(out.data(), 3840);
  CHECK(out == a);
}

TEST_CASE("a NaN gain silences that frame only") {
  const auto a = sine(300.0, 0.2, 1920);
  Mixer m;
  std::vector<std::int16_t> out(960, 1);
  m.begin(960);
  m.add(a.data(), 960, std::numeric_limits<float>::quiet_NaN());
  m.finish(out.data(), 960);
  CHECK(std::all_of(out.begin(), out.end(), [](std::int16_t v) { return v == 0; }));
  m.begin(960);
  m.add(a.data() + 960, 960);
  m.finish(out.data(), 960);
  CHECK(std::equal(out.begin(), out.end(), a.begin() + 960));
}

TEST_CASE("rms_level and peak_level read relative to full scale") {
  std::vector<std::int16_t> square(960);
  for (std::size_t i = 0; i < square.size(); ++i) square[i] = i % 2 ? 32767 : -32768;
  CHECK(rms_level(square.data(), 960) == doctest::Approx(1.0).epsilon(0.0001));
  CHECK(peak_level(square.data(), 960) == 1.0f);
  const auto s = sine(1000.0, 0.5, 960);  // 20 whole periods
  CHECK(rms_level(s.data(), 960) == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.001));
  CHECK(peak_level(s.data(), 960) == doctest::Approx(0.5).epsilon(0.001));
  const std::vector<std::int16_t> silence(960, 0);
  CHECK(rms_level(silence.data(), 960) == 0.0f);
  CHECK(peak_level(silence.data(), 960) == 0.0f);
  CHECK(rms_level(nullptr, 0) == 0.0f);
  CHECK(peak_level(nullptr, 0) == 0.0f);
}
