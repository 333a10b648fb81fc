#include "support/stall_probe.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

namespace voixer::test {

StallProbe::StallProbe()
    : m_thread([this] {
        // What the voice thread asks for (nice -20 as root); refused, it
        // stays at normal priority and sees at least as much.
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), -20);
        using Clock = std::chrono::steady_clock;
        constexpr auto kSleep = std::chrono::milliseconds(2);
        while (!m_stop.load()) {
          auto asked = Clock::now() + kSleep;
          std::this_thread::sleep_for(kSleep);
          auto late = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - asked).count();
          if (late > m_longest_us.load()) m_longest_us.store(late);
        }
      }) {}

StallProbe::~StallProbe() {
  m_stop.store(true);
  m_thread.join();
}

}  // namespace voixer::test
