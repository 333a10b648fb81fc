#include "app/gui/gui_app.hpp"

#include <unistd.h>

#include <chrono>
#include <random>
#include <cstdio>
#include <filesystem>

#include "core/address.hpp"
#include "core/names.hpp"
#include "net/chat_server.hpp"
#include "net/lan_addresses.hpp"

namespace voixer::app {

std::string find_asset(const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates = {
#ifdef VOIXER_SOURCE_DIR
      fs::path(VOIXER_SOURCE_DIR) / "assets" / name,
#endif
      exe.parent_path() / "assets" / name,
      exe.parent_path() / ".." / "share" / "voixer" / name,
  };
  for (const auto& p : candidates)
    if (fs::exists(p, ec)) return p.string();
  return {};
}

GuiApp::GuiApp(AppSettings settings, std::string settings_path, std::function<void()> wake_ui)
    : m_settings(std::move(settings)),
      m_settings_path(std::move(settings_path)),
      m_session(std::make_unique<Session>(std::move(wake_ui))) {
  m_form.nickname = m_settings.nickname;
  m_form.port = std::to_string(m_settings.host_port);
  m_form.address = m_settings.recent.empty() ? "" : m_settings.recent.front();
  if (auto ring = find_asset("ring.wav"); !ring.empty()) m_ring.load(ring);
  if (const char* t = std::getenv("VOIXER_GUI_TRACE")) m_trace_path = t;
}

void GuiApp::trace(const std::string& what) {
  if (m_trace_path.empty()) return;
  if (FILE* f = std::fopen(m_trace_path.c_str(), "a")) {
    std::fprintf(f, "%s\n", what.c_str());
    std::fclose(f);
  }
}

GuiApp::~GuiApp() {
  m_ring.stop();
  m_session.reset();  // a host tells its clients it is going away
}

std::int64_t GuiApp::now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- start screen ----------------------------------------------------------

void GuiApp::host() {
  m_form.error.clear();
  m_form.offer_other_port = false;
  if (auto why = core::check_nickname(m_form.nickname); !why.empty()) {
    m_form.error = why;
    return;
  }
  if (m_model.phase() == core::ConnectionPhase::Refused) {  // same server, another name
    retry_nickname(m_form.nickname);
    return;
  }
  char* end = nullptr;
  long port = std::strtol(m_form.port.c_str(), &end, 10);
  if (m_form.port.empty() || *end || port < 1 || port > 65535) {
    m_form.error = "The port must be a number from 1 to 65535";
    return;
  }
  // The window that hosts is the server's operator (it can kick): a fresh
  // random operator password, known only to this process.
  std::random_device random;
  char hex[33];
  for (int i = 0; i < 32; ++i) hex[i] = "0123456789abcdef"[random() & 15];
  hex[32] = 0;
  m_operator_password = hex;
  std::string error =
      m_session->host(static_cast<std::uint16_t>(port), m_form.password, m_operator_password);
  if (!error.empty()) {
    m_form.error = "Cannot host: " + error + ".";
    m_form.offer_other_port = error.find("in use") != std::string::npos;
    return;
  }
  m_hosting = true;
  m_settings.host_port = static_cast<int>(port);
  for (const auto& a : net::lan_addresses()) m_host_addresses.push_back(a + ":" + std::to_string(port));
  if (m_host_addresses.empty()) m_host_addresses.push_back("127.0.0.1:" + std::to_string(port));
  connect_to("127.0.0.1", static_cast<std::uint16_t>(port));
}

void GuiApp::join() {
  m_form.error.clear();
  m_form.offer_other_port = false;
  if (auto why = core::check_nickname(m_form.nickname); !why.empty()) {
    m_form.error = why;
    return;
  }
  if (m_model.phase() == core::ConnectionPhase::Refused && !m_settings.recent.empty() &&
      m_form.address == m_settings.recent.front()) {  // same server, another name
    retry_nickname(m_form.nickname);
    return;
  }
  auto target = core::parse_host_port(m_form.address, net::kDefaultPort);
  if (!target.error.empty()) {
    m_form.error = "Address: " + target.error;
    return;
  }
  m_settings.remember_server(m_form.address);
  connect_to(target.host, target.port);
}

void GuiApp::join_recent(const std::string& address) {
  m_form.address = address;
  join();
}

void GuiApp::connect_to(const std::string& host, std::uint16_t port) {
  m_address = host + ":" + std::to_string(port);
  m_settings.nickname = m_form.nickname;
  save_settings();
  m_model = core::ClientModel(m_form.nickname);
  m_model.set_server_password(m_form.password);
  m_model.on_connecting();
  m_session->connect(host, port);
}

// ---- events ---------------------------------------------------------------

bool GuiApp::pump() {
  auto events = m_session->take_events();
  std::uint64_t before = m_model.version();
  for (const auto& e : events) {
    switch (e.kind) {
      case SessionEvent::Kind::Connected:
        m_model.on_connecting();
        send(m_model.connect_lines());
        break;
      case SessionEvent::Kind::Line: {
        auto phase_before = m_model.phase();
        m_model.apply(e.text, now_unix_ms());
        if (phase_before != core::ConnectionPhase::Connected &&
            m_model.phase() == core::ConnectionPhase::Connected) {
          m_screen = Screen::Main;
          if (m_hosting) send(m_model.become_operator(m_operator_password));
          if (m_rejoin_pending) send(m_model.rejoin_lines());
          m_rejoin_pending = false;
        }
        if (m_model.phase() == core::ConnectionPhase::Refused && m_screen == Screen::Start)
          m_form.error = m_model.status_text();
        break;
      }
      case SessionEvent::Kind::Disconnected:
        m_model.on_disconnected(e.text, e.will_retry, now_unix_ms());
        m_rejoin_pending = e.will_retry;
        if (m_screen == Screen::Start) m_form.error = "Cannot connect: " + e.text;
        if (m_screen == Screen::Start) m_session->disconnect();
        break;
      case SessionEvent::Kind::VoiceReady:
        m_voice_problem.clear();
        break;
      case SessionEvent::Kind::VoiceError:
        m_voice_problem = e.text;
        break;
    }
  }
  follow_call();
  return !events.empty() || m_model.version() != before;
}

void GuiApp::follow_call() {
  // The ring stops before the call's audio opens the same device.
  if (!m_model.incoming() && m_ring.playing()) m_ring.stop();
  const auto& call = m_model.call_state();
  std::string key = call.phase == core::CallPhase::InCall ? call.key : std::string();
  if (key != m_voice_key) {
    if (key.empty()) {
      m_session->stop_voice();
    } else {
      VoiceOptions o;
      o.input_device = m_settings.input_device;
      o.output_device = m_settings.output_device;
      o.settings.frame_ms = m_settings.frame_ms;
      o.settings.input_mode = m_settings.input_mode;
      o.settings.activation_level = m_settings.activation_level;
      o.settings.noise_suppression = m_settings.noise_suppression;
      if (const char* in = std::getenv("VOIXER_AUDIO_IN")) o.wav_in = in;    // tests
      if (const char* out = std::getenv("VOIXER_AUDIO_OUT")) o.wav_out = out;
      m_session->set_voice_options(o);
      m_session->start_voice(key);
      if (auto* e = m_session->engine()) {
        e->set_muted(m_muted);
        e->set_deafened(m_deafened);
      }
    }
    m_voice_key = key;
  }
  if (m_model.incoming()) m_ring.keep_looping();
}

bool GuiApp::animating() const {
  return m_model.call_state().phase != core::CallPhase::None || m_model.incoming().has_value();
}

// ---- intents --------------------------------------------------------------

void GuiApp::send(const std::vector<std::string>& lines) {
  for (const auto& l : lines) m_session->send(l);
}

void GuiApp::send_text(const std::string& text) { send(m_model.send_text(text, now_unix_ms())); }
void GuiApp::join_channel(const std::string& name) { send(m_model.join(name)); }
void GuiApp::leave_channel(const std::string& name) { send(m_model.leave(name)); }
void GuiApp::open_conversation(const std::string& name) {
  if (!m_model.find(name)) {
    send(m_model.open_private(name));
  } else {
    m_model.select(name);
  }
}
void GuiApp::refresh_channel_list() { send(m_model.request_list()); }
void GuiApp::set_topic(const std::string& topic) {
  if (const auto* c = m_model.active(); c && c->is_channel) send(m_model.set_topic(c->name, topic));
}
void GuiApp::call(const std::string& nickname) { send(m_model.call(nickname)); }
void GuiApp::mic_test() { send(m_model.call("*echo")); }
void GuiApp::accept_call() { send(m_model.accept_call()); }
void GuiApp::deny_call() { send(m_model.deny_call()); }
void GuiApp::hang_up() { send(m_model.hang_up()); }
void GuiApp::invite(const std::string& nickname) { send(m_model.invite(nickname)); }
void GuiApp::kick(const std::string& nickname) { send(m_model.kick(nickname, "kicked by the host")); }
void GuiApp::retry_nickname(const std::string& nickname) {
  m_form.nickname = nickname;
  send(m_model.set_nickname(nickname));
}
void GuiApp::set_volume(const std::string& speaker, float gain) {
  if (auto* e = m_session->engine()) e->set_volume(speaker, gain);
}
void GuiApp::toggle_mute() {
  m_muted = !m_muted;
  if (auto* e = m_session->engine()) e->set_muted(m_muted);
}
void GuiApp::toggle_deafen() {
  m_deafened = !m_deafened;
  if (auto* e = m_session->engine()) e->set_deafened(m_deafened);
}
void GuiApp::set_push_to_talk(bool pressed) {
  if (auto* e = m_session->engine()) e->set_push_to_talk(pressed);
}

void GuiApp::save_settings() {
  if (auto err = app::save_settings(m_settings_path, m_settings); !err.empty())
    m_voice_problem = err;
  if (auto* e = m_session->engine()) {
    e->set_input_mode(m_settings.input_mode);
    e->set_activation_level(m_settings.activation_level);
  }
}

}  // namespace voixer::app
