#include "core/playout_slack.hpp"

#include <algorithm>

namespace voixer::core {

PlayoutSlack::PlayoutSlack(std::int64_t window_ms, std::int64_t short_ms, int min_frames,
                           int margin_ms)
    : m_window_ms(window_ms),
      m_short_ms(short_ms),
      m_min_frames(std::max(1, min_frames)),
      m_margin_ms(std::max(0, margin_ms)) {}

void PlayoutSlack::played(std::int64_t slack_ms) {
  slack_ms = std::max<std::int64_t>(slack_ms, 0);
  m_least = m_frames == 0 ? slack_ms : std::min(m_least, slack_ms);
  ++m_frames;
}

void PlayoutSlack::late(std::int64_t now_ms) {
  if (m_late_window) {
    m_before_late = -1;  // lateness that recurs: the margin applies
  } else {
    m_before_late = m_frames > 0 ? m_least : m_last_least;
  }
  start(now_ms, true);
  m_late_window = true;
}

void PlayoutSlack::restart(std::int64_t now_ms) {
  m_late_window = false;
  m_before_late = -1;
  start(now_ms, false);
}

void PlayoutSlack::start(std::int64_t now_ms, bool short_window) {
  m_start = now_ms;
  m_frames = 0;
  m_short = short_window;
}

int PlayoutSlack::excess(std::int64_t now_ms, int keep_ms) {
  const std::int64_t window = m_short ? m_short_ms : m_window_ms;
  if (now_ms - m_start < window || m_frames < m_min_frames) return 0;
  std::int64_t margin = m_margin_ms;
  if (m_late_window && m_before_late >= 0) margin = std::min(margin, m_before_late);
  const std::int64_t beyond_margin = m_least - margin;
  const std::int64_t over = beyond_margin - std::max(0, keep_ms);
  m_last_least = m_least;
  restart(now_ms);
  if (over <= 0 && beyond_margin > 0) start(now_ms, true);  // kept only for the caller
  return over > 0 ? static_cast<int>(over) : 0;
}

}  // namespace voixer::core
