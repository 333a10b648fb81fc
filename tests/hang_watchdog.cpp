// A test case that hangs is killed by ctest's timeout with nothing to show
// where it waited. This listener watches every test case: one that runs
// longer than VOIXER_TEST_WATCHDOG_S (240 s unless set, under ctest's 300 s
// and 600 s) gets its name and the stacks of all the process's threads
// printed to stderr, by gdb attached to the process, before ctest kills it.
// It only reports: a slow test that then passes still passes.
#include <doctest/doctest.h>

#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::seconds watchdog_limit() {
  const char* text = std::getenv("VOIXER_TEST_WATCHDOG_S");
  const long seconds = text ? std::strtol(text, nullptr, 10) : 240;
  return std::chrono::seconds(seconds > 0 ? seconds : 240);
}

void print_all_stacks() {
  const std::string pid = std::to_string(getpid());
  const char* argv[] = {"gdb", "-p", pid.c_str(), "-batch", "-nx", "-q",
                        "-ex", "thread apply all bt", nullptr};
  pid_t child = 0;
  // gdb's output goes where ours does: ctest shows it with the failure.
  if (posix_spawnp(&child, "gdb", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
    std::fprintf(stderr, "watchdog: gdb is not installed, no stacks to show\n");
    return;
  }
  int status = 0;
  waitpid(child, &status, 0);
}

class Watchdog {
 public:
  // Never destroyed, its thread never joined: it ends with the process,
  // wherever that exits from.
  Watchdog() : m_limit(watchdog_limit()) {
    // gdb is our child, not our parent: let it attach where Yama restricts ptrace.
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    std::thread([this] { run(); }).detach();
  }

  void arm(std::string test_case) {
    std::lock_guard lock(m_mutex);
    m_test_case = std::move(test_case);
    m_deadline = Clock::now() + m_limit;
    m_armed = true;
    m_wake.notify_one();
  }

  void disarm() {
    std::lock_guard lock(m_mutex);
    m_armed = false;
  }

 private:
  void run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
      if (!m_armed) {
        m_wake.wait(lock);
        continue;
      }
      const auto deadline = m_deadline;
      if (m_wake.wait_until(lock, deadline) == std::cv_status::no_timeout) continue;
      if (!m_armed || m_deadline != deadline) continue;
      m_armed = false;  // once per test case
      const std::string name = m_test_case;
      lock.unlock();
      std::fprintf(stderr, "watchdog: \"%s\" has run for %lld s; the stacks of every thread:\n",
                   name.c_str(), static_cast<long long>(m_limit.count()));
      std::fflush(stderr);
      print_all_stacks();
      lock.lock();
    }
  }

  const std::chrono::seconds m_limit;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::string m_test_case;
  Clock::time_point m_deadline;
  bool m_armed = false;
};

// Started with the first test case, not when the program loads: listing
// the tests (ctest's discovery) starts no thread.
Watchdog& watchdog() {
  static Watchdog* instance = new Watchdog;
  return *instance;
}

struct HangWatchdog : doctest::IReporter {
  explicit HangWatchdog(const doctest::ContextOptions&) {}
  void test_case_start(const doctest::TestCaseData& tc) override { watchdog().arm(tc.m_name); }
  void test_case_end(const doctest::CurrentTestCaseStats&) override { watchdog().disarm(); }
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("hang_watchdog", 1, HangWatchdog);
