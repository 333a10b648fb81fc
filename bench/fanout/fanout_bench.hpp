// The fan-out benchmark's run: N clients join one channel, S of them send,
// every delivery is timed and checked (loss, duplicates, order) in one
// epoll loop; then the report (stdout, ending with one RESULT line).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <functional>
#include <string>

#include "bench/fanout/options.hpp"

namespace voixer::bench {

// Runs the benchmark against the server at `addr`. `server_pid` (0 when
// unknown) is measured for CPU; `server_exited` (may be empty) says how a
// server the bench started ended, or "" while it runs. Throws FatalError.
void run_fanout(const Options& opt, const sockaddr_storage& addr, socklen_t addr_len,
                pid_t server_pid, std::function<std::string()> server_exited);

}  // namespace voixer::bench
