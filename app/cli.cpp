#include "app/cli.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "app/args.hpp"
#include "audio/sdl_device.hpp"
#include "client/client_engine.hpp"
#include "core/address.hpp"
#include "core/cli_commands.hpp"
#include "core/file_names.hpp"
#include "core/terminal_text.hpp"
#include "net/chat_server.hpp"

namespace voixer::app {

const char* const kCliHelp =
    "usage: voixer cli HOST[:PORT] --nick NICK [--realname NAME] [voice options]\n"
    "       voixer cli            (then type: HOST localhost / CONNECT nick Full Name)\n"
    "A line client. Every line the server sends is printed to stdout as it\n"
    "arrives (control, bidirectional and invisible characters shown as \\x1b,\n"
    "\\u202e escapes); every line read from stdin is sent to the server as typed, so\n"
    "protocol lines work ('JOIN: #room', 'MSG #lobby: hi', 'TALK bob: REQUEST').\n"
    "Lines starting with '/' are friendly commands (/join, /msg, /call, /accept,\n"
    "/deny, /hangup, /list, /quit; '/help' lists them). The client answers PING\n"
    "itself. End of input sends DISCONNECT and exits 0. Messages of the client\n"
    "itself go to stderr, prefixed 'voixer:'.\n"
    "\n"
    "  --nick NICK            nickname (1-32 letters, digits, '_' or '-')\n"
    "  --realname NAME        real name sent with CONNECT (default: the nickname)\n"
    "  --password PW          the server's password, if it has one\n"
    "A dropped connection is retried (0.25 s, doubling to 2 s) and the channels\n"
    "are joined again; /oper PASSWORD and /kick NICK REASON are for operators.\n"
    "The connection is sealed. The server's identity is printed as five words and\n"
    "remembered for its address ($XDG_CONFIG_HOME/voixer/known_servers); when it\n"
    "changes the client stops with a warning, unless:\n"
    "  --accept-new-identity  trust a changed identity (and remember it)\n"
    "  --download-dir DIR     where /get saves files (default: XDG_DOWNLOAD_DIR,\n"
    "                         else ~/Downloads)\n"
    "\n"
    "voice (calls are made with /call, /accept, /invite, /echo):\n"
    "  --audio-in FILE.wav    microphone from a WAV file, played once from the start,\n"
    "                         then silence (converted to 48 kHz mono if needed)\n"
    "  --audio-out FILE.wav   record everything that would be played (48 kHz mono\n"
    "                         16-bit), sample-aligned with --audio-in\n"
    "  --input-device NAME    microphone (default: the system default)\n"
    "  --output-device NAME   speakers (default: the system default)\n"
    "  --list-devices         print the device names and exit\n"
    "  --auto-answer          accept every incoming call\n"
    "  --frame-ms 10|20       Opus frame length (default 20)\n"
    "  --low-delay            Opus's low-delay mode: heard 4 ms sooner, but a lost\n"
    "                         packet is concealed, not recovered (no FEC)\n"
    "  --input-mode MODE      vad (voice activation, default), ptt, always\n"
    "  --activation-level X   voice activation threshold, RMS 0..1 (default 0.01)\n"
    "  --no-noise-suppression do not run speexdsp's noise suppression and gain\n"
    "  --no-echo-cancellation do not take what the speakers play out of the\n"
    "                         microphone (speexdsp's canceller is on by default;\n"
    "                         a headset does not need it)\n"
    "  --no-voice             text only: no audio device, no voice connection\n"
    "  --sim-loss P           testing: drop this share (0..1) of received voice\n"
    "  --sim-delay MS         testing: delay received voice by MS\n"
    "  --sim-jitter MS        testing: plus a random 0..MS (reorders packets)\n"
    "  --sim-dup P            testing: duplicate this share of received voice\n"
    "  --help                 this text\n"
    "\n"
    "Device names are written as --list-devices prints them: on PulseAudio or\n"
    "PipeWire these are the sound server's descriptions ('Built-in Audio Analog\n"
    "Stereo', 'Monitor of Built-in Audio Analog Stereo'), not its internal names\n"
    "(alsa_output.pci-...). Monitors (what an output plays) are listed and can\n"
    "be used as the microphone; SDL_AUDIO_INCLUDE_MONITORS=0 hides them. A chosen\n"
    "device that cannot be opened gives way to the default one, for that\n"
    "direction only, and is taken back when it returns. A microphone or speakers\n"
    "that go away mid-call (unplugged, the sound server restarted) are reopened\n"
    "as soon as they can be (retried every 0.1 s, backing off to 1 s); the call\n"
    "goes on, and the cli says what went away and when it is back. /stats shows\n"
    "what is missing; /echo needs both.\n";

namespace {

void say(const std::string& text) { std::cerr << "voixer: " << text << std::endl; }

// What the main thread waits for: lines typed (read on a thread of their
// own, as stdin may be a file, a pipe or a tty) and the engine's wake-ups.
class Inbox {
 public:
  void wake() {
    {
      std::lock_guard lock(m_mutex);
      m_woken = true;
    }
    m_cv.notify_one();
  }
  void typed(std::string line) {
    {
      std::lock_guard lock(m_mutex);
      m_lines.push_back(std::move(line));
    }
    m_cv.notify_one();
  }
  void input_ended() {
    {
      std::lock_guard lock(m_mutex);
      m_ended = true;
    }
    m_cv.notify_one();
  }
  // Waits for something, at most `timeout`; returns the lines typed since.
  std::vector<std::string> wait(std::chrono::milliseconds timeout, bool& ended) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, timeout, [&] { return m_woken || !m_lines.empty() || m_ended; });
    m_woken = false;
    ended = m_ended;
    return std::exchange(m_lines, {});
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<std::string> m_lines;
  bool m_woken = false, m_ended = false;
};

// How often the sound is looked at (who talks, a failed device) when
// nothing else wakes the client.
constexpr auto kPollInterval = std::chrono::milliseconds(100);

class CliClient {
 public:
  CliClient(client::EngineOptions options, std::string password)
      : m_password(std::move(password)),
        m_engine(std::move(options), [inbox = m_inbox] { inbox->wake(); }) {
    for (const auto& w : m_engine.known_servers_warnings()) say(w);
  }

