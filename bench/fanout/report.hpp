// The fan-out benchmark's report: a summary for a person on stdout, ending
// with one RESULT line of key=value fields for scripts (docs/performance.md
// quotes both).
#pragma once

#include <cstdint>

#include "bench/fanout/deliveries.hpp"
#include "bench/fanout/options.hpp"
#include "bench/fanout/system.hpp"

namespace voixer::bench {

// How the load phase went.
struct RunResult {
  CpuSample start, end;        // when measuring started and stopped
  std::uint64_t sent = 0;      // measured messages
  std::uint64_t expected = 0;  // their deliveries: sent x (clients - 1)
  double drain_seconds = 0;
  bool drain_complete = false;  // every expected delivery arrived
};

// What went wrong beside the deliveries themselves.
struct ClientAnomalies {
  std::uint64_t overlong_lines = 0;
  std::uint64_t error_lines = 0;    // ERROR, NOTACCEPTED, NICKNAMEINUSE after joining
  std::uint64_t window_resets = 0;  // flat-out: a stuck window given up as lost
  int disconnected = 0;
};

// Prints the report and flushes stdout.
void print_report(const Options& opt, const Deliveries& deliveries, const RunResult& run,
                  const ClientAnomalies& clients);

}  // namespace voixer::bench
