// The fan-out benchmark's latency histogram: 1 us buckets up to 100 ms, then
// 1 ms buckets up to 100 s, then an overflow count; the maximum is exact.
// Its size is fixed, so recording a delivery never allocates.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace voixer::bench {

class Histogram {
 public:
  // Records one latency.
  void add(std::int64_t ns) {
    if (ns < 0) ns = 0;
    const auto us = static_cast<std::uint64_t>(ns) / 1000;
    if (us < kFine)
      ++m_fine[us];
    else if (const std::uint64_t ms = us / 1000 - 100; ms < kCoarse)
      ++m_coarse[ms];
    else
      ++m_overflow;
    ++m_count;
    m_max_ns = std::max(m_max_ns, ns);
  }

  std::uint64_t count() const { return m_count; }
  double max_ms() const { return static_cast<double>(m_max_ns) / 1e6; }

  // The bucket midpoint of the q-quantile in ms (the max if it lies in the
  // overflow range); 0 when nothing was recorded.
  double percentile_ms(double q) const {
    if (m_count == 0) return 0;
    const std::uint64_t rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(m_count))));
    std::uint64_t seen = 0;
    for (std::uint64_t i = 0; i < kFine; ++i)
      if ((seen += m_fine[i]) >= rank) return (static_cast<double>(i) + 0.5) / 1000.0;
    for (std::uint64_t i = 0; i < kCoarse; ++i)
      if ((seen += m_coarse[i]) >= rank) return static_cast<double>(100 + i) + 0.5;
    return max_ms();
  }

 private:
  static constexpr std::uint64_t kFine = 100'000;   // 1 us buckets: [0, 100 ms)
  static constexpr std::uint64_t kCoarse = 99'900;  // 1 ms buckets: [100 ms, 100 s)
  std::vector<std::uint64_t> m_fine = std::vector<std::uint64_t>(kFine, 0);
  std::vector<std::uint64_t> m_coarse = std::vector<std::uint64_t>(kCoarse, 0);
  std::uint64_t m_overflow = 0;
  std::uint64_t m_count = 0;
  std::int64_t m_max_ns = 0;
};

}  // namespace voixer::bench
