// Voice rooms in the server state machine and the client model: joined with
// no ringing, shown to the whole channel, relayed like a call, one room or
// call at a time, left with the channel or the connection.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/client_model.hpp"
#include "core/server_fixture.hpp"

using namespace voixer::core;
using voixer::test::Fixture;
using voixer::test::has;
using Lines = std::vector<std::string>;

namespace {

// alice (1), bob (2), carol (3) in #lobby, with what they were sent consumed.
void three_in_lobby(Fixture& f) {
  f.login(1, "alice");
  f.login(2, "bob");
  f.login(3, "carol");
  f.clear_all();
}

// `id` joins #lobby's room; returns its key (what `id` was sent is consumed).
std::string join_room(Fixture& f, ConnId id) {
  f.line(id, "VOICEJOIN: #lobby");
  for (const auto& line : f.take(id))
    if (line.rfind("VOICEJOINED #lobby: ", 0) == 0) return line.substr(20);
  FAIL("no VOICEJOINED");
  return {};
}

}  // namespace

TEST_CASE("voice rooms: the room lines parse and format back the same") {
  for (std::string line : {"VOICEJOIN: #games", "VOICELEAVE", "VOICESTATE: muted deafened talking",
                           "VOICESTATE: no-microphone no-speakers",
                           "VOICESTATE:"}) {
    auto p = parse_client(line);
    REQUIRE_MESSAGE(std::holds_alternative<ClientMessage>(p), line);
    CHECK(format(std::get<ClientMessage>(p)) == line);
  }
  for (std::string line : {"VOICEJOINED #games: 0011", "VOICELEFT: #games",
                           "VOICEROOM #games: alice, bob muted, carol muted deafened talking",
                           "VOICEROOM #games:", "VOICESTATE #games bob: talking",
                           "VOICESTATE 0f6b1c2d bob: muted no-microphone no-speakers"}) {
    auto p = parse_server(line);
    REQUIRE_MESSAGE(std::holds_alternative<ServerMessage>(p), line);
    CHECK(format(std::get<ServerMessage>(p)) == line);
  }
  CHECK(std::holds_alternative<ParseError>(parse_client("VOICESTATE: shouting")));
  CHECK(std::holds_alternative<ParseError>(parse_client("VOICEJOIN")));
  CHECK(std::holds_alternative<ParseError>(parse_server("VOICEROOM #games: bob asleep")));
}

TEST_CASE("voice rooms: joining needs no ringing, and the whole channel sees who is in") {
  Fixture f;
  three_in_lobby(f);
  std::string ka = join_room(f, 1);
  CHECK(ka.size() == 32);
  CHECK(f.only(2) == "VOICEROOM #lobby: alice");  // bob is not in the room, and sees it
  CHECK(f.only(3) == "VOICEROOM #lobby: alice");
  std::string kb = join_room(f, 2);
  CHECK(kb != ka);
  CHECK(f.only(3) == "VOICEROOM #lobby: alice, bob");
  CHECK(f.server->call_count() == 0);  // a room is not a call
  // Someone joining the channel later learns the room with it.
  f.login(4, "dave");  // (the login's own lines are consumed)
  f.line(4, "JOIN: #lobby");
  CHECK(has(f.take(4), "VOICEROOM #lobby: alice, bob"));
  // Joining twice changes nothing.
  CHECK(join_room(f, 2) == kb);
}

TEST_CASE("voice rooms: a frame from one member goes to every other member, as in a call") {
  Fixture f;
  three_in_lobby(f);
  std::string ka = join_room(f, 1), kb = join_room(f, 2), kc = join_room(f, 3);
  CHECK(f.server->on_voice_session(10, "TALKSESSION: " + ka) == "SESSIONACCEPTED: " + ka);
  CHECK(f.server->on_voice_session(20, "TALKSESSION: " + kb) == "SESSIONACCEPTED: " + kb);
  CHECK(f.server->on_voice_session(30, "TALKSESSION: " + kc) == "SESSIONACCEPTED: " + kc);
  auto route = f.server->voice_route(10);
  REQUIRE(route);
  CHECK(route->speaker == "alice");
  std::vector<PeerId> peers(route->peers.begin(), route->peers.end());
  CHECK(std::count(peers.begin(), peers.end(), PeerId{20}) == 1);
  CHECK(std::count(peers.begin(), peers.end(), PeerId{30}) == 1);
  CHECK_FALSE(route->echo);
}

