#include "core/failure_limiter.hpp"

#include <algorithm>

namespace voixer::core {

FailureLimiter::Millis FailureLimiter::wait(const std::string& key, Millis now) const {
  auto it = m_entries.find(key);
  if (it == m_entries.end()) return 0;
  return std::max<Millis>(0, it->second.blocked_until - now);
}

void FailureLimiter::failed(const std::string& key, Millis now) {
  if (m_entries.size() >= m_policy.max_entries && !m_entries.count(key)) {
    expire(now);
    if (m_entries.size() >= m_policy.max_entries) {
      // Full of live entries: the one quiet the longest makes room.
      auto oldest = std::min_element(m_entries.begin(), m_entries.end(), [](auto& a, auto& b) {
        return a.second.last_failure < b.second.last_failure;
      });
      m_entries.erase(oldest);
    }
  }
  Entry& e = m_entries[key];
  ++e.failures;
  e.last_failure = now;
  if (e.failures >= m_policy.lockout_after) {
    e.blocked_until = now + m_policy.lockout;
  } else if (e.failures > m_policy.free_failures) {
    int doublings = std::min(e.failures - m_policy.free_failures - 1, 30);
    e.blocked_until = now + std::min(m_policy.max_delay, m_policy.first_delay << doublings);
  }
}

void FailureLimiter::expire(Millis now) {
  std::erase_if(m_entries, [&](const auto& item) {
    const Entry& e = item.second;
    return now >= e.blocked_until && now - e.last_failure >= m_policy.forget_after;
  });
}

}  // namespace voixer::core
