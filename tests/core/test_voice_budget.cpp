// The per-member voice budget and the audio time of an Opus packet, which
// is what each frame costs from it.
#include <doctest/doctest.h>

#include <vector>

#include "core/voice_budget.hpp"
#include "core/voice_frame.hpp"

using namespace voixer::core;

TEST_CASE("an Opus packet's audio time comes from its TOC byte") {
  auto us = [](std::vector<std::uint8_t> p) { return opus_packet_duration_us(p); };
  CHECK(us({0x08}) == 20'000);         // SILK, config 1: 20 ms, one frame
  CHECK(us({0x00}) == 10'000);         // SILK, config 0: 10 ms
  CHECK(us({0x18}) == 60'000);         // SILK, config 3: 60 ms
  CHECK(us({0x68}) == 20'000);         // hybrid, config 13: 20 ms
  CHECK(us({0xF8}) == 20'000);         // CELT, config 31: 20 ms
  CHECK(us({0x80}) == 2'500);          // CELT, config 16: 2.5 ms
  CHECK(us({0x09}) == 40'000);         // two 20 ms frames
  CHECK(us({0x0B, 0x03}) == 60'000);   // code 3: three 20 ms frames
  CHECK(us({0x0B}) == 0);              // code 3 without its count byte
  CHECK(us({}) == 0);
}

TEST_CASE("the voice budget lets a talker through and cuts a flood to about one voice") {
  VoiceBudget b;
  std::int64_t now = 0;
  // Real time: one 20 ms frame every 20 ms, for a minute, all pass.
  for (int i = 0; i < 3000; ++i, now += 20'000) CHECK(b.spend(20'000, now));
  // Clumped by the network: five frames at once after a 100 ms stall pass too.
  now += 100'000;
  for (int i = 0; i < 5; ++i) CHECK(b.spend(20'000, now));
  // A flood: 1,000 frames in one instant; only the 0.2 s burst passes.
  now += 1'000'000;
  int passed = 0;
  for (int i = 0; i < 1000; ++i) passed += b.spend(20'000, now);
  CHECK(passed == 10);
  // Then 1.25 s of audio per second at most.
  passed = 0;
  for (int i = 0; i < 1000; ++i, now += 1'000) passed += b.spend(20'000, now);
  CHECK(passed == 62);  // 1 s at 1.25x of 20 ms frames
}
