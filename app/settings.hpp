// The app's remembered settings: nickname, recent servers, audio devices
// and voice options, kept in the user's config directory
// ($XDG_CONFIG_HOME/voixer/voixer.conf, else ~/.config/voixer/voixer.conf).
#pragma once

#include <string>
#include <vector>

#include "audio/voice_engine.hpp"
#include "core/address.hpp"

namespace voixer::app {

struct AppSettings {
  std::string nickname;             // default: the OS user name, made valid
  std::vector<std::string> recent;  // host[:port], newest first, at most 8
  int host_port = core::kDefaultPort;
  std::string input_device, output_device;  // empty: system default
  audio::InputMode input_mode = audio::InputMode::VoiceActivation;
  float activation_level = audio::kDefaultActivationLevel;
  bool noise_suppression = true;
  bool echo_cancellation = true;   // audio::VoiceSettings says why
  int frame_ms = 20;
  bool low_delay = false;          // audio::EncoderSettings says what it trades
  std::string ptt_key = "Left Ctrl";
  bool flash_on_mention = true;  // the taskbar flashes for a mention or private message
  bool notify_desktop = true;    // and a desktop notification shows it

  void remember_server(const std::string& address);
};

std::string default_settings_path();
// Missing file: defaults. Damaged lines: skipped (problems go to `warnings`).
AppSettings load_settings(const std::string& path, std::vector<std::string>* warnings = nullptr);
// Creates the directory if needed; returns an error text or "".
std::string save_settings(const std::string& path, const AppSettings& s);

}  // namespace voixer::app
