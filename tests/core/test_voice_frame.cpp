// Voice frame bytes: parse, write, and the server's stamping step.
#include <doctest/doctest.h>

#include "core/voice_frame.hpp"

using namespace voixer::core;
using Bytes = std::vector<std::uint8_t>;

TEST_CASE("a client voice frame round-trips") {
  Bytes opus = {0xfc, 0x01, 0x02, 0x03};
  Bytes frame;
  write_client_voice(frame, 0xBEEF, opus);
  CHECK(frame == Bytes{0x01, 0xBE, 0xEF, 0xfc, 0x01, 0x02, 0x03});
  auto f = parse_client_voice(frame);
  REQUIRE(f.has_value());
  CHECK(f->seq == 0xBEEF);
  CHECK(Bytes(f->opus.begin(), f->opus.end()) == opus);
}

TEST_CASE("the server stamps the speaker and keeps seq and Opus bytes unchanged") {
  Bytes frame;
  write_client_voice(frame, 7, Bytes{9, 8, 7});
  std::vector<std::uint8_t> out(kMaxServerVoiceFrame);
  std::size_t n = stamp_voice(frame, "alice", out);
  out.resize(n);
  CHECK(out == Bytes{0x02, 5, 'a', 'l', 'i', 'c', 'e', 0, 7, 9, 8, 7});
  auto f = parse_server_voice(out);
  REQUIRE(f.has_value());
  CHECK(f->speaker == "alice");
  CHECK(f->seq == 7);
  CHECK(Bytes(f->opus.begin(), f->opus.end()) == Bytes{9, 8, 7});
}

TEST_CASE("a forged server frame sent by a client is not a client frame") {
  // A client cannot choose its speaker: a frame with the server's tag is
  // refused by the client parser and therefore never stamped or forwarded.
  Bytes forged = {0x02, 3, 'b', 'o', 'b', 0, 1, 0xfc};
  std::string why;
  CHECK_FALSE(parse_client_voice(forged, &why).has_value());
  CHECK(why == "not a client voice frame");
  std::vector<std::uint8_t> out(kMaxServerVoiceFrame);
  CHECK(stamp_voice(forged, "mallory", out) == 0);
}

TEST_CASE("malformed voice frames are refused with a reason") {
  std::string why;
  CHECK_FALSE(parse_client_voice(Bytes{}, &why));
  CHECK(why == "voice frame shorter than its header");
  CHECK_FALSE(parse_client_voice(Bytes{0x01, 0, 1}, &why));
  CHECK(why == "voice frame has no Opus packet");
  Bytes huge(3 + 1276, 0);
  huge[0] = 0x01;
  CHECK_FALSE(parse_client_voice(huge, &why));
  CHECK(why == "Opus packet longer than 1275 bytes");
  CHECK_FALSE(parse_server_voice(Bytes{0x02, 0, 0, 1, 5}, &why));
  CHECK(why == "bad speaker length");
  CHECK_FALSE(parse_server_voice(Bytes{0x02, 40}, &why));
  CHECK_FALSE(parse_server_voice(Bytes{0x02, 5, 'a', 'b'}, &why));
  CHECK(why == "voice frame shorter than its header");
}
