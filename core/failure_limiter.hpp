// Slows down password guessing from one address, across connections: the
// first few failures cost nothing (people mistype), then each one makes the
// next attempt wait twice as long, and after many a lockout follows. A
// success forgets the address's failures; quiet entries are forgotten too,
// and the table has a size bound, so an attacker cannot grow it for ever.
// No clock of its own: time comes in as a parameter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace voixer::core {

class FailureLimiter {
 public:
  using Millis = std::int64_t;
  struct Policy {
    int free_failures = 3;         // failures that cost no wait
    Millis first_delay = 1'000;    // the wait after the first costly failure...
    Millis max_delay = 60'000;     // ...doubling up to this
    int lockout_after = 10;        // this many failures in a row...
    Millis lockout = 600'000;      // ...lock the address out this long
    Millis forget_after = 1'800'000;  // an address quiet this long starts afresh
    std::size_t max_entries = 10'000;
  };

  FailureLimiter() = default;
  explicit FailureLimiter(Policy policy) : m_policy(policy) {}

  // How long `key` must still wait before an attempt of its is heard; 0: now.
  Millis wait(const std::string& key, Millis now) const;
  void failed(const std::string& key, Millis now);
  void succeeded(const std::string& key) { m_entries.erase(key); }
  // Forget entries quiet for Policy::forget_after.
  void expire(Millis now);
  std::size_t size() const { return m_entries.size(); }

 private:
  struct Entry {
    int failures = 0;
    Millis last_failure = 0;
    Millis blocked_until = 0;
  };
  Policy m_policy;
  std::unordered_map<std::string, Entry> m_entries;
};

}  // namespace voixer::core
