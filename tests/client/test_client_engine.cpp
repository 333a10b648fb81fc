// The client engine under both faces, against real servers on loopback:
// CONNECT on connect, reconnect and rejoin, typed lines understood like
// intents, auto-answer, hosting as operator, the voice bound to the call
// and carrying sound both ways, and the end of a connection reported once.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "audio/wav.hpp"
#include "client/client_engine.hpp"
#include "net/running_server.hpp"
#include "net/test_client.hpp"
#include "client/driven.hpp"

using namespace voixer;
using client::ClientEngine;
using client::ClientEvent;
using test::Driven;
using test::RunningServer;
using test::temp_path;
using test::TestClient;

namespace {

// Hosting on `port`, announced on the LAN as any hosting window is.
client::ClientEngine::HostChoices on_port(std::uint16_t port) {
  client::ClientEngine::HostChoices choices;
  choices.port = port;
  return choices;
}

// A 440 Hz tone, loud enough to open voice activation, for `seconds`.
std::string tone_file(const std::string& name, double seconds) {
  std::vector<std::int16_t> samples(static_cast<std::size_t>(48000 * seconds));
  for (std::size_t i = 0; i < samples.size(); ++i)
    samples[i] = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 440 * i / 48000.0));
  std::string path = temp_path(name);
  audio::write_wav_48k_mono(path, samples);
  return path;
}

}  // namespace

TEST_CASE("engine: connect sends CONNECT, the model is accepted into #lobby, the probe measures the round trip") {
  RunningServer s;
  Driven d;
  d.engine.connect("127.0.0.1", s.port(), "alice", "Alice Liddell");
  REQUIRE(d.until([&] { return d.saw_line("USERLIST #lobby: alice"); }));
  CHECK(d.connected());
  CHECK(d.saw_line("ACCEPT: loopback"));
  CHECK(d.engine.model().current_channel() == "#lobby");
  REQUIRE(d.until([&] { return d.engine.round_trip_ms() >= 0; }));
  // The probe's answer is the engine's own business: never shown.
  CHECK(std::none_of(d.events.begin(), d.events.end(), [](const ClientEvent& e) {
    return e.text.rfind("PONG: rtt-", 0) == 0;
  }));
}

TEST_CASE("engine: a line typed while connecting goes out after CONNECT, not before") {
  RunningServer s;
  Driven d;
  d.engine.connect("127.0.0.1", s.port(), "early");
  d.engine.send_typed("JOIN: #early");  // before the connection is even up
  REQUIRE(d.until([&] { return d.saw_line("USERLIST #early: early"); }));
  CHECK(std::none_of(d.events.begin(), d.events.end(), [](const ClientEvent& e) {
    return e.text.rfind("NOTACCEPTED", 0) == 0;
  }));
}

TEST_CASE("engine: a first connection that fails is reported once and not retried") {
  Driven d;
  d.engine.connect("127.0.0.1", test::free_port(), "alice");
  REQUIRE(d.until([&] { return d.count(ClientEvent::Kind::Disconnected) > 0; }));
  d.until([] { return false; }, 600);  // a retry would have happened by now
  CHECK(d.count(ClientEvent::Kind::Disconnected) == 1);
  auto& e = *std::find_if(d.events.begin(), d.events.end(),
                          [](const ClientEvent& e) { return e.kind == ClientEvent::Kind::Disconnected; });
  CHECK_FALSE(e.will_retry);
  CHECK(e.text.find("cannot connect to 127.0.0.1:") == 0);
  CHECK(d.engine.model().phase() == core::ConnectionPhase::Disconnected);
}

TEST_CASE("engine: after a drop it reconnects with backoff and rejoins its channels") {
  std::uint16_t port = test::free_port();
  auto options = RunningServer::test_options();
  options.port = port;
  auto server = std::make_unique<RunningServer>(RunningServer::test_config(), options);
  Driven d;
  d.engine.connect("127.0.0.1", port, "erin");
  REQUIRE(d.until([&] { return d.connected(); }));
  d.engine.send_typed("JOIN: #Games");  // typed, in another case than the server's
  REQUIRE(d.until([&] { return d.saw_line("USERLIST #Games: erin"); }));
  server.reset();
  REQUIRE(d.until([&] { return d.engine.model().phase() == core::ConnectionPhase::Reconnecting; }));
  auto drop = std::find_if(d.events.begin(), d.events.end(), [](const ClientEvent& e) {
    return e.kind == ClientEvent::Kind::Disconnected;
  });
  REQUIRE(drop != d.events.end());
  CHECK(drop->will_retry);
  CHECK(drop->retry_in_ms == 250);
  d.events.clear();
  server = std::make_unique<RunningServer>(RunningServer::test_config(), options);
  REQUIRE(d.until([&] { return d.saw_line("USERLIST #Games: erin"); }));
  CHECK(d.engine.model().joined_channels() == std::vector<std::string>{"#lobby", "#Games"});
  CHECK(d.engine.model().current_channel() == "#Games");
}

