// Keeps the microphone and the speakers of an SdlDevice open while the
// engine runs, each direction on its own:
// - a direction that stops (unplugged, the sound server gone) is closed
//   and opened again at once, then retried with backoff (0.1 s doubling to
//   1 s) until it opens; the other direction is left alone;
// - a chosen device that cannot be opened gives way to the default one for
//   that direction only, and is taken back when SDL lists it again;
// - when both directions are down, SDL's audio is restarted before each
//   try, since its device list (and its link to the sound server) is stale
//   once the server went away.
// Runs on the owner's thread (poll() a few times a second); says what
// happened in sentences for the user.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "audio/sdl_device.hpp"

namespace voixer::audio {

struct DeviceChange {
  enum class Kind {
    Problem,   // a direction went away, or cannot be opened (once per outage)
    Restored,  // a direction that was down is open again
    Switched,  // a direction moved between the chosen and the default device
  };
  Kind kind;
  std::string text;
};

class DeviceKeeper {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DeviceKeeper(SdlDevice& device);

  // Call after the device started: reports a direction that did not open.
  std::vector<DeviceChange> started(Clock::time_point now);
  // Looks at both directions; reopens what is due. Returns what changed.
  std::vector<DeviceChange> poll(Clock::time_point now);

  // "" when both directions are open, else what is missing and that it is
  // being retried, for /stats and the window.
  std::string problem() const;
  bool both_open() const;

  static constexpr auto kFirstRetry = std::chrono::milliseconds(100);
  static constexpr auto kMaxRetry = std::chrono::milliseconds(1000);
  // How often a direction on the default device looks for the chosen one.
  static constexpr auto kChosenCheck = std::chrono::seconds(2);

 private:
  struct Side {
    bool down = false;       // closed, being retried
    bool reported = false;   // the user was told it is down
    Clock::duration backoff{};
    Clock::time_point next_try{};
    Clock::time_point next_chosen_check{};
  };
  Side& side(Direction d) { return d == Direction::Capture ? m_in : m_out; }
  const Side& side(Direction d) const { return d == Direction::Capture ? m_in : m_out; }
  void try_open(Direction d, Clock::time_point now, std::vector<DeviceChange>& out);
  void take_warnings(std::vector<DeviceChange>& out);
  void look_for_chosen(Direction d, Clock::time_point now, std::vector<DeviceChange>& out);

  SdlDevice& m_device;
  Side m_in, m_out;
};

}  // namespace voixer::audio
