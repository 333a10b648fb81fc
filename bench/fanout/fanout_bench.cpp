// The fan-out benchmark's run, in three phases: every client connects and
// joins the channel (and client 0 sees them all there), the senders send
// (a warm-up, then the measured seconds), and the bench waits for the last
// deliveries. Errors before the load are fatal; during it, counted.
#include "bench/fanout/fanout_bench.hpp"

#include <arpa/inet.h>

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <variant>
#include <vector>

#include "bench/fanout/clock.hpp"
#include "bench/fanout/connection.hpp"
#include "bench/fanout/deliveries.hpp"
#include "bench/fanout/errors.hpp"
#include "bench/fanout/irc.hpp"
#include "bench/fanout/lines.hpp"
#include "bench/fanout/pacing.hpp"
#include "bench/fanout/poller.hpp"
#include "bench/fanout/report.hpp"
#include "bench/fanout/system.hpp"
#include "core/protocol.hpp"

namespace voixer::bench {
namespace {

// TCP connects not yet accepted, to spare the server's listen backlog.
constexpr int kMaxPendingConnects = 100;
// Rate mode: stop queueing for a sender whose socket is this far backed up.
// Messages are stamped when queued, so a small cap keeps the bench's own
// queue out of the latency; the rest stays in the schedule and shows up as
// "messages/s below target".
constexpr std::size_t kMaxSendBacklog = 64 * 1024;
// Flat-out: a window stuck this long is given up as lost.
constexpr std::int64_t kWindowStallNs = 2 * kNsPerSec;
constexpr std::int64_t kTick = 100 * kNsPerMs;
constexpr int kMaxPrintedErrors = 5;

struct Client {
  Connection connection;
  bool accepted = false;  // got ACCEPT
  bool joined = false;    // got JOINED for the bench channel
};

// The verbs a client reacts to, besides MSG; any other line is not parsed.
// Client 0 also follows the channel's members while the clients join.
bool wanted(std::string_view verb, bool follows_members) {
  for (std::string_view v : {"PING", "ERROR", "NOTACCEPTED", "NICKNAMEINUSE", "ACCEPT", "JOINED"})
    if (verb == v) return true;
  return follows_members && (verb == "USERLIST" || verb == "USERLISTMORE" || verb == "USERJOIN");
}

class FanoutBench {
 public:
  FanoutBench(const Options& opt, const sockaddr_storage& addr, socklen_t addr_len,
              pid_t server_pid, std::function<std::string()> server_exited)
      : m_opt(opt),
        m_addr(addr),
        m_addr_len(addr_len),
        m_server_pid(server_pid),
        m_server_exited(std::move(server_exited)),
        m_clients(static_cast<std::size_t>(opt.clients)),
        m_observer(opt.clients - 1),
        m_flat_out(opt.rate == 0),
        m_deliveries(opt.clients, opt.senders),
        m_member0(static_cast<std::size_t>(opt.clients), 0),
        m_schedule(m_flat_out ? 1 : opt.rate, opt.senders),
        m_windows(opt.senders, opt.window),
        m_dirty_flag(static_cast<std::size_t>(opt.senders), 0),
        m_message_prefix(opt.irc ? irc_message_prefix(opt.channel) : message_prefix(opt.channel)),
        m_padding(message_padding(opt.payload)) {}

