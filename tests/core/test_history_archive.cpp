// The server core with an archive (ServerConfig::archive): what it gives the
// transport to keep, and in which order; channels that stay when empty;
// history restored at start; pages the memory cannot answer.
#include <doctest/doctest.h>

#include "server_fixture.hpp"

using namespace voixer::test;
using Lines = std::vector<std::string>;

namespace {

struct Archived : Fixture {
  Archived() { reset(archived()); }
  static ServerConfig archived() {
    ServerConfig c = make_config();
    c.archive = true;
    return c;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Archived, "a channel message is kept before anyone is sent it") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  std::size_t sent_before = out.sent;
  line(1, "MSG #lobby: the pizza is here");
  REQUIRE(out.kept.size() == 1);
  const Kept& k = out.kept[0].record;
  CHECK(k.kind == Kept::Kind::ChannelLine);
  CHECK(k.place == "#lobby");
  CHECK(k.channel == "#lobby");
  CHECK(k.line == "HISTORY alice #lobby 1700000001000: the pizza is here");
  // Kept before the delivery to bob was queued: a transport that holds
  // output until the record is stored never shows bob an unstored line.
  CHECK(out.kept[0].sent_before == sent_before);
  CHECK(only(2) == "MSG alice #lobby: the pizza is here");
}

TEST_CASE_FIXTURE(Archived, "private messages and topics are kept, each before it is sent") {
  login(1, "Alice");
  login(2, "bob");
  clear_all();
  line(1, "MSG bob: meet at table 12");
  REQUIRE(out.kept.size() == 1);
  CHECK(out.kept[0].record.kind == Kept::Kind::Private);
  CHECK(out.kept[0].record.place == "alice bob");  // folded, lower first
  CHECK(out.kept[0].record.line == "HISTORY Alice bob 1700000001000: meet at table 12");
  CHECK(out.kept[0].sent_before + 1 == out.sent);
  line(2, "TOPIC #lobby: finals at 8");
  REQUIRE(out.kept.size() == 2);
  CHECK(out.kept[1].record.kind == Kept::Kind::Topic);
  CHECK(out.kept[1].record.setter == "bob");
  CHECK(out.kept[1].record.line == "finals at 8");
  CHECK(out.kept[1].sent_before < out.sent);
}

// The record a line sent to `to` carried (send_kept), found by a part of
// the line; 0 when it was sent as a plain line.
std::uint64_t carried_by(Recorder& out, ConnId to, const std::string& part) {
  for (const auto& [line, record] : out.carried[to])
    if (line.find(part) != std::string::npos) return record;
  for (const auto& line : out.lines[to])
    if (line.find(part) != std::string::npos) return 0;
  FAIL("nothing with '" << part << "' was sent to " << to);
  return 0;
}

TEST_CASE_FIXTURE(Archived, "a line that carries a record names it, whenever and to whomever it goes") {
  login(1, "alice");
  login(2, "bob");
  login(3, "carol");
  line(1, "JOIN: #games");
  line(2, "JOIN: #games");
  clear_all();
  line(1, "TOPIC #games: finals at 8");  // record 1
  line(1, "MSG #games: bring cables");   // record 2
  line(1, "MSG carol: table 12");        // record 3
  REQUIRE(out.kept.size() == 3);
  CHECK(carried_by(out, 2, "TOPIC alice #games: finals at 8") == 1);
  CHECK(carried_by(out, 2, "MSG alice #games: bring cables") == 2);
  CHECK(carried_by(out, 3, "MSG alice carol: table 12") == 3);
  // Later, to someone else: the topic and the replay on JOIN, and a page
  // of history from memory, still wait for their records.
  line(3, "JOIN: #games");
  CHECK(carried_by(out, 3, "TOPIC alice #games: finals at 8") == 1);
  CHECK(carried_by(out, 3, ": bring cables") == 2);
  CHECK(carried_by(out, 1, "USERJOIN #games: carol") == 0);  // no record: a plain line
  out.carried.clear();
  out.lines.clear();
  line(3, "HISTORY #games: before 9999999999999");
  CHECK(carried_by(out, 3, ": bring cables") == 2);
  // LIST shows the topic.
  line(3, "LIST");
  CHECK(carried_by(out, 3, "CHANNEL #games ") == 1);
  // What carries no record is a plain line: nothing makes it wait.
  line(3, "JOIN: #other");
  CHECK(carried_by(out, 3, "JOINED: #other") == 0);
}

TEST_CASE_FIXTURE(Fixture, "without an archive nothing is kept and empty channels go") {
  login(1, "alice");
  line(1, "JOIN: #games");
  line(1, "MSG #games: hello");
  line(1, "MSG bob: hi");
  CHECK(out.kept.empty());
  line(1, "LEAVE: #games");
  CHECK(server->channel_count() == 1);  // #lobby only
  clear_all();
  line(1, "HISTORY bob: before 1800000000000");
  CHECK(only(1) == "ERROR NOSUCHCHANNEL: This server keeps no private messages");
}

TEST_CASE_FIXTURE(Archived, "a channel with history stays after its last member leaves") {
  login(1, "alice");
  line(1, "JOIN: #games");
  line(1, "MSG #games: gg");
  line(1, "JOIN: #empty");
  line(1, "LEAVE: #games");
  line(1, "LEAVE: #empty");
  CHECK(server->channel_count() == 2);  // #lobby and #games; #empty said nothing
  login(2, "bob");
  clear_all();
  line(2, "JOIN: #games");
  Lines got = take(2);
  CHECK(has(got, "HISTORY alice #games 1700000001000: gg"));
}

TEST_CASE_FIXTURE(Archived, "quiet channels beyond the limit go, the longest quiet first") {
  ServerConfig c = archived();
  c.max_quiet_channels = 2;
  reset(c);
  login(1, "alice");
  for (std::string name : {"#a", "#b", "#c"}) {
    now += 10;
    line(1, "JOIN: " + name);
    line(1, "MSG " + name + ": hi");
    line(1, "LEAVE: " + name);
  }
  // #lobby, #b and #c: #a, the longest quiet, went when #c fell quiet.
  CHECK(server->channel_count() == 3);
  login(2, "bob");
  clear_all();
  line(2, "JOIN: #b");
  CHECK(has(take(2), "HISTORY alice #b 1700000001020: hi"));
}

TEST_CASE_FIXTURE(Archived, "restored history is replayed on JOIN, with HISTORYMORE when older is archived") {
  server->restore_channel("#Games", "finals at 8", "carol",
                          {"HISTORY carol #Games 1700000000100: first",
                           "garbage that is not a line", "HISTORY dave #Games 1700000000200: second"},
                          true);
  login(1, "alice");
  clear_all();
  line(1, "JOIN: #games");
  Lines got = take(1);
  REQUIRE(got.size() == 6);
  CHECK(got[0] == "JOINED: #Games");
  CHECK(got[2] == "TOPIC carol #Games: finals at 8");
  CHECK(got[3] == "HISTORY carol #Games 1700000000100: first");
  CHECK(got[4] == "HISTORY dave #Games 1700000000200: second");
  CHECK(got[5] == "HISTORYMORE #Games: 1700000000100");
  // New lines are stamped after the restored ones, even with a clock behind.
  line(1, "MSG #games: third");
  CHECK(out.kept.back().record.unix_ms > 1700000000200);
}

TEST_CASE_FIXTURE(Archived, "a page older than memory is asked of the archive, a newer one is not") {
  ServerConfig c = archived();
  c.history_length = 3;
  reset(c);
  login(1, "alice");
  for (int i = 0; i < 5; ++i) {
    now += 10;
    line(1, "MSG #lobby: line " + std::to_string(i));
  }
  clear_all();
  // Memory holds lines 2..4 (stamps ...030, 040, 050); 0 and 1 were pushed out.
  line(1, "HISTORY #lobby: before 1700000001050");
  CHECK(take(1).empty());
  REQUIRE(out.pages.size() == 1);
  CHECK(out.pages[0].to == 1);
  CHECK(out.pages[0].place == "#lobby");
  CHECK(out.pages[0].before == 1700000001050);
  CHECK(out.pages[0].count == 0);
  // With a count, memory answers when it holds that many.
  line(1, "HISTORY #lobby: before 1700000001051 2");
  CHECK(take(1) == Lines{"HISTORY alice #lobby 1700000001040: line 3",
                         "HISTORY alice #lobby 1700000001050: line 4",
                         "HISTORYMORE #lobby: 1700000001040"});
  line(1, "HISTORY #lobby: before 1700000001051 3");
  CHECK(take(1).empty());
  REQUIRE(out.pages.size() == 2);
  CHECK(out.pages[1].count == 3);
  out.pages.pop_back();
  // A channel never pushed out of memory answers from memory.
  line(1, "JOIN: #small");
  line(1, "MSG #small: only");
  clear_all();
  line(1, "HISTORY #small: before 1800000000000");
  Lines got = take(1);
  REQUIRE(got.size() == 2);
  CHECK(got[1] == "HISTORYMORE #small: 0");
  CHECK(out.pages.size() == 1);
}

TEST_CASE_FIXTURE(Archived, "private history is asked for the asker's own pair only") {
  login(1, "alice");
  line(1, "HISTORY Bob: before 1800000000000");
  REQUIRE(out.pages.size() == 1);
  CHECK(out.pages[0].place == "alice bob");
  CHECK(out.pages[0].name == "Bob");
  login(3, "mallory");
  line(3, "HISTORY bob: before 1800000000000");
  CHECK(out.pages[1].place == "bob mallory");  // never alice's
  clear_all();
  line(3, "HISTORY b@d: before 1");
  CHECK(take(3)[0].rfind("ERROR BADNAME", 0) == 0);
  CHECK(out.pages.size() == 2);
}

TEST_CASE_FIXTURE(Archived, "a channel made anew under an archived name offers older history") {
  server->note_archived_channel("#old");
  login(1, "alice");
  clear_all();
  line(1, "JOIN: #OLD");
  Lines got = take(1);
  CHECK(got.back() == "HISTORYMORE #OLD: 9999999999999");
  line(1, "JOIN: #new");
  CHECK(take(1).back() == "USERLIST #new: alice");
}

TEST_CASE_FIXTURE(Archived, "SEARCH asks the archive for a member's channel or the asker's own pair") {
  login(1, "alice");
  line(1, "JOIN: #games");
  line(1, "SEARCH #GAMES: pizza  table");
  REQUIRE(out.searched.size() == 1);
  CHECK(out.searched[0].place == "#games");
  CHECK(out.searched[0].name == "#games");
  CHECK(out.searched[0].words == "pizza  table");
  line(1, "SEARCH Bob: pizza");
  CHECK(out.searched[1].place == "alice bob");
  clear_all();
  // Not a member: refused; no words: malformed; nothing asked.
  line(1, "SEARCH #secret: pizza");
  CHECK(take(1)[0].rfind("ERROR NOSUCHCHANNEL", 0) == 0);
  line(1, "SEARCH #games:   ");
  CHECK(take(1)[0] == "ERROR MALFORMED: Malformed SEARCH, expected 'SEARCH #channel: words'");
  CHECK(out.searched.size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "SEARCH on a server without an archive says there is nothing to search") {
  login(1, "alice");
  line(1, "SEARCH #lobby: pizza");
  CHECK(only(1) == "ERROR NOSUCHCHANNEL: This server keeps no history to search");
}
