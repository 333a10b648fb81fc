// Alignment by FFT cross-correlation, envelope/dropout/SNR measures, and the
// synthetic voice used by tests. Offline code: it allocates freely.
#include "support/analysis.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <random>

namespace voixer::audio {

namespace {

constexpr double kRate = 48000.0;
// Largest FFT the exact search uses: 2^21 complex doubles = 32 MB, ~0.3 s.
constexpr std::size_t kMaxFft = std::size_t{1} << 21;
// Lags whose recording energy is this far below the loudest lag's are
// treated as silent: their normalized correlation would be rounding noise
// divided by almost nothing.
constexpr double kEnergyFloor = 1e-9;
constexpr int kGapWindow = 240;  // 5 ms

struct Complex {
  double re = 0.0, im = 0.0;
};

// In-place iterative radix-2 FFT; twiddles holds exp(-2 pi i k / n), k < n/2.
// The inverse is done by the caller with conjugation, so one table serves both.
void fft(std::vector<Complex>& a, const std::vector<Complex>& twiddles) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2, stride = n / len;
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t k = 0; k < half; ++k) {
        const Complex w = twiddles[k * stride];
        Complex& x = a[i + k];
        Complex& y = a[i + k + half];
        const Complex t{y.re * w.re - y.im * w.im, y.re * w.im + y.im * w.re};
        y = {x.re - t.re, x.im - t.im};
        x = {x.re + t.re, x.im + t.im};
      }
    }
  }
}

// c[d] = sum_i ref[i] * rec[i + d] for d in [0, max_lag], by one forward and
// one inverse complex FFT: ref and rec ride in the real and imaginary parts
// of a single transform and are separated by conjugate symmetry.
template <class S>
std::vector<double> cross_correlation(std::span<const S> ref, std::span<const S> rec,
                                      std::size_t max_lag) {
  // Large enough that i + d never wraps around for i < ref.size(), d <= max_lag.
  const std::size_t n = std::bit_ceil(std::max<std::size_t>(ref.size() + max_lag, 2));
  std::vector<Complex> twiddles(n / 2);
  for (std::size_t k = 0; k < n / 2; ++k) {
    const double angle = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
    twiddles[k] = {std::cos(angle), std::sin(angle)};
  }
  std::vector<Complex> z(n);
  for (std::size_t i = 0; i < ref.size(); ++i) z[i].re = static_cast<double>(ref[i]);
  for (std::size_t i = 0; i < rec.size() && i < n; ++i) z[i].im = static_cast<double>(rec[i]);
  fft(z, twiddles);

  // With Z = FFT(ref + i rec): REF[k] = (Z[k] + conj Z[-k]) / 2,
  // REC[k] = (Z[k] - conj Z[-k]) / 2i. Store conj(conj(REF) * REC), so the
  // forward FFT below acts as the inverse (up to conjugation and 1/n).
  for (std::size_t k = 0; k <= n / 2; ++k) {
    const std::size_t j = (n - k) & (n - 1);
    const Complex zk = z[k], zj = z[j];
    auto product = [](Complex a, Complex b) {
      // a = Z[k], b = Z[-k]
      const Complex r{(a.re + b.re) / 2, (a.im - b.im) / 2};   // REF[k]
      const Complex s{(a.im + b.im) / 2, (b.re - a.re) / 2};   // REC[k]
      const Complex p{r.re * s.re + r.im * s.im, r.re * s.im - r.im * s.re};  // conj(r) * s
      return Complex{p.re, -p.im};
    };
    z[k] = product(zk, zj);
    z[j] = product(zj, zk);
  }
  fft(z, twiddles);
  std::vector<double> c(max_lag + 1);
  for (std::size_t d = 0; d <= max_lag; ++d) c[d] = z[d].re / static_cast<double>(n);
  return c;
}

double energy(std::span<const std::int16_t> x) {
  double e = 0.0;
  for (const auto v : x) e += static_cast<double>(v) * v;
  return e;
}

