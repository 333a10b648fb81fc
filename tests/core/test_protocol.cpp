// The codec: every message of both directions round-trips, the seed
// document's examples parse exactly, malformed lines are rejected.
#include <doctest/doctest.h>

#include "core/names.hpp"
#include "core/protocol.hpp"

using namespace voixer::core;

namespace {

ClientMessage client(std::string_view line) {
  auto p = parse_client(line);
  if (auto* e = std::get_if<ParseError>(&p)) FAIL("parse_client failed: " << e->message);
  return std::get<ClientMessage>(p);
}

ServerMessage server(std::string_view line) {
  auto p = parse_server(line);
  if (auto* e = std::get_if<ParseError>(&p)) FAIL("parse_server failed: " << e->message);
  return std::get<ServerMessage>(p);
}

ParseError client_error(std::string_view line) {
  auto p = parse_client(line);
  REQUIRE_MESSAGE(std::holds_alternative<ParseError>(p), "accepted: " << line);
  return std::get<ParseError>(p);
}

}  // namespace

TEST_CASE("seed examples of client messages parse and format byte for byte") {
  const char* lines[] = {
      "CONNECT: \"John87\" \"John Wilson\" 1.0.0",
      "PONG: 42313812731",
      "JOIN: #SuperAwesomeChannel",
      "MSG #SuperAwesomeChannel: Hey all! How's it going?",
      "MSG John83: Hey John! How's it going?",
      "TALK John83: REQUEST",
      "TALK 827742843590392: ACCEPT",
      "TALK 827742843590392: DENY",
      "TALKSESSION: 827742843590392",
      "DISCONNECT",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    CHECK(format(client(line)) == line);
  }
  CHECK(client("CONNECT: \"John87\" \"John Wilson\" 1.0.0") ==
        ClientMessage{Connect{"John87", "John Wilson", "1.0.0"}});
  CHECK(client("MSG John83: Hey John! How's it going?") ==
        ClientMessage{SendMsg{"John83", "Hey John! How's it going?"}});
  CHECK(client("TALK 827742843590392: DENY") ==
        ClientMessage{TalkAnswer{"827742843590392", TalkVerb::Deny}});
}

TEST_CASE("seed examples of server messages parse and format byte for byte") {
  const char* lines[] = {
      "ACCEPT: ip.google.com",
      "NOTACCEPTED: Syntax error, please resend the CONNECT request",
      "NICKNAMEINUSE: The nickname 'John83' is already taken",
      "PING: 42313812731",
      "JOINED: #SuperAwesomeChannel",
      "USERLIST #SuperAwesomeChannel: Will, John83, Mike",
      "USERJOIN #SuperAwesomeChannel: Thomas12",
      "USERLEAVE #SuperAwesomeChannel: Thomas12",
      "MSG Thomas12 #SuperAwesomeChannel: Hey all! How's it going?",
      "MSG Thomas12 John83: Hey John! How's it going?",
      "TALK John83 827742843590392: REQUEST",
      "TALK 827742843590392: ACCEPTED",
      "TALK 827742843590392: DENIED",
      "SESSIONERROR: Invalid session key '827742843590392'",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    CHECK(format(server(line)) == line);
  }
  CHECK(server("USERLIST #SuperAwesomeChannel: Will, John83, Mike") ==
        ServerMessage{UserList{"#SuperAwesomeChannel", {"Will", "John83", "Mike"}}});
  CHECK(server("TALK Mike 827742843590392: REQUEST") ==
        ServerMessage{TalkOffer{"Mike", "827742843590392"}});
}

