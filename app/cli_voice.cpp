#include "app/cli_voice.hpp"

#include <cstdio>
#include <iostream>
#include <map>

#include "audio/sdl_device.hpp"
#include "audio/wav_device.hpp"
#include "net/voice_client.hpp"

namespace voixer::app {

namespace {

void say(const std::string& text) { std::cerr << "voixer: " << text << std::endl; }

}  // namespace

class CliVoice::Impl : public std::enable_shared_from_this<CliVoice::Impl> {
 public:
  Impl(asio::io_context& io, CliVoiceOptions options)
      : m_io(io), m_timer(io), m_options(std::move(options)) {
    if (!m_options.audio_in.empty() || !m_options.audio_out.empty()) {
      auto wav = std::make_unique<audio::WavDevice>(m_options.audio_in, m_options.audio_out);
      m_wav = wav.get();
      m_device = std::move(wav);
    } else {
      auto sdl = std::make_unique<audio::SdlDevice>(
          audio::SdlDeviceChoice{m_options.input_device, m_options.output_device});
      m_sdl = sdl.get();
      m_device = std::move(sdl);
    }
    start_engine();
  }

  void start_engine() {
    m_engine = std::make_unique<audio::VoiceEngine>(
        *m_device, m_options.settings, [this](std::span<const std::uint8_t> frame) {
          // On the voice thread: hand the frame to the network thread.
          std::vector<std::uint8_t> copy(frame.begin(), frame.end());
          asio::post(m_io, [self = weak_from_this(), copy = std::move(copy)] {
            if (auto s = self.lock(); s && s->m_voice) s->m_voice->send_frame(copy);
          });
        });
    m_engine->start();
    if (m_sdl)
      for (const auto& w : m_sdl->warnings()) say(w);
  }

  // The sound card failed or went away: say so and carry on with the
  // system's default devices.
  void fall_back_to_default(const std::string& why) {
    say("audio device problem: " + why + "; switching to the default devices");
    bool sending = m_sending, muted = m_engine->muted(), deafened = m_engine->deafened();
    m_engine->stop();
    m_engine.reset();
    auto sdl = std::make_unique<audio::SdlDevice>(audio::SdlDeviceChoice{});
    m_sdl = sdl.get();
    m_device = std::move(sdl);
    try {
      start_engine();
    } catch (const std::exception& e) {
      say(std::string("no audio: ") + e.what());
      m_engine.reset();
      m_sdl = nullptr;
      return;
    }
    m_engine->set_sending(sending);
    m_engine->set_muted(muted);
    m_engine->set_deafened(deafened);
  }

  void connect(const std::string& host, std::uint16_t port) {
    m_voice = std::make_unique<net::VoiceClient>(
        m_io, net::VoiceClient::Handlers{
                  [] {},
                  [this](std::string_view line) { on_control(line); },
                  [this](std::span<const std::uint8_t> frame) {
                    if (m_engine) m_engine->deliver(frame);
                  },
                  [](const std::string& reason) { say(reason); }});
    m_voice->connect(host, port);
    watch();
  }

  void follow_call(const std::string& key) {
    if (key == m_key) return;
    m_key = key;
    m_sending = false;
    if (!m_engine) return;
    m_engine->set_sending(false);
    if (key.empty()) {
      m_engine->reset_speakers();
      return;
    }
    if (m_voice) m_voice->bind(key);
  }

  void run_local(core::LocalCommand command) {
    if (!m_engine) {
      say("no audio device");
      return;
    }
    switch (command) {
      case core::LocalCommand::PushToTalk:
        m_ptt = !m_ptt;
        m_engine->set_push_to_talk(m_ptt);
        say(m_ptt ? "push-to-talk: talking" : "push-to-talk: released");
        break;
      case core::LocalCommand::Mute: m_engine->set_muted(true); say("muted"); break;
      case core::LocalCommand::Unmute: m_engine->set_muted(false); say("unmuted"); break;
      case core::LocalCommand::Deafen: m_engine->set_deafened(true); say("deafened"); break;
      case core::LocalCommand::Undeafen: m_engine->set_deafened(false); say("undeafened"); break;
      case core::LocalCommand::Stats: print_stats(); break;
      case core::LocalCommand::None: break;
    }
  }

