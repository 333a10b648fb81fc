#include "bench/fanout/fanout_bench.hpp"

#include "bench/fanout/histogram.hpp"
#include "bench/fanout/system.hpp"

namespace voixer::bench {

namespace {


struct Client {
  int fd = -1;
  bool connecting = true;  // non-blocking TCP connect not confirmed yet
  bool accepted = false;   // got ACCEPT
  bool joined = false;     // got JOINED for the bench channel
  bool open = false;
  bool want_out = false;  // EPOLLOUT registered
  std::string carry;      // incomplete line left over from the previous read
  std::string wbuf;       // pending output, sent from woff
  size_t woff = 0;
};

struct Sender {
  u64 next_seq = 0;              // seq of the next message
  u64 acked = 0;                 // flat-out: observer has seen everything below this
  u64 first_measured = ~u64(0);  // measured messages: [first_measured, end_measured)
  u64 end_measured = 0;
  i64 last_ack_ns = 0;
  bool in_ready = false;
  std::vector<std::uint16_t> counts;  // deliveries seen per seq (saturating)
};

struct CpuSample {
  i64 wall_ns = 0;
  std::optional<double> server;
  double self = 0;
};

struct Bench {
  Options opt;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  // Set when the bench started the server: "" while it runs, else how it ended.
  std::function<std::string()> server_exited;
  pid_t server_pid = 0;             // for CPU accounting, 0 = unknown

  int N = 0, S = 0, observer = 0;
  bool flat_out = false;
  int epfd = -1, timer_fd = -1;
  i64 timer_armed_for = -1;
  std::vector<Client> clients;
  std::vector<Sender> senders;
  std::vector<std::uint32_t> last_seq;  // [receiver * S + sender] = last seq + 1 (0 = none yet)
  std::vector<int> dirty;               // senders with freshly queued messages to flush
  std::vector<char> is_dirty;
  std::vector<int> ready;  // flat-out: senders whose window may have room
  std::vector<char> rbuf;  // shared read buffer: carry + one read
  std::vector<epoll_event> events;
  std::string msg_prefix;  // "MSG #bench: "
  std::string padding;     // " xxxx...\n" or "\n"
  std::string joined_line, userlist_prefix,
      userjoin_prefix;  // "JOINED: #bench", "USERLIST #bench:", ...

  // setup
  int next_to_connect = 0, pending_accept = 0, joined_count = 0, member_count0 = 0;
  std::vector<char> member0;  // client 0's view of the channel members

  // run state
  bool load_started = false;  // setup is over; from now on a disconnect is counted, not fatal
  u64 sched_index = 0;        // rate mode: next message of the global schedule
  i64 send_start_ns = 0;
  i64 last_server_check_ns = 0;

  // counters
  Histogram hist;
  u64 received_measured = 0;
  u64 out_of_order = 0, self_deliveries = 0, foreign = 0, malformed = 0, overlong = 0;
  u64 error_lines = 0, window_resets = 0;
  int disconnected = 0;
  bool first_close_seen = false;

  explicit Bench(Options o) : opt(std::move(o)) {
    N = opt.clients;
    S = opt.senders;
    observer = N - 1;
    flat_out = opt.rate == 0;
    clients.resize(N);
    senders.resize(S);
    last_seq.assign(size_t(N) * S, 0);
    is_dirty.assign(S, 0);
    member0.assign(N, 0);
    rbuf.resize(kMaxLine + kReadSize);
    events.resize(1024);
    msg_prefix = "MSG " + opt.channel + ": ";
    padding = opt.payload ? " " + std::string(size_t(opt.payload), 'x') + "\n" : "\n";
    joined_line = "JOINED: " + opt.channel;
    userlist_prefix = "USERLIST " + opt.channel + ":";
    userjoin_prefix = "USERJOIN " + opt.channel + ":";
  }

