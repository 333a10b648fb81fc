// What the benchmark asks of the system: CPU time of the server and of
// itself, whether a process still runs, enough descriptors for thousands of
// clients, a free port, and the server's address.
#pragma once

#include "bench/fanout/common.hpp"

namespace voixer::bench {

// utime + stime of a process in seconds, from /proc/<pid>/stat.
std::optional<double> process_cpu_seconds(pid_t pid);
// Still running (a zombie is not).
bool process_alive(pid_t pid);
double self_cpu_seconds();
void raise_fd_limit();
int free_loopback_port();
sockaddr_storage resolve(const std::string& host, const std::string& port, socklen_t& len);
// Blocking probe: does the address accept TCP connections?
bool can_connect(const sockaddr_storage& addr, socklen_t len);

}  // namespace voixer::bench
