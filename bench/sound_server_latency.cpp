// sound_server_latency VOIXER [--frame-ms 10|20] [--seconds S] [--runs N] [--echo-cancellation off]
//                             [--trace on] [--trace-every S] [--low-delay on]
//                             [--stall-client MS --stall-every S] [--busy-cores N]
//
// Mouth-to-ear delay of the echo call (the mic test) through a real sound
// server, beside the same call on the WAV-file devices, in one run.
//
// Through the sound server: a private PulseAudio daemon with a virtual
// headset (tests/support/pulse_server.hpp); espeak-ng speech is played into
// "mouth", `voixer cli --input-device mic --output-device ear` calls *echo,
// and one stereo recording holds mouth (left) and ear (right), so the delay
// is sample-exact. It is measured over the whole recording and in 2 s
// windows (how it moves during the call), with the longest dropout (loud
// speech in, silence out), each silence judged against the delays of what
// was heard just before and just after it (max_dropout_followed_ms()).
//
// On the WAV devices: the same speech as --audio-in, what is heard as
// --audio-out, the same analysis.
//
// Meanwhile a StallProbe (tests/support/stall_probe.hpp) notes when the
// machine itself stalled (a thread at the voice thread's priority woke
// more than 4 ms late), and each line says how many 2 s windows off the
// median had such a stall in them or in the window before: those say more
// about the machine than about voixer. With --trace, each dropout over the
// 5 ms floor is listed with where it is and the longest stall near it.
//
// --stall-client MS --stall-every S stalls the cli on purpose, SIGSTOP then
// SIGCONT after MS, every S seconds of the speech (from S on), as a busy
// machine stalls it by chance: the sound server plays silence meanwhile and
// the call must cut that delay back out. Each run then also prints the
// excursions of the delay in 250 ms windows: how long each stall kept the
// call later than it usually was.
//
// --busy-cores N keeps N threads of the benchmark spinning at normal
// priority through both measurements, as a game that takes the cores
// would: the sound server, the chat server and the cli's other threads
// then compete for them.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "audio/wav.hpp"
#include "support/analysis.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/pulse_server.hpp"
#include "support/speech.hpp"
#include "support/stall_probe.hpp"

using namespace voixer;

namespace {

bool g_trace = false;  // --trace on: the cli's /stats every g_trace_every_s
double g_trace_every_s = 5;  // --trace-every S: 1 lines the trace up with the 2 s windows
bool g_low_delay = false;  // --low-delay on: the cli's --low-delay (Opus's low-delay mode)
int g_stall_ms = 0;          // --stall-client MS: stall the cli this long
double g_stall_every_s = 10;  // --stall-every S: this often
int g_busy_cores = 0;        // --busy-cores N: threads that spin meanwhile

constexpr int kRate = 48000;


struct Figures {
  double delay_ms = 0;        // over the whole recording
  double window_min = 0, window_median = 0, window_max = 0;  // 2 s windows
  int windows = 0, windows_within_5ms = 0;                      // of the median
  double longest_dropout_ms = 0;
  double similarity = 0;
  int stalls = 0;                // of the machine, during the recording
  double longest_stall_ms = 0;
  int misses_with_stall = 0;     // windows off the median by > 5 ms with a stall in or just before
};

using Clock = test::StallProbe::Clock;

// Stalls `pid` for g_stall_ms every g_stall_every_s from `start` until
// `stop` is set.
void stall_repeatedly(pid_t pid, Clock::time_point start, const std::atomic<bool>& stop) {
  const auto every = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(g_stall_every_s));
  for (auto next = start + every; !stop.load(); next += every) {
    while (Clock::now() < next)
      if (stop.load()) return;
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(pid, SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(g_stall_ms));
    ::kill(pid, SIGCONT);
  }
}

