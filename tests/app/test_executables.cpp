// End to end: the voixer executable as a user runs it, `serve` and `cli`
// as child processes talking over loopback.
#include <doctest/doctest.h>

#include "core/sealed_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>

#include "support/process.hpp"
#include "support/speech.hpp"
#include "net/test_client.hpp"
#include "served.hpp"

using voixer::test::free_port;
using voixer::test::Process;
using voixer::test::TestClient;
using Lines = std::vector<std::string>;

TEST_CASE("voixer cli prints what the server sends and sends what is typed") {
  Served server;
  TestClient alice(server.port);
  alice.login("alice");
  Process cli({kExe, "cli", "127.0.0.1:" + std::to_string(server.port), "--nick", "bob",
               "--realname", "Bob Builder", "--no-voice"});
  CHECK(cli.stdout_line().value_or("").rfind("ACCEPT: ", 0) == 0);
  CHECK(cli.stdout_line() == "JOINED: #lobby");
  CHECK(cli.stdout_line() == "USERLIST #lobby: alice, bob");
  CHECK(alice.next_line() == "USERJOIN #lobby: bob");

  alice.send("MSG #lobby: hello bob");
  CHECK(cli.stdout_line() == "MSG alice #lobby: hello bob");
  cli.write_stdin("MSG #lobby: hi alice\n");      // a protocol line as typed
  CHECK(alice.next_line() == "MSG bob #lobby: hi alice");
  cli.write_stdin("/msg alice psst\n");          // a friendly command
  CHECK(alice.next_line() == "MSG bob alice: psst");
  cli.write_stdin("/join games\n");
  CHECK(cli.stdout_line() == "JOINED: #games");
  cli.write_stdin("/say anyone?\n");            // goes to the channel joined last
  CHECK(cli.stdout_line() == "USERLIST #games: bob");
  alice.send("JOIN: #games");
  alice.until("USERLIST #games: bob, alice");
  auto history = alice.next_line().value_or("");
  CHECK(history.substr(history.find(':')) == ": anyone?");

  alice.send("TALK bob: REQUEST");
  std::optional<std::string> offer;
  do offer = cli.stdout_line(); while (offer && offer->rfind("TALK alice ", 0) != 0);
  CHECK(offer.has_value());
  alice.next_line();  // alice's own copy of the offer
  cli.write_stdin("/accept\n");
  CHECK(alice.next_line().value_or("").find(": ACCEPTED") != std::string::npos);

  cli.close_stdin();  // EOF: DISCONNECT and exit 0
  CHECK(cli.wait() == 0);
  Lines rest = alice.sync();
  CHECK(std::find(rest.begin(), rest.end(), "USERLEAVE #lobby: bob") != rest.end());
}

TEST_CASE("voixer cli accepts the seed client's HOST and CONNECT commands") {
  Served server;
  Process cli({kExe, "cli", "--no-voice"});
  cli.write_stdin("HOST 127.0.0.1:" + std::to_string(server.port) + "\n");
  cli.write_stdin("CONNECT carol Carol Smith\n");
  auto first = cli.stdout_line();
  CHECK(first.value_or("").rfind("ACCEPT: ", 0) == 0);
  CHECK(cli.stdout_line() == "JOINED: #lobby");
  CHECK(cli.stdout_line() == "USERLIST #lobby: carol");
  cli.write_stdin("/quit\n");
  CHECK(cli.wait() == 0);
}

TEST_CASE("voixer cli answers PING itself and stays connected") {
  Served server({"--ping-interval", "0.05", "--ping-timeout", "0.3"});
  Process cli({kExe, "cli", "127.0.0.1:" + std::to_string(server.port), "--nick", "dave", "--no-voice"});
  int pings = 0;
  while (pings < 8) {
    auto line = cli.stdout_line(3000);
    REQUIRE(line.has_value());
    if (line->rfind("PING: ", 0) == 0) ++pings;
  }
  // 8 PINGs at 50 ms span longer than the 300 ms timeout: still connected.
  TestClient probe(server.port);
  probe.login("probe");
  probe.send("MSG dave: still there?");
  CHECK(cli.stdout_until("MSG probe dave: still there?", 3000).has_value());
}

TEST_CASE("voixer cli reports a refused connection and exits 1") {
  // No sound: SDL's ALSA hotplug thread races inside SDL, which ThreadSanitizer reports.
  Process cli({kExe, "cli", "127.0.0.1:" + std::to_string(free_port()), "--nick", "x", "--no-voice"});
  CHECK(cli.wait() == 1);
  CHECK(cli.stderr_text().find("cannot connect to 127.0.0.1:") != std::string::npos);
}

