// How much voice one member may send: a budget of audio time that fills a
// little faster than real time and holds a short burst, so a talker's
// frames always pass (even when the network clumps them) while a flood of
// frames is cut to about the rate of one voice. Frames cost the audio time
// they carry, so 10 ms and 20 ms frames are treated alike.
// No clock of its own: time comes in as microseconds.
#pragma once

#include <algorithm>
#include <cstdint>

namespace voixer::core {

class VoiceBudget {
 public:
  static constexpr std::int64_t kBurstUs = 200'000;  // 0.2 s of voice at once
  static constexpr double kRate = 1.25;              // audio seconds per second

  // Spends `cost_us` of audio time at `now_us` if the budget has it.
  bool spend(std::int64_t cost_us, std::int64_t now_us) {
    if (!m_started) {
      m_started = true;
      m_at = now_us;
    }
    m_level = std::min<double>(kBurstUs, m_level + kRate * static_cast<double>(now_us - m_at));
    m_at = now_us;
    if (m_level < static_cast<double>(cost_us)) return false;
    m_level -= static_cast<double>(cost_us);
    return true;
  }

 private:
  double m_level = kBurstUs;
  std::int64_t m_at = 0;
  bool m_started = false;
};

}  // namespace voixer::core
