// Sealed connections on a real server over loopback: a client of the test's
// own does the handshake with core's sealing and then misbehaves on purpose
// (flips a byte, replays a record); plain seed clients beside it; sealed
// voice frames replayed; voice peers from another address with what a
// sniffer could have seen.
#include <doctest/doctest.h>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/sealed_stream.hpp"
#include "core/voice_frame.hpp"
#include "core/voice_seal.hpp"
#include "net/call_setup.hpp"
#include "net/raw_voice.hpp"
#include "net/running_server.hpp"
#include "net/test_client.hpp"

using namespace voixer;
using test::RawVoice;
using test::RunningServer;
using test::TestClient;
using Clock = std::chrono::steady_clock;

namespace {

// A sealed client on a raw socket: the handshake, then lines in records.
class SealedClient {
 public:
  explicit SealedClient(std::uint16_t port) : m_socket(port) {
    m_socket.send_raw(m_side.hello());
    std::string plain, error;
    while (!m_side.server_key()) {
      REQUIRE(read_some());
      REQUIRE(m_side.receive(as_bytes(m_raw), plain, error));
      m_raw.clear();
    }
    std::string header;
    REQUIRE(m_side.accept(header, m_plain, error));
    m_socket.send_raw(header);
  }
  core::PublicKey server_key() const { return *m_side.server_key(); }
  // One line as a sealed record, not sent: the test decides what goes out.
  std::string seal(const std::string& line) {
    std::string wire;
    m_side.seal(line + "\n", wire);
    return wire;
  }
  // One line, sealed and sent; the record's bytes are returned.
  std::string send(const std::string& line) {
    std::string wire = seal(line);
    m_socket.send_raw(wire);
    return wire;
  }
  void send_raw(const std::string& bytes) { m_socket.send_raw(bytes); }
  // The next line, or nullopt when the server closed or nothing came.
  std::optional<std::string> next_line(int timeout_ms = 5000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (auto nl = m_plain.find('\n'); nl != std::string::npos) {
        std::string line = m_plain.substr(0, nl);
        m_plain.erase(0, nl + 1);
        return line;
      }
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - Clock::now()).count());
      if (left <= 0 || !read_some(left)) return std::nullopt;
      std::string error;
      if (!m_side.receive(as_bytes(m_raw), m_plain, error)) return std::nullopt;
      m_raw.clear();
    }
  }
  std::string until(const std::string& prefix) {
    while (auto l = next_line())
      if (l->rfind(prefix, 0) == 0) return *l;
    FAIL("never got a line starting with " << prefix);
    return {};
  }
  void login(const std::string& nick) {
    send("CONNECT: \"" + nick + "\" \"" + nick + "\" 1.0.0");
    REQUIRE(next_line() == "ACCEPT: loopback");
    until("USERLIST #lobby");
  }
  // True when the server closes the connection within the time.
  bool closed_within(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - Clock::now()).count());
      pollfd p{m_socket.fd(), POLLIN, 0};
      if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char buf[4096];
      if (::read(m_socket.fd(), buf, sizeof buf) <= 0) return true;
    }
    return false;
  }

 private:
  static std::span<const std::uint8_t> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
  }
  bool read_some(int timeout_ms = 5000) {
    pollfd p{m_socket.fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[16384];
    ssize_t n = ::read(m_socket.fd(), buf, sizeof buf);
    if (n <= 0) return false;
    m_raw.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  TestClient m_socket;
  core::SealedClientSide m_side;
  std::string m_raw, m_plain;
};

std::vector<std::uint8_t> frame_20ms(std::uint16_t seq) {
  std::vector<std::uint8_t> opus = {0x08, 1, 2, 3, 4, 5, 6, 7};  // TOC: SILK, 20 ms, 1 frame
  std::vector<std::uint8_t> out;
  core::write_client_voice(out, seq, opus);
  return out;
}

std::vector<std::uint8_t> sealed_frame(const std::string& key, std::uint32_t counter,
                                       std::uint16_t seq) {
  auto plain = frame_20ms(seq);
  std::vector<std::uint8_t> out(plain.size() + core::kVoiceSealOverhead);
  out.resize(core::seal_voice(core::derive_voice_keys(key), core::VoiceDirection::ToServer,
                              counter, plain, out));
  return out;
}

}  // namespace

