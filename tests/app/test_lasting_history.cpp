// History that outlives the server: `voixer serve` keeps channel and
// private messages in SQLite in its data directory. The server is killed
// with SIGKILL right after a client has seen the last message, restarted on
// the same data directory, and everything that client saw is still there.
#include <doctest/doctest.h>

#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "served.hpp"
#include "support/speech.hpp"

using voixer::test::TestClient;
using Lines = std::vector<std::string>;

namespace {

// The text after ": " of a HISTORY or MSG line.
std::string text_of(const std::string& line) {
  auto colon = line.find(": ");
  return colon == std::string::npos ? std::string() : line.substr(colon + 2);
}

// The time in "HISTORYMORE #chan: <time>".
std::string more_of(const Lines& lines, const std::string& place) {
  for (const auto& l : lines)
    if (l.rfind("HISTORYMORE " + place + ": ", 0) == 0) return text_of(l);
  FAIL("no HISTORYMORE " << place);
  return {};
}

// Every history line of `place` that `who` can page back to, oldest first:
// what JOIN replayed (`replayed`), then pages before it until HISTORYMORE 0.
Lines page_back(TestClient& who, const std::string& place, Lines replayed, std::string before) {
  Lines all;
  for (const auto& l : replayed)
    if (l.rfind("HISTORY ", 0) == 0) all.push_back(l);
  while (before != "0") {
    who.send("HISTORY " + place + ": before " + before);
    Lines page = who.until_prefix("HISTORYMORE " + place + ": ");
    before = text_of(page.back());
    page.pop_back();
    all.insert(all.begin(), page.begin(), page.end());
  }
  return all;
}

}  // namespace

TEST_CASE("lasting history: what anyone saw survives kill -9 of the server") {
  std::string dir = voixer::test::temp_dir("history");
  std::uint16_t port = voixer::test::free_port();
  const std::vector<std::string> options = {"--data-dir", dir, "--quiet", "--flood-rate", "0"};
  Lines bob_saw;
  {
    Served server(options, port);
    TestClient alice(server.port), bob(server.port);
    alice.login("alice");
    bob.login("bob");
    alice.send("JOIN: #games");
    bob.send("JOIN: #games");
    bob.until("USERLIST #games: alice, bob");
    alice.send("TOPIC #games: finals at 8");
    alice.send("MSG bob: meet at table 12");
    for (int i = 0; i < 300; ++i) alice.send("MSG #games: line " + std::to_string(i));
    for (;;) {
      auto line = bob.next_line();
      REQUIRE(line.has_value());
      if (line->rfind("MSG alice #games: ", 0) == 0) bob_saw.push_back(text_of(*line));
      if (*line == "MSG alice #games: line 299") break;
    }
    // Gone at once, no goodbye: nothing gets a chance to be written now.
    server.process.signal(SIGKILL);
    CHECK(server.process.wait(5000) == 128 + SIGKILL);
  }
  REQUIRE(bob_saw.size() == 300);

  Served again(options, port);
  TestClient carol(again.port);
  carol.login("carol");
  carol.send("JOIN: #games");
  Lines replayed = carol.until_prefix("HISTORYMORE #games: ");
  CHECK(std::find(replayed.begin(), replayed.end(), "TOPIC alice #games: finals at 8") !=
        replayed.end());
  Lines history = page_back(carol, "#games", replayed, more_of(replayed, "#games"));
  Lines texts;
  for (const auto& l : history) {
    CHECK(l.rfind("HISTORY alice #games ", 0) == 0);
    texts.push_back(text_of(l));
  }
  CHECK(texts == bob_saw);
  // A page of a given length, from the file (memory holds only the newest 50).
  carol.send("HISTORY #games: before " + history[100].substr(21, 13) + " 5");
  Lines five = carol.until_prefix("HISTORYMORE #games: ");
  CHECK(five == Lines{history[95], history[96], history[97], history[98], history[99],
                      "HISTORYMORE #games: " + history[95].substr(21, 13)});

  // Searchable, members only.
  carol.send("SEARCH #games: LINE 42");
  CHECK(carol.until_prefix("FOUNDEND #games: ") ==
        Lines{"FOUND alice #games " + history[42].substr(21, 13) + ": line 42", "FOUNDEND #games: 1"});

  // The private message: for its two people only.
  TestClient bob(again.port);
  bob.login("bob");
  bob.send("HISTORY alice: before 9999999999999");
  Lines mine = bob.until("HISTORYMORE alice: 0");
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].rfind("HISTORY alice bob ", 0) == 0);
  CHECK(text_of(mine[0]) == "meet at table 12");
  bob.send("SEARCH alice: table");
  CHECK(bob.until_prefix("FOUNDEND alice: ").size() == 2);
  carol.send("SEARCH alice: table");
  Lines carols = carol.until_prefix("FOUNDEND alice: ");  // bob's USERJOIN, then no FOUND
  CHECK(carols.back() == "FOUNDEND alice: 0");
  for (const auto& l : carols) CHECK(l.rfind("FOUND ", 0) != 0);
  carol.send("HISTORY alice: before 9999999999999");
  for (const auto& l : carol.until("HISTORYMORE alice: 0"))  // bob's USERJOIN, no HISTORY
    CHECK(l.rfind("HISTORY", 0) != 0);
}

