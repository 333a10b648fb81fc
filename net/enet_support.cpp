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

void keep_unreliable_packets(ENetPeer* peer) {
  enet_peer_throttle_configure(peer, ENET_PEER_PACKET_THROTTLE_INTERVAL,
                               ENET_PEER_PACKET_THROTTLE_SCALE, 0);
}

}  // namespace voixer::net
