// The window's state and behaviour, without drawing: the start screen's
// fields, the session and the client model, and the intents the views call.
// Views (views_*.cpp) read this and call its methods; nothing here touches
// ImGui, so the same object can be driven by tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/session.hpp"
#include "app/settings.hpp"
#include "audio/sound_player.hpp"
#include "core/client_model.hpp"

namespace voixer::app {

enum class Screen { Start, Main };

struct StartForm {
  std::string nickname;
  std::string port;     // Host
  std::string address;  // Join
  std::string password; // the server's password (Host: sets it; Join: gives it)
  std::string error;    // shown under the form
  bool offer_other_port = false;  // the port was in use
};

class GuiApp {
 public:
  GuiApp(AppSettings settings, std::string settings_path, std::function<void()> wake_ui);
  ~GuiApp();

  // Drains network events into the model; starts or stops voice and the
  // ring with the call state. Returns true when something changed.
  bool pump();
  // Something moves on screen by itself (talking indicators, call timer,
  // ringing), so the window must keep redrawing.
  bool animating() const;

  // ---- start screen -----------------------------------------------------
  StartForm& form() { return m_form; }
  void host();
  void join();
  void join_recent(const std::string& address);

  // ---- main screen --------------------------------------------------------
  Screen screen() const { return m_screen; }
  const core::ClientModel& model() const { return m_model; }
  void send_text(const std::string& text);
  void join_channel(const std::string& name);
  void leave_channel(const std::string& name);
  void open_conversation(const std::string& name);
  void refresh_channel_list();
  void set_topic(const std::string& topic);
  void call(const std::string& nickname);
  void mic_test();
  void accept_call();
  void deny_call();
  void hang_up();
  void invite(const std::string& nickname);
  void kick(const std::string& nickname);
  void retry_nickname(const std::string& nickname);
  void set_volume(const std::string& speaker, float gain);
  void toggle_mute();
  void toggle_deafen();
  void set_push_to_talk(bool pressed);

  bool muted() const { return m_muted; }
  bool deafened() const { return m_deafened; }
  bool hosting() const { return m_hosting; }
  const std::vector<std::string>& host_addresses() const { return m_host_addresses; }
  std::string connected_to() const { return m_address; }
  int round_trip_ms() const { return m_session->round_trip_ms(); }
  audio::VoiceEngine* engine() { return m_session->engine(); }
  const std::string& voice_problem() const { return m_voice_problem; }

  AppSettings& settings() { return m_settings; }
  // Tests: with VOIXER_GUI_TRACE=FILE, views note here what they put on
  // screen ("shown ..."), one line each, so a test can wait for it.
  void trace(const std::string& what);
  void save_settings();  // and apply the voice ones to the next call

 private:
  void send(const std::vector<std::string>& lines);
  void connect_to(const std::string& host, std::uint16_t port);
  void follow_call();
  static std::int64_t now_unix_ms();

  AppSettings m_settings;
  std::string m_settings_path;
  std::unique_ptr<Session> m_session;
  core::ClientModel m_model;
  StartForm m_form;
  Screen m_screen = Screen::Start;
  std::string m_address;
  bool m_hosting = false;
  std::vector<std::string> m_host_addresses;
  std::string m_voice_key;  // the call the voice is bound to
  std::string m_voice_problem;
  bool m_muted = false, m_deafened = false;
  bool m_rejoin_pending = false;
  audio::SoundPlayer m_ring;
  std::string m_trace_path;
  std::string m_operator_password;  // of the server this window hosts
};

// Where assets/ is: next to the executable's source tree, or installed.
std::string find_asset(const std::string& name);

}  // namespace voixer::app
