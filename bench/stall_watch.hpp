// StallWatch: notes when the machine itself stalls, so a benchmark can
// tell what its figures owe to the program from what they owe to a
// shared, virtual machine.
//
// A thread at the priority voixer's voice thread asks for (nice -20, as
// root) wakes every millisecond; each wake more than `threshold` late is a
// stall: for that long no thread of that priority could have run, neither
// the voice thread nor the sound server's.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace voixer::bench {

class StallWatch {
 public:
  using Clock = std::chrono::steady_clock;
  struct Stall {
    Clock::time_point at;  // when it ended (the late wake)
    double ms;             // how late the wake was
  };

  explicit StallWatch(double threshold_ms = 4) : m_threshold_ms(threshold_ms) {
    m_thread = std::thread([this] { run(); });
  }
  ~StallWatch() {
    m_running = false;
    m_thread.join();
  }
  StallWatch(const StallWatch&) = delete;
  StallWatch& operator=(const StallWatch&) = delete;

  // The longest stall that ended within [from, to], 0 if none.
  double longest_between(Clock::time_point from, Clock::time_point to) const {
    std::lock_guard lock(m_mutex);
    double longest = 0;
    for (const Stall& s : m_stalls)
      if (s.at >= from && s.at <= to) longest = std::max(longest, s.ms);
    return longest;
  }
  // How many stalls ended within [from, to].
  int count_between(Clock::time_point from, Clock::time_point to) const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(std::count_if(m_stalls.begin(), m_stalls.end(),
                                          [&](const Stall& s) { return s.at >= from && s.at <= to; }));
  }

 private:
  void run() {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), -20);
    const auto tick = std::chrono::milliseconds(1);
    while (m_running) {
      const auto due = Clock::now() + tick;
      std::this_thread::sleep_until(due);
      const auto woke = Clock::now();
      const double late_ms = std::chrono::duration<double, std::milli>(woke - due).count();
      if (late_ms > m_threshold_ms) {
        std::lock_guard lock(m_mutex);
        m_stalls.push_back({woke, late_ms});
      }
    }
  }

  const double m_threshold_ms;
  std::atomic<bool> m_running{true};
  mutable std::mutex m_mutex;
  std::vector<Stall> m_stalls;
  std::thread m_thread;
};

}  // namespace voixer::bench