// Best lag of the normalized correlation, all lags 0..max_lag, via FFT.
// rec must already be cut to ref.size() + max_lag samples at most.
template <class S>
Alignment best_lag(std::span<const S> ref, std::span<const S> rec, std::size_t max_lag) {
  const std::vector<double> c = cross_correlation(ref, rec, max_lag);
  double ref_energy = 0.0;
  for (const auto v : ref) ref_energy += static_cast<double>(v) * static_cast<double>(v);
  std::vector<double> prefix(rec.size() + 1, 0.0);  // prefix[k] = energy of rec[0, k)
  for (std::size_t i = 0; i < rec.size(); ++i)
    prefix[i + 1] = prefix[i] + static_cast<double>(rec[i]) * static_cast<double>(rec[i]);

  auto rec_energy = [&](std::size_t d) {
    const std::size_t overlap = std::min(ref.size(), rec.size() - d);
    return prefix[d + overlap] - prefix[d];
  };
  double loudest = 0.0;
  for (std::size_t d = 0; d <= max_lag; ++d) loudest = std::max(loudest, rec_energy(d));

  Alignment best;
  best.correlation = -std::numeric_limits<double>::infinity();
  for (std::size_t d = 0; d <= max_lag; ++d) {
    const double e = rec_energy(d);
    double ncc = 0.0;
    if (ref_energy > 0.0 && e > kEnergyFloor * loudest)
      ncc = std::clamp(c[d] / std::sqrt(ref_energy * e), -1.0, 1.0);
    if (ncc > best.correlation) best = {static_cast<long>(d), ncc};
  }
  return best;
}

// Normalized correlation at one lag, computed directly (exact).
double ncc_at(std::span<const std::int16_t> ref, std::span<const std::int16_t> rec,
              std::size_t d, double ref_energy) {
  const std::size_t overlap = std::min(ref.size(), rec.size() - d);
  double dot = 0.0, e = 0.0;
  for (std::size_t i = 0; i < overlap; ++i) {
    const double r = rec[i + d];
    dot += static_cast<double>(ref[i]) * r;
    e += r * r;
  }
  if (ref_energy <= 0.0 || e <= 0.0) return 0.0;
  return std::clamp(dot / std::sqrt(ref_energy * e), -1.0, 1.0);
}

std::vector<float> box_decimate(std::span<const std::int16_t> x, std::size_t factor) {
  std::vector<float> out(x.size() / factor);
  for (std::size_t j = 0; j < out.size(); ++j) {
    long sum = 0;
    for (std::size_t t = 0; t < factor; ++t) sum += x[j * factor + t];
    out[j] = static_cast<float>(sum) / static_cast<float>(factor);
  }
  return out;
}

// RMS of x[start, start + len), positions outside x counting as silence.
double window_rms(std::span<const std::int16_t> x, long start, long len) {
  if (len <= 0) return 0.0;
  const long size = static_cast<long>(x.size());
  const long lo = std::clamp(start, 0L, size), hi = std::clamp(start + len, 0L, size);
  double e = 0.0;
  for (long i = lo; i < hi; ++i) {
    const double v = x[static_cast<std::size_t>(i)];
    e += v * v;
  }
  return std::sqrt(e / static_cast<double>(len)) / 32768.0;
}

double db_to_ratio(double db) { return std::pow(10.0, db / 20.0); }

}  // namespace

Alignment align_decimated(std::span<const std::int16_t> reference,
                          std::span<const std::int16_t> recorded, long max_delay_samples,
                          int factor) {
  if (reference.empty() || recorded.empty()) return {};
  // Reference samples beyond the recording's length can never overlap it.
  const auto ref = reference.first(std::min(reference.size(), recorded.size()));
  const std::size_t max_lag =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(max_delay_samples, 0L)),
                            recorded.size() - 1);
  const auto rec = recorded.first(std::min(recorded.size(), ref.size() + max_lag));
  if (factor <= 1) return best_lag(ref, rec, max_lag);

  const auto f = static_cast<std::size_t>(factor);
  const std::vector<float> ref_d = box_decimate(ref, f), rec_d = box_decimate(rec, f);
  std::size_t coarse = 0;
  if (!ref_d.empty() && !rec_d.empty()) {
    const std::size_t max_d = std::min(max_lag / f + 1, rec_d.size() - 1);
    coarse = static_cast<std::size_t>(
        best_lag<float>(ref_d, std::span<const float>(rec_d).first(std::min(rec_d.size(), ref_d.size() + max_d)), max_d)
            .delay_samples);
  }
  // Box averaging blurs the lag by up to a block either way; search +-2 blocks.
  const std::size_t centre = coarse * f;
  const std::size_t lo = centre > 2 * f ? centre - 2 * f : 0;
  const std::size_t hi = std::min(centre + 2 * f, max_lag);
  const double ref_energy = energy(ref);
  Alignment best;
  best.correlation = -std::numeric_limits<double>::infinity();
  for (std::size_t d = lo; d <= hi; ++d) {
    const double ncc = ncc_at(ref, rec, d, ref_energy);
    if (ncc > best.correlation) best = {static_cast<long>(d), ncc};
  }
  return best;
}

