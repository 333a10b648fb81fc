// What the fan-out benchmark's files share: integer types, the monotonic
// clock, the limits of its load loop, and its two kinds of failure (a
// usage error exits 2, anything else 1).
#pragma once


#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace voixer::bench {

using i64 = std::int64_t;
using u64 = std::uint64_t;

inline constexpr i64 kNsPerSec = 1'000'000'000;
inline constexpr size_t kReadSize = 64 * 1024;  // bytes per read() call
inline constexpr size_t kMaxLine = 64 * 1024;   // longer partial lines are dropped
// Rate mode: stop queueing for a sender whose socket is this far backed up. Messages are stamped
// when queued, so a small cap keeps the bench's own queue out of the latency; the rest of the
// backlog stays in the schedule and shows up as "messages/s below target".
inline constexpr size_t kMaxSendBacklog = 64 * 1024;
inline constexpr int kMaxPendingConnects =
    100;  // TCP connects not yet ACCEPTed, to spare the listen backlog
inline constexpr i64 kWindowStallNs =
    2 * kNsPerSec;  // flat-out: treat a stuck window as lost after this
inline constexpr int kMaxPrintedErrors = 5;
inline constexpr u64 kTimerTag = std::numeric_limits<u64>::max();

inline i64 now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return i64(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

// Setup failures and server death: reported as one line on stderr, exit status 1.
struct FatalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace voixer::bench
