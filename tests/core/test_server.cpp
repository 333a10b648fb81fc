// The server state machine, driven directly: lines in, lines out, time as
// a number. Each test names one rule of docs/protocol.md.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/server_fixture.hpp"

using namespace voixer::core;

using voixer::test::Fixture;
using Lines = std::vector<std::string>;

TEST_CASE_FIXTURE(Fixture, "commands before CONNECT get NOTACCEPTED") {
  open(1);
  line(1, "JOIN: #games");
  CHECK(only(1).rfind("NOTACCEPTED: ", 0) == 0);
  line(1, "MSG #lobby: hi");
  CHECK(only(1).rfind("NOTACCEPTED: ", 0) == 0);
  line(1, "GARBAGE");
  CHECK(only(1) == "NOTACCEPTED: Syntax error, please resend the CONNECT request");
  line(1, "CONNECT: \"unterminated");
  CHECK(only(1) == "NOTACCEPTED: Syntax error, please resend the CONNECT request");
  CHECK(server->user_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "a valid CONNECT is accepted and the user lands in #lobby") {
  login(1, "alice");
  open(2);
  line(2, "CONNECT: \"bob\" \"Bob B\" 1.0.0");
  CHECK(take(2) == Lines{"ACCEPT: testhost", "JOINED: #lobby", "USERLIST #lobby: alice, bob"});
  CHECK(take(1) == Lines{"USERJOIN #lobby: bob"});
  CHECK(server->user_count() == 2);
}

TEST_CASE_FIXTURE(Fixture, "invalid nicknames are refused with NOTACCEPTED and may retry") {
  open(1);
  line(1, "CONNECT: \"bad nick\" \"x\" 1");
  CHECK(only(1).rfind("NOTACCEPTED: Nickname may only contain", 0) == 0);
  line(1, "CONNECT: \"" + std::string(33, 'a') + "\" \"x\" 1");
  CHECK(only(1) == "NOTACCEPTED: Nickname is longer than 32 characters");
  line(1, "CONNECT: \"ok\" \"bell\x07\" 1");
  CHECK(only(1) == "NOTACCEPTED: Real name: Text contains a control character (U+0007)");
  line(1, "CONNECT: \"ok\" \"fine\" 1");
  CHECK(take(1).at(0) == "ACCEPT: testhost");
}

TEST_CASE_FIXTURE(Fixture, "a taken nickname, in any case, gets NICKNAMEINUSE, retry works") {
  login(1, "John83");
  open(2);
  line(2, "CONNECT: \"john83\" \"J\" 1.0.0");
  CHECK(only(2) == "NICKNAMEINUSE: The nickname 'john83' is already taken");
  line(2, "CONNECT: \"John84\" \"J\" 1.0.0");
  CHECK(take(2).at(0) == "ACCEPT: testhost");
}

TEST_CASE_FIXTURE(Fixture, "a second CONNECT on an accepted connection is an error") {
  login(1, "alice");
  line(1, "CONNECT: \"alice2\" \"A\" 1");
  CHECK(only(1) == "ERROR ALREADYCONNECTED: Already connected as 'alice'");
}

TEST_CASE_FIXTURE(Fixture, "JOIN answers JOINED then USERLIST, members get USERJOIN") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  line(1, "JOIN: #games");
  CHECK(take(1) == Lines{"JOINED: #games", "USERLIST #games: alice"});
  line(2, "JOIN: #GAMES");  // same channel, whatever the case
  CHECK(take(2) == Lines{"JOINED: #games", "USERLIST #games: alice, bob"});
  CHECK(take(1) == Lines{"USERJOIN #games: bob"});
  line(2, "JOIN: #games");  // joining again just repeats the answer
  CHECK(take(2) == Lines{"JOINED: #games", "USERLIST #games: alice, bob"});
  CHECK(take(1).empty());
}

