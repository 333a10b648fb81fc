// The SQLite history store on a real database file: records in order,
// pages back in time, what comes back after reopening, retention, and a
// clear reason when the file cannot be used.
#include <doctest/doctest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>

#include "net/history_store.hpp"
#include "support/eventually.hpp"
#include "support/speech.hpp"

using namespace voixer;
using net::HistoryPage;
using net::HistoryStore;

namespace {

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

core::Kept channel_line(const std::string& channel, std::int64_t at, const std::string& text) {
  return core::Kept{core::Kept::Kind::ChannelLine, channel, channel, {}, at,
                    "HISTORY alice " + channel + " " + std::to_string(at) + ": " + text, text};
}

HistoryPage ask(HistoryStore& store, const std::string& place, std::int64_t before,
                std::size_t max_bytes = 16 * 1024, int max_lines = 0) {
  std::promise<HistoryPage> answer;
  auto got = answer.get_future();
  store.page(place, before, max_bytes, max_lines, [&](HistoryPage p) { answer.set_value(std::move(p)); });
  REQUIRE(got.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return got.get();
}

std::vector<std::string> search(HistoryStore& store, const std::string& place,
                                const std::string& words) {
  std::promise<std::vector<std::string>> answer;
  auto got = answer.get_future();
  store.search(place, words, 50, 16 * 1024,
               [&](std::vector<std::string> lines) { answer.set_value(std::move(lines)); });
  REQUIRE(got.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return got.get();
}

}  // namespace

TEST_CASE("history store: records are stored in order and paged back in time, by bytes or count") {
  std::string path = test::temp_dir("store") + "/history.sqlite3";
  std::atomic<std::uint64_t> stored{0};
  HistoryStore store(path, 0, [&](std::uint64_t n) { stored = n; });
  for (int i = 0; i < 10; ++i) {
    std::uint64_t n = store.keep(channel_line("#games", 1000 + i, "line " + std::to_string(i)));
    CHECK(n == static_cast<std::uint64_t>(i + 1));
  }
  CHECK(test::eventually([&] { return stored == 10; }));
  // Everything before 1008, in pages of three lines' worth of bytes.
  std::size_t line_bytes = channel_line("#games", 1000, "line 0").line.size() + 1;
  HistoryPage p = ask(store, "#games", 1008, 3 * line_bytes);
  REQUIRE(p.lines.size() == 3);
  CHECK(p.lines[0] == "HISTORY alice #games 1005: line 5");  // oldest first
  CHECK(p.lines[2] == "HISTORY alice #games 1007: line 7");
  CHECK(p.more_before == 1005);
  // At most two lines, asked for by count.
  p = ask(store, "#games", 1005, 16 * 1024, 2);
  CHECK(p.lines == std::vector<std::string>{"HISTORY alice #games 1003: line 3",
                                            "HISTORY alice #games 1004: line 4"});
  CHECK(p.more_before == 1003);
  p = ask(store, "#games", 1002, 16 * 1024, 2);
  CHECK(p.lines.size() == 2);
  CHECK(p.more_before == 0);  // exactly two were left: nothing older
  p = ask(store, "#games", 1002);
  CHECK(p.lines.size() == 2);
  CHECK(p.more_before == 0);  // nothing older
  CHECK(ask(store, "#other", 5000).lines.empty());
  CHECK(store.problem().empty());
}

TEST_CASE("history store: channels, topics and private lines come back after reopening") {
  std::string path = test::temp_dir("store-reopen") + "/history.sqlite3";
  {
    HistoryStore store(path, 0, [](std::uint64_t) {});
    for (int i = 0; i < 5; ++i) store.keep(channel_line("#games", 1000 + i, std::to_string(i)));
    store.keep(core::Kept{core::Kept::Kind::Topic, "#games", "#Games", "carol", 1100, "finals", {}});
    store.keep(channel_line("#quiet", 500, "long ago"));
    store.keep(core::Kept{core::Kept::Kind::Private, "alice bob", {}, {}, 1200,
                          "HISTORY alice bob 1200: psst", "psst"});
  }  // closing commits what is queued
  HistoryStore store(path, 0, [](std::uint64_t) {});
  auto channels = store.load_channels(3, 10);
  REQUIRE(channels.size() == 2);
  CHECK(channels[0].name == "#Games");  // the most recently active first
  CHECK(channels[0].topic == "finals");
  CHECK(channels[0].topic_setter == "carol");
  CHECK(channels[0].lines == std::vector<std::string>{"HISTORY alice #games 1002: 2",
                                                      "HISTORY alice #games 1003: 3",
                                                      "HISTORY alice #games 1004: 4"});
  CHECK(channels[0].older);
  CHECK(channels[1].name == "#quiet");
  CHECK_FALSE(channels[1].older);
  CHECK(store.load_channels(3, 1).size() == 1);
  HistoryPage p = ask(store, "alice bob", 2000);
  CHECK(p.lines == std::vector<std::string>{"HISTORY alice bob 1200: psst"});
}

TEST_CASE("history store: lines older than the retention are deleted on opening") {
  std::string path = test::temp_dir("store-retention") + "/history.sqlite3";
  const std::int64_t now = unix_now_ms(), day = 24LL * 3600 * 1000;
  {
    HistoryStore store(path, 0, [](std::uint64_t) {});
    store.keep(channel_line("#games", now - 3 * day, "three days ago"));
    store.keep(channel_line("#games", now - day / 2, "this morning"));
  }
  {
    HistoryStore keep_all(path, 0, [](std::uint64_t) {});
    CHECK(keep_all.load_channels(10, 10)[0].lines.size() == 2);
  }
  HistoryStore two_days(path, 2, [](std::uint64_t) {});
  auto lines = two_days.load_channels(10, 10)[0].lines;
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("this morning") != std::string::npos);
}

TEST_CASE("history store: a file that cannot be used is refused with the reason") {
  std::string dir = test::temp_dir("store-bad");
  try {
    HistoryStore store(dir + "/no/such/dir/history.sqlite3", 0, [](std::uint64_t) {});
    FAIL("opened a database in a directory that does not exist");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("cannot open the history database") != std::string::npos);
  }
  {
    std::FILE* f = std::fopen((dir + "/not-a-db").c_str(), "w");
    std::fputs("this is not an SQLite database, it is a text file that is long enough", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH_AS(HistoryStore(dir + "/not-a-db", 0, [](std::uint64_t) {}),
                       doctest::Contains("history database"), std::runtime_error);
}

TEST_CASE("history store: search finds whole words and prefixes in one place, newest first") {
  std::string path = test::temp_dir("store-search") + "/history.sqlite3";
  HistoryStore store(path, 0, [](std::uint64_t) {});
  auto said = [&](const std::string& place, std::int64_t at, const std::string& text) {
    store.keep(channel_line(place, at, text));
  };
  said("#games", 1000, "the pizza is here");
  said("#games", 2000, "Pizzas for table 12");
  said("#games", 3000, "who took my PIZZA");
  said("#other", 4000, "pizza elsewhere");
  said("#games", 5000, "AND (\"NEAR unbalanced");
  auto found = [&](const std::string& place, const std::string& words) {
    return search(store, place, words);
  };
  // Whole words, any case, only in #games, newest first, as FOUND lines.
  CHECK(found("#games", "pizza") ==
        std::vector<std::string>{"FOUND alice #games 3000: who took my PIZZA",
                                 "FOUND alice #games 1000: the pizza is here"});
  CHECK(found("#games", "pizz*").size() == 3);          // a prefix
  CHECK(found("#games", "pizza here").size() == 1);     // every word
  CHECK(found("#games", "AND (\"NEAR").size() == 1);    // query syntax is just text
  CHECK(found("#games", "   ").empty());
  CHECK(store.problem().empty());
}

TEST_CASE("history store: lines removed by the retention are not found any more") {
  std::string path = test::temp_dir("store-search-retention") + "/history.sqlite3";
  const std::int64_t day = 24LL * 3600 * 1000;
  {
    HistoryStore store(path, 0, [](std::uint64_t) {});
    store.keep(channel_line("#games", unix_now_ms() - 5 * day, "ancient pizza"));
  }
  HistoryStore store(path, 1, [](std::uint64_t) {});
  CHECK(search(store, "#games", "pizza").empty());
  CHECK(store.problem().empty());
}

namespace {

// The database file as another program sees it, for what the store's
// own interface cannot do: a line written by a server killed before it
// indexed it, a file in an earlier version's layout, the index's own check.
void sql(const std::string& path, const std::string& statements) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error);
  std::string why = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, why);
}

