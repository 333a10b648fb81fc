// Echo cancellation in the voice engine, end to end on a real clock: a far
// end talks (espeak-ng speech, Opus frames delivered as the network would),
// the engine plays it through a WAV device whose speakers leak into its
// microphone (delayed 40 ms, at half the amplitude), and everything the
// engine sends back is decoded (real Opus). With the canceller the far end
// hears its own voice at least 20 dB quieter than without it; the near
// end's speech, after the far end stopped, still goes out faithfully.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "audio/opus_codec.hpp"
#include "audio/voice_engine.hpp"
#include "audio/wav.hpp"
#include "audio/wav_device.hpp"
#include "core/voice_frame.hpp"
#include "support/analysis.hpp"
#include "support/eventually.hpp"
#include "support/speech.hpp"

using namespace voixer;

namespace {

constexpr int kFrame = 960;  // 20 ms
constexpr double kFarLeadS = 0.3;

using Packet = std::vector<std::uint8_t>;

// The far end's speech as server voice frames from "far", 20 ms each.
std::vector<Packet> far_frames(const std::vector<std::int16_t>& speech) {
  audio::Encoder encoder;
  std::vector<Packet> frames;
  std::uint8_t opus[core::kMaxOpusPacket];
  Packet client, server(core::kMaxServerVoiceFrame);
  for (std::size_t at = 0; at + kFrame <= speech.size(); at += kFrame) {
    std::size_t n = encoder.encode(speech.data() + at, opus, sizeof opus);
    core::write_client_voice(client, static_cast<std::uint16_t>(frames.size()), std::span(opus, n));
    std::size_t m = core::stamp_voice(client, "far", server);
    frames.emplace_back(server.begin(), server.begin() + static_cast<long>(m));
  }
  return frames;
}

// One call's worth: the far end's frames delivered in real time, the
// microphone playing `near_path` plus the speakers' echo; returns what the
// engine sent, decoded, sample i of it captured at device sample i (plus
// the codec's delay).
std::vector<std::int16_t> run_call(bool cancel, const std::string& near_path,
                                   const std::vector<Packet>& far) {
  audio::WavDevice device(near_path, "", audio::SimulatedEcho{40, 0.5f});
  audio::VoiceSettings settings;
  settings.input_mode = audio::InputMode::AlwaysOn;  // the canceller alone decides
  settings.echo_cancellation = cancel;
  std::vector<std::pair<std::uint16_t, Packet>> sent;  // voice thread, read after stop()
  audio::VoiceEngine engine(device, settings, [&](std::span<const std::uint8_t> bytes) {
    auto f = core::parse_client_voice(bytes);
    if (f) sent.emplace_back(f->seq, Packet(f->opus.begin(), f->opus.end()));
  });
  engine.set_sending(true);
  engine.start();
  auto next = std::chrono::steady_clock::now();
  for (const auto& frame : far) {  // paced as the network delivers them
    engine.deliver(frame);
    next += std::chrono::milliseconds(20);
    std::this_thread::sleep_until(next);
  }
  bool done = test::eventually([&] { return device.input_done(); }, std::chrono::seconds(30));
  engine.stop();
  REQUIRE(done);

  audio::Decoder decoder;
  std::vector<std::int16_t> out;
  for (const auto& [seq, opus] : sent) {
    std::size_t at = static_cast<std::size_t>(seq) * kFrame;
    out.resize(std::max(out.size(), at + kFrame));
    decoder.decode(opus.data(), opus.size(), out.data() + at, kFrame);
  }
  return out;
}

double energy(const std::vector<std::int16_t>& s, double from_s, double to_s) {
  double e = 0;
  auto end = std::min(s.size(), static_cast<std::size_t>(to_s * 48000));
  for (auto i = static_cast<std::size_t>(from_s * 48000); i < end; ++i) e += double(s[i]) * s[i];
  return e;
}

}  // namespace

TEST_CASE("echo cancellation: the far end hears itself 20 dB quieter, the near end still passes") {
  auto dir = test::temp_dir("echo-cancellation");
  REQUIRE(test::make_speech(dir + "/far.wav",
                            "Welcome to the party. The server runs in the kitchen, the drinks "
                            "are in the garage, and the tournament starts at nine.",
                            kFarLeadS, 0));
  auto far_speech = audio::read_wav_48k_mono(dir + "/far.wav");
  const double far_end_s = static_cast<double>(far_speech.size()) / 48000;
  // The near end talks once the far end is done (after the echo's tail).
  const double near_lead_s = far_end_s + 1.0;
  REQUIRE(
      test::make_speech(dir + "/near.wav", "Thanks, I will bring my own cable.", near_lead_s, 0.5));
  auto near_speech = audio::read_wav_48k_mono(dir + "/near.wav");
  auto far = far_frames(far_speech);

  // Both calls at once, each on its own clock.
  auto with =
      std::async(std::launch::async, [&] { return run_call(true, dir + "/near.wav", far); });
  auto without = run_call(false, dir + "/near.wav", far);
  auto cancelled = with.get();

  // Echo: the far end's speech once the filter had 2 s to adapt.
  const double from = 2.0 + kFarLeadS, to = far_end_s;
  REQUIRE(to - from > 3.0);
  double echo_without = energy(without, from, to), echo_with = energy(cancelled, from, to);
  REQUIRE(echo_without > 0);
  double reduction_db = 10 * std::log10(echo_without / std::max(echo_with, 1.0));
  MESSAGE("echo heard back: " << reduction_db << " dB quieter with the canceller");
  CHECK(reduction_db >= 20);

  // The near end: its speech alone, aligned with what went out.
  std::vector<std::int16_t> near_ref(near_speech.begin() + static_cast<long>(near_lead_s * 48000),
                                     near_speech.end());
  std::vector<std::int16_t> near_sent(
      cancelled.begin() + std::min<long>(static_cast<long>(near_lead_s * 48000), cancelled.size()),
      cancelled.end());
  auto a = audio::align(near_ref, near_sent, 4800);
  double similarity = audio::envelope_similarity(near_ref, near_sent, a.delay_samples);
  MESSAGE("near end: delay " << a.delay_samples << " samples, correlation " << a.correlation
                             << ", envelope similarity " << similarity);
  CHECK(similarity > 0.85);
}
