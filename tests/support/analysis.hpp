// Signal analysis for end-to-end tests and benchmarks: lines a recording up
// with what was sent and measures how faithfully it arrived (loudness
// contour, dropouts, SNR). Plus a deterministic speech-like test signal so
// tests need no recordings or tools. All signals are 48 kHz mono; no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace voixer::audio {

struct Alignment {
  long delay_samples = 0;    // recorded[i + delay_samples] ~ reference[i]
  double correlation = 0.0;  // normalized cross-correlation at that delay, -1..1
};

// Finds the delay d in [0, max_delay_samples] maximising the normalized
// cross-correlation  sum ref[i]*rec[i+d] / sqrt(E_ref * E_rec(d)),  where
// E_ref is the energy of the reference (the part that could ever overlap the
// recording) and E_rec(d) the energy of the recording under it at delay d.
// Exact (full-rate FFT correlation) while reference + max delay fit in about
// 44 s; beyond that it goes coarse-to-fine as align_decimated() does.
// 10 s against a 1 s delay range takes ~0.1 s. Empty input gives {0, 0}.
Alignment align(std::span<const std::int16_t> reference, std::span<const std::int16_t> recorded,
                long max_delay_samples);

// align() at a fixed cost: finds the delay on both signals box-averaged over
// `factor` samples, then refines at full rate within +-2*factor samples.
// factor <= 1 is the exact full-rate search.
Alignment align_decimated(std::span<const std::int16_t> reference,
                          std::span<const std::int16_t> recorded, long max_delay_samples,
                          int factor);

// Pearson correlation of the RMS envelopes (window_ms windows) of reference
// and recorded shifted by delay, over the windows from the first to the last
// where the reference has content (within 40 dB of its loudest window).
// 1 = same loudness contour. Recording outside its bounds counts as silence.
// Flat envelopes (steady tones) have no contour: 1 if both are flat, else 0.
double envelope_similarity(std::span<const std::int16_t> reference,
                           std::span<const std::int16_t> recorded, long delay,
                           int window_ms = 20);

// Longest run of near-silence in recorded[start, end), in ms, measured in
// 5 ms windows whose RMS (relative to full scale, 0..1) is below silence_threshold.
double longest_gap_ms(std::span<const std::int16_t> recorded, long start, long end,
                      double silence_threshold);

// Longest stretch, in ms (5 ms resolution), where the reference is loud but
// the recording (shifted by delay) is near-silent: audio that did not arrive.
// A 5 ms window of the reference is loud within loud_db of its loudest
// window; the recording is silent below silent_db relative to that same
// loudest window (so recording gain is assumed to be about unity). Gaps in
// the recording that fall in the reference's own pauses do not count; one
// that spans loud audio counts from its first to its last loud window.
double max_dropout_ms(std::span<const std::int16_t> reference,
                      std::span<const std::int16_t> recorded, long delay, double loud_db = -30.0,
                      double silent_db = -50.0);

// max_dropout_ms() for a recording whose delay may move (a sound server
// that stalled, a device reopened): each `window_ms` of the reference that
// holds sound is aligned on its own (delay 0..max_delay_samples) and
// searched for dropouts; the longest is returned. A window that cannot be
// aligned at all (nothing of it arrived) counts as a dropout of its length.
double max_dropout_windowed_ms(std::span<const std::int16_t> reference,
                               std::span<const std::int16_t> recorded, long max_delay_samples,
                               int window_ms = 2000);

// Whether the recording holds the same waveform (not only the same loudness
// contour) where the delay may have moved a little during it (a jitter
// buffer that grew by a frame): each `window_ms` of the reference that holds
// sound is aligned on its own within +-slack_ms of `delay`, and the median
// of those windows' correlations is returned (0 when none holds sound).
double median_window_correlation(std::span<const std::int16_t> reference,
                                 std::span<const std::int16_t> recorded, long delay,
                                 int window_ms = 250, int slack_ms = 60);

// envelope_similarity() the same way: each `window_ms` of the reference
// that holds sound is aligned on its own within +-slack_ms of `delay`, and
// the median of the windows' similarities is returned (0 when none holds
// sound).
double median_window_similarity(std::span<const std::int16_t> reference,
                                std::span<const std::int16_t> recorded, long delay,
                                int window_ms = 1000, int slack_ms = 60);

// max_dropout_ms() for a recording whose delay moved during it (a jitter
// buffer that grew, a cushion given back, silence cut between words), where
// no single delay fits it all. Each near-silent stretch of the recording is
// judged against the delays of what was heard just before and just after it
// (`context_ms` of sound each, aligned within +-slack_ms of `delay`): a
// dropout is where the reference went on loud by both while the recording
// was silent. A recording that ends before the reference does lost the rest.
double max_dropout_followed_ms(std::span<const std::int16_t> reference,
                               std::span<const std::int16_t> recorded, long delay,
                               int slack_ms = 250, int context_ms = 500);

// Where those dropouts are: each one's first sample in the recording and
// its length, in the order they come (for lining them up with the
// machine's stalls).
struct Dropout {
  long start = 0;    // in the recording
  long samples = 0;
};
std::vector<Dropout> dropouts_followed(std::span<const std::int16_t> reference,
                                       std::span<const std::int16_t> recorded, long delay,
                                       int slack_ms = 250, int context_ms = 500);

// 10*log10(sum ref^2 / sum (ref[i] - decoded[i + delay])^2) over the whole
// reference; decoded outside its bounds counts as silence. +inf when equal.
double snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> decoded,
              long delay);

// A deterministic speech-like signal: voiced syllables (gliding pitch 90-220
// Hz, vowel formants, 120-300 ms) with some fricative onsets, separated by
// 40-150 ms pauses; peak -6 dBFS. The same seed always gives the same samples.
std::vector<std::int16_t> synth_voice(double seconds, std::uint32_t seed = 1);

}  // namespace voixer::audio
