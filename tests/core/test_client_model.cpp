// The client model: what the GUI shows after each server line, and which
// protocol lines each intent produces. Most flows run against a real
// core::Server (the Lan below wires each model to a connection of it, no
// sockets), so client and server are tested together; hand-written lines
// cover what the server cannot be made to send on demand (refusals, odd
// orders, garbage).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "core/client_model.hpp"
#include "core/names.hpp"
#include "core/version.hpp"
#include "core/server_fixture.hpp"

using namespace voixer::core;
using voixer::test::Fixture;
using Lines = std::vector<std::string>;
using Kind = ChatLine::Kind;

namespace {

constexpr std::int64_t kT = 1'764'060'000'000;  // some Unix time

void feed(ClientModel& m, const Lines& lines, std::int64_t now = kT) {
  for (const auto& l : lines) m.apply(l, now);
}

// A model that has been through the server's answer to CONNECT.
ClientModel connected(const std::string& nick = "alice") {
  ClientModel m(nick);
  m.on_connecting();
  feed(m, {"ACCEPT: lanbox", "JOINED: #lobby", "USERLIST #lobby: bob, " + nick});
  return m;
}

std::size_t count(const Conversation* c, Kind kind, const std::string& text) {
  REQUIRE(c != nullptr);
  return static_cast<std::size_t>(std::count_if(c->lines.begin(), c->lines.end(), [&](const ChatLine& l) {
    return l.kind == kind && l.text == text;
  }));
}

bool has(const Conversation* c, Kind kind, const std::string& text) {
  return count(c, kind, text) > 0;
}

std::string key_of(const Lines& lines, std::size_t i = 0) {
  REQUIRE(i < lines.size());
  return Fixture::offer_key(lines[i]);
}

// A real server with one model per connection: what a model sends goes to
// the server, what the server sends goes to the addressed model at once.
struct Lan {
  Fixture f;
  std::map<ConnId, std::unique_ptr<ClientModel>> models;
  std::map<ConnId, Lines> received;  // every line each model was given

  // Unix time as the server stamps it (HISTORY), so clocks agree.
  std::int64_t wall() const { return f.now + f.config.wall_clock_offset; }

  ClientModel& connect(ConnId id, const std::string& nick) {
    models[id] = std::make_unique<ClientModel>(nick);
    ClientModel& m = *models[id];
    f.open(id);
    m.on_connecting();
    send(id, m.connect_lines());
    REQUIRE(m.phase() == ConnectionPhase::Connected);
    return m;
  }
  ClientModel& operator[](ConnId id) { return *models.at(id); }

  void send(ConnId id, const Lines& lines) {
    for (const auto& l : lines) {
      f.line(id, l);
      deliver();
    }
  }
  void deliver() {
    auto out = std::move(f.out.lines);
    f.out.lines.clear();
    for (auto& [id, lines] : out) {
      auto it = models.find(id);
      if (it == models.end()) continue;
      for (const auto& l : lines) {
        it->second->apply(l, wall());
        received[id].push_back(l);
      }
    }
  }
  void advance(Millis ms) {
    f.now += ms;
    f.server->tick(f.now);
    deliver();
  }
  // The connection breaks: the server forgets the user, the model is told.
  void drop(ConnId id) {
    f.server->on_closed(id, f.now);
    models.at(id)->on_disconnected("connection lost", true, wall());
    deliver();
  }
  // A new connection for an existing model, as the session layer does it:
  // CONNECT, then after ACCEPT the rejoin lines.
  void reconnect(ConnId old_id, ConnId new_id) {
    auto model = std::move(models.at(old_id));
    models.erase(old_id);
    models[new_id] = std::move(model);
    ClientModel& m = *models[new_id];
    f.open(new_id);
    m.on_connecting();
    send(new_id, m.connect_lines());
    REQUIRE(m.phase() == ConnectionPhase::Connected);
    send(new_id, m.rejoin_lines());
  }
  // alice (1) calls bob (2); returns {alice's key, bob's key}.
  std::pair<std::string, std::string> ring(ConnId caller, ConnId callee, const std::string& nick) {
    received.clear();
    send(caller, (*this)[caller].call(nick));
    return {key_of(received[caller]), key_of(received[callee])};
  }
};

}  // namespace

// ---- connection ------------------------------------------------------------

TEST_CASE("a new model is disconnected and empty") {
  ClientModel m("alice");
  CHECK(m.phase() == ConnectionPhase::Disconnected);
  CHECK(m.nickname() == "alice");
  CHECK(m.conversations().empty());
  CHECK(m.active() == nullptr);
  CHECK_FALSE(m.incoming().has_value());
  CHECK(m.call_state().phase == CallPhase::None);
  CHECK(m.rejoin_lines().empty());
}