TEST_CASE("sealed: the server proves its identity and a sealed client chats with plain ones") {
  RunningServer s;
  SealedClient alice(s.port());
  CHECK(alice.server_key() == RunningServer::identity()->public_key);
  alice.login("alice");
  TestClient bob(s.port());
  bob.login("bob");
  alice.until("USERJOIN #lobby: bob");
  alice.send("MSG #lobby: sealed hello");
  bob.until("MSG alice #lobby: sealed hello");
  bob.send("MSG #lobby: plain hello");
  CHECK(alice.until("MSG bob") == "MSG bob #lobby: plain hello");
}

TEST_CASE("sealed: one flipped byte ends that connection and nobody else's") {
  RunningServer s;
  SealedClient alice(s.port());
  alice.login("alice");
  SealedClient carol(s.port());
  carol.login("carol");
  TestClient bob(s.port());
  bob.login("bob");
  alice.send("MSG #lobby: first");
  bob.until("MSG alice #lobby: first");
  std::string record = alice.seal("MSG #lobby: changed on the way");
  record[record.size() - 20] ^= 0x01;  // one bit, in the sealed text
  alice.send_raw(record);
  CHECK(alice.closed_within(3000));
  // Nothing of it was shown: the next line bob sees is alice leaving.
  auto lines = bob.until("USERLEAVE #lobby: alice");
  for (const auto& l : lines) CHECK(l.find("changed") == std::string::npos);
  carol.send("MSG #lobby: still here");
  bob.until("MSG carol #lobby: still here");
}

TEST_CASE("sealed: a replayed record ends the connection, the line is not seen twice") {
  RunningServer s;
  SealedClient alice(s.port());
  alice.login("alice");
  TestClient bob(s.port());
  bob.login("bob");
  std::string record = alice.send("MSG #lobby: once");
  bob.until("MSG alice #lobby: once");
  alice.send_raw(record);
  CHECK(alice.closed_within(3000));
  auto lines = bob.until("USERLEAVE #lobby: alice");
  for (const auto& l : lines) CHECK(l.find("once") == std::string::npos);
}

TEST_CASE("sealed: a plain client works, unless the server requires encryption") {
  SUBCASE("allowed") {
    RunningServer s;
    TestClient nc(s.port());
    nc.login("nc");
  }
  SUBCASE("required") {
    auto options = RunningServer::test_options();
    options.require_encryption = true;
    RunningServer s(RunningServer::test_config(), options);
    TestClient nc(s.port());
    nc.send("CONNECT: \"nc\" \"nc\" 1.0.0");
    std::vector<std::string> seen;
    CHECK(nc.closed_within(3000, &seen));
    CHECK(seen == std::vector<std::string>{
                      "ERROR ENCRYPTIONREQUIRED: This server accepts only sealed connections: "
                      "use voixer 0.2 or newer"});
    SealedClient alice(s.port());
    alice.login("alice");
  }
}

