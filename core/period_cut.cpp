#include "core/period_cut.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace voixer::core {

namespace {

// Normalised correlation of x[0, n) with x[n, 2n): 1 for a repeat.
double likeness(const std::int16_t* x, int n) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) {
    const double a = x[i], b = x[i + n];
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  if (aa <= 0 || bb <= 0) return 0;
  return ab / std::sqrt(aa * bb);
}

}  // namespace

int cut_one_period(std::int16_t* x, int count, const PeriodCutLimits& limits) {
  const int top = std::min(limits.max_lag, count / 2);
  int best = 0;
  double best_likeness = limits.min_likeness;
  for (int lag = std::max(1, limits.min_lag); lag <= top; ++lag) {
    const double c = likeness(x, lag);
    if (c >= best_likeness) {
      best_likeness = c;
      best = lag;
    }
  }
  if (best == 0) return 0;
  for (int i = 0; i < best; ++i) {
    const double w = (i + 0.5) / best;  // 0 -> 1: from the first span to the second
    const double v = x[i] * (1 - w) + x[i + best] * w;
    x[i] = static_cast<std::int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
  }
  std::memmove(x + best, x + 2 * best, static_cast<std::size_t>(count - 2 * best) * sizeof(std::int16_t));
  return best;
}

}  // namespace voixer::core
