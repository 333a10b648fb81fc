#include "core/playout_slack.hpp"

#include <algorithm>

namespace voixer::core {

PlayoutSlack::PlayoutSlack(std::int64_t window_ms, int min_frames, int margin_ms)
    : m_window_ms(window_ms), m_min_frames(std::max(1, min_frames)), m_margin_ms(std::max(0, margin_ms)) {}

void PlayoutSlack::late() { m_missed = true; }

void PlayoutSlack::played(std::int64_t slack_ms) {
  slack_ms = std::max<std::int64_t>(slack_ms, 0);
  m_least = m_frames == 0 ? slack_ms : std::min(m_least, slack_ms);
  ++m_frames;
}

void PlayoutSlack::restart(std::int64_t now_ms) {
  m_start = now_ms;
  m_frames = 0;
  m_missed = false;
}

int PlayoutSlack::excess(std::int64_t now_ms, int keep_ms) {
  if (now_ms - m_start < m_window_ms || m_frames < m_min_frames) return 0;
  std::int64_t over = m_missed ? 0 : m_least - m_margin_ms - std::max(0, keep_ms);
  restart(now_ms);
  return over > 0 ? static_cast<int>(over) : 0;
}

}  // namespace voixer::core
