#include "support/pulse_server.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace voixer::test {

namespace {

// The devices, as the class comment draws them. Descriptions equal the
// names: SDL lists devices by description.
const char* const kScript = R"(
load-module module-null-sink sink_name=rec channels=2 rate=48000 sink_properties=device.description=rec
load-module module-remap-sink sink_name=mouth master=rec channels=1 master_channel_map=front-left channel_map=mono sink_properties=device.description=mouth
load-module module-remap-sink sink_name=ear master=rec channels=1 master_channel_map=front-right channel_map=mono sink_properties=device.description=ear
load-module module-remap-source source_name=mic master=mouth.monitor channels=1 source_properties=device.description=mic
load-module module-null-sink sink_name=spare channels=1 rate=48000 sink_properties=device.description=spare
load-module module-null-sink sink_name=quiet channels=1 rate=48000 sink_properties=device.description=quiet
load-module module-remap-source source_name=room master=quiet.monitor channels=1 source_properties=device.description=room
set-default-sink spare
set-default-source room
)";

bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

PulseServer::PulseServer(std::string dir) : m_dir(std::move(dir)) {
  if (!have_program("pulseaudio") || !have_program("pactl") || !have_program("paplay") ||
      !have_program("parecord")) {
    m_unavailable = "PulseAudio is not installed (apt-get install pulseaudio pulseaudio-utils)";
    return;
  }
  std::filesystem::create_directories(m_dir);
  {
    std::ofstream script(m_dir + "/pa.pa");
    script << "load-module module-native-protocol-unix auth-anonymous=1 socket=" << m_dir
           << "/native\n"
           << kScript;
    // paplay and parecord without shared memory: feeding a null sink through
    // memfd can trip a PulseAudio bug that slows capture to 50-70 % of real
    // time (see the project's notes on the stack).
    std::ofstream client(m_dir + "/client.conf");
    client << "enable-shm = no\nautospawn = no\n";
  }
  ::setenv("PULSE_SERVER", ("unix:" + m_dir + "/native").c_str(), 1);
  ::setenv("SDL_AUDIODRIVER", "pulseaudio", 1);
  ::unsetenv("PULSE_SINK");
  ::unsetenv("PULSE_SOURCE");
  if (!start_daemon())
    m_unavailable = "the PulseAudio daemon did not start (see " + m_dir + "/daemon.log)";
}

PulseServer::~PulseServer() {
  stop_players();
  stop_recording();
  if (m_daemon) m_daemon->stop(2000);
}

bool PulseServer::start_daemon() {
  // A child of this process, not daemonized: it dies with the test, and its
  // pid is ours to kill. HOME and XDG_RUNTIME_DIR keep its files in m_dir.
  m_daemon = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/env", "HOME=" + m_dir, "XDG_RUNTIME_DIR=" + m_dir,
                               "pulseaudio", "--daemonize=no", "--use-pid-file=no",
                               "--exit-idle-time=-1", "-n", "-F", m_dir + "/pa.pa",
                               "--log-target=stderr"},
      m_dir + "/daemon.log");
  // Ready when it answers; it usually does within 100 ms.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pactl("info") == 0) return true;
    if (m_daemon->wait(0) >= 0) return false;  // it exited
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void PulseServer::kill() {
  if (!m_daemon) return;
  m_daemon->signal(SIGKILL);
  m_daemon->wait(5000);
}

bool PulseServer::restart() {
  if (m_daemon) m_daemon->stop(2000);
  return start_daemon();
}

int PulseServer::pactl(const std::string& args) const {
  std::string cmd = "pactl " + args + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int PulseServer::add_sink(const std::string& name) {
  std::string cmd = "pactl load-module module-null-sink sink_name=" + name +
                    " channels=1 rate=48000 sink_properties=device.description=" + name +
                    " 2>/dev/null";
  std::FILE* out = ::popen(cmd.c_str(), "r");
  if (!out) return -1;
  int index = -1;
  if (std::fscanf(out, "%d", &index) != 1) index = -1;
  ::pclose(out);
  return index;
}

bool PulseServer::unload(int module) {
  return pactl("unload-module " + std::to_string(module)) == 0;
}

std::vector<std::string> PulseServer::with_client_config(std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {"/usr/bin/env", "PULSE_CLIENTCONFIG=" + m_dir + "/client.conf"});
  return argv;
}

void PulseServer::play(const std::string& wav, const std::string& sink) {
  m_players.push_back(std::make_unique<Process>(
      with_client_config({"paplay", "-d", sink, wav}), m_dir + "/paplay.log"));
}

void PulseServer::stop_players() {
  for (auto& p : m_players) p->stop(2000);
  m_players.clear();
}

bool PulseServer::wait_players(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (auto& p : m_players) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (p->wait(static_cast<int>(std::max<std::int64_t>(left.count(), 0))) < 0) return false;
  }
  m_players.clear();
  return true;
}

void PulseServer::record(const std::string& path) {
  m_recorder = std::make_unique<Process>(
      with_client_config({"parecord", "-d", "rec.monitor", "--raw", "--format=s16le",
                          "--channels=2", "--rate=48000", path}),
      m_dir + "/parecord.log");
}

void PulseServer::stop_recording() {
  if (!m_recorder) return;
  m_recorder->signal(SIGINT);  // parecord flushes what it has and exits
  if (m_recorder->wait(3000) < 0) m_recorder->stop(1000);
  m_recorder.reset();
}

std::pair<std::vector<std::int16_t>, std::vector<std::int16_t>> PulseServer::read_recording(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the recording");
  std::vector<std::int16_t> mouth, ear;
  std::int16_t frame[2];
  while (in.read(reinterpret_cast<char*>(frame), sizeof frame)) {
    mouth.push_back(frame[0]);
    ear.push_back(frame[1]);
  }
  return {std::move(mouth), std::move(ear)};
}

}  // namespace voixer::test
