// Hostile guests against the real server over loopback, each attacker on
// its own 127.0.0.x address as another machine on the LAN would be:
// sockets that never log in, password guessing over fresh connections,
// and a crowd ringing one user.
#include <doctest/doctest.h>

#include <memory>

#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using test::RunningServer;
using test::TestClient;
using Lines = std::vector<std::string>;

namespace {
std::string host(int n) { return "127.0.0." + std::to_string(n); }
}  // namespace

TEST_CASE("loopback: sockets from many addresses that never log in cannot keep users out") {
  auto config = RunningServer::test_config();
  config.max_clients = 5;
  RunningServer s(config);
  // 32 addresses, 8 silent sockets each: more than the whole waiting room.
  std::vector<std::unique_ptr<TestClient>> silent;
  for (int a = 0; a < 32; ++a)
    for (int i = 0; i < 8; ++i) silent.push_back(std::make_unique<TestClient>(s.port(), 0, host(10 + a)));
  // The oldest were closed to make room...
  Lines seen;
  CHECK(silent.front()->closed_within(3000, &seen));
  CHECK(seen == Lines{"ERROR TIMEOUT: No CONNECT in time: the server needed the room"});
  // ...and a ninth from the address that came last is refused at once.
  TestClient ninth(s.port(), 0, host(41));
  seen.clear();
  CHECK(ninth.closed_within(3000, &seen));
  CHECK(seen == Lines{"ERROR SERVERFULL: Too many connections from 127.0.0.41 waiting to log in (8)"});
  // Real users still get in, up to max_clients.
  std::vector<std::unique_ptr<TestClient>> users;
  for (int i = 0; i < 5; ++i) {
    users.push_back(std::make_unique<TestClient>(s.port(), 0, host(2)));
    users.back()->login("user" + std::to_string(i));
  }
  auto full = test::on_server_thread(s, [&] { return s.server->state().user_count(); });
  CHECK(full == 5);
  auto waiting = test::on_server_thread(s, [&] { return s.server->state().connection_count(); });
  CHECK(waiting <= 5 + config.max_pending);
}

TEST_CASE("loopback: guessing the server password over fresh connections is slowed down, others are not") {
  auto config = RunningServer::test_config();
  config.password = "lanparty";
  RunningServer s(config);
  auto attempt = [&](const std::string& from, const std::string& password) {
    TestClient c(s.port(), 0, from);
    c.send("CONNECT: guest guest 1.0.0 " + password);
    return c.next_line().value_or("(nothing)");
  };
  for (int i = 0; i < 4; ++i) CHECK(attempt(host(66), "guess") == "NOTACCEPTED: Wrong server password");
  CHECK(attempt(host(66), "lanparty") ==
        "NOTACCEPTED: Too many wrong passwords from 127.0.0.66: try again in 1 s");
  TestClient friendly(s.port(), 0, host(20));
  friendly.send("CONNECT: alice alice 1.0.0 lanparty");
  CHECK(friendly.next_line().value_or("").rfind("ACCEPT: ", 0) == 0);
}

TEST_CASE("loopback: a crowd ringing one user gets through five times a minute") {
  RunningServer s;
  TestClient bob(s.port());
  bob.login("bob");
  std::vector<std::unique_ptr<TestClient>> crowd;
  for (int i = 0; i < 20; ++i) {
    crowd.push_back(std::make_unique<TestClient>(s.port(), 0, host(30 + i)));
    crowd.back()->login("caller" + std::to_string(i));
  }
  bob.sync();
  for (auto& c : crowd) c->send("TALK bob: REQUEST");
  int refused = 0;
  for (auto& c : crowd)
    for (const auto& line : c->sync())
      if (line.rfind("ERROR RATELIMITED: 'bob' was rung 5 times in the last minute", 0) == 0) ++refused;
  CHECK(refused == 15);
  int rung = 0;
  for (const auto& line : bob.sync())
    if (line.rfind("TALK caller", 0) == 0) ++rung;
  CHECK(rung == 5);
}
