#include "audio/wav_device.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "audio/wav.hpp"

namespace voixer::audio {

WavDevice::WavDevice(const std::string& input_path, const std::string& output_path,
                     SimulatedEcho echo)
    : m_output_path(output_path), m_echo(echo) {
  if (!input_path.empty()) m_input = read_wav_48k_mono(input_path);
  m_recorded.reserve(static_cast<std::size_t>(kSampleRate) * 120);
}

WavDevice::~WavDevice() { stop(); }

void WavDevice::start(DeviceRings rings) {
  if (m_running.exchange(true)) return;
  m_thread = std::thread([this, rings] { run(rings); });
}

void WavDevice::stop() {
  if (!m_running.exchange(false)) return;
  m_thread.join();
  if (!m_output_path.empty()) write_wav_48k_mono(m_output_path, m_recorded);
}

void WavDevice::run(DeviceRings rings) {
  using Clock = std::chrono::steady_clock;
  const auto period = std::chrono::microseconds(1'000'000LL * kPeriod / kSampleRate);
  auto next = Clock::now();
  std::size_t position = 0;
  std::int16_t block[kPeriod];
  // The echo path: played samples on their way back to the microphone.
  const std::size_t echo_delay = static_cast<std::size_t>(m_echo.delay_ms) * kSampleRate / 1000;
  std::vector<std::int16_t> in_air(echo_delay + kPeriod, 0);
  std::size_t air_at = 0;  // where this period's played samples go
  while (m_running.load(std::memory_order_acquire)) {
    // Capture: the next slice of the input file, or silence after its end.
    std::memset(block, 0, sizeof block);
    if (position < m_input.size()) {
      std::size_t n = std::min<std::size_t>(kPeriod, m_input.size() - position);
      std::memcpy(block, m_input.data() + position, n * sizeof(std::int16_t));
      position += n;
    } else if (!m_input_done.load(std::memory_order_relaxed)) {
      m_input_done.store(true);
    }
    if (m_echo.gain != 0) {
      // What was played echo_delay samples ago reaches the microphone now.
      for (std::size_t i = 0; i < kPeriod; ++i) {
        std::size_t from = (air_at + kPeriod + i) % in_air.size();
        float mixed = block[i] + m_echo.gain * in_air[from];
        block[i] = static_cast<std::int16_t>(std::clamp(mixed, -32768.0f, 32767.0f));
      }
    }
    rings.capture.push(block, kPeriod);
    // Playback: what the engine queued, silence where it had nothing.
    std::memset(block, 0, sizeof block);
    std::size_t got = rings.playback.pop(block, kPeriod);
    if (got < kPeriod) rings.starved.fetch_add(kPeriod - got, std::memory_order_relaxed);
    rings.played.push(block, kPeriod);
    rings.consumed.fetch_add(kPeriod, std::memory_order_relaxed);
    m_recorded.insert(m_recorded.end(), block, block + kPeriod);
    if (m_echo.gain != 0) {
      for (std::size_t i = 0; i < kPeriod; ++i) in_air[(air_at + i) % in_air.size()] = block[i];
      air_at = (air_at + kPeriod) % in_air.size();
    }
    rings.waker.wake();
    // Absolute deadlines: the clock does not drift with processing time.
    next += period;
    std::this_thread::sleep_until(next);
  }
}

}  // namespace voixer::audio
