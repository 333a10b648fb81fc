// sdl_take_phase [--stalls N] [--hold-ms MS]
//
// When SDL's playback callback runs, against the sound server's clock, and
// how that moves when the sound server runs dry.
//
// Voice waits in the jitter buffer until the playback callback takes the
// period its first sample falls in, so how long it waits depends on where
// the callbacks fall against the frames' arrivals, and only whole periods
// of that wait can be cut (core/mix_cut.hpp). This measures whether the
// callbacks keep their place: a private PulseAudio daemon
// (tests/support/pulse_server.hpp), SDL's pulseaudio driver playing into
// its "ear" sink with 240-sample (5 ms) periods as voixer asks for, each
// callback's time noted. The null sink's clock is the machine's monotonic
// clock, so a callback's time modulo 5 ms is its place in the sound
// server's periods. Every 2 s the callback is held up (the device locked)
// for 0, 10, 20, 30 and 50 ms in turn (--hold-ms MS: MS every time).
// Anything over the 3.75 ms the sound server keeps for the stream makes it
// play silence; 0 ms shows how still the place is without. Each line: the
// callbacks' place (median modulo 5 ms) in the second before the stall
// and the second after, how far it moved, and the machine's own stalls
// meanwhile (tests/support/stall_probe.hpp), which can move it too.
#include <SDL2/SDL.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/pulse_server.hpp"
#include "support/speech.hpp"  // temp_dir
#include "support/stall_probe.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPeriodSamples = 240;
constexpr double kPeriodMs = 5.0;
constexpr int kMaxCallbacks = 1 << 16;

// Callback times in ms since the clock's epoch, written only by the
// callback; g_count publishes them.
double g_times[kMaxCallbacks];
std::atomic<int> g_count{0};

double ms_of(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
}

void on_period(void*, Uint8* stream, int len) {
  int n = g_count.load(std::memory_order_relaxed);
  if (n < kMaxCallbacks) {
    g_times[n] = ms_of(Clock::now());
    g_count.store(n + 1, std::memory_order_release);
  }
  std::memset(stream, 0, static_cast<std::size_t>(len));
}

// Where in the 5 ms period the callbacks in [from, to) fell: the circular
// median of their times modulo the period, in [0, 5).
double place_between(double from, double to) {
  std::vector<double> angles;
  const int n = g_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i)
    if (g_times[i] >= from && g_times[i] < to) angles.push_back(std::fmod(g_times[i], kPeriodMs));
  if (angles.empty()) return NAN;
  // The mean direction picks the cut of the circle; the median is taken on
  // the line unrolled from the opposite side.
  double s = 0, c = 0;
  for (double a : angles) {
    s += std::sin(a / kPeriodMs * 2 * M_PI);
    c += std::cos(a / kPeriodMs * 2 * M_PI);
  }
  double mean = std::atan2(s, c) / (2 * M_PI) * kPeriodMs;
  for (double& a : angles) a = std::remainder(a - mean, kPeriodMs);
  std::nth_element(angles.begin(), angles.begin() + angles.size() / 2, angles.end());
  return std::fmod(mean + angles[angles.size() / 2] + 2 * kPeriodMs, kPeriodMs);
}

}  // namespace

int main(int argc, char** argv) {
  int stalls = 10;
  int hold_ms = -1;  // -1: the lengths below in turn
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--stalls")) {
      stalls = std::atoi(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--hold-ms")) {
      hold_ms = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: sdl_take_phase [--stalls N] [--hold-ms MS]\n");
      return 2;
    }
  }
  std::string dir = voixer::test::temp_dir("sdl-take-phase");
  voixer::test::PulseServer pulse(dir + "/pulse");
  if (!pulse.unavailable().empty()) {
    std::fprintf(stderr, "sdl_take_phase: %s\n", pulse.unavailable().c_str());
    return 1;
  }
  if (SDL_Init(SDL_INIT_AUDIO) != 0) {
    std::fprintf(stderr, "sdl_take_phase: %s\n", SDL_GetError());
    return 1;
  }
  SDL_AudioSpec want{}, have{};
  want.freq = 48000;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  want.samples = kPeriodSamples;
  want.callback = on_period;
  SDL_AudioDeviceID device = SDL_OpenAudioDevice("ear", 0, &want, &have, 0);
  if (device == 0) {
    std::fprintf(stderr, "sdl_take_phase: cannot open ear: %s\n", SDL_GetError());
    return 1;
  }
  SDL_PauseAudioDevice(device, 0);
  std::printf("SDL %s driver, %d-sample periods; callbacks' place in the sound server's 5 ms periods\n",
              SDL_GetCurrentAudioDriver(), have.samples);
  std::printf("stall of the callback | place 1 s before | place 1 s after | moved | stalls of the machine\n");
  const voixer::test::StallProbe watch;
  const int lengths_ms[] = {0, 10, 20, 30, 50};
  std::this_thread::sleep_for(std::chrono::seconds(2));
  for (int i = 0; i < stalls; ++i) {
    const int length = hold_ms >= 0 ? hold_ms : lengths_ms[i % 5];
    const auto began = Clock::now();
    const double at = ms_of(began);
    SDL_LockAudioDevice(device);  // the callback waits for this lock
    std::this_thread::sleep_for(std::chrono::milliseconds(length));
    SDL_UnlockAudioDevice(device);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double before = place_between(at - 1000, at);
    const double after = place_between(at + 900, at + 1900);
    const auto watched_from = began - std::chrono::seconds(1);
    std::printf("%2d ms | %.2f ms | %.2f ms | %+.2f ms | %d (longest %.0f ms)\n", length, before,
                after, std::remainder(after - before, kPeriodMs),
                watch.count_between(watched_from, Clock::now()),
                watch.longest_between(watched_from, Clock::now()));
    std::fflush(stdout);
  }
  SDL_CloseAudioDevice(device);
  SDL_Quit();
  return 0;
}
