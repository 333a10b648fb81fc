// How much of the slack owed back can be cut at a mix, given that mixes
// happen at the device's periods. The voice thread mixes the next frame
// when a period's take leaves the ring under the cushion, so what the
// ring holds at a mix is at least the cushion less a period. Cutting the
// audio about to be mixed makes the mix shorter:
// - up to what the ring holds beyond that least (`above`), the next mix
//   still comes at the same take: it was delay the ring held for nothing,
//   and it costs the frames no slack;
// - beyond it, the next mix comes a whole period earlier for each period
//   crossed, and every frame must then come that much sooner: slack it
//   must have had to spare.
// Cutting what the slack showed without this (1 ms when 1 ms was spare)
// left the mixes where they were, so the same slack was owed again half a
// second later; a run spent 15 s cutting 1 ms at a time, until the cut
// that crossed into the next period moved every mix 5 ms earlier and
// frames came late.
//
// Pure logic on sample counts.
#pragma once

#include <algorithm>

namespace voixer::core {

struct MixCut {
  int samples = 0;  // to cut now
  int periods = 0;  // the mixes this moves earlier, in device periods
};

// `want`: samples owed; `above`: what the ring holds beyond its least at a
// mix; `spare`: slack the frames have beyond the margin, in samples.
inline MixCut cut_at_mix(int want, int above, int spare, int period) {
  want = std::max(0, want);
  above = std::max(0, above);
  spare = std::max(0, spare);
  period = std::max(1, period);
  if (want <= above) return {want, 0};
  const int needed = (want - above + period - 1) / period;
  const int affordable = spare / period;
  if (needed <= affordable) return {want, needed};
  return {above + affordable * period, affordable};
}

}  // namespace voixer::core
