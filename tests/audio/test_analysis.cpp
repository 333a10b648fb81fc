// Analysis: align() finds a known delay exactly (also through attenuation,
// noise and the coarse-to-fine path), envelope similarity tells the same
// speech from other speech, dropouts and gaps are measured to 5 ms, SNR is
// right, and the synthetic voice is deterministic and speech-like.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "support/analysis.hpp"

using namespace voixer::audio;
using Signal = std::vector<std::int16_t>;

namespace {

Signal white_noise(std::size_t n, double rms_fs, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Signal x(n);
  const double amp = rms_fs * 32768.0 * std::sqrt(3.0);  // uniform: rms = amp / sqrt(3)
  for (auto& v : x)
    v = static_cast<std::int16_t>(std::lrint(amp * (2.0 * rng() / 4294967296.0 - 1.0)));
  return x;
}

// What a recording of `ref` looks like: `delay` samples of silence first,
// scaled, with noise added, and some tail.
Signal recording_of(const Signal& ref, long delay, double gain, double noise_rms_fs) {
  Signal rec(static_cast<std::size_t>(delay) + ref.size() + 4800, 0);
  const Signal noise = white_noise(rec.size(), noise_rms_fs, 77);
  for (std::size_t i = 0; i < rec.size(); ++i) {
    double v = noise[i];
    if (i >= static_cast<std::size_t>(delay) && i - static_cast<std::size_t>(delay) < ref.size())
      v += gain * ref[i - static_cast<std::size_t>(delay)];
    rec[i] = static_cast<std::int16_t>(std::clamp(std::lrint(v), -32768L, 32767L));
  }
  return rec;
}

// `count` sentences of voice, 1 s each, with 300 ms pauses after them, as
// people talk: 62,400 samples a sentence.
Signal sentences(std::uint32_t count, std::uint32_t seed) {
  Signal voice;
  for (std::uint32_t k = 0; k < count; ++k) {
    const Signal sentence = synth_voice(1.0, seed + k);
    voice.insert(voice.end(), sentence.begin(), sentence.end());
    voice.insert(voice.end(), 14400, 0);
  }
  return voice;
}

}  // namespace

TEST_CASE("align finds a known delay exactly in a noisy, attenuated recording") {
  const Signal voice = synth_voice(10.0, 1);
  for (const long delay : {0L, 1L, 12345L, 47999L, 48000L}) {
    CAPTURE(delay);
    const Signal rec = recording_of(voice, delay, 0.4, 0.003);  // ~25 dB SNR
    const Alignment a = align(voice, rec, 48000);
    CHECK(a.delay_samples == delay);
    CHECK(a.correlation > 0.9);
  }
}

TEST_CASE("align of identical signals is delay 0, correlation 1") {
  const Signal noise = white_noise(48000, 0.1, 3);
  const Alignment a = align(noise, noise, 4800);
  CHECK(a.delay_samples == 0);
  CHECK(a.correlation == doctest::Approx(1.0).epsilon(1e-9));
}

TEST_CASE("align coarse-to-fine finds the same exact delay") {
  const Signal voice = synth_voice(6.0, 2);
  const Signal rec = recording_of(voice, 23456, 0.7, 0.002);
  for (const int factor : {2, 8, 16}) {
    CAPTURE(factor);
    const Alignment a = align_decimated(voice, rec, 48000, factor);
    CHECK(a.delay_samples == 23456);
    CHECK(a.correlation > 0.9);
  }
}

TEST_CASE("align copes with empty, short and silent inputs") {
  const Signal voice = synth_voice(1.0, 2), empty, silence(48000, 0);
  CHECK(align(empty, voice, 100).delay_samples == 0);
  CHECK(align(voice, empty, 100).correlation == 0.0);
  CHECK(align(silence, voice, 100).correlation == 0.0);
  CHECK(align(voice, silence, 100).correlation == 0.0);
  // A recording shorter than the reference, delay range beyond its end.
  const Signal part(voice.begin() + 1000, voice.begin() + 21000);
  Signal rec(500, 0);
  rec.insert(rec.end(), part.begin(), part.end());
  const Alignment a = align(Signal(voice.begin() + 1000, voice.end()), rec, 1000000);
  CHECK(a.delay_samples == 500);
  CHECK(align(voice, voice, -5).delay_samples == 0);
}

TEST_CASE("envelope similarity: ~1 for the same speech, low for other speech") {
  const Signal voice = synth_voice(8.0, 1), other = synth_voice(8.0, 9);
  CHECK(envelope_similarity(voice, voice, 0) > 0.999);
  const Signal rec = recording_of(voice, 3000, 0.3, 0.001);
  CHECK(envelope_similarity(voice, rec, 3000) > 0.98);  // scale does not matter, noise little
  CHECK(envelope_similarity(voice, rec, 0) < 0.5);      // misaligned by 62 ms
  CHECK(envelope_similarity(voice, other, 0) < 0.3);
  CHECK(envelope_similarity(voice, Signal(voice.size(), 0), 0) == 0.0);
  CHECK(envelope_similarity(Signal(9600, 0), voice, 0) == 0.0);
}

