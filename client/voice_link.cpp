#include "client/voice_link.hpp"

#include <utility>

#include "audio/device_keeper.hpp"
#include "audio/sdl_device.hpp"
#include "audio/wav_device.hpp"

namespace voixer::client {

namespace {
// A speaker counts as stopped after this much silence (speech has pauses).
constexpr auto kStoppedAfter = std::chrono::milliseconds(500);

void keep_devices_notes(std::vector<audio::DeviceChange> changes, std::vector<VoiceNote>& notes) {
  for (auto& c : changes)
    notes.push_back({c.kind == audio::DeviceChange::Kind::Restored ? VoiceNote::Kind::DeviceRestored
                                                                   : VoiceNote::Kind::DeviceProblem,
                     std::move(c.text)});
}
}  // namespace

VoiceLink::VoiceLink(audio::VoiceEngine::SendFrame send) : m_send(std::move(send)) {}

VoiceLink::~VoiceLink() { close(); }

void VoiceLink::set_options(VoiceOptions options) { m_options = std::move(options); }

std::string VoiceLink::open() {
  if (m_engine) return {};
  try {
    if (!m_options.wav_in.empty() || !m_options.wav_out.empty()) {
      auto wav = std::make_shared<audio::WavDevice>(m_options.wav_in, m_options.wav_out);
      m_wav = wav.get();
      m_device = std::move(wav);
    } else {
      auto sdl = std::make_shared<audio::SdlDevice>(
          audio::SdlDeviceChoice{m_options.input_device, m_options.output_device});
      m_sdl = sdl.get();
      m_device = std::move(sdl);
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  m_input_reported = false;
  return start_engine();
}

std::string VoiceLink::start_engine() {
  try {
    // The device must outlive the engine that uses it, wherever the last
    // handle on the engine is dropped.
    auto device = m_device;
    auto engine = std::shared_ptr<audio::VoiceEngine>(
        new audio::VoiceEngine(*device, m_options.settings, m_send),
        [device](audio::VoiceEngine* e) { delete e; });
    engine->start();
    m_engine = std::move(engine);
  } catch (const std::exception& e) {
    m_engine.reset();
    m_device.reset();
    m_sdl = nullptr;
    m_wav = nullptr;
    return e.what();
  }
  if (m_sdl) {
    m_keeper = std::make_unique<audio::DeviceKeeper>(*m_sdl);
    keep_devices_notes(m_keeper->started(std::chrono::steady_clock::now()), m_pending);
  }
  apply_choices();
  return {};
}

void VoiceLink::apply_choices() {
  m_engine->set_sending(m_sending);
  m_engine->set_muted(m_muted);
  m_engine->set_deafened(m_deafened);
  m_engine->set_push_to_talk(m_ptt);
  for (const auto& [speaker, gain] : m_volumes) m_engine->set_volume(speaker, gain);
}

void VoiceLink::close() {
  m_keeper.reset();
  if (m_engine) m_engine->stop();
  m_engine.reset();
  m_device.reset();
  m_sdl = nullptr;
  m_wav = nullptr;
  m_talking.clear();
}

void VoiceLink::set_sending(bool on) {
  m_sending = on;
  if (m_engine) m_engine->set_sending(on);
}

void VoiceLink::reset_speakers() {
  m_talking.clear();
  if (m_engine) m_engine->reset_speakers();
}

void VoiceLink::set_muted(bool on) {
  m_muted = on;
  if (m_engine) m_engine->set_muted(on);
}

void VoiceLink::set_deafened(bool on) {
  m_deafened = on;
  if (m_engine) m_engine->set_deafened(on);
}

void VoiceLink::set_push_to_talk(bool pressed) {
  m_ptt = pressed;
  if (m_engine) m_engine->set_push_to_talk(pressed);
}

void VoiceLink::set_volume(const std::string& speaker, float gain) {
  m_volumes[speaker] = gain;
  if (m_engine) m_engine->set_volume(speaker, gain);
}

void VoiceLink::set_input_mode(audio::InputMode mode) {
  m_options.settings.input_mode = mode;
  if (m_engine) m_engine->set_input_mode(mode);
}

void VoiceLink::set_activation_level(float rms) {
  m_options.settings.activation_level = rms;
  if (m_engine) m_engine->set_activation_level(rms);
}

std::vector<VoiceNote> VoiceLink::poll(std::chrono::steady_clock::time_point now) {
  std::vector<VoiceNote> notes = std::exchange(m_pending, {});
  if (!m_engine) return notes;
  for (const auto& sp : m_engine->stats().speakers) {
    auto& t = m_talking[sp.name];
    if (sp.talking) {
      if (!t.on) notes.push_back({VoiceNote::Kind::TalkingStarted, sp.name});
      t.on = true;
      t.last = now;
    } else if (t.on && now - t.last > kStoppedAfter) {
      t.on = false;
      notes.push_back({VoiceNote::Kind::TalkingStopped, sp.name});
    }
  }
  if (m_wav && m_wav->input_done() && !m_input_reported) {
    m_input_reported = true;
    notes.push_back({VoiceNote::Kind::InputFinished, {}});
  }
  if (m_keeper) keep_devices_notes(m_keeper->poll(now), notes);
  return notes;
}

bool VoiceLink::missing(audio::Direction d) const {
  if (!m_engine) return true;
  return m_sdl && !m_sdl->is_open(d);
}

std::string VoiceLink::sound_problem() const {
  if (!m_engine) return "no sound device is open";
  return m_keeper ? m_keeper->problem() : std::string();
}

}  // namespace voixer::client
