#include "support/stall_probe.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace voixer::test {

StallProbe::StallProbe(double noted_ms)
    : m_noted_ms(noted_ms), m_thread([this] {
        // What the voice thread asks for (nice -20 as root); refused, it
        // stays at normal priority and sees at least as much.
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), -20);
        constexpr auto kSleep = std::chrono::milliseconds(2);
        while (!m_stop.load()) {
          auto asked = Clock::now() + kSleep;
          std::this_thread::sleep_for(kSleep);
          const auto woke = Clock::now();
          auto late = std::chrono::duration_cast<std::chrono::microseconds>(woke - asked).count();
          if (late > m_longest_us.load()) m_longest_us.store(late);
          if (late / 1000.0 > m_noted_ms) {
            std::lock_guard lock(m_mutex);
            m_stalls.push_back({woke, late / 1000.0});
          }
        }
      }) {}

StallProbe::~StallProbe() {
  m_stop.store(true);
  m_thread.join();
}

int StallProbe::count_between(Clock::time_point from, Clock::time_point to) const {
  std::lock_guard lock(m_mutex);
  return static_cast<int>(std::count_if(m_stalls.begin(), m_stalls.end(),
                                        [&](const Stall& s) { return s.woke >= from && s.woke <= to; }));
}

double StallProbe::longest_between(Clock::time_point from, Clock::time_point to) const {
  std::lock_guard lock(m_mutex);
  double longest = 0;
  for (const Stall& s : m_stalls)
    if (s.woke >= from && s.woke <= to) longest = std::max(longest, s.late_ms);
  return longest;
}

}  // namespace voixer::test