std::string unindexed_line(const std::string& channel, std::int64_t at, const std::string& text) {
  return "INSERT INTO lines(place, private, unix_ms, line, text) VALUES('" + channel + "', 0, " +
         std::to_string(at) + ", 'HISTORY alice " + channel + " " + std::to_string(at) + ": " +
         text + "', '" + text + "');";
}

}  // namespace

TEST_CASE("history store: lines a killed server never indexed are found after reopening, "
          "and forgetting them leaves the index whole") {
  std::string path = test::temp_dir("store-index-catch-up") + "/history.sqlite3";
  const std::int64_t day = 24LL * 3600 * 1000;
  const std::int64_t now = unix_now_ms();
  {
    HistoryStore store(path, 0, [](std::uint64_t) {});
    for (int i = 0; i < 300; ++i)  // more than one bulk of indexing
      store.keep(channel_line("#games", now - 5 * day + i, "old pizza " + std::to_string(i)));
  }
  // What a server killed between writing and indexing leaves behind:
  // lines past the index, one of them already too old to keep.
  sql(path, unindexed_line("#games", now - 4 * day, "stale pizza") +
                unindexed_line("#games", now - 500, "late pizza"));
  HistoryStore store(path, 1, [](std::uint64_t) {});  // keeps one day
  const std::string late = "FOUND alice #games " + std::to_string(now - 500) + ": late pizza";
  CHECK(search(store, "#games", "pizza") == std::vector<std::string>{late});
  store.keep(channel_line("#games", now, "newest pizza"));
  CHECK(search(store, "#games", "pizza") ==
        std::vector<std::string>{"FOUND alice #games " + std::to_string(now) + ": newest pizza",
                                 late});
  CHECK(store.problem().empty());
  // The full-text index agrees with the lines it indexes, row for row.
  sql(path, "INSERT INTO lines_text(lines_text, rank) VALUES('integrity-check', 1);");
}

