// One client, under both faces (the window and `voixer cli`): the client
// model (what the user sees), the connection (text, voice, reconnect) and
// the sound, wired together. The engine sends CONNECT when the connection
// is up, rejoins the channels after a reconnect, becomes operator of the
// server it hosts, answers calls when asked to, and keeps the sound bound
// to the call (or voice room) the model says the user is in.
//
// Threads: every method is for the owner's thread (the UI thread, or the
// cli's main thread). The network thread calls `wake` when something
// arrived; the owner then calls pump().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/connection.hpp"
#include "client/file_jobs.hpp"
#include "client/voice_link.hpp"
#include "core/client_model.hpp"
#include "core/known_servers.hpp"

namespace voixer::client {

// When the sound device is open.
enum class AudioLifetime {
  WhileInCall,   // opened for a call, closed after it (the window)
  WholeSession,  // opened at start and kept (the cli: WAV files stay aligned)
};

enum class AutoAnswer { Off, On };

std::string default_known_servers_path();  // $XDG_CONFIG_HOME/voixer/known_servers
std::string default_host_data_dir();       // $XDG_DATA_HOME/voixer
std::string default_download_dir();        // $XDG_DOWNLOAD_DIR, else ~/Downloads

struct EngineOptions {
  bool voice = true;  // false: text only, no device, no voice connection
  // The servers met before and their identities (trust on first use).
  std::string known_servers_path = default_known_servers_path();
  // Trust a server whose identity changed without asking (cli's
  // --accept-new-identity); otherwise the face asks, trust_new_identity().
  bool accept_new_identity = false;
  // Where the server this engine hosts keeps its identity.
  std::string host_data_dir = default_host_data_dir();
  // Where fetched files land (a name already there is never replaced).
  std::string download_dir = default_download_dir();
  AudioLifetime audio = AudioLifetime::WhileInCall;
  AutoAnswer auto_answer = AutoAnswer::Off;
  VoiceOptions voice_options;
};

// What happened, for the face to show, print or ignore.
struct ClientEvent {
  enum class Kind {
    ServerLine,      // text: a line as the server sent it (printed by the cli)
    Disconnected,    // text: why; will_retry / retry_in_ms
    VoiceControl,    // text: a line on the voice connection (SESSIONACCEPTED ...)
    VoiceReady,      // the voice is bound to the call: talking goes out
    VoiceProblem,    // text: the sound or the voice connection failed
    AudioRestored,   // text: a microphone or speakers that went away are back
    TalkingStarted,  // text: who
    TalkingStopped,  // text: who
    AudioInputFinished,  // the WAV input file has been played
    ServerIdentity,   // text: the server's fingerprint; first_time when just pinned
    IdentityChanged,  // text: why the join stopped; trust_new_identity() goes on
    FileProgress,     // text: how a file transfer goes (tenths, resumed, retrying)
    FileDone,         // text: a file was sent, or saved where
    FileFailed,       // text: why a file transfer stopped
  };
  Kind kind;
  std::string text = {};
  bool will_retry = false;
  int retry_in_ms = 0;
  bool first_time = false;
};

class ClientEngine {
 public:
  ClientEngine(EngineOptions options, std::function<void()> wake);
  ~ClientEngine();  // a hosting engine tells its clients it is going away
  ClientEngine(const ClientEngine&) = delete;
  ClientEngine& operator=(const ClientEngine&) = delete;

  // Opens the sound now when the audio lives for the whole session.
  // Returns "" or why it could not (the engine then runs text only).
  std::string start_audio();

  // Starts the embedded server on `port`; this engine will be its operator.
  // Returns "" or a one-line reason ("port 8649 is already in use").
  // The server's password (none: open), its name on the LAN (announced
  // unless `announce` is false, with `nickname` as its host), and whether
  // it refuses plain (seed protocol) clients.
  struct HostChoices {
    std::uint16_t port = 0;
    std::string password;
    bool require_encryption = false;
    bool announce = true;
    std::string name, nickname;
    std::uint64_t files_quota = kDefaultFilesQuota;  // 0: no files
  };
  static constexpr std::uint64_t kDefaultFilesQuota = 4'000'000'000;
  std::string host(const HostChoices& choices);
  bool hosting() const { return m_hosting; }

  // Connects as `nickname` (a fresh model); reconnects after drops.
  void connect(const std::string& host, std::uint16_t port, const std::string& nickname,
               const std::string& realname = {}, const std::string& password = {});
  // DISCONNECT, no reconnect; a Disconnected event follows.
  void disconnect();