// The delay of `length` samples of the mouth from `at`, searched up to
// `max_delay` samples into the ear, in ms; -1 when that stretch is mostly
// silence, the ear holds fewer than `min_room` samples from there, or
// nothing in it matches well enough.
double window_delay_ms(std::span<const std::int16_t> mouth, std::span<const std::int16_t> ear,
                       long at, long length, long max_delay, long min_room) {
  std::span<const std::int16_t> m = mouth.subspan(at, length);
  double energy = 0;
  for (auto s : m) energy += double(s) * s;
  if (energy / length < 300.0 * 300.0) return -1;
  const long room = std::min<long>(static_cast<long>(ear.size()) - at, length + max_delay);
  if (room < min_room) return -1;
  auto a = audio::align(m, ear.subspan(at, room), max_delay);
  return a.correlation < 0.3 ? -1 : a.delay_samples * 1000.0 / kRate;
}

// With --stall-client: the delay in 250 ms windows over the whole
// recording, and each excursion from its median (windows more than 5 ms
// above it, a window without speech between two such counted in): when it
// began, how long it lasted, how high it went. Found in the recording
// itself, since the recorder's start is not known to the millisecond.
void print_excursions(std::span<const std::int16_t> mouth, std::span<const std::int16_t> ear) {
  const long step = kRate / 4;
  std::vector<double> delays;  // -1: no speech to align
  for (long at = 0; at + step <= static_cast<long>(mouth.size()); at += step)
    delays.push_back(window_delay_ms(mouth, ear, at, step, kRate / 4, step / 2 + 1));
  std::vector<double> heard;
  for (double d : delays)
    if (d >= 0) heard.push_back(d);
  if (heard.empty()) return;
  std::sort(heard.begin(), heard.end());
  const double usual = heard[heard.size() / 2];
  if (g_trace) {
    std::printf("  trace: delay of each 250 ms window:");
    for (std::size_t i = 0; i < delays.size(); ++i) {
      if (i % 20 == 0) std::printf("\n    %5.1f s:", static_cast<double>(i) * 0.25);
      if (delays[i] < 0) std::printf("    -");
      else std::printf(" %4.0f", delays[i]);
    }
    std::printf("\n");
  }
  std::printf("  excursions above the median of the 250 ms windows (%.1f ms) by more than 5 ms:", usual);
  int count = 0;
  double above_s = 0;
  for (std::size_t i = 0; i < delays.size();) {
    if (delays[i] < 0 || delays[i] <= usual + 5.0) {
      ++i;
      continue;
    }
    std::size_t end = i;  // one past the last window above
    double peak = 0;
    for (std::size_t j = i; j < delays.size(); ++j) {
      if (delays[j] >= 0 && delays[j] <= usual + 5.0) break;
      if (delays[j] > usual + 5.0) {
        end = j + 1;
        peak = std::max(peak, delays[j] - usual);
      }
    }
    std::printf("%s%.2f s for %.2f s (up to %+.0f ms)", count ? ", " : " ",
                static_cast<double>(i) * 0.25, static_cast<double>(end - i) * 0.25, peak);
    ++count;
    above_s += static_cast<double>(end - i) * 0.25;
    i = end;
  }
  if (count == 0) std::printf(" none\n");
  else std::printf(" | %d, %.2f s in all\n", count, above_s);
}

