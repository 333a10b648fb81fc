// The client's sound: the audio device (SDL, or WAV files for scripts and
// tests) and the voice engine on it, opened and closed as the engine that
// owns it decides, with what the user chose (mute, deafen, push-to-talk,
// volumes) kept across a reopen. A microphone or speakers that go away are
// reopened on their own while the call goes on (audio/device_keeper.hpp):
// retried with backoff, the default device standing in for a chosen one
// that is gone, with notes saying so. Used from one thread (the owner's);
// it never touches the network: frames leave through `send`.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audio/sdl_device.hpp"
#include "audio/voice_engine.hpp"

namespace voixer::audio {
class AudioDevice;
class DeviceKeeper;
class SdlDevice;
class WavDevice;
}  // namespace voixer::audio

namespace voixer::client {

struct VoiceOptions {
  std::string input_device, output_device;  // SDL device names; empty: the default
  audio::VoiceSettings settings;
  std::string wav_in, wav_out;  // WAV files instead of SDL devices (scripts, tests)
};

// Something about the sound worth telling the user.
struct VoiceNote {
  enum class Kind {
    TalkingStarted,  // text: who
    TalkingStopped,  // text: who
    InputFinished,   // the WAV input file has been played to its end
    DeviceProblem,   // text: what failed and what happens now
    DeviceRestored,  // text: which device is back
  };
  Kind kind;
  std::string text;
};

class VoiceLink {
 public:
  explicit VoiceLink(audio::VoiceEngine::SendFrame send);
  ~VoiceLink();
  VoiceLink(const VoiceLink&) = delete;
  VoiceLink& operator=(const VoiceLink&) = delete;

  // Used by the next open().
  void set_options(VoiceOptions options);
  // Opens the device and starts the engine (nothing if already open).
  // Returns "" or the reason it failed.
  std::string open();
  // Stops the engine and the device (a WAV output file is written now).
  void close();
  bool is_open() const { return m_engine != nullptr; }
  // "" when the engine runs with a microphone and speakers; otherwise why
  // not (closed, or a device missing and being retried).
  std::string sound_problem() const;
  // Whether the microphone (Capture) or the speakers (Playback) are
  // missing: no engine, or that device lost and being retried.
  bool missing(audio::Direction d) const;
  // The running engine, or null. Shared so a reader on another thread can
  // finish with it while it is replaced.
  std::shared_ptr<audio::VoiceEngine> engine() const { return m_engine; }

  // Whether captured voice goes out (bound to a call). Kept across reopen,
  // like the user's choices below.
  void set_sending(bool on);
  void reset_speakers();
  void set_muted(bool on);
  void set_deafened(bool on);
  void set_push_to_talk(bool pressed);
  void set_volume(const std::string& speaker, float gain);
  void set_input_mode(audio::InputMode mode);
  void set_activation_level(float rms);
  bool muted() const { return m_muted; }
  bool deafened() const { return m_deafened; }
  bool push_to_talk() const { return m_ptt; }

  // Call a few times a second: who started or stopped talking, the end of
  // the WAV input, a device that went away or came back.
  std::vector<VoiceNote> poll(std::chrono::steady_clock::time_point now);

 private:
  std::string start_engine();
  void apply_choices();

  audio::VoiceEngine::SendFrame m_send;
  VoiceOptions m_options;
  std::shared_ptr<audio::AudioDevice> m_device;
  audio::SdlDevice* m_sdl = nullptr;  // m_device, when it is SDL
  audio::WavDevice* m_wav = nullptr;  // m_device, when it is WAV files
  std::unique_ptr<audio::DeviceKeeper> m_keeper;  // with m_sdl
  std::shared_ptr<audio::VoiceEngine> m_engine;
  std::vector<VoiceNote> m_pending;  // notes from open(), given by the next poll()

  bool m_sending = false, m_muted = false, m_deafened = false, m_ptt = false;
  std::map<std::string, float> m_volumes;

  struct Talking {
    bool on = false;
    std::chrono::steady_clock::time_point last;
  };
  std::map<std::string, Talking> m_talking;
  bool m_input_reported = false;
};

}  // namespace voixer::client