TEST_CASE_FIXTURE(Fixture, "JOIN with a bad channel name is refused") {
  login(1, "alice");
  clear_all();
  line(1, "JOIN: games");
  CHECK(only(1) == "ERROR BADNAME: Channel names start with '#'");
  line(1, "JOIN: #" + std::string(64, 'x'));
  CHECK(only(1) == "ERROR BADNAME: Channel name is longer than 64 bytes");
  line(1, "JOIN: #a,b");
  CHECK(only(1).rfind("ERROR BADNAME: ", 0) == 0);
}

TEST_CASE_FIXTURE(Fixture, "MSG to a channel reaches the other members, not the sender") {
  login(1, "alice");
  login(2, "bob");
  login(3, "carol");
  line(3, "JOIN: #side");
  clear_all();
  line(1, "MSG #lobby: Hey all! How's it going?");
  CHECK(take(1).empty());
  CHECK(take(2) == Lines{"MSG alice #lobby: Hey all! How's it going?"});
  CHECK(take(3) == Lines{"MSG alice #lobby: Hey all! How's it going?"});
  line(3, "MSG #side: only me here");
  CHECK(take(1).empty());
  CHECK(take(2).empty());
}

TEST_CASE_FIXTURE(Fixture, "MSG to a nickname reaches only that user, whatever the case") {
  login(1, "alice");
  login(2, "John83");
  login(3, "carol");
  clear_all();
  line(1, "MSG john83: Hey John!");
  CHECK(take(2) == Lines{"MSG alice John83: Hey John!"});
  CHECK(take(1).empty());
  CHECK(take(3).empty());
}

TEST_CASE_FIXTURE(Fixture, "MSG errors: unknown user or channel, not a member, bad text") {
  login(1, "alice");
  login(2, "bob");
  line(2, "JOIN: #secret");
  clear_all();
  line(1, "MSG nobody: hi");
  CHECK(only(1) == "ERROR NOSUCHUSER: No such user 'nobody'");
  line(1, "MSG #nowhere: hi");
  CHECK(only(1) == "ERROR NOSUCHCHANNEL: No such channel '#nowhere'");
  line(1, "MSG #secret: hi");
  CHECK(only(1) == "ERROR NOTMEMBER: You are not a member of #secret");
  line(1, "MSG bob: \xff\xfe");
  CHECK(only(1) == "ERROR BADTEXT: Text is not valid UTF-8");
  line(1, "MSG bob: ring\x07");
  CHECK(only(1) == "ERROR BADTEXT: Text contains a control character (U+0007)");
  line(1, "MSG bob:");
  CHECK(only(1) == "ERROR BADTEXT: Text is empty");
  CHECK(take(2).empty());
}

TEST_CASE_FIXTURE(Fixture, "unknown and malformed commands get an error, never silence") {
  login(1, "alice");
  clear_all();
  line(1, "DANCE: now");
  CHECK(only(1) == "ERROR UNKNOWNCOMMAND: Unknown command 'DANCE'");
  line(1, "JOIN #x");
  CHECK(only(1) == "ERROR MALFORMED: Malformed JOIN, expected 'JOIN: #channel'");
  line(1, "");
  CHECK(only(1) == "ERROR UNKNOWNCOMMAND: Empty line");
  server->on_line_too_long(1, now);
  CHECK(only(1) == "ERROR LINETOOLONG: Line longer than 4096 bytes was discarded");
}

TEST_CASE_FIXTURE(Fixture, "LEAVE answers LEFT and tells the others, empty channels vanish") {
  login(1, "alice");
  login(2, "bob");
  line(1, "JOIN: #games");
  line(2, "JOIN: #games");
  clear_all();
  line(1, "LEAVE: #games");
  CHECK(take(1) == Lines{"LEFT: #games"});
  CHECK(take(2) == Lines{"USERLEAVE #games: alice"});
  line(1, "MSG #games: still here?");
  CHECK(only(1) == "ERROR NOTMEMBER: You are not a member of #games");
  line(1, "LEAVE: #games");
  CHECK(only(1) == "ERROR NOTMEMBER: You are not a member of #games");
  CHECK(server->channel_count() == 2);
  line(2, "LEAVE: #games");
  CHECK(server->channel_count() == 1);  // only #lobby remains
  line(1, "LEAVE: #games");
  CHECK(only(1) == "ERROR NOSUCHCHANNEL: No such channel '#games'");
}