  // Opens the sound before anything else, so --audio-in/--audio-out are
  // aligned with the start of the client.
  void start_audio(bool wanted) {
    if (!wanted) {
      m_voice_off = "voice is off (--no-voice)";
      return;
    }
    if (auto error = m_engine.start_audio(); !error.empty()) {
      // A bad WAV file or no audio at all: a machine without sound still
      // chats. (Missing devices do not land here: they are retried.)
      say("no voice: " + error + "; text only");
      m_voice_off = "voice is off: " + error;
    }
  }

  // Why the mic test cannot work now, or "".
  std::string echo_blocker() {
    if (!m_voice_off.empty()) return m_voice_off;
    return m_engine.voice().sound_problem();
  }

  int run(std::optional<core::HostPort> target, std::optional<std::string> nick,
          const std::string& realname) {
    if (target && nick) start(*target, *nick, realname);
    // The reader holds the inbox itself: it may still be inside a call on
    // it when this client is gone.
    std::thread([inbox = m_inbox] {
      std::string line;
      while (std::getline(std::cin, line)) inbox->typed(line);
      inbox->input_ended();
    }).detach();
    bool input_ended = false;
    while (!m_exit_code) {
      auto lines = m_inbox->wait(kPollInterval, input_ended);
      for (const auto& e : m_engine.pump()) on_event(e);
      for (const auto& line : lines)
        if (!m_exit_code) on_input(line);
      if (input_ended && !m_exit_code) on_input_end();
    }
    return *m_exit_code;
  }

 private:
  void start(const core::HostPort& target, const std::string& nick, const std::string& realname) {
    m_started = true;
    m_engine.connect(target.host, target.port, nick, realname, m_password);
  }