// Whole-recording delay and dropouts, then the delay of each 2 s window of
// the mouth that holds speech. The recording began at `began`, by the
// clock `watch` notes the machine's stalls on.
Figures analyse(const std::vector<std::int16_t>& mouth, const std::vector<std::int16_t>& ear,
                const test::StallProbe& watch, Clock::time_point began) {
  Figures f;
  auto a = audio::align(mouth, ear, kRate / 2);
  f.delay_ms = a.delay_samples * 1000.0 / kRate;
  f.similarity = audio::envelope_similarity(mouth, ear, a.delay_samples);
  f.longest_dropout_ms = audio::max_dropout_followed_ms(mouth, ear, a.delay_samples);
  std::vector<double> delays;
  std::vector<double> stalled;  // the longest stall in each window or the one before it
  auto at_time = [&](long sample) {
    return began + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                       static_cast<double>(sample) / kRate));
  };
  if (g_trace) {  // each gap over the floor, and the longest stall of the machine near it
    for (const audio::Dropout& d : audio::dropouts_followed(mouth, ear, a.delay_samples)) {
      if (d.samples <= kRate / 200) continue;  // 5 ms, the floor
      // A stall shows in the ear at once (the speakers' stream runs dry) or
      // a call's delay later (what the microphone's side missed): look
      // 200 ms back and 50 ms on.
      const double stall = watch.longest_between(at_time(d.start - kRate / 5), at_time(d.start + kRate / 20));
      std::printf("  trace: dropout of %.0f ms at %.2f s; longest stall of the machine in the 0.25 s "
                  "around it: %.0f ms\n",
                  static_cast<double>(d.samples) * 1000.0 / kRate, static_cast<double>(d.start) / kRate, stall);
    }
  }
  f.stalls = watch.count_between(began, at_time(static_cast<long>(mouth.size())));
  f.longest_stall_ms = watch.longest_between(began, at_time(static_cast<long>(mouth.size())));
  const long window = 2 * kRate;
  for (long at = 0; at + window <= static_cast<long>(mouth.size()); at += window) {
    const double d = window_delay_ms(mouth, ear, at, window, kRate / 2, 1);
    if (d < 0) continue;  // mostly silence, or nothing heard to match
    delays.push_back(d);
    stalled.push_back(watch.longest_between(at_time(at - window), at_time(at + window)));
  }
  if (g_trace) {  // how the delay moved, window by window; * a stall in it or the one before
    std::printf("  trace: delay of each 2 s window:");
    for (std::size_t i = 0; i < delays.size(); ++i)
      std::printf(" %.1f%s", delays[i], stalled[i] > 0 ? "*" : "");
    std::printf("\n");
  }
  if (!delays.empty()) {
    std::vector<double> sorted = delays;
    std::sort(sorted.begin(), sorted.end());
    f.window_min = sorted.front();
    f.window_max = sorted.back();
    f.window_median = sorted[sorted.size() / 2];
    f.windows = static_cast<int>(delays.size());
    // The "within ±5 ms": how many windows are, around the median.
    for (std::size_t i = 0; i < delays.size(); ++i) {
      // In samples: a window a device period (240 samples, 5.0 ms) off is
      // within, which the division by the rate can round to 5.000...01.
      const bool within = std::lround(std::abs(delays[i] - f.window_median) * kRate / 1000) <= 5 * kRate / 1000;
      f.windows_within_5ms += within ? 1 : 0;
      f.misses_with_stall += !within && stalled[i] > 0 ? 1 : 0;
    }
  }
  if (g_stall_ms > 0) print_excursions(mouth, ear);
  return f;
}

void print(const char* what, const Figures& f) {
  std::printf("%-14s delay %6.1f ms | 2 s windows: min %6.1f median %6.1f max %6.1f (spread %5.1f) | "
              "within ±5 ms %2d of %2d | longest dropout %4.0f ms | similarity %.3f | "
              "machine stalled %d times (longest %.0f ms), in %d of the windows off\n",
              what, f.delay_ms, f.window_min, f.window_median, f.window_max,
              f.window_max - f.window_min, f.windows_within_5ms, f.windows, f.longest_dropout_ms,
              f.similarity, f.stalls, f.longest_stall_ms, f.misses_with_stall);
  std::fflush(stdout);
}

bool wait_for(test::Process& p, const std::string& text, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 100)
    if (p.stderr_text(100).find(text) != std::string::npos) return true;
  return false;
}

// Starts a cli, waits until it is in the echo call, returns it.
// Echo cancellation is on (the default) unless `no_aec`.
std::unique_ptr<test::Process> echo_client(const std::string& exe, std::uint16_t port,
                                           std::vector<std::string> devices, int frame_ms,
                                           bool no_aec) {
  std::vector<std::string> args = {exe, "cli", "127.0.0.1:" + std::to_string(port), "--nick", "bench",
                                   "--input-mode", "always", "--frame-ms", std::to_string(frame_ms)};
  if (no_aec) args.push_back("--no-echo-cancellation");
  if (g_low_delay) args.push_back("--low-delay");
  args.insert(args.end(), devices.begin(), devices.end());
  auto cli = std::make_unique<test::Process>(args);
  while (auto line = cli->stdout_line(5000))
    if (line->rfind("USERLIST", 0) == 0) break;
  cli->write_stdin("/echo\n");
  if (!wait_for(*cli, "voice: SESSIONACCEPTED", 5000)) std::fprintf(stderr, "echo call did not start\n");
  return cli;
}