TEST_CASE("every client message round-trips through format and parse") {
  std::vector<ClientMessage> all = {
      Connect{"bob", "Bob \"the builder\" \\o/", "2.1"},
      Ping{"77"},
      Pong{"77"},
      Join{"#games"},
      Leave{"#games"},
      List{},
      SetTopic{"#games", "Friday: Quake, then pizza"},
      SetTopic{"#games", ""},
      SendMsg{"#games", "time: 20:00, place: here"},
      SendMsg{"alice", "psst"},
      TalkRequest{"alice"},
      TalkAnswer{"0123456789abcdef0123456789abcdef", TalkVerb::Accept},
      TalkAnswer{"k", TalkVerb::Deny},
      TalkAnswer{"k", TalkVerb::Hangup},
      TalkSession{"0123456789abcdef0123456789abcdef"},
      Disconnect{},
  };
  for (const auto& m : all) {
    std::string line = format(m);
    CAPTURE(line);
    CHECK(client(line) == m);
  }
}

TEST_CASE("every server message round-trips through format and parse") {
  std::vector<ServerMessage> all = {
      Accept{"lanbox"},
      NotAccepted{"Syntax error"},
      NicknameInUse{"The nickname 'bob' is already taken"},
      Ping{"1"},
      Pong{"1"},
      Joined{"#lobby"},
      Left{"#games"},
      UserList{"#lobby", {"alice", "bob"}},
      UserJoin{"#lobby", "carol"},
      UserLeave{"#lobby", "carol"},
      DeliverMsg{"alice", "#lobby", "hello: world"},
      DeliverMsg{"alice", "bob", "hi"},
      History{"alice", "#lobby", 1764060000123, "earlier: text"},
      Topic{"alice", "#games", "Quake at 8"},
      Topic{"alice", "#games", ""},
      ChannelInfo{"#games", 3, "Quake at 8"},
      ChannelInfo{"#empty", 0, ""},
      ListEnd{},
      TalkOffer{"alice", "abc"},
      TalkState{"abc", TalkStatus::Accepted},
      TalkState{"abc", TalkStatus::Denied},
      TalkState{"abc", TalkStatus::Timeout},
      TalkState{"abc", TalkStatus::Ended},
      SessionError{"Invalid session key 'x'"},
      Error{"NOSUCHUSER", "No such user 'zed'"},
  };
  for (const auto& m : all) {
    std::string line = format(m);
    CAPTURE(line);
    CHECK(server(line) == m);
  }
}

TEST_CASE("parsing is lenient where the seed is informal") {
  CHECK(client("join: #x") == ClientMessage{Join{"#x"}});  // verbs ignore case
  CHECK(client("JOIN:#x") == ClientMessage{Join{"#x"}});   // no space after ':'
  CHECK(client("JOIN: #x\r") == ClientMessage{Join{"#x"}}); // CRLF line ends
  CHECK(client("CONNECT: bob") == ClientMessage{Connect{"bob", "bob", "0"}});
  CHECK(client("CONNECT: \"bob\" \"Bob B\"") == ClientMessage{Connect{"bob", "Bob B", "0"}});
  CHECK(client("MSG  #x:  two spaces") == ClientMessage{SendMsg{"#x", " two spaces"}});
  CHECK(client("DISCONNECT: bye") == ClientMessage{Disconnect{}});
}

TEST_CASE("malformed client lines are rejected with a reason") {
  CHECK(client_error("").code == "UNKNOWNCOMMAND");
  CHECK(client_error("HELLO there").code == "UNKNOWNCOMMAND");
  CHECK(client_error("HELLO there").message == "Unknown command 'HELLO'");
  CHECK(client_error("CONNECT").code == "MALFORMED");
  CHECK(client_error("CONNECT: ").code == "MALFORMED");
  CHECK(client_error("CONNECT: \"unterminated").code == "MALFORMED");
  CHECK(client_error("CONNECT: a b c d e").code == "MALFORMED");
  CHECK(client_error("JOIN #x").code == "MALFORMED");
  CHECK(client_error("JOIN:").code == "MALFORMED");
  CHECK(client_error("MSG: no recipient").code == "MALFORMED");
  CHECK(client_error("MSG a b: two recipients").code == "MALFORMED");
  CHECK(client_error("MSG bob").code == "MALFORMED");
  CHECK(client_error("TALK bob: DANCE").code == "MALFORMED");
  CHECK(client_error("TALK: REQUEST").code == "MALFORMED");
  CHECK(client_error("PONG").code == "MALFORMED");
  CHECK(client_error("LIST everything: x").code == "MALFORMED");
  CHECK(client_error("DISCONNECT now").code == "MALFORMED");
  CHECK(client_error("TALKSESSION:").code == "MALFORMED");
  CHECK(client_error("MSG a b c d e f: too many").code == "MALFORMED");
}