TEST_CASE("median window correlation: the same waveform when the delay moved once, not other speech") {
  const Signal voice = synth_voice(6.0, 1), other = synth_voice(6.0, 9);
  // Heard 100 ms late, 10 ms later from the second second on and 20 ms
  // later from the fourth (a jitter buffer that grew by half a frame twice).
  Signal rec = recording_of(voice, 4800, 0.5, 0.001);
  rec.insert(rec.begin() + 4800 + 4 * 48000, 480, 0);
  rec.insert(rec.begin() + 4800 + 2 * 48000, 480, 0);
  const Alignment whole = align(voice, rec, 48000);
  CHECK(std::abs(whole.delay_samples - 5280) <= 480);  // one of the three parts
  CHECK(whole.correlation < 0.7);  // one delay cannot fit all three
  CHECK(median_window_correlation(voice, rec, whole.delay_samples) > 0.9);
  CHECK(median_window_similarity(voice, rec, whole.delay_samples) > 0.95);
  CHECK(median_window_similarity(voice, recording_of(other, 4800, 0.5, 0.001), 4800) < 0.7);
  CHECK(median_window_correlation(voice, recording_of(other, 4800, 0.5, 0.001), 4800) < 0.4);
  CHECK(median_window_correlation(voice, Signal(voice.size(), 0), 0) == 0.0);
  CHECK(median_window_correlation(Signal(9600, 0), voice, 0) == 0.0);
}

TEST_CASE("envelope similarity of steady signals: flat matches flat only") {
  const Signal a = white_noise(48000, 0.1, 1);
  Signal square(48000);
  for (std::size_t i = 0; i < square.size(); ++i) square[i] = (i / 48) % 2 ? 3000 : -3000;
  CHECK(envelope_similarity(square, square, 0) == 1.0);
  CHECK(envelope_similarity(square, synth_voice(1.0, 4), 0) == 0.0);
}

TEST_CASE("max_dropout_ms finds an inserted 100 ms gap") {
  // A continuously loud reference, so the gap's extent is unambiguous.
  const Signal ref = white_noise(48000 * 3, 0.1, 5);
  Signal rec = ref;
  CHECK(max_dropout_ms(ref, rec, 0) == 0.0);
  std::fill(rec.begin() + 60000, rec.begin() + 64800, 0);  // 100 ms at 1.25 s
  CHECK(max_dropout_ms(ref, rec, 0) == doctest::Approx(100.0).epsilon(0.051));
  // The same through a delay.
  Signal delayed(1234, 0);
  delayed.insert(delayed.end(), rec.begin(), rec.end());
  CHECK(max_dropout_ms(ref, delayed, 1234) == doctest::Approx(100.0).epsilon(0.051));
  // A 30 ms one elsewhere does not mask the longest.
  std::fill(rec.begin() + 100000, rec.begin() + 101440, 0);
  CHECK(max_dropout_ms(ref, rec, 0) == doctest::Approx(100.0).epsilon(0.051));
}

TEST_CASE("max_dropout_ms ignores silence where the reference pauses too") {
  const Signal voice = synth_voice(5.0, 6);
  CHECK(max_dropout_ms(voice, voice, 0) == 0.0);
  // Zero a stretch of the recording where the voice is loud: that one counts.
  std::size_t loudest = 0;
  for (std::size_t i = 0; i < voice.size(); ++i)
    if (std::abs(voice[i]) > std::abs(voice[loudest])) loudest = i;
  Signal rec = voice;
  const std::size_t from = loudest > 2400 ? loudest - 2400 : 0;
  std::fill(rec.begin() + static_cast<long>(from), rec.begin() + static_cast<long>(from + 4800), 0);
  const double dropout = max_dropout_ms(voice, rec, 0);
  CHECK(dropout >= 50.0);
  CHECK(dropout <= 105.0);
}

