// One client engine and its owner's thread, as a face runs it, for tests
// against real servers on loopback.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "client/client_engine.hpp"

namespace voixer::test {

using client::ClientEngine;
using client::ClientEvent;

// One engine and its owner's thread, as a face runs it: woken by the
// network thread, then pump().
struct Driven {
  std::mutex m;
  std::condition_variable cv;
  bool woken = false;
  std::vector<ClientEvent> events;  // everything pump() returned
  ClientEngine engine;

  explicit Driven(client::EngineOptions options = text_only())
      : engine(std::move(options), [this] {
          {
            std::lock_guard l(m);
            woken = true;
          }
          cv.notify_all();
        }) {}

  static client::EngineOptions text_only() {
    client::EngineOptions o;
    o.voice = false;
    return o;
  }

  // Pumps until `done` holds; false after `timeout_ms`.
  template <class F>
  bool until(F done, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto got = engine.pump();
      events.insert(events.end(), got.begin(), got.end());
      if (done()) return true;
      std::unique_lock l(m);
      // Wake at least every 50 ms: the sound is polled, not pushed.
      cv.wait_for(l, std::chrono::milliseconds(50), [&] { return woken; });
      woken = false;
      if (std::chrono::steady_clock::now() > deadline) return false;
    }
  }
  bool connected() { return engine.model().phase() == core::ConnectionPhase::Connected; }
  int count(ClientEvent::Kind kind) {
    return static_cast<int>(std::count_if(events.begin(), events.end(),
                                          [&](const ClientEvent& e) { return e.kind == kind; }));
  }
  bool saw_line(const std::string& line) {
    return std::any_of(events.begin(), events.end(), [&](const ClientEvent& e) {
      return e.kind == ClientEvent::Kind::ServerLine && e.text == line;
    });
  }
};

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("voixer-engine-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

}  // namespace voixer::test
