// Every line the server sends fits the 4,096-byte limit, big answers come
// in pages, and names and text refuse characters that lie about
// themselves. Driven directly (core::Server) with the client model reading
// what arrives, as a real client would.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/client_model.hpp"
#include "core/names.hpp"
#include "core/terminal_text.hpp"
#include "core/server_fixture.hpp"

using namespace voixer::test;
using Lines = std::vector<std::string>;

namespace {

std::string nick(int i) {  // 32 characters, the longest a nickname may be
  std::string n = "user" + std::to_string(i);
  return n + std::string(32 - n.size(), 'x');
}

// UTF-8 of one code point.
std::string utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

std::string code(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

struct Range {
  char32_t first, last;
};

// The characters of each class, as docs/protocol.md lists them.
const std::vector<Range> kControls = {{0x00, 0x08}, {0x0A, 0x1F}, {0x7F, 0x9F}};
const std::vector<Range> kBidi = {{0x061C, 0x061C}, {0x200E, 0x200F}, {0x202A, 0x202E},
                                  {0x2066, 0x2069}};
const std::vector<Range> kSeparators = {{0x2028, 0x2029}};
// Invisible, refused in names and in text alike.
const std::vector<Range> kInvisible = {{0x115F, 0x1160}, {0x17B4, 0x17B5}, {0x200B, 0x200B},
                                       {0x2060, 0x2064}, {0xFEFF, 0xFEFF}, {0x3164, 0x3164},
                                       {0xFFA0, 0xFFA0}};
// Invisible, refused in names, kept in text: scripts and emoji need them.
const std::vector<Range> kScriptsNeed = {{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x180B, 0x180F},
                                         {0x200C, 0x200D}, {0xFE00, 0xFE0F}, {0xE0020, 0xE007F},
                                         {0xE0100, 0xE01EF}};
const std::vector<Range> kSpaces = {{0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200A},
                                    {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}};

template <class F>
void each(const std::vector<Range>& ranges, F f) {
  for (const Range& r : ranges)
    for (char32_t cp = r.first; cp <= r.last; ++cp) f(cp);
}

struct Lined : Fixture {
  // Every line sent to anyone so far must fit; returns the longest size.
  std::size_t check_all_fit() {
    std::size_t longest = 0;
    for (const auto& [id, lines] : out.lines)
      for (const auto& l : lines) {
        CHECK_MESSAGE(l.size() <= kMaxLineBytes, l.size() << " bytes: " << l.substr(0, 60));
        longest = std::max(longest, l.size());
      }
    CHECK(server->lines_cut() == 0);  // none needed the last guard
    return longest;
  }
  // Feeds what `id` received into `m`, then sends what the model asks for
  // next (the following page) and repeats until nothing more is asked.
  void converse(ConnId id, ClientModel& m) {
    for (int round = 0; round < 1000; ++round) {
      for (const auto& l : take(id)) m.apply(l, now);
      auto follow = m.take_follow_ups();
      if (follow.empty()) return;
      for (const auto& l : follow) line(id, l);
    }
    FAIL("the conversation did not end");
  }
};

}  // namespace

TEST_CASE_FIXTURE(Lined, "the longest names, texts and member lists still fit in 4096-byte lines") {
  const std::string channel = "#" + std::string(63, 'c');  // the longest channel name
  const std::string text(kMaxTextBytes, 't');
  for (int i = 0; i < 700; ++i) {
    login(i + 1, nick(i));
    line(i + 1, "JOIN: " + channel);
  }
  line(1, "TOPIC " + channel + ": " + text);
  line(1, "MSG " + channel + ": " + text);
  line(2, "MSG " + nick(0) + ": " + text);
  line(3, "MSG " + std::string(4000, 'n') + ": hi");  // the error quotes the name
  line(4, "PONG: " + std::string(4080, 'p'));         // and the token
  line(5, "LIST");
  clear_all();
  ClientModel late(nick(700));
  login(701, nick(700));
  line(701, "JOIN: " + channel);  // 701 members, topic and history replayed
  line(3, "MSG " + std::string(4000, 'n') + ": hi");
  line(4, "PONG: " + std::string(4080, 'p'));
  line(5, "LIST");
  // The longest is the replayed message: at the limit but for the seven
  // digits a time of today has less than the largest one.
  CHECK(check_all_fit() == kMaxLineBytes - 7);
  Lines got = take(701);
  std::size_t parts = 0;
  for (const auto& l : got) parts += l.rfind("USERLISTMORE ", 0) == 0;
  CHECK(parts >= 5);  // 701 names of 32 bytes: at least six lines
  for (const auto& l : got) late.apply(l, now);
  const Conversation* c = late.find(channel);
  REQUIRE(c != nullptr);
  CHECK(c->members.size() == 701);
  CHECK(c->members.front() == nick(0));
  CHECK(c->members.back() == nick(700));
  CHECK(c->topic == text);
  bool replayed = false;
  for (const auto& l : got)
    replayed |= l == "HISTORY " + nick(0) + " " + channel + " " +
                         std::to_string(now + config.wall_clock_offset) + ": " + text;
  CHECK(replayed);  // the longest line there is, whole
}

TEST_CASE_FIXTURE(Lined, "the longest reasons, real names and addresses of kicks and bans still fit") {
  auto c = config;
  c.operator_password = "pw";
  reset(c);
  const std::string address = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";  // 45 bytes
  const std::string reason(kMaxTextBytes, 'r');
  auto connect = [&](ConnId id, const std::string& who) {
    REQUIRE(server->on_open(id, now, address));
    line(id, "CONNECT: \"" + who + "\" \"" + std::string(kMaxRealnameLength, 'R') + "\" 1.0.0");
  };
  connect(1, nick(1));
  connect(2, nick(2));
  connect(3, nick(3));
  login(6, "b");
  line(1, "OPER: pw");
  clear_all();
  // As long as a line allows, but longer than a text may be: refused.
  line(1, "KICK b: " + std::string(kMaxLineBytes - 8, 'r'));
  CHECK(only(1) == "ERROR BADTEXT: Reason: Text is longer than 3968 bytes");
  CHECK(out.closed.count(6) == 0);
  line(1, "KICK " + nick(2) + ": " + reason);
  line(1, "BAN " + nick(3) + " 4294967295: " + reason);  // the most minutes there are
  line(1, "BANS");
  CHECK(!server->on_open(4, now, address));  // the banned address is told why
  REQUIRE(server->on_open(5, now, "10.0.0.5"));
  line(5, "CONNECT: \"" + nick(3) + "\" x 1.0.0");  // and the banned nickname
  CHECK(take(2).back().rfind("ERROR KICKED: Kicked by " + nick(1), 0) == 0);
  CHECK(take(3).back().rfind("ERROR KICKED: Banned by " + nick(1), 0) == 0);
  CHECK(take(4).at(0).rfind("ERROR BANNED: You are banned", 0) == 0);
  CHECK(take(5).at(0).rfind("NOTACCEPTED: You are banned", 0) == 0);
  CHECK(check_all_fit() > kMaxLineBytes - 32);  // the ban refusals come close
}

TEST_CASE_FIXTURE(Lined, "text longer than the cap is refused before anything is relayed") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  line(1, "MSG #lobby: " + std::string(kMaxTextBytes + 1, 'x'));
  CHECK(only(1) == "ERROR BADTEXT: Text is longer than 3968 bytes");
  line(1, "TOPIC #lobby: " + std::string(kMaxTextBytes + 1, 'x'));
  CHECK(only(1) == "ERROR BADTEXT: Text is longer than 3968 bytes");
  CHECK(take(2).empty());
  // The model refuses it before sending.
  ClientModel m("alice");
  for (const char* l : {"ACCEPT: x", "JOINED: #lobby", "USERLIST #lobby: alice"}) m.apply(l, 0);
  CHECK(m.send_text(std::string(kMaxTextBytes + 1, 'x'), 0).empty());
  CHECK(m.send_text(std::string(kMaxTextBytes, 'x'), 0).size() == 1);
}