TEST_CASE("connect_lines is one CONNECT with nickname, real name and the build's version") {
  const std::string v(kVersion);
  CHECK(ClientModel("alice", "Alice Liddell").connect_lines() ==
        Lines{R"(CONNECT: "alice" "Alice Liddell" )" + v});
  // Without a real name the nickname stands in for it.
  CHECK(ClientModel("bob").connect_lines() == Lines{R"(CONNECT: "bob" "bob" )" + v});
  // The codec quotes, so a quote in the real name cannot break the line.
  CHECK(ClientModel("eve", "Eve \"E\" X").connect_lines() ==
        Lines{R"(CONNECT: "eve" "Eve \"E\" X" )" + v});
  CHECK(v == VOIXER_VERSION);  // CMake's project version
}

TEST_CASE("phases: Disconnected, Connecting, then Connected with the ACCEPT host as server name") {
  ClientModel m("alice");
  auto v0 = m.version();
  m.on_connecting();
  CHECK(m.phase() == ConnectionPhase::Connecting);
  CHECK(m.version() > v0);
  auto v1 = m.version();
  m.on_connecting();  // no news
  CHECK(m.version() == v1);
  m.apply("ACCEPT: lanbox", kT);
  CHECK(m.phase() == ConnectionPhase::Connected);
  CHECK(m.server_name() == "lanbox");
}

TEST_CASE("NOTACCEPTED or NICKNAMEINUSE while connecting refuses with the server's message") {
  SUBCASE("NOTACCEPTED") {
    ClientModel m("al ice");
    m.on_connecting();
    m.apply("NOTACCEPTED: Nickname may only contain letters, digits, '_' and '-'", kT);
    CHECK(m.phase() == ConnectionPhase::Refused);
    CHECK(m.status_text() == "Nickname may only contain letters, digits, '_' and '-'");
  }
  SUBCASE("NICKNAMEINUSE") {
    ClientModel m("alice");
    m.on_connecting();
    m.apply("NICKNAMEINUSE: The nickname 'alice' is already taken", kT);
    CHECK(m.phase() == ConnectionPhase::Refused);
    CHECK(m.status_text() == "The nickname 'alice' is already taken");
  }
}

TEST_CASE("a taken nickname with a real server: refused, set_nickname sends a new CONNECT, accepted") {
  Lan lan;
  lan.connect(1, "alice");
  auto& m = *(lan.models[2] = std::make_unique<ClientModel>("Alice"));
  lan.f.open(2);
  m.on_connecting();
  lan.send(2, m.connect_lines());
  CHECK(m.phase() == ConnectionPhase::Refused);
  CHECK(m.status_text() == "The nickname 'Alice' is already taken");
  auto lines = m.set_nickname("alice2");
  CHECK(lines == Lines{R"(CONNECT: "alice2" "alice2" )" + std::string(kVersion)});
  CHECK(m.phase() == ConnectionPhase::Connecting);
  CHECK(m.nickname() == "alice2");
  lan.send(2, lines);
  CHECK(m.phase() == ConnectionPhase::Connected);
  CHECK(m.server_name() == "testhost");
  CHECK(m.status_text().empty());
}

TEST_CASE("set_nickname refuses bad nicknames and does nothing once connected") {
  ClientModel m("alice");
  m.on_connecting();
  m.apply("NICKNAMEINUSE: The nickname 'alice' is already taken", kT);
  CHECK(m.set_nickname("").empty());
  CHECK(m.set_nickname("no spaces").empty());
  CHECK(m.phase() == ConnectionPhase::Refused);
  CHECK(m.nickname() == "alice");
  CHECK_FALSE(m.status_text().empty());

  ClientModel c = connected("carol");
  CHECK(c.set_nickname("dave").empty());
  CHECK(c.nickname() == "carol");
}

TEST_CASE("on_disconnected: Reconnecting when retrying, Disconnected otherwise, reason as status") {
  ClientModel m = connected();
  m.on_disconnected("connection reset", true, kT);
  CHECK(m.phase() == ConnectionPhase::Reconnecting);
  CHECK(m.status_text() == "connection reset");
  m.on_connecting();
  CHECK(m.phase() == ConnectionPhase::Connecting);
  m.on_disconnected("gave up", false, kT);
  CHECK(m.phase() == ConnectionPhase::Disconnected);
  CHECK(m.status_text() == "gave up");
}

TEST_CASE("ERROR SHUTDOWN from a real server says the server is going away") {
  Lan lan;
  auto& m = lan.connect(1, "alice");
  lan.f.server->shutdown("Server is shutting down");
  lan.deliver();
  CHECK(m.status_text().find("going away") != std::string::npos);
  CHECK(has(m.active(), Kind::Error, "Server is shutting down"));
}

TEST_CASE("ERROR lines set the status and add an Error line to the active conversation") {
  Lan lan;
  auto& m = lan.connect(1, "alice");
  lan.send(1, {"MSG nobody: hi"});
  CHECK(m.status_text() == "No such user 'nobody'");
  CHECK(has(m.active(), Kind::Error, "No such user 'nobody'"));
  CHECK(m.active()->unread == 0);
}

TEST_CASE("PING and garbage lines change nothing, not even the version") {
  ClientModel m = connected();
  auto v = m.version();
  m.apply("PING: 42313812731", kT);
  CHECK(m.version() == v);
  const Lines garbage = {"",          "DANCE",         "MSG",          "TALK",
                         "JOINED",    "USERLIST",      "HISTORY a #c x: hi",
                         "TALK a b c d: REQUEST",        "CHANNEL #c many: x",
                         ":::::",     std::string(5000, 'x'), std::string("\xff\xfe\x00", 3)};
  for (const auto& g : garbage) {
    CAPTURE(g);
    REQUIRE(std::holds_alternative<ParseError>(parse_server(g)));  // it is garbage
    m.apply(g, kT);
  }
  CHECK(m.version() == v);
  CHECK(m.phase() == ConnectionPhase::Connected);
  CHECK(m.active()->lines.empty());
}

TEST_CASE("version changes on every visible change and not when nothing changed") {
  ClientModel m = connected();
  auto v = m.version();
  m.apply("ACCEPT: lanbox", kT);  // the same again
  m.apply("USERLIST #lobby: bob, alice", kT);
  m.apply("USERJOIN #lobby: bob", kT);  // already there
  m.apply("TALK 0123: ENDED", kT);      // no such call here
  m.apply("CHANNEL #lobby 2:", kT);     // not visible before LISTEND
  m.select("#lobby");
  m.select("#nowhere");
  m.apply("TALK k0: ACCEPTED", kT);
  m.apply("SESSIONACCEPTED: k0", kT);
  CHECK(m.version() == v);
  m.apply("USERJOIN #lobby: carol", kT);
  CHECK(m.version() > v);
  v = m.version();
  m.apply("LISTEND", kT);
  CHECK(m.version() > v);
  v = m.version();
  m.apply("CHANNEL #lobby 2:", kT);
  m.apply("LISTEND", kT);  // the same list again
  CHECK(m.version() == v);
  m.apply("TOPIC bob #lobby: hi", kT);
  CHECK(m.version() > v);
}

// ---- channels ------------------------------------------------------------

TEST_CASE("connecting to a real server: #lobby is joined, active, with its members") {
  Lan lan;
  lan.connect(1, "bob");
  auto& m = lan.connect(2, "alice");
  REQUIRE(m.active() != nullptr);
  CHECK(m.active()->name == "#lobby");
  CHECK(m.active()->is_channel);
  CHECK(m.active()->joined);
  CHECK(m.active()->members == Lines{"bob", "alice"});
  CHECK(m.conversations().size() == 1);
}

TEST_CASE("USERJOIN and USERLEAVE add and remove members with a notice") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  lan.connect(2, "bob");
  CHECK(alice.find("#lobby")->members == Lines{"alice", "bob"});
  CHECK(has(alice.find("#lobby"), Kind::Notice, "bob joined"));
  lan.send(2, {"DISCONNECT"});
  CHECK(alice.find("#lobby")->members == Lines{"alice"});
  CHECK(has(alice.find("#lobby"), Kind::Notice, "bob left"));
  CHECK(alice.find("#lobby")->unread == 0);  // notices are not unread messages
}

TEST_CASE("join adds '#' and the asked-for channel becomes active, one not asked for does not") {
  Lan lan;
  auto& m = lan.connect(1, "alice");
  auto lines = m.join("games");
  CHECK(lines == Lines{"JOIN: #games"});
  lan.send(1, lines);
  REQUIRE(m.find("#games") != nullptr);
  CHECK(m.find("#games")->joined);
  CHECK(m.active()->name == "#games");
  CHECK(m.find("#lobby")->joined);
  // A JOINED the user did not ask for (a rejoin) leaves the active one alone.
  m.select("#lobby");
  m.apply("JOINED: #other", kT);
  CHECK(m.find("#other")->joined);
  CHECK(m.active()->name == "#lobby");
  CHECK(m.join("#quake") == Lines{"JOIN: #quake"});
}

TEST_CASE("the first JOINED becomes active only when nothing is active") {
  ClientModel m("alice");
  m.on_connecting();
  m.apply("ACCEPT: lanbox", kT);
  CHECK(m.active() == nullptr);
  m.apply("JOINED: #lobby", kT);
  CHECK(m.active()->name == "#lobby");
  m.apply("JOINED: #games", kT);
  CHECK(m.active()->name == "#lobby");
}

