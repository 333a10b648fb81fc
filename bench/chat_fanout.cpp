// chat_fanout: channel fan-out throughput and latency of the Voixer chat
// server. This file starts the server (or finds a running one) and runs the
// bench; its parts are in bench/fanout/: the command line (options), the
// run's phases (fanout_bench), one client's socket (connection) and the
// event loop (poller), the protocol lines (lines), the senders' pacing
// (pacing), what was sent and what arrived (deliveries, histogram), the
// report (report), and what it asks of the system (system).
//
// What it does
//   N clients (nicks b0..b<N-1>) connect, CONNECT, JOIN one channel (#bench). The first S clients
//   are senders; each message they send is fanned out by the server to the N-1 other members.
//   Every message text is "<sender_index> <seq> <send_time_ns> <padding>", so every receiver can
//   compute the delivery latency (same host, same CLOCK_MONOTONIC) and check loss, duplicates
//   and per-(receiver, sender) ordering.
//
//   Rate mode (--rate R > 0): one global schedule, message k is due at start + k/R and is sent by
//   sender k mod S, so each sender sends R/S per second, evenly paced; if the bench falls behind
//   it sends the backlog.
//   Flat-out mode (--rate 0): each sender keeps at most --window messages outstanding; a message
//   stops being outstanding once the observer client (index N-1, never a sender) received it.
//   That backpressure keeps the server's per-client output queues bounded.
//
//   After --warmup seconds of sending, --seconds of sending are measured (latency, loss and CPU
//   only count messages sent in that period). Then sending stops and the bench drains until all
//   expected deliveries arrived or --drain-timeout seconds passed without progress.
//
// Examples
//   chat_fanout --server build/app/voixer --clients 200 --senders 20 --rate 2000
//   chat_fanout --server build/app/voixer --rate 0 --window 64 --seconds 5
//   chat_fanout --connect 127.0.0.1:6667 --server-pid 12345 --clients 500
//
// With --server the bench starts
//   PATH serve --port P --bind 127.0.0.1 --flood-rate 0 --max-clients <N+50> --max-per-address 0
//   --data-dir <a fresh temporary directory> [--server-arg ...]
// so the server keeps its history file (SQLite) there; `--server-arg --no-history-file`
// measures it without.
// waits until P accepts TCP connections, and sends SIGTERM to it at the end.
//
// Output: a human-readable summary on stdout ending with one machine-readable line
//   RESULT clients=.. senders=.. rate=.. deliveries_per_s=.. p50_ms=.. p99_ms=.. max_ms=.. lost=..
//          server_us_per_delivery=.. server_core_pct=.. (followed by a few extra key=value fields)
// Progress and errors go to stderr.
// Exit status: 0 when the run completed (even with losses), 1 on setup failure / server death,
// 2 on bad command-line usage.
//
// Single thread, one epoll loop.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/fanout/clock.hpp"
#include "bench/fanout/errors.hpp"
#include "bench/fanout/fanout_bench.hpp"
#include "bench/fanout/system.hpp"
#include "support/process.hpp"

namespace voixer::bench {
namespace {

// `voixer serve` on a free loopback port, its output to --server-log.
std::unique_ptr<test::Process> start_server(const Options& o, int port,
                                            const std::string& data_dir) {
  const std::string room = std::to_string(o.clients + 50);
  // clang-format off
  std::vector<std::string> args = {o.server_path, "serve", "--port", std::to_string(port),
                                   "--bind", "127.0.0.1", "--flood-rate", "0",
                                   "--data-dir", data_dir};
  // With one address for all clients, the limits per address must go.
  if (!o.lan)
    args.insert(args.end(), {"--max-clients", room, "--max-per-address", "0",
                             "--max-pending", room, "--max-pending-per-address", room});
  // clang-format on
  args.insert(args.end(), o.server_args.begin(), o.server_args.end());
  return std::make_unique<test::Process>(args, o.server_log.empty() ? "/dev/null" : o.server_log);
}

// "" while the server runs, else how it ended.
std::string exit_text(test::Process& p) {
  int code = p.wait(0);
  if (code < 0) return {};
  if (code > 128) return std::string("killed by signal ") + strsignal(code - 128);
  return "exit status " + std::to_string(code) + (code == 127 ? " (exec failed?)" : "");
}

int run(const Options& opt) {
  raise_fd_limit();
  std::signal(SIGPIPE, SIG_IGN);
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::unique_ptr<test::Process> server;  // stopped after the clients are gone
  std::string data_dir;                    // the server's, removed at the end
  if (!opt.server_path.empty()) {
    int port = opt.port ? opt.port : free_loopback_port();
    addr = resolve("127.0.0.1", std::to_string(port), addr_len);
    std::fprintf(stderr, "chat_fanout: starting %s on port %d\n", opt.server_path.c_str(), port);
    char dir[] = "/tmp/chat_fanout-XXXXXX";
    if (!mkdtemp(dir)) throw FatalError("cannot make a data directory in /tmp");
    data_dir = dir;
    server = start_server(opt, port, data_dir);
    const std::int64_t deadline = now_ns() + 10 * kNsPerSec;
    for (;;) {
      if (auto why = exit_text(*server); !why.empty())
        throw FatalError("server exited during startup (" + why + ")");
      if (can_connect(addr, addr_len)) break;
      if (now_ns() > deadline)
        throw FatalError("server did not accept connections on port " + std::to_string(port) +
                         " within 10 s");
      usleep(20'000);
    }
    run_fanout(opt, addr, addr_len, server->pid(), [&] { return exit_text(*server); });
    server->stop();
    std::error_code ignored;
    std::filesystem::remove_all(data_dir, ignored);
    return 0;
  }
  addr = resolve(opt.connect_host, opt.connect_port, addr_len);
  if (opt.server_pid > 0 && kill(opt.server_pid, 0) != 0 && errno == ESRCH)
    throw FatalError("no process with pid " + std::to_string(opt.server_pid));
  run_fanout(opt, addr, addr_len, opt.server_pid, {});
  return 0;
}

}  // namespace
}  // namespace voixer::bench

int main(int argc, char** argv) {
  using namespace voixer::bench;
  try {
    return run(parse_args(argc, argv));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "chat_fanout: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chat_fanout: %s\n", e.what());
    return 1;
  }
}
