// How long this machine held a thread back while a test ran. A thread at
// the voice thread's priority sleeps 2 ms at a time and notes how much
// later than that it woke. A shared virtual machine now and then holds
// every thread back for tens of milliseconds (docs/performance.md), and a
// call's sound has a gap then whatever the program does; the voice tests
// allow a gap that much longer, and say so.
#pragma once

#include <atomic>
#include <thread>

namespace voixer::test {

class StallProbe {
 public:
  StallProbe();
  ~StallProbe();
  StallProbe(const StallProbe&) = delete;
  StallProbe& operator=(const StallProbe&) = delete;

  // The longest wake-up so far later than asked, in milliseconds.
  double longest_ms() const { return m_longest_us.load() / 1000.0; }

 private:
  std::atomic<bool> m_stop{false};
  std::atomic<long> m_longest_us{0};
  std::thread m_thread;
};

}  // namespace voixer::test