TEST_CASE("voixer serve: a port in use gives a one-line error and exit code 1") {
  Served first;
  Process second(Served::args(first.port, {}));
  CHECK(second.wait() == 1);
  CHECK(second.stderr_text() ==
        "voixer serve: port " + std::to_string(first.port) + " is already in use\n");
}

TEST_CASE("voixer serve exits cleanly on SIGTERM and tells clients why") {
  Served server;
  TestClient alice(server.port);
  alice.login("alice");
  server.process.signal(SIGTERM);
  Lines seen;
  CHECK(alice.closed_within(3000, &seen));
  CHECK(seen == Lines{"ERROR SHUTDOWN: Server is shutting down"});
  CHECK(server.process.wait() == 0);
}

TEST_CASE("bad command lines are refused with a reason") {
  Process a({kExe, "serve", "--port", "banana"});
  CHECK(a.wait() == 2);
  CHECK(a.stderr_text().find("--port must be a number") != std::string::npos);
  Process b({kExe, "cli", "host:99999", "--nick", "x"});
  CHECK(b.wait() == 2);
  CHECK(b.stderr_text().find("port must be a number from 1 to 65535") != std::string::npos);
  Process c({kExe, "frobnicate"});
  CHECK(c.wait() == 2);
  Process d({kExe, "serve", "--colour"});
  CHECK(d.wait() == 2);
  CHECK(d.stderr_text() == "voixer serve: unknown option --colour (see --help)\n");
  // The window's options are checked before any window opens.
  Process e({kExe, "--host", "--port", "banana"});
  CHECK(e.wait() == 2);
  CHECK(e.stderr_text() == "voixer: --port must be a number from 1 to 65535, not 'banana'\n");
  Process f({kExe, "--join", "lanbox:0"});
  CHECK(f.wait() == 2);
  CHECK(f.stderr_text() == "voixer: bad address 'lanbox:0': port must be a number from 1 to 65535\n");
}

TEST_CASE("voixer --version prints the version of the build") {
  Process v({kExe, "--version"});
  CHECK(v.stdout_line() == "voixer " VOIXER_VERSION);
  CHECK(v.wait() == 0);
}

TEST_CASE("voixer --paths: the ring beside the executable, fonts from fontconfig") {
  Process top({kExe, "--help"});
  std::string help;
  while (auto line = top.stdout_line(2000)) help += *line + "\n";
  CHECK(top.wait() == 0);
  CHECK(help.find("--version") != std::string::npos);
  CHECK(help.find("--paths") != std::string::npos);

  // build/app/voixer finds build/share/voixer, as <prefix>/bin/voixer finds
  // <prefix>/share/voixer (tests/install/package_test.sh checks that one).
  Process p({kExe, "--paths"});
  std::map<std::string, std::string> paths;
  while (auto line = p.stdout_line(2000)) {
    auto colon = line->find(": ");
    if (colon != std::string::npos) paths[line->substr(0, colon)] = line->substr(colon + 2);
  }
  CHECK(p.wait() == 0);
  namespace fs = std::filesystem;
  fs::path prefix = fs::path(kExe).parent_path().parent_path();
  CHECK(paths["executable"] == fs::canonical(kExe).string());
  CHECK(paths["ring sound"] == (prefix / "share" / "voixer" / "ring.wav").string());
  for (const char* font : {"font", "bold font"}) {
    INFO(font << ": " << paths[font]);
    CHECK(fs::is_regular_file(paths[font]));
  }
  CHECK(paths["font"] != paths["bold font"]);
}

TEST_CASE("--help describes every command and flag") {
  Process top({kExe, "--help"});
  std::string top_text;
  while (auto line = top.stdout_line(2000)) top_text += *line + "\n";
  CHECK(top.wait() == 0);
  for (const char* word : {"serve", "cli", "--nick", "--join", "--host", "--port"})
    CHECK(top_text.find(word) != std::string::npos);
  Process serve({kExe, "serve", "--help"});
  std::string out;
  while (auto line = serve.stdout_line(2000)) out += *line + "\n";
  for (const char* flag : {"--port", "--bind", "--ping-interval", "--ping-timeout",
                           "--flood-rate", "--max-clients", "--history"})
    CHECK(out.find(flag) != std::string::npos);
  Process cli({kExe, "cli", "--help"});
  out.clear();
  while (auto line = cli.stdout_line(2000)) out += *line + "\n";
  for (const char* flag : {"--nick", "--realname", "HOST[:PORT]"})
    CHECK(out.find(flag) != std::string::npos);
}

