// Opus wrappers: settings are applied, voice and tones survive a round trip,
// in-band FEC recovers a lost frame measurably better than concealment, and
// corrupt packets give -1 instead of a crash.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/analysis.hpp"
#include "audio/opus_codec.hpp"
#include "audio/wav.hpp"

using namespace voixer::audio;

namespace {

constexpr std::size_t kMaxPacket = 1275;

using Packet = std::vector<std::uint8_t>;

std::vector<Packet> encode_all(Encoder& enc, const std::vector<std::int16_t>& pcm) {
  const auto frame = static_cast<std::size_t>(enc.frame_samples());
  std::vector<Packet> packets;
  std::uint8_t buf[kMaxPacket];
  for (std::size_t at = 0; at + frame <= pcm.size(); at += frame) {
    const std::size_t n = enc.encode(pcm.data() + at, buf, sizeof buf);
    packets.emplace_back(buf, buf + n);
  }
  return packets;
}

std::vector<std::int16_t> decode_all(const std::vector<Packet>& packets, int frame) {
  Decoder dec;
  std::vector<std::int16_t> out(packets.size() * static_cast<std::size_t>(frame));
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const int n = dec.decode(packets[i].data(), packets[i].size(), out.data() + i * frame, frame);
    REQUIRE(n == frame);
  }
  return out;
}

double zero_crossing_hz(std::span<const std::int16_t> x) {
  std::size_t first = 0, last = 0, count = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (x[i - 1] < 0 && x[i] >= 0) {
      if (count == 0) first = i;
      last = i;
      ++count;
    }
  }
  return count < 2 ? 0.0 : static_cast<double>(count - 1) * 48000.0 / static_cast<double>(last - first);
}

struct LossResult {
  double fec_snr_db;
  double plc_snr_db;
  std::size_t lost;
};

// Encodes `speech`, loses ~10% of the packets (isolated losses, fixed seed),
// and compares, over the lost frames only, FEC recovery and plain
// concealment against the loss-free decode.
LossResult fec_versus_plc(const std::vector<std::int16_t>& speech) {
  Encoder enc;  // defaults: 20 ms, 24 kb/s, FEC for 10% loss
  const auto packets = encode_all(enc, speech);
  const int frame = enc.frame_samples();
  const auto clean = decode_all(packets, frame);

  std::mt19937 rng(2024);
  std::vector<bool> lost(packets.size(), false);
  for (std::size_t i = 5; i + 1 < packets.size(); ++i)
    lost[i] = !lost[i - 1] && rng() % 10 == 0;

  Decoder fec_dec, plc_dec;
  std::vector<std::int16_t> want, fec, plc;
  std::vector<std::int16_t> a(static_cast<std::size_t>(frame)), b(a.size());
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (lost[i]) {
      const Packet& next = packets[i + 1];  // isolated loss: the next one arrived
      REQUIRE(fec_dec.decode_fec(next.data(), next.size(), a.data(), frame) == frame);
      REQUIRE(plc_dec.conceal(b.data(), frame) == frame);
      const auto at = clean.begin() + static_cast<long>(i) * frame;
      want.insert(want.end(), at, at + frame);
      fec.insert(fec.end(), a.begin(), a.end());
      plc.insert(plc.end(), b.begin(), b.end());
    } else {
      REQUIRE(fec_dec.decode(packets[i].data(), packets[i].size(), a.data(), frame) == frame);
      REQUIRE(plc_dec.decode(packets[i].data(), packets[i].size(), b.data(), frame) == frame);
    }
  }
  return {snr_db(want, fec, 0), snr_db(want, plc, 0),
          static_cast<std::size_t>(std::count(lost.begin(), lost.end(), true))};
}

}  // namespace

TEST_CASE("Encoder frame size follows frame_ms, lookahead is the VOIP delay") {
  CHECK(Encoder().frame_samples() == 960);
  CHECK(Encoder({.frame_ms = 10}).frame_samples() == 480);
  CHECK(Encoder({.frame_ms = 60}).frame_samples() == 2880);
  const int lookahead = Encoder().lookahead_samples();
  CHECK(lookahead > 0);
  CHECK(lookahead < 480);
}