  void stop() {
    m_timer.cancel();
    if (m_engine) m_engine->stop();
    if (m_voice) m_voice->close();
  }

 private:
  void on_control(std::string_view line) {
    say("voice: " + std::string(line));
    if (line.rfind("SESSIONACCEPTED: ", 0) == 0 && line.substr(17) == m_key) {
      m_sending = true;
      if (m_engine) m_engine->set_sending(true);
    }
  }

  // Every 100 ms: report who starts and stops talking, the end of the
  // input file, and a failing device (then fall back to the default).
  void watch() {
    m_timer.expires_after(std::chrono::milliseconds(100));
    m_timer.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec) return;
      self->report();
      self->watch();
    });
  }

  void report() {
    if (!m_engine) return;
    auto stats = m_engine->stats();
    auto now = std::chrono::steady_clock::now();
    for (const auto& sp : stats.speakers) {
      auto& t = m_talking[sp.name];
      if (sp.talking) {
        if (!t.on) say(sp.name + " started talking");
        t.on = true;
        t.last = now;
      } else if (t.on && now - t.last > std::chrono::milliseconds(500)) {
        t.on = false;
        say(sp.name + " stopped talking");
      }
    }
    if (m_wav && m_wav->input_done() && !m_input_reported) {
      m_input_reported = true;
      say("audio input finished");
    }
    if (m_sdl) {
      if (auto why = m_sdl->failure(); !why.empty()) fall_back_to_default(why);
    }
  }

  bool m_ptt = false;

  void print_stats() {
    auto st = m_engine->stats();
    char line[256];
    std::snprintf(line, sizeof line, "input level %.3f%s%s, %llu frames sent, voice rtt %u ms",
                  st.input_level, st.transmitting ? " (sending)" : "",
                  m_engine->muted() ? " (muted)" : "",
                  static_cast<unsigned long long>(st.frames_sent),
                  m_voice ? m_voice->round_trip_ms() : 0u);
    say(line);
    for (const auto& sp : st.speakers) {
      std::snprintf(line, sizeof line,
                    "%s: level %.3f, buffer %d/%d frames, received %llu, lost %llu, "
                    "recovered by FEC %llu, late %llu",
                    sp.name.c_str(), sp.level, sp.buffered_frames, sp.target_frames,
                    static_cast<unsigned long long>(sp.received),
                    static_cast<unsigned long long>(sp.lost),
                    static_cast<unsigned long long>(sp.fec_recovered),
                    static_cast<unsigned long long>(sp.late));
      say(line);
    }
  }

  struct Talking {
    bool on = false;
    std::chrono::steady_clock::time_point last;
  };

  asio::io_context& m_io;
  asio::steady_timer m_timer;
  std::unique_ptr<audio::AudioDevice> m_device;
  audio::WavDevice* m_wav = nullptr;
  audio::SdlDevice* m_sdl = nullptr;
  std::unique_ptr<audio::VoiceEngine> m_engine;
  std::unique_ptr<net::VoiceClient> m_voice;
  std::string m_key;
  std::map<std::string, Talking> m_talking;
  bool m_input_reported = false;
  bool m_sending = false;
  CliVoiceOptions m_options;
};

CliVoice::CliVoice(asio::io_context& io, CliVoiceOptions options)
    : m_impl(std::make_shared<Impl>(io, std::move(options))) {}
CliVoice::~CliVoice() { m_impl->stop(); }
void CliVoice::connect(const std::string& host, std::uint16_t port) { m_impl->connect(host, port); }
void CliVoice::follow_call(const std::string& key) { m_impl->follow_call(key); }
void CliVoice::run_local(core::LocalCommand command) { m_impl->run_local(command); }
void CliVoice::stop() { m_impl->stop(); }

}  // namespace voixer::app