TEST_CASE("the server killed and restarted: voixer cli reconnects and rejoins its channels") {
  auto server = std::make_unique<Served>();
  std::uint16_t port = server->port;
  Process cli({kExe, "cli", "127.0.0.1:" + std::to_string(port), "--nick", "erin", "--no-voice"});
  REQUIRE(cli.stdout_until("USERLIST #lobby: erin").has_value());
  cli.write_stdin("/join games\n");
  REQUIRE(cli.stdout_until("USERLIST #games: erin").has_value());
  server->process.signal(SIGKILL);
  CHECK(server->process.wait() == 128 + SIGKILL);
  server.reset();
  auto restarted = std::chrono::steady_clock::now();
  server = std::make_unique<Served>(std::vector<std::string>{}, port);
  auto rejoined = cli.stdout_until("USERLIST #games: erin", 5000);
  REQUIRE(rejoined.has_value());
  auto took = std::chrono::steady_clock::now() - restarted;
  CHECK(took < std::chrono::seconds(5));
  MESSAGE("rejoined #games "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
          << " ms after the server restarted");
  CHECK(cli.stderr_text().find("reconnecting in") != std::string::npos);
  cli.close_stdin();
  CHECK(cli.wait() == 0);
}

TEST_CASE("voixer serve --password refuses clients without it, voixer cli --password gets in") {
  Served server({"--password", "lanparty"});
  Process without({kExe, "cli", "127.0.0.1:" + std::to_string(server.port), "--nick", "x", "--no-voice"});
  CHECK(without.stdout_line() == "NOTACCEPTED: This server needs a password");
  Process with({kExe, "cli", "127.0.0.1:" + std::to_string(server.port), "--nick", "y", "--no-voice",
                "--password", "lanparty"});
  CHECK(with.stdout_line().value_or("").rfind("ACCEPT: ", 0) == 0);
}

TEST_CASE("voixer cli shows what a hostile server sends as escapes, not terminal commands") {
  // A server of our own that says something nasty: clear the screen, ring
  // the bell, reverse the text that follows.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  ::listen(listener, 1);
  Process cli({kExe, "cli", "127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "--nick", "x",
               "--no-voice"});
  int peer = ::accept(listener, nullptr, nullptr);
  REQUIRE(peer >= 0);
  // The client seals its connection: this server does the handshake too.
  auto identity = voixer::core::Identity::generate();
  voixer::core::SealedServerSide sealed(identity);
  while (!sealed.established()) {
    char buf[256];
    ssize_t n = ::read(peer, buf, sizeof buf);
    REQUIRE(n > 0);
    std::string plain, to_send, error;
    REQUIRE(sealed.receive({reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n)},
                           plain, to_send, error));
    REQUIRE(::write(peer, to_send.data(), to_send.size()) == static_cast<ssize_t>(to_send.size()));
  }
  // Then a C1 CSI (which some terminals obey like ESC [), a line separator
  // and a zero-width space.
  std::string nasty = "ACCEPT: evil\nMSG evil #lobby: \x1b[2J\x07\xe2\x80\xae" "gnp.exe\n"
                      "MSG evil #lobby: \xc2\x9b" "2J\xe2\x80\xa8\xe2\x80\x8b\n";
  std::string wire;
  sealed.seal(nasty, wire);
  REQUIRE(::write(peer, wire.data(), wire.size()) == static_cast<ssize_t>(wire.size()));
  CHECK(cli.stdout_line() == "ACCEPT: evil");
  CHECK(cli.stdout_line() == "MSG evil #lobby: \\x1b[2J\\x07\\u202egnp.exe");
  CHECK(cli.stdout_line() == "MSG evil #lobby: \\u009b2J\\u2028\\u200b");
  cli.close_stdin();
  ::close(peer);
  ::close(listener);
  cli.wait();
}

