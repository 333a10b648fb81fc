// Never miss a mention: what counts as naming you, and how the client
// model marks, counts and announces it.
#include <doctest/doctest.h>

#include "core/client_model.hpp"
#include "core/mentions.hpp"

using namespace voixer::core;

TEST_CASE("a mention is the nickname as a word of its own, in any case, @ or not") {
  CHECK(mentions("alice: are you in?", "alice"));
  CHECK(mentions("hi @Alice!", "alice"));
  CHECK(mentions("ALICE", "alice"));
  CHECK(mentions("ping alice, bob", "alice"));
  CHECK_FALSE(mentions("malice aforethought", "alice"));
  CHECK_FALSE(mentions("alice_2 is here", "alice"));
  CHECK_FALSE(mentions("alice-bot says hi", "alice"));
  CHECK_FALSE(mentions("ali", "alice"));
  CHECK_FALSE(mentions("anything", ""));
}

namespace {
ClientModel in_two_channels() {
  ClientModel m("alice");
  for (const char* l : {"ACCEPT: lanbox", "JOINED: #lobby", "USERLIST #lobby: alice, bob",
                        "JOINED: #games", "USERLIST #games: alice, bob"})
    m.apply(l, 0);
  m.select("#lobby");
  return m;
}
}  // namespace

TEST_CASE("a line naming me is marked and counted apart in a conversation I am not looking at") {
  ClientModel m = in_two_channels();
  auto before = m.attention_count();
  m.apply("MSG bob #games: anyone up for quake?", 0);
  m.apply("MSG bob #games: alice, you?", 0);
  const Conversation* games = m.find("#games");
  REQUIRE(games != nullptr);
  CHECK(games->unread == 2);
  CHECK(games->unread_mentions == 1);
  CHECK_FALSE(games->lines[games->lines.size() - 2].mention);
  CHECK(games->lines.back().mention);
  CHECK(m.attention_count() == before + 1);
  m.select("#games");
  CHECK(m.find("#games")->unread_mentions == 0);
  // My own lines never mention me, and history replayed is marked but
  // does not call for attention again.
  auto sent = m.send_text("alice here", 0);
  CHECK_FALSE(m.find("#games")->lines.back().mention);
  m.apply("HISTORY bob #lobby 1764060000000: alice!", 0);
  CHECK(m.find("#lobby")->lines.back().mention);
  CHECK(m.attention_count() == before + 1);
}

TEST_CASE("every private message calls for attention") {
  ClientModel m = in_two_channels();
  auto before = m.attention_count();
  m.apply("MSG bob alice: psst", 0);
  CHECK(m.attention_count() == before + 1);
}
