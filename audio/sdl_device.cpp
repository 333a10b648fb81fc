#include "audio/sdl_device.hpp"

#include <cstring>
#include <stdexcept>

namespace voixer::audio {

namespace {

// SDL's audio subsystem, initialised once per process.
void ensure_sdl_audio() {
  if (SDL_WasInit(SDL_INIT_AUDIO)) return;
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
    throw std::runtime_error(std::string("cannot start audio: ") + SDL_GetError());
}

}  // namespace

SdlDevice::SdlDevice(SdlDeviceChoice choice) : m_choice(std::move(choice)) {}

SdlDevice::~SdlDevice() { stop(); }

std::vector<std::string> SdlDevice::list(bool capture) {
  ensure_sdl_audio();
  std::vector<std::string> names;
  int n = SDL_GetNumAudioDevices(capture ? 1 : 0);
  for (int i = 0; i < n; ++i) {
    if (const char* name = SDL_GetAudioDeviceName(i, capture ? 1 : 0)) names.emplace_back(name);
  }
  return names;
}

SDL_AudioDeviceID SdlDevice::open(bool capture, const std::string& wanted,
                                  std::string& opened_name) {
  SDL_AudioSpec want{}, have{};
  want.freq = kSampleRate;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  want.samples = 480;  // 10 ms: whole milliseconds keep SDL's disk driver on time
  want.callback = capture ? &SdlDevice::capture_callback : &SdlDevice::playback_callback;
  want.userdata = this;
  const char* name = wanted.empty() ? nullptr : wanted.c_str();
  // No SDL_AUDIO_ALLOW_*_CHANGE: SDL converts to exactly what we asked for.
  SDL_AudioDeviceID id = SDL_OpenAudioDevice(name, capture ? 1 : 0, &want, &have, 0);
  if (id == 0 && name) {
    m_warnings.push_back(std::string(capture ? "input" : "output") + " device '" + wanted +
                         "' failed (" + SDL_GetError() + "); using the default device");
    id = SDL_OpenAudioDevice(nullptr, capture ? 1 : 0, &want, &have, 0);
    name = nullptr;
  }
  if (id == 0)
    throw std::runtime_error(std::string("cannot open the ") +
                             (capture ? "microphone" : "speakers") + ": " + SDL_GetError());
  opened_name = name ? wanted : "default";
  m_period = have.samples > 0 ? have.samples : 480;
  return id;
}

void SdlDevice::start(DeviceRings rings) {
  ensure_sdl_audio();
  m_capture = &rings.capture;
  m_playback = &rings.playback;
  m_waker = &rings.waker;
  m_out = open(false, m_choice.output, m_out_name);
  try {
    m_in = open(true, m_choice.input, m_in_name);
  } catch (...) {
    SDL_CloseAudioDevice(m_out);
    m_out = 0;
    throw;
  }
  SDL_PauseAudioDevice(m_out, 0);
  SDL_PauseAudioDevice(m_in, 0);
}

void SdlDevice::stop() {
  if (m_in) SDL_CloseAudioDevice(m_in);
  if (m_out) SDL_CloseAudioDevice(m_out);
  m_in = m_out = 0;
}


std::string SdlDevice::failure() const {
  if (m_in && SDL_GetAudioDeviceStatus(m_in) == SDL_AUDIO_STOPPED) return "the microphone stopped";
  if (m_out && SDL_GetAudioDeviceStatus(m_out) == SDL_AUDIO_STOPPED) return "the speakers stopped";
  return {};
}

void SdlDevice::capture_callback(void* self, Uint8* stream, int len) {
  auto* d = static_cast<SdlDevice*>(self);
  d->m_capture->push(reinterpret_cast<const std::int16_t*>(stream),
                     static_cast<std::size_t>(len) / sizeof(std::int16_t));
  d->m_waker->wake();
}

void SdlDevice::playback_callback(void* self, Uint8* stream, int len) {
  auto* d = static_cast<SdlDevice*>(self);
  std::size_t want = static_cast<std::size_t>(len) / sizeof(std::int16_t);
  auto* out = reinterpret_cast<std::int16_t*>(stream);
  std::size_t got = d->m_playback->pop(out, want);
  if (got < want) std::memset(out + got, 0, (want - got) * sizeof(std::int16_t));
  d->m_waker->wake();
}

}  // namespace voixer::audio