TEST_CASE_FIXTURE(Lined, "LIST comes in pages the client follows, and the list changes once, complete") {
  const std::string topic(3900, 'T');
  for (int i = 0; i < 280; ++i) {
    login(i + 1, "u" + std::to_string(i));
    char name[16];
    std::snprintf(name, sizeof name, "#room%03d", i);
    line(i + 1, std::string("JOIN: ") + name);
    line(i + 1, std::string("TOPIC ") + name + ": " + topic);
  }
  clear_all();
  line(1, "LIST");
  Lines first = take(1);
  std::size_t bytes = 0;
  for (const auto& l : first) bytes += l.size() + 1;
  CHECK(bytes <= kListPageBytes + 80);
  CHECK(first.back().rfind("LISTMORE: #room", 0) == 0);
  ClientModel m("u0");
  for (const char* l : {"ACCEPT: x", "JOINED: #lobby", "USERLIST #lobby: u0"}) m.apply(l, 0);
  CHECK(m.request_list() == Lines{"LIST"});
  for (const auto& l : first) m.apply(l, now);
  CHECK(m.channel_list().empty());  // not until LISTEND
  converse(1, m);
  REQUIRE(m.channel_list().size() == 281);  // the 280 and #lobby
  CHECK(m.channel_list()[0].name == "#lobby");
  CHECK(m.channel_list()[280].name == "#room279");
  CHECK(m.channel_list()[280].topic == topic);
}

