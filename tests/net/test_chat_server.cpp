// The TCP server over real loopback sockets with several clients: every
// seed message end to end, and every bad-input rule.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <algorithm>
#include <thread>

#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using test::TestClient;
using Lines = std::vector<std::string>;

using test::RunningServer;

namespace {

bool contains(const Lines& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("loopback: the seed's session works line for line") {
  RunningServer s;
  TestClient john(s.port()), mike(s.port());
  john.send("JOIN: #SuperAwesomeChannel");
  CHECK(john.next_line() == "NOTACCEPTED: Send CONNECT first: CONNECT: \"nickname\" \"real name\" version");
  john.send("CONNECT: \"John83\" \"John Wilson\" 1.0.0");
  CHECK(john.next_line() == "ACCEPT: loopback");
  CHECK(john.next_line() == "JOINED: #lobby");
  CHECK(john.next_line() == "USERLIST #lobby: John83");
  mike.send("CONNECT: \"john83\" \"Mike\" 1.0.0");
  CHECK(mike.next_line() == "NICKNAMEINUSE: The nickname 'john83' is already taken");
  mike.send("CONNECT: \"Mike\" \"Mike Smith\" 1.0.0");
  CHECK(mike.next_line() == "ACCEPT: loopback");
  CHECK(mike.next_line() == "JOINED: #lobby");
  CHECK(mike.next_line() == "USERLIST #lobby: John83, Mike");
  CHECK(john.next_line() == "USERJOIN #lobby: Mike");

  john.send("JOIN: #SuperAwesomeChannel");
  CHECK(john.next_line() == "JOINED: #SuperAwesomeChannel");
  CHECK(john.next_line() == "USERLIST #SuperAwesomeChannel: John83");
  mike.send("JOIN: #SuperAwesomeChannel");
  CHECK(mike.next_line() == "JOINED: #SuperAwesomeChannel");
  CHECK(mike.next_line() == "USERLIST #SuperAwesomeChannel: John83, Mike");
  CHECK(john.next_line() == "USERJOIN #SuperAwesomeChannel: Mike");

  mike.send("MSG #SuperAwesomeChannel: Hey all! How's it going?");
  CHECK(john.next_line() == "MSG Mike #SuperAwesomeChannel: Hey all! How's it going?");
  CHECK(mike.sync().empty());  // not echoed to the sender
  mike.send("MSG John83: Hey John! How's it going?");
  CHECK(john.next_line() == "MSG Mike John83: Hey John! How's it going?");

  mike.send("TALK John83: REQUEST");
  auto offer = mike.next_line().value_or("");
  REQUIRE(offer.rfind("TALK John83 ", 0) == 0);
  std::string mike_key = offer.substr(12, offer.find(':') - 12);
  CHECK(mike_key.size() == 32);
  auto john_offer = john.next_line().value_or("");
  REQUIRE(john_offer.rfind("TALK Mike ", 0) == 0);
  std::string john_key = john_offer.substr(10, john_offer.find(':') - 10);
  CHECK(john_offer == "TALK Mike " + john_key + ": REQUEST");
  john.send("TALK " + john_key + ": ACCEPT");
  CHECK(mike.next_line() == "TALK " + mike_key + ": ACCEPTED");
  john.send("TALKSESSION: 827742843590392");
  CHECK(john.until("SESSIONERROR: Invalid session key '827742843590392'").size() == 1);
  std::string key = john_key;
  mike.send("DISCONNECT");
  CHECK(mike.closed_within(2000));
  Lines after = john.sync();
  CHECK(contains(after, "USERLEAVE #lobby: Mike"));
  CHECK(contains(after, "USERLEAVE #SuperAwesomeChannel: Mike"));
  CHECK(contains(after, "TALK " + key + " Mike: LEFT"));
  CHECK(contains(after, "TALK " + key + ": ENDED"));
}

TEST_CASE("loopback: a channel message reaches every other member of a busy channel") {
  RunningServer s;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<TestClient>(s.port()));
    clients.back()->login("user" + std::to_string(i));
  }
  for (int i = 0; i < 20; ++i) clients[i]->send("MSG #lobby: from " + std::to_string(i));
  for (int r = 0; r < 20; ++r) {
    Lines got;
    while (got.size() < 19) {
      auto line = clients[r]->next_line();
      REQUIRE(line.has_value());
      if (line->rfind("MSG ", 0) == 0) got.push_back(*line);
    }
    for (int i = 0; i < 20; ++i) {
      if (i == r) continue;
      CHECK(contains(got, "MSG user" + std::to_string(i) + " #lobby: from " + std::to_string(i)));
    }
  }
}

TEST_CASE("loopback: a dropped connection removes the user with USERLEAVE") {
  RunningServer s;
  TestClient alice(s.port());
  alice.login("alice");
  {
    TestClient bob(s.port());
    bob.login("bob");
    CHECK(alice.next_line() == "USERJOIN #lobby: bob");
  }  // bob's socket closes without DISCONNECT
  CHECK(alice.next_line() == "USERLEAVE #lobby: bob");
}

