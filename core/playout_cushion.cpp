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

void PlayoutCushion::held_up(int samples, std::int64_t now_ms) {
  if (samples <= m_max + m_period) return;  // a cushion covers that
  m_stalled = true;
  m_stalled_at = now_ms;
}

int PlayoutCushion::ran_dry(int samples, std::int64_t now_ms) {
  if (in_stall(now_ms)) return std::max(samples, 0);
  m_calm_since = now_ms;
  if (samples <= 0) return 0;
  const bool recurs = m_dried && now_ms - m_last_dry < kRecurMs;
  m_calm_needed = recurs ? std::min(2 * m_calm_needed, kLongestCalmMs) : kShortCalmMs;
  m_dried = true;
  m_last_dry = now_ms;
  int kept = std::min(samples, m_max - m_target);
  m_target += kept;
  return samples - kept;
}

int PlayoutCushion::tick(std::int64_t now_ms) {
  if (m_target <= m_period) {
    m_calm_since = now_ms;
    return 0;
  }
  if (now_ms - m_calm_since < m_calm_needed) return 0;
  // The next period goes a step later, unless a gap comes first.
  m_calm_since = now_ms - m_calm_needed + kStepMs;
  int given = std::min(m_period, m_target - m_period);
  m_target -= given;
  return given;
}

}  // namespace voixer::core
