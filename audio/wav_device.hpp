// A sound device made of WAV files, for tests and scripts: the input file
// is played into the microphone once, from when the device starts, then
// silence; everything the engine plays is recorded to the output file.
// Both run off one real-time clock, so the two files are sample-aligned:
// sample i of the recording was played at the moment sample i of the input
// was captured. Optionally the speakers leak into the microphone (a
// simulated echo path, for the echo canceller's tests): what was played,
// delayed and attenuated, is added to what is captured.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio/device.hpp"

namespace voixer::audio {

// Speakers heard by the microphone: played sample i comes back in captured
// sample i + delay_ms * 48, times gain. gain 0: no echo.
struct SimulatedEcho {
  int delay_ms = 0;
  float gain = 0;
};

class WavDevice : public AudioDevice {
 public:
  // `input_path` empty: silence in. `output_path` empty: playback dropped.
  // The input is read (and converted to 48 kHz mono) here, so a bad file
  // fails early with a clear message.
  WavDevice(const std::string& input_path, const std::string& output_path,
            SimulatedEcho echo = {});
  ~WavDevice() override;

  void start(DeviceRings rings) override;
  // Stops the clock and writes the output file.
  void stop() override;
  int period_samples() const override { return kPeriod; }
  // True once the whole input file has been played into the microphone.
  bool input_done() const { return m_input_done.load(); }

  static constexpr int kPeriod = 120;  // 2.5 ms

 private:
  void run(DeviceRings rings);

  std::vector<std::int16_t> m_input;
  std::string m_output_path;
  std::vector<std::int16_t> m_recorded;
  SimulatedEcho m_echo;
  std::thread m_thread;
  std::atomic<bool> m_running{false};
  std::atomic<bool> m_input_done{false};
};

}  // namespace voixer::audio
