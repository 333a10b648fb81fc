#include "platform/host.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace voixer::platform {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0 && name[0]) return name;
  return "voixer";
}

std::size_t raise_open_files_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(-1)
                                      : static_cast<std::size_t>(rl.rlim_cur);
}

}  // namespace voixer::platform