TEST_CASE("join refuses bad channel names without sending anything") {
  ClientModel m = connected();
  CHECK(m.join("").empty());
  CHECK(m.join("a b").empty());
  CHECK(m.join("games\nDISCONNECT").empty());  // no second protocol line
  CHECK(m.leave("x:y").empty());
  // Each refusal says why, as the server would have.
  REQUIRE(m.active()->lines.size() == 4);
  for (const auto& l : m.active()->lines) CHECK(l.kind == Kind::Error);
}

TEST_CASE("USERLIST replaces the members") {
  ClientModel m = connected();
  m.apply("USERLIST #lobby: carol, dave", kT);
  CHECK(m.find("#lobby")->members == Lines{"carol", "dave"});
}

TEST_CASE("LEAVE with a real server: LEFT keeps the conversation, greyed, without members") {
  Lan lan;
  auto& m = lan.connect(1, "alice");
  lan.connect(2, "bob");
  lan.send(1, m.join("games"));
  lan.send(2, lan[2].join("games"));
  lan.send(2, lan[2].send_text("gg", lan.wall()));
  auto lines = m.leave("games");
  CHECK(lines == Lines{"LEAVE: #games"});
  lan.send(1, lines);
  const Conversation* games = m.find("#games");
  REQUIRE(games != nullptr);
  CHECK_FALSE(games->joined);
  CHECK(games->members.empty());
  CHECK(has(games, Kind::Message, "gg"));  // the history stays visible
  CHECK(has(lan[2].find("#games"), Kind::Notice, "alice left"));
  CHECK(lan[2].find("#games")->members == Lines{"bob"});
}

TEST_CASE("TOPIC with a real server: topic set and a notice, repeated on join without a second notice") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  lan.send(1, alice.join("games"));
  auto lines = alice.set_topic("#games", "Friday: Quake, then pizza");
  CHECK(lines == Lines{"TOPIC #games: Friday: Quake, then pizza"});
  lan.send(1, lines);
  CHECK(alice.find("#games")->topic == "Friday: Quake, then pizza");
  CHECK(count(alice.find("#games"), Kind::Notice, "alice set the topic: Friday: Quake, then pizza") == 1);
  lan.send(1, alice.join("games"));  // the server repeats the topic
  CHECK(count(alice.find("#games"), Kind::Notice, "alice set the topic: Friday: Quake, then pizza") == 1);
  // A late joiner gets the topic from the JOIN answer.
  auto& bob = lan.connect(2, "bob");
  lan.send(2, bob.join("games"));
  CHECK(bob.find("#games")->topic == "Friday: Quake, then pizza");
  lan.send(1, alice.set_topic("games", ""));
  CHECK(bob.find("#games")->topic.empty());
  CHECK(has(bob.find("#games"), Kind::Notice, "alice cleared the topic"));
}

TEST_CASE("HISTORY with a real server: a late joiner sees earlier messages with the server's times") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  lan.send(1, alice.join("games"));
  std::int64_t said_at = lan.wall();
  lan.send(1, alice.send_text("anyone here?", said_at));
  lan.f.now += 5000;
  auto& bob = lan.connect(2, "bob");
  lan.send(2, bob.join("games"));
  const Conversation* games = bob.find("#games");
  REQUIRE(games != nullptr);
  REQUIRE(games->lines.size() == 1);
  CHECK(games->lines[0].kind == Kind::History);
  CHECK(games->lines[0].sender == "alice");
  CHECK(games->lines[0].text == "anyone here?");
  CHECK(games->lines[0].unix_ms == said_at);
}

TEST_CASE("HISTORY lines for a conversation that is not active count as unread") {
  ClientModel m = connected();
  feed(m, {"JOINED: #games", "USERLIST #games: alice", "HISTORY bob #games 1000: one",
           "HISTORY bob #games 2000: two"});
  CHECK(m.active()->name == "#lobby");
  CHECK(m.find("#games")->unread == 2);
  CHECK(m.find("#games")->lines[1].unix_ms == 2000);
}

TEST_CASE("LIST with a real server: CHANNEL lines accumulate and LISTEND replaces the list") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  lan.send(1, alice.join("games"));
  lan.send(1, alice.set_topic("#games", "Quake"));
  auto lines = alice.request_list();
  CHECK(lines == Lines{"LIST"});
  lan.send(1, lines);
  REQUIRE(alice.channel_list().size() == 2);
  CHECK(alice.channel_list()[0].name == "#games");
  CHECK(alice.channel_list()[0].members == 1);
  CHECK(alice.channel_list()[0].topic == "Quake");
  CHECK(alice.channel_list()[1].name == "#lobby");
  lan.send(1, alice.leave("games"));  // #games is gone with its last member
  lan.send(1, alice.request_list());
  REQUIRE(alice.channel_list().size() == 1);
  CHECK(alice.channel_list()[0].name == "#lobby");
}

TEST_CASE("the channel list does not change until LISTEND") {
  ClientModel m = connected();
  feed(m, {"CHANNEL #a 1:", "LISTEND"});
  m.apply("CHANNEL #b 2: x", kT);
  CHECK(m.channel_list().size() == 1);
  m.apply("LISTEND", kT);
  REQUIRE(m.channel_list().size() == 1);
  CHECK(m.channel_list()[0].name == "#b");
}

TEST_CASE("USERLISTMORE parts accumulate, and USERLIST ends the list and replaces the members") {
  ClientModel m = connected();
  feed(m, {"JOINED: #games", "USERLIST #games: old"});
  auto v = m.version();
  feed(m, {"USERLISTMORE #games: a, b", "USERLISTMORE #lobby: x", "USERLISTMORE #GAMES: c"});
  CHECK(m.find("#games")->members == Lines{"old"});  // not until the last part
  CHECK(m.version() == v);
  m.apply("USERLIST #games: d", kT);
  CHECK(m.find("#games")->members == Lines{"a", "b", "c", "d"});
  m.apply("USERLIST #lobby: y", kT);  // each channel's parts are its own
  CHECK(m.find("#lobby")->members == Lines{"x", "y"});
  m.apply("USERLIST #games: e", kT);  // the parts were used up
  CHECK(m.find("#games")->members == Lines{"e"});
  // Parts cut off by a dropped connection are not carried into the next list.
  m.apply("USERLISTMORE #games: stale", kT);
  m.on_disconnected("lost", true, kT);
  m.on_connecting();
  feed(m, {"ACCEPT: lanbox", "JOINED: #lobby", "USERLIST #lobby: alice", "JOINED: #games",
           "USERLIST #games: alice"});
  CHECK(m.find("#games")->members == Lines{"alice"});
}

