// Waiting in tests for something another thread or process does: polls a
// condition every few milliseconds until it holds or a deadline passes, so
// a test waits exactly as long as the event takes, never a guessed sleep.
#pragma once

#include <chrono>
#include <thread>

namespace voixer::test {

// Polls `done` every 5 ms; true once it holds, false after `timeout`.
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace voixer::test
