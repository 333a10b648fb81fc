// The network simulator: drops, delays, reorders and duplicates as asked.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/net_sim.hpp"

using namespace voixer::core;

TEST_CASE("the simulator drops about the asked share and delays the rest") {
  NetSim sim({.loss = 0.2, .delay_ms = 30, .jitter_ms = 0, .duplicate = 0, .seed = 7});
  int delivered = 0;
  for (int i = 0; i < 1000; ++i) {
    std::uint8_t b = static_cast<std::uint8_t>(i);
    sim.put(std::span(&b, 1), i);
    sim.release(i, [&](auto) { ++delivered; });
  }
  int late = 0;
  sim.release(2000, [&](auto) { ++late; });
  CHECK(delivered + late + static_cast<int>(sim.dropped()) == 1000);
  CHECK(sim.dropped() > 150);
  CHECK(sim.dropped() < 250);
  // Those put in the last 30 ms (less the dropped ones) were still held.
  CHECK(late <= 30);
  CHECK(late >= 15);
}

TEST_CASE("jitter reorders packets and duplicates repeat them") {
  NetSim sim({.loss = 0, .delay_ms = 0, .jitter_ms = 50, .duplicate = 0.1, .seed = 3});
  std::vector<int> order;
  for (int i = 0; i < 200; ++i) {
    std::uint8_t b = static_cast<std::uint8_t>(i);
    sim.put(std::span(&b, 1), i * 20 / 10);  // a packet every 2 ms
    sim.release(i * 2, [&](auto p) { order.push_back(p[0]); });
  }
  sim.release(100000, [&](auto p) { order.push_back(p[0]); });
  CHECK(order.size() == 200 + sim.duplicated());
  CHECK(sim.duplicated() > 5);
  CHECK_FALSE(std::is_sorted(order.begin(), order.end()));
}
