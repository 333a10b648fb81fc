// How long this machine held a thread back while a test ran. A thread at
// the voice thread's priority sleeps 2 ms at a time and notes how much
// later than that it woke. A shared virtual machine now and then holds
// every thread back for tens of milliseconds (docs/performance.md), and a
// call's sound has a gap then whatever the program does; the voice tests
// allow a gap that much longer, and say so. Wake-ups late by more than a
// few milliseconds are kept with their time, so a benchmark can tell which
// of its measurements a stall fell in (bench/sound_server_latency).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace voixer::test {

class StallProbe {
 public:
  using Clock = std::chrono::steady_clock;

  // Wake-ups later than `noted_ms` are stalls, kept with their time.
  explicit StallProbe(double noted_ms = 4);
  ~StallProbe();
  StallProbe(const StallProbe&) = delete;
  StallProbe& operator=(const StallProbe&) = delete;

  // The longest wake-up so far later than asked, in milliseconds.
  double longest_ms() const { return m_longest_us.load() / 1000.0; }

  // The stalls that ended within [from, to]: how many, and the longest (0
  // if none), in milliseconds.
  int count_between(Clock::time_point from, Clock::time_point to) const;
  double longest_between(Clock::time_point from, Clock::time_point to) const;

 private:
  struct Stall {
    Clock::time_point woke;
    double late_ms;
  };
  const double m_noted_ms;
  std::atomic<bool> m_stop{false};
  std::atomic<long> m_longest_us{0};
  mutable std::mutex m_mutex;
  std::vector<Stall> m_stalls;
  std::thread m_thread;
};

}  // namespace voixer::test