TEST_CASE("a member list too long for one line, with a real server: every member, in order") {
  Lan lan;
  std::vector<std::string> nicks;
  for (int i = 0; i < 150; ++i) {  // 150 names of 32 bytes: two lines
    std::string n = "member" + std::to_string(i);
    nicks.push_back(n + std::string(32 - n.size(), 'x'));
    lan.f.login(100 + i, nicks.back());
  }
  auto& alice = lan.connect(1, "alice");
  nicks.push_back("alice");
  std::size_t parts = 0;
  for (const auto& l : lan.received[1]) parts += l.rfind("USERLISTMORE #lobby: ", 0) == 0;
  CHECK(parts == 1);
  CHECK(alice.find("#lobby")->members == nicks);
}

TEST_CASE("LISTMORE: the model asks for the next page itself, and the list changes once, at LISTEND") {
  ClientModel m = connected();
  feed(m, {"CHANNEL #old 1:", "LISTEND"});
  CHECK(m.request_list() == Lines{"LIST"});
  feed(m, {"CHANNEL #a 1: x", "CHANNEL #b 2:", "LISTMORE: #b"});
  CHECK(m.take_follow_ups() == Lines{"LIST: #b"});
  CHECK(m.take_follow_ups().empty());  // asked once
  CHECK(m.channel_list().size() == 1);
  CHECK(m.channel_list()[0].name == "#old");
  feed(m, {"CHANNEL #c 3: y", "LISTEND"});
  CHECK(m.take_follow_ups().empty());
  REQUIRE(m.channel_list().size() == 3);
  CHECK(m.channel_list()[0].name == "#a");
  CHECK(m.channel_list()[2].name == "#c");
  CHECK(m.channel_list()[2].topic == "y");
}

TEST_CASE("HISTORYMORE offers older messages, and load_older puts each page above, in order") {
  ClientModel m = connected();
  feed(m, {"JOINED: #games", "HISTORY bob #games 3000: three", "HISTORY bob #games 4000: four",
           "HISTORYMORE #games: 3000"});
  CHECK(m.find("#games")->older_before_unix_ms == 3000);
  CHECK(m.load_older("#lobby").empty());  // nothing older known there
  CHECK(m.load_older("#games") == Lines{"HISTORY #games: before 3000"});
  feed(m, {"HISTORY bob #games 2000: two", "HISTORYMORE #games: 2000"});
  CHECK(m.load_older("#games") == Lines{"HISTORY #games: before 2000"});
  feed(m, {"HISTORY carol #games 1000: one", "HISTORY bob #games 1500: one and a half",
           "HISTORYMORE #games: 0"});
  const Conversation* g = m.find("#games");
  std::vector<std::string> texts;
  for (const auto& l : g->lines) texts.push_back(l.text);
  CHECK(texts == Lines{"one", "one and a half", "two", "three", "four"});
  CHECK(g->lines[0].sender == "carol");
  CHECK(g->older_before_unix_ms == 0);
  CHECK(m.load_older("#games").empty());  // nothing more to ask
  // Lines after the last page go below again.
  m.apply("MSG bob #games: five", kT);
  CHECK(m.find("#games")->lines.back().text == "five");
  // A rejoin's replay neither repeats the lines nor offers again what is shown.
  m.on_disconnected("lost", true, kT);
  m.on_connecting();
  feed(m, {"ACCEPT: lanbox", "JOINED: #lobby", "JOINED: #games", "HISTORY bob #games 3000: three",
           "HISTORY bob #games 4000: four", "HISTORYMORE #games: 3000"});
  CHECK(m.find("#games")->lines.size() == 6);
  CHECK(m.find("#games")->older_before_unix_ms == 0);
  CHECK(m.load_older("#games").empty());
}

TEST_CASE("private history pages go into the conversation with the other person") {
  ClientModel m = connected();  // as alice
  m.apply("MSG bob alice: still there?", kT);
  const Conversation* bob = m.find("bob");
  REQUIRE(bob != nullptr);
  CHECK(bob->older_before_unix_ms == Conversation::kOlderUnknown);  // the server may have more
  CHECK(m.load_older("bob") == Lines{"HISTORY bob: before 9999999999999"});
  // Both directions: bob's lines and my own, shown above what is there.
  feed(m, {"HISTORY bob alice 1000: meet at table 12", "HISTORY alice bob 2000: on my way",
           "HISTORYMORE bob: 0"});
  bob = m.find("bob");
  REQUIRE(bob->lines.size() == 3);
  CHECK(bob->lines[0].sender == "bob");
  CHECK(bob->lines[0].text == "meet at table 12");
  CHECK(bob->lines[1].sender == "alice");
  CHECK(bob->lines[2].text == "still there?");
  CHECK(bob->older_before_unix_ms == 0);
  CHECK(m.load_older("bob").empty());
  CHECK(m.find("alice") == nullptr);  // my own name is no conversation
}

TEST_CASE("search results of the conversation asked about, newest first, until FOUNDEND") {
  ClientModel m = connected();  // as alice
  feed(m, {"JOINED: #games"});
  CHECK(m.search("#games", "  ").empty());
  CHECK(m.search("#games", "  pizza table") == Lines{"SEARCH #games: pizza table"});
  feed(m, {"FOUND bob #games 3000: pizza at table 12", "FOUND carol #games 1000: table for pizza"});
  const SearchResults& r = m.search_results();
  CHECK(r.place == "#games");
  CHECK_FALSE(r.done);
  REQUIRE(r.lines.size() == 2);
  CHECK(r.lines[0].sender == "bob");
  CHECK(r.lines[1].unix_ms == 1000);
  feed(m, {"FOUNDEND #games: 2"});
  CHECK(m.search_results().done);
  CHECK(m.find("#games")->lines.empty());  // results are not chat lines
  // Private: my own lines and bob's both belong to the conversation with bob.
  CHECK(m.search("bob", "table") == Lines{"SEARCH bob: table"});
  feed(m, {"FOUND #games 1: stale", "FOUND alice bob 5000: my table", "FOUND bob alice 4000: his table",
           "FOUNDEND bob: 2"});
  CHECK(m.search_results().lines.size() == 2);
  m.clear_search();
  CHECK(m.search_results().place.empty());
}

TEST_CASE("a server that keeps no private messages is asked once") {
  ClientModel m = connected();
  m.apply("MSG bob alice: hi", kT);
  CHECK(m.load_older("bob").size() == 1);
  feed(m, {"ERROR NOSUCHCHANNEL: This server keeps no private messages"});
  CHECK(m.find("bob")->older_before_unix_ms == 0);
  CHECK(m.load_older("bob").empty());
  m.apply("MSG carol alice: hey", kT);
  CHECK(m.load_older("carol").empty());  // not offered in new conversations either
}

TEST_CASE("send_text refuses text over the cap before sending, and sends text at the cap") {
  ClientModel m = connected();
  CHECK(m.send_text(std::string(kMaxTextBytes + 1, 'x'), kT).empty());
  CHECK(has(m.find("#lobby"), Kind::Error,
            "Text is longer than 3968 bytes: the message was not sent"));
  auto lines = m.send_text(std::string(kMaxTextBytes, 'x'), kT);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "MSG #lobby: " + std::string(kMaxTextBytes, 'x'));
}