TEST_CASE("voixer cli pins the server's identity and refuses a changed one unless told") {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("voixer-identity-" + std::to_string(::getpid()))).string();
  std::uint16_t port = free_port();
  std::string address = "127.0.0.1:" + std::to_string(port);
  auto cli = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {kExe, "cli", address, "--nick", "bob", "--no-voice"};
    a.insert(a.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(a);
  };
  {
    Served first({"--data-dir", dir + "/first"}, port);
    auto bob = cli({});
    CHECK(bob->stdout_line().value_or("").rfind("ACCEPT: ", 0) == 0);
    bob->close_stdin();
    CHECK(bob->wait() == 0);
    CHECK(bob->stderr_text().find("server identity: ") != std::string::npos);
    CHECK(bob->stderr_text().find("(first meeting: remembered for this address)") != std::string::npos);
  }
  {
    Served same({"--data-dir", dir + "/first"}, port);  // restarted: the same identity
    auto bob = cli({});
    CHECK(bob->stdout_line().value_or("").rfind("ACCEPT: ", 0) == 0);
    bob->close_stdin();
    CHECK(bob->wait() == 0);
    CHECK(bob->stderr_text().find("(as remembered)") != std::string::npos);
  }
  Served other({"--data-dir", dir + "/other"}, port);
  auto refused = cli({});
  CHECK(refused->wait() == 1);
  std::string said = refused->stderr_text();
  CHECK(said.find("WARNING: the server's identity has changed") != std::string::npos);
  CHECK(said.find("--accept-new-identity") != std::string::npos);
  CHECK_FALSE(refused->stdout_line(200).has_value());  // it never logged in
  auto accepting = cli({"--accept-new-identity"});
  CHECK(accepting->stdout_line().value_or("").rfind("ACCEPT: ", 0) == 0);
  accepting->close_stdin();
  CHECK(accepting->wait() == 0);
  auto again = cli({});  // the new identity is now the one remembered
  CHECK(again->stdout_line().value_or("").rfind("ACCEPT: ", 0) == 0);
  again->close_stdin();
  CHECK(again->wait() == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("voixer cli without sound says why, and refuses the mic test instead of a silent call") {
  Served server;
  std::string missing = voixer::test::temp_dir("no-sound") + "/missing.wav";
  Process cli({kExe, "cli", "127.0.0.1:" + std::to_string(server.port), "--nick", "eve",
               "--audio-in", missing});
  REQUIRE(cli.stdout_until("JOINED: #lobby", 5000).has_value());
  auto err_has = [&](const std::string& text) {
    for (int waited = 0; waited < 5000; waited += 100)
      if (cli.stderr_text(100).find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(err_has("no voice: "));
  cli.write_stdin("/stats\n");
  CHECK(err_has("voice is off: "));
  CHECK(cli.stderr_text(0).find("--no-voice") == std::string::npos);  // it was not given
  CHECK(cli.stderr_text(0).find(missing) != std::string::npos);      // the reason names the file
  cli.write_stdin("/echo\n");
  CHECK(err_has("the mic test needs a microphone and speakers: voice is off: "));
  // No call was asked for: the server never saw one.
  cli.write_stdin("/join after\n");
  auto lines = cli.stdout_until("JOINED: #after", 5000);
  REQUIRE(lines.has_value());
  for (const auto& l : *lines) CHECK(l.rfind("TALK", 0) != 0);
  cli.close_stdin();
  CHECK(cli.wait() == 0);

  // Given, --no-voice is what /stats says.
  Process quiet({kExe, "cli", "127.0.0.1:" + std::to_string(server.port), "--nick", "ned", "--no-voice"});
  REQUIRE(quiet.stdout_until("JOINED: #lobby", 5000).has_value());
  quiet.write_stdin("/stats\n");
  bool said = false;
  for (int waited = 0; waited < 5000 && !said; waited += 100)
    said = quiet.stderr_text(100).find("voice is off (--no-voice)") != std::string::npos;
  CHECK(said);
}

namespace {

// `voixer serve` under a shell that set its open-files limits first; the
// server's stderr until it serves (or ends).
std::string serve_with_limits(const std::string& ulimits, std::string& soft_limit_seen) {
  std::uint16_t port = free_port();
  std::string command = ulimits + " && exec '" + std::string(kExe) +
                        "' serve --bind 127.0.0.1 --no-discovery --no-history-file --port " +
                        std::to_string(port);
  Process server({"/bin/sh", "-c", command});
  std::string err;
  for (int i = 0; i < 100 && err.find("serving on") == std::string::npos; ++i)
    err = server.stderr_text(50);
  std::ifstream limits("/proc/" + std::to_string(server.pid()) + "/limits");
  for (std::string line; std::getline(limits, line);)
    if (line.rfind("Max open files", 0) == 0) soft_limit_seen = line;
  server.stop();
  return err;
}

}  // namespace

TEST_CASE("voixer serve raises its open-files limit to the hard limit, and warns when 5,000 users cannot fit") {
  rlimit now{};
  ::getrlimit(RLIMIT_NOFILE, &now);
  if (now.rlim_max < 8192 && ::geteuid() != 0) {  // only root may raise a hard limit
    MESSAGE("skipped: the hard limit is " << now.rlim_max << " and this is not root");
    return;
  }
  std::string limits;
  std::string err = serve_with_limits("ulimit -Sn 256 && ulimit -Hn 8192", limits);
  CHECK(err.find("serving on") != std::string::npos);
  CHECK(err.find("warning") == std::string::npos);
  // "Max open files  8192  8192  files": the soft limit is the hard one now.
  std::istringstream fields(limits.substr(std::string("Max open files").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  CHECK(soft == "8192");
  CHECK(hard == "8192");

  err = serve_with_limits("ulimit -Sn 1024 && ulimit -Hn 1024", limits);
  CHECK(err.find("serving on") != std::string::npos);
  CHECK(err.find("voixer: warning: this process may open only 1024 files, fewer than "
                 "--max-clients 5000 needs") != std::string::npos);
}
