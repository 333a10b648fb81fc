// The echo canceller's bookkeeping of its reference (what the speakers
// played): a capture frame never waits for it; the reference kept ahead is
// bounded, the newest kept. On simulated time.
#include <doctest/doctest.h>

#include <vector>

#include "audio/echo_canceller.hpp"

using voixer::audio::EchoCanceller;

TEST_CASE("echo canceller: a capture frame never waits: silence stands in for missing reference, then it is paired behind a cushion") {
  EchoCanceller echo;
  const std::size_t n = 960;
  CHECK(echo.reference_waiting() == EchoCanceller::kCushionSamples);  // silence to start with
  std::vector<std::int16_t> played(n - EchoCanceller::kCushionSamples, 100);
  echo.add_played(played.data(), played.size());
  std::vector<std::int16_t> frame(n, 0);
  CHECK(echo.process(frame.data(), n));  // the speakers played something
  CHECK(echo.reference_waiting() == 0);
  CHECK(echo.repairings() == 0);
  // The speakers' callback is late: the frame goes through at once,
  // against silence, and nothing is owed.
  CHECK_FALSE(echo.process(frame.data(), n));
  CHECK(echo.reference_waiting() == 0);
  // What comes late is paired behind a new cushion.
  echo.add_played(played.data(), 120);
  CHECK(echo.repairings() == 1);
  CHECK(echo.reference_waiting() == EchoCanceller::kCushionSamples + 120);
  echo.add_played(played.data(), 120);  // only once
  CHECK(echo.repairings() == 1);
  CHECK(echo.reference_waiting() == EchoCanceller::kCushionSamples + 240);
}

TEST_CASE("echo canceller: reference far ahead of the microphone is dropped, oldest first") {
  EchoCanceller echo;
  std::vector<std::int16_t> old_part(EchoCanceller::kMaxLeadSamples, 0);
  std::vector<std::int16_t> new_part(EchoCanceller::kFrameSamples, 1000);
  echo.add_played(old_part.data(), old_part.size());
  echo.add_played(new_part.data(), new_part.size());
  const std::size_t all = EchoCanceller::kCushionSamples + old_part.size() + new_part.size();
  CHECK(echo.reference_waiting() == all);
  // What captured samples still waiting need is kept, however much.
  echo.bound_lead(3000);
  CHECK(echo.reference_waiting() == all);
  echo.bound_lead(100);
  CHECK(echo.reference_waiting() == 100 + EchoCanceller::kMaxLeadSamples);
  echo.bound_lead(0);
  CHECK(echo.reference_waiting() == EchoCanceller::kMaxLeadSamples);
  // The silent part left is what gets consumed first, the loud part last.
  std::vector<std::int16_t> frame(EchoCanceller::kFrameSamples, 0);
  std::size_t silent_frames = 0;
  while (echo.reference_waiting() > 0 && !echo.process(frame.data(), frame.size())) ++silent_frames;
  CHECK(silent_frames == EchoCanceller::kMaxLeadSamples / EchoCanceller::kFrameSamples - 1);
}