TEST_CASE("malformed server lines are rejected") {
  for (const char* line : {"USERLIST: no channel", "HISTORY a #b notanumber: x",
                           "CHANNEL #x many: t", "TALK k: MAYBE", "ERROR: no code",
                           "LISTEND: x", "WHAT: ever"}) {
    CAPTURE(line);
    CHECK(std::holds_alternative<ParseError>(parse_server(line)));
  }
}

TEST_CASE("nicknames: 1-32 letters, digits, _ and -") {
  CHECK(check_nickname("John87").empty());
  CHECK(check_nickname("a").empty());
  CHECK(check_nickname("under_score-dash").empty());
  CHECK(check_nickname(std::string(32, 'x')).empty());
  CHECK_FALSE(check_nickname(std::string(33, 'x')).empty());
  CHECK_FALSE(check_nickname("").empty());
  CHECK_FALSE(check_nickname("with space").empty());
  CHECK_FALSE(check_nickname("#chan").empty());
  CHECK_FALSE(check_nickname("é").empty());
  CHECK(fold_case("JoHn") == fold_case("john"));
}

TEST_CASE("channel names: '#', at most 64 bytes, no separators or controls") {
  CHECK(check_channel("#lobby").empty());
  CHECK(check_channel("#café").empty());
  CHECK(check_channel("#" + std::string(63, 'x')).empty());
  CHECK_FALSE(check_channel("#" + std::string(64, 'x')).empty());
  CHECK_FALSE(check_channel("lobby").empty());
  CHECK_FALSE(check_channel("#").empty());
  CHECK_FALSE(check_channel("#a b").empty());
  CHECK_FALSE(check_channel("#a,b").empty());
  CHECK_FALSE(check_channel("#a\x01").empty());
  CHECK_FALSE(check_channel("#\xff").empty());
}

TEST_CASE("text must be valid UTF-8 without control characters") {
  CHECK(check_text("hello 👋 wörld").empty());
  CHECK(check_text("tab\tis fine").empty());
  CHECK_FALSE(check_text("").empty());
  CHECK_FALSE(check_text("bell\x07").empty());
  CHECK_FALSE(check_text("del\x7f").empty());
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  CHECK_FALSE(is_valid_utf8("\x80"));              // stray continuation
  CHECK(is_valid_utf8("\xf0\x9f\x91\x8b"));
}

TEST_CASE("a CONNECT version with spaces or quotes is quoted, so it parses back (found by fuzzing)") {
  ClientMessage m = Connect{"C:", "!9", "NECT:C: !9     "};
  CHECK(format(m) == "CONNECT: \"C:\" \"!9\" \"NECT:C: !9     \"");
  CHECK(client(format(m)) == m);
  CHECK(format(ClientMessage{Connect{"a", "b", "1.0.0"}}) == "CONNECT: \"a\" \"b\" 1.0.0");
}

TEST_CASE("the extensions for passwords and kicking round-trip") {
  std::vector<ClientMessage> all = {Connect{"a", "A", "1.0.0", "pass word"}, Oper{"pw"},
                                    Kick{"bob", "spam"}};
  for (const auto& m : all) CHECK(client(format(m)) == m);
  CHECK(format(ClientMessage{Connect{"a", "A", "1.0.0", "pw"}}) == "CONNECT: \"a\" \"A\" 1.0.0 \"pw\"");
  CHECK(server(format(ServerMessage{Operator{"ok"}})) == ServerMessage{Operator{"ok"}});
}

