#include "net/enet_support.hpp"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace voixer::net {

void ensure_enet() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    ok = enet_initialize() == 0;
    if (ok) std::atexit(enet_deinitialize);
  });
  if (!ok) throw std::runtime_error("ENet failed to initialise");
}

}  // namespace voixer::net
