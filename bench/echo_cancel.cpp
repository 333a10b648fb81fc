// echo_cancel: what the echo canceller does and costs, on simulated time
// (no device, no clock): a far end's speech is "played", comes back into
// the microphone delayed and attenuated, the near end talks after it, and
// the microphone filter (audio/mic_filter.hpp) runs as in the engine.
//
//   echo_cancel [--delay-ms 40] [--gain 0.5]
//
// Prints, for noise suppression off and on: how much quieter the far end's
// voice comes back with the canceller than without it (after 2 s to
// adapt), the near end's envelope similarity, and the CPU time per 20 ms
// frame of the filter with and without the canceller (one core).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "audio/mic_filter.hpp"
#include "audio/wav.hpp"
#include "support/analysis.hpp"
#include "support/speech.hpp"

using namespace voixer;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kFrame = 960;

struct Result {
  std::vector<std::int16_t> out;
  double us_per_frame = 0;
};

Result run(const std::vector<std::int16_t>& far, const std::vector<std::int16_t>& mic,
           audio::NoiseSuppression noise, audio::EchoCancellation echo) {
  audio::MicFilter filter(noise, echo);
  Result r;
  r.out = mic;
  double busy_us = 0;
  std::size_t frames = 0;
  for (std::size_t at = 0; at + kFrame <= mic.size(); at += kFrame, ++frames) {
    auto start = Clock::now();
    filter.add_played(far.data() + at, kFrame);
    filter.process(r.out.data() + at, kFrame);
    busy_us += std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  }
  r.us_per_frame = frames ? busy_us / frames : 0;
  return r;
}

double energy(const std::vector<std::int16_t>& s, std::size_t from, std::size_t to) {
  double e = 0;
  for (std::size_t i = from; i < std::min(to, s.size()); ++i) e += double(s[i]) * s[i];
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  int delay_ms = 40;
  float gain = 0.5f;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--delay-ms") == 0) delay_ms = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--gain") == 0) gain = static_cast<float>(std::atof(argv[i + 1]));
  }
  auto dir = test::temp_dir("echo-cancel-bench");
  if (!test::make_speech(dir + "/far.wav",
                         "Welcome to the party. The server runs in the kitchen, the drinks are "
                         "in the garage, and the tournament starts at nine.",
                         0.3, 0) ||
      !test::make_speech(dir + "/near.wav", "Thanks, I will bring my own cable.", 0, 0.5)) {
    std::fprintf(stderr, "echo_cancel: espeak-ng and sox are needed\n");
    return 1;
  }
  auto far = audio::read_wav_48k_mono(dir + "/far.wav");
  auto near = audio::read_wav_48k_mono(dir + "/near.wav");
  const std::size_t far_end = far.size(), near_start = far_end + 48000;
  const std::size_t delay = static_cast<std::size_t>(delay_ms) * 48;
  std::vector<std::int16_t> played(near_start + near.size(), 0);
  std::copy(far.begin(), far.end(), played.begin());
  std::vector<std::int16_t> mic(played.size(), 0);
  for (std::size_t i = 0; i < near.size(); ++i) mic[near_start + i] = near[i];
  for (std::size_t i = delay; i < mic.size(); ++i)
    mic[i] =
        static_cast<std::int16_t>(std::clamp(mic[i] + gain * played[i - delay], -32768.f, 32767.f));

  std::printf("echo path: %d ms, gain %.2f; far end %.1f s, then the near end %.1f s\n", delay_ms,
              gain, far_end / 48000.0, near.size() / 48000.0);
  for (auto noise : {audio::NoiseSuppression::Off, audio::NoiseSuppression::On}) {
    auto off = run(played, mic, noise, audio::EchoCancellation::Off);
    auto on = run(played, mic, noise, audio::EchoCancellation::On);
    double reduction = 10 * std::log10(energy(off.out, 2 * 48000 + 14400, far_end) /
                                       std::max(1.0, energy(on.out, 2 * 48000 + 14400, far_end)));
    std::vector<std::int16_t> near_out(on.out.begin() + static_cast<long>(near_start),
                                       on.out.end());
    auto a = audio::align(near, near_out, 4800);
    std::printf(
        "noise suppression %-3s: echo %5.1f dB quieter; near end similarity %.3f; "
        "%6.1f us per 20 ms frame with the canceller, %6.1f without\n",
        noise == audio::NoiseSuppression::On ? "on" : "off", reduction,
        audio::envelope_similarity(near, near_out, a.delay_samples), on.us_per_frame,
        off.us_per_frame);
  }
  return 0;
}
