// Cutting delay out of a voice without a skip a listener hears: in voiced
// speech one pitch period is much like the next, so one of them can go.
// The period before it fades into the one after, and the voice carries on
// a period sooner, at its own pitch (what a jitter buffer's "accelerate"
// does). Noise, a consonant or a gliding voice have no period to match,
// and nothing is cut; the caller waits for a pause instead.
//
// Pure logic on 16-bit samples of any rate.
#pragma once

#include <cstdint>

namespace voixer::core {

struct PeriodCutLimits {
  int min_lag = 120;             // samples: 2.5 ms at 48 kHz (a 400 Hz voice)
  int max_lag = 720;             // 15 ms (a 67 Hz voice)
  float min_likeness = 0.9f;     // normalised correlation of the two periods
};

// Finds the lag L in [min_lag, min(max_lag, count / 2)] whose two spans
// x[0, L) and x[L, 2L) are most alike; if they are alike enough, cross-fades
// the first into the second in place and closes up the rest, so `x` holds
// count - L samples. Returns L, or 0 when no lag is alike enough (x is then
// untouched).
int cut_one_period(std::int16_t* x, int count, const PeriodCutLimits& limits = {});

}  // namespace voixer::core
