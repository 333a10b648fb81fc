#include "audio/device_keeper.hpp"

#include <algorithm>

namespace voixer::audio {

namespace {

constexpr Direction kBoth[] = {Direction::Capture, Direction::Playback};

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

}  // namespace

DeviceKeeper::DeviceKeeper(SdlDevice& device) : m_device(device) {}

bool DeviceKeeper::both_open() const {
  return m_device.is_open(Direction::Capture) && m_device.is_open(Direction::Playback);
}

std::string DeviceKeeper::problem() const {
  std::string text;
  for (Direction d : kBoth) {
    if (m_device.is_open(d)) continue;
    if (!text.empty()) text += "; ";
    const std::string& why = m_device.error(d);
    text += why.empty() ? std::string("no ") + direction_noun(d) : why;
  }
  return text.empty() ? text : text + " (retrying)";
}

void DeviceKeeper::take_warnings(std::vector<DeviceChange>& out) {
  for (auto& w : m_device.take_warnings())
    out.push_back({DeviceChange::Kind::Switched, capitalised(std::move(w))});
}

std::vector<DeviceChange> DeviceKeeper::started(Clock::time_point now) {
  std::vector<DeviceChange> out;
  take_warnings(out);
  for (Direction d : kBoth) {
    Side& s = side(d);
    s.next_chosen_check = now + kChosenCheck;
    if (m_device.is_open(d)) continue;
    s.down = true;
    s.reported = true;
    s.backoff = kFirstRetry;
    s.next_try = now + s.backoff;
    out.push_back({DeviceChange::Kind::Problem, "no sound yet: " + m_device.error(d) + "; retrying"});
  }
  return out;
}

std::vector<DeviceChange> DeviceKeeper::poll(Clock::time_point now) {
  std::vector<DeviceChange> out;
  for (Direction d : kBoth) {
    if (!m_device.stopped(d)) continue;
    std::string was = m_device.opened_name(d);
    m_device.close(d);
    Side& s = side(d);
    s.down = true;
    s.reported = true;
    s.backoff = {};
    s.next_try = now;  // at once: a device that moved may open right away
    out.push_back({DeviceChange::Kind::Problem, capitalised(direction_noun(d)) + " (" + was +
                                                    ") went away; reopening"});
  }
  // With both directions down the sound server itself is likely gone: SDL
  // must start anew to reach its next incarnation, once per round of tries.
  bool restarted = false;
  for (Direction d : kBoth) {
    Side& s = side(d);
    if (!s.down || now < s.next_try) continue;
    if (!restarted && !m_device.is_open(Direction::Capture) &&
        !m_device.is_open(Direction::Playback)) {
      (void)SdlDevice::restart_sdl_audio();  // a failure shows in open()'s error
      restarted = true;
    }
    try_open(d, now, out);
  }
  for (Direction d : kBoth) look_for_chosen(d, now, out);
  return out;
}

void DeviceKeeper::try_open(Direction d, Clock::time_point now, std::vector<DeviceChange>& out) {
  Side& s = side(d);
  std::string error = m_device.open(d);
  take_warnings(out);
  if (error.empty()) {
    s.down = false;
    s.reported = false;
    s.next_chosen_check = now + kChosenCheck;
    out.push_back({DeviceChange::Kind::Restored, capitalised(direction_noun(d)) + " back (" +
                                                     m_device.opened_name(d) + ")"});
    return;
  }
  s.backoff = s.backoff == Clock::duration{} ? Clock::duration(kFirstRetry)
                                              : std::min<Clock::duration>(s.backoff * 2, kMaxRetry);
  s.next_try = now + s.backoff;
  if (!s.reported) {
    s.reported = true;
    out.push_back({DeviceChange::Kind::Problem, error + "; retrying"});
  }
}

void DeviceKeeper::look_for_chosen(Direction d, Clock::time_point now,
                                   std::vector<DeviceChange>& out) {
  const std::string& chosen = m_device.chosen(d);
  Side& s = side(d);
  if (chosen.empty() || !m_device.is_open(d) || m_device.opened_name(d) == chosen) return;
  if (now < s.next_chosen_check) return;
  s.next_chosen_check = now + kChosenCheck;
  std::vector<std::string> names;
  try {
    names = SdlDevice::list(d == Direction::Capture);
  } catch (const std::exception&) {
    return;  // no audio at all: the open retries say so
  }
  if (std::find(names.begin(), names.end(), chosen) == names.end()) return;
  m_device.close(d);
  std::string error = m_device.open(d);
  take_warnings(out);
  if (error.empty() && m_device.opened_name(d) == chosen) {
    out.push_back({DeviceChange::Kind::Switched,
                   capitalised(direction_noun(d)) + ": '" + chosen + "' is back and in use"});
  } else if (!error.empty()) {
    s.down = true;
    s.reported = true;
    s.backoff = kFirstRetry;
    s.next_try = now + s.backoff;
    out.push_back({DeviceChange::Kind::Problem, error + "; retrying"});
  }
}

}  // namespace voixer::audio