TEST_CASE("lasting history: --no-history-file keeps it in memory only") {
  std::string dir = voixer::test::temp_dir("history-memory");
  std::uint16_t port = voixer::test::free_port();
  const std::vector<std::string> options = {"--data-dir", dir, "--quiet", "--no-history-file"};
  {
    Served server(options, port);
    TestClient alice(server.port);
    alice.login("alice");
    alice.send("MSG #lobby: gone with the server");
    alice.sync();
    server.process.signal(SIGKILL);
    server.process.wait(5000);
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/history.sqlite3"));
  Served again(options, port);
  TestClient carol(again.port);
  carol.send("CONNECT: \"carol\" \"Carol\" 1.0");
  Lines got = carol.until("USERLIST #lobby: carol");
  for (const auto& l : carol.sync()) got.push_back(l);
  for (const auto& l : got) CHECK(l.find("gone with the server") == std::string::npos);
}

TEST_CASE("lasting history: nobody is sent a message before it is stored") {
  std::string dir = voixer::test::temp_dir("history-held");
  Served server({"--data-dir", dir, "--quiet"});
  TestClient alice(server.port), bob(server.port);
  alice.login("alice");
  bob.login("bob");
  bob.sync();
  // Another writer holds the database (a backup, someone with sqlite3):
  // the store cannot write, so the message must wait.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/history.sqlite3").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  alice.send("MSG #lobby: wait for the disk");
  // What is not sent cannot be waited for: half a second of nothing.
  auto early = bob.next_line(500);
  CHECK_FALSE(early.has_value());
  REQUIRE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(bob.next_line(5000) == "MSG alice #lobby: wait for the disk");
  sqlite3_stmt* count = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM lines WHERE line LIKE '%wait for the disk'",
                             -1, &count, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(count) == SQLITE_ROW);
  CHECK(sqlite3_column_int(count, 0) == 1);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

TEST_CASE("lasting history: while a message waits for the disk, only its readers wait") {
  std::string dir = voixer::test::temp_dir("history-narrow-hold");
  Served server({"--data-dir", dir, "--quiet", "--flood-rate", "0"});
  TestClient alice(server.port), bob(server.port), carol(server.port), dave(server.port);
  alice.login("alice");
  bob.login("bob");
  carol.login("carol");
  dave.login("dave");
  alice.send("JOIN: #waiting");
  bob.send("JOIN: #waiting");
  bob.until("USERLIST #waiting: alice, bob");
  for (TestClient* c : {&alice, &bob, &carol, &dave}) c->sync();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/history.sqlite3").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  alice.send("MSG #waiting: wait for the disk");
  // Everyone else goes on: carol's keep-alive and her JOIN, and the
  // sender's own (the store would keep the database 5 s before giving up).
  carol.send("PING: c1");
  CHECK(carol.next_line(2000) == "PONG: c1");
  carol.send("JOIN: #games");
  CHECK(carol.next_line(2000) == "JOINED: #games");
  alice.send("PING: a1");
  CHECK(alice.next_line(2000) == "PONG: a1");
  // The line's reader waits, and what comes after it to him waits behind
  // it; a late joiner's replay carries the line too, so it waits as well.
  bob.send("PING: b1");
  dave.send("JOIN: #waiting");
  CHECK(dave.next_line(2000) == "JOINED: #waiting");
  CHECK(dave.until_prefix("USERLIST #waiting: ", 2000).back() == "USERLIST #waiting: alice, bob, dave");
  dave.send("PING: d1");
  CHECK_FALSE(bob.next_line(300).has_value());
  CHECK_FALSE(dave.next_line(300).has_value());
  REQUIRE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(bob.next_line(5000) == "MSG alice #waiting: wait for the disk");
  bob.until("PONG: b1");
  auto replayed = dave.next_line(5000);
  REQUIRE(replayed.has_value());
  CHECK(replayed->rfind("HISTORY alice #waiting ", 0) == 0);
  CHECK(text_of(*replayed) == "wait for the disk");
  dave.until("PONG: d1");
  sqlite3_close(db);
}

TEST_CASE("lasting history: voixer serve --history-days forgets older lines, keeps the rest") {
  std::string dir = voixer::test::temp_dir("history-days");
  std::uint16_t port = voixer::test::free_port();
  {
    Served server({"--data-dir", dir, "--quiet"}, port);
    TestClient alice(server.port);
    alice.login("alice");
    alice.send("MSG #lobby: old news");
    alice.send("MSG #lobby: fresh news");
    alice.sync();
    server.process.stop();
  }
  // Three days pass for the first line.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir + "/history.sqlite3").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE lines SET unix_ms = unix_ms - 3 * 86400000 WHERE text = 'old news'",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(sqlite3_changes(db) == 1);
  sqlite3_close(db);

  Served again({"--data-dir", dir, "--quiet", "--history-days", "2"}, port);
  TestClient carol(again.port);
  carol.login("carol");
  carol.send("HISTORY #lobby: before 9999999999999");
  Lines page = carol.until("HISTORYMORE #lobby: 0");
  Lines texts;
  for (const auto& l : page)
    if (l.rfind("HISTORY ", 0) == 0) texts.push_back(text_of(l));
  CHECK(texts == Lines{"fresh news"});
  carol.send("SEARCH #lobby: news");
  Lines found = carol.until_prefix("FOUNDEND #lobby: ");
  CHECK(found.back() == "FOUNDEND #lobby: 1");
  CHECK(text_of(found.front()) == "fresh news");
}
