#include "app/cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "app/args.hpp"
#include "app/cli_voice.hpp"
#include "audio/sdl_device.hpp"
#include "core/address.hpp"
#include "core/cli_commands.hpp"
#include "core/protocol.hpp"
#include "net/line_client.hpp"
#include "net/chat_server.hpp"

namespace voixer::app {

const char* const kCliHelp =
    "usage: voixer cli HOST[:PORT] --nick NICK [--realname NAME] [voice options]\n"
    "       voixer cli            (then type: HOST localhost / CONNECT nick Full Name)\n"
    "A line client. Every line the server sends is printed to stdout as it\n"
    "arrives; every line read from stdin is sent to the server as typed, so\n"
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
    "\n"
    "voice (calls are made with /call, /accept, /invite, /echo):\n"
    "  --audio-in FILE.wav    microphone from a WAV file, played once from the start,\n"
    "                         then silence (converted to 48 kHz mono if needed)\n"
    "  --audio-out FILE.wav   record everything that would be played (48 kHz mono\n"
    "                         16-bit), sample-aligned with --audio-in\n"
    "  --input-device NAME    SDL capture device (default: the system default)\n"
    "  --output-device NAME   SDL playback device (default: the system default)\n"
    "  --list-devices         print the SDL devices and exit\n"
    "  --auto-answer          accept every incoming call\n"
    "  --frame-ms 10|20       Opus frame length (default 20)\n"
    "  --input-mode MODE      vad (voice activation, default), ptt, always\n"
    "  --activation-level X   voice activation threshold, RMS 0..1 (default 0.01)\n"
    "  --no-noise-suppression do not run speexdsp's noise suppression and gain\n"
    "  --no-voice             text only: no audio device, no voice connection\n"
    "  --sim-loss P           testing: drop this share (0..1) of received voice\n"
    "  --sim-delay MS         testing: delay received voice by MS\n"
    "  --sim-jitter MS        testing: plus a random 0..MS (reorders packets)\n"
    "  --sim-dup P            testing: duplicate this share of received voice\n"
    "  --help                 this text\n";

namespace {

const char* const kVersion = "1.0.0";

void say(const std::string& text) { std::cerr << "voixer: " << text << std::endl; }

// The seed client's commands, typed before a connection exists:
// "HOST localhost" (or "HOST: localhost") and "CONNECT nickname Full Name".
struct SeedLogin {
  std::string host;
  std::optional<std::string> nick;
  std::string realname;
};

bool take_seed_line(std::string_view line, SeedLogin& login) {
  auto word_end = line.find_first_of(" :");
  std::string verb(line.substr(0, word_end));
  for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string_view rest = word_end == std::string_view::npos ? "" : line.substr(word_end);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':')) rest.remove_prefix(1);
  if (verb == "HOST" && !rest.empty()) {
    login.host = std::string(rest);
    say("host set to " + login.host + "; now CONNECT nickname Full Name");
    return true;
  }
  if (verb == "CONNECT" && !rest.empty()) {
    auto space = rest.find(' ');
    login.nick = std::string(rest.substr(0, space));
    login.realname = space == std::string_view::npos ? *login.nick : std::string(rest.substr(space + 1));
    return true;
  }
  return false;
}

class CliClient {
 public:
  CliClient(asio::io_context& io, CliVoiceOptions voice, bool auto_answer, std::string password)
      : m_io(io),
        m_retry(io),
        m_voice_options(std::move(voice)),
        m_auto_answer(auto_answer),
        m_password(std::move(password)) {}

  int run(std::optional<core::HostPort> target, std::optional<std::string> nick,
          std::string realname) {
    if (target && nick) start(*target, *nick, realname);
    // stdin is read on its own thread: it may be a file, a pipe or a tty,
    // and a blocking read there must never hold up the network.
    std::thread([this] {
      std::string line;
      while (std::getline(std::cin, line)) {
        asio::post(m_io, [this, line] { on_input(line); });
      }
      asio::post(m_io, [this] { on_input_end(); });
    }).detach();
    auto guard = asio::make_work_guard(m_io);
    m_guard = &guard;
    m_io.run();
    return m_exit_code;
  }

