// The server against a hostile guest: connections that never log in,
// password guessing, kicked users coming straight back, and ringing.
// Each attacker is another address, as another machine on the LAN would be.
#include <doctest/doctest.h>

#include "core/server_fixture.hpp"

using namespace voixer::test;
using Lines = std::vector<std::string>;

namespace doctest {
template <>
struct StringMaker<Lines> {
  static String convert(const Lines& lines) {
    std::string all;
    for (const auto& l : lines) all += "[" + l + "] ";
    return all.c_str();
  }
};
}  // namespace doctest

namespace {

struct Guarded : Fixture {
  // Opens `id` from `address` and sends CONNECT; returns the answer lines.
  Lines connect_from(ConnId id, const std::string& address, const std::string& nick,
                     const std::string& password = {}) {
    if (!server->on_open(id, now, address)) return take(id);
    std::string pw = password.empty() ? "" : " \"" + password + "\"";
    line(id, "CONNECT: \"" + nick + "\" \"" + nick + "\" 1.0.0" + pw);
    Lines answer = take(id);
    // Refused: the guest hangs up and tries again on a new connection.
    if (!accepted(answer)) server->on_closed(id, now);
    return answer;
  }
  bool accepted(const Lines& answer) { return !answer.empty() && answer[0] == "ACCEPT: testhost"; }
};

}  // namespace

TEST_CASE_FIXTURE(Guarded, "connections that never log in have a quota of their own and users still get in") {
  auto c = config;
  c.max_clients = 10;
  c.max_pending_per_address = 2;
  c.max_pending = 4;
  reset(c);
  // One address cannot hold more than its share of the waiting room...
  CHECK(server->on_open(1, now, "10.0.0.66"));
  now += 1;
  CHECK(server->on_open(2, now, "10.0.0.66"));
  CHECK_FALSE(server->on_open(3, now, "10.0.0.66"));
  CHECK(only(3) == "ERROR SERVERFULL: Too many connections from 10.0.0.66 waiting to log in (2)");
  CHECK(out.closed.count(3) == 1);
  // ...and when many addresses fill it, the one waiting longest gives way.
  now += 10;
  CHECK(server->on_open(4, now, "10.0.0.67"));
  CHECK(server->on_open(5, now, "10.0.0.67"));
  CHECK(server->connection_count() == 4);
  now += 10;
  CHECK(accepted(connect_from(6, "10.0.0.20", "alice")));
  CHECK(out.closed.count(1) == 1);
  CHECK(take(1) == Lines{"ERROR TIMEOUT: No CONNECT in time: the server needed the room"});
  CHECK(server->user_count() == 1);
  // A user who logged in no longer counts as waiting.
  CHECK(accepted(connect_from(7, "10.0.0.20", "bob")));
  CHECK(server->on_open(8, now, "10.0.0.20"));
  CHECK(server->on_open(9, now, "10.0.0.20"));
}

TEST_CASE_FIXTURE(Guarded, "of connections that came in the same millisecond, the first gives way first") {
  // A burst of sockets is accepted within one millisecond: waiting longest
  // is then the order they came in, not whichever the table lists first.
  auto c = config;
  c.max_pending_per_address = 8;
  c.max_pending = 64;
  reset(c);
  ConnId id = 1;
  for (int a = 0; a < 32; ++a)
    for (int i = 0; i < 8; ++i) REQUIRE(server->on_open(id++, now, "10.0.1." + std::to_string(a)));
  // The last address still holds its 8: the ninth from it is refused.
  CHECK_FALSE(server->on_open(id, now, "10.0.1.31"));
  CHECK(only(id) == "ERROR SERVERFULL: Too many connections from 10.0.1.31 waiting to log in (8)");
  // The first 192 made room, in order.
  for (ConnId closed = 1; closed <= 192; ++closed) CHECK(out.closed.count(closed) == 1);
  for (ConnId open = 193; open < id; ++open) CHECK(out.closed.count(open) == 0);
}