TEST_CASE("voice rooms: one room or call at a time: another room, a call, leaving the channel or the server") {
  Fixture f;
  three_in_lobby(f);
  f.line(1, "JOIN: #games");
  f.line(2, "JOIN: #games");
  f.clear_all();
  join_room(f, 1);
  join_room(f, 2);
  f.clear_all();
  // alice moves to #games' room: out of #lobby's.
  f.line(1, "VOICEJOIN: #games");
  Lines to_alice = f.take(1);
  CHECK(has(to_alice, "VOICELEFT: #lobby"));
  CHECK(has(to_alice, "VOICEROOM #lobby: bob"));
  CHECK(has(f.take(3), "VOICEROOM #lobby: bob"));
  // bob calls carol: out of his room at once.
  f.clear_all();
  f.line(2, "TALK carol: REQUEST");
  Lines to_bob = f.take(2);
  CHECK(has(to_bob, "VOICELEFT: #lobby"));
  CHECK(has(f.take(3), "VOICEROOM #lobby:"));
  // alice leaves #games: out of its room too.
  f.clear_all();
  f.line(1, "LEAVE: #games");
  to_alice = f.take(1);
  CHECK(has(to_alice, "VOICELEFT: #games"));
  CHECK(has(to_alice, "LEFT: #games"));
  // carol joins #lobby's room and drops: the channel sees her go.
  join_room(f, 3);
  f.clear_all();
  f.server->on_closed(3, f.now);
  CHECK(has(f.take(1), "VOICEROOM #lobby:"));
}

TEST_CASE("voice rooms: mute, deafen and talking go to the whole channel; strangers are refused") {
  Fixture f;
  three_in_lobby(f);
  f.line(1, "VOICESTATE: muted");
  CHECK(f.only(1) == "ERROR NOTMEMBER: You are not in a voice room or a call");
  f.line(1, "VOICELEAVE");
  CHECK(f.only(1) == "ERROR NOTMEMBER: You are not in a voice room");
  f.line(1, "VOICEJOIN: #elsewhere");
  CHECK(f.only(1).rfind("ERROR NOSUCHCHANNEL", 0) == 0);
  join_room(f, 1);
  f.clear_all();
  f.line(1, "VOICESTATE: talking");
  CHECK(f.only(2) == "VOICESTATE #lobby alice: talking");
  f.clear_all();
  f.line(1, "VOICESTATE: muted deafened");
  CHECK(f.only(3) == "VOICESTATE #lobby alice: muted deafened");
  // The room's list carries the state to newcomers.
  f.login(4, "dave");
  f.line(4, "JOIN: #lobby");
  CHECK(has(f.take(4), "VOICEROOM #lobby: alice muted deafened"));
  f.clear_all();
  f.line(1, "VOICELEAVE");
  CHECK(has(f.take(1), "VOICELEFT: #lobby"));
  CHECK(f.only(2) == "VOICEROOM #lobby:");
}

TEST_CASE("voice rooms: the client model knows my room, who is in each, and asks again after a reconnect") {
  ClientModel m("bob");
  m.apply("ACCEPT: host", 1);
  m.apply("JOINED: #lobby", 1);
  m.apply("USERLIST #lobby: alice, bob", 1);
  CHECK(m.join_voice("#lobby") == std::vector<std::string>{"VOICEJOIN: #lobby"});
  CHECK(m.leave_voice().empty());  // not in a room yet
  m.apply("VOICEJOINED #lobby: 00112233445566778899aabbccddeeff", 2);
  CHECK(m.voice_room() == "#lobby");
  CHECK(m.voice_room_key() == "00112233445566778899aabbccddeeff");
  m.apply("VOICEROOM #lobby: alice, bob", 2);
  m.apply("VOICESTATE #lobby alice: talking", 3);
  const auto& voice = m.find("#lobby")->voice;
  REQUIRE(voice.size() == 2);
  CHECK(voice[0].nickname == "alice");
  CHECK(voice[0].flags.talking);
  CHECK_FALSE(voice[1].flags.talking);
  CHECK(m.set_voice_flags({true, false, false}) == std::vector<std::string>{"VOICESTATE: muted"});
  m.on_disconnected("gone", true, 4);
  CHECK(m.voice_room().empty());
  CHECK(m.find("#lobby")->voice.empty());
  auto lines = m.rejoin_lines();
  CHECK(std::find(lines.begin(), lines.end(), "VOICEJOIN: #lobby") != lines.end());
  m.apply("ACCEPT: host", 5);
  m.apply("VOICELEFT: #lobby", 6);
  CHECK(m.voice_room().empty());
}
