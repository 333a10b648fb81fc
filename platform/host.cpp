#include "platform/host.hpp"

#include <unistd.h>

namespace voixer::platform {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0 && name[0]) return name;
  return "voixer";
}

}  // namespace voixer::platform