// ---- messages --------------------------------------------------------------

TEST_CASE("channel messages with a real server: MSG line, Own line for me, Message line for the other") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  auto lines = alice.send_text("hello all", lan.wall());
  CHECK(lines == Lines{"MSG #lobby: hello all"});
  const ChatLine& own = alice.active()->lines.back();
  CHECK(own.kind == Kind::Own);
  CHECK(own.sender == "alice");
  CHECK(own.text == "hello all");
  CHECK(own.unix_ms == lan.wall());
  lan.send(1, lines);
  const ChatLine& got = bob.find("#lobby")->lines.back();
  CHECK(got.kind == Kind::Message);
  CHECK(got.sender == "alice");
  CHECK(got.text == "hello all");
  CHECK(count(alice.find("#lobby"), Kind::Own, "hello all") == 1);  // not echoed back
}

TEST_CASE("private messages with a real server: a conversation named after the sender, answered with MSG nick") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  CHECK(alice.open_private("bob").empty());
  CHECK(alice.active()->name == "bob");
  CHECK_FALSE(alice.active()->is_channel);
  auto lines = alice.send_text("psst", lan.wall());
  CHECK(lines == Lines{"MSG bob: psst"});
  lan.send(1, lines);
  const Conversation* priv = bob.find("alice");
  REQUIRE(priv != nullptr);
  CHECK_FALSE(priv->is_channel);
  CHECK(priv->lines.back().kind == Kind::Message);
  CHECK(priv->lines.back().sender == "alice");
  CHECK(priv->unread == 1);
  CHECK(bob.active()->name == "#lobby");  // a message does not steal the focus
  lan.send(1, alice.send_text("again", lan.wall()));
  CHECK(bob.conversations().size() == 2);  // created once
  CHECK(bob.find("alice")->unread == 2);
  bob.select("alice");
  CHECK(bob.active()->name == "alice");
  CHECK(bob.find("alice")->unread == 0);
  lan.send(2, bob.send_text("what?", lan.wall()));
  CHECK(alice.find("bob")->lines.back().text == "what?");
  CHECK(alice.find("bob")->lines.back().kind == Kind::Message);
}

TEST_CASE("unread counts messages in conversations that are not active, select clears it") {
  ClientModel m = connected();
  m.apply("JOINED: #games", kT);
  m.apply("MSG bob #games: one", kT);
  m.apply("MSG bob #games: two", kT);
  m.apply("USERJOIN #games: carol", kT);  // a notice: not unread
  CHECK(m.find("#games")->unread == 2);
  m.apply("MSG bob #lobby: here", kT);
  CHECK(m.find("#lobby")->unread == 0);  // active
  m.select("#games");
  CHECK(m.find("#games")->unread == 0);
  CHECK(m.active()->name == "#games");
}

TEST_CASE("a conversation keeps at most kMaxLines lines, dropping the oldest") {
  ClientModel m = connected();
  const std::size_t n = Conversation::kMaxLines + 5;
  for (std::size_t i = 0; i < n; ++i) m.apply("MSG bob #lobby: m" + std::to_string(i), kT);
  const auto& lines = m.find("#lobby")->lines;
  CHECK(lines.size() == Conversation::kMaxLines);
  CHECK(lines.front().text == "m5");
  CHECK(lines.back().text == "m" + std::to_string(n - 1));
}

TEST_CASE("send_text: blank text sends nothing and adds nothing") {
  ClientModel m = connected();
  auto v = m.version();
  CHECK(m.send_text("", kT).empty());
  CHECK(m.send_text("  \t ", kT).empty());
  CHECK(m.send_text("\n\r\n", kT).empty());
  CHECK(m.version() == v);
  CHECK(m.active()->lines.empty());
}

TEST_CASE("send_text when not connected: no lines and an Error line explaining why") {
  ClientModel m = connected();
  SUBCASE("in a channel") {}
  SUBCASE("in a private conversation") { m.open_private("bob"); }
  m.on_disconnected("connection lost", true, kT);
  CHECK(m.send_text("hello", kT).empty());
  REQUIRE_FALSE(m.active()->lines.empty());
  CHECK(m.active()->lines.back().kind == Kind::Error);
  CHECK(m.active()->lines.back().text.find("Not connected") != std::string::npos);
  CHECK(count(m.active(), Kind::Own, "hello") == 0);
}

TEST_CASE("send_text to a channel I left: no lines and an Error line explaining why") {
  Lan lan;
  auto& m = lan.connect(1, "alice");
  lan.send(1, m.join("games"));
  lan.send(1, m.leave("games"));
  REQUIRE(m.active()->name == "#games");
  CHECK(m.send_text("hello?", lan.wall()).empty());
  CHECK(m.active()->lines.back().kind == Kind::Error);
  CHECK(m.active()->lines.back().text.find("#games") != std::string::npos);
}

TEST_CASE("send_text splits pasted lines into messages so no protocol line is injected") {
  ClientModel m = connected();
  auto lines = m.send_text("one\r\n\ntwo\nDISCONNECT", kT);
  CHECK(lines == Lines{"MSG #lobby: one", "MSG #lobby: two", "MSG #lobby: DISCONNECT"});
  CHECK(count(m.active(), Kind::Own, "two") == 1);
  // Control characters would be refused by the server: nothing is sent.
  CHECK(m.send_text(std::string("bell\a"), kT).empty());
  CHECK(m.active()->lines.back().kind == Kind::Error);
}

// ---- reconnecting -------------------------------------------------------------

TEST_CASE("on_disconnected marks channels not joined and rejoin_lines lists them in joining order") {
  ClientModel m = connected();
  feed(m, {"JOINED: #zeta", "JOINED: #alpha", "JOINED: #mid", "LEFT: #alpha"});
  CHECK(m.rejoin_lines().empty());  // nothing dropped yet
  m.on_disconnected("connection lost", true, kT);
  REQUIRE(m.conversations().size() == 4);  // #alpha's lines are kept after LEFT
  for (const auto& c : m.conversations()) {
    CHECK_FALSE(c.joined);
    CHECK(c.members.empty());
  }
  CHECK(m.rejoin_lines() == Lines{"JOIN: #lobby", "JOIN: #zeta", "JOIN: #mid"});
  // A second drop before the rejoin finished still wants every channel.
  m.on_connecting();
  feed(m, {"ACCEPT: lanbox", "JOINED: #lobby"});
  m.on_disconnected("again", true, kT);
  CHECK(m.rejoin_lines() == Lines{"JOIN: #lobby", "JOIN: #zeta", "JOIN: #mid"});
}