Alignment align(std::span<const std::int16_t> reference, std::span<const std::int16_t> recorded,
                long max_delay_samples) {
  const std::size_t used = std::min(reference.size(), recorded.size());
  const std::size_t span = used + static_cast<std::size_t>(std::max(max_delay_samples, 0L));
  // Exact while the FFT fits; otherwise decimate so it does (about half of
  // kMaxFft, leaving room for the power-of-two round-up).
  const int factor = span <= kMaxFft ? 1 : static_cast<int>(span / (kMaxFft / 2) + 1);
  return align_decimated(reference, recorded, max_delay_samples, factor);
}

double envelope_similarity(std::span<const std::int16_t> reference,
                           std::span<const std::int16_t> recorded, long delay, int window_ms) {
  const long w = static_cast<long>(std::max(window_ms, 1) * kRate / 1000.0);
  const long windows = static_cast<long>(reference.size()) / w;
  std::vector<double> a(static_cast<std::size_t>(windows)), b(a.size());
  for (long k = 0; k < windows; ++k) {
    a[static_cast<std::size_t>(k)] = window_rms(reference, k * w, w);
    b[static_cast<std::size_t>(k)] = window_rms(recorded, k * w + delay, w);
  }
  const double loudest = a.empty() ? 0.0 : *std::max_element(a.begin(), a.end());
  if (loudest <= 0.0) return 0.0;
  const double threshold = loudest * db_to_ratio(-40.0);
  std::size_t first = 0, last = a.size() - 1;
  while (a[first] < threshold) ++first;
  while (a[last] < threshold) --last;

  const double n = static_cast<double>(last - first + 1);
  double mean_a = 0.0, mean_b = 0.0;
  for (std::size_t k = first; k <= last; ++k) {
    mean_a += a[k];
    mean_b += b[k];
  }
  mean_a /= n;
  mean_b /= n;
  double var_a = 0.0, var_b = 0.0, cov = 0.0;
  for (std::size_t k = first; k <= last; ++k) {
    var_a += (a[k] - mean_a) * (a[k] - mean_a);
    var_b += (b[k] - mean_b) * (b[k] - mean_b);
    cov += (a[k] - mean_a) * (b[k] - mean_b);
  }
  // "Flat": standard deviation under 1% of the mean. A flat contour has no
  // shape to correlate, and a near-zero variance would make Pearson noise.
  auto flat = [n](double var, double mean) { return std::sqrt(var / n) <= 0.01 * mean; };
  const bool flat_a = flat(var_a, mean_a), flat_b = mean_b > 0.0 && flat(var_b, mean_b);
  if (flat_a || flat_b) return flat_a && flat_b ? 1.0 : 0.0;
  if (var_b <= 0.0) return 0.0;
  return cov / std::sqrt(var_a * var_b);
}

double longest_gap_ms(std::span<const std::int16_t> recorded, long start, long end,
                      double silence_threshold) {
  const long size = static_cast<long>(recorded.size());
  start = std::clamp(start, 0L, size);
  end = std::clamp(end, start, size);
  long longest = 0, run = 0;
  for (long pos = start; pos < end; pos += kGapWindow) {
    const long len = std::min<long>(kGapWindow, end - pos);
    if (window_rms(recorded, pos, len) < silence_threshold) {
      run += len;
      longest = std::max(longest, run);
    } else {
      run = 0;
    }
  }
  return static_cast<double>(longest) * 1000.0 / kRate;
}

