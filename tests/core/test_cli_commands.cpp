// The line client's friendly commands and the address parser.
#include <doctest/doctest.h>

#include "core/address.hpp"
#include "core/cli_commands.hpp"

using namespace voixer::core;

namespace {

using Lines = std::vector<std::string>;

std::vector<std::string> lines_for(std::string_view input, const ClientModel& m) {
  return translate_cli_input(input, m).lines;
}

// A model logged in as alice, in #lobby, fed `lines` from the server.
ClientModel logged_in(const Lines& lines = {}) {
  ClientModel m("alice");
  for (const char* l : {"ACCEPT: lanbox", "JOINED: #lobby", "USERLIST #lobby: alice"}) m.apply(l, 0);
  for (const auto& l : lines) m.apply(l, 0);
  return m;
}

}  // namespace

TEST_CASE("protocol lines pass through unchanged, empty lines send nothing") {
  ClientModel s = logged_in();
  CHECK(lines_for("JOIN: #room", s) == Lines{"JOIN: #room"});
  CHECK(lines_for("MSG #lobby: hi", s) == Lines{"MSG #lobby: hi"});
  CHECK(lines_for("TALK bob: REQUEST\r", s) == Lines{"TALK bob: REQUEST"});
  CHECK(lines_for("", s).empty());
}

TEST_CASE("friendly commands become protocol lines") {
  ClientModel s = logged_in();
  CHECK(lines_for("/join games", s) == Lines{"JOIN: #games"});
  CHECK(lines_for("/join #games", s) == Lines{"JOIN: #games"});
  CHECK(lines_for("/msg bob hello there", s) == Lines{"MSG bob: hello there"});
  CHECK(lines_for("/msg #games gg", s) == Lines{"MSG #games: gg"});
  CHECK(lines_for("/say hi all", s) == Lines{"MSG #lobby: hi all"});
  CHECK(lines_for("/list", s) == Lines{"LIST"});
  CHECK(lines_for("/topic #games Quake at 8", s) == Lines{"TOPIC #games: Quake at 8"});
  CHECK(lines_for("/call bob", s) == Lines{"TALK bob: REQUEST"});
  CHECK(lines_for("/accept k1", s) == Lines{"TALK k1: ACCEPT"});
  CHECK(lines_for("/deny k1", s) == Lines{"TALK k1: DENY"});
  CHECK(lines_for("/hangup k1", s) == Lines{"TALK k1: HANGUP"});
  CHECK(lines_for("/leave", s) == Lines{"LEAVE: #lobby"});
  CHECK(translate_cli_input("/quit", s).quit);
  CHECK(translate_cli_input("/help", s).output.find("/call nickname") != std::string::npos);
}

TEST_CASE("operators' commands: kick, ban with minutes and reason, unban, list") {
  ClientModel s = logged_in();
  CHECK(lines_for("/kick troll enough", s) == Lines{"KICK troll: enough"});
  CHECK(lines_for("/ban troll 10 spamming links", s) == Lines{"BAN troll 10: spamming links"});
  CHECK(lines_for("/ban troll", s) == Lines{"BAN troll 60:"});
  CHECK(lines_for("/ban troll 0", s) == Lines{"BAN troll 0:"});
  CHECK(lines_for("/unban 10.0.0.66", s) == Lines{"UNBAN: 10.0.0.66"});
  CHECK(lines_for("/bans", s) == Lines{"BANS"});
  CHECK(translate_cli_input("/ban troll ten", s).output.rfind("usage: /ban", 0) == 0);
  CHECK(lines_for("/ban troll ten", s).empty());
}

TEST_CASE("commands with missing arguments print usage and send nothing") {
  ClientModel s = logged_in();
  for (const char* in : {"/join", "/msg", "/msg bob", "/call", "/say", "/accept", "/ban", "/unban"}) {
    CAPTURE(in);
    auto a = translate_cli_input(in, s);
    CHECK(a.lines.empty());
    CHECK_FALSE(a.output.empty());
  }
  CHECK(translate_cli_input("/frobnicate", s).output == "unknown command '/frobnicate' (try /help)");
}

TEST_CASE("the client remembers the channel it joined and the call that rang") {
  ClientModel s = logged_in();
  s.note_sent("JOIN: #games");  // typed as a protocol line
  s.apply("JOINED: #games", 0);
  CHECK(lines_for("/say gg", s) == Lines{"MSG #games: gg"});
  s.apply("TALK bob 0123abcd: REQUEST", 0);
  CHECK(lines_for("/accept", s) == Lines{"TALK 0123abcd: ACCEPT"});
  s.apply("LEFT: #games", 0);
  CHECK(lines_for("/say back", s) == Lines{"MSG #lobby: back"});
  CHECK(lines_for("/leave", s) == Lines{"LEAVE: #lobby"});
  s.apply("LEFT: #lobby", 0);
  CHECK(translate_cli_input("/say anyone?", s).output == "not in a channel: /join one first");
}

