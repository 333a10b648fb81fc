// DeviceKeeper on real SDL: with no audio driver it says so once, retries
// with backoff (0.1 s doubling to 1 s) and brings both directions back as
// soon as a driver is there; a chosen microphone SDL does not have gives
// way to the default for that direction only. SDL's dummy driver stands in
// for a sound card (it has only its default devices).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

#include "audio/device_keeper.hpp"
#include "audio/sdl_device.hpp"

using namespace voixer::audio;
using Clock = DeviceKeeper::Clock;
using std::chrono::milliseconds;

namespace {

struct Rings {
  SpscRing<std::int16_t> capture{kSampleRate}, playback{kSampleRate}, played{kSampleRate};
  Waker waker;
  std::atomic<std::uint64_t> starved{0}, consumed{0};
  DeviceRings get() { return {capture, playback, played, waker, starved, consumed}; }
};

// SDL_AUDIODRIVER for the scope, SDL's audio started anew on it; the
// previous driver is back afterwards.
struct Driver {
  std::string before;
  bool had = false;
  explicit Driver(const char* name) {
    if (const char* b = std::getenv("SDL_AUDIODRIVER")) had = true, before = b;
    use(name);
  }
  void use(const char* name) {
    ::setenv("SDL_AUDIODRIVER", name, 1);
    (void)SdlDevice::restart_sdl_audio();
  }
  ~Driver() {
    if (had) ::setenv("SDL_AUDIODRIVER", before.c_str(), 1);
    else ::unsetenv("SDL_AUDIODRIVER");
    (void)SdlDevice::restart_sdl_audio();
  }
};

int count(const std::vector<DeviceChange>& changes, DeviceChange::Kind kind) {
  int n = 0;
  for (const auto& c : changes) n += c.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("device keeper: no sound at all is said once, retried with backoff, and both directions come back") {
  Driver driver("no-such-driver");
  SdlDevice device;
  Rings rings;
  device.start(rings.get());
  DeviceKeeper keeper(device);
  auto t0 = Clock::now();
  auto first = keeper.started(t0);
  CHECK(count(first, DeviceChange::Kind::Problem) == 2);  // each direction, once
  CHECK_FALSE(keeper.both_open());
  CHECK(keeper.problem().find("(retrying)") != std::string::npos);

  // Tried at 0.1, 0.3, 0.7, 1.5, 2.5 s (0.1 doubling, at most 1 s apart);
  // nothing new is said meanwhile.
  CHECK(keeper.poll(t0 + milliseconds(99)).empty());
  CHECK(keeper.poll(t0 + milliseconds(100)).empty());  // tried, failed, not said again
  CHECK(keeper.poll(t0 + milliseconds(299)).empty());
  CHECK_FALSE(keeper.both_open());

  // A driver appears: at the next due try both directions are back.
  driver.use("dummy");
  CHECK(keeper.poll(t0 + milliseconds(299)).empty());  // not due yet: no try
  CHECK_FALSE(keeper.both_open());
  auto back = keeper.poll(t0 + milliseconds(300));
  CHECK(count(back, DeviceChange::Kind::Restored) == 2);
  CHECK(keeper.both_open());
  CHECK(keeper.problem().empty());
  device.stop();
}

TEST_CASE("device keeper: a chosen microphone that is not there gives way to the default, the speakers keep theirs") {
  Driver driver("dummy");
  SdlDevice device({"Headset microphone", ""});
  Rings rings;
  device.start(rings.get());
  DeviceKeeper keeper(device);
  auto t0 = Clock::now();
  auto changes = keeper.started(t0);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == DeviceChange::Kind::Switched);
  CHECK(changes[0].text.find("Microphone 'Headset microphone' cannot be opened") == 0);
  CHECK(changes[0].text.find("using the default device") != std::string::npos);
  CHECK(keeper.both_open());
  CHECK(device.opened_name(Direction::Capture) == "the default device");
  CHECK(device.opened_name(Direction::Playback) == "the default device");
  // Looking for it again later finds it still missing: nothing changes.
  CHECK(keeper.poll(t0 + DeviceKeeper::kChosenCheck + milliseconds(1)).empty());
  CHECK(device.opened_name(Direction::Capture) == "the default device");
  device.stop();
}
