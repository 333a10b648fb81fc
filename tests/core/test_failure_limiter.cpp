// The password-guessing brake on its own: free mistakes, doubling waits,
// lockout, forgiveness after success or quiet, and a bounded table.
#include <doctest/doctest.h>

#include "core/failure_limiter.hpp"

using voixer::core::FailureLimiter;

TEST_CASE("failures: three free, then waits doubling from 1 s to the cap, then a lockout") {
  FailureLimiter f;
  FailureLimiter::Millis now = 0;
  for (int i = 0; i < 3; ++i) {
    f.failed("a", now);
    CHECK(f.wait("a", now) == 0);
  }
  for (FailureLimiter::Millis expected : {1000, 2000, 4000, 8000, 16000, 32000}) {
    f.failed("a", now);
    CHECK(f.wait("a", now) == expected);
    now += expected;
    CHECK(f.wait("a", now) == 0);
  }
  f.failed("a", now);  // the tenth
  CHECK(f.wait("a", now) == 600'000);
  CHECK(f.wait("b", now) == 0);  // others are not affected
  f.succeeded("a");
  CHECK(f.wait("a", now) == 0);
}

TEST_CASE("the wait is capped, quiet entries are forgotten, the table is bounded") {
  FailureLimiter::Policy p;
  p.lockout_after = 100;
  p.max_entries = 3;
  FailureLimiter f(p);
  for (int i = 0; i < 40; ++i) f.failed("a", 0);
  CHECK(f.wait("a", 0) == p.max_delay);
  f.failed("b", 1);
  f.failed("c", 2);
  f.failed("d", 3);  // full: the entry quiet the longest ("a") gives way
  CHECK(f.size() == 3);
  CHECK(f.wait("a", 3) == 0);
  f.expire(3 + p.forget_after);
  CHECK(f.size() == 0);
}