TEST_CASE("the low-delay mode hears a voice 4 ms sooner, and only the music coder carries it") {
  std::vector<std::int16_t> voice(9600, 0);
  const auto talk = synth_voice(3.0, 3);
  voice.insert(voice.end(), talk.begin(), talk.end());
  Encoder voip({.frame_ms = 10});
  Encoder low({.frame_ms = 10, .low_delay = true});
  const auto voip_packets = encode_all(voip, voice);
  const auto low_packets = encode_all(low, voice);
  const auto low_decoded = decode_all(low_packets, low.frame_samples());
  const Alignment v = align(voice, decode_all(voip_packets, voip.frame_samples()), 4800);
  const Alignment l = align(voice, low_decoded, 4800);
  MESSAGE("delay: VOIP " << v.delay_samples << ", low delay " << l.delay_samples << " samples");
  // Measured on the decoded waveform, not taken from the encoder's word.
  CHECK(l.delay_samples <= 130);                     // 2.5 ms
  CHECK(v.delay_samples - l.delay_samples >= 170);   // about 4 ms less
  CHECK(l.correlation > 0.8);
  CHECK(envelope_similarity(voice, low_decoded, l.delay_samples) > 0.95);
  // The TOC byte names the coder: configurations 16-31 are CELT only, and
  // CELT carries no in-band FEC.
  int not_celt = 0;
  for (const auto& p : low_packets) not_celt += (p[0] >> 3) < 16;
  CHECK(not_celt == 0);
  int silk = 0;
  for (const auto& p : voip_packets) silk += (p[0] >> 3) < 16;
  CHECK(silk > 0);
}

TEST_CASE("Encoder rejects settings Opus cannot do") {
  CHECK_THROWS_AS(Encoder({.frame_ms = 15}), std::invalid_argument);
  CHECK_THROWS_AS(Encoder({.frame_ms = 0}), std::invalid_argument);
  CHECK_THROWS_AS(Encoder({.complexity = 11}), std::runtime_error);
  CHECK_THROWS_AS(Encoder({.bitrate = 0}), std::runtime_error);
  Encoder enc;
  CHECK_THROWS_WITH_AS(enc.set_bitrate(-5), "OPUS_SET_BITRATE: invalid argument",
                       std::runtime_error);
  enc.set_expected_loss(250);  // libopus refuses over 100: clamped, not an error
  CHECK(enc.expected_loss() == 100);
  enc.set_expected_loss(-3);
  CHECK(enc.expected_loss() == 0);
  enc.set_expected_loss(12);
  CHECK(enc.expected_loss() == 12);
  // The settings' value takes the same way in.
  CHECK(Encoder().expected_loss() == 10);
  CHECK(Encoder({.expected_loss_percent = 250}).expected_loss() == 100);
}

TEST_CASE("encode throws when the output buffer cannot hold a packet") {
  Encoder enc;
  std::vector<std::int16_t> pcm(960, 0);
  std::uint8_t out[8];
  CHECK_THROWS_AS(enc.encode(pcm.data(), out, 0), std::runtime_error);
}

TEST_CASE("a voice survives encode and decode: contour kept, delay = lookahead") {
  // Leading silence: the encoder's first few frames fade in, which would
  // show as a 5 ms "dropout" if the voice started right away.
  std::vector<std::int16_t> voice(9600, 0);
  const auto talk = synth_voice(4.0, 3);
  voice.insert(voice.end(), talk.begin(), talk.end());
  for (const int frame_ms : {10, 20}) {
    CAPTURE(frame_ms);
    Encoder enc({.frame_ms = frame_ms});
    const auto decoded = decode_all(encode_all(enc, voice), enc.frame_samples());
    const Alignment a = align(voice, decoded, 4800);
    // The waveform lines up best a few samples short of the nominal lookahead (308-309 of 312).
    CHECK(std::abs(a.delay_samples - enc.lookahead_samples()) <= 8);
    CHECK(a.correlation > 0.8);
    CHECK(envelope_similarity(voice, decoded, a.delay_samples) > 0.97);
    CHECK(snr_db(voice, decoded, a.delay_samples) > 5.0);
    CHECK(max_dropout_ms(voice, decoded, a.delay_samples) == 0.0);
  }
}

TEST_CASE("a 1 kHz tone comes out at 1 kHz and about the same level") {
  std::vector<std::int16_t> tone(48000);
  for (std::size_t i = 0; i < tone.size(); ++i)
    tone[i] = static_cast<std::int16_t>(8000.0 * std::sin(2.0 * 3.14159265358979 * 1000.0 * i / 48000.0));
  Encoder enc;
  const auto decoded = decode_all(encode_all(enc, tone), enc.frame_samples());
  const std::span<const std::int16_t> middle(decoded.data() + 9600, 28800);
  CHECK(zero_crossing_hz(middle) == doctest::Approx(1000.0).epsilon(0.002));
  double e_in = 0, e_out = 0;
  for (std::size_t i = 0; i < middle.size(); ++i) {
    e_in += static_cast<double>(tone[9600 + i]) * tone[9600 + i];
    e_out += static_cast<double>(middle[i]) * middle[i];
  }
  CHECK(std::sqrt(e_out / e_in) == doctest::Approx(1.0).epsilon(0.1));  // within ~1 dB
}

TEST_CASE("set_bitrate changes the packet size") {
  const auto voice = synth_voice(2.0, 5);
  auto mean_size = [&](int bitrate) {
    Encoder enc({.bitrate = bitrate});
    const auto packets = encode_all(enc, voice);
    double total = 0;
    for (const auto& p : packets) total += static_cast<double>(p.size());
    return total / static_cast<double>(packets.size());
  };
  const double low = mean_size(12000), high = mean_size(48000);
  CHECK(low < 0.5 * high);
  CHECK(high < 48000.0 / 8 / 50 * 1.1);  // about the bitrate asked for: 120 bytes per 20 ms
}

