// The fan-out benchmark's clock: CLOCK_MONOTONIC in nanoseconds. Every
// process on the host reads the same clock, so the send time written into a
// message can be subtracted from the time it is read.
#pragma once

#include <time.h>

#include <cstdint>

namespace voixer::bench {

inline constexpr std::int64_t kNsPerSec = 1'000'000'000;
inline constexpr std::int64_t kNsPerMs = 1'000'000;

inline std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

}  // namespace voixer::bench