double max_dropout_ms(std::span<const std::int16_t> reference,
                      std::span<const std::int16_t> recorded, long delay, double loud_db,
                      double silent_db) {
  const long windows = static_cast<long>(reference.size()) / kGapWindow;
  std::vector<double> ref_rms(static_cast<std::size_t>(windows)), rec_rms(ref_rms.size());
  for (long k = 0; k < windows; ++k) {
    ref_rms[static_cast<std::size_t>(k)] = window_rms(reference, k * kGapWindow, kGapWindow);
    rec_rms[static_cast<std::size_t>(k)] = window_rms(recorded, k * kGapWindow + delay, kGapWindow);
  }
  const double loudest = ref_rms.empty() ? 0.0 : *std::max_element(ref_rms.begin(), ref_rms.end());
  if (loudest <= 0.0) return 0.0;
  const double loud = loudest * db_to_ratio(loud_db), silent = loudest * db_to_ratio(silent_db);

  long longest = 0;
  long first_loud = -1, last_loud = -1;  // within the current run of silent recording
  for (long k = 0; k <= windows; ++k) {
    const bool silent_here = k < windows && rec_rms[static_cast<std::size_t>(k)] < silent;
    if (silent_here) {
      if (ref_rms[static_cast<std::size_t>(k)] >= loud) {
        if (first_loud < 0) first_loud = k;
        last_loud = k;
      }
    } else {
      if (first_loud >= 0) longest = std::max(longest, last_loud - first_loud + 1);
      first_loud = last_loud = -1;
    }
  }
  return static_cast<double>(longest * kGapWindow) * 1000.0 / kRate;
}

double snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> decoded,
              long delay) {
  double signal = 0.0, noise = 0.0;
  const long size = static_cast<long>(decoded.size());
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const long j = static_cast<long>(i) + delay;
    const double r = reference[i];
    const double d = (j >= 0 && j < size) ? static_cast<double>(decoded[static_cast<std::size_t>(j)]) : 0.0;
    signal += r * r;
    noise += (r - d) * (r - d);
  }
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  if (signal == 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

std::vector<std::int16_t> synth_voice(double seconds, std::uint32_t seed) {
  const std::size_t total = seconds > 0.0 ? static_cast<std::size_t>(seconds * kRate) : 0;
  std::vector<double> y(total, 0.0);
  // mt19937's sequence is fixed by the standard (distributions are not), so
  // the signal is the same on every platform.
  std::mt19937 rng(seed);
  auto uniform = [&rng](double lo, double hi) {
    return lo + (hi - lo) * (static_cast<double>(rng()) / 4294967296.0);
  };
  struct Vowel {
    double f1, f2, f3;
  };
  constexpr Vowel kVowels[] = {
      {730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240}, {530, 1840, 2480}, {570, 840, 2410}};
  constexpr double kBandwidths[] = {80.0, 100.0, 120.0};

  std::vector<double> syllable;
  auto pos = static_cast<std::size_t>(uniform(0.02, 0.10) * kRate);
  while (pos < total) {
    // Optional fricative onset: high-passed noise, quieter than the vowel.
    if (uniform(0.0, 1.0) < 0.3) {
      const auto len = static_cast<std::size_t>(uniform(0.04, 0.08) * kRate);
      double prev = 0.0;
      for (std::size_t n = 0; n < len && pos + n < total; ++n) {
        const double noise = uniform(-1.0, 1.0);
        const double shape = std::sin(std::numbers::pi * static_cast<double>(n) / static_cast<double>(len));
        y[pos + n] += 0.12 * shape * (noise - prev);
        prev = noise;
      }
      pos += len;
    }

    // Voiced part: glottal pulse train, tilted, through three formant resonators.
    const auto len = static_cast<std::size_t>(uniform(0.12, 0.30) * kRate);
    const Vowel& v = kVowels[rng() % 5];
    const double formants[] = {v.f1, v.f2, v.f3};
    const double f0_start = uniform(110.0, 190.0), f0_end = f0_start * uniform(0.82, 1.15);
    const double amplitude = uniform(0.5, 1.0);
    double c1[3], c2[3], s1[3] = {}, s2[3] = {};
    for (int r = 0; r < 3; ++r) {
      const double radius = std::exp(-std::numbers::pi * kBandwidths[r] / kRate);
      c1[r] = 2.0 * radius * std::cos(2.0 * std::numbers::pi * formants[r] / kRate);
      c2[r] = -radius * radius;
    }
    syllable.assign(len, 0.0);
    double phase = 0.0, tilt = 0.0, peak = 0.0;
    for (std::size_t n = 0; n < len; ++n) {
      const double t = static_cast<double>(n) / static_cast<double>(len);
      phase += (f0_start + (f0_end - f0_start) * t) / kRate;
      double x = 0.01 * uniform(-1.0, 1.0);  // a little breath noise
      if (phase >= 1.0) {
        phase -= 1.0;
        x += 1.0;
      }
      tilt = 0.9 * tilt + x;  // glottal spectrum falls off with frequency
      x = tilt;
      for (int r = 0; r < 3; ++r) {
        const double out = x + c1[r] * s1[r] + c2[r] * s2[r];
        s2[r] = s1[r];
        s1[r] = out;
        x = out;
      }
      syllable[n] = x;
      peak = std::max(peak, std::fabs(x));
    }
    const double attack = 0.02 * kRate, release = 0.04 * kRate;
    for (std::size_t n = 0; n < len && pos + n < total; ++n) {
      const double from_start = static_cast<double>(n), to_end = static_cast<double>(len - n);
      double env = 1.0;
      if (from_start < attack) env = 0.5 - 0.5 * std::cos(std::numbers::pi * from_start / attack);
      if (to_end < release) env = std::min(env, 0.5 - 0.5 * std::cos(std::numbers::pi * to_end / release));
      y[pos + n] += amplitude * env * syllable[n] / (peak > 0.0 ? peak : 1.0);
    }
    pos += len + static_cast<std::size_t>(uniform(0.04, 0.15) * kRate);
  }

  double peak = 0.0;
  for (const double v : y) peak = std::max(peak, std::fabs(v));
  const double scale = peak > 0.0 ? 0.5 * 32767.0 / peak : 0.0;  // -6 dBFS
  std::vector<std::int16_t> out(total);
  for (std::size_t i = 0; i < total; ++i)
    out[i] = static_cast<std::int16_t>(std::lrint(y[i] * scale));
  return out;
}

}  // namespace voixer::audio