TEST_CASE("engine: disconnect ends with exactly one Disconnected, connected or not") {
  RunningServer s;
  SUBCASE("connected") {
    Driven d;
    d.engine.connect("127.0.0.1", s.port(), "alice");
    REQUIRE(d.until([&] { return d.connected(); }));
    TestClient bob(s.port());
    bob.login("bob");
    d.engine.disconnect();
    REQUIRE(d.until([&] { return d.count(ClientEvent::Kind::Disconnected) == 1; }));
    bob.until("USERLEAVE #lobby: alice");  // fails the test if it never comes
    d.until([] { return false; }, 400);
    CHECK(d.count(ClientEvent::Kind::Disconnected) == 1);
  }
  SUBCASE("never connected") {
    Driven d;
    d.engine.disconnect();
    REQUIRE(d.until([&] { return d.count(ClientEvent::Kind::Disconnected) == 1; }));
  }
}

TEST_CASE("engine: auto-answer accepts calls to me, not the offer of my own call") {
  RunningServer s;
  client::EngineOptions o = Driven::text_only();
  o.auto_answer = client::AutoAnswer::On;
  Driven d(o);
  d.engine.connect("127.0.0.1", s.port(), "alice");
  REQUIRE(d.until([&] { return d.connected(); }));
  TestClient bob(s.port());
  bob.login("bob");
  d.engine.send_typed("TALK bob: REQUEST");  // my own call: its offer must not be accepted
  CHECK(bob.next_line().value_or("").rfind("TALK alice ", 0) == 0);  // bob is rung
  REQUIRE(d.until([&] { return d.engine.model().call_state().phase == core::CallPhase::Calling; }));
  d.until([] { return false; }, 300);
  CHECK(d.engine.model().call_state().phase == core::CallPhase::Calling);  // still ringing bob
  bob.sync();
  d.engine.send(d.engine.model().hang_up());
  REQUIRE(d.until([&] { return d.engine.model().call_state().phase == core::CallPhase::None; }));
  bob.send("TALK alice: REQUEST");
  REQUIRE(d.until([&] { return d.engine.model().call_state().phase == core::CallPhase::InCall; }));
  CHECK(d.engine.model().in_my_call("bob"));
}

TEST_CASE("engine: the engine that hosts is the server's operator") {
  std::uint16_t port = test::free_port();
  Driven d;
  REQUIRE(d.engine.host(on_port(port)) == "");
  CHECK(d.engine.hosting());
  d.engine.connect("127.0.0.1", port, "host");
  REQUIRE(d.until([&] { return d.engine.model().is_operator(); }));
  Driven other;
  CHECK(other.engine.host(on_port(port)).find("in use") != std::string::npos);
  CHECK_FALSE(other.engine.hosting());
}

TEST_CASE("engine: kicked or banned, the engine says why and does not knock again") {
  std::uint16_t port = test::free_port();
  Driven host;
  REQUIRE(host.engine.host(on_port(port)) == "");
  host.engine.connect("127.0.0.1", port, "host");
  REQUIRE(host.until([&] { return host.engine.model().is_operator(); }));
  Driven guest;
  guest.engine.connect("127.0.0.1", port, "guest");
  REQUIRE(guest.until([&] { return guest.connected(); }));
  host.engine.send(host.engine.model().ban("guest", 60, "spam"));
  REQUIRE(guest.until([&] { return guest.count(ClientEvent::Kind::Disconnected) == 1; }));
  auto gone = std::find_if(guest.events.begin(), guest.events.end(), [](const ClientEvent& e) {
    return e.kind == ClientEvent::Kind::Disconnected;
  });
  CHECK(gone->text == "Banned by host for 60 more minutes: spam");
  CHECK_FALSE(gone->will_retry);
  guest.until([] { return false; }, 700);  // a retry would have come by now
  CHECK(guest.count(ClientEvent::Kind::Disconnected) == 1);
  CHECK(guest.engine.model().phase() == core::ConnectionPhase::Disconnected);
}

