// Call signalling in the server state machine: 1:1 calls as in the seed,
// hang up, group calls by invitation, switching calls, the echo call, ring
// timeouts, disconnects, and binding voice peers by session key.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/server_fixture.hpp"
#include "core/voice_seal.hpp"

using namespace voixer::core;
using voixer::test::Fixture;
using voixer::test::has;
using Lines = std::vector<std::string>;

namespace {

// alice (1) calls bob (2); returns {alice's key, bob's key} with the offers consumed.
std::pair<std::string, std::string> ring(Fixture& f, ConnId caller = 1, ConnId callee = 2,
                                         const std::string& callee_nick = "bob") {
  f.line(caller, "TALK " + callee_nick + ": REQUEST");
  std::string to_caller = f.only(caller);
  std::string to_callee = f.only(callee);
  return {Fixture::offer_key(to_caller), Fixture::offer_key(to_callee)};
}

// Logs in alice, bob (and carol, dave: `users` of them), alice calls bob
// and bob accepts; returns their keys with everything sent so far consumed.
std::pair<std::string, std::string> in_call(Fixture& f, int users) {
  static const char* const kNames[] = {"alice", "bob", "carol", "dave"};
  for (int i = 0; i < users; ++i) f.login(static_cast<ConnId>(i + 1), kNames[i]);
  f.clear_all();
  auto keys = ring(f);
  f.line(2, "TALK " + keys.second + ": ACCEPT");
  f.clear_all();
  return keys;
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "TALK REQUEST gives each side its own 128-bit session key") {
  login(1, "John83");
  login(2, "Mike");
  clear_all();
  line(1, "TALK Mike: REQUEST");
  std::string to_caller = only(1);
  std::string to_callee = only(2);
  std::string caller_key = offer_key(to_caller), callee_key = offer_key(to_callee);
  CHECK(to_caller == "TALK Mike " + caller_key + ": REQUEST");
  CHECK(to_callee == "TALK John83 " + callee_key + ": REQUEST");
  CHECK(caller_key.size() == 32);
  CHECK(caller_key.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(caller_key != callee_key);
  CHECK(server->call_count() == 1);
}

TEST_CASE_FIXTURE(Fixture, "ACCEPT: the caller gets ACCEPTED and both get the member list") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  auto [ka, kb] = ring(*this);
  line(2, "TALK " + kb + ": ACCEPT");
  CHECK(take(1) == Lines{"TALK " + ka + ": ACCEPTED", "TALKMEMBERS " + ka + ": alice, bob"});
  CHECK(take(2) == Lines{"TALKMEMBERS " + kb + ": alice, bob"});
  line(2, "TALK " + kb + ": ACCEPT");
  CHECK(only(2) == "ERROR NOTALLOWED: You are already in call '" + kb + "'");
}

TEST_CASE_FIXTURE(Fixture, "DENY: the caller gets the seed's DENIED and the call is gone") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  auto [ka, kb] = ring(*this);
  line(2, "TALK " + kb + ": DENY");
  CHECK(only(1) == "TALK " + ka + ": DENIED");
  CHECK(take(2).empty());
  CHECK(server->call_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "TALK errors: unknown user, yourself, unknown key, someone else's key") {
  login(1, "alice");
  login(2, "bob");
  login(3, "carol");
  clear_all();
  line(1, "TALK nobody: REQUEST");
  CHECK(only(1) == "ERROR NOSUCHUSER: No such user 'nobody'");
  line(1, "TALK alice: REQUEST");
  CHECK(only(1) == "ERROR NOTALLOWED: You cannot call yourself");
  line(1, "TALK 1234: ACCEPT");
  CHECK(only(1) == "ERROR NOSUCHSESSION: No call with key '1234'");
  auto [ka, kb] = ring(*this);
  line(3, "TALK " + kb + ": ACCEPT");  // carol cannot answer with bob's key
  CHECK(only(3) == "ERROR NOTALLOWED: Session key '" + kb + "' is not yours");
  line(1, "TALK " + ka + ": ACCEPT");  // the caller has nothing to accept
  CHECK(only(1) == "ERROR NOTALLOWED: You are already in call '" + ka + "'");
  line(1, "TALK " + ka + " nobody: INVITE");
  CHECK(only(1) == "ERROR NOSUCHUSER: No such user 'nobody'");
}

TEST_CASE_FIXTURE(Fixture, "an unanswered call ends after 30 s with TIMEOUT to both") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  auto [ka, kb] = ring(*this);
  now += 29'999;
  server->tick(now);
  CHECK(take(1).empty());
  now += 1;
  server->tick(now);
  CHECK(only(1) == "TALK " + ka + ": TIMEOUT");
  CHECK(only(2) == "TALK " + kb + ": TIMEOUT");
  CHECK(server->call_count() == 0);
  line(2, "TALK " + kb + ": ACCEPT");
  CHECK(only(2) == "ERROR NOSUCHSESSION: No call with key '" + kb + "'");
}

