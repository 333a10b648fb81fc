// The voice side of `voixer cli`: an audio device (SDL, or WAV files for
// scripts), the voice engine, and the voice connection, following the call
// the text side is in. Runs its network part on the cli's asio thread.
#pragma once

#include <asio.hpp>

#include <memory>
#include <string>

#include "audio/voice_engine.hpp"
#include "core/cli_commands.hpp"

namespace voixer::app {

struct CliVoiceOptions {
  bool enabled = true;
  std::string audio_in, audio_out;     // WAV files instead of SDL devices
  std::string input_device, output_device;
  audio::VoiceSettings settings;
};

class CliVoice {
 public:
  // Opens the device and starts the engine at once (so WAV files are
  // aligned with the start of the client). Throws with a clear message.
  CliVoice(asio::io_context& io, CliVoiceOptions options);
  ~CliVoice();

  // Starts the voice connection to the server's UDP port.
  void connect(const std::string& host, std::uint16_t port);
  // The text side's view of the call changed: bind to it, or stop sending.
  void follow_call(const std::string& active_key);
  void run_local(core::LocalCommand command);
  // Stops the engine and writes --audio-out.
  void stop();

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::app
