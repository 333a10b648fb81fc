#include "client/client_engine.hpp"

#include <chrono>
#include <utility>

#include <filesystem>

#include "core/voice_seal.hpp"
#include "net/random.hpp"
#include "platform/files.hpp"
#include "platform/identity_file.hpp"
#include "platform/host.hpp"

namespace voixer::client {

namespace {

// 128 random bits as 32 hex digits, from libsodium.
std::string random_password() {
  std::uint8_t bytes[16];
  net::secure_random()(bytes);
  std::string hex;
  for (auto b : bytes) {
    hex += "0123456789abcdef"[b >> 4];
    hex += "0123456789abcdef"[b & 15];
  }
  return hex;
}

}  // namespace

std::string default_known_servers_path() {
  return (std::filesystem::path(platform::config_dir()) / "known_servers").string();
}
std::string default_host_data_dir() { return platform::data_dir(); }
std::string default_download_dir() { return platform::download_dir(); }

ClientEngine::ClientEngine(EngineOptions options, std::function<void()> wake)
    : m_options(std::move(options)),
      m_connection(std::make_unique<Connection>(std::move(wake))),
      m_voice([c = m_connection.get()](std::span<const std::uint8_t> frame) {
        c->send_voice_frame(frame);  // on the voice thread
      }) {
  m_voice.set_options(m_options.voice_options);
  if (auto text = platform::read_file(m_options.known_servers_path))
    m_known = core::KnownServers::parse(*text, &m_known_warnings);
}

ClientEngine::~ClientEngine() {
  // The sound stops before the connection it sends through.
  m_voice.close();
  m_bound_engine.reset();
  m_connection.reset();
}

std::string ClientEngine::start_audio() {
  if (!m_options.voice || m_options.audio != AudioLifetime::WholeSession) return {};
  std::string error = m_voice.open();
  if (!error.empty()) m_options.voice = false;
  return error;
}

std::int64_t ClientEngine::now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ClientEngine::host(const HostChoices& choices) {
  core::ServerConfig config;
  config.hostname = platform::host_name();
  config.password = choices.password;
  // The engine that hosts is the server's operator (it can kick), with a
  // password known only to this process.
  m_operator_password = random_password();
  config.operator_password = m_operator_password;
  config.wall_clock_offset = now_unix_ms();  // the server's clock starts at 0 now
  std::string error;
  auto identity = platform::load_or_create_identity(m_options.host_data_dir, error);
  if (!identity) return error;
  Connection::HostOptions options;
  options.port = choices.port;
  options.identity = identity;
  options.require_encryption = choices.require_encryption;
  options.announce = choices.announce;
  options.name = choices.name;
  options.host_nickname = choices.nickname;
  config.files_quota = choices.files_quota;
  options.files_directory =
      (std::filesystem::path(m_options.host_data_dir) / "files").string();
  options.history_path =
      (std::filesystem::path(m_options.host_data_dir) / "history.sqlite3").string();
  platform::raise_open_files_limit();  // a descriptor per guest
  error = m_connection->host(std::move(config), options);
  m_hosting = error.empty();
  return error;
}

void ClientEngine::connect(const std::string& host, std::uint16_t port,
                           const std::string& nickname, const std::string& realname,
                           const std::string& password) {
  m_model = core::ClientModel(nickname, realname);
  m_model.set_server_password(password);
  m_model.on_connecting();
  m_rejoin_pending = false;
  m_connect_sent = false;
  m_held.clear();
  m_target = {host, port, nickname, realname, password};
  m_fingerprint.clear();
  m_server_identity.reset();
  m_changed_identity.reset();
  m_change_message.clear();
  m_connection->connect(host, port, m_known.lookup(m_target.address()));
}

void ClientEngine::trust_new_identity() {
  if (!m_changed_identity) return;
  m_known.pin(m_target.address(), *m_changed_identity);
  std::vector<ClientEvent> ignored;
  save_known_servers(ignored);
  Target t = m_target;
  connect(t.host, t.port, t.nickname, t.realname, t.password);
}

std::string ClientEngine::known_fingerprint(const std::string& address) const {
  auto key = m_known.lookup(address);
  return key ? core::fingerprint_words(*key) : std::string();
}

void ClientEngine::save_known_servers(std::vector<ClientEvent>& out) {
  std::string error = platform::write_file(m_options.known_servers_path, m_known.format());
  if (!error.empty()) out.push_back({ClientEvent::Kind::VoiceProblem, "cannot remember the server's identity: " + error});
}

void ClientEngine::on_identity(const ConnectionEvent& e, std::vector<ClientEvent>& out) {
  if (!e.identity) return;
  if (e.kind == ConnectionEvent::Kind::IdentityChanged) {
    if (m_options.accept_new_identity) {
      m_changed_identity = e.identity;
      out.push_back({ClientEvent::Kind::IdentityChanged,
                     e.text + "; trusting the new one (--accept-new-identity)"});
      trust_new_identity();
      m_refused_connection_closing = true;  // its Disconnected is not news
      return;
    }
    m_changed_identity = e.identity;
    m_change_message = e.text;
    out.push_back({ClientEvent::Kind::IdentityChanged, e.text});
    return;
  }
  bool first_time = !m_known.lookup(m_target.address());
  if (first_time) {
    m_known.pin(m_target.address(), *e.identity);
    save_known_servers(out);
  }
  m_server_identity = e.identity;
  bool announce = m_fingerprint != e.text;  // not again on every reconnect
  m_fingerprint = e.text;
  if (announce) {
    ClientEvent shown{ClientEvent::Kind::ServerIdentity, e.text};
    shown.first_time = first_time;
    out.push_back(std::move(shown));
  }
}

void ClientEngine::disconnect() { m_connection->disconnect(); }

void ClientEngine::send(const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    if (m_connect_sent) {
      m_connection->send(l);
    } else {
      m_held.push_back(l);
    }
  }
}