  // Phase 1: connects the clients, a few at a time, until all have joined
  // and client 0 sees every one in the channel.
  void connect_all() {
    const int n = m_opt.clients;
    check_fd_limit(static_cast<std::size_t>(n) + 32, std::to_string(n) + " clients");
    const std::int64_t t0 = now_ns();
    const CpuSample cpu0 = sample_cpu(m_server_pid);
    const auto rss0 = m_server_pid > 0 ? process_rss_kib(m_server_pid) : std::nullopt;
    const std::int64_t deadline = t0 + static_cast<std::int64_t>(m_opt.setup_timeout * 1e9);
    std::fprintf(stderr, "chat_fanout: connecting %d clients\n", n);
    while (m_joined < n || m_members0 < n) {
      while (m_next_to_connect < n && m_pending_accept < kMaxPendingConnects)
        connect(m_next_to_connect++);
      const std::int64_t now = now_ns();
      if (now > deadline)
        throw FatalError(
            "setup timed out after " + std::to_string(static_cast<int>(m_opt.setup_timeout)) +
            " s: " + std::to_string(m_joined) + "/" + std::to_string(n) + " clients joined " +
            m_opt.channel + ", client 0 sees " + std::to_string(m_members0) + " members");
      check_server(now);
      poll(std::min(deadline, now + kTick));
    }
    std::fprintf(stderr, "chat_fanout: all %d clients joined %s in %.2f s\n", n,
                 m_opt.channel.c_str(), static_cast<double>(now_ns() - t0) / 1e9);
    // The join storm: what it cost the server, in all and per user.
    const CpuSample cpu1 = sample_cpu(m_server_pid);
    const auto rss1 = m_server_pid > 0 ? process_rss_kib(m_server_pid) : std::nullopt;
    if (cpu0.server && cpu1.server && rss0 && rss1) {
      const double cpu_s = cpu1.server.value_or(0) - cpu0.server.value_or(0);
      const double rss_kib = rss1.value_or(0), grown_kib = rss_kib - rss0.value_or(0);
      std::printf("JOINSTORM clients=%d seconds=%.2f server_cpu_s=%.3f server_us_per_user=%.1f "
                  "server_rss_mib=%.1f server_kib_per_user=%.1f\n",
                  n, static_cast<double>(cpu1.wall_ns - cpu0.wall_ns) / 1e9, cpu_s,
                  cpu_s * 1e6 / n, rss_kib / 1024.0, grown_kib / n);
    }
  }

  // Phases 2 and 3: sends for the warm-up and the measured seconds, then
  // waits for what is still on its way.
  RunResult run_load() {
    RunResult res;
    m_load_started = true;
    const std::int64_t send_start = now_ns();
    const std::int64_t measure_start = send_start + static_cast<std::int64_t>(m_opt.warmup * 1e9);
    const std::int64_t measure_end = measure_start + static_cast<std::int64_t>(m_opt.seconds * 1e9);
    bool measuring = false;
    std::int64_t last_stall_check = send_start;
    if (m_flat_out)
      m_windows.start(send_start);
    else
      m_schedule.start(send_start);
    std::fprintf(stderr, "chat_fanout: sending: %.1f s warmup, %.1f s measured\n", m_opt.warmup,
                 m_opt.seconds);
    for (;;) {
      const std::int64_t now = now_ns();
      if (!measuring && now >= measure_start) {
        measuring = true;
        m_deliveries.start_measuring();
        res.start = sample_cpu(m_server_pid);
      }
      if (now >= measure_end) break;
      std::int64_t wake = measuring ? measure_end : measure_start;
      if (m_flat_out) {
        if (now - last_stall_check > kTick) {
          last_stall_check = now;
          m_anomalies.window_resets += m_windows.reset_stalled(now, kWindowStallNs);
        }
        m_windows.refill(
            now, [&](int s) { return client(s).connection.is_open(); },
            [&](int s) { queue_message(s); });
        flush_dirty();
        wake = std::min(wake, now + kTick);
      } else {
        const std::int64_t next = m_schedule.send_due(
            now,
            [&](int s) {
              const Connection& c = client(s).connection;
              return c.is_open() && c.backlog() > kMaxSendBacklog;
            },
            [&](int s) {
              if (client(s).connection.is_open()) queue_message(s);
            });
        flush_dirty();
        wake = std::min(wake, next);
      }
      check_server(now);
      poll(wake);
    }
    res.end = sample_cpu(m_server_pid);
    res.sent = m_deliveries.stop_measuring();
    res.expected = res.sent * static_cast<std::uint64_t>(m_opt.clients - 1);
    drain(res);
    return res;
  }

  const Deliveries& deliveries() const { return m_deliveries; }
  const ClientAnomalies& anomalies() const { return m_anomalies; }

