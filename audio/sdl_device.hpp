// Microphone and speakers through SDL2. The callbacks only copy between the
// device and the engine's lock-free rings and wake the voice thread: no
// locks, no allocation, no logging, no codec work.
#pragma once

#include <SDL.h>

#include <atomic>
#include <string>
#include <vector>

#include "audio/device.hpp"

namespace voixer::audio {

struct SdlDeviceChoice {
  std::string input;   // device name; empty: the system default
  std::string output;  // device name; empty: the system default
};

class SdlDevice : public AudioDevice {
 public:
  explicit SdlDevice(SdlDeviceChoice choice = {});
  ~SdlDevice() override;

  // Opens the chosen devices; a named device that fails to open gives way
  // to the default one, with the reason kept in warnings().
  void start(DeviceRings rings) override;
  void stop() override;
  int period_samples() const override { return m_period; }
  std::string failure() const override;
  const std::vector<std::string>& warnings() const { return m_warnings; }

  // Names SDL reports for capture (true) or playback (false) devices.
  static std::vector<std::string> list(bool capture);

 private:
  static void capture_callback(void* self, Uint8* stream, int len);
  static void playback_callback(void* self, Uint8* stream, int len);
  SDL_AudioDeviceID open(bool capture, const std::string& wanted, std::string& opened_name);

  SdlDeviceChoice m_choice;
  SDL_AudioDeviceID m_in = 0, m_out = 0;
  std::string m_in_name, m_out_name;
  int m_period = 480;
  SpscRing<std::int16_t>* m_capture = nullptr;
  SpscRing<std::int16_t>* m_playback = nullptr;
  Waker* m_waker = nullptr;
  std::vector<std::string> m_warnings;
};

}  // namespace voixer::audio
