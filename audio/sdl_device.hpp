// Microphone and speakers through SDL2. The callbacks only copy between the
// device and the engine's lock-free rings and wake the voice thread: no
// locks, no allocation, no logging, no codec work.
//
// The two directions live apart: each is opened, lost (unplugged, the
// sound server gone) and opened again on its own, while the engine and the
// other direction keep running. What to do about a lost one (retry, fall
// back) is decided by the owner (device_keeper.hpp), on its own thread.
#pragma once

#include <SDL.h>

#include <atomic>
#include <string>
#include <vector>

#include "audio/device.hpp"

namespace voixer::audio {

struct SdlDeviceChoice {
  std::string input;   // device name as SDL lists it; empty: the system default
  std::string output;  // device name as SDL lists it; empty: the system default
};

enum class Direction { Capture, Playback };

// "microphone" or "speakers", for messages.
const char* direction_noun(Direction d);

// The buffer SDL is asked for, per direction: 5 ms. Smaller buffers lower
// the delay on both sides; the engine absorbs the sound server's timing
// (see docs/performance.md for the figures that chose it).
inline constexpr int kSdlBufferSamples = 240;

class SdlDevice : public AudioDevice {
 public:
  explicit SdlDevice(SdlDeviceChoice choice = {});
  ~SdlDevice() override;

  // Keeps the rings and opens both directions as open() does. Never throws
  // for a device that cannot be opened: that direction stays closed, with
  // the reason in error(); the owner retries.
  void start(DeviceRings rings) override;
  void stop() override;
  int period_samples() const override { return m_period.load(std::memory_order_relaxed); }
  std::string failure() const override;

  // Opens a closed direction: the chosen device, else (with a warning) the
  // default one. Returns "" or why neither opened. Owner's thread only.
  std::string open(Direction d);
  // Closes a direction (nothing if closed).
  void close(Direction d);
  bool is_open(Direction d) const { return id(d) != 0; }
  // An open direction that stopped (device unplugged, sound server gone).
  bool stopped(Direction d) const;
  // What is open ("mic", "the default device"), or "".
  const std::string& opened_name(Direction d) const;
  const std::string& chosen(Direction d) const;
  // Why the last open() failed, or "".
  const std::string& error(Direction d) const;
  // Warnings of the opens so far (a chosen device that gave way); taken.
  std::vector<std::string> take_warnings();

  // Names SDL reports for capture (true) or playback (false) devices,
  // monitors of outputs included (see list_includes_monitors()).
  static std::vector<std::string> list(bool capture);
  // Of the capture devices, those that are monitors of an output (what it
  // plays). Restarts SDL's audio twice: only with no device open.
  static std::vector<std::string> list_monitors();
  // Starts SDL's audio anew so its device list is read again from the sound
  // server (after the server restarted, its list is stale). Only with no
  // SDL audio device open anywhere in the process. Returns "" or why SDL's
  // audio did not start (then open() says so again and it is retried).
  static std::string restart_sdl_audio();

 private:
  static void capture_callback(void* self, Uint8* stream, int len);
  static void playback_callback(void* self, Uint8* stream, int len);
  SDL_AudioDeviceID& id(Direction d) { return d == Direction::Capture ? m_in : m_out; }
  SDL_AudioDeviceID id(Direction d) const { return d == Direction::Capture ? m_in : m_out; }
  SDL_AudioDeviceID open_named(Direction d, const char* name);

  SdlDeviceChoice m_choice;
  SDL_AudioDeviceID m_in = 0, m_out = 0;
  std::string m_in_name, m_out_name, m_in_error, m_out_error;
  std::atomic<int> m_period{kSdlBufferSamples};
  SpscRing<std::int16_t>* m_capture = nullptr;
  SpscRing<std::int16_t>* m_playback = nullptr;
  SpscRing<std::int16_t>* m_played = nullptr;
  Waker* m_waker = nullptr;
  std::atomic<std::uint64_t>* m_starved = nullptr;
  std::atomic<std::uint64_t>* m_consumed = nullptr;
  std::vector<std::string> m_warnings;
};

}  // namespace voixer::audio
