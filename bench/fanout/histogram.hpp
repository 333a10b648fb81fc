#pragma once

#include "bench/fanout/common.hpp"

namespace voixer::bench {

// Latency histogram: 1 us buckets up to 100 ms, then 1 ms buckets up to 100 s, then an overflow
// count; the max is exact. Fixed size, so recording a delivery never allocates.

struct Histogram {
  static constexpr u64 kFine = 100'000;   // 1 us buckets: [0, 100 ms)
  static constexpr u64 kCoarse = 99'900;  // 1 ms buckets: [100 ms, 100 s)
  std::vector<u64> fine = std::vector<u64>(kFine, 0);
  std::vector<u64> coarse = std::vector<u64>(kCoarse, 0);
  u64 overflow = 0;
  u64 count = 0;
  i64 max_ns = 0;

  void add(i64 ns) {
    if (ns < 0) ns = 0;
    u64 us = u64(ns) / 1000;
    if (us < kFine)
      ++fine[us];
    else if (u64 ms = us / 1000 - 100; ms < kCoarse)
      ++coarse[ms];
    else
      ++overflow;
    ++count;
    if (ns > max_ns) max_ns = ns;
  }

  // Bucket midpoint of the q-quantile, in ms (the max if it lies in the overflow range).
  double percentile_ms(double q) const {
    if (count == 0) return 0;
    u64 rank = std::max<u64>(1, u64(std::ceil(q * double(count))));
    u64 seen = 0;
    for (u64 i = 0; i < kFine; ++i)
      if ((seen += fine[i]) >= rank) return (double(i) + 0.5) / 1000.0;
    for (u64 i = 0; i < kCoarse; ++i)
      if ((seen += coarse[i]) >= rank) return double(100 + i) + 0.5;
    return double(max_ns) / 1e6;
  }
};


}  // namespace voixer::bench