TEST_CASE_FIXTURE(Fixture, "LIST gives every channel with member count and topic") {
  login(1, "alice");
  login(2, "bob");
  line(1, "JOIN: #games");
  line(1, "TOPIC #games: Quake at 8");
  clear_all();
  line(2, "LIST");
  CHECK(take(2) == Lines{"CHANNEL #games 1: Quake at 8", "CHANNEL #lobby 2:", "LISTEND"});
}

TEST_CASE_FIXTURE(Fixture, "TOPIC is set by a member, broadcast, and shown on JOIN") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  line(1, "TOPIC #lobby: Welcome to the party");
  CHECK(take(1) == Lines{"TOPIC alice #lobby: Welcome to the party"});
  CHECK(take(2) == Lines{"TOPIC alice #lobby: Welcome to the party"});
  open(3);
  line(3, "CONNECT: carol");
  CHECK(take(3) == Lines{"ACCEPT: testhost", "JOINED: #lobby", "USERLIST #lobby: alice, bob, carol",
                         "TOPIC alice #lobby: Welcome to the party"});
  line(3, "TOPIC #elsewhere: x");
  CHECK(only(3) == "ERROR NOSUCHCHANNEL: No such channel '#elsewhere'");
}

TEST_CASE_FIXTURE(Fixture, "the last 50 messages of a channel are replayed on JOIN") {
  login(1, "alice");
  line(1, "JOIN: #games");
  for (int i = 0; i < 60; ++i) {
    now += 10;
    line(1, "MSG #games: message " + std::to_string(i));
  }
  login(2, "bob");
  clear_all();
  line(2, "JOIN: #games");
  auto got = take(2);
  REQUIRE(got.size() == 2 + 50);
  CHECK(got[0] == "JOINED: #games");
  CHECK(got[1] == "USERLIST #games: alice, bob");
  // Oldest first, with the wall-clock time each was sent.
  CHECK(got[2] == "HISTORY alice #games " + std::to_string(1'700'000'000'000 + 1000 + 110) +
                      ": message 10");
  CHECK(got[51].rfind("HISTORY alice #games ", 0) == 0);
  CHECK(got[51].substr(got[51].find(':')) == ": message 59");
}

TEST_CASE_FIXTURE(Fixture, "private messages are not kept in channel history") {
  login(1, "alice");
  login(2, "bob");
  line(1, "MSG bob: secret");
  line(1, "MSG #lobby: public");
  // carol's whole answer to CONNECT, history replay included (login() would
  // consume it).
  open(3);
  line(3, "CONNECT: \"carol\" \"Carol\" 1.0.0");
  Lines got = take(3);
  REQUIRE(got.size() >= 4);
  CHECK(got[0] == "ACCEPT: testhost");
  CHECK(got.back() == "HISTORY alice #lobby 1700000001000: public");  // history is replayed...
  for (const auto& l : got) CHECK(l.find("secret") == std::string::npos);  // ...without it
}

TEST_CASE_FIXTURE(Fixture, "DISCONNECT removes the user everywhere with USERLEAVE") {
  login(1, "alice");
  login(2, "bob");
  line(1, "JOIN: #games");
  line(2, "JOIN: #games");
  clear_all();
  line(1, "DISCONNECT");
  CHECK(out.closed.count(1) == 1);
  CHECK(take(2) == Lines{"USERLEAVE #lobby: alice", "USERLEAVE #games: alice"});
  CHECK(server->user_count() == 1);
  // The nickname is free again.
  login(3, "alice");
}