 private:
  Client& client(int idx) { return m_clients[static_cast<std::size_t>(idx)]; }

  // Until every expected delivery arrived or none came for --drain-timeout.
  void drain(RunResult& res) {
    std::fprintf(stderr, "chat_fanout: draining\n");
    const std::int64_t start = now_ns();
    std::int64_t last_progress = start;
    std::uint64_t last_received = m_deliveries.received_measured();
    for (;;) {
      const std::int64_t now = now_ns();
      const std::uint64_t received = m_deliveries.received_measured();
      if (received != last_received) {
        last_received = received;
        last_progress = now;
      }
      if (received >= res.expected) {
        res.drain_complete = true;
        break;
      }
      if (now - last_progress > static_cast<std::int64_t>(m_opt.drain_timeout * 1e9)) break;
      check_server(now);
      poll(now + kTick);
    }
    res.drain_seconds = static_cast<double>(now_ns() - start) / 1e9;
  }

  // ---- the server -----------------------------------------------------------

  // Throws if the server is known to be gone; at most every 100 ms unless forced.
  void check_server(std::int64_t now, bool force = false) {
    if (!force && now - m_last_server_check < kTick) return;
    m_last_server_check = now;
    if (m_server_exited) {
      if (std::string why = m_server_exited(); !why.empty())
        throw FatalError("server died (" + why + ")");
    } else if (m_server_pid > 0 && !process_alive(m_server_pid)) {
      throw FatalError("server process " + std::to_string(m_server_pid) + " died");
    }
  }

  // ---- the clients' sockets -------------------------------------------------

  void connect(int idx) {
    Client& c = client(idx);
    // --lan: 127.0.0.2, 127.0.0.3 ... (127.x.y.z is all loopback on Linux).
    std::uint32_t from = m_opt.lan ? htonl(0x7f000002u + static_cast<std::uint32_t>(idx)) : 0;
    c.connection.open(m_poller, m_addr, m_addr_len, static_cast<std::uint64_t>(idx), from);
    c.connection.set_quickack(m_opt.quickack);
    const std::string nick = m_opt.nick_prefix + std::to_string(idx);
    c.connection.queue(m_opt.irc ? irc_connect_line(nick) : connect_line(nick, idx));
    ++m_pending_accept;
  }

  void flush(int idx) {
    if (std::string why = client(idx).connection.flush(); !why.empty()) on_closed(idx, why);
  }