TEST_CASE("max_dropout_followed_ms: a delay that moved is no dropout, a silence still is") {
  const Signal voice = sentences(5, 20);
  // Heard 100 ms late, then 150 ms sooner from the third pause on: that
  // much cut from the recording between sentences, as a playout cushion
  // gives back delay.
  Signal rec = recording_of(voice, 4800, 0.5, 0.0);
  const long cut_at = 4800 + 3 * 62400 - 9600;
  rec.erase(rec.begin() + cut_at, rec.begin() + cut_at + 7200);
  const long delay = align(voice, rec, 48000).delay_samples;
  const double single = max_dropout_ms(voice, rec, delay);
  MESSAGE("one delay for the whole recording finds a dropout of " << single << " ms");
  CHECK(single >= 100.0);  // what this measure is for
  CHECK(max_dropout_followed_ms(voice, rec, delay) == 0.0);
  // 80 ms of silence in the middle of the fourth sentence.
  const long at = 4800 + 3 * 62400 + 24000 - 7200;
  std::fill(rec.begin() + at, rec.begin() + at + 3840, 0);
  const double dropout = max_dropout_followed_ms(voice, rec, delay);
  CHECK(dropout >= 40.0);
  CHECK(dropout <= 85.0);
  // It is found where the silence is, and it is the only one.
  const auto found = dropouts_followed(voice, rec, delay);
  REQUIRE(found.size() == 1);
  CHECK(found[0].start >= at);
  CHECK(found[0].start + found[0].samples <= at + 3840);
  CHECK(found[0].samples * 1000.0 / 48000 == dropout);
  // A recording that ends early lost what it did not hold.
  rec.resize(static_cast<std::size_t>(3 * 48000));
  CHECK(max_dropout_followed_ms(voice, rec, delay) >= 1000.0);
}

TEST_CASE("max_dropout_followed_ms: delay cut just before a pause is no dropout either") {
  const Signal voice = sentences(4, 30);
  // 100 ms cut from the second sentence 200 ms before its end: what was
  // heard before the following pause is half from before the cut, half
  // from after it, so only the delay after the pause tells.
  Signal rec = recording_of(voice, 4800, 0.5, 0.0);
  const long cut_at = 4800 + 62400 + 48000 - 9600 - 4800;
  rec.erase(rec.begin() + cut_at, rec.begin() + cut_at + 4800);
  const long delay = align(voice, rec, 48000).delay_samples;
  MESSAGE("one delay for the whole recording finds a dropout of "
          << max_dropout_ms(voice, rec, delay) << " ms");
  CHECK(max_dropout_followed_ms(voice, rec, delay) <= 10.0);
}

TEST_CASE("longest_gap_ms measures near-silence in 5 ms windows") {
  Signal x = white_noise(48000, 0.1, 8);
  CHECK(longest_gap_ms(x, 0, 48000, 0.01) == 0.0);
  std::fill(x.begin() + 9600, x.begin() + 14400, 0);  // 100 ms, window-aligned
  CHECK(longest_gap_ms(x, 0, 48000, 0.01) == doctest::Approx(100.0));
  std::fill(x.begin() + 30100, x.begin() + 30100 + 7200, 0);  // 150 ms, not window-aligned
  CHECK(longest_gap_ms(x, 0, 48000, 0.01) == doctest::Approx(145.0).epsilon(0.04));
  CHECK(longest_gap_ms(x, 0, 20000, 0.01) == doctest::Approx(100.0));  // range respected
  CHECK(longest_gap_ms(x, 40000, 100000, 0.01) == 0.0);               // clamped to the signal
  CHECK(longest_gap_ms(Signal(4800, 0), 0, 4800, 0.01) == doctest::Approx(100.0));
}

TEST_CASE("snr_db measures a known noise level") {
  const Signal ref = white_noise(48000, 0.1, 10), noise = white_noise(48000, 0.01, 11);
  Signal noisy(ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) noisy[i] = static_cast<std::int16_t>(ref[i] + noise[i]);
  CHECK(snr_db(ref, noisy, 0) == doctest::Approx(20.0).epsilon(0.02));
  CHECK(snr_db(ref, ref, 0) == std::numeric_limits<double>::infinity());
  Signal delayed(100, 0);
  delayed.insert(delayed.end(), ref.begin(), ref.end());
  CHECK(snr_db(ref, delayed, 100) == std::numeric_limits<double>::infinity());
  CHECK(snr_db(ref, Signal(48000, 0), 0) == doctest::Approx(0.0));  // silence: 0 dB
  CHECK(snr_db(ref, Signal(), 0) == doctest::Approx(0.0));           // missing counts as silence
}

TEST_CASE("synth_voice is deterministic and speech-like") {
  const Signal a = synth_voice(3.0, 1), b = synth_voice(3.0, 1), c = synth_voice(3.0, 2);
  CHECK(a.size() == 144000);
  CHECK(a == b);
  CHECK(a != c);
  int peak = 0;
  for (const auto v : a) peak = std::max(peak, std::abs(int{v}));
  CHECK(peak == doctest::Approx(16384).epsilon(0.01));  // -6 dBFS
  const double gap = longest_gap_ms(a, 0, 144000, 0.001);
  CHECK(gap >= 40.0);   // it pauses between syllables...
  CHECK(gap <= 400.0);  // ...but keeps talking
  CHECK(synth_voice(0.0).empty());
}
