#include "app/cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "app/args.hpp"
#include "core/address.hpp"
#include "core/cli_commands.hpp"
#include "core/protocol.hpp"
#include "net/line_client.hpp"
#include "net/chat_server.hpp"

namespace voixer::app {

const char* const kCliHelp =
    "usage: voixer cli HOST[:PORT] --nick NICK [--realname NAME]\n"
    "       voixer cli            (then type: HOST localhost / CONNECT nick Full Name)\n"
    "A line client. Every line the server sends is printed to stdout as it\n"
    "arrives; every line read from stdin is sent to the server as typed, so\n"
    "protocol lines work ('JOIN: #room', 'MSG #lobby: hi', 'TALK bob: REQUEST').\n"
    "Lines starting with '/' are friendly commands (/join, /msg, /call, /accept,\n"
    "/deny, /hangup, /list, /quit; '/help' lists them). The client answers PING\n"
    "itself. End of input sends DISCONNECT and exits 0. Messages of the client\n"
    "itself go to stderr, prefixed 'voixer:'.\n"
    "\n"
    "  --nick NICK        nickname (1-32 letters, digits, '_' or '-')\n"
    "  --realname NAME    real name sent with CONNECT (default: the nickname)\n"
    "  --help             this text\n";

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
  explicit CliClient(asio::io_context& io) : m_io(io) {}

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
    m_client = std::make_unique<net::LineClient>(
        m_io, net::LineClient::Handlers{
                  [] {},
                  [this](std::string_view line) { on_server_line(line); },
                  [this](const std::string& reason) { on_closed(reason); }});
    m_client->connect(target.host, target.port);
    m_client->send(core::format(core::ClientMessage{core::Connect{nick, realname, kVersion}}));
  }

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
    m_client->send(core::format(core::ClientMessage{core::Disconnect{}}));
    m_client->close();
  }

  void on_closed(const std::string& reason) {
    if (m_quitting) {
      finish(0);
      return;
    }
    say(reason);
    finish(1);
  }

  void finish(int code) {
    m_exit_code = code;
    m_guard->reset();
    m_io.stop();
  }

  asio::io_context& m_io;
  asio::executor_work_guard<asio::io_context::executor_type>* m_guard = nullptr;
  std::unique_ptr<net::LineClient> m_client;
  core::CliState m_state;
  SeedLogin m_login;
  bool m_quitting = false;
  int m_exit_code = 0;
};

}  // namespace

int run_cli(const std::vector<std::string>& argv) {
  Args args(argv, {"--nick", "--realname"}, {"--help"});
  if (args.has("--help")) {
    std::cout << kCliHelp;
    return 0;
  }
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
  CliClient client(io);
  int code = client.run(target, nick, realname);
  std::fflush(stdout);
  std::fflush(stderr);
  // The stdin thread may still be blocked in a read; leave without waiting.
  std::_Exit(code);
}

}  // namespace voixer::app