  void on_event(const client::ClientEvent& e) {
    using Kind = client::ClientEvent::Kind;
    switch (e.kind) {
      case Kind::ServerLine: {
        // As sent, except that control characters show as escapes: a line
        // must not be able to clear the terminal or reverse what follows.
        std::string shown = core::escape_for_terminal(e.text);
        std::fwrite(shown.data(), 1, shown.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
        break;
      }
      case Kind::Disconnected:
        if (m_quitting) {
          m_exit_code = 0;
        } else if (e.will_retry) {
          say(e.text + "; reconnecting in " + std::to_string(e.retry_in_ms) + " ms");
        } else {
          say(e.text);
          m_exit_code = 1;
        }
        break;
      case Kind::VoiceControl: say("voice: " + e.text); break;
      case Kind::VoiceProblem: say(e.text); break;
      case Kind::AudioRestored: say(e.text); break;
      case Kind::TalkingStarted: say(e.text + " started talking"); break;
      case Kind::TalkingStopped: say(e.text + " stopped talking"); break;
      case Kind::AudioInputFinished: say("audio input finished"); break;
      case Kind::FileProgress:
      case Kind::FileDone:
      case Kind::FileFailed: say("file: " + core::escape_for_terminal(e.text)); break;
      case Kind::VoiceReady: break;
      case Kind::ServerIdentity:
        say("server identity: " + e.text +
            (e.first_time ? " (first meeting: remembered for this address)" : " (as remembered)"));
        break;
      case Kind::IdentityChanged:
        say("WARNING: " + e.text +
            (m_engine.identity_changed()
                 ? ". Someone may be impersonating the server. Not joining; if the host made a "
                   "new identity, run again with --accept-new-identity"
                 : ""));
        break;
    }
  }

  void on_input(const std::string& line) {
    if (!m_started) {
      auto seed = core::parse_seed_command(line);
      if (!seed) {
        say("not connected: type HOST hostname, then CONNECT nickname Full Name");
      } else if (seed->verb == core::SeedCommand::Verb::Host) {
        m_seed_host = seed->host;
        say("host set to " + m_seed_host + "; now CONNECT nickname Full Name");
      } else if (m_seed_host.empty()) {
        say("type HOST hostname first");
      } else if (auto target = core::parse_host_port(m_seed_host, core::kDefaultPort);
                 !target.error.empty()) {
        say("bad host '" + m_seed_host + "': " + target.error);
        m_seed_host.clear();
      } else {
        start(target, seed->nickname, seed->realname);
      }
      return;
    }
    if (line == "/echo" || line.rfind("/echo ", 0) == 0) {
      // The mic test plays your voice back: without a microphone and
      // speakers it would sit in a silent call.
      if (auto why = echo_blocker(); !why.empty()) {
        say("the mic test needs a microphone and speakers: " + why);
        return;
      }
    }
    auto action = core::translate_cli_input(line, m_engine.model());
    if (!action.output.empty()) std::cerr << action.output << std::endl;
    if (action.local != core::LocalCommand::None) run_local(action);
    for (const auto& out : action.lines) m_engine.send_typed(out);
    if (action.quit) quit();
  }

  void on_input_end() {
    if (!m_started) {
      m_exit_code = 0;
      return;
    }
    quit();
  }

  void quit() {
    if (m_quitting) return;
    m_quitting = true;
    m_engine.disconnect();  // a Disconnected event ends the loop
  }

  void run_local(const core::CliAction& action) {
    core::LocalCommand command = action.local;
    if (command == core::LocalCommand::SendFile) {
      if (auto why = m_engine.send_file(action.target, action.path); !why.empty()) say("file: " + why);
      return;
    }
    if (command == core::LocalCommand::FetchFile) {
      fetch_file(action.target, action.path);
      return;
    }
    if (command == core::LocalCommand::ListFiles) {
      list_files();
      return;
    }
    auto& voice = m_engine.voice();
    if (!m_voice_off.empty()) {
      say(m_voice_off);
      return;
    }
    switch (command) {
      case core::LocalCommand::PushToTalk:
        voice.set_push_to_talk(!voice.push_to_talk());
        say(voice.push_to_talk() ? "push-to-talk: talking" : "push-to-talk: released");
        break;
      case core::LocalCommand::Mute: voice.set_muted(true); say("muted"); break;
      case core::LocalCommand::Unmute: voice.set_muted(false); say("unmuted"); break;
      case core::LocalCommand::Deafen: voice.set_deafened(true); say("deafened"); break;
      case core::LocalCommand::Undeafen: voice.set_deafened(false); say("undeafened"); break;
      case core::LocalCommand::Stats: print_stats(); break;
      default: break;
    }
  }

  // The files shared in the conversations shown, oldest first: /files
  // numbers them, /get takes the number or the id.
  std::vector<core::FileShared> shared_files() const {
    std::vector<core::FileShared> files;
    for (const auto& c : m_engine.model().conversations())
      for (const auto& l : c.lines)
        if (l.file) files.push_back(*l.file);
    return files;
  }

  void list_files() {
    auto files = shared_files();
    if (files.empty()) say("no files shared in your conversations yet");
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& f = files[i];
      say(std::to_string(i + 1) + "\t" + f.target + "\t" + f.sender + "\t" +
          core::human_size(f.size) + "\t" + f.id + "\t" + core::escape_for_terminal(f.name));
    }
  }