// While the speech plays: with --trace the cli's /stats every few seconds
// says where the delay sits (the rings between devices and engine, the
// jitter buffer, what was cut), each line with the seconds since the
// speech started; without, this only waits.
void follow(test::Process& cli, double seconds) {
  const auto start = std::chrono::steady_clock::now();
  std::atomic<bool> stop_stalls{false};
  std::thread staller;
  if (g_stall_ms > 0)
    staller = std::thread(stall_repeatedly, cli.pid(), Clock::now(), std::cref(stop_stalls));
  struct JoinOnExit {
    std::atomic<bool>& stop;
    std::thread& t;
    ~JoinOnExit() {
      stop.store(true);
      if (t.joinable()) t.join();
    }
  } join_on_exit{stop_stalls, staller};
  auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(seconds));
  const auto every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(0.5, g_trace_every_s)));
  while (std::chrono::steady_clock::now() < end) {
    auto slice = std::min<std::chrono::steady_clock::duration>(
        end - std::chrono::steady_clock::now(), every);
    std::this_thread::sleep_for(slice);
    const double at_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!g_trace) continue;
    std::size_t seen = cli.stderr_text(0).size();
    cli.write_stdin("/stats\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string text = cli.stderr_text(0).substr(seen);
    for (std::size_t at = 0; at < text.size();) {
      std::size_t eol = text.find('\n', at);
      std::string line = text.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
      if (line.find("waiting:") != std::string::npos || line.find("buffer ") != std::string::npos ||
          line.find("ran dry") != std::string::npos)
        std::printf("  trace: t=%5.1f s %s\n", at_s, line.c_str());
      if (eol == std::string::npos) break;
      at = eol + 1;
    }
  }
}