TEST_CASE("loopback: late joiners get topic and history, LIST and LEAVE work") {
  RunningServer s;
  TestClient alice(s.port()), bob(s.port());
  alice.login("alice");
  alice.send("JOIN: #games");
  alice.send("TOPIC #games: Quake at 8");
  alice.send("MSG #games: first");
  alice.send("MSG #games: second");
  alice.sync();
  bob.login("bob");
  bob.send("JOIN: #games");
  CHECK(bob.next_line() == "JOINED: #games");
  CHECK(bob.next_line() == "USERLIST #games: alice, bob");
  CHECK(bob.next_line() == "TOPIC alice #games: Quake at 8");
  auto h1 = bob.next_line().value_or("");
  auto h2 = bob.next_line().value_or("");
  CHECK(h1.rfind("HISTORY alice #games ", 0) == 0);
  CHECK(h1.substr(h1.find(':')) == ": first");
  CHECK(h2.substr(h2.find(':')) == ": second");
  bob.send("LIST");
  CHECK(bob.until("LISTEND") == Lines{"CHANNEL #games 2: Quake at 8", "CHANNEL #lobby 2:"});
  bob.send("LEAVE: #games");
  CHECK(bob.next_line() == "LEFT: #games");
  CHECK(alice.until("USERLEAVE #games: bob").empty() == false);  // USERJOIN came first
}

TEST_CASE("loopback: CRLF line ends and split writes are understood") {
  RunningServer s;
  TestClient alice(s.port());
  alice.send_raw("CONNECT: \"alice\" \"A\" 1.0.0\r\n");
  CHECK(alice.next_line() == "ACCEPT: loopback");
  alice.until("USERLIST #lobby: alice");
  alice.send_raw("JO");
  alice.send_raw("IN: #spl");
  alice.send_raw("it\r\n");
  CHECK(alice.next_line() == "JOINED: #split");
}