  void fetch_file(const std::string& which, const std::string& directory) {
    std::string id = which;
    auto files = shared_files();
    if (!which.empty() && which.size() < 6 && which.find_first_not_of("0123456789") == std::string::npos) {
      std::size_t n = std::stoul(which);
      if (n == 0 || n > files.size()) {
        say("file: no file number " + which + " (/files lists them)");
        return;
      }
      id = files[n - 1].id;
    }
    if (auto why = m_engine.fetch_file(id, directory); !why.empty()) say("file: " + why);
  }

  void print_stats() {
    auto engine = m_engine.voice().engine();
    if (!engine) {
      say("no sound: " + m_engine.voice().sound_problem());
      return;
    }
    if (auto missing = m_engine.voice().sound_problem(); !missing.empty()) say("sound: " + missing);
    auto st = engine->stats();
    char line[256];
    std::snprintf(line, sizeof line, "input level %.3f%s%s, %llu frames sent, voice rtt %d ms",
                  st.input_level, st.transmitting ? " (sending)" : "",
                  m_engine.voice().muted() ? " (muted)" : "",
                  static_cast<unsigned long long>(st.frames_sent), m_engine.voice_round_trip_ms());
    say(line);
    if (st.loop_delay_ms >= 0 && m_engine.model().call_state().echo) {
      std::snprintf(line, sizeof line,
                    "mic test: your voice comes back after %.0f ms (plus the sound card's buffers)",
                    st.loop_delay_ms);
      say(line);
    }
    char slack[64] = "";
    if (st.voice_slack_ms >= 0)
      std::snprintf(slack, sizeof slack, "; voice waited %.0f ms for its turn, at least", st.voice_slack_ms);
    std::snprintf(line, sizeof line,
                  "waiting: %.1f ms from the microphone, %.1f ms to the speakers (cushion %.1f ms)%s%s",
                  st.capture_queued_ms, st.playback_queued_ms, st.playout_cushion_ms, slack,
                  st.priority_raised ? "" : "; the voice thread runs at normal priority");
    say(line);
    if (st.playback_gap_ms > 0 || st.delay_trimmed_ms > 0 || st.unseen_gap_ms > 0) {
      std::snprintf(line, sizeof line,
                    "playback ran dry for %.1f ms in all (%.1f ms of it while voixer was held up), "
                    "and %.1f ms after us (in the sound server); "
                    "%.1f ms of delay cut back out (%.1f ms of it in a voice)",
                    st.playback_gap_ms, st.stalled_gap_ms, st.unseen_gap_ms, st.delay_trimmed_ms,
                    st.delay_cut_in_voice_ms);
      say(line);
    }
    for (const auto& sp : st.speakers) {
      std::snprintf(line, sizeof line,
                    "%s: level %.3f, buffer %d/%d frames, received %llu, lost %llu, "
                    "recovered by FEC %llu, late %llu, waited for %llu (%.1f ms)",
                    sp.name.c_str(), sp.level, sp.buffered_frames, sp.target_frames,
                    static_cast<unsigned long long>(sp.received),
                    static_cast<unsigned long long>(sp.lost),
                    static_cast<unsigned long long>(sp.fec_recovered),
                    static_cast<unsigned long long>(sp.late),
                    static_cast<unsigned long long>(sp.waited_for), sp.waited_ms);
      say(line);
    }
  }

  std::string m_password;
  std::shared_ptr<Inbox> m_inbox = std::make_shared<Inbox>();
  client::ClientEngine m_engine;
  std::string m_voice_off;  // why local voice commands cannot work, or ""
  std::string m_seed_host;  // typed with the seed client's HOST command
  bool m_started = false;
  bool m_quitting = false;
  std::optional<int> m_exit_code;
};

}  // namespace