Figures through_sound_server(const std::string& exe, std::uint16_t port, test::PulseServer& pulse,
                             const std::string& dir, const std::string& speech, double seconds,
                             int frame_ms, bool no_aec, const test::StallProbe& watch) {
  auto cli = echo_client(exe, port, {"--input-device", "mic", "--output-device", "ear"}, frame_ms,
                         no_aec);
  std::string raw = dir + "/rec.raw";
  pulse.record(raw);
  const auto began = Clock::now();
  pulse.play(speech, "mouth");
  follow(*cli, seconds + 0.5);
  // The speech to its end and what the ear hears of it: a recording
  // stopped while the mouth still spoke would count the echo it cut off
  // as a dropout (the player can start a few hundred ms late).
  if (!pulse.wait_players(10'000)) std::fprintf(stderr, "the speech did not end\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  pulse.stop_players();
  pulse.stop_recording();
  cli->close_stdin();
  cli->wait(5000);
  auto [mouth, ear] = test::PulseServer::read_recording(raw);
  return analyse(mouth, ear, watch, began);
}

Figures through_wav_devices(const std::string& exe, std::uint16_t port, const std::string& dir,
                            const std::string& speech, double seconds, int frame_ms, bool no_aec,
                            const test::StallProbe& watch) {
  std::string heard = dir + "/heard.wav";
  const auto began = Clock::now();  // the WAV input starts with the client
  auto cli = echo_client(exe, port, {"--audio-in", speech, "--audio-out", heard}, frame_ms, no_aec);
  follow(*cli, seconds - 5);
  wait_for(*cli, "audio input finished", static_cast<int>(seconds * 1000) + 20000);
  cli->close_stdin();
  cli->wait(5000);
  // The WAV input starts with the client, before the call: what was spoken
  // before the call is not heard, which the alignment ignores.
  return analyse(audio::read_wav_48k_mono(speech), audio::read_wav_48k_mono(heard), watch, began);
}

// Threads that spin at normal priority while it lives, as a game does.
class BusyCores {
 public:
  explicit BusyCores(int n) {
    for (int i = 0; i < n; ++i)
      m_threads.emplace_back([this] {
        volatile unsigned long spin = 0;
        while (!m_stop.load(std::memory_order_relaxed)) spin = spin + 1;
      });
  }
  ~BusyCores() {
    m_stop.store(true);
    for (auto& t : m_threads) t.join();
  }

 private:
  std::atomic<bool> m_stop{false};
  std::vector<std::thread> m_threads;
};

}  // namespace

int main(int argc, char** argv) {
  auto usage = [] {
    std::fprintf(stderr, "usage: sound_server_latency VOIXER [--frame-ms 10|20] [--seconds S] [--runs N] "
                         "[--echo-cancellation off] [--trace on] [--trace-every S] [--low-delay on] "
                         "[--stall-client MS --stall-every S] [--busy-cores N]\n");
    return 2;
  };
  if (argc < 2 || argv[1][0] == '-' || argc % 2 != 0) return usage();
  std::string exe = argv[1];
  int frame_ms = 20, runs = 1;
  double seconds = 10;
  bool no_aec = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--frame-ms")) frame_ms = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--echo-cancellation")) no_aec = !std::strcmp(argv[i + 1], "off");
    else if (!std::strcmp(argv[i], "--trace")) g_trace = !std::strcmp(argv[i + 1], "on");
    else if (!std::strcmp(argv[i], "--trace-every")) g_trace_every_s = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--low-delay")) g_low_delay = !std::strcmp(argv[i + 1], "on");
    else if (!std::strcmp(argv[i], "--stall-client")) g_stall_ms = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--stall-every")) g_stall_every_s = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--busy-cores")) g_busy_cores = std::atoi(argv[i + 1]);
    else return usage();
  }
  std::string dir = test::temp_dir("sound-server-latency");
  // Removed on the way out, after the sound server below has stopped: the
  // recordings are some megabytes a run.
  struct RemoveOnExit {
    std::string path;
    ~RemoveOnExit() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_on_exit{dir};
  test::PulseServer pulse(dir + "/pulse");
  if (!pulse.unavailable().empty()) {
    std::fprintf(stderr, "sound_server_latency: %s\n", pulse.unavailable().c_str());
    return 1;
  }
  // Speech long enough for `seconds`: one paragraph, repeated.
  std::string text;
  const char* paragraph =
      "The server is in the kitchen, next to the fridge. Bring your own cable, and a long one. "
      "We start at eight with a round of capture the flag, then the new map. ";
  for (double spoken = 0; spoken < seconds; spoken += 11) text += paragraph;
  std::string speech = dir + "/speech.wav";
  if (!test::make_speech(speech, text, 0.5, 0.5)) {
    std::fprintf(stderr, "sound_server_latency: espeak-ng and sox are needed\n");
    return 1;
  }
  double speech_s = static_cast<double>(audio::read_wav_48k_mono(speech).size()) / kRate;
  std::uint16_t port = test::free_tcp_port();
  test::Process server({exe, "serve", "--bind", "127.0.0.1", "--port", std::to_string(port), "--quiet"},
                       dir + "/server.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a bench, not a test: it listens by then
  std::printf("echo call, %d ms frames, %.0f s of speech, %d run(s), echo cancellation %s%s\n",
              frame_ms, speech_s, runs, no_aec ? "off" : "on", g_low_delay ? ", low-delay codec" : "");
  if (g_stall_ms > 0)
    std::printf("the cli is stalled for %d ms every %.1f s\n", g_stall_ms,
                g_stall_every_s);
  if (g_busy_cores > 0)
    std::printf("%d thread(s) of the benchmark spin at normal priority meanwhile\n", g_busy_cores);
  const test::StallProbe watch;
  const BusyCores busy(g_busy_cores);
  for (int r = 0; r < runs; ++r) {
    print("sound server",
          through_sound_server(exe, port, pulse, dir, speech, speech_s, frame_ms, no_aec, watch));
    print("WAV devices", through_wav_devices(exe, port, dir, speech, speech_s, frame_ms, no_aec, watch));
  }
  server.stop();
  return 0;
}