TEST_CASE_FIXTURE(Guarded, "wrong server passwords from one address are slowed down, then locked out") {
  auto c = config;
  c.password = "lanparty";
  reset(c);
  const std::string attacker = "10.0.0.66";
  ConnId id = 1;
  // The first three mistakes cost nothing: people mistype.
  for (int i = 0; i < 3; ++i)
    CHECK(connect_from(id++, attacker, "guest", "guess") == Lines{"NOTACCEPTED: Wrong server password"});
  // The fourth makes the next attempt wait, on any connection, right or wrong.
  CHECK(connect_from(id++, attacker, "guest", "guess") == Lines{"NOTACCEPTED: Wrong server password"});
  CHECK(connect_from(id++, attacker, "guest", "lanparty") ==
        Lines{"NOTACCEPTED: Too many wrong passwords from 10.0.0.66: try again in 1 s"});
  // Another machine is not affected.
  CHECK(accepted(connect_from(id++, "10.0.0.20", "alice", "lanparty")));
  // Each further mistake doubles the wait: 1, 2, 4, 8, 16, 32 s...
  Millis waited = 0;
  for (Millis wait : {1000, 2000, 4000, 8000, 16000}) {
    now += wait;
    waited += wait;
    CHECK(connect_from(id++, attacker, "guest", "guess") == Lines{"NOTACCEPTED: Wrong server password"});
  }
  now += 32000;
  waited += 32000;
  // ...and the tenth locks the address out for ten minutes.
  CHECK(connect_from(id++, attacker, "guest", "guess") == Lines{"NOTACCEPTED: Wrong server password"});
  now += 60'000;
  CHECK(connect_from(id++, attacker, "guest", "lanparty") ==
        Lines{"NOTACCEPTED: Too many wrong passwords from 10.0.0.66: try again in 540 s"});
  MESSAGE("10 guesses took " << waited / 1000 << " s, then one every 600 s");
  now += 540'000;
  CHECK(accepted(connect_from(id++, attacker, "guest", "lanparty")));
  // A success forgets the mistakes.
  CHECK(connect_from(id++, attacker, "guest2", "guess") == Lines{"NOTACCEPTED: Wrong server password"});
  CHECK(connect_from(id++, attacker, "guest2", "guess") == Lines{"NOTACCEPTED: Wrong server password"});
}

TEST_CASE_FIXTURE(Guarded, "wrong operator passwords are slowed down the same way") {
  auto c = config;
  c.operator_password = "s3cret";
  reset(c);
  REQUIRE(accepted(connect_from(1, "10.0.0.66", "mallory")));
  for (int i = 0; i < 4; ++i) {
    line(1, "OPER: guess");
    CHECK(only(1) == "ERROR NOTALLOWED: Wrong operator password");
  }
  line(1, "OPER: s3cret");
  CHECK(only(1) == "ERROR RATELIMITED: Too many wrong passwords from 10.0.0.66: try again in 1 s");
  now += 1000;
  line(1, "OPER: s3cret");
  CHECK(only(1).rfind("OPERATOR: ", 0) == 0);
}

TEST_CASE_FIXTURE(Guarded, "a kicked user is kept out for a minute, by address and by nickname") {
  auto c = config;
  c.operator_password = "s3cret";
  reset(c);
  REQUIRE(accepted(connect_from(1, "10.0.0.1", "host")));
  REQUIRE(accepted(connect_from(2, "10.0.0.66", "prankster")));
  line(1, "OPER: s3cret");
  take(1);
  line(1, "KICK prankster: calm down");
  CHECK(take(1) == Lines{"BANNED prankster 1700000061000: 10.0.0.66 calm down",
                         "USERLEAVE #lobby: prankster"});
  CHECK(only(2) == "ERROR KICKED: Kicked by host for 60 more seconds: calm down");
  now += 50;  // back at once, under another name: refused at the door
  CHECK_FALSE(server->on_open(3, now, "10.0.0.66"));
  CHECK(only(3) == "ERROR BANNED: You are banned from this server for 60 more seconds (by host: calm down)");
  CHECK(out.closed.count(3) == 1);
  // From another machine with the same name: refused at CONNECT.
  CHECK(connect_from(4, "10.0.0.67", "Prankster") ==
        Lines{"NOTACCEPTED: You are banned from this server for 60 more seconds (by host: calm down)"});
  CHECK(out.closed.count(4) == 1);
  now += 60'000;
  server->tick(now);
  CHECK(accepted(connect_from(5, "10.0.0.66", "prankster")));
}

