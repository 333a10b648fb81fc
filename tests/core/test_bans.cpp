// Bans: the list the server keeps, the BAN/UNBAN/BANS lines and their
// answers on the wire, and what an operator's client model makes of them.
#include <doctest/doctest.h>

#include "core/bans.hpp"
#include "core/client_model.hpp"
#include "core/protocol.hpp"

using namespace voixer::core;

TEST_CASE("a ban keeps out its address and its nickname in any case, until it ends") {
  BanList bans;
  bans.add({"Troll", "10.0.0.66", 5000, "spam", "host"});
  CHECK(bans.find("10.0.0.66", "someone", 1000) != nullptr);
  CHECK(bans.find("10.0.0.7", "tROLL", 1000) != nullptr);
  CHECK(bans.find("10.0.0.7", "someone", 1000) == nullptr);
  CHECK(bans.find("10.0.0.66", "someone", 5000) == nullptr);  // over
  bans.expire(5000);
  CHECK(bans.all().empty());
}

TEST_CASE("a ban until restart never ends, a new ban replaces the old one, unban lifts by either") {
  BanList bans;
  bans.add({"troll", "10.0.0.66", 0, "", "host"});
  bans.expire(1'000'000'000);
  CHECK(bans.find("", "troll", 1'000'000'000) != nullptr);
  bans.add({"troll", "10.0.0.66", 9000, "again", "host"});
  CHECK(bans.all().size() == 1);
  CHECK(bans.all()[0].until == 9000);
  CHECK(bans.remove("nobody").empty());
  CHECK(bans.remove("10.0.0.66").size() == 1);
  CHECK(bans.find("10.0.0.66", "troll", 0) == nullptr);
  bans.add({"troll", "", 0, "", "host"});  // a user without an address
  CHECK(bans.find("", "someone", 0) == nullptr);
  CHECK(bans.remove("TROLL").size() == 1);
}

TEST_CASE("BAN, UNBAN, BANS and their answers round-trip") {
  for (const char* line : {"BAN troll 10: spamming the lobby", "BAN troll 0:", "UNBAN: troll",
                           "UNBAN: ::1", "BANS"}) {
    CAPTURE(line);
    auto p = parse_client(line);
    REQUIRE(std::holds_alternative<ClientMessage>(p));
    CHECK(format(std::get<ClientMessage>(p)) == line);
  }
  CHECK(std::get<ClientMessage>(parse_client("BAN troll 10")) ==
        ClientMessage{BanUser{"troll", 10, ""}});
  for (const char* line : {"BANNED troll 1700000061000: 10.0.0.66 spamming the lobby",
                           "BANNED troll 0: -", "BANNED troll 0: ::1 v6 too", "UNBANNED troll: -",
                           "UNBANNED troll: 10.0.0.66", "BANSEND"}) {
    CAPTURE(line);
    auto p = parse_server(line);
    REQUIRE(std::holds_alternative<ServerMessage>(p));
    CHECK(format(std::get<ServerMessage>(p)) == line);
  }
  CHECK(std::get<ServerMessage>(parse_server("BANNED troll 0: ::1 v6 too")) ==
        ServerMessage{Banned{"troll", 0, "::1", "v6 too"}});
  for (const char* bad : {"BAN troll", "BAN troll ten: x", "BAN troll 10 more: x", "BAN",
                          "UNBAN", "UNBAN:", "BANS now"}) {
    CAPTURE(bad);
    CHECK(std::holds_alternative<ParseError>(parse_client(bad)));
  }
  // No address at all reads as none ("-").
  CHECK(std::get<ServerMessage>(parse_server("BANNED troll 0:")) ==
        ServerMessage{Banned{"troll", 0, "", ""}});
  for (const char* bad : {"BANNED troll soon: -", "BANNED troll", "UNBANNED troll", "BANSEND x"}) {
    CAPTURE(bad);
    CHECK(std::holds_alternative<ParseError>(parse_server(bad)));
  }
}

TEST_CASE("an operator's model lists bans from BANNED, forgets them on UNBANNED and on a drop") {
  ClientModel m("host");
  for (const char* l : {"ACCEPT: lanbox", "JOINED: #lobby", "USERLIST #lobby: host"}) m.apply(l, 0);
  CHECK(m.ban("troll", 10, "spam").empty());  // not an operator yet: nothing sent
  m.apply("OPERATOR: You are an operator", 0);
  CHECK(m.ban("troll", 10, "spam") == std::vector<std::string>{"BAN troll 10: spam"});
  m.apply("BANNED troll 1700000601000: 10.0.0.66 spam", 0);
  m.apply("BANNED other 0: -", 0);
  REQUIRE(m.bans().size() == 2);
  CHECK(m.bans()[0].nickname == "troll");
  CHECK(m.bans()[0].address == "10.0.0.66");
  CHECK(m.bans()[0].until_unix_ms == 1700000601000);
  CHECK(m.bans()[1].address.empty());
  m.apply("BANNED TROLL 0: 10.0.0.66 longer", 0);  // the same user banned again
  CHECK(m.bans().size() == 2);
  CHECK(m.unban("troll") == std::vector<std::string>{"UNBAN: troll"});
  m.apply("UNBANNED TROLL: 10.0.0.66", 0);
  CHECK(m.bans().size() == 1);
  CHECK(m.request_bans() == std::vector<std::string>{"BANS"});
  CHECK(m.bans().empty());  // the answer fills it again
  m.apply("BANNED other 0: -", 0);
  m.on_disconnected("gone", true, 0);
  CHECK(m.bans().empty());
  CHECK_FALSE(m.is_operator());
}