 private:
  void start(const core::HostPort& target, const std::string& nick, const std::string& realname) {
    m_state.nickname = nick;
    m_target = target;
    m_realname = realname;
    open_connection();
    if (m_voice) m_voice->connect(target.host, target.port);
  }

  void open_connection() {
    m_connected = false;
    m_client = std::make_unique<net::LineClient>(
        m_io, net::LineClient::Handlers{
                  [this] {
                    m_connected = true;
                    m_ever_connected = true;
                    m_backoff_ms = 250;
                  },
                  [this](std::string_view line) { on_server_line(line); },
                  [this](const std::string& reason) { on_closed(reason); }});
    m_client->connect(m_target.host, m_target.port);
    m_client->send(core::format(core::ClientMessage{
        core::Connect{m_state.nickname, m_realname, kVersion, m_password}}));
  }

  // The server went away after we had been connected: try again with
  // backoff (0.25 s doubling to 2 s) and rejoin the channels on ACCEPT.
  void reconnect_later(const std::string& reason) {
    say(reason + "; reconnecting in " + std::to_string(m_backoff_ms) + " ms");
    m_rejoin = m_state.joined_channels;
    m_retry.expires_after(std::chrono::milliseconds(m_backoff_ms));
    m_backoff_ms = std::min(m_backoff_ms * 2, 2000);
    m_retry.async_wait([this](asio::error_code ec) {
      if (!ec && !m_quitting) open_connection();
    });
  }

 public:
  // Starts audio before anything else, so --audio-in/--audio-out are
  // aligned with the start of the client.
  void start_voice() {
    if (m_voice_options.enabled) m_voice = std::make_unique<CliVoice>(m_io, m_voice_options);
  }

 private:

  void on_server_line(std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    auto parsed = core::parse_server(line);
    if (auto* msg = std::get_if<core::ServerMessage>(&parsed)) {
      if (auto* ping = std::get_if<core::Ping>(msg))
        m_client->send(core::format(core::ClientMessage{core::Pong{ping->token}}));
    }
    core::observe_server_line(line, m_state);
    if (!m_rejoin.empty() && line.rfind("ACCEPT: ", 0) == 0) {
      for (const auto& ch : m_rejoin)
        if (ch != "#lobby") m_client->send(core::format(core::ClientMessage{core::Join{ch}}));
      m_rejoin.clear();
    }
    if (m_voice) m_voice->follow_call(m_state.active_call_key);
    if (m_auto_answer && std::holds_alternative<core::ServerMessage>(parsed)) {
      auto* offer = std::get_if<core::TalkOffer>(&std::get<core::ServerMessage>(parsed));
      // Our own outgoing calls come back as offers too, naming the callee.
      if (offer && offer->nickname != core::kEchoNickname && !m_placed_call.count(offer->nickname))
        m_client->send(core::format(
            core::ClientMessage{core::TalkAnswer{offer->key, core::TalkVerb::Accept}}));
      if (offer) m_placed_call.erase(offer->nickname);
    }
  }

  void on_input(const std::string& line) {
    if (!m_client) {
      if (!take_seed_line(line, m_login)) {
        say("not connected: type HOST hostname, then CONNECT nickname Full Name");
        return;
      }
      if (m_login.nick) {
        if (m_login.host.empty()) {
          say("type HOST hostname first");
          m_login.nick.reset();
          return;
        }
        auto target = core::parse_host_port(m_login.host, net::kDefaultPort);
        if (!target.error.empty()) {
          say("bad host '" + m_login.host + "': " + target.error);
          m_login = {};
          return;
        }
        start(target, *m_login.nick, m_login.realname);
      }
      return;
    }
    auto action = core::translate_cli_input(line, m_state);
    if (!action.output.empty()) std::cerr << action.output << std::endl;
    if (action.local != core::LocalCommand::None) {
      if (m_voice) {
        m_voice->run_local(action.local);
      } else {
        say("voice is off (--no-voice)");
      }
    }
    for (const auto& out : action.lines) {
      auto parsed = core::parse_client(out);
      if (auto* msg = std::get_if<core::ClientMessage>(&parsed))
        if (auto* req = std::get_if<core::TalkRequest>(msg)) m_placed_call.insert(req->nickname);
    }
    for (const auto& out : action.lines) m_client->send(out);
    if (action.quit) quit();
  }

