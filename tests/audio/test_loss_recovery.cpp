// The receive path under a bad network, without sockets or a clock: Opus
// frames go through the network simulator (loss, jitter that reorders,
// duplicates) into the jitter buffer and the decoder, exactly as in the
// voice engine. With the next packet's FEC the lost frames come back
// measurably better than with concealment alone.
#include <doctest/doctest.h>

#include "support/analysis.hpp"
#include "audio/opus_codec.hpp"
#include "core/jitter_buffer.hpp"
#include "core/net_sim.hpp"
#include "core/voice_frame.hpp"

using namespace voixer;

namespace {

struct Received {
  // What was played for each sent frame (by sequence number), and how.
  std::vector<std::vector<std::int16_t>> by_seq;
  std::vector<core::PlayoutKind> kind;
  core::JitterStats stats;
};

// Plays `voice` through encoder -> simulator -> jitter buffer -> decoder.
Received play_through(const std::vector<std::int16_t>& voice, core::NetSimConfig net, bool use_fec) {
  audio::Encoder encoder;
  audio::Decoder decoder;
  core::JitterBuffer jitter;
  core::NetSim sim(net);
  const int frame = encoder.frame_samples();
  std::vector<std::uint8_t> packet(core::kMaxOpusPacket), wire;
  std::vector<std::int16_t> out(frame);
  Received r;
  const int frames = static_cast<int>(voice.size()) / frame;
  r.by_seq.assign(frames, std::vector<std::int16_t>(frame, 0));
  r.kind.assign(frames, core::PlayoutKind::Nothing);
  for (int i = 0; i < frames + 20; ++i) {
    std::int64_t now = 20LL * i;
    if (i < frames) {
      std::size_t n = encoder.encode(voice.data() + i * frame, packet.data(), packet.size());
      core::write_client_voice(wire, static_cast<std::uint16_t>(i), std::span(packet.data(), n));
      sim.put(wire, now);
    }
    sim.release(now, [&](std::span<const std::uint8_t> bytes) {
      auto f = core::parse_client_voice(bytes);
      if (f) jitter.put(f->seq, f->opus, now);
    });
    // Playback ticks half a frame after the sender's, as two clocks would.
    core::Playout p = jitter.next(now + 10);
    int got = 0;
    if (p.kind == core::PlayoutKind::Frame) {
      got = decoder.decode(p.payload.data(), p.payload.size(), out.data(), frame);
    } else if (p.kind == core::PlayoutKind::Fec && use_fec) {
      got = decoder.decode_fec(p.payload.data(), p.payload.size(), out.data(), frame);
    } else if (p.kind != core::PlayoutKind::Nothing) {
      got = decoder.conceal(out.data(), frame);
    }
    if (got <= 0) std::fill(out.begin(), out.end(), 0);
    if (p.kind != core::PlayoutKind::Nothing && p.seq < frames &&
        r.kind[p.seq] == core::PlayoutKind::Nothing) {
      r.by_seq[p.seq] = out;
      r.kind[p.seq] = p.kind;
    }
  }
  r.stats = jitter.stats();
  return r;
}

}  // namespace

TEST_CASE("under 10% loss, 40 ms jitter and duplicates, FEC beats concealment alone") {
  auto voice = audio::synth_voice(8.0, 5);
  core::NetSimConfig clean;
  core::NetSimConfig bad{.loss = 0.10, .delay_ms = 5, .jitter_ms = 40, .duplicate = 0.05, .seed = 11};
  Received reference = play_through(voice, clean, true);
  Received with_fec = play_through(voice, bad, true);
  Received plc_only = play_through(voice, bad, false);

  CHECK(with_fec.stats.fec_recovered > 20);     // ~10% of 400 frames lost
  CHECK(with_fec.stats.duplicates > 5);
  // SNR against the loss-free decode, over the frames that were lost and
  // rebuilt (the same frames in both runs: the network is seeded).
  auto snr_over_lost = [&](const Received& r) {
    std::vector<std::int16_t> ref, got;
    for (std::size_t i = 0; i < r.kind.size(); ++i) {
      if (with_fec.kind[i] != core::PlayoutKind::Fec) continue;
      ref.insert(ref.end(), reference.by_seq[i].begin(), reference.by_seq[i].end());
      got.insert(got.end(), r.by_seq[i].begin(), r.by_seq[i].end());
    }
    return audio::snr_db(ref, got, 0);
  };
  double snr_fec = snr_over_lost(with_fec), snr_plc = snr_over_lost(plc_only);
  MESSAGE("over the lost frames: SNR with FEC " << snr_fec << " dB, concealment only " << snr_plc
                                                << " dB");
  CHECK(snr_fec > snr_plc + 3.0);
  // The call stays continuous: every frame was played, by one means or another.
  auto stream = [](const Received& r) {
    std::vector<std::int16_t> all;
    for (const auto& f : r.by_seq) all.insert(all.end(), f.begin(), f.end());
    return all;
  };
  int never_played = 0;
  for (auto k : with_fec.kind) never_played += k == core::PlayoutKind::Nothing;
  CHECK(never_played <= 2);  // at most the late-joiners of a shrink
  auto ref_all = stream(reference), fec_all = stream(with_fec);
  CHECK(audio::envelope_similarity(ref_all, fec_all, 0) > 0.9);
  CHECK(audio::max_dropout_ms(ref_all, fec_all, 0) < 60);
}

TEST_CASE("under 20% loss and 50 ms jitter the buffer stays bounded and every frame is played") {
  auto voice = audio::synth_voice(30.0, 9);
  core::NetSimConfig awful{.loss = 0.20, .delay_ms = 0, .jitter_ms = 50, .duplicate = 0.05, .seed = 4};
  Received r = play_through(voice, awful, true);
  int never_played = 0;
  for (auto k : r.kind) never_played += k == core::PlayoutKind::Nothing;
  CHECK(never_played <= 3);
  CHECK(r.stats.buffered_frames <= core::JitterConfig{}.max_delay_frames + 1);
  CHECK(r.stats.target_delay_frames <= core::JitterConfig{}.max_delay_frames);
  CHECK(r.stats.fec_recovered > 50);
}
