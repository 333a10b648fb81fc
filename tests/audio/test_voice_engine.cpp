// The voice engine's sending side with a real (WAV-file) device on a real
// clock: push-to-talk, mute, and voice activation decide which captured
// frames go out. Waits are on the engine's own counters, not on sleeps.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "support/analysis.hpp"
#include "support/eventually.hpp"
#include "audio/voice_engine.hpp"
#include "audio/wav.hpp"
#include "audio/wav_device.hpp"
#include "core/voice_frame.hpp"

using namespace voixer;
using test::eventually;

namespace {

std::string write_input(const std::string& name, double silence_s, double voice_s) {
  auto path = (std::filesystem::temp_directory_path() / name).string();
  std::vector<std::int16_t> samples(static_cast<std::size_t>(silence_s * 48000), 0);
  auto voice = audio::synth_voice(voice_s, 3);
  samples.insert(samples.end(), voice.begin(), voice.end());
  audio::write_wav_48k_mono(path, samples);
  return path;
}

}  // namespace

TEST_CASE("push-to-talk sends only while pressed, and mute stops it") {
  audio::WavDevice device(write_input("voixer-ptt.wav", 0, 4), "");
  std::atomic<int> sent{0};
  audio::VoiceSettings settings;
  settings.input_mode = audio::InputMode::PushToTalk;
  audio::VoiceEngine engine(device, settings, [&](std::span<const std::uint8_t> f) {
    CHECK(core::parse_client_voice(f).has_value());
    ++sent;
  });
  engine.set_sending(true);
  engine.start();
  REQUIRE(eventually([&] { return engine.stats().frames_captured >= 10; }));
  CHECK(sent == 0);
  engine.set_push_to_talk(true);
  REQUIRE(eventually([&] { return sent >= 5; }));
  engine.set_muted(true);
  REQUIRE(eventually([&] { return engine.stats().frames_captured >= 30; }));  // let in-flight frames pass
  int at_mute = sent;
  auto captured = engine.stats().frames_captured;
  REQUIRE(eventually([&] { return engine.stats().frames_captured >= captured + 10; }));
  CHECK(sent == at_mute);
  engine.stop();
}

TEST_CASE("voice activation opens on speech and stays shut in silence") {
  audio::WavDevice device(write_input("voixer-vad.wav", 1.0, 2), "");
  std::atomic<int> sent{0};
  audio::VoiceSettings settings;
  settings.input_mode = audio::InputMode::VoiceActivation;
  settings.activation_level = 0.02f;
  audio::VoiceEngine engine(device, settings, [&](std::span<const std::uint8_t>) { ++sent; });
  engine.set_sending(true);
  engine.start();
  // 0.8 s of the leading second of silence: nothing goes out.
  REQUIRE(eventually([&] { return engine.stats().frames_captured >= 40; }));
  CHECK(sent == 0);
  // The voice starts at 1 s: frames go out, and the input level shows it.
  REQUIRE(eventually([&] { return sent >= 10; }));
  CHECK(engine.stats().input_level > 0.02f);
  engine.stop();
}

namespace {

// The lowest nice value among this process's threads (/proc/self/task).
int lowest_thread_nice() {
  int lowest = 20;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto after_name = text.rfind(')');
    if (after_name == std::string::npos) continue;
    std::istringstream fields(text.substr(after_name + 2));
    std::string field;
    // Fields from the 3rd (state) on; nice is the 19th.
    for (int i = 3; i <= 19 && fields >> field; ++i)
      if (i == 19) lowest = std::min(lowest, std::stoi(field));
  }
  return lowest;
}

}  // namespace

TEST_CASE("the voice thread asks for the priority of an audio thread, and says whether it got it") {
  audio::WavDevice device(write_input("voixer-priority.wav", 0, 2), "");
  audio::VoiceEngine engine(device, audio::VoiceSettings{}, [](std::span<const std::uint8_t>) {});
  int before = lowest_thread_nice();
  engine.start();
  REQUIRE(eventually([&] { return engine.stats().frames_captured >= 5; }));
  if (::geteuid() != 0) {  // a user gets it through RealtimeKit, or not at all
    MESSAGE("not root: the voice thread's priority is " << (engine.stats().priority_raised ? "raised" : "normal"));
    engine.stop();
    return;
  }
  REQUIRE(eventually([&] { return engine.stats().priority_raised; }));
  CHECK(before >= 0);
  CHECK(lowest_thread_nice() < 0);  // the thread itself runs above the others
  engine.stop();
}
