// A network impairment simulator for the voice receive path: drops, delays
// with random jitter (which also reorders), and duplicates packets, from a
// seeded generator so a run can be repeated. Used by tests and by
// `voixer cli --sim-*` to show how calls hold up on a bad network.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace voixer::core {

struct NetSimConfig {
  double loss = 0;        // probability a packet is dropped, 0..1
  std::int64_t delay_ms = 0;   // fixed extra delay
  std::int64_t jitter_ms = 0;  // plus a uniform random delay in [0, jitter]
  double duplicate = 0;   // probability a packet is delivered twice
  std::uint64_t seed = 1;
  bool active() const { return loss > 0 || delay_ms > 0 || jitter_ms > 0 || duplicate > 0; }
};

class NetSim {
 public:
  explicit NetSim(NetSimConfig config, std::size_t capacity = 1024, std::size_t max_bytes = 1500);

  // A packet arrives at `now`; it is dropped, or held until its time.
  void put(std::span<const std::uint8_t> packet, std::int64_t now);
  // Hands every packet whose time has come to `deliver`, earliest first.
  template <class F>
  void release(std::int64_t now, F&& deliver) {
    for (;;) {
      std::size_t best = kNone;
      for (std::size_t i = 0; i < m_slots.size(); ++i)
        if (m_slots[i].used && m_slots[i].due <= now &&
            (best == kNone || m_slots[i].due < m_slots[best].due))
          best = i;
      if (best == kNone) return;
      Slot& s = m_slots[best];
      s.used = false;
      deliver(std::span<const std::uint8_t>(s.bytes.data(), s.size));
    }
  }
  std::uint64_t dropped() const { return m_dropped; }
  std::uint64_t duplicated() const { return m_duplicated; }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  struct Slot {
    bool used = false;
    std::int64_t due = 0;
    std::size_t size = 0;
    std::vector<std::uint8_t> bytes;
  };
  void hold(std::span<const std::uint8_t> packet, std::int64_t due);

  NetSimConfig m_config;
  std::mt19937_64 m_rng;
  std::vector<Slot> m_slots;
  std::uint64_t m_dropped = 0, m_duplicated = 0;
};

}  // namespace voixer::core
