// The report: see report.hpp. Its lines and fields are what
// docs/performance.md and scripts read; keep them as they are.
#include "bench/fanout/report.hpp"

#include <cstdio>
#include <string>

namespace voixer::bench {
namespace {

// A latency with about three significant digits.
std::string ms_text(double ms) {
  char b[32];
  if (ms < 1)
    std::snprintf(b, sizeof b, "%.3f", ms);
  else if (ms < 10)
    std::snprintf(b, sizeof b, "%.2f", ms);
  else if (ms < 100)
    std::snprintf(b, sizeof b, "%.1f", ms);
  else
    std::snprintf(b, sizeof b, "%.0f", ms);
  return b;
}

unsigned long long ull(std::uint64_t v) { return v; }

}  // namespace

void print_report(const Options& o, const Deliveries& deliveries, const RunResult& r,
                  const ClientAnomalies& clients) {
  const DeliveryTotals totals = deliveries.totals();
  const DeliveryAnomalies& odd = deliveries.anomalies();
  const std::uint64_t received = deliveries.received_measured();
  const Histogram& latency = deliveries.latency();
  const double measured = static_cast<double>(r.end.wall_ns - r.start.wall_ns) / 1e9;
  const double dps = static_cast<double>(received) / measured;
  const double mps = static_cast<double>(r.sent) / measured;
  const std::string p50 = ms_text(latency.percentile_ms(0.50));
  const std::string p99 = ms_text(latency.percentile_ms(0.99));
  const std::string p999 = ms_text(latency.percentile_ms(0.999));
  const std::string max = ms_text(latency.max_ms());
  const double bench_cpu = r.end.self - r.start.self;

  const std::string rate_text =
      o.rate > 0 ? std::to_string(static_cast<std::uint64_t>(o.rate)) + "/s (target)"
                 : "flat-out (window " + std::to_string(o.window) + ")";
  std::printf("clients %d senders %d rate %s measured %.1f s\n", o.clients, o.senders,
              rate_text.c_str(), measured);
  std::printf(
      "sent %llu messages, expected %llu deliveries, received %llu, lost %llu, duplicates %llu, "
      "out-of-order %llu\n",
      ull(r.sent), ull(r.expected), ull(received), ull(totals.lost), ull(totals.duplicates),
      ull(odd.out_of_order));
  std::printf("deliveries/s %.0f\n", dps);
  std::printf(
      "messages/s %.0f sent%s\n", mps,
      o.rate > 0 && mps < 0.95 * o.rate ? " (below target: the server did not keep up)" : "");
  std::printf("latency p50 %s ms p99 %s ms p99.9 %s ms max %s ms\n", p50.c_str(), p99.c_str(),
              p999.c_str(), max.c_str());

  std::string us_per = "na", core_pct = "na";
  if (r.start.server && r.end.server) {
    const double cpu = *r.end.server - *r.start.server;
    const double us = received ? cpu * 1e6 / static_cast<double>(received) : 0;
    char t[64];
    std::snprintf(t, sizeof t, "%.3g", us);
    us_per = t;
    std::snprintf(t, sizeof t, "%.0f", cpu / measured * 100);
    core_pct = t;
    std::printf("server CPU %.2f s = %s us per delivery (%s%% of one core)\n", cpu, us_per.c_str(),
                core_pct.c_str());
  } else {
    std::printf("server CPU na (no server pid)\n");
  }
  std::printf("bench CPU %.2f s (%.0f%% of one core)\n", bench_cpu, bench_cpu / measured * 100);
  if (bench_cpu / measured > 0.9)
    std::printf("warning: the bench used >90%% of a core; results may be limited by the bench\n");
  if (!r.drain_complete)
    std::printf("drain incomplete: gave up after %.1f s without progress (%llu messages short)\n",
                r.drain_seconds, ull(totals.lost_messages));
  if (odd.self || odd.foreign || odd.malformed || clients.overlong_lines || clients.error_lines ||
      clients.window_resets || clients.disconnected)
    std::printf(
        "anomalies: self-deliveries %llu, foreign/stale MSG %llu, malformed MSG %llu, "
        "overlong lines %llu, ERROR lines %llu, window resets %llu, disconnected clients %d\n",
        ull(odd.self), ull(odd.foreign), ull(odd.malformed), ull(clients.overlong_lines),
        ull(clients.error_lines), ull(clients.window_resets), clients.disconnected);
  std::printf(
      "RESULT clients=%d senders=%d rate=%llu deliveries_per_s=%.0f p50_ms=%s p99_ms=%s max_ms=%s "
      "lost=%llu server_us_per_delivery=%s server_core_pct=%s p999_ms=%s msgs_per_s=%.0f "
      "sent=%llu expected=%llu received=%llu duplicates=%llu out_of_order=%llu errors=%llu "
      "disconnected=%d bench_cpu_s=%.2f measured_s=%.2f\n",
      o.clients, o.senders, static_cast<unsigned long long>(o.rate), dps, p50.c_str(), p99.c_str(),
      max.c_str(), ull(totals.lost), us_per.c_str(), core_pct.c_str(), p999.c_str(), mps,
      ull(r.sent), ull(r.expected), ull(received), ull(totals.duplicates), ull(odd.out_of_order),
      ull(clients.error_lines), clients.disconnected, bench_cpu, measured);
  std::fflush(stdout);
}

}  // namespace voixer::bench
