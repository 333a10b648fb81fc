// A private PulseAudio sound server for tests and benchmarks, with a
// headset made of virtual devices, so the voice path runs through a real
// sound server (SDL's pulseaudio driver, the server's own clocks and
// buffers) on a machine without sound hardware:
//
//   mouth  a sink: what is played into it is what "mic" hears
//   mic    a source (a remap of mouth's monitor, so SDL lists it as a mic)
//   ear    a sink: a client's speakers
//   rec    a stereo null sink under mouth (left) and ear (right): one
//          recording of rec.monitor holds both, sample-aligned, so the
//          delay from mouth to ear is exact
//   spare  the default sink; room  the default source (silent)
//
// The daemon runs as a child of the test (it dies with it), in its own
// directory, reached through PULSE_SERVER; kill() and restart() take the
// server away and bring it back with the same devices, unload() unplugs a
// device. Device descriptions equal their names, so SDL lists them so.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"

namespace voixer::test {

class PulseServer {
 public:
  // Starts the daemon in `dir` (created) and waits until it answers.
  // Sets PULSE_SERVER and SDL_AUDIODRIVER for this process and its children.
  explicit PulseServer(std::string dir);
  ~PulseServer();  // stops the daemon and its players and recorders
  PulseServer(const PulseServer&) = delete;
  PulseServer& operator=(const PulseServer&) = delete;

  // "" when the server runs, else why it could not start (no pulseaudio
  // installed, or the daemon refused): the caller skips with this reason.
  const std::string& unavailable() const { return m_unavailable; }

  // SIGKILLs the daemon, like a crash; clients see their streams die.
  void kill();
  // Starts it again with the same devices; false if it did not come up.
  bool restart();

  // Loads a mono null sink named `name` (a pair of headphones); returns the
  // module index for unload(), or -1.
  int add_sink(const std::string& name);
  // Unloads a module: the device disappears as when unplugged.
  bool unload(int module);

  // Runs pactl with these arguments; returns its exit code.
  int pactl(const std::string& args) const;

  // Plays a WAV file into a sink (paplay), from now.
  void play(const std::string& wav, const std::string& sink);
  // Records rec.monitor (mouth left, ear right) as raw stereo into `path`
  // until stop_recording().
  void record(const std::string& path);
  void stop_recording();
  // Stops every player started by play().
  void stop_players();
  // Waits for every player to reach the end of its file; false on timeout.
  bool wait_players(int timeout_ms);

  // Reads a recording made by record(): {mouth, ear}, 48 kHz mono each.
  static std::pair<std::vector<std::int16_t>, std::vector<std::int16_t>> read_recording(
      const std::string& path);

 private:
  bool start_daemon();
  std::vector<std::string> with_client_config(std::vector<std::string> argv) const;

  std::string m_dir;
  std::string m_unavailable;
  std::unique_ptr<Process> m_daemon;
  std::unique_ptr<Process> m_recorder;
  std::vector<std::unique_ptr<Process>> m_players;
};

}  // namespace voixer::test
