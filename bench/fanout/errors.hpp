// The fan-out benchmark's two kinds of failure: a usage error (exit status
// 2) and anything else that stops the run, a setup failure or the server's
// death (exit status 1). Each is reported as one line on stderr.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace voixer::bench {

struct FatalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "<what>: <strerror(errno)>".
inline std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace voixer::bench
