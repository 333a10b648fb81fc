#include "core/net_sim.hpp"

#include <algorithm>
#include <cstring>

namespace voixer::core {

NetSim::NetSim(NetSimConfig config, std::size_t capacity, std::size_t max_bytes)
    : m_config(config), m_rng(config.seed), m_slots(capacity) {
  for (auto& s : m_slots) s.bytes.resize(max_bytes);
}

void NetSim::put(std::span<const std::uint8_t> packet, std::int64_t now) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (unit(m_rng) < m_config.loss) {
    ++m_dropped;
    return;
  }
  auto due = [&] {
    std::int64_t extra = m_config.jitter_ms > 0
                             ? std::uniform_int_distribution<std::int64_t>(0, m_config.jitter_ms)(m_rng)
                             : 0;
    return now + m_config.delay_ms + extra;
  };
  hold(packet, due());
  if (unit(m_rng) < m_config.duplicate) {
    ++m_duplicated;
    hold(packet, due());
  }
}

void NetSim::hold(std::span<const std::uint8_t> packet, std::int64_t due) {
  for (auto& s : m_slots) {
    if (s.used) continue;
    if (packet.size() > s.bytes.size()) return;  // too big to simulate: dropped
    s.used = true;
    s.due = due;
    s.size = packet.size();
    std::memcpy(s.bytes.data(), packet.data(), packet.size());
    return;
  }
  ++m_dropped;  // full: a real network would drop too
}

}  // namespace voixer::core