TEST_CASE("history store: a file from the version that indexed every line keeps its search") {
  std::string path = test::temp_dir("store-old-layout") + "/history.sqlite3";
  // That version's layout: a trigger put each line in the index as written.
  sql(path, R"(
    CREATE TABLE lines(id INTEGER PRIMARY KEY, place TEXT NOT NULL, private INTEGER NOT NULL,
                       unix_ms INTEGER NOT NULL, line TEXT NOT NULL, text TEXT NOT NULL DEFAULT '');
    CREATE VIRTUAL TABLE lines_text USING fts5(text, content='lines', content_rowid='id');
    CREATE TRIGGER lines_indexed AFTER INSERT ON lines BEGIN
      INSERT INTO lines_text(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER lines_unindexed AFTER DELETE ON lines BEGIN
      INSERT INTO lines_text(lines_text, rowid, text) VALUES ('delete', old.id, old.text);
    END;
  )" + unindexed_line("#games", 1000, "pizza from before") +
                unindexed_line("#games", 2000, "salad from before"));
  HistoryStore store(path, 0, [](std::uint64_t) {});
  store.keep(channel_line("#games", 3000, "pizza from now"));
  CHECK(search(store, "#games", "pizza").size() == 2);
  CHECK(search(store, "#games", "salad").size() == 1);
  CHECK(store.problem().empty());
  sql(path, "INSERT INTO lines_text(lines_text, rank) VALUES('integrity-check', 1);");
}

TEST_CASE("history store: while another program holds the database, lines go on and are written "
          "once it is free") {
  std::string path = test::temp_dir("store-held") + "/history.sqlite3";
  std::atomic<std::uint64_t> handed_on{0};
  // A busy timeout of 200 ms instead of 5 s, to keep the test short.
  HistoryStore store(path, 0, [&](std::uint64_t n) { handed_on = n; }, 200);
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  store.keep(channel_line("#games", 1000, "held 1"));
  // Handed on once a try has waited the busy timeout: the chat goes on.
  CHECK(test::eventually([&] { return handed_on == 1; }));
  CHECK(store.problem().find("lines waiting: 1") != std::string::npos);
  store.keep(channel_line("#games", 1001, "held 2"));
  CHECK(test::eventually([&] { return handed_on == 2; }));
  auto count = [&] {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(other, "SELECT count(*) FROM lines", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  CHECK(count() == 0);
  REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  // Free again: both are written, in order, and the channel is known.
  CHECK(test::eventually([&] { return count() == 2; }, std::chrono::seconds(10)));
  HistoryPage p = ask(store, "#games", 2000);
  CHECK(p.lines == std::vector<std::string>{"HISTORY alice #games 1000: held 1",
                                            "HISTORY alice #games 1001: held 2"});
  auto channels = store.load_channels(10, 10);
  REQUIRE(channels.size() == 1);
  CHECK(channels[0].name == "#games");
  sqlite3_close(other);
}