void ClientEngine::send_typed(const std::string& line) {
  m_model.note_sent(line);
  send({line});
}

void ClientEngine::set_voice_options(VoiceOptions options) {
  m_options.voice_options = options;
  m_voice.set_options(std::move(options));
}

std::vector<ClientEvent> ClientEngine::pump() {
  std::vector<ClientEvent> out;
  for (auto& e : m_connection->take_events()) {
    switch (e.kind) {
      case ConnectionEvent::Kind::Connected:
        m_model.on_connecting();
        for (const auto& l : m_model.connect_lines()) m_connection->send(l);
        m_connect_sent = true;
        send(std::exchange(m_held, {}));
        break;
      case ConnectionEvent::Kind::Line:
        on_line(e, out);
        break;
      case ConnectionEvent::Kind::Disconnected:
        if (std::exchange(m_refused_connection_closing, false)) break;
        m_model.on_disconnected(e.text, e.will_retry, now_unix_ms());
        m_rejoin_pending = e.will_retry;
        m_connect_sent = false;
        m_files.on_disconnected();
        out.push_back({ClientEvent::Kind::Disconnected, e.text, e.will_retry, e.retry_in_ms});
        break;
      case ConnectionEvent::Kind::VoiceControl:
        out.push_back({ClientEvent::Kind::VoiceControl, e.text});
        if (!e.message) break;
        if (auto* ok = std::get_if<core::SessionAccepted>(&*e.message);
            ok && !m_voice_key.empty() && (ok->key == m_voice_key_id || ok->key == m_voice_key)) {
          m_voice.set_sending(true);
          out.push_back({ClientEvent::Kind::VoiceReady, m_voice_key});
        } else if (auto* bad = std::get_if<core::SessionError>(&*e.message)) {
          out.push_back({ClientEvent::Kind::VoiceProblem, bad->message});
        }
        break;
      case ConnectionEvent::Kind::VoiceClosed:
        out.push_back({ClientEvent::Kind::VoiceProblem, e.text});
        break;
      case ConnectionEvent::Kind::Identity:
      case ConnectionEvent::Kind::IdentityChanged:
        on_identity(e, out);
        break;
    }
  }
  if (m_options.auto_answer == AutoAnswer::On && m_model.incoming()) send(m_model.accept_call());
  follow_call(out);
  tell_voice_state();
  poll_files(out);
  for (auto& note : m_voice.poll(std::chrono::steady_clock::now())) {
    using K = VoiceNote::Kind;
    ClientEvent::Kind kind = note.kind == K::TalkingStarted   ? ClientEvent::Kind::TalkingStarted
                             : note.kind == K::TalkingStopped ? ClientEvent::Kind::TalkingStopped
                             : note.kind == K::InputFinished  ? ClientEvent::Kind::AudioInputFinished
                             : note.kind == K::DeviceRestored ? ClientEvent::Kind::AudioRestored
                                                              : ClientEvent::Kind::VoiceProblem;
    out.push_back({kind, std::move(note.text)});
  }
  // A device that failed was replaced: feed the new engine.
  if (m_bound_engine && m_voice.engine() != m_bound_engine) {
    m_bound_engine = m_voice.engine();
    m_connection->set_voice_sink(m_bound_engine);
  }
  return out;
}

void ClientEngine::on_line(const ConnectionEvent& e, std::vector<ClientEvent>& out) {
  out.push_back({ClientEvent::Kind::ServerLine, e.text});
  if (!e.message) return;
  auto before = m_model.phase();
  m_model.apply(*e.message, now_unix_ms());
  follow_files(*e.message);
  send(m_model.take_follow_ups());
  if (before == core::ConnectionPhase::Connected ||
      m_model.phase() != core::ConnectionPhase::Connected)
    return;
  // Just accepted.
  if (m_hosting) send(m_model.become_operator(m_operator_password));
  if (m_rejoin_pending) send(m_model.rejoin_lines());
  m_rejoin_pending = false;
}