TEST_CASE_FIXTURE(Fixture, "a dropped connection removes the user like DISCONNECT") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  server->on_closed(1, now);
  CHECK(take(2) == Lines{"USERLEAVE #lobby: alice"});
  CHECK(out.closed.count(1) == 0);  // already gone: nothing to close
  server->on_closed(1, now);        // a second notice is harmless
  CHECK(server->user_count() == 1);
}

TEST_CASE_FIXTURE(Fixture, "the server PINGs and drops a client that does not PONG in time") {
  auto c = config;
  c.ping_interval = 30'000;
  reset(c);
  login(1, "alice");
  login(2, "bob");
  clear_all();
  now += config.ping_interval - 1;
  server->tick(now);
  CHECK(take(1).empty());
  now += 1;
  server->tick(now);
  std::string ping1 = only(1);
  std::string ping2 = only(2);
  REQUIRE(ping1.rfind("PING: ", 0) == 0);
  CHECK(ping1 != ping2);  // tokens are random per client
  line(1, "PONG: " + ping1.substr(6));
  CHECK(take(1).empty());
  now += config.ping_timeout - 1;
  server->tick(now);
  CHECK(out.closed.count(2) == 0);
  now += 1;
  server->tick(now);
  CHECK(out.closed.count(2) == 1);
  CHECK(out.closed.count(1) == 0);  // alice answered; she got a new PING instead
  auto alice = take(1);
  CHECK(std::find(alice.begin(), alice.end(), "USERLEAVE #lobby: bob") != alice.end());
  CHECK(take(2).at(0) == "ERROR TIMEOUT: No PONG within 150 s");
}

TEST_CASE_FIXTURE(Fixture, "a PONG with the wrong token is refused") {
  login(1, "alice");
  clear_all();
  line(1, "PONG: 123");
  CHECK(only(1) == "ERROR MALFORMED: PONG '123' does not answer the last PING");
}

TEST_CASE_FIXTURE(Fixture, "PING from a client is answered with PONG, even before CONNECT") {
  open(1);
  line(1, "PING: abc");
  CHECK(only(1) == "PONG: abc");
}