TEST_CASE("dtx sends tiny packets during silence") {
  std::vector<std::int16_t> silence(48000, 0);
  Encoder with({.dtx = true}), without({.dtx = false});
  auto tiny = [&](Encoder& e) {
    int n = 0;
    for (const auto& p : encode_all(e, silence)) n += p.size() <= 2;
    return n;
  };
  CHECK(tiny(with) > 25);  // most of the 50 frames once DTX has kicked in
  CHECK(tiny(without) == 0);
}

TEST_CASE("FEC recovers a lost frame better than concealment (synthetic voice)") {
  const LossResult r = fec_versus_plc(synth_voice(20.0, 11));
  MESSAGE("synthetic voice, " << r.lost << " isolated losses: FEC " << r.fec_snr_db
                              << " dB, PLC " << r.plc_snr_db << " dB");
  CHECK(r.lost > 50);
  CHECK(r.fec_snr_db > 4.0);
  CHECK(r.fec_snr_db > r.plc_snr_db + 3.0);
}

TEST_CASE("FEC recovers a lost frame better than concealment (espeak-ng speech)") {
  if (std::system("command -v espeak-ng >/dev/null 2>&1") != 0) {
    MESSAGE("espeak-ng not installed; skipped");
    return;
  }
  const auto path = (std::filesystem::temp_directory_path() /
                     ("voixer_test_opus_" + std::to_string(::getpid()) + ".wav"))
                        .string();
  const std::string cmd =
      "espeak-ng -w '" + path +
      "' 'The quick brown fox jumps over the lazy dog. Voice packets arrive late, or not at "
      "all, and the decoder must fill the gap with something that sounds like speech. Forward "
      "error correction sends a coarse copy of every frame inside the next packet.'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto speech = read_wav_48k_mono(path);  // espeak-ng writes 22050 Hz: resampled here
  std::filesystem::remove(path);
  REQUIRE(speech.size() > 48000 * 5);
  const LossResult r = fec_versus_plc(speech);
  MESSAGE("espeak-ng speech, " << r.lost << " isolated losses: FEC " << r.fec_snr_db
                               << " dB, PLC " << r.plc_snr_db << " dB");
  CHECK(r.fec_snr_db > 4.0);
  CHECK(r.fec_snr_db > r.plc_snr_db + 3.0);
}

TEST_CASE("a zero-length packet is concealed") {
  Decoder dec;
  std::vector<std::int16_t> pcm(960);
  CHECK(dec.decode(nullptr, 0, pcm.data(), 960) == 960);
  CHECK(dec.decode_fec(nullptr, 0, pcm.data(), 960) == 960);
  CHECK(dec.conceal(pcm.data(), 480) == 480);
}

TEST_CASE("corrupt packets give -1 and leave the decoder usable") {
  Encoder enc;
  const auto voice = synth_voice(0.5, 2);
  const auto packets = encode_all(enc, voice);
  Decoder dec;
  std::vector<std::int16_t> pcm(960);
  const std::uint8_t zero_frames[] = {0x03, 0x00};  // code 3 packet declaring 0 frames
  CHECK(dec.decode(zero_frames, sizeof zero_frames, pcm.data(), 960) == -1);
  CHECK(dec.decode_fec(zero_frames, sizeof zero_frames, pcm.data(), 960) == -1);
  const std::uint8_t sixty_ms[] = {0x18, 0x01, 0x02};  // SILK NB 60 ms: too long for 20 ms
  CHECK(dec.decode(sixty_ms, sizeof sixty_ms, pcm.data(), 960) == -1);
  CHECK(Decoder::packet_samples(sixty_ms, sizeof sixty_ms) == 2880);
  CHECK(Decoder::packet_samples(packets[0].data(), packets[0].size()) == 960);
  CHECK(Decoder::packet_samples(nullptr, 0) == -1);
  CHECK(dec.decode(packets[3].data(), packets[3].size(), pcm.data(), 960) == 960);

  std::mt19937 rng(99);
  int errors = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Packet p = packets[static_cast<std::size_t>(iter) % packets.size()];
    if (iter % 2) {
      p.resize(1 + rng() % 200);
      for (auto& v : p) v = static_cast<std::uint8_t>(rng());
    } else {
      p[rng() % p.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    }
    const int n = iter % 3 == 0 ? dec.decode_fec(p.data(), p.size(), pcm.data(), 960)
                                : dec.decode(p.data(), p.size(), pcm.data(), 960);
    REQUIRE((n == -1 || (n > 0 && n <= 960)));
    errors += n == -1;
  }
  CHECK(errors > 100);
  for (const auto& p : packets)  // still decodes real packets afterwards
    REQUIRE(dec.decode(p.data(), p.size(), pcm.data(), 960) == 960);
}
