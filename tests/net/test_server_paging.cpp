// Big answers over the real TCP server: the channel list and history come
// in pages, and a client that reads is never dropped for what it asked for,
// however much that is (each client's output queue is bounded at 1 MiB).
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "core/server.hpp"
#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using test::RunningServer;
using test::TestClient;
using Lines = std::vector<std::string>;

namespace {

bool starts(const std::string& line, const std::string& prefix) {
  return line.rfind(prefix, 0) == 0;
}

// Lines until one that starts with one of `ends` (included); fails the test
// if the connection closes first ("output queue full" would end it here).
Lines until_one_of(TestClient& c, std::initializer_list<const char*> ends) {
  Lines got;
  for (;;) {
    auto line = c.next_line();
    REQUIRE_MESSAGE(line.has_value(), "closed, or nothing more, after " << got.size() << " lines");
    got.push_back(*line);
    for (const char* end : ends)
      if (starts(*line, end)) return got;
  }
}

// "HISTORY talker #full0 1764060000123: 17 hhhh..." -> 17
int number_of(const std::string& history) {
  return std::stoi(history.substr(history.find(": ") + 2));
}
std::int64_t time_of(const std::string& history) {  // the unix ms field
  auto colon = history.find(": ");
  auto space = history.rfind(' ', colon);
  return std::stoll(history.substr(space + 1, colon - space - 1));
}

// `channels` channels of `per_channel` numbered messages of ~3.9 KB each,
// written by "talker" in one go; the talker stays, so the channels do.
void fill_histories(TestClient& talker, int channels, int per_channel) {
  talker.login("talker");
  const std::string pad(3900, 'h');
  std::string burst;
  for (int c = 0; c < channels; ++c) {
    std::string name = "#full" + std::to_string(c);
    burst += "JOIN: " + name + "\n";
    for (int i = 0; i < per_channel; ++i)
      burst += "MSG " + name + ": " + std::to_string(i) + " " + pad + "\n";
  }
  talker.send_raw(burst);
  talker.sync();
}

// A server with 280 channels whose topics are ~3.9 KB (LIST is ~1.1 MB in
// all), made by "maker", who stays so the channels do; "reader" asks.
struct Rooms {
  RunningServer s;
  TestClient maker{s.port()};
  TestClient reader{s.port()};
  Rooms() {
    maker.login("maker");
    std::string burst;
    const std::string topic(3900, 't');
    for (int i = 0; i < 280; ++i) {
      std::string name = "#room" + std::to_string(i);
      burst += "JOIN: " + name + "\nTOPIC " + name + ": " + topic + "\n";
    }
    maker.send_raw(burst);
    maker.sync();
    reader.login("reader");
  }
};

}  // namespace

TEST_CASE_FIXTURE(Rooms, "loopback: LIST of 280 channels with long topics comes in pages, nobody is dropped") {
  std::multiset<std::string> seen;
  std::string after;
  int pages = 0;
  for (; pages < 200; ++pages) {
    reader.send(after.empty() ? "LIST" : "LIST: " + after);
    Lines page = until_one_of(reader, {"LISTEND", "LISTMORE: "});
    std::size_t bytes = 0;
    for (const auto& l : page) {
      bytes += l.size() + 1;
      if (starts(l, "CHANNEL ")) seen.insert(l.substr(8, l.find(' ', 8) - 8));
    }
    CHECK(bytes <= core::kListPageBytes + 100);
    if (page.back() == "LISTEND") break;
    after = page.back().substr(10);
  }
  CHECK(pages > 1);
  CHECK(seen.size() == 281);  // the 280 and #lobby
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 281);  // each once
  CHECK(seen.count("#room279") == 1);
}

TEST_CASE_FIXTURE(Rooms, "loopback: thirty LISTs in one write (the flood burst) do not drop the client") {
  std::string lists;
  for (int i = 0; i < 30; ++i) lists += "LIST\n";
  reader.send_raw(lists);
  Lines first = until_one_of(reader, {"LISTEND", "LISTMORE: "});
  CHECK(starts(first.back(), "LISTMORE: #room"));
  int same = 1;
  for (int i = 1; i < 30; ++i) same += until_one_of(reader, {"LISTEND", "LISTMORE: "}) == first;
  CHECK(same == 30);
  CHECK(reader.sync().empty());
}

TEST_CASE("loopback: six JOINs in one write to channels with full histories do not drop the client") {
  RunningServer s;
  TestClient talker(s.port());
  fill_histories(talker, 6, 50);
  TestClient joiner(s.port());
  joiner.login("joiner");
  std::string joins;
  for (int c = 0; c < 6; ++c) joins += "JOIN: #full" + std::to_string(c) + "\n";
  joiner.send_raw(joins);
  for (int c = 0; c < 6; ++c) {
    const std::string name = "#full" + std::to_string(c);
    CAPTURE(name);
    Lines answer = until_one_of(joiner, {"HISTORYMORE "});
    REQUIRE(answer.size() >= 4);
    CHECK(answer[0] == "JOINED: " + name);
    CHECK(answer[1] == "USERLIST " + name + ": talker, joiner");
    // The newest messages that fit the budget, oldest first, then where
    // the older ones start.
    Lines history(answer.begin() + 2, answer.end() - 1);
    std::size_t bytes = 0;
    for (const auto& l : history) bytes += l.size() + 1;
    CHECK(bytes <= core::kReplayBytes);
    CHECK(bytes + history[0].size() + 1 > core::kReplayBytes);  // one more would not fit
    for (std::size_t i = 0; i < history.size(); ++i) {
      CHECK(starts(history[i], "HISTORY talker " + name + " "));
      CHECK(number_of(history[i]) == static_cast<int>(50 - history.size() + i));
    }
    CHECK(answer.back() == "HISTORYMORE " + name + ": " + std::to_string(time_of(history[0])));
  }
  CHECK(joiner.sync().empty());  // nothing else, and still connected
  // Paging back fetches the rest, in order, without a gap or a repeat.
  std::vector<int> numbers;
  std::string before;
  for (int page = 0; page < 20; ++page) {
    joiner.send("HISTORY #full0: before " + (before.empty() ? "99999999999999" : before));
    Lines got = until_one_of(joiner, {"HISTORYMORE #full0: "});
    std::vector<int> older;
    for (std::size_t i = 0; i + 1 < got.size(); ++i) older.push_back(number_of(got[i]));
    numbers.insert(numbers.begin(), older.begin(), older.end());
    before = got.back().substr(20);
    if (before == "0") break;
  }
  REQUIRE(numbers.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(numbers[i] == i);
}

TEST_CASE("loopback: a client whose answers outgrow its queue is read more slowly, not dropped") {
  // A queue of 64 KiB and 30 JOINs of a channel with a full history in one
  // write: about 500 KB of answers, which would have dropped the client.
  auto options = RunningServer::test_options();
  options.max_output_bytes = 64 * 1024;
  RunningServer s(RunningServer::test_config(), options);
  TestClient talker(s.port());
  fill_histories(talker, 1, 50);
  TestClient joiner(s.port());
  joiner.login("joiner");
  std::string joins;
  for (int i = 0; i < 30; ++i) joins += "JOIN: #full0\n";
  joiner.send_raw(joins);
  int answers = 0;
  for (int i = 0; i < 30; ++i) {
    Lines answer = until_one_of(joiner, {"HISTORYMORE #full0: "});
    answers += answer.front() == "JOINED: #full0" && answer.size() > 4;
  }
  CHECK(answers == 30);
  CHECK(joiner.sync().empty());
}