namespace voixer::audio {

double max_dropout_windowed_ms(std::span<const std::int16_t> reference,
                               std::span<const std::int16_t> recorded, long max_delay_samples,
                               int window_ms) {
  const long window = static_cast<long>(window_ms) * 48;
  double longest = 0;
  for (long at = 0; at + window <= static_cast<long>(reference.size()); at += window) {
    auto ref = reference.subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(window));
    double energy = 0;
    for (auto s : ref) energy += double(s) * s;
    if (std::sqrt(energy / window) / 32768.0 < 0.01) continue;  // a pause: nothing to lose
    long room = std::min<long>(static_cast<long>(recorded.size()) - at, window + max_delay_samples);
    if (room <= 0) return std::max<double>(longest, window_ms);
    auto rec = recorded.subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(room));
    Alignment a = align(ref, rec, max_delay_samples);
    if (a.correlation < 0.2) {
      longest = std::max<double>(longest, window_ms);
      continue;
    }
    longest = std::max(longest, max_dropout_ms(ref, rec, a.delay_samples));
  }
  return longest;
}

namespace {

// Each window of the reference that holds sound, aligned on its own within
// +-slack of `delay`: `measure(window, recording around it, its delay)`,
// or 0 when the recording ended before it. The median of those.
template <class Measure>
double median_over_windows(std::span<const std::int16_t> reference,
                           std::span<const std::int16_t> recorded, long delay, int window_ms,
                           int slack_ms, Measure measure) {
  const long window = static_cast<long>(window_ms) * 48, slack = static_cast<long>(slack_ms) * 48;
  std::vector<double> found;
  for (long at = 0; at + window <= static_cast<long>(reference.size()); at += window) {
    auto ref = reference.subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(window));
    if (window_rms(ref, 0, window) < 0.01) continue;  // a pause: nothing to compare
    const long from = std::max(0L, at + delay - slack);
    const long to = std::min(static_cast<long>(recorded.size()), at + delay + slack + window);
    if (to - from < window) {
      found.push_back(0);  // the recording ended before this sound
      continue;
    }
    auto rec = recorded.subspan(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from));
    const Alignment a = align(ref, rec, to - from - window);
    found.push_back(measure(ref, rec, a));
  }
  if (found.empty()) return 0;
  std::nth_element(found.begin(), found.begin() + found.size() / 2, found.end());
  return found[found.size() / 2];
}

}  // namespace