TEST_CASE("loopback: a line over 4096 bytes is refused and does not break the connection") {
  RunningServer s;
  TestClient alice(s.port()), bob(s.port());
  alice.login("alice");
  bob.login("bob");
  bob.sync();
  alice.sync();
  alice.send("MSG #lobby: " + std::string(5000, 'x'));
  CHECK(alice.next_line() == "ERROR LINETOOLONG: Line longer than 4096 bytes was discarded");
  // A huge line without any newline yet: refused once, the bytes are dropped.
  alice.send_raw("MSG #lobby: " + std::string(100'000, 'y'));
  CHECK(alice.next_line() == "ERROR LINETOOLONG: Line longer than 4096 bytes was discarded");
  alice.send_raw("still the same line\n");
  // A line of exactly 4096 bytes is read whole; its text is longer than a
  // message may be (so that relayed and replayed it still fits 4096).
  std::string exact = "MSG #lobby: ";
  exact += std::string(4096 - exact.size(), 'z');
  alice.send(exact);
  CHECK(alice.next_line() == "ERROR BADTEXT: Text is longer than 3968 bytes");
  // The longest message is relayed whole, within the line limit.
  alice.send("MSG #lobby: " + std::string(3968, 'z'));
  CHECK(alice.sync().empty());
  CHECK(bob.next_line() == "MSG alice #lobby: " + std::string(3968, 'z'));
  CHECK(bob.sync().empty());  // nothing of the refused lines leaked
}

TEST_CASE("loopback: invalid UTF-8 and control characters get an error") {
  RunningServer s;
  TestClient alice(s.port());
  alice.login("alice");
  alice.send("MSG #lobby: \xc0\xaf");
  CHECK(alice.next_line() == "ERROR BADTEXT: Text is not valid UTF-8");
  alice.send("MSG #lobby: a\x01z");
  CHECK(alice.next_line() == "ERROR BADTEXT: Text contains a control character (U+0001)");
  alice.send("WHAT");
  CHECK(alice.next_line() == "ERROR UNKNOWNCOMMAND: Unknown command 'WHAT'");
}

TEST_CASE("loopback: a flooder is held back with one warning, others are unaffected") {
  auto config = RunningServer::test_config();
  config.flood_rate = 50;
  config.flood_burst = 10;
  RunningServer s(config);
  TestClient flooder(s.port()), bob(s.port());
  flooder.login("flooder");
  bob.login("bob");
  bob.sync();
  flooder.sync();
  // Long lines, so that the held-back input holds more than 4096 bytes of
  // whole lines (which must not be mistaken for one over-long line).
  const std::string pad(3000, 'p');
  std::string burst;
  for (int i = 0; i < 40; ++i) burst += "MSG bob: " + std::to_string(i) + pad + "\n";
  flooder.send_raw(burst);
  auto warning = flooder.next_line();
  CHECK(warning.value_or("").rfind("ERROR FLOOD: ", 0) == 0);
  // Bob can still talk to the server at once while the flooder is held back.
  bob.send("PING: bob");
  Lines before_pong = bob.until("PONG: bob");
  CHECK(before_pong.size() < 40);
  // Nothing is lost: all 40 arrive, in order, at the sustained rate.
  Lines got = before_pong;
  while (got.size() < 40) {
    auto line = bob.next_line(3000);
    REQUIRE(line.has_value());
    got.push_back(*line);
  }
  for (int i = 0; i < 40; ++i) CHECK(got[i] == "MSG flooder bob: " + std::to_string(i) + pad);
}

TEST_CASE("loopback: a client that stops reading is dropped when its queue is full") {
  auto options = RunningServer::test_options();
  // Room for the 50-line history a late joiner gets, but not much more.
  options.max_output_bytes = 256 * 1024;
  RunningServer s(RunningServer::test_config(), options);
  TestClient sleeper(s.port(), 4096);
  sleeper.login("sleeper");
  TestClient talker(s.port());
  talker.login("talker");
  std::string big = "MSG #lobby: " + std::string(3900, 'x');
  // Far more than the kernel buffers plus the queue bound; the sleeper never reads.
  bool dropped = false;
  for (int i = 0; i < 4000 && !dropped; ++i) {
    talker.send(big);
    if (i % 100 == 99) {
      Lines seen = talker.sync();
      dropped = contains(seen, "USERLEAVE #lobby: sleeper");
    }
  }
  CHECK(dropped);
  // The talker was never slowed or dropped, and the server still serves.
  TestClient late(s.port());
  late.login("late");
}

TEST_CASE("loopback: a connection that never sends CONNECT is closed") {
  auto config = RunningServer::test_config();
  config.handshake_timeout = 200;
  RunningServer s(config);
  TestClient idle(s.port());
  Lines seen;
  CHECK(idle.closed_within(3000, &seen));
  CHECK(seen == Lines{"ERROR TIMEOUT: No CONNECT within 0.2 s"});
}

TEST_CASE("loopback: a client that does not answer PING is dropped") {
  auto config = RunningServer::test_config();
  config.ping_interval = 50;
  config.ping_timeout = 100;
  RunningServer s(config);
  TestClient silent(s.port()), polite(s.port());
  silent.login("silent");
  polite.login("polite");
  // polite answers its PINGs; silent never does.
  bool saw_leave = false;
  for (int i = 0; i < 50 && !saw_leave; ++i) {
    auto line = polite.next_line(2000);
    REQUIRE(line.has_value());
    if (line->rfind("PING: ", 0) == 0) polite.send("PONG: " + line->substr(6));
    if (*line == "USERLEAVE #lobby: silent") saw_leave = true;
  }
  CHECK(saw_leave);
  Lines seen;
  CHECK(silent.closed_within(2000, &seen));
  CHECK(contains(seen, "ERROR TIMEOUT: No PONG within 0.1 s"));
}

TEST_CASE("loopback: connections over the cap are refused with a reason") {
  auto config = RunningServer::test_config();
  config.max_clients = 3;
  RunningServer s(config);
  TestClient a(s.port()), b(s.port()), c(s.port());
  a.login("a");
  b.login("b");
  c.login("c");
  TestClient d(s.port());
  d.send("CONNECT: d d 1.0.0");
  Lines seen;
  CHECK(d.closed_within(3000, &seen));
  CHECK(seen == Lines{"NOTACCEPTED: The server is full (3 users)"});
  a.send("MSG #lobby: still fine");
  CHECK(b.until("MSG a #lobby: still fine").size() < 3);
}

TEST_CASE("loopback: garbage bytes never crash the server") {
  RunningServer s;
  TestClient bob(s.port());
  bob.login("bob");
  {
    TestClient junk(s.port());
    std::string noise;
    std::uint32_t x = 12345;
    for (int i = 0; i < 200'000; ++i) {
      x = x * 1103515245 + 12345;
      noise.push_back(static_cast<char>(x >> 16));
    }
    junk.send_raw(noise);
    junk.send("\nCONNECT: junk");
    junk.until("ACCEPT: loopback", 5000);
  }
  bob.send("PING: alive");
  CHECK(bob.until("PONG: alive").size() <= 2);  // USERJOIN/USERLEAVE of junk at most
}

TEST_CASE("the server refuses a port that is in use with a clear message") {
  RunningServer s;
  asio::io_context io;
  auto options = RunningServer::test_options();
  options.port = s.port();
  try {
    net::ChatServer second(io, RunningServer::test_config(), options);
    FAIL("a second server bound the same port");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "port " + std::to_string(s.port()) + " is already in use");
  }
}

TEST_CASE("shutdown tells connected clients why and closes them") {
  auto s = std::make_unique<RunningServer>();
  TestClient alice(s->port());
  alice.login("alice");
  asio::post(s->io, [&] { s->server->shutdown("Server is shutting down"); });
  Lines seen;
  CHECK(alice.closed_within(3000, &seen));
  CHECK(seen == Lines{"ERROR SHUTDOWN: Server is shutting down"});
}