TEST_CASE("channels are one whatever their case, as the server sees them") {
  ClientModel s = logged_in();
  s.note_sent("JOIN: #Games");
  s.apply("JOINED: #games", 0);
  CHECK(lines_for("/say gg", s) == Lines{"MSG #games: gg"});
  s.apply("LEFT: #GAMES", 0);
  CHECK(s.joined_channels() == Lines{"#lobby"});
  CHECK(lines_for("/say back", s) == Lines{"MSG #lobby: back"});
}

TEST_CASE("host[:port] addresses") {
  auto a = parse_host_port("192.168.1.20", 8649);
  CHECK(a.error.empty());
  CHECK(a.host == "192.168.1.20");
  CHECK(a.port == 8649);
  a = parse_host_port("lanbox:9000", 8649);
  CHECK(a.host == "lanbox");
  CHECK(a.port == 9000);
  a = parse_host_port("[::1]:7000", 8649);
  CHECK(a.host == "::1");
  CHECK(a.port == 7000);
  a = parse_host_port("::1", 8649);
  CHECK(a.host == "::1");
  CHECK(a.port == 8649);
  CHECK_FALSE(parse_host_port("", 1).error.empty());
  CHECK_FALSE(parse_host_port("host:", 1).error.empty());
  CHECK_FALSE(parse_host_port("host:0", 1).error.empty());
  CHECK_FALSE(parse_host_port("host:65536", 1).error.empty());
  CHECK_FALSE(parse_host_port("host:12ab", 1).error.empty());
  CHECK_FALSE(parse_host_port("[::1", 1).error.empty());
  CHECK_FALSE(parse_host_port("a b:1", 1).error.empty());
}

TEST_CASE("call commands follow the call the client is in") {
  ClientModel s = logged_in();
  CHECK(translate_cli_input("/invite carol", s).output == "not in a call");
  CHECK(translate_cli_input("/hangup", s).output == "no call to hangup");
  s.apply("TALK bob k-alice: REQUEST", 0);
  s.apply("TALKMEMBERS k-alice: alice, bob", 0);
  CHECK(lines_for("/invite carol", s) == Lines{"TALK k-alice carol: INVITE"});
  CHECK(lines_for("/hangup", s) == Lines{"TALK k-alice: HANGUP"});
  CHECK(lines_for("/echo", s) == Lines{"TALK *echo: REQUEST"});
  s.apply("TALK k-alice: ENDED", 0);
  CHECK(translate_cli_input("/invite carol", s).output == "not in a call");
  CHECK(translate_cli_input("/mute", s).local == LocalCommand::Mute);
  CHECK(translate_cli_input("/stats", s).local == LocalCommand::Stats);
}

TEST_CASE("a call placed as a typed protocol line is not taken for an incoming one") {
  ClientModel s = logged_in();
  s.note_sent("TALK bob: REQUEST");
  s.apply("TALK bob k-mine: REQUEST", 0);  // the server's answer names the callee
  CHECK_FALSE(s.incoming().has_value());
  CHECK(s.call_state().phase == CallPhase::Calling);
  CHECK(translate_cli_input("/accept", s).output == "no call to accept");
  CHECK(lines_for("/hangup", s) == Lines{"TALK k-mine: HANGUP"});
}

TEST_CASE("the seed client's HOST and CONNECT, typed before connecting") {
  auto host = parse_seed_command("HOST: lanbox:9000");
  REQUIRE(host.has_value());
  CHECK(host->verb == SeedCommand::Verb::Host);
  CHECK(host->host == "lanbox:9000");
  CHECK(parse_seed_command("host 127.0.0.1")->host == "127.0.0.1");
  auto connect = parse_seed_command("CONNECT carol Carol Smith");
  REQUIRE(connect.has_value());
  CHECK(connect->verb == SeedCommand::Verb::Connect);
  CHECK(connect->nickname == "carol");
  CHECK(connect->realname == "Carol Smith");
  CHECK(parse_seed_command("connect dave")->realname == "dave");
  for (const char* bad : {"", "HOST", "HOST: ", "CONNECT", "JOIN: #x", "hello"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_seed_command(bad).has_value());
  }
}

TEST_CASE("/search and /older ask about the current channel, a #channel or an @nickname") {
  ClientModel s = logged_in({"HISTORY bob #lobby 3000: hi", "HISTORYMORE #lobby: 3000"});
  CHECK(lines_for("/search pizza table", s) == Lines{"SEARCH #lobby: pizza table"});
  CHECK(lines_for("/search #games pizz*", s) == Lines{"SEARCH #games: pizz*"});
  CHECK(lines_for("/search @bob the key", s) == Lines{"SEARCH bob: the key"});
  CHECK(translate_cli_input("/search", s).output.find("usage") != std::string::npos);
  CHECK(translate_cli_input("/search #games", s).lines.empty());
  CHECK(lines_for("/older", s) == Lines{"HISTORY #lobby: before 3000"});
  CHECK(lines_for("/older @bob", s) == Lines{"HISTORY bob: before 9999999999999"});
}