TEST_CASE_FIXTURE(Fixture, "the caller can cancel a ringing call, the callee stops ringing") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  auto [ka, kb] = ring(*this);
  line(1, "TALK " + ka + ": HANGUP");
  CHECK(only(1) == "TALK " + ka + ": ENDED");
  CHECK(only(2) == "TALK " + kb + ": ENDED");
  CHECK(server->call_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "HANGUP in a 1:1 call: the other learns who left, then that it ended") {
  auto [ka, kb] = in_call(*this, 2);
  now += 60'000;
  server->tick(now);  // an accepted call does not time out
  CHECK(server->call_count() == 1);
  line(1, "TALK " + ka + ": HANGUP");
  CHECK(take(1) == Lines{"TALK " + ka + ": ENDED"});
  CHECK(take(2) == Lines{"TALK " + kb + " alice: LEFT", "TALK " + kb + ": ENDED"});
  CHECK(server->call_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "group call: a member invites a third, everyone learns the members") {
  auto [ka, kb] = in_call(*this, 3);
  line(2, "TALK " + kb + " carol: INVITE");
  std::string offer = only(3);
  std::string kc = offer_key(offer);
  CHECK(offer == "TALK bob " + kc + ": REQUEST");
  CHECK(only(1) == "TALK " + ka + " carol: INVITED");
  CHECK(only(2) == "TALK " + kb + " carol: INVITED");  // it rings
  line(3, "TALK " + kc + ": ACCEPT");
  CHECK(only(1) == "TALKMEMBERS " + ka + ": alice, bob, carol");
  CHECK(only(2) == "TALKMEMBERS " + kb + ": alice, bob, carol");
  CHECK(only(3) == "TALKMEMBERS " + kc + ": alice, bob, carol");
  // One leaves: the other two stay in the call and are told.
  line(1, "TALK " + ka + ": HANGUP");
  CHECK(only(1) == "TALK " + ka + ": ENDED");
  CHECK(take(2) == Lines{"TALK " + kb + " alice: LEFT", "TALKMEMBERS " + kb + ": bob, carol"});
  CHECK(take(3) == Lines{"TALK " + kc + " alice: LEFT", "TALKMEMBERS " + kc + ": bob, carol"});
  CHECK(server->call_count() == 1);
  // Inviting someone already in the call is refused.
  line(2, "TALK " + kb + " carol: INVITE");
  CHECK(only(2) == "ERROR NOTALLOWED: carol is already in this call");
}

TEST_CASE_FIXTURE(Fixture, "a call member who loses a device or mutes: the others are told, and whoever joins later") {
  auto [ka, kb] = in_call(*this, 4);
  line(1, "VOICESTATE: no-speakers");
  CHECK(take(1).empty());
  CHECK(only(2) == "VOICESTATE " + kb + " alice: no-speakers");  // with bob's own key
  line(1, "VOICESTATE: no-speakers");  // nothing new: nothing sent
  CHECK(take(2).empty());
  line(2, "TALK " + kb + " carol: INVITE");
  std::string kc = offer_key(only(3));
  clear_all();
  line(3, "TALK " + kc + ": ACCEPT");
  // carol learns the members, then what alice said of herself.
  CHECK(take(3) == Lines{"TALKMEMBERS " + kc + ": alice, bob, carol",
                         "VOICESTATE " + kc + " alice: no-speakers"});
  clear_all();
  line(1, "VOICESTATE: muted");  // the speakers are back; alice mutes
  CHECK(only(2) == "VOICESTATE " + kb + " alice: muted");
  CHECK(only(3) == "VOICESTATE " + kc + " alice: muted");
  CHECK(take(1).empty());
  // Not in a call or a room: refused, with a reason.
  line(4, "VOICESTATE: no-microphone");
  CHECK(only(4) == "ERROR NOTMEMBER: You are not in a voice room or a call");
}

TEST_CASE_FIXTURE(Fixture, "group call: a denied or unanswered invitation is reported to the members") {
  auto [ka, kb] = in_call(*this, 4);
  line(1, "TALK " + ka + " carol: INVITE");
  std::string kc = offer_key(only(3));
  line(1, "TALK " + ka + " dave: INVITE");
  std::string kd = offer_key(only(4));
  clear_all();
  line(3, "TALK " + kc + ": DENY");
  CHECK(only(1) == "TALK " + ka + " carol: DENIED");
  CHECK(only(2) == "TALK " + kb + " carol: DENIED");
  now += 30'000;
  server->tick(now);
  CHECK(only(4) == "TALK " + kd + ": TIMEOUT");
  CHECK(only(1) == "TALK " + ka + " dave: TIMEOUT");
  CHECK(server->call_count() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a user in a call who is called again can switch, the old call is told") {
  auto [ka, kb] = in_call(*this, 3);
  auto [kc, kb2] = ring(*this, 3, 2, "bob");  // carol calls bob, who is busy
  line(2, "TALK " + kb2 + ": ACCEPT");
  // bob left the call with alice, which ends; carol's call starts.
  CHECK(take(1) == Lines{"TALK " + ka + " bob: LEFT", "TALK " + ka + ": ENDED"});
  CHECK(take(3) == Lines{"TALK " + kc + ": ACCEPTED", "TALKMEMBERS " + kc + ": carol, bob"});
  CHECK(take(2) == Lines{"TALK " + kb + ": ENDED", "TALKMEMBERS " + kb2 + ": carol, bob"});
  CHECK(server->call_count() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a user in a call who is called again can refuse, the caller is answered") {
  auto [ka, kb] = in_call(*this, 3);
  auto [kc, kb2] = ring(*this, 3, 2, "bob");
  line(2, "TALK " + kb2 + ": DENY");
  CHECK(only(3) == "TALK " + kc + ": DENIED");
  CHECK(take(1).empty());  // the call with alice goes on
  CHECK(server->call_count() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a member who disconnects leaves every call at once") {
  login(1, "alice");
  login(2, "bob");
  login(3, "carol");
  clear_all();
  auto [ka, kb] = ring(*this);
  line(2, "TALK " + kb + ": ACCEPT");
  line(2, "TALK " + kb + " carol: INVITE");
  std::string kc = offer_key(only(3));
  line(3, "TALK " + kc + ": ACCEPT");
  clear_all();
  server->on_closed(2, now);  // bob's connection drops
  Lines alice = take(1), carol = take(3);
  CHECK(has(alice, "TALK " + ka + " bob: LEFT"));
  CHECK(has(alice, "TALKMEMBERS " + ka + ": alice, carol"));
  CHECK(has(carol, "TALK " + kc + " bob: LEFT"));
  line(3, "DISCONNECT");
  alice = take(1);
  CHECK(has(alice, "TALK " + ka + " carol: LEFT"));
  CHECK(alice.back() == "TALK " + ka + ": ENDED");
  CHECK(server->call_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "calling *echo opens a mic test with the server at once") {
  login(1, "alice");
  clear_all();
  line(1, "TALK *echo: REQUEST");
  auto got = take(1);
  REQUIRE(got.size() == 3);
  std::string key = offer_key(got[0]);
  CHECK(got[0] == "TALK *echo " + key + ": REQUEST");
  CHECK(got[1] == "TALK " + key + ": ACCEPTED");
  CHECK(got[2] == "TALKMEMBERS " + key + ": alice, *echo");
  line(1, "TALK " + key + " bob: INVITE");
  CHECK(only(1) == "ERROR NOSUCHUSER: No such user 'bob'");
  line(1, "TALK " + key + ": HANGUP");
  CHECK(only(1) == "TALK " + key + ": ENDED");
  CHECK(server->call_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "TALKSESSION binds a voice peer only with a valid key of a joined member") {
  login(1, "alice");
  login(2, "bob");
  login(3, "carol");
  clear_all();
  CHECK(server->on_voice_session(7, "TALKSESSION: 827742843590392") ==
        "SESSIONERROR: Invalid session key '827742843590392'");
  CHECK(server->on_voice_session(7, "HELLO") ==
        "SESSIONERROR: Expected 'TALKPROOF: <key id> <proof>' or 'TALKSESSION: <key>' on the "
        "voice connection");
  auto [ka, kb] = ring(*this);
  CHECK(server->on_voice_session(20, "TALKSESSION: " + kb) ==
        "SESSIONERROR: Session '" + kb + "' is not accepted yet");
  CHECK_FALSE(server->voice_route(20).has_value());
  line(2, "TALK " + kb + ": ACCEPT");
  CHECK(server->on_voice_session(10, "TALKSESSION: " + ka) == "SESSIONACCEPTED: " + ka);
  CHECK(server->on_voice_session(20, "TALKSESSION: " + kb) == "SESSIONACCEPTED: " + kb);
  auto route = server->voice_route(10);
  REQUIRE(route.has_value());
  CHECK(route->speaker == "alice");  // stamped by the server from the binding
  CHECK(std::vector<PeerId>(route->peers.begin(), route->peers.end()) == std::vector<PeerId>{10, 20});
  CHECK_FALSE(route->echo);
  CHECK(server->voice_route(20)->speaker == "bob");
  // A peer that never bound (carol, or anyone) has no route: its frames are dropped.
  CHECK_FALSE(server->voice_route(30).has_value());
  // After bob leaves, his peer is unbound and alice's frames go nowhere.
  line(2, "TALK " + kb + ": HANGUP");
  CHECK_FALSE(server->voice_route(20).has_value());
  CHECK_FALSE(server->voice_route(10).has_value());  // the call ended
}

TEST_CASE_FIXTURE(Fixture, "a voice peer that goes away is unbound, rebinding moves the binding") {
  login(1, "alice");
  login(2, "bob");
  clear_all();
  auto [ka, kb] = ring(*this);
  line(2, "TALK " + kb + ": ACCEPT");
  server->on_voice_session(10, "TALKSESSION: " + ka);
  server->on_voice_session(20, "TALKSESSION: " + kb);
  server->on_voice_peer_gone(20);
  CHECK(server->voice_route(10)->peers.size() == 1);
  server->on_voice_session(21, "TALKSESSION: " + kb);  // bob reconnects his voice
  CHECK(server->voice_route(21)->speaker == "bob");
  server->on_voice_session(22, "TALKSESSION: " + kb);  // and again, from another peer
  CHECK_FALSE(server->voice_route(21).has_value());
  CHECK(server->voice_route(10)->peers.size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "the echo call routes a member's frames back to the member") {
  login(1, "alice");
  clear_all();
  line(1, "TALK *echo: REQUEST");
  std::string key = offer_key(take(1).at(0));
  CHECK(server->on_voice_session(5, "TALKSESSION: " + key) == "SESSIONACCEPTED: " + key);
  auto route = server->voice_route(5);
  REQUIRE(route.has_value());
  CHECK(route->echo);
  CHECK(route->speaker == "*echo");
  CHECK(std::vector<PeerId>(route->peers.begin(), route->peers.end()) == std::vector<PeerId>{5});
}

// ---- sealed voice binding (core/voice_seal.hpp) ------------------------------

namespace {

std::string proof_for(const std::string& key, std::span<const std::uint8_t> challenge) {
  auto keys = derive_voice_keys(key);
  return "TALKPROOF: " + keys.id + " " + voice_proof(keys, challenge);
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a sealed member binds its voice with a proof, never with the bare key") {
  login(1, "alice");
  login(2, "bob");
  server->on_sealed(1);
  clear_all();
  auto [ka, kb] = ring(*this);
  line(2, "TALK " + kb + ": ACCEPT");
  std::vector<std::uint8_t> challenge(kVoiceChallengeBytes, 3), other(kVoiceChallengeBytes, 4);
  // The key as a sniffer of the seed's UDP binding would have it.
  CHECK(server->on_voice_session(10, "TALKSESSION: " + ka, {"10.0.0.9", challenge}) ==
        "SESSIONERROR: This member's voice is sealed: bind with TALKPROOF, never the bare key");
  CHECK_FALSE(server->voice_route(10).has_value());
  // A proof made for another peer's challenge does not hold here.
  CHECK(server->on_voice_session(10, proof_for(ka, other), {"10.0.0.9", challenge}) ==
        "SESSIONERROR: No session for this proof");
  CHECK(server->on_voice_session(10, proof_for(ka, challenge), {"10.0.0.1", challenge}) ==
        "SESSIONACCEPTED: " + derive_voice_keys(ka).id);
  REQUIRE(server->sealed_voice_keys(10) != nullptr);
  CHECK(server->sealed_voice_keys(10)->seal == derive_voice_keys(ka).seal);
  // bob's text is plain: the seed's binding still works for him, unsealed.
  CHECK(server->on_voice_session(20, "TALKSESSION: " + kb, {"10.0.0.2", other}) ==
        "SESSIONACCEPTED: " + kb);
  CHECK(server->sealed_voice_keys(20) == nullptr);
  CHECK(server->voice_route(10)->peers.size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "a binding from another address: the bare key is refused, a proof takes over and the member is told") {
  auto [ka, kb] = in_call(*this, 2);
  std::vector<std::uint8_t> challenge(kVoiceChallengeBytes, 5);
  REQUIRE(server->on_voice_session(10, "TALKSESSION: " + ka, {"10.0.0.1", challenge}) ==
          "SESSIONACCEPTED: " + ka);
  // Same address (a client that reconnected its voice): fine.
  CHECK(server->on_voice_session(11, "TALKSESSION: " + ka, {"10.0.0.1", challenge}) ==
        "SESSIONACCEPTED: " + ka);
  CHECK(server->on_voice_session(12, "TALKSESSION: " + ka, {"10.0.0.66", challenge}) ==
        "SESSIONERROR: Session '" + ka + "' is already bound from another address");
  CHECK(server->voice_route(11).has_value());
  CHECK_FALSE(server->voice_route(12).has_value());
  CHECK(take(1).empty());
  CHECK(server->on_voice_session(13, proof_for(ka, challenge), {"10.0.0.7", challenge}) ==
        "SESSIONACCEPTED: " + derive_voice_keys(ka).id);
  CHECK(only(1) ==
        "ERROR VOICEMOVED: Your voice in this call now comes from 10.0.0.7 (the connection that "
        "proved your key)");
  CHECK_FALSE(server->voice_route(11).has_value());
  CHECK(server->voice_route(13)->speaker == "alice");
}
