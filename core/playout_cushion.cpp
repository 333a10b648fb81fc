#include "core/playout_cushion.hpp"

#include <algorithm>

namespace voixer::core {

PlayoutCushion::PlayoutCushion(int period_samples, int max_samples)
    : m_period(std::max(1, period_samples)),
      m_max(std::max(m_period, max_samples)),
      m_target(m_period) {}

void PlayoutCushion::set_period(int period_samples) {
  m_period = std::max(1, period_samples);
  m_max = std::max(m_max, m_period);
  m_target = std::clamp(m_target, m_period, m_max);
}

int PlayoutCushion::ran_dry(int samples, std::int64_t now_ms) {
  m_calm_since = now_ms;
  if (samples <= 0) return 0;
  int kept = std::min(samples, m_max - m_target);
  m_target += kept;
  return samples - kept;
}

int PlayoutCushion::tick(std::int64_t now_ms) {
  if (m_target <= m_period) {
    m_calm_since = now_ms;
    return 0;
  }
  if (now_ms - m_calm_since < kCalmMs) return 0;
  m_calm_since = now_ms;
  int given = std::min(m_period, m_target - m_period);
  m_target -= given;
  return given;
}

}  // namespace voixer::core