  void on_closed(int idx, const std::string& why) {
    Connection& c = client(idx).connection;
    if (!c.is_open()) return;
    c.close();
    // A dying server closes its sockets slightly before it becomes a zombie:
    // on the first close, give it 100 ms so the report says "server died"
    // rather than listing disconnects.
    if (m_server_pid > 0 && !m_first_close_seen) {
      m_first_close_seen = true;
      for (int i = 0; i < 10; ++i, usleep(10'000)) check_server(now_ns(), true);
    }
    if (!m_load_started)
      throw FatalError("client " + std::to_string(idx) + " during setup: " + why);
    if (++m_anomalies.disconnected <= kMaxPrintedErrors)
      std::fprintf(stderr, "chat_fanout: client %d disconnected: %s\n", idx, why.c_str());
    if (m_anomalies.disconnected == m_opt.clients)
      throw FatalError("server closed all connections");
  }

  // Waits for events or `wake_ns`, and serves the sockets that are ready.
  void poll(std::int64_t wake_ns) {
    for (const epoll_event& ev : m_poller.wait(wake_ns)) {
      const int idx = static_cast<int>(ev.data.u64);
      Connection& c = client(idx).connection;
      if (!c.is_open()) continue;
      if (ev.events & (EPOLLOUT | EPOLLERR)) {
        if (c.connecting() || (ev.events & EPOLLOUT)) on_writable(idx);
        if (!c.is_open()) continue;
      }
      if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(idx);
    }
  }

  void on_writable(int idx) {
    Connection& c = client(idx).connection;
    if (c.connecting()) {
      if (std::string why = c.finish_connect(); !why.empty())
        throw FatalError("cannot connect client " + std::to_string(idx) + ": " + why);
    }
    flush(idx);
  }

  void on_readable(int idx) {
    Connection& c = client(idx).connection;
    std::string why = c.read_lines(m_scratch, m_anomalies.overlong_lines,
                                   [&](std::string_view line, std::int64_t read_ns) {
                                     on_line(idx, line, read_ns);
                                     return c.is_open();
                                   });
    if (!why.empty()) on_closed(idx, why);
  }

  // ---- what the clients read ------------------------------------------------

  void on_line(int idx, std::string_view line, std::int64_t read_ns) {
    if (m_opt.irc) return on_irc_line(idx, line, read_ns);
    if (is_message(line))
      on_message(idx, line, read_ns);
    else
      on_control(idx, line);
  }

  void on_irc_line(int idx, std::string_view line, std::int64_t read_ns) {
    if (auto text = irc_message_text(line)) return on_message_text(idx, *text, read_ns);
    const std::string nick = m_opt.nick_prefix + std::to_string(idx);
    if (auto m = irc_to_message(line, nick)) on_control_message(idx, line, *m);
  }

  // The hot path: a delivery of a measured message.
  void on_message(int idx, std::string_view line, std::int64_t read_ns) {
    auto colon = line.find(": ");
    if (colon == std::string_view::npos) return m_deliveries.on_malformed();
    on_message_text(idx, line.substr(colon + 2), read_ns);
  }

  void on_message_text(int idx, std::string_view text, std::int64_t read_ns) {
    const std::optional<Stamp> stamp = read_stamp_text(text);
    if (!stamp) return m_deliveries.on_malformed();
    if (m_deliveries.on_delivery(idx, *stamp, read_ns) != Deliveries::Outcome::Counted) return;
    if (m_flat_out && idx == m_observer)
      m_windows.on_observed(static_cast<int>(stamp->sender), stamp->seq, read_ns);
  }

  void on_control(int idx, std::string_view line) {
    const bool follows_members = idx == 0 && !m_load_started;
    if (!wanted(line.substr(0, line.find_first_of(" :")), follows_members)) return;
    auto parsed = core::parse_server(line);
    if (const auto* m = std::get_if<core::ServerMessage>(&parsed)) on_control_message(idx, line, *m);
  }

  void on_control_message(int idx, std::string_view line, const core::ServerMessage& message) {
    const bool follows_members = idx == 0 && !m_load_started;
    const core::ServerMessage* m = &message;
    Client& c = client(idx);
    if (const auto* ping = std::get_if<core::Ping>(m)) {
      c.connection.queue(m_opt.irc ? irc_pong_line(ping->token) : pong_line(ping->token));
      flush(idx);
    } else if (std::holds_alternative<core::Error>(*m) ||
               std::holds_alternative<core::NotAccepted>(*m) ||
               std::holds_alternative<core::NicknameInUse>(*m)) {
      ++m_anomalies.error_lines;
      if (!c.joined)
        throw FatalError("client " + std::to_string(idx) +
                         " refused by server: " + std::string(line));
      if (m_anomalies.error_lines <= kMaxPrintedErrors)
        std::fprintf(stderr, "chat_fanout: client %d got: %.*s\n", idx,
                     static_cast<int>(line.size()), line.data());
    } else if (std::holds_alternative<core::Accept>(*m)) {
      if (c.accepted) return;
      c.accepted = true;
      --m_pending_accept;
      c.connection.queue(m_opt.irc ? irc_join_line(m_opt.channel) : join_line(m_opt.channel));
      flush(idx);
    } else if (const auto* joined = std::get_if<core::Joined>(m)) {
      if (c.joined || joined->channel != m_opt.channel) return;
      c.joined = true;
      ++m_joined;
      if (idx == 0) see_member(0);
    } else if (follows_members) {
      follow_members(*m);
    }
  }

  // Client 0's view of the channel's members.
  void follow_members(const core::ServerMessage& m) {
    auto see_all = [&](const std::string& channel, const std::vector<std::string>& nicknames) {
      if (channel != m_opt.channel) return;
      for (const auto& n : nicknames) see_member(client_index(n));
    };
    if (const auto* list = std::get_if<core::UserList>(&m))
      see_all(list->channel, list->nicknames);
    else if (const auto* part = std::get_if<core::UserListMore>(&m))
      see_all(part->channel, part->nicknames);
    else if (const auto* join = std::get_if<core::UserJoin>(&m);
             join && join->channel == m_opt.channel)
      see_member(client_index(join->nickname));
  }

  // The client a nickname belongs to, or -1 if it is not one of the bench's.
  int client_index(std::string_view nick) const {
    const std::string& prefix = m_opt.nick_prefix;
    if (nick.size() <= prefix.size() || nick.substr(0, prefix.size()) != prefix) return -1;
    nick.remove_prefix(prefix.size());
    int v = -1;
    auto [ptr, ec] = std::from_chars(nick.data(), nick.data() + nick.size(), v);
    if (ec != std::errc() || ptr != nick.data() + nick.size() || v < 0 || v >= m_opt.clients)
      return -1;
    return v;
  }

  void see_member(int idx) {
    if (idx < 0 || m_member0[static_cast<std::size_t>(idx)]) return;
    m_member0[static_cast<std::size_t>(idx)] = 1;
    ++m_members0;
  }

  // ---- what the senders write -----------------------------------------------

  // Queues one message of sender `s`, stamped now; flush_dirty() writes it.
  void queue_message(int s) {
    Stamp stamp;
    stamp.sender = static_cast<std::uint64_t>(s);
    stamp.seq = m_deliveries.add_sent(s);
    stamp.send_ns = static_cast<std::uint64_t>(now_ns());
    char text[62];
    const char* end = write_stamp(text, stamp);
    client(s).connection.queue(
        m_message_prefix, std::string_view(text, static_cast<std::size_t>(end - text)), m_padding);
    if (!m_dirty_flag[static_cast<std::size_t>(s)]) {
      m_dirty_flag[static_cast<std::size_t>(s)] = 1;
      m_dirty.push_back(s);
    }
  }

  void flush_dirty() {
    for (int s : m_dirty) {
      m_dirty_flag[static_cast<std::size_t>(s)] = 0;
      flush(s);
    }
    m_dirty.clear();
  }

  const Options m_opt;
  sockaddr_storage m_addr;
  socklen_t m_addr_len;
  pid_t m_server_pid;                            // for CPU accounting, 0 = unknown
  std::function<std::string()> m_server_exited;  // set when the bench started the server
  std::int64_t m_last_server_check = 0;

  Poller m_poller;
  std::vector<Client> m_clients;
  std::vector<char> m_scratch;  // every connection's read buffer
  int m_observer;               // the last client, never a sender
  bool m_flat_out;
  Deliveries m_deliveries;
  ClientAnomalies m_anomalies;
  bool m_first_close_seen = false;

  // Phase 1.
  int m_next_to_connect = 0, m_pending_accept = 0, m_joined = 0;
  std::vector<char> m_member0;  // client 0 saw this client in the channel
  int m_members0 = 0;

  // Phases 2 and 3.
  bool m_load_started = false;  // from now on a disconnect is counted, not fatal
  RateSchedule m_schedule;
  FlatOutWindows m_windows;
  std::vector<int> m_dirty;  // senders with messages queued and not flushed
  std::vector<char> m_dirty_flag;
  std::string m_message_prefix;  // "MSG #bench: "
  std::string m_padding;         // " xxxx...\n" or "\n"
};

}  // namespace

void run_fanout(const Options& opt, const sockaddr_storage& addr, socklen_t addr_len,
                pid_t server_pid, std::function<std::string()> server_exited) {
  FanoutBench bench(opt, addr, addr_len, server_pid, std::move(server_exited));
  bench.connect_all();
  const RunResult run = bench.run_load();
  print_report(opt, bench.deliveries(), run, bench.anomalies());
}

}  // namespace voixer::bench
