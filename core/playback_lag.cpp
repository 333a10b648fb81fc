#include "core/playback_lag.hpp"

#include <algorithm>

namespace voixer::core {

PlaybackLag::PlaybackLag(int sample_rate, int tolerance_samples, std::int64_t window_us)
    : m_rate(std::max(1, sample_rate)),
      m_tolerance(std::max(0, tolerance_samples)),
      m_window_us(std::max<std::int64_t>(1, window_us)) {}

void PlaybackLag::reset() {
  m_started = false;
  m_have_floor = false;
  m_window_has = false;
  m_have_risen = false;
  m_have_fallen = false;
  m_large = false;
}

int PlaybackLag::observe(std::int64_t now_us, std::uint64_t consumed) {
  if (!m_started) {
    m_started = true;
    m_t0 = now_us;
    m_c0 = consumed;
    m_window_start = now_us;
    return 0;
  }
  const std::int64_t due = (now_us - m_t0) * m_rate / 1'000'000;
  const std::int64_t lag = due - static_cast<std::int64_t>(consumed - m_c0);
  m_window_min = m_window_has ? std::min(m_window_min, lag) : lag;
  m_window_has = true;
  if (m_have_floor) {
    if (int rise = large_rise(now_us, lag)) return rise;
  }
  if (now_us - m_window_start < m_window_us) return 0;

  const std::int64_t low = m_window_min;
  m_window_start = now_us;
  m_window_has = false;
  if (!m_have_floor) {
    // The first second: the device fills its own buffer. Until it has,
    // the floor would count that fill as running ahead.
    if (now_us - m_t0 < 4 * m_window_us) return 0;
    m_have_floor = true;
    m_floor = low;
    return 0;
  }
  if (low < m_floor) {
    m_have_risen = false;
    if (m_floor - low < m_tolerance) {
      m_floor = low;
      return 0;
    }
    // Far ahead: a device that took a burst and then plays it out comes
    // back within a window, and must not leave a floor it would seem to
    // rise from. Only ahead in two windows is a new floor.
    if (m_have_fallen) {
      m_have_fallen = false;
      m_floor = std::max(low, m_fallen);
    } else {
      m_have_fallen = true;
      m_fallen = low;
    }
    return 0;
  }
  m_have_fallen = false;
  if (low - m_floor < m_tolerance) {
    m_have_risen = false;
    return 0;
  }
  if (!m_have_risen) {  // wait for the next window to say it lasts
    m_have_risen = true;
    m_risen = low;
    return 0;
  }
  m_have_risen = false;
  const std::int64_t rise = std::min(low, m_risen) - m_floor;
  if (rise > m_rate / 5) {
    // Over 200 ms: not a late callback but a device that stopped or was
    // opened again, which the engine's owner handles; learn anew.
    reset();
    return 0;
  }
  m_floor += rise;
  return static_cast<int>(rise);
}

int PlaybackLag::large_rise(std::int64_t now_us, std::int64_t lag) {
  if (lag - m_floor < static_cast<std::int64_t>(kLargeRiseMs) * m_rate / 1000) {
    m_large = false;
    return 0;
  }
  if (!m_large) {
    m_large = true;
    m_large_since = now_us;
    m_large_min = lag;
    return 0;
  }
  m_large_min = std::min(m_large_min, lag);
  if (now_us - m_large_since < kLargeRiseHoldUs) return 0;
  m_large = false;
  const std::int64_t rise = m_large_min - m_floor;
  if (rise > m_rate / 5) return 0;  // a device stopped: the windows below learn anew
  m_floor += rise;
  // The window so far holds values from before the rise: start it afresh.
  m_window_start = now_us;
  m_window_has = false;
  m_have_risen = false;
  m_have_fallen = false;
  return static_cast<int>(rise);
}

}  // namespace voixer::core
