// The GUI's connection to a server, on a network thread of its own: the
// text connection (with automatic PONG, a round-trip probe and reconnect
// with backoff), the voice connection and engine while in a call, and, when
// hosting, the embedded server. The UI thread calls the methods below and
// drains events; the network thread wakes the UI through `wake_ui`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audio/voice_engine.hpp"

namespace voixer::app {

struct SessionEvent {
  enum class Kind { Connected, Line, Disconnected, VoiceReady, VoiceError };
  Kind kind;
  std::string text;         // Line: the line; Disconnected/VoiceError: the reason
  bool will_retry = false;  // Disconnected
};

struct VoiceOptions {
  std::string input_device, output_device;
  audio::VoiceSettings settings;
  std::string wav_in, wav_out;  // tests: WAV files instead of SDL devices
};

class Session {
 public:
  explicit Session(std::function<void()> wake_ui);
  ~Session();  // a hosting session tells its clients it is going away

  // Starts the embedded server on `port` (TCP and UDP). Returns "" or a
  // one-line reason ("port 8649 is already in use").
  std::string host(std::uint16_t port, const std::string& password = {},
                   const std::string& operator_password = {});
  bool hosting() const;
  // Connects (and reconnects after a drop, backing off up to 2 s).
  void connect(const std::string& host, std::uint16_t port);
  void send(const std::string& line);
  // DISCONNECT and close, no reconnect.
  void disconnect();
  std::vector<SessionEvent> take_events();

  // Voice: bind to the call `key` (starting the audio engine), or stop.
  void set_voice_options(VoiceOptions options);
  void start_voice(const std::string& key);
  void stop_voice();
  audio::VoiceEngine* engine();  // null when not in a call; setters are thread-safe

  int round_trip_ms() const { return m_rtt_ms.load(); }

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
  std::atomic<int> m_rtt_ms{-1};
  friend class Impl;
};

}  // namespace voixer::app