TEST_CASE("reconnect with a real server: channels rejoined, history not duplicated, missed lines added") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  lan.send(1, alice.join("games"));
  lan.send(1, alice.send_text("first", lan.wall()));  // before bob: history for him
  auto& bob = lan.connect(2, "bob");
  lan.send(2, bob.join("games"));
  lan.f.now += 1000;
  lan.send(1, alice.send_text("second", lan.wall()));  // bob sees it live
  lan.f.now += 1000;
  lan.send(2, bob.send_text("mine", lan.wall()));
  lan.f.now += 1000;
  lan.send(1, alice.send_text("second", lan.wall()));  // said twice
  bob.select("#lobby");
  lan.drop(2);
  CHECK(bob.phase() == ConnectionPhase::Reconnecting);
  CHECK_FALSE(bob.find("#games")->joined);
  CHECK(bob.rejoin_lines() == Lines{"JOIN: #lobby", "JOIN: #games"});
  lan.f.now += 1000;
  lan.send(1, alice.send_text("missed", lan.wall()));
  lan.send(1, alice.send_text("second", lan.wall()));  // a third time, missed
  lan.f.now += 1000;
  lan.reconnect(2, 3);
  const Conversation* games = bob.find("#games");
  CHECK(games->joined);
  CHECK(games->members == Lines{"alice", "bob"});
  CHECK(count(games, Kind::History, "first") == 1);
  CHECK(count(games, Kind::Message, "second") == 2);
  CHECK(count(games, Kind::History, "second") == 1);  // the one missed
  CHECK(count(games, Kind::Own, "mine") == 1);
  CHECK(count(games, Kind::History, "mine") == 0);
  CHECK(count(games, Kind::History, "missed") == 1);
  CHECK(bob.active()->name == "#lobby");  // rejoins do not steal the focus
  // And once more, now that the conversation holds History lines.
  lan.drop(3);
  lan.reconnect(3, 4);
  CHECK(count(games, Kind::History, "first") == 1);
  CHECK(count(games, Kind::History, "missed") == 1);
  CHECK(count(games, Kind::History, "second") == 1);
}

TEST_CASE("HISTORY on rejoin: only exact repeats (sender, time, text) are dropped") {
  ClientModel m = connected();
  feed(m, {"JOINED: #games", "HISTORY bob #games 1000: hi", "HISTORY bob #games 2000: hi"});
  m.on_disconnected("lost", true, kT);
  m.on_connecting();
  feed(m, {"ACCEPT: lanbox", "JOINED: #lobby", "JOINED: #games", "HISTORY bob #games 1000: hi",
           "HISTORY bob #games 2000: hi", "HISTORY carol #games 2000: hi",
           "HISTORY bob #games 3000: hi"});
  const Conversation* g = m.find("#games");
  CHECK(count(g, Kind::History, "hi") == 4);
  CHECK(g->lines[2].sender == "carol");
  CHECK(g->lines[3].unix_ms == 3000);
}

// ---- calls ---------------------------------------------------------------------

TEST_CASE("a 1:1 call with a real server: calling, ringing, accepted, in call, hung up") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  lan.f.now += 100;
  CHECK(alice.call("bob") == Lines{"TALK bob: REQUEST"});
  auto [ka, kb] = lan.ring(1, 2, "bob");
  CHECK(alice.call_state().phase == CallPhase::Calling);
  CHECK(alice.call_state().key == ka);
  CHECK(alice.call_state().peer == "bob");
  CHECK_FALSE(alice.incoming().has_value());
  REQUIRE(bob.incoming().has_value());
  CHECK(bob.incoming()->from == "alice");
  CHECK(bob.incoming()->key == kb);
  CHECK(bob.incoming()->since_unix_ms == lan.wall());
  CHECK(bob.call_state().phase == CallPhase::None);

  lan.f.now += 2000;
  auto accept = bob.accept_call();
  CHECK(accept == Lines{"TALK " + kb + ": ACCEPT"});
  CHECK_FALSE(bob.incoming().has_value());
  lan.send(2, accept);
  for (ClientModel* m : {&alice, &bob}) {
    CHECK(m->call_state().phase == CallPhase::InCall);
    CHECK(m->call_state().members == Lines{"alice", "bob"});
    CHECK(m->call_state().started_unix_ms == lan.wall());
    CHECK(m->in_my_call("alice"));
    CHECK(m->in_my_call("bob"));
    CHECK_FALSE(m->in_my_call("carol"));
    CHECK_FALSE(m->call_state().echo);
  }
  CHECK(alice.call_state().key == ka);
  CHECK(bob.call_state().key == kb);

  auto hang = alice.hang_up();
  CHECK(hang == Lines{"TALK " + ka + ": HANGUP"});
  CHECK(alice.hang_up().empty());  // not twice
  lan.send(1, hang);
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK(alice.call_state().key.empty());
  CHECK(bob.call_state().phase == CallPhase::None);
  CHECK(has(bob.active(), Kind::Notice, "alice left the call"));
  CHECK(has(bob.active(), Kind::Notice, "call ended"));
  CHECK(has(alice.active(), Kind::Notice, "call ended"));
  CHECK_FALSE(alice.in_my_call("bob"));
  CHECK(alice.hang_up().empty());
}

TEST_CASE("ACCEPTED keeps the caller Calling until TALKMEMBERS arrives") {
  ClientModel m = connected();
  m.call("bob");
  m.apply("TALK bob k1: REQUEST", kT);
  auto v = m.version();
  m.apply("TALK k1: ACCEPTED", kT);
  CHECK(m.call_state().phase == CallPhase::Calling);
  CHECK(m.version() == v);
  m.apply("TALKMEMBERS k1: alice, bob", kT + 5);
  CHECK(m.call_state().phase == CallPhase::InCall);
  CHECK(m.call_state().peer == "bob");
  CHECK(m.call_state().started_unix_ms == kT + 5);
  m.apply("TALKMEMBERS k1: alice, bob, carol", kT + 9);
  CHECK(m.call_state().started_unix_ms == kT + 5);  // still the same call
}

TEST_CASE("a denied call with a real server: the caller is told, the callee stops ringing") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  auto [ka, kb] = lan.ring(1, 2, "bob");
  auto deny = bob.deny_call();
  CHECK(deny == Lines{"TALK " + kb + ": DENY"});
  CHECK_FALSE(bob.incoming().has_value());
  lan.send(2, deny);
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK(has(alice.active(), Kind::Notice, "bob declined"));
  CHECK(bob.deny_call().empty());
  CHECK(bob.accept_call().empty());
}

TEST_CASE("an unanswered call with a real server: no answer for the caller, a missed call for the callee") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  lan.ring(1, 2, "bob");
  lan.advance(30'000);
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK(has(alice.active(), Kind::Notice, "no answer"));
  CHECK_FALSE(bob.incoming().has_value());
  CHECK(has(bob.active(), Kind::Notice, "missed call from alice"));
}

TEST_CASE("hang_up while calling cancels, the callee gets a missed call") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  auto [ka, kb] = lan.ring(1, 2, "bob");
  auto hang = alice.hang_up();
  CHECK(hang == Lines{"TALK " + ka + ": HANGUP"});
  lan.send(1, hang);
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK_FALSE(bob.incoming().has_value());
  CHECK(has(bob.active(), Kind::Notice, "missed call from alice"));
}