TEST_CASE_FIXTURE(Guarded, "operators ban for a while or until restart, list bans and lift them") {
  auto c = config;
  c.operator_password = "s3cret";
  reset(c);
  REQUIRE(accepted(connect_from(1, "10.0.0.1", "host")));
  REQUIRE(accepted(connect_from(2, "10.0.0.66", "spammer")));
  REQUIRE(accepted(connect_from(3, "10.0.0.67", "troll")));
  clear_all();
  line(3, "BAN spammer 10: no");
  CHECK(only(3) == "ERROR NOTALLOWED: Only operators can ban (OPER first)");
  line(3, "BANS");
  CHECK(only(3) == "ERROR NOTALLOWED: Only operators can list bans (OPER first)");
  line(1, "OPER: s3cret");
  take(1);
  take(1);
  line(1, "BAN spammer 10: links everywhere");
  CHECK(only(2) == "ERROR KICKED: Banned by host for 10 more minutes: links everywhere");
  line(1, "BAN troll 0");
  CHECK(take(3) == Lines{"USERLEAVE #lobby: spammer",
                         "ERROR KICKED: Banned by host until the server restarts"});
  take(1);
  line(1, "BANS");
  CHECK(take(1) == Lines{"BANNED spammer 1700000601000: 10.0.0.66 links everywhere",
                         "BANNED troll 0: 10.0.0.67", "BANSEND"});
  now += 10 * 60'000;  // the first ends, the second does not
  server->tick(now);
  CHECK(accepted(connect_from(4, "10.0.0.66", "spammer")));
  CHECK_FALSE(server->on_open(5, now, "10.0.0.67"));
  take(1);
  line(1, "UNBAN: nobody");
  CHECK(only(1) == "ERROR NOSUCHBAN: Nobody is banned as 'nobody'");
  line(1, "UNBAN: 10.0.0.67");
  CHECK(only(1) == "UNBANNED troll: 10.0.0.67");
  CHECK(accepted(connect_from(6, "10.0.0.67", "troll")));
  take(1);
  line(1, "BANS");
  CHECK(take(1) == Lines{"BANSEND"});
}

TEST_CASE_FIXTURE(Guarded, "a caller rings a user once at a time, and a user is rung a few times a minute at most") {
  login(1, "bob");
  login(2, "alice");
  clear_all();
  line(2, "TALK bob: REQUEST");
  CHECK(take(1).size() == 1);  // rung
  take(2);
  line(2, "TALK bob: REQUEST");
  CHECK(only(2) == "ERROR RATELIMITED: You are already ringing 'bob'");
  CHECK(take(1).empty());
  // Many callers: bob is rung five times a minute, not more.
  for (ConnId id = 10; id < 15; ++id) login(id, "caller" + std::to_string(id));
  clear_all();
  for (ConnId id = 10; id < 13; ++id) line(id, "TALK bob: REQUEST");
  CHECK(take(1).size() == 3);
  line(13, "TALK bob: REQUEST");  // the fifth within the minute
  CHECK(take(1).size() == 1);
  line(14, "TALK bob: REQUEST");
  CHECK(only(14) == "ERROR RATELIMITED: 'bob' was rung 5 times in the last minute; try again in 60 s");
  CHECK(take(1).empty());
  now += 60'000;
  line(14, "TALK bob: REQUEST");
  CHECK(take(1).size() == 1);
}

TEST_CASE_FIXTURE(Guarded, "inviting into a call counts as ringing") {
  login(1, "alice");
  login(2, "bob");
  login(3, "carol");
  line(1, "TALK bob: REQUEST");
  std::string bob_key = offer_key(take(2).back());
  line(2, "TALK " + bob_key + ": ACCEPT");
  clear_all();
  line(2, "TALK " + bob_key + " carol: INVITE");
  CHECK(take(3).size() == 1);
  take(2);
  line(2, "TALK " + bob_key + " carol: INVITE");
  CHECK(take(2) == Lines{"ERROR NOTALLOWED: carol is already in this call"});
}
