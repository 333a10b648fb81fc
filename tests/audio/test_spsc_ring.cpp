// SpscRing: bounded push/pop, wraparound keeps order and content, clearing,
// and two threads moving 10 M values through it in order.
#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "audio/spsc_ring.hpp"

using voixer::audio::SpscRing;

TEST_CASE("SpscRing starts empty and pop on empty returns nothing") {
  SpscRing<int> ring(8);
  CHECK(ring.capacity() == 8);
  CHECK(ring.size() == 0);
  int out[4] = {-1, -1, -1, -1};
  CHECK(ring.pop(out, 4) == 0);
  CHECK(out[0] == -1);
}

TEST_CASE("SpscRing push stops at capacity and reports how many fitted") {
  SpscRing<int> ring(5);
  const int in[7] = {1, 2, 3, 4, 5, 6, 7};
  CHECK(ring.push(in, 3) == 3);
  CHECK(ring.push(in + 3, 4) == 2);  // only 2 slots left
  CHECK(ring.size() == 5);
  CHECK(ring.push(in, 1) == 0);  // full
  int out[7] = {};
  CHECK(ring.pop(out, 7) == 5);
  CHECK(std::vector<int>(out, out + 5) == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(ring.size() == 0);
}

TEST_CASE("SpscRing keeps order across wraparound with odd sizes") {
  // Capacity 7 is not a power of two and 3/5-sized steps hit every split point.
  SpscRing<std::uint32_t> ring(7);
  std::uint32_t next_in = 0, next_out = 0;
  for (int round = 0; round < 10000; ++round) {
    std::uint32_t in[5];
    for (auto& v : in) v = next_in++;
    const std::size_t pushed = ring.push(in, 5);
    next_in -= static_cast<std::uint32_t>(5 - pushed);  // what did not fit is offered again
    std::uint32_t out[3];
    const std::size_t popped = ring.pop(out, 3);
    REQUIRE(popped == 3);  // 5 offered, 3 taken: the ring is never empty here
    for (std::size_t i = 0; i < popped; ++i) REQUIRE(out[i] == next_out++);
    REQUIRE(ring.size() == next_in - next_out);
  }
  std::uint32_t out[7];
  const std::size_t rest = ring.pop(out, 7);
  for (std::size_t i = 0; i < rest; ++i) CHECK(out[i] == next_out++);
  CHECK(next_out == next_in);
  CHECK(next_out == 10000 * 3 + 4);  // every round moved 3, and 4 were left
}

TEST_CASE("SpscRing full then empty repeatedly, across the wrap of its positions") {
  SpscRing<std::int16_t> ring(3);
  for (int i = 0; i < 20; ++i) {
    const std::int16_t in[3] = {static_cast<std::int16_t>(i), 100, -100};
    REQUIRE(ring.push(in, 3) == 3);
    REQUIRE(ring.size() == 3);
    std::int16_t out[3];
    REQUIRE(ring.pop(out, 3) == 3);
    CHECK(out[0] == i);
    CHECK(out[2] == -100);
    REQUIRE(ring.size() == 0);
  }
}

TEST_CASE("SpscRing clear_from_consumer discards what is readable, then works on") {
  SpscRing<int> ring(4);
  const int in[3] = {1, 2, 3};
  ring.push(in, 3);
  ring.clear_from_consumer();
  CHECK(ring.size() == 0);
  int out[4];
  CHECK(ring.pop(out, 4) == 0);
  CHECK(ring.push(in, 3) == 3);  // all four slots free again (one was never used)
  CHECK(ring.push(in, 3) == 1);
  CHECK(ring.pop(out, 4) == 4);
  CHECK(std::vector<int>(out, out + 4) == std::vector<int>{1, 2, 3, 1});
}

TEST_CASE("SpscRing carries trivially copyable structs") {
  struct Frame {
    std::uint16_t seq;
    float level;
  };
  SpscRing<Frame> ring(2);
  const Frame in[2] = {{7, 0.5f}, {8, 0.25f}};
  CHECK(ring.push(in, 2) == 2);
  Frame out[2];
  CHECK(ring.pop(out, 2) == 2);
  CHECK(out[1].seq == 8);
  CHECK(out[1].level == 0.25f);
}

TEST_CASE("SpscRing of capacity 0 accepts nothing and does not crash") {
  SpscRing<int> ring(0);
  int v = 1;
  CHECK(ring.push(&v, 1) == 0);
  CHECK(ring.pop(&v, 1) == 0);
  CHECK(ring.size() == 0);
}

TEST_CASE("SpscRing moves 10 M values between two threads in order") {
  constexpr std::uint64_t kCount = 10'000'000;
  SpscRing<std::uint64_t> ring(1000);  // small, so both full and empty happen often
  std::thread producer([&ring] {
    std::uint64_t buf[97];
    std::uint64_t next = 0;
    std::size_t chunk = 1;
    while (next < kCount) {
      chunk = chunk % 97 + 1;  // vary the sizes: 1..97
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, kCount - next));
      for (std::size_t i = 0; i < n; ++i) buf[i] = next + i;
      const std::size_t pushed = ring.push(buf, n);
      next += pushed;
      if (pushed == 0) std::this_thread::yield();
    }
  });
  std::uint64_t expected = 0, mismatches = 0;
  std::uint64_t buf[64];
  std::size_t chunk = 1;
  while (expected < kCount) {
    chunk = chunk % 64 + 1;
    const std::size_t n = ring.pop(buf, chunk);
    for (std::size_t i = 0; i < n; ++i) mismatches += buf[i] != expected++;
    if (n == 0) std::this_thread::yield();
  }
  producer.join();
  CHECK(mismatches == 0);
  CHECK(expected == kCount);
  CHECK(ring.size() == 0);
}