  void on_input_end() {
    if (!m_client) {
      finish(0);
      return;
    }
    quit();
  }

  void quit() {
    if (m_quitting) return;
    m_quitting = true;
    m_retry.cancel();
    if (!m_connected && m_ever_connected) {  // between two reconnect attempts
      finish(0);
      return;
    }
    m_client->send(core::format(core::ClientMessage{core::Disconnect{}}));
    m_client->close();
  }

  void on_closed(const std::string& reason) {
    if (m_quitting && m_connected) {
      finish(0);
      return;
    }
    if (m_ever_connected && !m_quitting) {
      if (m_voice) m_voice->follow_call("");
      reconnect_later(reason);
      return;
    }
    say(reason);
    finish(1);
  }

  void finish(int code) {
    m_retry.cancel();
    if (m_voice) m_voice->stop();
    m_exit_code = code;
    m_guard->reset();
    m_io.stop();
  }

  asio::io_context& m_io;
  asio::steady_timer m_retry;
  core::HostPort m_target;
  std::string m_realname;
  std::vector<std::string> m_rejoin;  // channels to JOIN after the next ACCEPT
  int m_backoff_ms = 250;
  bool m_ever_connected = false;
  CliVoiceOptions m_voice_options;
  bool m_auto_answer = false;
  std::string m_password;
  std::unique_ptr<CliVoice> m_voice;
  std::set<std::string> m_placed_call;  // callees of calls we placed, until their offer echoes
  asio::executor_work_guard<asio::io_context::executor_type>* m_guard = nullptr;
  std::unique_ptr<net::LineClient> m_client;
  core::CliState m_state;
  SeedLogin m_login;
  bool m_quitting = false;
  bool m_connected = false;
  int m_exit_code = 0;
};

}  // namespace

int run_cli(const std::vector<std::string>& argv) {
  Args args(argv,
            {"--nick", "--realname", "--password", "--audio-in", "--audio-out", "--input-device",
             "--output-device", "--frame-ms", "--input-mode", "--activation-level", "--sim-loss",
             "--sim-delay", "--sim-jitter", "--sim-dup"},
            {"--help", "--auto-answer", "--no-voice", "--no-noise-suppression", "--list-devices"});
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
      std::cout << "input devices:\n";
      for (const auto& n : audio::SdlDevice::list(true)) std::cout << "  " << n << "\n";
      std::cout << "output devices:\n";
      for (const auto& n : audio::SdlDevice::list(false)) std::cout << "  " << n << "\n";
    } catch (const std::exception& e) {
      std::cerr << "voixer cli: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }
  CliVoiceOptions voice;
  voice.enabled = !args.has("--no-voice");
  voice.audio_in = args.value("--audio-in").value_or("");
  voice.audio_out = args.value("--audio-out").value_or("");
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
  vs.activation_level = static_cast<float>(args.number("--activation-level", 0.01, 0, 1));
  vs.noise_suppression = !args.has("--no-noise-suppression");
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
    target = core::parse_host_port(args.positional()[0], net::kDefaultPort);
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
  asio::io_context io;
  int code = 0;
  {
    CliClient client(io, voice, args.has("--auto-answer"), args.value("--password").value_or(""));
    try {
      client.start_voice();
    } catch (const std::exception& e) {
      // A machine without sound still chats.
      std::cerr << "voixer: no voice: " << e.what() << "; text only\n";
    }
    code = client.run(target, nick, realname);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  // The stdin thread may still be blocked in a read; leave without waiting.
  std::_Exit(code);
}

}  // namespace voixer::app
