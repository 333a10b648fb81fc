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
  Impl(asio::io_context& io, CliVoiceOptions options) : m_io(io), m_timer(io) {
    if (!options.audio_in.empty() || !options.audio_out.empty()) {
      auto wav = std::make_unique<audio::WavDevice>(options.audio_in, options.audio_out);
      m_wav = wav.get();
      m_device = std::move(wav);
    } else {
      m_sdl = new audio::SdlDevice({options.input_device, options.output_device});
      m_device.reset(m_sdl);
    }
    m_engine = std::make_unique<audio::VoiceEngine>(
        *m_device, options.settings, [this](std::span<const std::uint8_t> frame) {
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

  void connect(const std::string& host, std::uint16_t port) {
    m_voice = std::make_unique<net::VoiceClient>(
        m_io, net::VoiceClient::Handlers{
                  [] {},
                  [this](std::string_view line) { on_control(line); },
                  [this](std::span<const std::uint8_t> frame) { m_engine->deliver(frame); },
                  [](const std::string& reason) { say(reason); }});
    m_voice->connect(host, port);
    watch();
  }

  void follow_call(const std::string& key) {
    if (key == m_key) return;
    m_key = key;
    m_engine->set_sending(false);
    if (key.empty()) {
      m_engine->reset_speakers();
      return;
    }
    if (m_voice) m_voice->bind(key);
  }

  void run_local(core::LocalCommand command) {
    switch (command) {
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
    if (line.rfind("SESSIONACCEPTED: ", 0) == 0 && line.substr(17) == m_key)
      m_engine->set_sending(true);
  }

  // Every 100 ms: report who starts and stops talking, the end of the
  // input file, and a failing device.
  void watch() {
    m_timer.expires_after(std::chrono::milliseconds(100));
    m_timer.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec) return;
      self->report();
      self->watch();
    });
  }

  void report() {
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
    if (m_sdl && !m_failure_reported) {
      if (auto why = m_sdl->failure(); !why.empty()) {
        m_failure_reported = true;
        say("audio device problem: " + why);
      }
    }
  }

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
  bool m_input_reported = false, m_failure_reported = false;
};

CliVoice::CliVoice(asio::io_context& io, CliVoiceOptions options)
    : m_impl(std::make_shared<Impl>(io, std::move(options))) {}
CliVoice::~CliVoice() { m_impl->stop(); }
void CliVoice::connect(const std::string& host, std::uint16_t port) { m_impl->connect(host, port); }
void CliVoice::follow_call(const std::string& key) { m_impl->follow_call(key); }
void CliVoice::run_local(core::LocalCommand command) { m_impl->run_local(command); }
void CliVoice::stop() { m_impl->stop(); }

}  // namespace voixer::app
