// LAN discovery's datagrams and list, without sockets.
#include <doctest/doctest.h>

#include <string>

#include "core/discovery.hpp"

using namespace voixer::core;

namespace {

const std::string kIdentity(64, 'a');

ServerAnnouncement alice_lan() {
  ServerAnnouncement a;
  a.nonce = "0123456789abcdef";
  a.port = 8649;
  a.users = 3;
  a.name = "Alice's LAN";
  a.host = "alice";
  a.identity = kIdentity;
  return a;
}

}  // namespace

TEST_CASE("discovery: a query is exactly 256 bytes and anything else is refused") {
  std::string q = format_query("0123456789abcdef");
  CHECK(q.size() == kDiscoveryDatagram);
  CHECK(q.starts_with("VOIXER? 1 0123456789abcdef\n"));
  CHECK(parse_query(q) == "0123456789abcdef");
  std::string error;
  CHECK_FALSE(parse_query(q.substr(0, 100), &error).has_value());
  CHECK(error == "a query is 256 bytes, not 100");
  std::string junk = q;
  junk[200] = 'x';  // the padding must be padding
  CHECK_FALSE(parse_query(junk, &error).has_value());
  CHECK(error == "not a voixer query");
  CHECK_FALSE(parse_query(format_query("0123456789ABCDEF")).has_value());
  CHECK_FALSE(parse_query(format_query("short")).has_value());
  CHECK_FALSE(parse_query(std::string(256, '\0')).has_value());
}

TEST_CASE("discovery: an answer reads back as sent, and is never longer than a query") {
  ServerAnnouncement a = alice_lan();
  std::string d = format_announcement(a);
  CHECK(d == "VOIXER! 1 0123456789abcdef 8649 3 open " + kIdentity + "\nAlice's LAN\nalice\n");
  CHECK(parse_announcement(d) == a);
  a.locked = true;
  a.host.clear();
  a.identity.clear();
  CHECK(parse_announcement(format_announcement(a)) == a);
  // The longest fields there can be.
  ServerAnnouncement big = alice_lan();
  big.port = 65535;
  big.users = static_cast<std::size_t>(-1);
  big.locked = true;
  big.name = std::string(500, 'N');
  big.host = std::string(32, 'h');
  std::string longest = format_announcement(big);
  CHECK(longest.size() <= kDiscoveryDatagram);
  CHECK(parse_announcement(longest)->name == std::string(kMaxServerNameBytes, 'N'));
  std::string error;
  for (std::string bad : {std::string("VOIXER! 1 0123456789abcdef 0 3 open -\nx\n\n"),
                          std::string("VOIXER! 1 0123456789abcdef 8649 3 ajar -\nx\n\n"),
                          std::string("VOIXER! 1 0123456789abcdef 8649 3 open -\nx\nnot a nick!\n"),
                          std::string("VOIXER! 1 0123456789abcdef 8649 3 open -\nbell\x07\n\n"),
                          std::string("VOIXER! 1 0123456789abcdef 8649 3 open -\nx\n\nmore"),
                          std::string("VOIXER! 1 0123456789abcdef 8649 3 open abc\nx\n\n"),
                          std::string("HELLO")}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_announcement(bad, &error).has_value());
  }
}

TEST_CASE("discovery: a server name is cleaned of what a person cannot read, cut on a character") {
  CHECK(clean_server_name("  Alice's LAN  ") == "Alice's LAN");
  CHECK(clean_server_name("Evil\x1b[2J\xe2\x80\xae name") == "Evil[2J name");
  CHECK(clean_server_name("no\xc2\xa0" "break") == "no break");
  CHECK(clean_server_name("\x01\x02") == "");
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xc3\xa9";  // é, 2 bytes each
  std::string cut = clean_server_name(accents);
  CHECK(cut.size() == kMaxServerNameBytes);
  CHECK(clean_server_name(accents + "x").size() == kMaxServerNameBytes);
}

TEST_CASE("discovery: one entry per server, at the address a friend can use, gone when silent") {
  LanServerList list;
  CHECK(list.seen("127.0.0.1", alice_lan(), 1, 1000));
  CHECK(list.seen("192.168.1.20", alice_lan(), 2, 1000));
  CHECK_FALSE(list.seen("fe80::1%eth0", alice_lan(), 1, 1100));
  CHECK_FALSE(list.seen("::1", alice_lan(), 1, 1200));
  REQUIRE(list.servers().size() == 1);
  CHECK(list.servers()[0].address() == "192.168.1.20:8649");
  ServerAnnouncement bob = alice_lan();
  bob.name = "Bob's";
  bob.identity = std::string(64, 'b');
  CHECK(list.seen("[broken", bob, 5, 1300));
  CHECK(list.servers()[0].info.name == "Alice's LAN");  // sorted by name
  ServerAnnouncement more = alice_lan();
  more.users = 4;
  CHECK(list.seen("192.168.1.20", more, 2, 2000));
  CHECK_FALSE(list.expire(2000 + kForgetServerAfterMs - 700));
  CHECK(list.expire(1300 + kForgetServerAfterMs + 1));  // bob fell silent
  REQUIRE(list.servers().size() == 1);
  CHECK(list.servers()[0].info.users == 4);
  // Without an identity, addresses are servers of their own.
  ServerAnnouncement anonymous = alice_lan();
  anonymous.identity.clear();
  LanServerList plain;
  plain.seen("10.0.0.1", anonymous, 1, 0);
  plain.seen("10.0.0.2", anonymous, 1, 0);
  CHECK(plain.servers().size() == 2);
  CHECK(plain.servers()[1].address() == "10.0.0.2:8649");
  ServerAnnouncement v6 = anonymous;
  LanServerList six;
  six.seen("fd00::2", v6, 1, 0);
  CHECK(six.servers()[0].address() == "[fd00::2]:8649");
}

TEST_CASE("discovery: answers are rate limited per address and in all") {
  AnswerBudget budget;
  int answered = 0;
  for (int i = 0; i < 100; ++i) answered += budget.allow("10.0.0.9", 1000);
  CHECK(answered == 10);  // the burst
  CHECK(budget.allow("10.0.0.10", 1000));  // another address has its own
  CHECK_FALSE(budget.allow("10.0.0.9", 1100));
  CHECK(budget.allow("10.0.0.9", 1200));  // 5 a second come back
  AnswerBudget all;
  int total = 0;
  for (int a = 0; a < 200; ++a)
    for (int i = 0; i < 10; ++i) total += all.allow("10.0." + std::to_string(a) + ".1", 5000);
  CHECK(total == 500);  // forged sources cannot make it answer more than the cap
}
