#include "audio/sdl_device.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace voixer::audio {

namespace {

// SDL's audio subsystem, initialised once per process (again after
// restart_sdl_audio()). Monitors of outputs are listed as inputs unless the
// environment says SDL_AUDIO_INCLUDE_MONITORS=0: a machine whose only
// sources are monitors still has something to record, and "what the
// speakers play" is a legitimate input.
void ensure_sdl_audio() {
  if (SDL_WasInit(SDL_INIT_AUDIO)) return;
  SDL_SetHintWithPriority(SDL_HINT_AUDIO_INCLUDE_MONITORS, "1", SDL_HINT_DEFAULT);
  SDL_SetHintWithPriority(SDL_HINT_AUDIO_DEVICE_APP_NAME, "Voixer", SDL_HINT_DEFAULT);
  // SDL's audio brings its event subsystem, which would catch SIGINT and
  // SIGTERM for an SDL_QUIT event nobody reads: the cli would outlive both.
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
    throw std::runtime_error(std::string("cannot start audio: ") + SDL_GetError());
}

}  // namespace

const char* direction_noun(Direction d) {
  return d == Direction::Capture ? "microphone" : "speakers";
}

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

std::vector<std::string> SdlDevice::list_monitors() {
  auto all = list(true);
  SDL_SetHintWithPriority(SDL_HINT_AUDIO_INCLUDE_MONITORS, "0", SDL_HINT_OVERRIDE);
  (void)restart_sdl_audio();
  auto plain = list(true);
  SDL_ResetHint(SDL_HINT_AUDIO_INCLUDE_MONITORS);
  (void)restart_sdl_audio();
  std::vector<std::string> monitors;
  for (auto& name : all)
    if (std::find(plain.begin(), plain.end(), name) == plain.end()) monitors.push_back(name);
  return monitors;
}

std::string SdlDevice::restart_sdl_audio() {
  // SDL counts initialisations; ours is the only one when it was not
  // running before, so one quit stops it.
  if (SDL_WasInit(SDL_INIT_AUDIO)) SDL_QuitSubSystem(SDL_INIT_AUDIO);
  try {
    ensure_sdl_audio();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

SDL_AudioDeviceID SdlDevice::open_named(Direction d, const char* name) {
  const bool capture = d == Direction::Capture;
  SDL_AudioSpec want{}, have{};
  want.freq = kSampleRate;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  // Whole milliseconds keep SDL's disk driver on time.
  want.samples = kSdlBufferSamples;
  want.callback = capture ? &SdlDevice::capture_callback : &SdlDevice::playback_callback;
  want.userdata = this;
  // The stream's name in the sound server's mixer (pavucontrol, pactl).
  SDL_SetHint(SDL_HINT_AUDIO_DEVICE_STREAM_NAME, capture ? "Voixer microphone" : "Voixer speakers");
  // No SDL_AUDIO_ALLOW_*_CHANGE: SDL converts to exactly what we asked for.
  SDL_AudioDeviceID id = SDL_OpenAudioDevice(name, capture ? 1 : 0, &want, &have, 0);
  if (id != 0 && !capture) m_period.store(have.samples > 0 ? have.samples : kSdlBufferSamples);
  return id;
}

std::string SdlDevice::open(Direction d) {
  if (is_open(d)) return {};
  const bool capture = d == Direction::Capture;
  std::string& error = capture ? m_in_error : m_out_error;
  std::string& opened = capture ? m_in_name : m_out_name;
  const std::string& wanted = chosen(d);
  try {
    ensure_sdl_audio();
  } catch (const std::exception& e) {
    return error = e.what();
  }
  SDL_AudioDeviceID got = 0;
  if (!wanted.empty()) {
    got = open_named(d, wanted.c_str());
    if (got) {
      opened = wanted;
    } else {
      // Only this direction gives way: the other keeps what was chosen.
      m_warnings.push_back(std::string(direction_noun(d)) + " '" + wanted + "' cannot be opened (" +
                           SDL_GetError() + "); using the default device");
    }
  }
  if (!got) {
    got = open_named(d, nullptr);
    if (got) opened = "the default device";
  }
  if (!got) {
    opened.clear();
    return error = std::string("cannot open the ") + direction_noun(d) + ": " + SDL_GetError();
  }
  error.clear();
  // A playback ring left from before holds stale audio: the device that
  // consumed it is gone, and this one starts from now.
  if (!capture) m_playback->clear_from_consumer();
  id(d) = got;
  SDL_PauseAudioDevice(got, 0);
  return {};
}

void SdlDevice::close(Direction d) {
  SDL_AudioDeviceID& i = id(d);
  if (i) SDL_CloseAudioDevice(i);
  i = 0;
  (d == Direction::Capture ? m_in_name : m_out_name).clear();
}

void SdlDevice::start(DeviceRings rings) {
  m_capture = &rings.capture;
  m_playback = &rings.playback;
  m_played = &rings.played;
  m_waker = &rings.waker;
  m_starved = &rings.starved;
  m_consumed = &rings.consumed;
  open(Direction::Playback);
  open(Direction::Capture);
}

void SdlDevice::stop() {
  close(Direction::Capture);
  close(Direction::Playback);
}

bool SdlDevice::stopped(Direction d) const {
  return is_open(d) && SDL_GetAudioDeviceStatus(id(d)) == SDL_AUDIO_STOPPED;
}

const std::string& SdlDevice::opened_name(Direction d) const {
  return d == Direction::Capture ? m_in_name : m_out_name;
}

const std::string& SdlDevice::chosen(Direction d) const {
  return d == Direction::Capture ? m_choice.input : m_choice.output;
}

const std::string& SdlDevice::error(Direction d) const {
  return d == Direction::Capture ? m_in_error : m_out_error;
}

std::vector<std::string> SdlDevice::take_warnings() { return std::exchange(m_warnings, {}); }

std::string SdlDevice::failure() const {
  for (Direction d : {Direction::Capture, Direction::Playback}) {
    if (stopped(d)) return std::string("the ") + direction_noun(d) + " stopped";
    if (!is_open(d)) return error(d).empty() ? std::string("the ") + direction_noun(d) + " is closed" : error(d);
  }
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
  if (got < want) {
    std::memset(out + got, 0, (want - got) * sizeof(std::int16_t));
    d->m_starved->fetch_add(want - got, std::memory_order_relaxed);
  }
  d->m_played->push(out, want);
  d->m_consumed->fetch_add(want, std::memory_order_relaxed);
  d->m_waker->wake();
}

}  // namespace voixer::audio