int run_cli(const std::vector<std::string>& argv) {
  Args args(argv,
            {"--nick", "--realname", "--password", "--audio-in", "--audio-out", "--input-device",
             "--output-device", "--frame-ms", "--input-mode", "--activation-level", "--sim-loss",
             "--sim-delay", "--sim-jitter", "--sim-dup", "--download-dir"},
            {"--help", "--auto-answer", "--no-voice", "--no-noise-suppression", "--list-devices",
             "--accept-new-identity", "--echo-cancellation",
             "--no-echo-cancellation", "--low-delay"});
  if (args.has("--help")) {
    std::cout << kCliHelp;
    return 0;
  }
  if (!args.error().empty()) {
    std::cerr << "voixer cli: " << args.error() << "\n";
    return 2;
  }
  if (args.has("--list-devices")) {
    try {
      // Names as --input-device and --output-device take them.
      auto inputs = audio::SdlDevice::list(true);
      auto monitors = audio::SdlDevice::list_monitors();
      auto outputs = audio::SdlDevice::list(false);
      std::cout << "input devices (--input-device):\n";
      for (const auto& n : inputs)
        if (std::find(monitors.begin(), monitors.end(), n) == monitors.end())
          std::cout << "  " << n << "\n";
      if (!monitors.empty()) std::cout << "monitors of outputs (what they play; usable as input):\n";
      for (const auto& n : monitors) std::cout << "  " << n << "\n";
      std::cout << "output devices (--output-device):\n";
      for (const auto& n : outputs) std::cout << "  " << n << "\n";
      if (inputs.empty() && outputs.empty()) std::cout << "  (none: is a sound server running?)\n";
    } catch (const std::exception& e) {
      std::cerr << "voixer cli: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }
  client::EngineOptions options;
  options.voice = !args.has("--no-voice");
  options.accept_new_identity = args.has("--accept-new-identity");
  if (auto dir = args.value("--download-dir")) options.download_dir = *dir;
  options.audio = client::AudioLifetime::WholeSession;
  options.auto_answer = args.has("--auto-answer") ? client::AutoAnswer::On : client::AutoAnswer::Off;
  auto& voice = options.voice_options;
  voice.wav_in = args.value("--audio-in").value_or("");
  voice.wav_out = args.value("--audio-out").value_or("");
  voice.input_device = args.value("--input-device").value_or("");
  voice.output_device = args.value("--output-device").value_or("");
  auto& vs = voice.settings;
  vs.frame_ms = static_cast<int>(args.number("--frame-ms", 20, 10, 20));
  if (vs.frame_ms != 10 && vs.frame_ms != 20) {
    std::cerr << "voixer cli: --frame-ms must be 10 or 20\n";
    return 2;
  }
  std::string mode = args.value("--input-mode").value_or("vad");
  if (mode == "vad") {
    vs.input_mode = audio::InputMode::VoiceActivation;
  } else if (mode == "ptt") {
    vs.input_mode = audio::InputMode::PushToTalk;
  } else if (mode == "always") {
    vs.input_mode = audio::InputMode::AlwaysOn;
  } else {
    std::cerr << "voixer cli: --input-mode must be vad, ptt or always\n";
    return 2;
  }
  vs.activation_level = static_cast<float>(args.number("--activation-level", audio::kDefaultActivationLevel, 0, 1));
  vs.noise_suppression = !args.has("--no-noise-suppression");
  vs.echo_cancellation = !args.has("--no-echo-cancellation");  // --echo-cancellation: the default
  vs.low_delay = args.has("--low-delay");
  vs.receive_sim.loss = args.number("--sim-loss", 0, 0, 1);
  vs.receive_sim.delay_ms = static_cast<std::int64_t>(args.number("--sim-delay", 0, 0, 10000));
  vs.receive_sim.jitter_ms = static_cast<std::int64_t>(args.number("--sim-jitter", 0, 0, 10000));
  vs.receive_sim.duplicate = args.number("--sim-dup", 0, 0, 1);
  if (!args.error().empty()) {
    std::cerr << "voixer cli: " << args.error() << "\n";
    return 2;
  }
  std::optional<core::HostPort> target;
  if (args.positional().size() > 1) {
    std::cerr << "voixer cli: expected one HOST[:PORT], got '" << args.positional()[1] << "' too\n";
    return 2;
  }
  if (!args.positional().empty()) {
    target = core::parse_host_port(args.positional()[0], core::kDefaultPort);
    if (!target->error.empty()) {
      std::cerr << "voixer cli: bad address '" << args.positional()[0] << "': " << target->error
                << "\n";
      return 2;
    }
    if (!args.value("--nick")) {
      std::cerr << "voixer cli: --nick NICK is required with HOST\n";
      return 2;
    }
  }
  auto nick = args.value("--nick");
  std::string realname = args.value("--realname").value_or(nick.value_or(""));
  int code = 0;
  {
    bool voice_wanted = options.voice;
    CliClient client(std::move(options), args.value("--password").value_or(""));
    client.start_audio(voice_wanted);
    code = client.run(target, nick, realname);
  }  // the sound stops here (a WAV output is written), then the connection
  std::fflush(stdout);
  std::fflush(stderr);
  // The stdin thread may still be blocked in a read; leave without waiting.
  std::_Exit(code);
}

}  // namespace voixer::app
