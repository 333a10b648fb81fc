#include "app/gui/gui_app.hpp"

#include <cstdio>
#include <filesystem>

#include "audio/sdl_device.hpp"
#include "core/address.hpp"
#include "core/calls.hpp"
#include "core/discovery.hpp"
#include "core/file_names.hpp"
#include "core/names.hpp"
#include "net/chat_server.hpp"
#include "net/lan_addresses.hpp"
#include "platform/desktop.hpp"
#include "platform/files.hpp"
#include "platform/global_keys.hpp"
#include "platform/paths.hpp"

namespace voixer::app {

namespace {

client::EngineOptions engine_options(const GuiOptions& options) {
  client::EngineOptions o;
  o.audio = client::AudioLifetime::WhileInCall;  // the microphone is open only in a call
  if (!options.download_dir.empty()) o.download_dir = options.download_dir;
  return o;
}

// "cannot connect to x: refused" -> "Cannot connect to x: refused".
std::string sentence(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text;
}

}  // namespace

GuiApp::GuiApp(AppSettings settings, std::string settings_path, std::function<void()> wake_ui,
               GuiOptions options)
    : m_settings(std::move(settings)),
      m_settings_path(std::move(settings_path)),
      m_options(std::move(options)),
      m_engine(engine_options(m_options), wake_ui),
      m_wake_ui(std::move(wake_ui)) {
  m_form.nickname = m_settings.nickname;
  m_form.port = std::to_string(m_settings.host_port);
  m_form.address = m_settings.recent.empty() ? "" : m_settings.recent.front();
  if (auto ring = platform::find_asset("ring.wav"); !ring.empty()) m_ring.load(ring);
  m_engine.set_voice_options(voice_options());
  m_images_dir = (std::filesystem::path(platform::cache_dir()) / "images").string();
}

GuiApp::~GuiApp() {
  m_ring.stop();
  m_shown_engine.reset();
}

void GuiApp::trace(const std::string& what) {
  if (m_options.trace_path.empty()) return;
  if (FILE* f = std::fopen(m_options.trace_path.c_str(), "a")) {
    std::fprintf(f, "%s\n", what.c_str());
    std::fclose(f);
  }
}

void GuiApp::trace_once(const std::string& what) {
  if (!m_options.trace_path.empty() && m_traced.insert(what).second) trace(what);
}

client::VoiceOptions GuiApp::voice_options() const {
  client::VoiceOptions o;
  o.input_device = m_settings.input_device;
  o.output_device = m_settings.output_device;
  o.settings.frame_ms = m_settings.frame_ms;
  o.settings.input_mode = m_settings.input_mode;
  o.settings.activation_level = m_settings.activation_level;
  o.settings.noise_suppression = m_settings.noise_suppression;
  o.settings.echo_cancellation = m_settings.echo_cancellation;
  o.settings.low_delay = m_settings.low_delay;
  o.wav_in = m_options.wav_in;
  o.wav_out = m_options.wav_out;
  return o;
}

std::vector<std::string> GuiApp::audio_devices(bool input) const {
  try {
    return audio::SdlDevice::list(input);
  } catch (const std::exception&) {
    return {};  // no sound system: only "System default" is offered
  }
}

// ---- start screen ----------------------------------------------------------

void GuiApp::host() {
  m_form.error.clear();
  m_form.offer_other_port = false;
  if (auto why = core::check_nickname(m_form.nickname); !why.empty()) {
    m_form.error = why;
    return;
  }
  if (model().phase() == core::ConnectionPhase::Refused) {  // same server, another name
    retry_nickname(m_form.nickname);
    return;
  }
  auto port = core::parse_port(m_form.port);
  if (!port) {
    m_form.error = "The port must be a number from 1 to 65535";
    return;
  }
  client::ClientEngine::HostChoices choices;
  choices.port = *port;
  choices.password = m_form.password;
  choices.require_encryption = m_form.sealed_only;
  choices.name = core::clean_server_name(m_form.server_name);
  if (choices.name.empty()) choices.name = m_form.nickname + "'s server";
  choices.nickname = m_form.nickname;
  std::string error = m_engine.host(choices);
  if (!error.empty()) {
    m_form.error = "Cannot host: " + error + ".";
    m_form.offer_other_port = error.find("in use") != std::string::npos;
    return;
  }
  m_settings.host_port = *port;
  for (const auto& a : net::lan_addresses()) m_host_addresses.push_back(a + ":" + m_form.port);
  if (m_host_addresses.empty()) m_host_addresses.push_back("127.0.0.1:" + m_form.port);
  m_join_address.clear();
  connect_to("127.0.0.1", *port);
}

void GuiApp::join() {
  m_form.error.clear();
  m_form.offer_other_port = false;
  if (auto why = core::check_nickname(m_form.nickname); !why.empty()) {
    m_form.error = why;
    return;
  }
  if (model().phase() == core::ConnectionPhase::Refused && m_form.address == m_join_address) {
    retry_nickname(m_form.nickname);  // same server, another name
    return;
  }
  auto target = core::parse_host_port(m_form.address, core::kDefaultPort);
  if (!target.error.empty()) {
    m_form.error = "Address: " + target.error;
    return;
  }
  m_join_address = m_form.address;
  connect_to(target.host, target.port);
}

void GuiApp::join_recent(const std::string& address) {
  m_form.address = address;
  join();
}

std::vector<core::LanServer> GuiApp::lan_servers() const {
  return m_lan ? m_lan->servers() : std::vector<core::LanServer>{};
}

void GuiApp::join_lan(const core::LanServer& server) {
  m_form.address = server.address();
  join();
}

std::string GuiApp::known_fingerprint(const std::string& address) const {
  auto target = core::parse_host_port(address, core::kDefaultPort);
  if (!target.error.empty()) return {};
  return m_engine.known_fingerprint(target.host + ":" + std::to_string(target.port));
}

void GuiApp::trust_new_identity() {
  m_form.error.clear();
  m_engine.trust_new_identity();
}

void GuiApp::cancel_new_identity() {
  m_identity_dismissed = true;
  m_form.error = "Not joined: " + m_engine.identity_change_message() + ".";
  if (m_screen == Screen::Main) m_screen = Screen::Start;
}

void GuiApp::connect_to(const std::string& host, std::uint16_t port) {
  m_identity_dismissed = false;
  m_address = host + ":" + std::to_string(port);
  m_settings.nickname = m_form.nickname;
  save_settings();
  m_engine.connect(host, port, m_form.nickname, m_form.nickname, m_form.password);
  m_attention_seen = 0;  // a fresh model counts from zero
}

// ---- events ---------------------------------------------------------------

bool GuiApp::pump() {
  std::uint64_t before = model().version();
  auto phase_before = model().phase();
  auto events = m_engine.pump();
  for (const auto& e : events) {
    switch (e.kind) {
      case client::ClientEvent::Kind::Disconnected:
        if (m_screen == Screen::Start) m_form.error = sentence(model().status_text());
        break;
      case client::ClientEvent::Kind::VoiceReady:
        m_voice_problem.clear();
        break;
      case client::ClientEvent::Kind::VoiceProblem:
        m_voice_problem = e.text;
        break;
      case client::ClientEvent::Kind::FileFailed:
        m_file_problem = e.text;
        trace("file failed " + e.text);
        break;
      case client::ClientEvent::Kind::FileDone:
        m_file_problem.clear();
        trace("file done " + e.text);
        break;
      case client::ClientEvent::Kind::AudioRestored:
        // The call panel shows what is still missing, or nothing.
        m_voice_problem = m_engine.voice().sound_problem();
        break;
      default:
        break;
    }
  }
  if (phase_before != core::ConnectionPhase::Connected &&
      model().phase() == core::ConnectionPhase::Connected) {
    m_screen = Screen::Main;
    // Only a server that let us in is worth remembering.
    if (!m_join_address.empty()) {
      m_settings.remember_server(m_join_address);
      save_settings();
    }
  }
  // A new operator learns who is banned already.
  if (model().is_operator() && !m_was_operator) m_engine.send(m_engine.model().request_bans());
  m_was_operator = model().is_operator();
  if (model().phase() == core::ConnectionPhase::Refused && m_screen == Screen::Start)
    m_form.error = model().status_text();
  // The LAN is watched while the start screen shows.
  if (m_screen == Screen::Start && !m_lan)
    m_lan = std::make_unique<client::LanWatch>(m_wake_ui, m_options.discovery_port);
  if (m_screen == Screen::Main) m_lan.reset();
  bool lan_changed = m_lan && m_lan->version() != m_lan_version;
  if (m_lan) m_lan_version = m_lan->version();
  fetch_images();
  if (!model().incoming() && m_ring.playing()) m_ring.stop();
  if (model().incoming()) m_ring.keep_looping();
  m_shown_engine = m_engine.voice().engine();
  return !events.empty() || model().version() != before || lan_changed;
}

GuiApp::Attention GuiApp::take_attention() {
  std::uint64_t now = model().attention_count();
  bool grew = now > m_attention_seen;
  m_attention_seen = now;
  Attention a;
  if (!grew) return a;
  a.flash = m_settings.flash_on_mention;
  if (m_settings.notify_desktop) {
    const auto& last = model().last_attention();
    a.summary = last.private_message ? last.sender : last.sender + " in " + last.conversation;
    a.body = std::string(core::utf8_prefix(last.text, 200));
    if (a.body.size() < last.text.size()) a.body += "...";
  }
  return a;
}

bool GuiApp::animating() const {
  return model().call_state().phase != core::CallPhase::None || model().incoming().has_value() ||
         !model().voice_room().empty() || m_engine.files_moving();
}

void GuiApp::join_voice(const std::string& channel) {
  trace("joining voice " + channel);
  m_engine.send(m_engine.model().join_voice(channel));
}

void GuiApp::leave_voice() { m_engine.send(m_engine.model().leave_voice()); }

// ---- files ------------------------------------------------------------------

void GuiApp::share_files(const std::vector<std::string>& paths) {
  const core::Conversation* c = model().active();
  if (!c) return;
  for (const auto& path : paths) {
    std::string why = m_engine.send_file(c->name, path);
    trace(why.empty() ? "sending file " + path + " to " + c->name : "file refused " + why);
    if (!why.empty()) m_file_problem = why;
  }
}

void GuiApp::fetch_file(const std::string& id) {
  std::string why = m_engine.fetch_file(id);
  trace(why.empty() ? "fetching file " + id : "file refused " + why);
  if (!why.empty()) m_file_problem = why;
}

std::optional<client::FileJobView> GuiApp::file_job(const std::string& id) const {
  std::optional<client::FileJobView> found;
  for (auto& j : m_engine.file_jobs())
    if (j.id == id) found = j;
  return found;
}

std::vector<client::FileJobView> GuiApp::uploads(const std::string& conversation) const {
  std::vector<client::FileJobView> out;
  for (auto& j : m_engine.file_jobs())
    if (j.upload && j.conversation == conversation && j.state != client::FileJobView::State::Done &&
        j.state != client::FileJobView::State::Failed)
      out.push_back(j);
  return out;
}

std::string GuiApp::image_path(const std::string& id) const {
  auto it = m_images.find(id);
  if (it == m_images.end()) return {};
  if (it->second.there) return it->second.path;
  for (auto& j : m_engine.file_jobs())
    if (j.id == id && j.state == client::FileJobView::State::Done && j.saved_path == it->second.path)
      return j.saved_path;
  return {};
}

void GuiApp::open_file(const std::string& path) {
  trace("opened file " + path);
  if (!platform::open_file(path)) m_file_problem = "cannot open " + path;
}

// Images shared in the open conversation come on their own, small ones
// only, for their thumbnails. They are kept by their hash: one seen
// before (here or in another conversation, or before a restart) is not
// fetched again.
void GuiApp::fetch_images() {
  const core::Conversation* c = model().active();
  if (!c) return;
  for (const auto& l : c->lines) {
    if (!l.file || l.file->size > kMaxThumbnailSource || !core::is_image_name(l.file->name) ||
        m_images.count(l.file->id) ||
        !core::is_hex_id(l.file->hash, core::kFileHashHexDigits))
      continue;
    CachedImage& image = m_images[l.file->id];
    image.path = (std::filesystem::path(m_images_dir) / client::FileJobs::name_by_hash(*l.file)).string();
    std::error_code ec;
    image.there = std::filesystem::is_regular_file(image.path, ec);
    if (image.there) continue;
    auto why = m_engine.fetch_file(l.file->id, m_images_dir, client::Landing::ByHash);
    if (!why.empty()) trace("no thumbnail: " + why);
  }
}

// ---- intents --------------------------------------------------------------

void GuiApp::send_text(const std::string& text) {
  m_engine.send(m_engine.model().send_text(text, client::ClientEngine::now_unix_ms()));
}
void GuiApp::join_channel(const std::string& name) { m_engine.send(m_engine.model().join(name)); }
void GuiApp::leave_channel(const std::string& name) { m_engine.send(m_engine.model().leave(name)); }
void GuiApp::close_conversation(const std::string& name) {
  m_engine.send(m_engine.model().close_conversation(name));
}
void GuiApp::open_link(const std::string& url) {
  trace("opened link " + url);
  if (!platform::open_link(url)) trace("could not open " + url);
}
void GuiApp::open_conversation(const std::string& name) {
  if (!model().find(name)) {
    m_engine.send(m_engine.model().open_private(name));
  } else {
    m_engine.model().select(name);
  }
}
void GuiApp::refresh_channel_list() { m_engine.send(m_engine.model().request_list()); }
void GuiApp::search(const std::string& conversation, const std::string& words) {
  m_engine.send(m_engine.model().search(conversation, words));
}

void GuiApp::clear_search() { m_engine.model().clear_search(); }

void GuiApp::load_older(const std::string& channel) {
  auto lines = m_engine.model().load_older(channel);
  if (!lines.empty()) trace("loading older messages of " + channel);
  m_engine.send(lines);
}
void GuiApp::set_topic(const std::string& topic) {
  if (const auto* c = model().active(); c && c->is_channel)
    m_engine.send(m_engine.model().set_topic(c->name, topic));
}
void GuiApp::call(const std::string& nickname) { m_engine.send(m_engine.model().call(nickname)); }
void GuiApp::mic_test() {
  m_voice_problem.clear();  // what this test finds is shown instead
  m_engine.send(m_engine.model().call(std::string(core::kEchoNickname)));
}
// The ring stops at once: the call's sound opens the same device as soon
// as the server answers (some drivers open a device only once).
void GuiApp::accept_call() {
  m_ring.stop();
  m_engine.send(m_engine.model().accept_call());
}
void GuiApp::deny_call() {
  m_ring.stop();
  m_engine.send(m_engine.model().deny_call());
}
void GuiApp::hang_up() { m_engine.send(m_engine.model().hang_up()); }
void GuiApp::invite(const std::string& nickname) { m_engine.send(m_engine.model().invite(nickname)); }
void GuiApp::kick(const std::string& nickname) {
  m_engine.send(m_engine.model().kick(nickname, "kicked by the host"));
}
void GuiApp::ban(const std::string& nickname, std::uint32_t minutes) {
  m_engine.send(m_engine.model().ban(nickname, minutes, "banned by the host"));
}
void GuiApp::unban(const std::string& nickname_or_address) {
  m_engine.send(m_engine.model().unban(nickname_or_address));
}
void GuiApp::retry_nickname(const std::string& nickname) {
  m_form.nickname = nickname;
  m_engine.send(m_engine.model().set_nickname(nickname));
}
void GuiApp::set_volume(const std::string& speaker, float gain) {
  m_engine.voice().set_volume(speaker, gain);
}
void GuiApp::toggle_mute() { m_engine.voice().set_muted(!muted()); }
void GuiApp::toggle_deafen() { m_engine.voice().set_deafened(!deafened()); }
void GuiApp::set_push_to_talk(bool pressed) {
  if (pressed == m_engine.voice().push_to_talk()) return;
  m_engine.voice().set_push_to_talk(pressed);
  if (auto engine = m_engine.voice().engine()) {
    auto st = engine->stats();  // as published, up to 50 ms ago
    trace(std::string("push-to-talk ") + (pressed ? "pressed" : "released") + ": " +
          std::to_string(st.frames_sent) + " frames sent of " + std::to_string(st.frames_captured) +
          " captured");
  }
}

void GuiApp::update_push_to_talk(bool window_held, bool typing) {
  if (m_settings.input_mode != audio::InputMode::PushToTalk) {
    m_global_key.reset();  // no key is watched unless push-to-talk is chosen
    return;
  }
  if (!m_global_key || m_global_key->key_name() != m_settings.ptt_key) {
    m_global_key.reset();
    m_global_key = std::make_unique<platform::GlobalKey>(m_settings.ptt_key, m_wake_ui);
    trace(m_global_key->watching() ? "push-to-talk key watched in every window"
                                   : "push-to-talk key only in this window");
  }
  bool held = m_global_key->watching() ? m_global_key->held() : window_held;
  set_push_to_talk(held && !typing);
}

std::string GuiApp::push_to_talk_problem() const {
  return m_global_key ? m_global_key->problem() : std::string();
}

void GuiApp::save_settings() {
  if (auto err = app::save_settings(m_settings_path, m_settings); !err.empty())
    m_voice_problem = err;
  m_engine.set_voice_options(voice_options());
  m_engine.voice().set_input_mode(m_settings.input_mode);
  m_engine.voice().set_activation_level(m_settings.activation_level);
}

}  // namespace voixer::app