TEST_CASE("the mic test with a real server: *echo call, in call at once, no invitations") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto lines = alice.call("*echo");
  CHECK(lines == Lines{"TALK *echo: REQUEST"});
  lan.send(1, lines);
  const CallState& c = alice.call_state();
  CHECK(c.phase == CallPhase::InCall);
  CHECK(c.echo);
  CHECK(c.members == Lines{"alice", "*echo"});
  CHECK_FALSE(alice.incoming().has_value());
  CHECK(alice.invite("bob").empty());
  lan.send(1, alice.hang_up());
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK_FALSE(alice.call_state().echo);
}

TEST_CASE("the mic test offer alone is Calling with echo set") {
  ClientModel m = connected();
  m.call("*echo");
  m.apply("TALK *echo 5e1c: REQUEST", kT);
  CHECK(m.call_state().phase == CallPhase::Calling);
  CHECK(m.call_state().echo);
  CHECK(m.call_state().peer == "*echo");
  CHECK_FALSE(m.incoming().has_value());
}

TEST_CASE("an offer naming someone I did not just call is an incoming call") {
  ClientModel m = connected();
  m.call("bob");
  m.apply("TALK carol kc: REQUEST", kT + 1);
  REQUIRE(m.incoming().has_value());
  CHECK(m.incoming()->from == "carol");
  CHECK(m.call_state().phase == CallPhase::None);
  m.apply("TALK bob kb: REQUEST", kT + 2);
  CHECK(m.call_state().phase == CallPhase::Calling);
  CHECK(m.call_state().peer == "bob");
  // Only one offer answers a REQUEST: a second one from bob is bob calling me.
  m.apply("TALK bob kb2: REQUEST", kT + 3);
  REQUIRE(m.incoming().has_value());
  CHECK(m.incoming()->key == "kb2");
  CHECK(m.call_state().key == "kb");
}

TEST_CASE("a call to nobody leaves no stale expectation behind") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  lan.send(1, alice.call("zed"));
  CHECK(has(alice.active(), Kind::Error, "No such user 'zed'"));
  lan.connect(2, "zed");
  lan.ring(2, 1, "alice");  // zed calls alice: that rings, it is not her call
  REQUIRE(alice.incoming().has_value());
  CHECK(alice.incoming()->from == "zed");
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK(alice.call("alice").empty());  // and nobody calls themselves
}

TEST_CASE("a group call with a real server: invited rings, members on accept, denied and unanswered invitations") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  auto& carol = lan.connect(3, "carol");
  auto& dave = lan.connect(4, "dave");
  auto& erin = lan.connect(5, "erin");
  auto [ka, kb] = lan.ring(1, 2, "bob");
  lan.send(2, bob.accept_call());
  CHECK(alice.invite("bob").empty());  // already in it
  auto inv = alice.invite("carol");
  CHECK(inv == Lines{"TALK " + ka + " carol: INVITE"});
  lan.send(1, inv);
  CHECK(alice.call_state().ringing == Lines{"carol"});
  CHECK(bob.call_state().ringing == Lines{"carol"});
  REQUIRE(carol.incoming().has_value());
  CHECK(carol.incoming()->from == "alice");
  CHECK(alice.invite("carol").empty());  // already ringing
  lan.send(3, carol.accept_call());
  for (ClientModel* m : {&alice, &bob, &carol}) {
    CHECK(m->call_state().phase == CallPhase::InCall);
    CHECK(m->call_state().members == Lines{"alice", "bob", "carol"});
    CHECK(m->call_state().ringing.empty());
  }
  lan.send(2, bob.invite("dave"));
  lan.send(2, bob.invite("erin"));
  CHECK(alice.call_state().ringing == Lines{"dave", "erin"});
  lan.send(4, dave.deny_call());
  CHECK(alice.call_state().ringing == Lines{"erin"});
  CHECK(has(alice.active(), Kind::Notice, "dave declined"));
  lan.advance(30'000);
  CHECK(alice.call_state().ringing.empty());
  CHECK(has(alice.active(), Kind::Notice, "erin did not answer"));
  CHECK(has(erin.active(), Kind::Notice, "missed call from bob"));
  // One leaves: removed from the members, with a notice; the call goes on.
  lan.send(1, alice.hang_up());
  CHECK(bob.call_state().phase == CallPhase::InCall);
  CHECK(bob.call_state().members == Lines{"bob", "carol"});
  CHECK_FALSE(bob.in_my_call("alice"));
  CHECK(has(carol.active(), Kind::Notice, "alice left the call"));
}

TEST_CASE("a LEFT event removes the member even before TALKMEMBERS follows") {
  ClientModel m = connected();
  m.call("bob");
  feed(m, {"TALK bob k1: REQUEST", "TALK k1: ACCEPTED", "TALKMEMBERS k1: alice, bob, carol",
           "TALK k1 dave: INVITED", "TALK k1 carol: LEFT", "TALK k1 dave: LEFT"});
  CHECK(m.call_state().members == Lines{"alice", "bob"});
  CHECK(m.call_state().ringing.empty());
  CHECK(has(m.active(), Kind::Notice, "carol left the call"));
  // Events about a call I am not in are not mine.
  m.apply("TALK k9 bob: LEFT", kT);
  CHECK(m.call_state().members == Lines{"alice", "bob"});
}

TEST_CASE("what call members say of themselves is kept per member, and shown in words") {
  ClientModel m = connected();
  m.call("bob");
  feed(m, {"TALK bob k1: REQUEST", "TALK k1: ACCEPTED", "TALKMEMBERS k1: alice, bob, carol"});
  CHECK(m.set_voice_flags(VoiceFlags{true, false, false, false, true}) == Lines{"VOICESTATE: muted no-speakers"});
  auto v = m.version();
  m.apply("VOICESTATE k1 bob: no-microphone no-speakers", kT);
  CHECK(m.version() != v);
  CHECK(m.call_state().flags_of("BOB").no_microphone);
  CHECK(voice_flags_note(m.call_state().flags_of("bob")) == "no microphone, no speakers");
  m.apply("VOICESTATE k9 carol: muted", kT);  // another call's key: not mine
  CHECK(m.call_state().flags_of("carol") == VoiceFlags{});
  m.apply("VOICESTATE k1 carol: deafened muted", kT);
  CHECK(voice_flags_note(m.call_state().flags_of("carol")) == "deafened");
  m.apply("VOICESTATE k1 bob:", kT);  // bob has his devices back
  CHECK(voice_flags_note(m.call_state().flags_of("bob")) == "");
  m.apply("VOICESTATE k1 bob: no-speakers", kT);
  m.apply("TALKMEMBERS k1: alice, carol", kT);  // bob left: what he said goes too
  CHECK(m.call_state().flags_of("bob") == VoiceFlags{});
  CHECK(m.call_state().member_flags.size() == 1);
}