// ---- files ------------------------------------------------------------------

std::string ClientEngine::send_file(const std::string& conversation, const std::string& path) {
  if (conversation.empty()) return "open a channel or a private conversation to send a file to";
  return m_files.send(conversation, path);
}

std::string ClientEngine::fetch_file(const std::string& id, const std::string& directory,
                                     Landing landing) {
  const core::FileShared* f = m_model.find_file(id);
  if (!f) return "no file '" + id + "' in the conversations shown";
  return m_files.fetch(*f, directory.empty() ? m_options.download_dir : directory, landing);
}

bool ClientEngine::files_moving() const {
  for (const auto& j : m_files.jobs())
    if (j.state == FileJobView::State::Hashing || j.state == FileJobView::State::Asking ||
        j.state == FileJobView::State::Moving)
      return true;
  return false;
}

void ClientEngine::follow_files(const core::ServerMessage& m) {
  if (auto* g = std::get_if<core::FileGrant>(&m)) m_files.on_grant(*g);
  if (auto* f = std::get_if<core::FileShared>(&m)) m_files.on_shared(*f);
  if (auto* e = std::get_if<core::Error>(&m);
      e && (e->code == core::error_code::kFileRefused || e->code == core::error_code::kNoSuchFile))
    m_files.on_refused(e->message);
}

void ClientEngine::poll_files(std::vector<ClientEvent>& out) {
  if (m_model.phase() != core::ConnectionPhase::Connected || !m_server_identity) return;
  std::vector<std::string> lines;
  auto notes = m_files.poll({m_target.host, m_target.port, *m_server_identity}, lines);
  send(lines);
  for (auto& n : notes) {
    auto kind = n.kind == FileNote::Kind::Done     ? ClientEvent::Kind::FileDone
                : n.kind == FileNote::Kind::Failed ? ClientEvent::Kind::FileFailed
                                                   : ClientEvent::Kind::FileProgress;
    out.push_back({kind, std::move(n.text)});
  }
}

// The others see my mute, deafen and lost devices as they change: the
// channel, in a voice room (my talking too); the other members, in a call
// (they hear who talks).
void ClientEngine::tell_voice_state() {
  const auto& call = m_model.call_state();
  bool in_room = !m_model.voice_room().empty() && m_voice_key == m_model.voice_room_key();
  bool in_call = call.phase == core::CallPhase::InCall && !call.echo && m_voice_key == call.key;
  if (m_voice_key.empty() || (!in_room && !in_call)) return;
  core::VoiceFlags flags{m_voice.muted(), m_voice.deafened(), false};
  if (auto engine = m_voice.engine(); engine && in_room)
    flags.talking = engine->stats().transmitting && !flags.muted;
  flags.no_microphone = m_voice.missing(audio::Direction::Capture);
  flags.no_speakers = m_voice.missing(audio::Direction::Playback);
  if (m_told_flags && *m_told_flags == flags) return;
  bool news = m_told_flags || in_room || flags != core::VoiceFlags{};  // a call starts with none
  m_told_flags = flags;
  if (!news) return;
  send(m_model.set_voice_flags(flags));
}

void ClientEngine::follow_call(std::vector<ClientEvent>& out) {
  const auto& call = m_model.call_state();
  // A call, else the voice room: one at a time (the server sees to it).
  std::string key = call.phase == core::CallPhase::InCall ? call.key : m_model.voice_room_key();
  if (key != m_voice_key) m_told_flags.reset();
  if (key == m_voice_key || !m_options.voice) return;
  m_voice_key = key;
  m_voice_key_id = key.empty() ? std::string() : core::derive_voice_keys(key).id;
  m_voice.set_sending(false);  // until the server accepts the binding
  if (key.empty()) {
    m_voice.reset_speakers();
    m_connection->unbind_voice();
    m_bound_engine.reset();
    if (m_options.audio == AudioLifetime::WhileInCall) m_voice.close();
    return;
  }
  if (auto error = m_voice.open(); !error.empty()) {
    if (call.phase == core::CallPhase::InCall && call.echo) {
      // The mic test plays your voice back: without sound it would be a
      // silent call, so it ends at once and says why.
      send(m_model.hang_up());
      out.push_back({ClientEvent::Kind::VoiceProblem,
                     "the mic test needs a microphone and speakers: " + error});
      return;
    }
    out.push_back({ClientEvent::Kind::VoiceProblem, "no audio: " + error});
    return;
  }
  m_bound_engine = m_voice.engine();
  m_connection->bind_voice(key, m_bound_engine);
}

}  // namespace voixer::client
