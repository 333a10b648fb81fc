// file_transfer: a file shared at LAN speed, in constant memory.
//
//   file_transfer VOIXER_EXE [--megabytes 1000] [--dir /tmp]
//
// Starts `voixer serve` (files in a directory of its own), then two
// `voixer cli` processes as a user would: alice `/send`s a file of random
// bytes to #lobby, bob `/get`s it. Prints, for the upload and the download,
// the time from the transfer's start ("sending" / "fetching") to its end
// ("sent" / "saved"), MB/s, and the peak resident memory (VmHWM) of the
// server and of each client; checks that bob's copy has the same bytes.
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/ports.hpp"
#include "support/process.hpp"

using namespace voixer;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "file_transfer: %s\n", why.c_str());
  std::exit(1);
}

// Peak resident memory of a process, in MB.
double peak_rss_mb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (f >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      f >> kb;
      return kb / 1024.0;
    }
    f.ignore(1 << 10, '\n');
  }
  return -1;
}

// Waits until the client says something containing `part` (the cli's own
// notes go to stderr); the time it came.
Clock::time_point said(test::Process& p, const std::string& part, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    std::string text = p.stderr_text(20);
    if (text.find(part) != std::string::npos) return Clock::now();
    if (auto f = text.find("file: payload.bin: "); f != std::string::npos &&
        text.find("failed", f) != std::string::npos)
      die("transfer failed: " + text);
  }
  die("the client never said '" + part + "'; it said: " + p.stderr_text());
}

void write_random(const std::string& path, std::uint64_t bytes) {
  std::mt19937_64 rng(42);
  std::ofstream out(path, std::ios::binary);
  std::vector<std::uint64_t> block(1 << 17);
  for (std::uint64_t left = bytes; left > 0;) {
    for (auto& w : block) w = rng();
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size() * 8));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
}

bool same_bytes(const std::string& a, const std::string& b) {
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  std::vector<char> bx(1 << 20), by(1 << 20);
  for (;;) {
    x.read(bx.data(), static_cast<std::streamsize>(bx.size()));
    y.read(by.data(), static_cast<std::streamsize>(by.size()));
    if (x.gcount() != y.gcount()) return false;
    if (x.gcount() == 0) return true;
    if (!std::equal(bx.begin(), bx.begin() + x.gcount(), by.begin())) return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: file_transfer VOIXER_EXE [--megabytes 1000] [--dir /tmp]");
  std::string exe = fs::absolute(argv[1]).string();
  double megabytes = 1000;
  std::string base = fs::temp_directory_path().string();
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    if (opt == "--megabytes") megabytes = std::atof(argv[i + 1]);
    else if (opt == "--dir") base = argv[i + 1];
    else die("unknown option " + opt);
  }
  auto bytes = static_cast<std::uint64_t>(megabytes * 1e6);
  fs::path work = fs::path(base) / ("voixer-file-bench-" + std::to_string(::getpid()));
  fs::create_directories(work);
  std::string source = (work / "payload.bin").string();
  write_random(source, bytes);
  setenv("XDG_CONFIG_HOME", (work / "config").c_str(), 1);
  setenv("XDG_DATA_HOME", (work / "data").c_str(), 1);

  std::string port = std::to_string(test::free_tcp_port());
  test::Process server({exe, "serve", "--port", port, "--no-discovery", "--quiet", "--data-dir",
                        (work / "server").string(), "--files-quota", "100GB"},
                       (work / "serve.log").string());
  for (int i = 0;; ++i) {  // until it listens
    std::ifstream log(work / "serve.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    if (text.find("serving on") != std::string::npos) break;
    if (i > 500) die("the server did not start: " + text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  test::Process alice({exe, "cli", "--no-voice", "--nick", "alice", "127.0.0.1:" + port});
  if (!alice.stdout_until("USERLIST #lobby: alice", 5000)) die("alice could not join");
  alice.write_stdin("/send " + source + "\n");
  auto up_start = said(alice, "payload.bin: sending", 600'000);
  auto up_end = said(alice, "payload.bin: sent to #lobby", 600'000);
  double alice_mb = peak_rss_mb(alice.pid());

  test::Process bob({exe, "cli", "--no-voice", "--nick", "bob", "--download-dir",
                     (work / "bob").string(), "127.0.0.1:" + port});
  for (;;) {  // the file comes with #lobby's history
    auto line = bob.stdout_line(5000);
    if (!line) die("bob never saw the file: " + bob.stderr_text());
    if (line->rfind("FILE alice #lobby", 0) == 0) break;
  }
  bob.write_stdin("/get 1\n");
  auto down_start = said(bob, "payload.bin: fetching", 600'000);
  auto down_end = said(bob, "payload.bin: saved", 600'000);
  double bob_mb = peak_rss_mb(bob.pid());
  double server_mb = peak_rss_mb(server.pid());
  bool same = same_bytes(source, (work / "bob" / "payload.bin").string());

  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  double up = seconds(up_start, up_end), down = seconds(down_start, down_end);
  std::printf("file of %.0f MB over loopback (sealed file streams)\n", bytes / 1e6);
  std::printf("  upload:   %6.2f s  %7.1f MB/s\n", up, bytes / 1e6 / up);
  std::printf("  download: %6.2f s  %7.1f MB/s\n", down, bytes / 1e6 / down);
  std::printf("  peak resident memory: server %.1f MB, alice %.1f MB, bob %.1f MB\n", server_mb,
              alice_mb, bob_mb);
  std::printf("  bob's copy %s\n", same ? "has the same bytes" : "DIFFERS");
  std::printf("RESULT up_mb_s=%.1f down_mb_s=%.1f server_rss_mb=%.1f client_rss_mb=%.1f same=%d\n",
              bytes / 1e6 / up, bytes / 1e6 / down, server_mb, std::max(alice_mb, bob_mb), same);
  alice.write_stdin("/quit\n");
  bob.write_stdin("/quit\n");
  alice.wait();
  bob.wait();
  server.stop();
  fs::remove_all(work);
  return same ? 0 : 1;
}
