#include "audio/loop_delay.hpp"

#include <algorithm>
#include <cmath>

namespace voixer::audio {

void LoopDelayMeter::Stream::add(const std::int16_t* samples, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    double s = samples[i] / 32768.0;
    sum += s * s;
    if (++count < kBlock) continue;
    // Loudness in dB, floored at -80: silence all alike, speech shaped.
    level[blocks % kHistory] = static_cast<float>(10 * std::log10(sum / kBlock + 1e-8));
    ++blocks;
    sum = 0;
    count = 0;
  }
}

std::optional<double> LoopDelayMeter::estimate() const {
  // A window of captured blocks old enough that their echo may have come.
  constexpr int kWindow = kHistory - kMaxLagBlocks;
  std::uint64_t newest = std::min(m_captured.blocks, m_played.blocks);
  if (newest < static_cast<std::uint64_t>(kHistory)) return std::nullopt;
  std::uint64_t first = newest - kHistory;  // captured window: [first, first + kWindow)
  double mean_c = 0, var_c = 0;
  for (int i = 0; i < kWindow; ++i) mean_c += m_captured.at(first + i);
  mean_c /= kWindow;
  for (int i = 0; i < kWindow; ++i) {
    double d = m_captured.at(first + i) - mean_c;
    var_c += d * d;
  }
  if (var_c / kWindow < 25) return std::nullopt;  // no speech: loudness hardly moves
  double best = 0;
  int best_lag = -1;
  for (int lag = 0; lag < kMaxLagBlocks; ++lag) {
    double mean_p = 0, var_p = 0, cov = 0;
    for (int i = 0; i < kWindow; ++i) mean_p += m_played.at(first + i + lag);
    mean_p /= kWindow;
    for (int i = 0; i < kWindow; ++i) {
      double dc = m_captured.at(first + i) - mean_c, dp = m_played.at(first + i + lag) - mean_p;
      cov += dc * dp;
      var_p += dp * dp;
    }
    if (var_p <= 0) continue;
    double r = cov / std::sqrt(var_c * var_p);
    if (r > best) {
      best = r;
      best_lag = lag;
    }
  }
  if (best_lag < 0 || best < 0.8) return std::nullopt;
  return best_lag * kBlock * 1000.0 / 48000.0;
}

}  // namespace voixer::audio
