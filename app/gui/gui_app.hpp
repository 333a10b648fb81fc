// The window's state and behaviour, without drawing: the start screen's
// fields, the settings, the ring, and the client engine (model, connection,
// sound) the views read and send intents to. Nothing here touches ImGui,
// so the same object can be driven by tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <map>
#include <set>
#include <vector>

#include "app/settings.hpp"
#include "audio/sound_player.hpp"
#include "client/client_engine.hpp"
#include "client/lan_watch.hpp"
#include "core/client_model.hpp"

namespace voixer::platform {
class GlobalKey;
}

namespace voixer::app {

enum class Screen { Start, Main };

struct StartForm {
  std::string nickname;
  std::string port;     // Host
  std::string server_name;  // Host: its name on the LAN ("" : "<nickname>'s server")
  std::string address;  // Join
  std::string password; // the server's password (Host: sets it; Join: gives it)
  std::string error;    // shown under the form
  bool offer_other_port = false;  // the port was in use
  bool sealed_only = false;       // Host: refuse plain (seed protocol) clients such as nc
};

// Options for scripts and tests, from the command line.
struct GuiOptions {
  std::string trace_path;      // --trace FILE: what the views put on screen, a line each
  std::uint16_t discovery_port = core::kDiscoveryPort;  // --discovery-port: LAN discovery
  std::string wav_in, wav_out; // --audio-in / --audio-out: WAV files instead of SDL devices
  std::string download_dir;    // --download-dir: where fetched files go ("": the user's Downloads)
};

class GuiApp {
 public:
  // Images up to this size are fetched on their own for a thumbnail.
  static constexpr std::uint64_t kMaxThumbnailSource = 16'000'000;

  GuiApp(AppSettings settings, std::string settings_path, std::function<void()> wake_ui,
         GuiOptions options = {});
  ~GuiApp();

  // Drains network events into the model; starts or stops the ring with
  // the call state. Returns true when something changed.
  bool pump();
  // Something moves on screen by itself (talking indicators, call timer,
  // ringing), so the window must keep redrawing.
  bool animating() const;

  // ---- start screen -----------------------------------------------------
  StartForm& form() { return m_form; }
  void host();
  void join();
  void join_recent(const std::string& address);
  // The voixer servers on the local networks (while the start screen shows).
  std::vector<core::LanServer> lan_servers() const;
  void join_lan(const core::LanServer& server);
  // The fingerprint remembered for a server address as typed, "" if never met.
  std::string known_fingerprint(const std::string& address) const;

  // ---- the server's identity ----------------------------------------------
  const std::string& server_fingerprint() const { return m_engine.server_fingerprint(); }
  // The join stopped because the server's identity is not the one trusted
  // before; the person trusts the new one (and the join goes on) or cancels.
  bool identity_changed() const { return m_engine.identity_changed() && !m_identity_dismissed; }
  const std::string& identity_change_message() const { return m_engine.identity_change_message(); }
  void trust_new_identity();
  void cancel_new_identity();

  // ---- main screen --------------------------------------------------------
  Screen screen() const { return m_screen; }
  const core::ClientModel& model() const { return m_engine.model(); }
  void send_text(const std::string& text);
  void join_channel(const std::string& name);
  void leave_channel(const std::string& name);
  // A channel is left and goes from the list; a private conversation goes.
  void close_conversation(const std::string& name);
  // A link in a message: opened in the browser (http and https only).
  void open_link(const std::string& url);
  void open_conversation(const std::string& name);
  void refresh_channel_list();
  void load_older(const std::string& channel);
  // Searches a conversation's history (the server's SQLite index).
  void search(const std::string& conversation, const std::string& words);
  void clear_search();
  void set_topic(const std::string& topic);
  void call(const std::string& nickname);
  void mic_test();
  void accept_call();
  void deny_call();
  void hang_up();
  void invite(const std::string& nickname);
  // Voice rooms: in with one click (leaving a call or another room), out with one.
  void join_voice(const std::string& channel);
  void leave_voice();
  void kick(const std::string& nickname);
  // Operators: keep someone out for `minutes` (0: until the server restarts).
  void ban(const std::string& nickname, std::uint32_t minutes);
  void unban(const std::string& nickname_or_address);
  void retry_nickname(const std::string& nickname);
  void set_volume(const std::string& speaker, float gain);
  void toggle_mute();
  void toggle_deafen();
  void set_push_to_talk(bool pressed);
  // Once a frame (and when woken): while the settings ask for push-to-talk,
  // the chosen key is watched in every window (platform/global_keys.hpp) and
  // decides; where that is impossible, `window_held` (the key as the
  // focused window sees it) does. Never while `typing` in this window.
  void update_push_to_talk(bool window_held, bool typing);
  // Why the push-to-talk key does not work whatever window has the focus,
  // or "" (also "" while push-to-talk is not chosen).
  std::string push_to_talk_problem() const;