TEST_CASE("switching calls with a real server: accepting while in a call ends up in the new one") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  auto& carol = lan.connect(3, "carol");
  auto [ka, kb] = lan.ring(1, 2, "bob");
  lan.send(2, bob.accept_call());
  REQUIRE(bob.call_state().phase == CallPhase::InCall);
  auto [kc, kb2] = lan.ring(3, 2, "bob");  // carol calls bob, who is busy
  REQUIRE(bob.incoming().has_value());
  CHECK(bob.incoming()->key == kb2);
  CHECK(bob.call_state().key == kb);  // still in the first call while it rings
  lan.received.clear();
  lan.send(2, bob.accept_call());
  // The server ends the old call first, then sends the new members.
  CHECK(lan.received[2] == Lines{"TALK " + kb + ": ENDED", "TALKMEMBERS " + kb2 + ": carol, bob"});
  CHECK(bob.call_state().phase == CallPhase::InCall);
  CHECK(bob.call_state().key == kb2);
  CHECK(bob.call_state().members == Lines{"carol", "bob"});
  CHECK(carol.call_state().phase == CallPhase::InCall);
  CHECK(alice.call_state().phase == CallPhase::None);
  CHECK(has(alice.active(), Kind::Notice, "bob left the call"));
  CHECK(bob.hang_up() == Lines{"TALK " + kb2 + ": HANGUP"});
}

TEST_CASE("switching calls: an ENDED for the old key after the new TALKMEMBERS changes nothing") {
  ClientModel m = connected("bob");
  feed(m, {"TALK alice ka: REQUEST"});
  m.accept_call();
  feed(m, {"TALKMEMBERS ka: alice, bob", "TALK carol kc: REQUEST"});
  m.accept_call();
  m.apply("TALKMEMBERS kc: carol, bob", kT + 10);
  auto v = m.version();
  m.apply("TALK ka: ENDED", kT + 11);
  CHECK(m.version() == v);
  CHECK(m.call_state().phase == CallPhase::InCall);
  CHECK(m.call_state().key == "kc");
  CHECK(m.call_state().started_unix_ms == kT + 10);
}

TEST_CASE("a refused switch keeps the current call") {
  Lan lan;
  lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  auto& carol = lan.connect(3, "carol");
  auto [ka, kb] = lan.ring(1, 2, "bob");
  lan.send(2, bob.accept_call());
  lan.ring(3, 2, "bob");
  lan.send(2, bob.deny_call());
  CHECK(bob.call_state().phase == CallPhase::InCall);
  CHECK(bob.call_state().key == kb);
  CHECK(has(carol.active(), Kind::Notice, "bob declined"));
}

TEST_CASE("a dropped connection ends the call and the ringing, with a notice") {
  Lan lan;
  auto& alice = lan.connect(1, "alice");
  auto& bob = lan.connect(2, "bob");
  lan.connect(3, "carol");
  lan.ring(1, 2, "bob");
  lan.send(2, bob.accept_call());
  lan.ring(3, 2, "bob");
  REQUIRE(bob.incoming().has_value());
  lan.drop(2);
  CHECK(bob.call_state().phase == CallPhase::None);
  CHECK(bob.call_state().members.empty());
  CHECK_FALSE(bob.incoming().has_value());
  CHECK(has(bob.active(), Kind::Notice, "call ended: connection lost"));
  CHECK(bob.hang_up().empty());
  CHECK(alice.call_state().phase == CallPhase::None);  // the server ended it for alice
}

TEST_CASE("several calls ringing: the newest shows, the older one shows again when it is answered") {
  ClientModel m = connected();
  feed(m, {"TALK bob kb: REQUEST", "TALK carol kc: REQUEST"});
  CHECK(m.incoming()->from == "carol");
  CHECK(m.deny_call() == Lines{"TALK kc: DENY"});
  REQUIRE(m.incoming().has_value());
  CHECK(m.incoming()->from == "bob");
  m.apply("TALK kb: TIMEOUT", kT);
  CHECK_FALSE(m.incoming().has_value());
  CHECK(has(m.active(), Kind::Notice, "missed call from bob"));
}

TEST_CASE("invite and hang_up send nothing without a call") {
  ClientModel m = connected();
  CHECK(m.invite("bob").empty());
  CHECK(m.hang_up().empty());
  CHECK(m.accept_call().empty());
  m.call("bob");
  m.apply("TALK bob k1: REQUEST", kT);
  CHECK(m.invite("carol").empty());  // only once in the call
  CHECK(m.hang_up() == Lines{"TALK k1: HANGUP"});
}

TEST_CASE("TALKMEMBERS names the call I am in even without the offer that started it") {
  ClientModel m = connected();
  m.apply("TALKMEMBERS k7: alice, *echo", kT + 3);
  CHECK(m.call_state().phase == CallPhase::InCall);
  CHECK(m.call_state().key == "k7");
  CHECK(m.call_state().echo);
  CHECK(m.call_state().started_unix_ms == kT + 3);
  CHECK(m.hang_up() == Lines{"TALK k7: HANGUP"});
}

TEST_CASE("closing a channel leaves it, and what it still sends until LEFT is not shown") {
  ClientModel m = connected();
  feed(m, {"JOINED: #games", "USERLIST #games: alice, bob"});
  m.select("#games");
  CHECK(m.close_conversation("#Games") == Lines{"LEAVE: #games"});
  CHECK(m.find("#games") == nullptr);
  CHECK(m.active()->name == "#lobby");  // another conversation is shown
  feed(m, {"MSG bob #games: are you gone?", "TOPIC bob #games: late", "LEFT: #games"});
  CHECK(m.find("#games") == nullptr);
  // Joined again later, it is a channel like any other.
  feed(m, {"JOINED: #games", "USERLIST #games: alice, bob", "MSG bob #games: welcome back"});
  REQUIRE(m.find("#games") != nullptr);
  CHECK(m.find("#games")->lines.back().text == "welcome back");
}

TEST_CASE("closing a private conversation removes it; the next message opens it again") {
  ClientModel m = connected();
  feed(m, {"MSG bob alice: psst"});
  REQUIRE(m.find("bob") != nullptr);
  CHECK(m.close_conversation("bob").empty());  // nothing to tell the server
  CHECK(m.find("bob") == nullptr);
  CHECK(m.close_conversation("nobody").empty());
  feed(m, {"MSG bob alice: still there?"});
  REQUIRE(m.find("bob") != nullptr);
  CHECK(m.find("bob")->lines.size() == 1);
}

TEST_CASE("the last line that wants my attention is kept for a notification, not my own") {
  ClientModel m = connected();
  feed(m, {"MSG bob #lobby: alice, look"});
  CHECK(m.attention_count() == 1);
  CHECK(m.last_attention().conversation == "#lobby");
  CHECK(m.last_attention().sender == "bob");
  CHECK(m.last_attention().text == "alice, look");
  CHECK_FALSE(m.last_attention().private_message);
  feed(m, {"MSG carol alice: just you"});
  CHECK(m.attention_count() == 2);
  CHECK(m.last_attention().private_message);
  CHECK(m.last_attention().sender == "carol");
  feed(m, {"MSG bob #lobby: nothing for anyone"});
  CHECK(m.attention_count() == 2);
}
