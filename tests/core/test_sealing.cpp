// Sealing, without sockets: the text handshake and its records, the voice
// frames and their replay window, the proof that binds a voice peer, the
// server's identity and the client's pins.
#include <doctest/doctest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "core/identity.hpp"
#include "core/known_servers.hpp"
#include "core/sealed_stream.hpp"
#include "core/voice_seal.hpp"

using namespace voixer::core;

namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A client and a server side after a complete handshake.
struct Sealed {
  Identity identity = Identity::generate();
  SealedServerSide server{identity};
  SealedClientSide client;

  Sealed() {
    std::string plain, to_client, to_server, error;
    REQUIRE(server.receive(bytes(client.hello()), plain, to_client, error));
    REQUIRE(client.receive(bytes(to_client), plain, error));
    REQUIRE(client.server_key() == identity.public_key);
    REQUIRE(client.accept(to_server, plain, error));
    to_client.clear();
    REQUIRE(server.receive(bytes(to_server), plain, to_client, error));
    REQUIRE(server.established());
    REQUIRE(to_client.empty());
  }
  std::string client_sends(const std::string& text) {
    std::string wire;
    client.seal(text, wire);
    return wire;
  }
};

}  // namespace

TEST_CASE("sealed stream: after the handshake lines travel both ways and never in clear") {
  Sealed s;
  std::string wire = s.client_sends("MSG #lobby: canary-1234\n");
  CHECK(wire.find("canary") == std::string::npos);
  std::string plain, to_client, error;
  REQUIRE(s.server.receive(bytes(wire), plain, to_client, error));
  CHECK(plain == "MSG #lobby: canary-1234\n");

  // Byte by byte: a record opens only once it is whole.
  std::string back;
  s.server.seal("MSG alice #lobby: canary-1234\n", back);
  std::string got;
  for (char c : back) REQUIRE(s.client.receive(bytes(std::string(1, c)), got, error));
  CHECK(got == "MSG alice #lobby: canary-1234\n");

  // A long batch becomes several records, and comes back whole.
  std::string big(3 * kMaxRecordPlain + 5, 'x');
  std::string many;
  s.server.seal(big, many);
  CHECK(many.size() == big.size() + 4 * kRecordOverhead);
  got.clear();
  REQUIRE(s.client.receive(bytes(many), got, error));
  CHECK(got == big);
}

TEST_CASE("sealed stream: a flipped byte, a replayed, reordered or cut record ends it") {
  SUBCASE("flipped byte") {
    Sealed s;
    std::string wire = s.client_sends("PING: 1\n");
    wire[wire.size() / 2] ^= 0x01;
    std::string plain, out, error;
    CHECK_FALSE(s.server.receive(bytes(wire), plain, out, error));
    CHECK(error.find("did not open") != std::string::npos);
    CHECK(plain.empty());
  }
  SUBCASE("replayed record") {
    Sealed s;
    std::string wire = s.client_sends("PING: 1\n");
    std::string plain, out, error;
    REQUIRE(s.server.receive(bytes(wire), plain, out, error));
    CHECK_FALSE(s.server.receive(bytes(wire), plain, out, error));
  }
  SUBCASE("reordered records") {
    Sealed s;
    std::string first = s.client_sends("PING: 1\n");
    std::string second = s.client_sends("PING: 2\n");
    std::string plain, out, error;
    CHECK_FALSE(s.server.receive(bytes(second + first), plain, out, error));
    CHECK(plain.empty());
  }
  SUBCASE("a record cut out of the middle") {
    Sealed s;
    std::string first = s.client_sends("PING: 1\n");
    s.client_sends("PING: 2\n");  // never arrives
    std::string third = s.client_sends("PING: 3\n");
    std::string plain, out, error;
    CHECK_FALSE(s.server.receive(bytes(first + third), plain, out, error));
    CHECK(plain == "PING: 1\n");  // what came before the cut was whole
  }
  SUBCASE("a record of impossible length") {
    Sealed s;
    std::string plain, out, error;
    CHECK_FALSE(s.server.receive(bytes(std::string("\xff\xff", 2)), plain, out, error));
    CHECK(error.find("impossible length") != std::string::npos);
  }
}

TEST_CASE("sealed stream: a hello that another key signed, or a plain server, is refused") {
  Identity real = Identity::generate();
  SealedServerSide server(real);
  SealedClientSide client;
  std::string plain, to_client, error;
  REQUIRE(server.receive(bytes(client.hello()), plain, to_client, error));
  SUBCASE("an impostor shows its own key with the real server's signature") {
    Identity impostor = Identity::generate();
    std::copy(impostor.public_key.begin(), impostor.public_key.end(), to_client.begin() + 4);
    CHECK_FALSE(client.receive(bytes(to_client), plain, error));
    CHECK(error.find("not signed") != std::string::npos);
    CHECK_FALSE(client.server_key().has_value());
  }
  SUBCASE("a plain server answers with a line") {
    CHECK_FALSE(client.receive(bytes("ERROR MALFORMED: what?\n"), plain, error));
    CHECK(error == "the server does not speak sealed voixer (it said: ERROR MALFORMED: what?)");
  }
  SUBCASE("the client has not accepted the identity yet: nothing is opened") {
    REQUIRE(client.receive(bytes(to_client), plain, error));
    std::string record;
    server.seal("ACCEPT: early\n", record);
    REQUIRE(client.receive(bytes(record), plain, error));
    CHECK(plain.empty());
    std::string header;
    REQUIRE(client.accept(header, plain, error));
    CHECK(plain == "ACCEPT: early\n");
  }
}

