// Short UI sounds (the ring of an incoming call) on the default playback
// device, through SDL's queue: no callback of ours runs on SDL's thread.
#pragma once

#include <SDL.h>

#include <cstdint>
#include <string>
#include <vector>

namespace voixer::audio {

class SoundPlayer {
 public:
  SoundPlayer() = default;
  ~SoundPlayer();
  SoundPlayer(const SoundPlayer&) = delete;
  SoundPlayer& operator=(const SoundPlayer&) = delete;

  // Loads a WAV (any format read_wav_48k_mono accepts). Returns "" or why not.
  std::string load(const std::string& path);
  // Call regularly while the sound should loop; it tops up SDL's queue.
  void keep_looping();
  void stop();
  bool playing() const { return m_device != 0; }

 private:
  std::vector<std::int16_t> m_samples;
  SDL_AudioDeviceID m_device = 0;
  bool m_failed = false;
};

}  // namespace voixer::audio
