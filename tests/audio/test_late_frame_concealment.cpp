// A late frame's concealment handed out in pieces sounds like one whole
// concealment (Opus fades with every call), and the frame that comes after
// all fades in from it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "audio/late_frame_concealment.hpp"
#include "audio/opus_codec.hpp"
#include "support/analysis.hpp"

using namespace voixer::audio;

namespace {

constexpr int kFrame = 960;  // 20 ms
constexpr int kPiece = 120;  // 2.5 ms, a WAV device's period

// Two decoders that have heard the same second of voice, and the packet
// that comes next.
struct Twins {
  Decoder a, b;
  std::vector<std::uint8_t> next;
  Twins() {
    Encoder enc;
    const auto voice = synth_voice(1.2, 7);
    std::uint8_t buf[1275];
    std::vector<std::int16_t> out(kFrame);
    for (std::size_t at = 0; at + kFrame <= voice.size(); at += kFrame) {
      const std::size_t n = enc.encode(voice.data() + at, buf, sizeof buf);
      if (at + 2 * kFrame > voice.size()) {
        next.assign(buf, buf + n);
        break;
      }
      REQUIRE(a.decode(buf, n, out.data(), kFrame) == kFrame);
      REQUIRE(b.decode(buf, n, out.data(), kFrame) == kFrame);
    }
    REQUIRE(!next.empty());
  }
};

double rms(const std::vector<std::int16_t>& x) {
  double sum = 0;
  for (auto v : x) sum += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(x.size()));
}

}  // namespace

TEST_CASE("late frame: concealed in pieces, it is the same as one whole concealment") {
  Twins t;
  std::vector<std::int16_t> whole(kFrame), pieces;
  REQUIRE(t.a.conceal(whole.data(), kFrame) == kFrame);
  LateFrameConcealment late;
  std::int16_t piece[kPiece];
  for (int i = 0; i < 5; ++i) {
    REQUIRE(late.next_piece(t.b, kFrame, piece, kPiece) == kPiece);
    pieces.insert(pieces.end(), piece, piece + kPiece);
  }
  CHECK(late.handed_out() == 5 * kPiece);
  std::vector<std::int16_t> rest(kFrame);
  REQUIRE(late.rest(rest.data()) == kFrame - 5 * kPiece);
  pieces.insert(pieces.end(), rest.begin(), rest.begin() + (kFrame - 5 * kPiece));
  MESSAGE("concealment rms: whole " << rms(whole) << ", handed out in pieces " << rms(pieces));
  CHECK(rms(whole) > 300);  // there was voice to extend
  CHECK(pieces == whole);
}

TEST_CASE("late frame: the frame that comes after all fades in from its concealment") {
  Twins t;
  LateFrameConcealment late;
  std::int16_t piece[kPiece];
  for (int i = 0; i < 3; ++i) REQUIRE(late.next_piece(t.a, kFrame, piece, kPiece) == kPiece);
  std::vector<std::int16_t> concealed(kFrame);
  REQUIRE(t.b.conceal(concealed.data(), kFrame) == kFrame);  // what a.next_piece concealed

  std::vector<std::int16_t> frame(kFrame), faded(kFrame);
  REQUIRE(t.a.decode(t.next.data(), t.next.size(), frame.data(), kFrame) == kFrame);
  faded = frame;
  late.fade_into(faded.data(), kFrame);
  const int at = 3 * kPiece;  // where the concealment stopped
  CHECK(faded[0] == concealed[at]);  // it goes on from the last piece played
  CHECK(std::abs(faded[60] - (concealed[at + 60] + frame[60]) / 2) <= 1);
  for (int i = LateFrameConcealment::kFadeSamples; i < kFrame; ++i)
    REQUIRE(faded[static_cast<std::size_t>(i)] == frame[static_cast<std::size_t>(i)]);
}

TEST_CASE("late frame: a piece is cut at the end of the frame, and a wait starts afresh") {
  Twins t;
  LateFrameConcealment late;
  std::int16_t out[kFrame];
  CHECK(late.next_piece(t.a, kFrame, out, 700) == 700);
  CHECK(late.next_piece(t.a, kFrame, out, 700) == kFrame - 700);
  CHECK(late.next_piece(t.a, kFrame, out, 700) == 0);
  late.reset();
  CHECK(late.handed_out() == 0);
  CHECK(late.next_piece(t.a, kFrame, out, kPiece) == kPiece);  // the next frame's concealment
}