TEST_CASE("carriage returns at the end of a line all go, so a line means the same formatted again (found by fuzzing)") {
  CHECK(std::holds_alternative<ParseError>(parse_client("JOIN: \r\r")));  // not a JOIN of "\r"
  CHECK(client("MSG #a: hi\r\r") == ClientMessage{SendMsg{"#a", "hi"}});
  for (const char* line : {"BANNED o\xff\t 5:\r\r", "LISTMORE: x\r\r", "UNBAN: \r\r\r"}) {
    CAPTURE(line);
    auto p = parse_server(line);
    if (auto* m = std::get_if<ServerMessage>(&p))
      CHECK(std::holds_alternative<ServerMessage>(parse_server(format(*m))));
    auto c = parse_client(line);
    if (auto* m = std::get_if<ClientMessage>(&c))
      CHECK(std::holds_alternative<ClientMessage>(parse_client(format(*m))));
  }
}

TEST_CASE("the paging messages round-trip, and read as docs/protocol.md writes them") {
  std::vector<ClientMessage> requests = {List{"#games"}, HistoryRequest{"#games", 1764059000000},
                                         HistoryRequest{"#games", 1764059000000, 20}};
  for (const auto& m : requests) {
    std::string line = format(m);
    CAPTURE(line);
    CHECK(client(line) == m);
  }
  std::vector<ServerMessage> answers = {
      UserListMore{"#lobby", {"Will", "John83", "Mike"}},
      ListMore{"#games"},
      HistoryMore{"#games", 1764059000000},
      HistoryMore{"#games", 0},
  };
  for (const auto& m : answers) {
    std::string line = format(m);
    CAPTURE(line);
    CHECK(server(line) == m);
  }
  CHECK(client("LIST: #games") == ClientMessage{List{"#games"}});
  CHECK(format(ClientMessage{List{}}) == "LIST");
  CHECK(client("HISTORY #games: before 1764059000000") ==
        ClientMessage{HistoryRequest{"#games", 1764059000000}});
  CHECK(client("history #games: BEFORE 5") == ClientMessage{HistoryRequest{"#games", 5}});
  CHECK(client("HISTORY #games: before 1764059000000 50") ==
        ClientMessage{HistoryRequest{"#games", 1764059000000, 50}});
  CHECK(client("HISTORY #games: before 5 1000") == ClientMessage{HistoryRequest{"#games", 5, 1000}});
  CHECK(client_error("HISTORY #games: before 5 1001").message ==
        "Malformed HISTORY, expected 'HISTORY #channel: before <unix ms> [<count, 1 to 1000>]'");
  CHECK(server("USERLISTMORE #lobby: a, b, c") ==
        ServerMessage{UserListMore{"#lobby", {"a", "b", "c"}}});
  CHECK(server("LISTMORE: #lastname") == ServerMessage{ListMore{"#lastname"}});
  CHECK(server("HISTORYMORE #games: 1764059000000") ==
        ServerMessage{HistoryMore{"#games", 1764059000000}});
  for (const char* bad : {"HISTORY #games", "HISTORY #games: after 5", "HISTORY #games: before",
                          "HISTORY #games: before x1", "HISTORY: before 5", "LIST: ",
                          "HISTORY #games: before 5 0", "HISTORY #games: before 5 -3",
                          "HISTORY #games: before 5 ten", "HISTORY #games: before 5 10 more"}) {
    CAPTURE(bad);
    CHECK(client_error(bad).code == "MALFORMED");
  }
  for (const char* bad : {"HISTORYMORE #games: soon", "HISTORYMORE: 5", "LISTMORE",
                          "USERLISTMORE: a, b"}) {
    CAPTURE(bad);
    CHECK(std::holds_alternative<ParseError>(parse_server(bad)));
  }
}