  ~Bench() {
    for (auto& c : clients)
      if (c.fd >= 0) close(c.fd);
    if (timer_fd >= 0) close(timer_fd);
    if (epfd >= 0) close(epfd);
  }

  // ---- server liveness --------------------------------------------------------------------

  // Throws if the server process is known to be gone; rate-limited unless forced.
  void check_server(i64 now, bool force = false) {
    if (!force && now - last_server_check_ns < 100'000'000) return;
    last_server_check_ns = now;
    std::string why;
    if (server_exited) why = server_exited();
    if (!why.empty()) throw FatalError("server died (" + why + ")");
    if (!server_exited && server_pid > 0 && !process_alive(server_pid))
      throw FatalError("server process " + std::to_string(server_pid) + " died");
  }

  // ---- sockets -----------------------------------------------------------------------------

  void set_epoll_out(Client& c, int idx, bool on) {
    epoll_event ev{};
    ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.u64 = u64(idx);
    epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev);
    c.want_out = on;
  }

  void connect_client(int idx) {
    Client& c = clients[idx];
    c.fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) throw FatalError(errno_text("socket for client " + std::to_string(idx)));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0 &&
        errno != EINPROGRESS)
      throw FatalError(errno_text("cannot connect client " + std::to_string(idx)));
    c.open = true;
    // Wait for EPOLLOUT to learn the outcome of the connect.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = u64(idx);
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev) != 0) throw FatalError(errno_text("epoll_ctl"));
    c.want_out = true;
    std::string nick = opt.nick_prefix + std::to_string(idx);
    c.wbuf = "CONNECT: \"" + nick + "\" \"chat_fanout bench " + std::to_string(idx) + "\" 1.0.0\n";
    ++pending_accept;
  }

  void on_closed(Client& c, int idx, const std::string& why) {
    if (!c.open) return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    c.open = false;
    // A dying server closes its sockets slightly before it becomes a zombie: on the first
    // close, give it 100 ms so the report says "server died" rather than listing disconnects.
    if (server_pid > 0 && !first_close_seen) {
      first_close_seen = true;
      for (int i = 0; i < 10; ++i, usleep(10'000)) check_server(now_ns(), true);
    }
    if (!load_started) throw FatalError("client " + std::to_string(idx) + " during setup: " + why);
    if (++disconnected <= kMaxPrintedErrors)
      std::fprintf(stderr, "chat_fanout: client %d disconnected: %s\n", idx, why.c_str());
    if (disconnected == N) throw FatalError("server closed all connections");
  }

  void flush(Client& c, int idx) {
    if (!c.open || c.connecting) return;
    while (c.woff < c.wbuf.size()) {
      ssize_t w = send(c.fd, c.wbuf.data() + c.woff, c.wbuf.size() - c.woff, MSG_NOSIGNAL);
      if (w > 0) {
        c.woff += size_t(w);
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        on_closed(c, idx, errno_text("write"));
        return;
      }
    }
    if (c.woff == c.wbuf.size()) {
      c.wbuf.clear();
      c.woff = 0;
      if (c.want_out) set_epoll_out(c, idx, false);
      return;
    }
    if (c.woff > (1u << 20)) {  // drop the written prefix so a slow reader can't grow wbuf forever
      c.wbuf.erase(0, c.woff);
      c.woff = 0;
    }
    if (!c.want_out) set_epoll_out(c, idx, true);
  }

  void on_writable(Client& c, int idx) {
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        throw FatalError(errno_text("cannot connect client " + std::to_string(idx)));
      }
      c.connecting = false;
    }
    flush(c, idx);
  }

  void on_readable(Client& c, int idx) {
    // Carry-over of an incomplete line goes in front of the new data in the shared buffer,
    // so lines never need per-client buffers of read size or per-line allocations.
    char* buf = rbuf.data();
    size_t carry = c.carry.size();
    std::memcpy(buf, c.carry.data(), carry);
    ssize_t r = read(c.fd, buf + carry, kReadSize);
    if (r == 0) return on_closed(c, idx, "connection closed by server");
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      return on_closed(c, idx, errno_text("read"));
    }
    const i64 now = now_ns();  // one timestamp per read: cheap, and within microseconds
    const char* p = buf;
    const char* end = buf + carry + size_t(r);
    while (p < end) {
      auto* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (!nl) break;
      const char* le = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
      handle_line(c, idx, p, le, now);
      if (!c.open) return;
      p = nl + 1;
    }
    size_t rest = size_t(end - p);
    if (rest > kMaxLine) {
      ++overlong;
      c.carry.clear();
    } else {
      c.carry.assign(p, rest);
    }
  }

  // ---- protocol ----------------------------------------------------------------------------

  void handle_line(Client& c, int idx, const char* p, const char* end, i64 now) {
    if (end - p >= 4 && std::memcmp(p, "MSG ", 4) == 0)
      on_msg(idx, p + 4, end, now);
    else
      on_control(c, idx, std::string_view(p, size_t(end - p)));
  }

  static bool parse_unsigned(const char*& p, const char* end, u64& v) {
    const char* start = p;
    u64 x = 0;
    while (p < end && unsigned(*p - '0') < 10) x = x * 10 + u64(*p++ - '0');
    v = x;
    return p != start;
  }

  // Hot path: "MSG <nick> <channel>: <sender> <seq> <send_ns>[ padding]" (the "MSG " is consumed).
  void on_msg(int idx, const char* p, const char* end, i64 now) {
    auto* colon = static_cast<const char*>(std::memchr(p, ':', size_t(end - p)));
    if (!colon || end - colon < 2 || colon[1] != ' ') return void(++malformed);
    p = colon + 2;
    u64 s, seq, ts;
    if (!parse_unsigned(p, end, s) || p == end || *p++ != ' ' || !parse_unsigned(p, end, seq) ||
        p == end || *p++ != ' ' || !parse_unsigned(p, end, ts))
      return void(++malformed);
    if (s >= u64(S) || seq >= senders[s].next_seq) return void(++foreign);  // not ours / stale
    if (s == u64(idx)) return void(++self_deliveries);

    std::uint32_t& last = last_seq[size_t(idx) * S + s];
    if (seq + 1 > last)
      last = std::uint32_t(seq + 1);
    else if (seq + 1 < last)
      ++out_of_order;  // seq + 1 == last is a duplicate, counted below

    Sender& sd = senders[s];
    std::uint16_t& cnt = sd.counts[seq];
    if (cnt != 0xffff) ++cnt;
    if (seq >= sd.first_measured) {
      ++received_measured;
      hist.add(now - i64(ts));
    }
    if (flat_out && idx == observer && seq >= sd.acked) {
      sd.acked = seq + 1;
      sd.last_ack_ns = now;
      if (!sd.in_ready) {
        sd.in_ready = true;
        ready.push_back(int(s));
      }
    }
  }

  // Nick in a USERLIST/USERJOIN -> client index, or -1 if it is not one of ours.
  int nick_index(std::string_view n) const {
    while (!n.empty() &&
           (n.front() == ' ' || !(std::isalnum(static_cast<unsigned char>(n.front())) ||
                                  n.front() == '_' || n.front() == '-')))
      n.remove_prefix(1);  // mode prefixes such as '@'
    while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
    if (n.size() <= opt.nick_prefix.size() ||
        n.substr(0, opt.nick_prefix.size()) != opt.nick_prefix)
      return -1;
    n.remove_prefix(opt.nick_prefix.size());
    int v = -1;
    auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
    if (ec != std::errc() || ptr != n.data() + n.size() || v < 0 || v >= N) return -1;
    return v;
  }

  void mark_member0(int m) {
    if (m >= 0 && !member0[m]) {
      member0[m] = 1;
      ++member_count0;
    }
  }

  static bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
  }

  void on_control(Client& c, int idx, std::string_view line) {
    if (starts_with(line, "PING")) {
      // "PING: <n>" -> "PONG: <n>"
      c.wbuf.append("PONG").append(line.substr(4)).push_back('\n');
      flush(c, idx);
      return;
    }
    if (starts_with(line, "ERROR") || starts_with(line, "NOTACCEPTED") ||
        starts_with(line, "NICKNAMEINUSE")) {
      ++error_lines;
      if (!c.joined)
        throw FatalError("client " + std::to_string(idx) +
                         " refused by server: " + std::string(line));
      if (error_lines <= kMaxPrintedErrors)
        std::fprintf(stderr, "chat_fanout: client %d got: %.*s\n", idx, int(line.size()),
                     line.data());
      return;
    }
    if (starts_with(line, "ACCEPT")) {
      if (!c.accepted) {
        c.accepted = true;
        --pending_accept;
        c.wbuf.append("JOIN: ").append(opt.channel).push_back('\n');
        flush(c, idx);
      }
      return;
    }
    if (!c.joined && starts_with(line, joined_line) &&
        (line.size() == joined_line.size() || line[joined_line.size()] == ' ')) {
      c.joined = true;
      ++joined_count;
      if (idx == 0) mark_member0(0);
      return;
    }
    if (idx != 0 || load_started) return;  // only client 0 tracks membership, only during setup
    if (starts_with(line, userlist_prefix)) {
      std::string_view rest = line.substr(userlist_prefix.size());
      while (!rest.empty()) {
        auto comma = rest.find(',');
        mark_member0(nick_index(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (starts_with(line, userjoin_prefix)) {
      mark_member0(nick_index(line.substr(userjoin_prefix.size())));
    }
  }

  // ---- event loop --------------------------------------------------------------------------

  // Waits for socket events or until wake_ns (CLOCK_MONOTONIC), whichever comes first.
  // A timerfd gives sub-millisecond wakeups for pacing; epoll_wait's own timeout is in ms.
  void poll(i64 wake_ns) {
    if (wake_ns != timer_armed_for) {
      itimerspec its{};
      i64 w = std::max<i64>(wake_ns, 1);
      its.it_value.tv_sec = time_t(w / kNsPerSec);
      its.it_value.tv_nsec = long(w % kNsPerSec);
      timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, nullptr);
      timer_armed_for = wake_ns;
    }
    int n = epoll_wait(epfd, events.data(), int(events.size()), 100);
    if (n < 0) {
      if (errno == EINTR) return;
      throw FatalError(errno_text("epoll_wait"));
    }
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[size_t(i)];
      if (ev.data.u64 == kTimerTag) {
        u64 expirations;
        if (read(timer_fd, &expirations, sizeof expirations) < 0) { /* already drained */
        }
        timer_armed_for = -1;
        continue;
      }
      int idx = int(ev.data.u64);
      Client& c = clients[size_t(idx)];
      if (!c.open) continue;
      if (ev.events & (EPOLLOUT | EPOLLERR)) {
        if (c.connecting || (ev.events & EPOLLOUT)) on_writable(c, idx);
        if (!c.open) continue;
      }
      if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c, idx);
    }
  }

  // ---- sending -----------------------------------------------------------------------------

  // Queues one message; the timestamp is taken right before the flush that writes it.
  void queue_message(int s) {
    Client& c = clients[size_t(s)];
    Sender& sd = senders[size_t(s)];
    u64 seq = sd.next_seq++;
    sd.counts.push_back(0);
    // "<sender> <seq> <send_ns>": three numbers of at most 20 digits each.
    char num[3 * 21];
    char* p = num;
    p = std::to_chars(p, p + 20, u64(s)).ptr;
    *p++ = ' ';
    p = std::to_chars(p, p + 20, seq).ptr;
    *p++ = ' ';
    p = std::to_chars(p, p + 20, u64(now_ns())).ptr;
    c.wbuf.append(msg_prefix).append(num, size_t(p - num)).append(padding);
    if (!is_dirty[size_t(s)]) {
      is_dirty[size_t(s)] = 1;
      dirty.push_back(s);
    }
  }

  void flush_dirty() {
    for (int s : dirty) {
      is_dirty[size_t(s)] = 0;
      flush(clients[size_t(s)], s);
    }
    dirty.clear();
  }

  // Rate mode: message k of the global schedule is due at send_start + k/R, sender k mod S.
  // Returns when the next message is due.
  i64 send_due_rate(i64 now) {
    const double ns_per_msg = 1e9 / opt.rate;
    u64 due = u64(double(now - send_start_ns) / ns_per_msg) + 1;
    int budget = 4096;  // bound the work per loop turn so reads keep flowing while catching up
    bool blocked = false;
    while (sched_index < due) {
      int s = int(sched_index % u64(S));
      Client& c = clients[size_t(s)];
      if (c.open && c.wbuf.size() - c.woff > kMaxSendBacklog) {
        blocked = true;  // the server is not reading this sender; keep the backlog for later
        break;
      }
      if (budget-- == 0) break;
      if (c.open) queue_message(s);
      ++sched_index;
    }
    flush_dirty();
    if (blocked) return now + 1'000'000;
    return send_start_ns + i64(double(sched_index) * ns_per_msg);
  }

  // Flat-out mode: refill the windows of senders the observer acknowledged.
  void send_flat_out(i64 now) {
    for (int s : ready) {
      Sender& sd = senders[size_t(s)];
      sd.in_ready = false;
      if (!clients[size_t(s)].open) continue;
      while (sd.next_seq - sd.acked < u64(opt.window)) queue_message(s);
      sd.last_ack_ns = std::max(sd.last_ack_ns, now);
    }
    ready.clear();
    flush_dirty();
  }

  // Flat-out: a lost message would otherwise hold its window forever.
  void check_stalled_windows(i64 now) {
    for (int s = 0; s < S; ++s) {
      Sender& sd = senders[size_t(s)];
      if (sd.next_seq - sd.acked >= u64(opt.window) && now - sd.last_ack_ns > kWindowStallNs) {
        sd.acked = sd.next_seq;
        ++window_resets;
        if (!sd.in_ready) {
          sd.in_ready = true;
          ready.push_back(s);
        }
      }
    }
  }

  CpuSample sample_cpu() const {
    CpuSample c;
    c.wall_ns = now_ns();
    if (server_pid > 0) c.server = process_cpu_seconds(server_pid);
    c.self = self_cpu_seconds();
    return c;
  }

  // ---- phases ------------------------------------------------------------------------------

  void setup_clients() {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epfd < 0 || timer_fd < 0) throw FatalError(errno_text("epoll/timerfd"));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    epoll_ctl(epfd, EPOLL_CTL_ADD, timer_fd, &ev);

    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && rlim_t(N) + 32 > rl.rlim_cur)
      throw FatalError("RLIMIT_NOFILE " + std::to_string(rl.rlim_cur) + " too low for " +
                       std::to_string(N) + " clients");

    const i64 t0 = now_ns();
    const i64 deadline = t0 + i64(opt.setup_timeout * 1e9);
    std::fprintf(stderr, "chat_fanout: connecting %d clients\n", N);
    while (joined_count < N || member_count0 < N) {
      while (next_to_connect < N && pending_accept < kMaxPendingConnects)
        connect_client(next_to_connect++);
      i64 now = now_ns();
      if (now > deadline) {
        throw FatalError("setup timed out after " + std::to_string(int(opt.setup_timeout)) +
                         " s: " + std::to_string(joined_count) + "/" + std::to_string(N) +
                         " clients joined " + opt.channel + ", client 0 sees " +
                         std::to_string(member_count0) + " members");
      }
      check_server(now);
      poll(std::min(deadline, now + 100'000'000));
    }
    std::fprintf(stderr, "chat_fanout: all %d clients joined %s in %.2f s\n", N,
                 opt.channel.c_str(), double(now_ns() - t0) / 1e9);
  }

  struct RunResult {
    CpuSample start, end;
    u64 sent = 0;
    u64 expected = 0;
    double drain_seconds = 0;
    bool drain_complete = false;
  };

  RunResult run_load() {
    RunResult res;
    load_started = true;
    send_start_ns = now_ns();
    const i64 measure_start = send_start_ns + i64(opt.warmup * 1e9);
    const i64 measure_end = measure_start + i64(opt.seconds * 1e9);
    bool measuring = false;
    i64 last_stall_check = send_start_ns;
    if (flat_out) {
      for (int s = 0; s < S; ++s) {
        senders[size_t(s)].in_ready = true;
        senders[size_t(s)].last_ack_ns = send_start_ns;
        ready.push_back(s);
      }
    }
    std::fprintf(stderr, "chat_fanout: sending: %.1f s warmup, %.1f s measured\n", opt.warmup,
                 opt.seconds);

    for (;;) {
      i64 now = now_ns();
      if (!measuring && now >= measure_start) {
        measuring = true;
        for (auto& sd : senders) sd.first_measured = sd.next_seq;
        res.start = sample_cpu();
      }
      if (now >= measure_end) break;
      i64 wake = measuring ? measure_end : measure_start;
      if (flat_out) {
        if (now - last_stall_check > 100'000'000) {
          last_stall_check = now;
          check_stalled_windows(now);
        }
        send_flat_out(now);
        wake = std::min(wake, now + 100'000'000);
      } else {
        wake = std::min(wake, send_due_rate(now));
      }
      check_server(now);
      poll(wake);
    }
    res.end = sample_cpu();
    for (auto& sd : senders) {
      sd.end_measured = sd.next_seq;
      res.sent += sd.end_measured - sd.first_measured;
    }
    res.expected = res.sent * u64(N - 1);

    // Drain: until everything expected arrived or no progress for drain_timeout.
    std::fprintf(stderr, "chat_fanout: draining\n");
    const i64 drain_start = now_ns();
    i64 last_progress = drain_start;
    u64 last_received = received_measured;
    for (;;) {
      i64 now = now_ns();
      if (received_measured != last_received) {
        last_received = received_measured;
        last_progress = now;
      }
      if (received_measured >= res.expected) {
        res.drain_complete = true;
        break;
      }
      if (now - last_progress > i64(opt.drain_timeout * 1e9)) break;
      check_server(now);
      poll(now + 100'000'000);
    }
    res.drain_seconds = double(now_ns() - drain_start) / 1e9;
    return res;
  }
};


