// What the fan-out benchmark asks of the system: CPU time of the server and
// of itself, whether a process still runs, enough descriptors for thousands
// of clients, a free port, and the server's address.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace voixer::bench {

// utime + stime of a process in seconds, from /proc/<pid>/stat.
std::optional<double> process_cpu_seconds(pid_t pid);
// Resident memory of a process in KiB (VmRSS in /proc/<pid>/status).
std::optional<double> process_rss_kib(pid_t pid);
// Still running (a zombie is not).
bool process_alive(pid_t pid);
// This process's user + system CPU time in seconds.
double self_cpu_seconds();

// CPU time of the server (when its pid is known) and of the bench, at a moment.
struct CpuSample {
  std::int64_t wall_ns = 0;
  std::optional<double> server;
  double self = 0;
};
CpuSample sample_cpu(pid_t server_pid);

// Raises the soft limit on open descriptors to the hard limit.
void raise_fd_limit();
// Throws FatalError when fewer than `needed` descriptors may be open.
void check_fd_limit(std::size_t needed, const std::string& what);
// A TCP port on 127.0.0.1 that was free a moment ago. Throws FatalError.
int free_loopback_port();
// The first address of host:port. Throws FatalError.
sockaddr_storage resolve(const std::string& host, const std::string& port, socklen_t& len);
// Blocking probe: does the address accept TCP connections?
bool can_connect(const sockaddr_storage& addr, socklen_t len);

}  // namespace voixer::bench