TEST_CASE("sealed stream: a plain first byte is not a hello") {
  Identity id = Identity::generate();
  SealedServerSide server(id);
  std::string plain, out, error;
  CHECK_FALSE(server.receive(bytes(std::string("CONNECT: \"x\" \"x\" 1.0.0 and more bytes....")),
                             plain, out, error));
  CHECK(out.empty());
}

TEST_CASE("voice seal: a frame opens only under its key and direction") {
  auto alice = derive_voice_keys("0123456789abcdef0123456789abcdef");
  auto other = derive_voice_keys("fedcba9876543210fedcba9876543210");
  CHECK(alice.id.size() == 16);
  CHECK(alice.id != other.id);
  CHECK(derive_voice_keys("0123456789abcdef0123456789abcdef").seal == alice.seal);
  std::vector<std::uint8_t> frame = {0x01, 0x00, 0x07, 0x08, 'o', 'p', 'u', 's'};
  std::vector<std::uint8_t> sealed(frame.size() + kVoiceSealOverhead), out(sealed.size());
  std::size_t n = seal_voice(alice, VoiceDirection::ToServer, 42, frame, sealed);
  REQUIRE(n == sealed.size());
  CHECK(sealed[0] == kSealedClientVoiceTag);
  auto opened = open_voice(alice, VoiceDirection::ToServer, sealed, out);
  REQUIRE(opened.has_value());
  CHECK(opened->counter == 42);
  CHECK(std::vector<std::uint8_t>(out.begin(), out.begin() + opened->length) == frame);
  CHECK_FALSE(open_voice(other, VoiceDirection::ToServer, sealed, out).has_value());
  CHECK_FALSE(open_voice(alice, VoiceDirection::ToClient, sealed, out).has_value());
  sealed[2] ^= 1;  // the counter is authenticated too
  CHECK_FALSE(open_voice(alice, VoiceDirection::ToServer, sealed, out).has_value());
}

TEST_CASE("voice seal: the replay window drops repeats and frames older than 64") {
  ReplayWindow w;
  auto take = [&](std::uint64_t c) {
    if (!w.fresh(c)) return false;
    w.mark(c);
    return true;
  };
  CHECK(take(10));
  CHECK_FALSE(take(10));
  CHECK(take(12));
  CHECK(take(11));  // late, but inside the window: the jitter buffer sorts it
  CHECK_FALSE(take(11));
  CHECK(take(100));
  CHECK_FALSE(take(36));  // 64 behind the newest
  CHECK(take(37));
  CHECK_FALSE(take(12));
  CHECK(take(1000));
  CHECK_FALSE(take(100));
}

TEST_CASE("voice proof: holds for the challenge it answers, under the key it names") {
  auto keys = derive_voice_keys("0123456789abcdef0123456789abcdef");
  std::vector<std::uint8_t> challenge(kVoiceChallengeBytes, 7), other(kVoiceChallengeBytes, 8);
  std::string proof = voice_proof(keys, challenge);
  CHECK(proof.size() == 64);
  CHECK(check_voice_proof(keys, challenge, proof));
  CHECK_FALSE(check_voice_proof(keys, other, proof));
  CHECK_FALSE(check_voice_proof(derive_voice_keys("another key"), challenge, proof));
  CHECK_FALSE(check_voice_proof(keys, challenge, proof.substr(2)));
  CHECK_FALSE(check_voice_proof(keys, challenge, std::string(64, 'z')));
}

TEST_CASE("identity: kept as text and read back, damage refused, shown as five words") {
  Identity id = Identity::generate();
  std::string text = id.to_text();
  CHECK(text.size() == 128);
  auto back = Identity::from_text(text + "\n");
  REQUIRE(back.has_value());
  CHECK(back->public_key == id.public_key);
  std::string error;
  CHECK_FALSE(Identity::from_text("hello", &error).has_value());
  CHECK(error == "not an identity (expected 128 hex digits)");
  std::string damaged = text;
  damaged[127] = damaged[127] == '0' ? '1' : '0';  // in the public half
  CHECK_FALSE(Identity::from_text(damaged, &error).has_value());
  CHECK(error.find("damaged") != std::string::npos);
  std::string words = fingerprint_words(id.public_key);
  CHECK(std::count(words.begin(), words.end(), '-') == 4);
  CHECK(words == fingerprint_words(back->public_key));
  CHECK(words != fingerprint_words(Identity::generate().public_key));
}

TEST_CASE("known servers: pinned by address, case-insensitive, garbage warned and skipped") {
  PublicKey a = Identity::generate().public_key, b = Identity::generate().public_key;
  KnownServers known;
  known.pin("LanBox:8649", a);
  known.pin("10.0.0.2:8649", b);
  CHECK(known.lookup("lanbox:8649") == a);
  CHECK_FALSE(known.lookup("lanbox:8650").has_value());
  std::vector<std::string> warnings;
  auto back = KnownServers::parse(known.format() + "nonsense\nhost:1 123\n", &warnings);
  CHECK(back.size() == 2);
  CHECK(back.lookup("10.0.0.2:8649") == b);
  CHECK(warnings.size() == 2);
  CHECK(warnings[0].find("line 4") != std::string::npos);
}