TEST_CASE_FIXTURE(Lined, "history is replayed within a byte budget, older pages on request, in order") {
  login(1, "alice");
  const std::string pad(3900, 'h');
  for (int i = 0; i < 50; ++i) {
    line(1, "MSG #lobby: " + std::to_string(i) + " " + pad);
    now += 10;
  }
  login(2, "bob");  // login() read the answer to CONNECT: ask for the lobby again
  ClientModel m("bob");
  for (const char* l : {"ACCEPT: testhost"}) m.apply(l, now);
  line(2, "JOIN: #lobby");
  Lines replay = take(2);
  std::size_t history = 0, bytes = 0;
  for (const auto& l : replay)
    if (l.rfind("HISTORY ", 0) == 0) {
      ++history;
      bytes += l.size() + 1;
    }
  CHECK(history < 50);
  CHECK(bytes <= kReplayBytes);
  CHECK(replay.back().rfind("HISTORYMORE #lobby: 17", 0) == 0);
  for (const auto& l : replay) m.apply(l, now);
  const Conversation* c = m.find("#lobby");
  REQUIRE(c != nullptr);
  CHECK(c->older_before_unix_ms != 0);
  // Loading older pages until none remain gives all 50, oldest first.
  for (int page = 0; page < 20 && m.find("#lobby")->older_before_unix_ms != 0; ++page) {
    auto ask = m.load_older("#lobby");
    REQUIRE(ask.size() == 1);
    CHECK(ask[0].rfind("HISTORY #lobby: before ", 0) == 0);
    line(2, ask[0]);
    for (const auto& l : take(2)) m.apply(l, now);
  }
  c = m.find("#lobby");
  CHECK(c->older_before_unix_ms == 0);
  std::vector<std::string> texts;
  for (const auto& l : c->lines)
    if (l.kind == ChatLine::Kind::History) texts.push_back(l.text.substr(0, l.text.find(' ')));
  REQUIRE(texts.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(texts[i] == std::to_string(i));
  CHECK(m.load_older("#lobby").empty());  // nothing more to ask
}

TEST_CASE_FIXTURE(Lined, "messages of the same millisecond get distinct times, so paging loses none") {
  // A pasted block arrives in one read: every line has the same clock.
  login(1, "alice");
  const std::string pad(3900, 'p');
  for (int i = 0; i < 30; ++i) line(1, "MSG #lobby: " + std::to_string(i) + " " + pad);
  login(2, "bob");
  ClientModel m("bob");
  m.apply("ACCEPT: testhost", now);
  line(2, "JOIN: #lobby");
  for (const auto& l : take(2)) m.apply(l, now);
  for (int page = 0; page < 30 && m.find("#lobby")->older_before_unix_ms != 0; ++page) {
    line(2, m.load_older("#lobby").at(0));
    for (const auto& l : take(2)) m.apply(l, now);
  }
  std::vector<std::int64_t> times;
  std::vector<std::string> texts;
  for (const auto& l : m.find("#lobby")->lines)
    if (l.kind == ChatLine::Kind::History) {
      times.push_back(l.unix_ms);
      texts.push_back(l.text.substr(0, l.text.find(' ')));
    }
  REQUIRE(texts.size() == 30);
  for (int i = 0; i < 30; ++i) CHECK(texts[i] == std::to_string(i));
  for (std::size_t i = 1; i < times.size(); ++i) CHECK(times[i] == times[i - 1] + 1);
  CHECK(times.front() == now + config.wall_clock_offset);
}

TEST_CASE_FIXTURE(Lined, "HISTORY is for members, and malformed requests are refused") {
  login(1, "alice");
  clear_all();
  line(1, "HISTORY #nowhere: before 1");
  CHECK(only(1) == "ERROR NOSUCHCHANNEL: No such channel '#nowhere'");
  line(1, "HISTORY #lobby: after 1");
  CHECK(only(1).rfind("ERROR MALFORMED: Malformed HISTORY", 0) == 0);
  line(1, "HISTORY #lobby: before 99999999999999");
  CHECK(only(1) == "HISTORYMORE #lobby: 0");  // nothing older at all
}

TEST_CASE("channel names refuse invisible, bidi, control characters and odd spaces") {
  CHECK(check_channel("#lobby").empty());
  CHECK(check_channel("#caf\xc3\xa9").empty());         // é is fine
  CHECK(check_channel("#lobby\xe2\x80\x8b") == "Channel name contains an invisible character (U+200B)");
  CHECK(check_channel("#\xe2\x80\xaelobby") == "Channel name contains a bidirectional control (U+202E)");
  CHECK(check_channel("#a\xc2\x85") == "Channel name contains a control character (U+0085)");
  CHECK(check_channel("#a\xc2\xa0z") == "Channel name contains an unusual space (U+00A0)");
  CHECK(check_channel("#a\xe2\x80\xa8") == "Channel name contains a line separator (U+2028)");
  CHECK(check_channel("#a\xef\xbb\xbf") == "Channel name contains an invisible character (U+FEFF)");
  CHECK(check_channel("#\xe3\x85\xa4") == "Channel name contains an invisible character (U+3164)");
}

TEST_CASE("every character of each class is refused in channel names, the sentence naming it") {
  auto refused = [](const std::vector<Range>& ranges, const std::string& what) {
    each(ranges, [&](char32_t cp) {
      CAPTURE(code(cp));
      CHECK(check_channel("#a" + utf8(cp) + "b") ==
            "Channel name contains " + what + " (" + code(cp) + ")");
    });
  };
  refused(kControls, "a control character");
  refused(kBidi, "a bidirectional control");
  refused(kSeparators, "a line separator");
  refused(kInvisible, "an invisible character");
  refused(kScriptsNeed, "an invisible character");
  refused(kSpaces, "an unusual space");
  CHECK(check_channel("#a\tb") == "Channel name contains a control character (U+0009)");
  for (const char* plain : {"#a b", "#a,b", "#a:b"})
    CHECK(check_channel(plain) == "Channel names may not contain spaces, commas or colons");
  // Letters of any script are names like any other.
  for (const char* fine : {"#caf\xc3\xa9", "#\xd0\xb8\xd0\xb3\xd1\x80\xd1\x8b",
                           "#\xe3\x82\xb2\xe3\x83\xbc\xe3\x83\xa0", "#\xf0\x9f\x8e\xae"})
    CHECK(check_channel(fine).empty());
}

TEST_CASE("every character of each class is refused in text, but what scripts and emoji need") {
  auto refused = [](const std::vector<Range>& ranges, const std::string& what) {
    each(ranges, [&](char32_t cp) {
      CAPTURE(code(cp));
      CHECK(check_text("a" + utf8(cp) + "b") == "Text contains " + what + " (" + code(cp) + ")");
    });
  };
  refused(kControls, "a control character");
  refused(kBidi, "a bidirectional control");
  refused(kSeparators, "a line separator");
  refused(kInvisible, "an invisible character");
  auto kept = [](const std::vector<Range>& ranges) {
    each(ranges, [&](char32_t cp) {
      CAPTURE(code(cp));
      CHECK(check_text("a" + utf8(cp) + "b").empty());
    });
  };
  kept(kScriptsNeed);
  kept(kSpaces);
  CHECK(check_text("a\tb").empty());
}

TEST_CASE_FIXTURE(Lined, "the server refuses such characters in every field, and relays nothing") {
  login(1, "alice");
  login(2, "bob");
  line(2, "JOIN: #games");
  line(1, "JOIN: #games");
  clear_all();
  line(1, "JOIN: #lobby\xe2\x80\x8b");  // looks like #lobby
  CHECK(only(1) == "ERROR BADNAME: Channel name contains an invisible character (U+200B)");
  line(1, "MSG #games: a\xc2\x85z");
  CHECK(only(1) == "ERROR BADTEXT: Text contains a control character (U+0085)");
  line(1, "MSG bob: \xef\xbb\xbfhi");
  CHECK(only(1) == "ERROR BADTEXT: Text contains an invisible character (U+FEFF)");
  line(1, "TOPIC #games: \xe2\x80\xae" "olleh");
  CHECK(only(1) == "ERROR BADTEXT: Text contains a bidirectional control (U+202E)");
  line(1, "TOPIC #games: one\xe2\x80\xa8two");
  CHECK(only(1) == "ERROR BADTEXT: Text contains a line separator (U+2028)");
  CHECK(take(2).empty());
  open(3);
  line(3, "CONNECT: \"carol\" \"Carol\xc2\x9b" "2J\" 1.0.0");
  CHECK(only(3) == "NOTACCEPTED: Real name: Text contains a control character (U+009B)");
  line(3, "CONNECT: \"carol\" \"Car\xe2\x81\xa0ol\" 1.0.0");
  CHECK(only(3) == "NOTACCEPTED: Real name: Text contains an invisible character (U+2060)");
  // What scripts and emoji need goes through.
  const std::string emoji = "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb \xe2\x9d\xa4\xef\xb8\x8f";
  line(1, "MSG #games: " + emoji);
  CHECK(only(2) == "MSG alice #games: " + emoji);
}

TEST_CASE("text refuses controls, bidi, separators and zero-width spaces, keeps what scripts need") {
  CHECK(check_text("hello\tworld").empty());
  CHECK(check_text("caf\xc3\xa9 \xc2\xa0ok").empty());                        // no-break space
  CHECK(check_text("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb").empty());  // emoji with ZWJ
  CHECK(check_text("\xe2\x9d\xa4\xef\xb8\x8f").empty());                      // heart + VS16
  CHECK(check_text("\xd9\x85\xe2\x80\x8c\xd9\x8a").empty());                  // ZWNJ (Persian)
  CHECK(check_text("a\xe2\x80\xae" "exe.txt") == "Text contains a bidirectional control (U+202E)");
  CHECK(check_text("a\xc2\x9b" "2J") == "Text contains a control character (U+009B)");
  CHECK(check_text("a\xc2\x85z") == "Text contains a control character (U+0085)");
  CHECK(check_text("a\xe2\x80\xa8z") == "Text contains a line separator (U+2028)");
  CHECK(check_text("a\xe2\x80\x8bz") == "Text contains an invisible character (U+200B)");
  CHECK(check_text("\x1b[2J") == "Text contains a control character (U+001B)");
  CHECK(check_text("bell\x07") == "Text contains a control character (U+0007)");
}

TEST_CASE_FIXTURE(Lined, "a KICK reason with escapes or bidi controls is refused, the user stays") {
  auto c = config;
  c.operator_password = "pw";
  reset(c);
  login(1, "host");
  login(2, "victim");
  line(1, "OPER: pw");
  clear_all();
  line(1, "KICK victim: \x1b[2J\x07");
  CHECK(only(1) == "ERROR BADTEXT: Reason: Text contains a control character (U+001B)");
  line(1, "BAN victim 10: \xe2\x80\xae" "olleh");
  CHECK(only(1) == "ERROR BADTEXT: Reason: Text contains a bidirectional control (U+202E)");
  CHECK(out.closed.count(2) == 0);
  CHECK(take(2).empty());
}

TEST_CASE("what the cli prints escapes every character text may not carry, and only those") {
  auto escaped = [](const std::vector<Range>& ranges) {
    each(ranges, [&](char32_t cp) {
      CAPTURE(code(cp));
      char want[16];
      std::snprintf(want, sizeof want, cp < 0x80 ? "a\\x%02xb" : "a\\u%04xb",
                    static_cast<unsigned>(cp));
      CHECK(escape_for_terminal("a" + utf8(cp) + "b") == want);
    });
  };
  escaped(kControls);
  escaped(kBidi);
  escaped(kSeparators);
  escaped(kInvisible);
  auto as_is = [](const std::vector<Range>& ranges) {
    each(ranges, [&](char32_t cp) {
      CAPTURE(code(cp));
      CHECK(escape_for_terminal("a" + utf8(cp) + "b") == "a" + utf8(cp) + "b");
    });
  };
  as_is(kScriptsNeed);
  as_is(kSpaces);
}

TEST_CASE("what the cli prints shows control characters as escapes, not as actions") {
  CHECK(escape_for_terminal("plain text, caf\xc3\xa9") == "plain text, caf\xc3\xa9");
  CHECK(escape_for_terminal("MSG evil #lobby: \x1b[2J\x07") == "MSG evil #lobby: \\x1b[2J\\x07");
  CHECK(escape_for_terminal("a\xe2\x80\xae" "b") == "a\\u202eb");
  CHECK(escape_for_terminal("a\xc2\x9b" "b") == "a\\u009bb");
  CHECK(escape_for_terminal("a\xe2\x80\x8b" "b") == "a\\u200bb");
  CHECK(escape_for_terminal("bad \xff byte") == "bad \\xff byte");
  CHECK(escape_for_terminal("tab\tkept") == "tab\tkept");
  CHECK(escape_for_terminal("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb") ==
        "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb");  // ZWJ emoji unharmed
}
