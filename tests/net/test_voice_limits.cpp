// The voice port against strangers and floods, over real ENet on loopback,
// with raw ENet hosts on their own 127.0.0.x addresses (another machine on
// the LAN): peers that never bind, many peers from one address, oversized
// packets, and a member sending far more voice than one voice.
#include <doctest/doctest.h>

#include <enet/enet.h>

#include <arpa/inet.h>

#include <chrono>
#include <thread>

#include "core/voice_frame.hpp"
#include "net/raw_voice.hpp"
#include "net/call_setup.hpp"
#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using test::RunningServer;
using test::TestClient;
using test::call;
using test::offer_key;
using Clock = std::chrono::steady_clock;
using test::RawVoice;

namespace {

// A client voice frame carrying 20 ms of (fake) SILK audio.
std::vector<std::uint8_t> frame_20ms(std::uint16_t seq) {
  std::vector<std::uint8_t> opus = {0x08, 1, 2, 3, 4, 5, 6, 7};  // TOC: SILK, 20 ms, 1 frame
  std::vector<std::uint8_t> out;
  core::write_client_voice(out, seq, opus);
  return out;
}

}  // namespace

TEST_CASE("voice limits: a peer that never binds is dropped after the bind timeout") {
  auto options = RunningServer::test_options();
  options.voice_limits.bind_timeout_ms = 300;
  RunningServer s(RunningServer::test_config(), options);
  RawVoice stranger("127.0.0.40", 1);
  stranger.connect(s.port());
  REQUIRE(stranger.service_until([&] { return stranger.connected == 1; }));
  auto connected = Clock::now();
  REQUIRE(stranger.service_until([&] { return stranger.disconnected == 1; }, 3000));
  auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - connected);
  CHECK(held.count() >= 250);
  CHECK(test::voice_stats(s).peers_unbound_dropped == 1);
}

TEST_CASE("voice limits: one address holds at most 4 peers, another address still gets in") {
  RunningServer s;
  RawVoice crowd("127.0.0.41", 8);
  for (int i = 0; i < 8; ++i) crowd.connect(s.port());
  REQUIRE(crowd.service_until([&] { return crowd.connected == 8 && crowd.disconnected == 4; }));
  crowd.service_until([] { return false; }, 200);
  CHECK(crowd.disconnected == 4);  // the other four stay (until their bind timeout)
  CHECK(test::voice_stats(s).peers_refused == 4);
  RawVoice other("127.0.0.42", 1);
  other.connect(s.port());
  REQUIRE(other.service_until([&] { return other.connected == 1; }));
  other.service_until([] { return false; }, 200);
  CHECK(other.disconnected == 0);
}

TEST_CASE("voice limits: a packet far larger than a voice frame is refused by ENet itself") {
  RunningServer s;
  TestClient alice(s.port()), bob(s.port());
  alice.login("alice");
  bob.login("bob");
  alice.sync();
  bob.sync();
  auto [ka, kb] = call(alice, bob);
  RawVoice a("127.0.0.43", 1);
  ENetPeer* pa = a.connect(s.port());
  REQUIRE(a.service_until([&] { return a.connected == 1; }));
  REQUIRE(a.bind(pa, ka) == "SESSIONACCEPTED: " + ka);
  std::vector<std::uint8_t> big(64 * 1024, 0x01);  // reassembled by ENet if it were allowed
  a.send(pa, net::kVoiceChannel, big, ENET_PACKET_FLAG_RELIABLE);
  a.send(pa, net::kVoiceChannel, frame_20ms(1), ENET_PACKET_FLAG_UNSEQUENCED);
  REQUIRE(a.service_until([&] { return test::voice_stats(s).frames_received >= 1; }));
  a.service_until([] { return false; }, 300);
  auto st = test::voice_stats(s);
  CHECK(st.frames_received == 1);  // the voice frame only
  CHECK(st.dropped_malformed == 0);
}

TEST_CASE("voice limits: a member flooding frames is cut to about one voice, a talker is not") {
  RunningServer s;
  TestClient alice(s.port()), bob(s.port());
  alice.login("alice");
  bob.login("bob");
  alice.sync();
  bob.sync();
  auto [ka, kb] = call(alice, bob);
  RawVoice a("127.0.0.44", 1), b("127.0.0.45", 1);
  ENetPeer* pa = a.connect(s.port());
  ENetPeer* pb = b.connect(s.port());
  REQUIRE(a.service_until([&] { return a.connected == 1; }));
  REQUIRE(b.service_until([&] { return b.connected == 1; }));
  REQUIRE(a.bind(pa, ka) == "SESSIONACCEPTED: " + ka);
  REQUIRE(b.bind(pb, kb) == "SESSIONACCEPTED: " + kb);
  // A talker: 50 frames of 20 ms, paced as a microphone would.
  for (std::uint16_t seq = 0; seq < 50; ++seq) {
    a.send(pa, net::kVoiceChannel, frame_20ms(seq), ENET_PACKET_FLAG_UNSEQUENCED);
    a.service_until([] { return false; }, 20);
  }
  REQUIRE(test::voice_stats(s).frames_received >= 45);  // loopback UDP may still lose one
  CHECK(test::voice_stats(s).dropped_rate == 0);
  // A flood: 1,000 frames as fast as they go (20 s of audio in well under 1 s).
  auto before = test::voice_stats(s);
  auto start = Clock::now();
  for (std::uint16_t seq = 100; seq < 1100; ++seq)
    a.send(pa, net::kVoiceChannel, frame_20ms(seq), ENET_PACKET_FLAG_UNSEQUENCED);
  auto sent_in = std::chrono::duration<double>(Clock::now() - start).count();
  a.service_until([&] { return test::voice_stats(s).frames_received >= before.frames_received + 1000; }, 1000);
  auto after = test::voice_stats(s);
  auto received = after.frames_received - before.frames_received;
  auto forwarded = after.frames_forwarded - before.frames_forwarded;
  // At most the 0.2 s burst plus 1.25 x real time of 20 ms frames passes.
  double allowed = 10 + 1.25 * (sent_in + 0.1) / 0.020 + 5;
  MESSAGE("flood: " << received << " frames received in " << sent_in << " s, " << forwarded
                    << " forwarded, " << after.dropped_rate << " dropped");
  CHECK(received >= 500);  // a burst this fast overflows even a loopback socket buffer
  CHECK(forwarded <= allowed);
  CHECK(after.dropped_rate >= received - forwarded);
}
