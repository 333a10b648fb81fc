#include "audio/sound_player.hpp"

#include "audio/wav.hpp"

namespace voixer::audio {

SoundPlayer::~SoundPlayer() { stop(); }

std::string SoundPlayer::load(const std::string& path) {
  try {
    m_samples = read_wav_48k_mono(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

void SoundPlayer::keep_looping() {
  if (m_samples.empty() || m_failed) return;
  if (!m_device) {
    if (!SDL_WasInit(SDL_INIT_AUDIO) && SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
      m_failed = true;  // no sound: the window still shows the call
      return;
    }
    SDL_AudioSpec want{};
    want.freq = 48000;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    m_device = SDL_OpenAudioDevice(nullptr, 0, &want, nullptr, 0);
    if (!m_device) {
      m_failed = true;
      return;
    }
    SDL_PauseAudioDevice(m_device, 0);
  }
  // Keep about one loop queued ahead.
  if (SDL_GetQueuedAudioSize(m_device) < m_samples.size() * sizeof(std::int16_t) / 2)
    SDL_QueueAudio(m_device, m_samples.data(),
                   static_cast<Uint32>(m_samples.size() * sizeof(std::int16_t)));
}

void SoundPlayer::stop() {
  if (!m_device) return;
  SDL_ClearQueuedAudio(m_device);
  SDL_CloseAudioDevice(m_device);
  m_device = 0;
}

}  // namespace voixer::audio