TEST_CASE("sealed voice: replayed frames and frames under another key are dropped") {
  RunningServer s;
  SealedClient alice(s.port());
  alice.login("alice");
  SealedClient bob(s.port());
  bob.login("bob");
  alice.send("TALK bob: REQUEST");
  std::string ka = test::offer_key(alice.until("TALK bob"));
  std::string kb = test::offer_key(bob.until("TALK alice"));
  bob.send("TALK " + kb + ": ACCEPT");
  alice.until("TALKMEMBERS");
  RawVoice voice("127.0.0.1", 2);
  ENetPeer* pa = voice.connect(s.port());
  ENetPeer* pb = voice.connect(s.port());
  CHECK(voice.bind_proof(pa, ka) == "SESSIONACCEPTED: " + core::derive_voice_keys(ka).id);
  CHECK(voice.bind_proof(pb, kb) == "SESSIONACCEPTED: " + core::derive_voice_keys(kb).id);
  auto first = sealed_frame(ka, 1, 1);
  voice.send(pa, net::kVoiceChannel, first, ENET_PACKET_FLAG_UNSEQUENCED);
  voice.send(pa, net::kVoiceChannel, first, ENET_PACKET_FLAG_UNSEQUENCED);  // replayed
  voice.send(pa, net::kVoiceChannel, sealed_frame(kb, 2, 2), ENET_PACKET_FLAG_UNSEQUENCED);  // bob's key
  voice.send(pa, net::kVoiceChannel, frame_20ms(3), ENET_PACKET_FLAG_UNSEQUENCED);  // plain
  voice.send(pa, net::kVoiceChannel, sealed_frame(ka, 4, 4), ENET_PACKET_FLAG_UNSEQUENCED);
  REQUIRE(voice.service_until([&] {
    auto st = test::voice_stats(s);
    return st.frames_received == 5;
  }));
  auto st = test::voice_stats(s);
  CHECK(st.frames_forwarded == 2);
  CHECK(st.dropped_replayed == 1);
  CHECK(st.dropped_unopened == 2);
  // bob's peer got the two, sealed under bob's key, in counter order.
  REQUIRE(voice.service_until([&] { return voice.received.size() == 2; }));
  auto keys_b = core::derive_voice_keys(kb);
  std::vector<std::uint16_t> seqs;
  for (const auto& f : voice.received) {
    std::vector<std::uint8_t> out(f.size());
    auto opened = core::open_voice(keys_b, core::VoiceDirection::ToClient, f, out);
    REQUIRE(opened.has_value());
    auto frame = core::parse_server_voice({out.data(), opened->length});
    REQUIRE(frame.has_value());
    CHECK(frame->speaker == "alice");
    seqs.push_back(frame->seq);
  }
  CHECK(seqs == std::vector<std::uint16_t>{1, 4});
}

TEST_CASE("sealed voice: a peer from another address with what crossed the network cannot bind") {
  RunningServer s;
  SealedClient alice(s.port());
  alice.login("alice");
  TestClient bob(s.port());  // a plain (seed) client: its key crosses in clear
  bob.login("bob");
  alice.send("TALK bob: REQUEST");
  std::string ka = test::offer_key(alice.until("TALK bob"));
  std::string offer;
  while (offer.rfind("TALK alice", 0) != 0) offer = bob.next_line().value_or("TALK alice ?");
  std::string kb = test::offer_key(offer);
  bob.send("TALK " + kb + ": ACCEPT");
  alice.until("TALKMEMBERS");

  RawVoice members("127.0.0.1", 2);
  ENetPeer* pa = members.connect(s.port());
  ENetPeer* pb = members.connect(s.port());
  std::string proof = members.proof_line(pa, ka);
  REQUIRE(members.ask(pa, proof) == "SESSIONACCEPTED: " + core::derive_voice_keys(ka).id);
  REQUIRE(members.bind(pb, kb) == "SESSIONACCEPTED: " + kb);

  RawVoice sniffer("127.0.0.2", 1);
  ENetPeer* p = sniffer.connect(s.port());
  // alice's bare key (as the seed's TALKSESSION would have shown it).
  CHECK(sniffer.bind(p, ka) ==
        "SESSIONERROR: This member's voice is sealed: bind with TALKPROOF, never the bare key");
  // alice's proof, replayed: it answered another challenge.
  CHECK(sniffer.ask(p, proof) == "SESSIONERROR: No session for this proof");
  // bob's bare key, seen in clear: bob's voice lives at another address.
  CHECK(sniffer.bind(p, kb) == "SESSIONERROR: Session '" + kb + "' is already bound from another address");
  // The members' voice still flows between them.
  members.send(pb, net::kVoiceChannel, frame_20ms(7), ENET_PACKET_FLAG_UNSEQUENCED);
  CHECK(members.service_until([&] { return members.received.size() == 1; }));
  CHECK(sniffer.received.empty());
}