  bool muted() const { return m_engine.voice().muted(); }
  bool deafened() const { return m_engine.voice().deafened(); }
  bool hosting() const { return m_engine.hosting(); }
  const std::vector<std::string>& host_addresses() const { return m_host_addresses; }
  std::string connected_to() const { return m_address; }
  int round_trip_ms() const { return m_engine.round_trip_ms(); }
  // The running voice engine (levels, statistics), or null outside a call.
  // Valid until the next pump().
  audio::VoiceEngine* engine() { return m_shown_engine.get(); }
  const std::string& voice_problem() const { return m_voice_problem; }
  // The sound devices the system offers (input or output), for Settings.
  std::vector<std::string> audio_devices(bool input) const;

  // ---- files ----------------------------------------------------------------
  // Files dropped on the window: shared in the open conversation. A file
  // that cannot be sent is said in the conversation.
  void share_files(const std::vector<std::string>& paths);
  // Fetches a shared file into the download directory.
  void fetch_file(const std::string& id);
  // My uploads to `conversation` that are not done yet.
  std::vector<client::FileJobView> uploads(const std::string& conversation) const;
  // The newest transfer of file `id`, if any.
  std::optional<client::FileJobView> file_job(const std::string& id) const;
  // Where an image shared in the open conversation was fetched to (on its
  // own, for its thumbnail), "" until it is there.
  std::string image_path(const std::string& id) const;
  // Opens a fetched file with the desktop's application for it.
  void open_file(const std::string& path);
  const std::string& file_problem() const { return m_file_problem; }

  // After a pump in which a message named me or a private message
  // arrived: whether the taskbar should flash, and the desktop
  // notification to show (summary "" for none), as Settings allow. The
  // window asks for them only while it is not focused.
  struct Attention {
    bool flash = false;
    std::string summary, body;
  };
  Attention take_attention();

  AppSettings& settings() { return m_settings; }
  // With --trace FILE, views note here what they put on screen ("shown
  // ..."), one line each, so a test can wait for it.
  void trace(const std::string& what);
  void trace_once(const std::string& what);  // the first time only
  void save_settings();  // and apply the voice ones to the next call

 private:
  void connect_to(const std::string& host, std::uint16_t port);
  void fetch_images();
  client::VoiceOptions voice_options() const;

  AppSettings m_settings;
  std::string m_settings_path;
  GuiOptions m_options;
  client::ClientEngine m_engine;
  std::shared_ptr<audio::VoiceEngine> m_shown_engine;  // held for the views until the next pump
  StartForm m_form;
  Screen m_screen = Screen::Start;
  std::string m_address;       // host:port of the server the engine connects to
  std::string m_join_address;  // as typed, saved to recent servers once accepted
  std::vector<std::string> m_host_addresses;
  std::string m_voice_problem;
  bool m_was_operator = false;
  bool m_identity_dismissed = false;  // the person cancelled this identity warning
  std::uint64_t m_attention_seen = 0;
  audio::SoundPlayer m_ring;
  std::function<void()> m_wake_ui;
  std::unique_ptr<platform::GlobalKey> m_global_key;  // while push-to-talk is chosen
  std::unique_ptr<client::LanWatch> m_lan;  // while the start screen shows
  std::uint64_t m_lan_version = 0;
  std::set<std::string> m_traced;  // what trace_once() wrote
  std::string m_images_dir;        // images fetched for thumbnails
  struct CachedImage {
    std::string path;  // in m_images_dir, named by its hash
    bool there = false;  // found there before any fetch
  };
  std::map<std::string, CachedImage> m_images;  // by file id
  std::string m_file_problem;
};

}  // namespace voixer::app
