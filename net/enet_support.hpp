// Small helpers around the ENet C library: one-time initialisation and an
// owning handle for a host. ENet is not thread-safe: each host belongs to
// the thread that services it.
#pragma once

#include <enet/enet.h>

#include <memory>

namespace voixer::net {

// Calls enet_initialize() once per process; throws if it fails.
void ensure_enet();

struct EnetHostDeleter {
  void operator()(ENetHost* h) const { enet_host_destroy(h); }
};
using EnetHostPtr = std::unique_ptr<ENetHost, EnetHostDeleter>;

// ENet drops unreliable packets on purpose when it sees the round trip
// grow (its "packet throttle"). Voice has its own answer to loss (FEC, PLC)
// and a frame dropped by the sender is never better: keep the throttle open.
void keep_unreliable_packets(ENetPeer* peer);

// ENet channels used by Voixer.
inline constexpr std::uint8_t kControlChannel = 0;  // reliable: TALKSESSION and answers
inline constexpr std::uint8_t kVoiceChannel = 1;    // unreliable, unsequenced: voice frames
inline constexpr std::size_t kChannelCount = 2;

}  // namespace voixer::net