namespace {

// The delay of the recording's [from, from + context), searched within
// +-slack of `delay`; `delay` itself where it holds too little sound to tell.
long delay_of(std::span<const std::int16_t> reference, std::span<const std::int16_t> recorded,
              long from, long delay, long slack, long context) {
  if (from < 0 || from + context > static_cast<long>(recorded.size()) ||
      window_rms(recorded, from, context) < 0.003)
    return delay;
  const long ref_from = std::max(0L, from - delay - slack);
  const long ref_to = std::min(static_cast<long>(reference.size()), from - delay + slack + context);
  if (ref_to - ref_from < context) return delay;
  // The recording's stretch found in the reference: ref[ref_from + k + i] ~ rec[from + i].
  const Alignment a = align(recorded.subspan(static_cast<std::size_t>(from), static_cast<std::size_t>(context)),
                            reference.subspan(static_cast<std::size_t>(ref_from),
                                              static_cast<std::size_t>(ref_to - ref_from)),
                            ref_to - ref_from - context);
  return a.correlation < 0.3 ? delay : from - ref_from - a.delay_samples;
}

}  // namespace

std::vector<Dropout> dropouts_followed(std::span<const std::int16_t> reference,
                                       std::span<const std::int16_t> recorded, long delay,
                                       int slack_ms, int context_ms) {
  std::vector<Dropout> found;
  const long ref_windows = static_cast<long>(reference.size()) / kGapWindow;
  double loudest = 0;
  for (long k = 0; k < ref_windows; ++k)
    loudest = std::max(loudest, window_rms(reference, k * kGapWindow, kGapWindow));
  if (loudest <= 0.0) return found;
  const double loud = loudest * db_to_ratio(-30.0), silent = loudest * db_to_ratio(-50.0);
  const long rec_windows = static_cast<long>(recorded.size()) / kGapWindow;
  // Past the recording's end is silence, as far as the reference could still be heard.
  const long windows = std::max(rec_windows, ref_windows + delay / kGapWindow + 1);
  const long slack = static_cast<long>(slack_ms) * 48, context = static_cast<long>(context_ms) * 48;
  auto silent_at = [&](long k) {
    return k >= rec_windows || window_rms(recorded, k * kGapWindow, kGapWindow) < silent;
  };
  auto loud_at = [&](long pos) {
    return pos >= 0 && pos + kGapWindow <= static_cast<long>(reference.size()) &&
           window_rms(reference, pos, kGapWindow) >= loud;
  };
  for (long k = 0; k < windows;) {
    if (!silent_at(k)) {
      ++k;
      continue;
    }
    const long start = k;
    while (k < windows && silent_at(k)) ++k;
    // Speech went on during a real gap whether it is judged by the delay
    // before it or the one after it (which grew by the gap); where the
    // delay moved instead (cut), one of the two finds a pause there too.
    const long before = delay_of(reference, recorded, start * kGapWindow - context, delay, slack, context);
    const long after = k >= rec_windows ? before
                                        : delay_of(reference, recorded, k * kGapWindow, delay, slack, context);
    long first_loud = -1, last_loud = -1;
    for (long w = start; w < k; ++w) {
      if (loud_at(w * kGapWindow - before) && loud_at(w * kGapWindow - after)) {
        if (first_loud < 0) first_loud = w;
        last_loud = w;
      }
    }
    if (first_loud >= 0)
      found.push_back({first_loud * kGapWindow, (last_loud - first_loud + 1) * kGapWindow});
  }
  return found;
}

double max_dropout_followed_ms(std::span<const std::int16_t> reference,
                               std::span<const std::int16_t> recorded, long delay, int slack_ms,
                               int context_ms) {
  long longest = 0;
  for (const Dropout& d : dropouts_followed(reference, recorded, delay, slack_ms, context_ms))
    longest = std::max(longest, d.samples);
  return static_cast<double>(longest) * 1000.0 / kRate;
}

double median_window_correlation(std::span<const std::int16_t> reference,
                                 std::span<const std::int16_t> recorded, long delay,
                                 int window_ms, int slack_ms) {
  return median_over_windows(reference, recorded, delay, window_ms, slack_ms,
                             [](auto, auto, const Alignment& a) { return std::max(0.0, a.correlation); });
}

double median_window_similarity(std::span<const std::int16_t> reference,
                                std::span<const std::int16_t> recorded, long delay,
                                int window_ms, int slack_ms) {
  return median_over_windows(reference, recorded, delay, window_ms, slack_ms,
                             [](auto ref, auto rec, const Alignment& a) {
                               return envelope_similarity(ref, rec, a.delay_samples);
                             });
}

}  // namespace voixer::audio
