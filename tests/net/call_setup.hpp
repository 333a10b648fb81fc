// Setting up a call over the text protocol with test clients, for the
// voice tests: the key in an offer, alice calling bob, the relay's counts.
#pragma once

#include <string>
#include <utility>

#include "net/running_server.hpp"
#include "net/test_client.hpp"

namespace voixer::test {

// The key in "TALK <nick> <key>: REQUEST".
inline std::string offer_key(const std::string& line) {
  auto second_space = line.find(' ', 5);
  return line.substr(second_space + 1, line.find(':') - second_space - 1);
}

// alice calls bob and bob accepts; returns their keys. Both must have
// read everything sent to them before (sync()).
inline std::pair<std::string, std::string> call(TestClient& alice, TestClient& bob) {
  alice.send("TALK bob: REQUEST");
  std::string ka = offer_key(alice.next_line().value_or(""));
  std::string kb = offer_key(bob.next_line().value_or(""));
  bob.send("TALK " + kb + ": ACCEPT");
  alice.until("TALKMEMBERS " + ka + ": alice, bob");
  bob.until("TALKMEMBERS " + kb + ": alice, bob");
  return {ka, kb};
}

inline net::VoiceStats voice_stats(RunningServer& s) {
  return on_server_thread(s, [&] { return *s.server->voice_stats(); });
}

}  // namespace voixer::test