std::string fmt_ms(double ms) {
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

void report(const Bench& b, const Bench::RunResult& r) {
  const Options& o = b.opt;
  const u64 need = u64(b.N - 1);
  u64 lost = 0, duplicates = 0, lost_messages = 0;
  for (const auto& sd : b.senders) {
    for (u64 q = sd.first_measured; q < sd.end_measured; ++q) {
      u64 c = sd.counts[q];
      if (c < need) {
        lost += need - c;
        ++lost_messages;
      } else {
        duplicates += c - need;
      }
    }
  }
  const double measured = double(r.end.wall_ns - r.start.wall_ns) / 1e9;
  const double dps = double(b.received_measured) / measured;
  const double mps = double(r.sent) / measured;
  const double p50 = b.hist.percentile_ms(0.50), p99 = b.hist.percentile_ms(0.99),
               p999 = b.hist.percentile_ms(0.999), max_ms = double(b.hist.max_ns) / 1e6;
  const double bench_cpu = r.end.self - r.start.self;

  std::string rate_text = o.rate > 0 ? std::to_string(u64(o.rate)) + "/s (target)"
                                     : "flat-out (window " + std::to_string(o.window) + ")";
  std::printf("clients %d senders %d rate %s measured %.1f s\n", b.N, b.S, rate_text.c_str(),
              measured);
  std::printf(
      "sent %llu messages, expected %llu deliveries, received %llu, lost %llu, duplicates %llu, "
      "out-of-order %llu\n",
      (unsigned long long)r.sent, (unsigned long long)r.expected,
      (unsigned long long)b.received_measured, (unsigned long long)lost,
      (unsigned long long)duplicates, (unsigned long long)b.out_of_order);
  std::printf("deliveries/s %.0f\n", dps);
  std::printf(
      "messages/s %.0f sent%s\n", mps,
      o.rate > 0 && mps < 0.95 * o.rate ? " (below target: the server did not keep up)" : "");
  std::printf("latency p50 %s ms p99 %s ms p99.9 %s ms max %s ms\n", fmt_ms(p50).c_str(),
              fmt_ms(p99).c_str(), fmt_ms(p999).c_str(), fmt_ms(max_ms).c_str());

  std::string us_per = "na", core_pct = "na";
  if (r.start.server && r.end.server) {
    double cpu = *r.end.server - *r.start.server;
    double us = b.received_measured ? cpu * 1e6 / double(b.received_measured) : 0;
    double pct = cpu / measured * 100;
    char t[64];
    std::snprintf(t, sizeof t, "%.3g", us);
    us_per = t;
    std::snprintf(t, sizeof t, "%.0f", pct);
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
                r.drain_seconds, (unsigned long long)lost_messages);
  if (b.self_deliveries || b.foreign || b.malformed || b.overlong || b.error_lines ||
      b.window_resets || b.disconnected)
    std::printf(
        "anomalies: self-deliveries %llu, foreign/stale MSG %llu, malformed MSG %llu, "
        "overlong lines %llu, ERROR lines %llu, window resets %llu, disconnected clients %d\n",
        (unsigned long long)b.self_deliveries, (unsigned long long)b.foreign,
        (unsigned long long)b.malformed, (unsigned long long)b.overlong,
        (unsigned long long)b.error_lines, (unsigned long long)b.window_resets, b.disconnected);
  std::printf(
      "RESULT clients=%d senders=%d rate=%llu deliveries_per_s=%.0f p50_ms=%s p99_ms=%s max_ms=%s "
      "lost=%llu server_us_per_delivery=%s server_core_pct=%s p999_ms=%s msgs_per_s=%.0f "
      "sent=%llu expected=%llu received=%llu duplicates=%llu out_of_order=%llu errors=%llu "
      "disconnected=%d bench_cpu_s=%.2f measured_s=%.2f\n",
      b.N, b.S, (unsigned long long)o.rate, dps, fmt_ms(p50).c_str(), fmt_ms(p99).c_str(),
      fmt_ms(max_ms).c_str(), (unsigned long long)lost, us_per.c_str(), core_pct.c_str(),
      fmt_ms(p999).c_str(), mps, (unsigned long long)r.sent, (unsigned long long)r.expected,
      (unsigned long long)b.received_measured, (unsigned long long)duplicates,
      (unsigned long long)b.out_of_order, (unsigned long long)b.error_lines, b.disconnected,
      bench_cpu, measured);
  std::fflush(stdout);
}


}  // namespace

void run_fanout(const Options& opt, const sockaddr_storage& addr, socklen_t addr_len,
                pid_t server_pid, std::function<std::string()> server_exited) {
  Bench bench(opt);
  bench.addr = addr;
  bench.addr_len = addr_len;
  bench.server_pid = server_pid;
  bench.server_exited = std::move(server_exited);
  bench.setup_clients();
  Bench::RunResult r = bench.run_load();
  report(bench, r);
}

}  // namespace voixer::bench
