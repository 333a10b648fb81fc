// The fan-out benchmark's command line: see options.hpp.
#include "bench/fanout/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bench/fanout/errors.hpp"
#include "core/names.hpp"

namespace voixer::bench {
namespace {

const char* kHelp =
    R"(chat_fanout - channel fan-out throughput/latency benchmark for the Voixer chat server

Usage:
  chat_fanout --server PATH [options]
  chat_fanout --connect HOST:PORT [--server-pid PID] [options]

Server selection (one of --server / --connect is required):
  --server PATH        voixer executable to start: PATH serve --port P --bind 127.0.0.1
                       --flood-rate 0 --max-clients <clients+50> [extra --server-arg ...].
                       It is stopped with SIGTERM at the end.
  --port P             port for the started server (default: a free ephemeral port)
  --server-log FILE    write the started server's stdout/stderr to FILE (default /dev/null)
  --server-arg ARG     extra argument appended to the server command line (repeatable)
  --connect HOST:PORT  use an already running server
  --server-pid PID     pid of that server, for CPU accounting (/proc/PID/stat) and liveness;
                       without it server CPU is reported as "na"

Load:
  --clients N          number of clients, nicks <prefix>0..<prefix>N-1 (default 200)
  --senders S          the first S clients send messages (default 20); flat-out mode needs N > S
  --rate R             total messages per second over all senders, evenly paced (default 2000);
                       0 = flat out, limited only by --window
  --window K           flat-out mode: max messages in flight per sender, counted until the observer
                       client (index N-1) received them (default 64)
  --seconds T          measured sending time in seconds (default 10)
  --warmup W           sending time before measurement starts, not counted (default 1)
  --payload B          bytes of 'x' padding in each message text (default 32)
  --channel NAME       channel to join (default #bench)
  --nick-prefix P      nickname prefix (default b)
  --irc                speak IRC (NICK/USER, JOIN, PRIVMSG) to an IRC server given with --connect;
                       bench/irc_compare.sh measures InspIRCd and Voixer this way in one run
  --lan                each client connects from an address of its own (127.0.0.2, 127.0.0.3 ...,
                       as the machines of a LAN), and a started server keeps its default limits
                       of connections per address and waiting to log in (--max-clients too)
  --quickack           set TCP_QUICKACK after every read: each read is acknowledged at once,
                       as interactive clients do (the server then handles more ACKs)

Timeouts:
  --setup-timeout S    max seconds for connecting and joining all clients (default 30)
  --drain-timeout S    after sending stops, give up after S seconds without new deliveries (default 5)

  --help               this text

Latency is CLOCK_MONOTONIC at receipt (taken once per read() of up to 64 KiB) minus the send time
embedded in the message (taken when the message is queued, immediately before the write()).
Exit status: 0 run completed (even with losses), 1 setup failure or server died, 2 usage error.
)";

template <class T>
T parse_number(std::string_view opt, const std::string& v) {
  T out{};
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size())
    throw UsageError(std::string(opt) + ": bad number '" + v + "'");
  return out;
}

double parse_double(std::string_view opt, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d))
    throw UsageError(std::string(opt) + ": bad number '" + v + "'");
  return d;
}

}  // namespace

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string val;
    bool has_inline = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_inline = true;
    }
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      std::exit(0);
    }
    auto value = [&]() -> std::string {
      if (has_inline) return val;
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--server")
      o.server_path = value();
    else if (a == "--server-arg")
      o.server_args.push_back(value());
    else if (a == "--server-log")
      o.server_log = value();
    else if (a == "--port")
      o.port = parse_number<int>(a, value());
    else if (a == "--connect") {
      std::string hp = value();
      auto colon = hp.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size())
        throw UsageError("--connect wants HOST:PORT");
      o.connect_host = hp.substr(0, colon);
      o.connect_port = hp.substr(colon + 1);
      if (o.connect_host.size() > 2 && o.connect_host.front() == '[' &&
          o.connect_host.back() == ']')
        o.connect_host = o.connect_host.substr(1, o.connect_host.size() - 2);
    } else if (a == "--server-pid")
      o.server_pid = parse_number<pid_t>(a, value());
    else if (a == "--clients")
      o.clients = parse_number<int>(a, value());
    else if (a == "--senders")
      o.senders = parse_number<int>(a, value());
    else if (a == "--rate")
      o.rate = parse_double(a, value());
    else if (a == "--window")
      o.window = parse_number<int>(a, value());
    else if (a == "--seconds")
      o.seconds = parse_double(a, value());
    else if (a == "--warmup")
      o.warmup = parse_double(a, value());
    else if (a == "--payload")
      o.payload = parse_number<int>(a, value());
    else if (a == "--channel")
      o.channel = value();
    else if (a == "--nick-prefix")
      o.nick_prefix = value();
    else if (a == "--setup-timeout")
      o.setup_timeout = parse_double(a, value());
    else if (a == "--drain-timeout")
      o.drain_timeout = parse_double(a, value());
    else if (a == "--irc")
      o.irc = true;
    else if (a == "--quickack")
      o.quickack = true;
    else if (a == "--lan")
      o.lan = true;
    else
      throw UsageError("unknown option " + a + " (see --help)");
  }
  if (o.irc && o.connect_host.empty())
    throw UsageError("--irc needs --connect HOST:PORT (an IRC server the bench does not start)");
  if (o.server_path.empty() == o.connect_host.empty())
    throw UsageError("give exactly one of --server PATH or --connect HOST:PORT");
  if (!o.connect_host.empty() && (o.port || !o.server_log.empty() || !o.server_args.empty()))
    throw UsageError("--port/--server-log/--server-arg only apply with --server");
  // The per-message delivery counters are uint16_t, hence the upper bound on clients.
  if (o.clients < 2 || o.clients > 60000) throw UsageError("--clients must be in 2..60000");
  if (o.senders < 1 || o.senders > o.clients) throw UsageError("--senders must be in 1..clients");
  if (o.rate < 0) throw UsageError("--rate must be >= 0");
  if (o.rate == 0 && o.senders >= o.clients)
    throw UsageError("flat-out mode (--rate 0) needs clients > senders (the last client observes)");
  if (o.window < 1) throw UsageError("--window must be >= 1");
  if (o.seconds <= 0 || o.warmup < 0) throw UsageError("--seconds must be > 0, --warmup >= 0");
  if (o.payload < 0 || o.payload > 16000) throw UsageError("--payload must be in 0..16000");
  if (o.setup_timeout <= 0 || o.drain_timeout < 0) throw UsageError("bad timeout");
  if (auto why = core::check_channel(o.channel); !why.empty())
    throw UsageError("bad --channel: " + why);
  if (auto why = core::check_nickname(o.nick_prefix + std::to_string(o.clients - 1)); !why.empty())
    throw UsageError("--nick-prefix gives invalid nicknames: " + why);
  return o;
}

}  // namespace voixer::bench