TEST_CASE_FIXTURE(Fixture, "a connection that never CONNECTs is closed after the handshake timeout") {
  open(1);
  now += config.handshake_timeout - 1;
  server->tick(now);
  CHECK(out.closed.empty());
  now += 1;
  server->tick(now);
  CHECK(out.closed.count(1) == 1);
  CHECK(only(1) == "ERROR TIMEOUT: No CONNECT within 10 s");
  CHECK(server->connection_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "the number of users is capped at CONNECT, the rest are told and closed") {
  auto c = config;
  c.max_clients = 2;
  reset(c);
  login(1, "alice");
  login(2, "bob");
  open(3);  // connecting is fine: only users count
  line(3, "CONNECT: \"carol\" \"Carol\" 1.0.0");
  CHECK(only(3) == "NOTACCEPTED: The server is full (2 users)");
  CHECK(out.closed.count(3) == 1);
  CHECK(server->user_count() == 2);
  server->on_closed(1, now);
  login(4, "dave");  // a place came free
}

TEST_CASE_FIXTURE(Fixture, "flood control admits a burst, then the sustained rate, and warns once") {
  auto c = config;
  c.flood_rate = 10;
  c.flood_burst = 5;
  reset(c);
  login(1, "alice");
  clear_all();
  // The CONNECT line was not admitted through flood control in login(), so
  // the whole burst is available.
  for (int i = 0; i < 5; ++i) CHECK(server->admit_line(1, now));
  CHECK_FALSE(server->admit_line(1, now));
  CHECK(only(1) ==
        "ERROR FLOOD: Too many lines; slow down (limit 10 lines/s). Your next lines are "
        "held back, not lost");
  CHECK_FALSE(server->admit_line(1, now));
  CHECK(take(1).empty());  // warned once per episode
  Millis resume = server->resume_at(1);
  CHECK(resume == now + 101);
  CHECK_FALSE(server->admit_line(1, resume - 2));
  CHECK(server->admit_line(1, resume));
  // Other clients are not affected.
  login(2, "bob");
  CHECK(server->admit_line(2, resume));
}

TEST_CASE_FIXTURE(Fixture, "TALKSESSION over TCP: unknown keys get the seed's SESSIONERROR") {
  login(1, "alice");
  clear_all();
  line(1, "TALKSESSION: 827742843590392");
  CHECK(only(1) == "SESSIONERROR: Invalid session key '827742843590392'");
}

TEST_CASE_FIXTURE(Fixture, "shutdown tells everyone and closes every connection") {
  login(1, "alice");
  open(2);
  clear_all();
  server->shutdown("Server is shutting down");
  CHECK(only(1) == "ERROR SHUTDOWN: Server is shutting down");
  CHECK(only(2) == "ERROR SHUTDOWN: Server is shutting down");
  CHECK(out.closed.size() == 2);
  CHECK(server->user_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "connections from one address are capped, others still get in") {
  auto c = config;
  c.max_per_address = 2;
  reset(c);
  CHECK(server->on_open(1, now, "10.0.0.5"));
  CHECK(server->on_open(2, now, "10.0.0.5"));
  CHECK_FALSE(server->on_open(3, now, "10.0.0.5"));
  CHECK(only(3) == "ERROR SERVERFULL: Too many connections from 10.0.0.5 (2)");
  CHECK(out.closed.count(3) == 1);
  CHECK(server->on_open(4, now, "10.0.0.6"));
  server->on_closed(1, now);
  CHECK(server->on_open(5, now, "10.0.0.5"));  // a slot came free
}

TEST_CASE_FIXTURE(Fixture, "a server password is required in CONNECT and a wrong one refused") {
  auto c = config;
  c.password = "lanparty";
  reset(c);
  open(1);
  line(1, "CONNECT: \"alice\" \"Alice\" 1.0.0");
  CHECK(only(1) == "NOTACCEPTED: This server needs a password");
  line(1, "CONNECT: \"alice\" \"Alice\" 1.0.0 \"lanpartz\"");
  CHECK(only(1) == "NOTACCEPTED: Wrong server password");
  line(1, "CONNECT: \"alice\" \"Alice\" 1.0.0 \"lanparty\"");
  CHECK(take(1).at(0) == "ACCEPT: testhost");
}

TEST_CASE_FIXTURE(Fixture, "an operator can kick a user, nobody else can") {
  auto c = config;
  c.operator_password = "s3cret";
  reset(c);
  login(1, "host");
  login(2, "prankster");
  login(3, "carol");
  clear_all();
  line(3, "KICK prankster: no");
  CHECK(only(3) == "ERROR NOTALLOWED: Only operators can kick (OPER first)");
  line(3, "OPER: guess");
  CHECK(only(3) == "ERROR NOTALLOWED: Wrong operator password");
  line(1, "OPER: s3cret");
  CHECK(only(1) ==
        "OPERATOR: You are an operator: KICK nickname: reason, BAN nickname minutes: reason, "
        "UNBAN: nickname, BANS");
  line(1, "KICK nobody: x");
  CHECK(only(1) == "ERROR NOSUCHUSER: No such user 'nobody'");
  line(1, "KICK prankster: spamming the lobby");
  CHECK(only(2) == "ERROR KICKED: Kicked by host for 60 more seconds: spamming the lobby");
  CHECK(out.closed.count(2) == 1);
  CHECK(take(3) == Lines{"USERLEAVE #lobby: prankster"});
  CHECK(server->user_count() == 2);
}