  // ---- the server's identity ------------------------------------------------
  // The fingerprint of the server this connection trusts, "" before one.
  const std::string& server_fingerprint() const { return m_fingerprint; }
  // The join stopped: the server showed another identity than the pinned
  // one. The message says which; trust_new_identity() pins it and joins.
  bool identity_changed() const { return m_changed_identity.has_value(); }
  const std::string& identity_change_message() const { return m_change_message; }
  void trust_new_identity();
  // The fingerprint pinned for "host:port", "" when never met.
  std::string known_fingerprint(const std::string& address) const;
  // Problems reading the known servers file, for the face to show once.
  const std::vector<std::string>& known_servers_warnings() const { return m_known_warnings; }

  // Applies what arrived to the model and the sound; returns it, in order.
  std::vector<ClientEvent> pump();

  const core::ClientModel& model() const { return m_model; }
  // Intents: the model's methods return the lines to send, e.g.
  // engine.send(engine.model().join("#games")).
  core::ClientModel& model() { return m_model; }
  void send(const std::vector<std::string>& lines);
  // A protocol line typed by the user, passed through as is.
  void send_typed(const std::string& line);

  // ---- files ----------------------------------------------------------------
  // Shares the file at `path` in `conversation` ("#chan" or a nickname):
  // hashed, offered, sent. Returns "" or why not; FileDone/FileFailed follow.
  std::string send_file(const std::string& conversation, const std::string& path);
  // Fetches a file shared in a conversation I see, into `directory`
  // (empty: the download directory), landing as `landing` says. Returns
  // "" or why not.
  std::string fetch_file(const std::string& id, const std::string& directory = {},
                         Landing landing = Landing::NewName);
  std::vector<FileJobView> file_jobs() const { return m_files.jobs(); }
  bool files_moving() const;  // a transfer runs: the face polls often

  // ---- sound ----------------------------------------------------------------
  VoiceLink& voice() { return m_voice; }
  const VoiceLink& voice() const { return m_voice; }
  // Device and voice settings for the next time the sound opens.
  void set_voice_options(VoiceOptions options);
  bool voice_enabled() const { return m_options.voice; }

  int round_trip_ms() const { return m_connection->round_trip_ms(); }
  int voice_round_trip_ms() const { return m_connection->voice_round_trip_ms(); }

  // The wall clock in Unix milliseconds (the model's times).
  static std::int64_t now_unix_ms();

 private:
  void on_line(const ConnectionEvent& e, std::vector<ClientEvent>& out);
  void on_identity(const ConnectionEvent& e, std::vector<ClientEvent>& out);
  void save_known_servers(std::vector<ClientEvent>& out);
  void follow_call(std::vector<ClientEvent>& out);
  void tell_voice_state();
  void follow_files(const core::ServerMessage& m);
  void poll_files(std::vector<ClientEvent>& out);

  EngineOptions m_options;
  std::unique_ptr<Connection> m_connection;
  VoiceLink m_voice;
  core::ClientModel m_model;
  bool m_hosting = false;
  std::string m_operator_password;  // of the server this engine hosts
  bool m_rejoin_pending = false;
  // Lines to send wait until CONNECT has gone out on this connection: a
  // line typed while connecting must not reach the server before it.
  bool m_connect_sent = false;
  std::vector<std::string> m_held;
  core::KnownServers m_known;
  std::vector<std::string> m_known_warnings;
  struct Target {
    std::string host;
    std::uint16_t port = 0;
    std::string nickname, realname, password;
    std::string address() const { return host + ":" + std::to_string(port); }
  } m_target;
  std::string m_fingerprint;
  std::optional<core::PublicKey> m_server_identity;  // proven by this connection
  FileJobs m_files;
  std::optional<core::PublicKey> m_changed_identity;  // shown by the server, not trusted yet
  std::string m_change_message;
  bool m_refused_connection_closing = false;  // trusted anew: the refused one's close follows
  std::string m_voice_key;  // the call the sound is bound to
  std::string m_voice_key_id;  // its name on the sealed voice connection
  std::shared_ptr<audio::VoiceEngine> m_bound_engine;  // what the connection feeds
  std::optional<core::VoiceFlags> m_told_flags;  // what the voice room last heard of me
};

}  // namespace voixer::client