TEST_CASE("engine: in a call the sound is bound, and each side hears the other") {
  RunningServer s;
  auto with_wav = [](const std::string& in, const std::string& out) {
    client::EngineOptions o;
    o.audio = client::AudioLifetime::WholeSession;
    o.voice_options.wav_in = in;
    o.voice_options.wav_out = out;
    o.voice_options.settings.input_mode = audio::InputMode::AlwaysOn;
    return o;
  };
  std::string tone = tone_file("tone.wav", 4);
  Driven alice(with_wav(tone, ""));
  Driven bob(with_wav(tone, ""));
  REQUIRE(alice.engine.start_audio() == "");
  REQUIRE(bob.engine.start_audio() == "");
  alice.engine.connect("127.0.0.1", s.port(), "alice");
  bob.engine.connect("127.0.0.1", s.port(), "bob");
  REQUIRE(alice.until([&] { return alice.connected(); }));
  REQUIRE(bob.until([&] { return bob.connected(); }));
  alice.engine.send(alice.engine.model().call("bob"));
  REQUIRE(bob.until([&] { return bob.engine.model().incoming().has_value(); }));
  bob.engine.send(bob.engine.model().accept_call());
  REQUIRE(bob.until([&] { return bob.count(ClientEvent::Kind::VoiceReady) == 1; }));
  REQUIRE(alice.until([&] { return alice.count(ClientEvent::Kind::VoiceReady) == 1; }));
  // Frames flow both ways: each hears the other speaking.
  auto heard = [](Driven& d, const std::string& who) {
    auto engine = d.engine.voice().engine();
    if (!engine) return std::uint64_t{0};
    for (const auto& sp : engine->stats().speakers)
      if (sp.name == who) return sp.received;
    return std::uint64_t{0};
  };
  REQUIRE(bob.until([&] { return heard(bob, "alice") >= 25; }));
  REQUIRE(alice.until([&] { return heard(alice, "bob") >= 25; }));
  REQUIRE(bob.until([&] { return bob.count(ClientEvent::Kind::TalkingStarted) > 0; }));
  // Hung up: the sound stops going out.
  alice.engine.send(alice.engine.model().hang_up());
  REQUIRE(bob.until([&] { return bob.engine.model().call_state().phase == core::CallPhase::None; }));
  auto sent = [](Driven& d) { return d.engine.voice().engine()->stats().frames_sent; };
  REQUIRE(alice.until([&] { return alice.engine.model().call_state().phase == core::CallPhase::None; }));
  alice.until([] { return false; }, 100);  // a frame being encoded may still go out
  auto before = sent(alice);
  alice.until([] { return false; }, 300);
  CHECK(sent(alice) == before);
  std::filesystem::remove(tone);
}

TEST_CASE("engine: a mic test that cannot open the sound ends at once and says why; a call stays") {
  RunningServer s;
  client::EngineOptions o;  // the window's: sound opened for each call
  o.voice_options.wav_in = temp_path("no-such-microphone.wav");
  Driven alice(o), bob;
  alice.engine.connect("127.0.0.1", s.port(), "alice");
  bob.engine.connect("127.0.0.1", s.port(), "bob");
  REQUIRE(alice.until([&] { return alice.connected(); }));
  REQUIRE(bob.until([&] { return bob.connected(); }));
  auto problem = [&] {
    for (const auto& e : alice.events)
      if (e.kind == ClientEvent::Kind::VoiceProblem) return e.text;
    return std::string();
  };
  alice.engine.send(alice.engine.model().call(std::string(core::kEchoNickname)));
  REQUIRE(alice.until([&] { return !problem().empty(); }));
  CHECK(problem().rfind("the mic test needs a microphone and speakers: ", 0) == 0);
  CHECK(problem().find("no-such-microphone.wav") != std::string::npos);
  // Hung up: no silent call left open, on either end.
  auto server_ended_it = [&] {
    return std::any_of(alice.events.begin(), alice.events.end(), [](const ClientEvent& e) {
      return e.kind == ClientEvent::Kind::ServerLine && e.text.rfind("TALK ", 0) == 0 &&
             e.text.size() > 7 && e.text.compare(e.text.size() - 7, 7, ": ENDED") == 0;
    });
  };
  REQUIRE(alice.until([&] { return server_ended_it(); }));
  CHECK(alice.engine.model().call_state().phase == core::CallPhase::None);
  // A call to a person is not ended for it: the other side may still talk.
  alice.events.clear();
  alice.engine.send(alice.engine.model().call("bob"));
  REQUIRE(bob.until([&] { return bob.engine.model().incoming().has_value(); }));
  bob.engine.send(bob.engine.model().accept_call());
  REQUIRE(alice.until([&] { return problem().rfind("no audio: ", 0) == 0; }));
  alice.until([] { return false; }, 300);
  CHECK(alice.engine.model().call_state().phase == core::CallPhase::InCall);
}
