// chat_fanout.cpp - channel fan-out throughput / latency benchmark for the Voixer chat server.
//
// Build:  g++ -std=c++20 -O2 -Wall -Wextra -o chat_fanout bench/chat_fanout.cpp
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
//   [--server-arg ...]
// waits until P accepts TCP connections, and sends SIGTERM to it at the end.
//
// Output: a human-readable summary on stdout ending with one machine-readable line
//   RESULT clients=.. senders=.. rate=.. deliveries_per_s=.. p50_ms=.. p99_ms=.. max_ms=.. lost=..
//          server_us_per_delivery=.. server_core_pct=.. (followed by a few extra key=value fields)
// Progress and errors go to stderr.
// Exit status: 0 when the run completed (even with losses), 1 on setup failure / server death,
// 2 on bad command-line usage.
//
// Only the C++ standard library and Linux/POSIX are used. Single thread, one epoll loop.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using i64 = std::int64_t;
using u64 = std::uint64_t;

constexpr i64 kNsPerSec = 1'000'000'000;
constexpr size_t kReadSize = 64 * 1024;          // bytes per read() call
constexpr size_t kMaxLine = 64 * 1024;           // longer partial lines are dropped
// Rate mode: stop queueing for a sender whose socket is this far backed up. Messages are stamped
// when queued, so a small cap keeps the bench's own queue out of the latency; the rest of the
// backlog stays in the schedule and shows up as "messages/s below target".
constexpr size_t kMaxSendBacklog = 64 * 1024;
constexpr int kMaxPendingConnects = 100;         // TCP connects not yet ACCEPTed, to spare the listen backlog
constexpr i64 kWindowStallNs = 2 * kNsPerSec;    // flat-out: treat a stuck window as lost after this
constexpr int kMaxPrintedErrors = 5;
constexpr u64 kTimerTag = std::numeric_limits<u64>::max();

i64 nowNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return i64(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

// Setup failures and server death: reported as one line on stderr, exit status 1.
struct FatalError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
    std::string serverPath;               // --server
    std::vector<std::string> serverArgs;  // --server-arg (repeatable)
    std::string serverLog;                // --server-log
    int port = 0;                         // --port (with --server)
    std::string connectHost;              // --connect HOST:PORT
    std::string connectPort;
    pid_t serverPid = 0;                  // --server-pid
    int clients = 200;
    int senders = 20;
    double rate = 2000;                   // total messages/s; 0 = flat out
    double seconds = 10;
    double warmup = 1;
    int payload = 32;
    int window = 64;
    std::string channel = "#bench";
    std::string nickPrefix = "b";
    double setupTimeout = 30;
    double drainTimeout = 5;
};

const char* kHelp = R"(chat_fanout - channel fan-out throughput/latency benchmark for the Voixer chat server

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

Timeouts:
  --setup-timeout S    max seconds for connecting and joining all clients (default 30)
  --drain-timeout S    after sending stops, give up after S seconds without new deliveries (default 5)

  --help               this text

Latency is CLOCK_MONOTONIC at receipt (taken once per read() of up to 64 KiB) minus the send time
embedded in the message (taken when the message is queued, immediately before the write()).
Exit status: 0 run completed (even with losses), 1 setup failure or server died, 2 usage error.
)";

template <class T>
T parseNumber(std::string_view opt, const std::string& v) {
    T out{};
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size())
        throw UsageError(std::string(opt) + ": bad number '" + v + "'");
    return out;
}

double parseDouble(std::string_view opt, const std::string& v) {
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(d))
        throw UsageError(std::string(opt) + ": bad number '" + v + "'");
    return d;
}

bool validNick(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

Options parseArgs(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        std::string val;
        bool hasInline = false;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            val = a.substr(eq + 1);
            a = a.substr(0, eq);
            hasInline = true;
        }
        if (a == "--help" || a == "-h") {
            std::fputs(kHelp, stdout);
            std::exit(0);
        }
        auto value = [&]() -> std::string {
            if (hasInline) return val;
            if (i + 1 >= argc) throw UsageError(a + " needs a value");
            return argv[++i];
        };
        if (a == "--server") o.serverPath = value();
        else if (a == "--server-arg") o.serverArgs.push_back(value());
        else if (a == "--server-log") o.serverLog = value();
        else if (a == "--port") o.port = parseNumber<int>(a, value());
        else if (a == "--connect") {
            std::string hp = value();
            auto colon = hp.rfind(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size())
                throw UsageError("--connect wants HOST:PORT");
            o.connectHost = hp.substr(0, colon);
            o.connectPort = hp.substr(colon + 1);
            if (o.connectHost.size() > 2 && o.connectHost.front() == '[' && o.connectHost.back() == ']')
                o.connectHost = o.connectHost.substr(1, o.connectHost.size() - 2);
        } else if (a == "--server-pid") o.serverPid = parseNumber<pid_t>(a, value());
        else if (a == "--clients") o.clients = parseNumber<int>(a, value());
        else if (a == "--senders") o.senders = parseNumber<int>(a, value());
        else if (a == "--rate") o.rate = parseDouble(a, value());
        else if (a == "--window") o.window = parseNumber<int>(a, value());
        else if (a == "--seconds") o.seconds = parseDouble(a, value());
        else if (a == "--warmup") o.warmup = parseDouble(a, value());
        else if (a == "--payload") o.payload = parseNumber<int>(a, value());
        else if (a == "--channel") o.channel = value();
        else if (a == "--nick-prefix") o.nickPrefix = value();
        else if (a == "--setup-timeout") o.setupTimeout = parseDouble(a, value());
        else if (a == "--drain-timeout") o.drainTimeout = parseDouble(a, value());
        else throw UsageError("unknown option " + a + " (see --help)");
    }
    if (o.serverPath.empty() == o.connectHost.empty())
        throw UsageError("give exactly one of --server PATH or --connect HOST:PORT");
    if (!o.connectHost.empty() && (o.port || !o.serverLog.empty() || !o.serverArgs.empty()))
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
    if (o.setupTimeout <= 0 || o.drainTimeout < 0) throw UsageError("bad timeout");
    if (o.channel.empty() || o.channel.find_first_of(" :\r\n") != std::string::npos)
        throw UsageError("bad --channel");
    if (!validNick(o.nickPrefix + std::to_string(o.clients - 1)))
        throw UsageError("--nick-prefix gives invalid nicknames (1-32 chars of [A-Za-z0-9_-])");
    return o;
}

// ---------------------------------------------------------------------------------------------
// Process helpers

// utime+stime of a process in seconds, from /proc/<pid>/stat fields 14 and 15.
std::optional<double> processCpuSeconds(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!f || !std::getline(f, s)) return std::nullopt;
    // Field 2 (comm) is parenthesised and may contain spaces: parse after the last ')'.
    auto rp = s.rfind(')');
    if (rp == std::string::npos) return std::nullopt;
    std::istringstream in(s.substr(rp + 1));
    std::string tok;
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; field <= 15 && (in >> tok); ++field) {
        if (field == 14) utime = std::strtoull(tok.c_str(), nullptr, 10);
        if (field == 15) stime = std::strtoull(tok.c_str(), nullptr, 10);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// kill(pid, 0) succeeds on zombies, so look at the state in /proc/<pid>/stat instead.
bool processAlive(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!f || !std::getline(f, s)) return false;
    auto rp = s.rfind(')');
    return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z' && s[rp + 2] != 'X';
}

double selfCpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

void raiseFdLimit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int freeLoopbackPort() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw FatalError(errnoText("socket"));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        close(fd);
        throw FatalError(errnoText("finding a free port"));
    }
    close(fd);
    return ntohs(a.sin_port);
}

std::string describeWaitStatus(int st) {
    if (WIFEXITED(st)) return "exit status " + std::to_string(WEXITSTATUS(st));
    if (WIFSIGNALED(st)) return std::string("killed by signal ") + strsignal(WTERMSIG(st));
    return "status " + std::to_string(st);
}

// A server process the bench started; stopped (SIGTERM, then SIGKILL) when destroyed.
class ServerProcess {
public:
    ServerProcess() = default;
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    ~ServerProcess() { stop(); }

    void start(const Options& o, int port) {
        std::vector<std::string> args = {o.serverPath, "serve", "--port", std::to_string(port),
                                         "--bind", "127.0.0.1", "--flood-rate", "0",
                                         "--max-clients", std::to_string(o.clients + 50),
                                         "--max-per-address", "0"};
        args.insert(args.end(), o.serverArgs.begin(), o.serverArgs.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const char* out = o.serverLog.empty() ? "/dev/null" : o.serverLog.c_str();

        pid_t parent = getpid();
        pid_ = fork();
        if (pid_ < 0) throw FatalError(errnoText("fork"));
        if (pid_ == 0) {
            // Child: only async-signal-safe calls until exec.
            prctl(PR_SET_PDEATHSIG, SIGTERM);  // don't outlive a crashed/killed bench
            if (getppid() != parent) _exit(127);
            int in = open("/dev/null", O_RDONLY);
            int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in < 0 || fd < 0) _exit(126);
            dup2(in, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            execvp(argv[0], argv.data());
            _exit(127);
        }
    }

    pid_t pid() const { return pid_; }

    // False (and the reason in `why`) once the child exited.
    bool alive(std::string* why = nullptr) {
        if (pid_ <= 0) return false;
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            exitText_ = describeWaitStatus(st);
            if (st == 127 << 8) exitText_ += " (exec failed?)";
        }
        if (why) *why = exitText_;
        return pid_ > 0;
    }

    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 500; ++i) {  // up to 5 s for a graceful exit
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            usleep(10'000);
        }
        std::fprintf(stderr, "chat_fanout: server did not exit after SIGTERM, sending SIGKILL\n");
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
    std::string exitText_;
};

sockaddr_storage resolve(const std::string& host, const std::string& port, socklen_t& len) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0 || !res)
        throw FatalError("cannot resolve " + host + ":" + port + ": " + gai_strerror(rc));
    sockaddr_storage ss{};
    std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
    len = res->ai_addrlen;
    freeaddrinfo(res);
    return ss;
}

// Blocking probe: does the address accept TCP connections?
bool canConnect(const sockaddr_storage& addr, socklen_t len) {
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0;
    close(fd);
    return ok;
}

// ---------------------------------------------------------------------------------------------
// Latency histogram: 1 us buckets up to 100 ms, then 1 ms buckets up to 100 s, then an overflow
// count; the max is exact. Fixed size, so recording a delivery never allocates.

struct Histogram {
    static constexpr u64 kFine = 100'000;   // 1 us buckets: [0, 100 ms)
    static constexpr u64 kCoarse = 99'900;  // 1 ms buckets: [100 ms, 100 s)
    std::vector<u64> fine = std::vector<u64>(kFine, 0);
    std::vector<u64> coarse = std::vector<u64>(kCoarse, 0);
    u64 overflow = 0;
    u64 count = 0;
    i64 maxNs = 0;

    void add(i64 ns) {
        if (ns < 0) ns = 0;
        u64 us = u64(ns) / 1000;
        if (us < kFine) ++fine[us];
        else if (u64 ms = us / 1000 - 100; ms < kCoarse) ++coarse[ms];
        else ++overflow;
        ++count;
        if (ns > maxNs) maxNs = ns;
    }

    // Bucket midpoint of the q-quantile, in ms (the max if it lies in the overflow range).
    double percentileMs(double q) const {
        if (count == 0) return 0;
        u64 rank = std::max<u64>(1, u64(std::ceil(q * double(count))));
        u64 seen = 0;
        for (u64 i = 0; i < kFine; ++i)
            if ((seen += fine[i]) >= rank) return (double(i) + 0.5) / 1000.0;
        for (u64 i = 0; i < kCoarse; ++i)
            if ((seen += coarse[i]) >= rank) return double(100 + i) + 0.5;
        return double(maxNs) / 1e6;
    }
};

// ---------------------------------------------------------------------------------------------
// The benchmark

struct Client {
    int fd = -1;
    bool connecting = true;  // non-blocking TCP connect not confirmed yet
    bool accepted = false;   // got ACCEPT
    bool joined = false;     // got JOINED for the bench channel
    bool open = false;
    bool wantOut = false;    // EPOLLOUT registered
    std::string carry;       // incomplete line left over from the previous read
    std::string wbuf;        // pending output, sent from woff
    size_t woff = 0;
};

struct Sender {
    u64 nextSeq = 0;                          // seq of the next message
    u64 acked = 0;                            // flat-out: observer has seen everything below this
    u64 firstMeasured = ~u64(0);              // measured messages: [firstMeasured, endMeasured)
    u64 endMeasured = 0;
    i64 lastAckNs = 0;
    bool inReady = false;
    std::vector<std::uint16_t> counts;        // deliveries seen per seq (saturating)
};

struct CpuSample {
    i64 wallNs = 0;
    std::optional<double> server;
    double self = 0;
};

struct Bench {
    Options opt;
    sockaddr_storage addr{};
    socklen_t addrLen = 0;
    ServerProcess* spawned = nullptr;  // set when the bench started the server
    pid_t serverPid = 0;               // for CPU accounting, 0 = unknown

    int N = 0, S = 0, observer = 0;
    bool flatOut = false;
    int epfd = -1, timerFd = -1;
    i64 timerArmedFor = -1;
    std::vector<Client> clients;
    std::vector<Sender> senders;
    std::vector<std::uint32_t> lastSeq;  // [receiver * S + sender] = last seq + 1 (0 = none yet)
    std::vector<int> dirty;              // senders with freshly queued messages to flush
    std::vector<char> isDirty;
    std::vector<int> ready;              // flat-out: senders whose window may have room
    std::vector<char> rbuf;              // shared read buffer: carry + one read
    std::vector<epoll_event> events;
    std::string msgPrefix;               // "MSG #bench: "
    std::string padding;                 // " xxxx...\n" or "\n"
    std::string joinedLine, userlistPrefix, userjoinPrefix;  // "JOINED: #bench", "USERLIST #bench:", ...

    // setup
    int nextToConnect = 0, pendingAccept = 0, joinedCount = 0, memberCount0 = 0;
    std::vector<char> member0;  // client 0's view of the channel members

    // run state
    bool loadStarted = false;  // setup is over; from now on a disconnect is counted, not fatal
    u64 schedIndex = 0;  // rate mode: next message of the global schedule
    i64 sendStartNs = 0;
    i64 lastServerCheckNs = 0;

    // counters
    Histogram hist;
    u64 receivedMeasured = 0;
    u64 outOfOrder = 0, selfDeliveries = 0, foreign = 0, malformed = 0, overlong = 0;
    u64 errorLines = 0, windowResets = 0;
    int disconnected = 0;
    bool firstCloseSeen = false;

    explicit Bench(Options o) : opt(std::move(o)) {
        N = opt.clients;
        S = opt.senders;
        observer = N - 1;
        flatOut = opt.rate == 0;
        clients.resize(N);
        senders.resize(S);
        lastSeq.assign(size_t(N) * S, 0);
        isDirty.assign(S, 0);
        member0.assign(N, 0);
        rbuf.resize(kMaxLine + kReadSize);
        events.resize(1024);
        msgPrefix = "MSG " + opt.channel + ": ";
        padding = opt.payload ? " " + std::string(size_t(opt.payload), 'x') + "\n" : "\n";
        joinedLine = "JOINED: " + opt.channel;
        userlistPrefix = "USERLIST " + opt.channel + ":";
        userjoinPrefix = "USERJOIN " + opt.channel + ":";
    }

    ~Bench() {
        for (auto& c : clients)
            if (c.fd >= 0) close(c.fd);
        if (timerFd >= 0) close(timerFd);
        if (epfd >= 0) close(epfd);
    }

    // ---- server liveness --------------------------------------------------------------------

    // Throws if the server process is known to be gone; rate-limited unless forced.
    void checkServer(i64 now, bool force = false) {
        if (!force && now - lastServerCheckNs < 100'000'000) return;
        lastServerCheckNs = now;
        std::string why;
        if (spawned && !spawned->alive(&why)) throw FatalError("server died (" + why + ")");
        if (!spawned && serverPid > 0 && !processAlive(serverPid))
            throw FatalError("server process " + std::to_string(serverPid) + " died");
    }

    // ---- sockets -----------------------------------------------------------------------------

    void setEpollOut(Client& c, int idx, bool on) {
        epoll_event ev{};
        ev.events = on ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
        ev.data.u64 = u64(idx);
        epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev);
        c.wantOut = on;
    }

    void connectClient(int idx) {
        Client& c = clients[idx];
        c.fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) throw FatalError(errnoText("socket for client " + std::to_string(idx)));
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), addrLen) != 0 && errno != EINPROGRESS)
            throw FatalError(errnoText("cannot connect client " + std::to_string(idx)));
        c.open = true;
        // Wait for EPOLLOUT to learn the outcome of the connect.
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u64 = u64(idx);
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev) != 0) throw FatalError(errnoText("epoll_ctl"));
        c.wantOut = true;
        std::string nick = opt.nickPrefix + std::to_string(idx);
        c.wbuf = "CONNECT: \"" + nick + "\" \"chat_fanout bench " + std::to_string(idx) + "\" 1.0.0\n";
        ++pendingAccept;
    }

    void onClosed(Client& c, int idx, const std::string& why) {
        if (!c.open) return;
        epoll_ctl(epfd, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        c.open = false;
        // A dying server closes its sockets slightly before it becomes a zombie: on the first
        // close, give it 100 ms so the report says "server died" rather than listing disconnects.
        if (serverPid > 0 && !firstCloseSeen) {
            firstCloseSeen = true;
            for (int i = 0; i < 10; ++i, usleep(10'000)) checkServer(nowNs(), true);
        }
        if (!loadStarted)
            throw FatalError("client " + std::to_string(idx) + " during setup: " + why);
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
                onClosed(c, idx, errnoText("write"));
                return;
            }
        }
        if (c.woff == c.wbuf.size()) {
            c.wbuf.clear();
            c.woff = 0;
            if (c.wantOut) setEpollOut(c, idx, false);
            return;
        }
        if (c.woff > (1u << 20)) {  // drop the written prefix so a slow reader can't grow wbuf forever
            c.wbuf.erase(0, c.woff);
            c.woff = 0;
        }
        if (!c.wantOut) setEpollOut(c, idx, true);
    }

    void onWritable(Client& c, int idx) {
        if (c.connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                errno = err;
                throw FatalError(errnoText("cannot connect client " + std::to_string(idx)));
            }
            c.connecting = false;
        }
        flush(c, idx);
    }

    void onReadable(Client& c, int idx) {
        // Carry-over of an incomplete line goes in front of the new data in the shared buffer,
        // so lines never need per-client buffers of read size or per-line allocations.
        char* buf = rbuf.data();
        size_t carry = c.carry.size();
        std::memcpy(buf, c.carry.data(), carry);
        ssize_t r = read(c.fd, buf + carry, kReadSize);
        if (r == 0) return onClosed(c, idx, "connection closed by server");
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            return onClosed(c, idx, errnoText("read"));
        }
        const i64 now = nowNs();  // one timestamp per read: cheap, and within microseconds
        const char* p = buf;
        const char* end = buf + carry + size_t(r);
        while (p < end) {
            auto* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
            if (!nl) break;
            const char* le = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
            handleLine(c, idx, p, le, now);
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

    void handleLine(Client& c, int idx, const char* p, const char* end, i64 now) {
        if (end - p >= 4 && std::memcmp(p, "MSG ", 4) == 0) onMsg(idx, p + 4, end, now);
        else onControl(c, idx, std::string_view(p, size_t(end - p)));
    }

    static bool parseUnsigned(const char*& p, const char* end, u64& v) {
        const char* start = p;
        u64 x = 0;
        while (p < end && unsigned(*p - '0') < 10) x = x * 10 + u64(*p++ - '0');
        v = x;
        return p != start;
    }

    // Hot path: "MSG <nick> <channel>: <sender> <seq> <send_ns>[ padding]" (the "MSG " is consumed).
    void onMsg(int idx, const char* p, const char* end, i64 now) {
        auto* colon = static_cast<const char*>(std::memchr(p, ':', size_t(end - p)));
        if (!colon || end - colon < 2 || colon[1] != ' ') return void(++malformed);
        p = colon + 2;
        u64 s, seq, ts;
        if (!parseUnsigned(p, end, s) || p == end || *p++ != ' ' || !parseUnsigned(p, end, seq) ||
            p == end || *p++ != ' ' || !parseUnsigned(p, end, ts))
            return void(++malformed);
        if (s >= u64(S) || seq >= senders[s].nextSeq) return void(++foreign);  // not ours / stale
        if (s == u64(idx)) return void(++selfDeliveries);

        std::uint32_t& last = lastSeq[size_t(idx) * S + s];
        if (seq + 1 > last) last = std::uint32_t(seq + 1);
        else if (seq + 1 < last) ++outOfOrder;  // seq + 1 == last is a duplicate, counted below

        Sender& sd = senders[s];
        std::uint16_t& cnt = sd.counts[seq];
        if (cnt != 0xffff) ++cnt;
        if (seq >= sd.firstMeasured) {
            ++receivedMeasured;
            hist.add(now - i64(ts));
        }
        if (flatOut && idx == observer && seq >= sd.acked) {
            sd.acked = seq + 1;
            sd.lastAckNs = now;
            if (!sd.inReady) {
                sd.inReady = true;
                ready.push_back(int(s));
            }
        }
    }

    // Nick in a USERLIST/USERJOIN -> client index, or -1 if it is not one of ours.
    int nickIndex(std::string_view n) const {
        while (!n.empty() && (n.front() == ' ' || !(std::isalnum(static_cast<unsigned char>(n.front())) ||
                                                    n.front() == '_' || n.front() == '-')))
            n.remove_prefix(1);  // mode prefixes such as '@'
        while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
        if (n.size() <= opt.nickPrefix.size() || n.substr(0, opt.nickPrefix.size()) != opt.nickPrefix)
            return -1;
        n.remove_prefix(opt.nickPrefix.size());
        int v = -1;
        auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
        if (ec != std::errc() || ptr != n.data() + n.size() || v < 0 || v >= N) return -1;
        return v;
    }

    void markMember0(int m) {
        if (m >= 0 && !member0[m]) {
            member0[m] = 1;
            ++memberCount0;
        }
    }

    static bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

    void onControl(Client& c, int idx, std::string_view line) {
        if (startsWith(line, "PING")) {
            // "PING: <n>" -> "PONG: <n>"
            c.wbuf.append("PONG").append(line.substr(4)).push_back('\n');
            flush(c, idx);
            return;
        }
        if (startsWith(line, "ERROR") || startsWith(line, "NOTACCEPTED") || startsWith(line, "NICKNAMEINUSE")) {
            ++errorLines;
            if (!c.joined)
                throw FatalError("client " + std::to_string(idx) + " refused by server: " + std::string(line));
            if (errorLines <= kMaxPrintedErrors)
                std::fprintf(stderr, "chat_fanout: client %d got: %.*s\n", idx, int(line.size()), line.data());
            return;
        }
        if (startsWith(line, "ACCEPT")) {
            if (!c.accepted) {
                c.accepted = true;
                --pendingAccept;
                c.wbuf.append("JOIN: ").append(opt.channel).push_back('\n');
                flush(c, idx);
            }
            return;
        }
        if (!c.joined && startsWith(line, joinedLine) &&
            (line.size() == joinedLine.size() || line[joinedLine.size()] == ' ')) {
            c.joined = true;
            ++joinedCount;
            if (idx == 0) markMember0(0);
            return;
        }
        if (idx != 0 || loadStarted) return;  // only client 0 tracks membership, only during setup
        if (startsWith(line, userlistPrefix)) {
            std::string_view rest = line.substr(userlistPrefix.size());
            while (!rest.empty()) {
                auto comma = rest.find(',');
                markMember0(nickIndex(rest.substr(0, comma)));
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
        } else if (startsWith(line, userjoinPrefix)) {
            markMember0(nickIndex(line.substr(userjoinPrefix.size())));
        }
    }

    // ---- event loop --------------------------------------------------------------------------

    // Waits for socket events or until wakeNs (CLOCK_MONOTONIC), whichever comes first.
    // A timerfd gives sub-millisecond wakeups for pacing; epoll_wait's own timeout is in ms.
    void poll(i64 wakeNs) {
        if (wakeNs != timerArmedFor) {
            itimerspec its{};
            i64 w = std::max<i64>(wakeNs, 1);
            its.it_value.tv_sec = time_t(w / kNsPerSec);
            its.it_value.tv_nsec = long(w % kNsPerSec);
            timerfd_settime(timerFd, TFD_TIMER_ABSTIME, &its, nullptr);
            timerArmedFor = wakeNs;
        }
        int n = epoll_wait(epfd, events.data(), int(events.size()), 100);
        if (n < 0) {
            if (errno == EINTR) return;
            throw FatalError(errnoText("epoll_wait"));
        }
        for (int i = 0; i < n; ++i) {
            const epoll_event& ev = events[size_t(i)];
            if (ev.data.u64 == kTimerTag) {
                u64 expirations;
                if (read(timerFd, &expirations, sizeof expirations) < 0) { /* already drained */ }
                timerArmedFor = -1;
                continue;
            }
            int idx = int(ev.data.u64);
            Client& c = clients[size_t(idx)];
            if (!c.open) continue;
            if (ev.events & (EPOLLOUT | EPOLLERR)) {
                if (c.connecting || (ev.events & EPOLLOUT)) onWritable(c, idx);
                if (!c.open) continue;
            }
            if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) onReadable(c, idx);
        }
    }

    // ---- sending -----------------------------------------------------------------------------

    // Queues one message; the timestamp is taken right before the flush that writes it.
    void queueMessage(int s) {
        Client& c = clients[size_t(s)];
        Sender& sd = senders[size_t(s)];
        u64 seq = sd.nextSeq++;
        sd.counts.push_back(0);
        // "<sender> <seq> <send_ns>": three numbers of at most 20 digits each.
        char num[3 * 21];
        char* p = num;
        p = std::to_chars(p, p + 20, u64(s)).ptr;
        *p++ = ' ';
        p = std::to_chars(p, p + 20, seq).ptr;
        *p++ = ' ';
        p = std::to_chars(p, p + 20, u64(nowNs())).ptr;
        c.wbuf.append(msgPrefix).append(num, size_t(p - num)).append(padding);
        if (!isDirty[size_t(s)]) {
            isDirty[size_t(s)] = 1;
            dirty.push_back(s);
        }
    }

    void flushDirty() {
        for (int s : dirty) {
            isDirty[size_t(s)] = 0;
            flush(clients[size_t(s)], s);
        }
        dirty.clear();
    }

    // Rate mode: message k of the global schedule is due at sendStart + k/R, sender k mod S.
    // Returns when the next message is due.
    i64 sendDueRate(i64 now) {
        const double nsPerMsg = 1e9 / opt.rate;
        u64 due = u64(double(now - sendStartNs) / nsPerMsg) + 1;
        int budget = 4096;  // bound the work per loop turn so reads keep flowing while catching up
        bool blocked = false;
        while (schedIndex < due) {
            int s = int(schedIndex % u64(S));
            Client& c = clients[size_t(s)];
            if (c.open && c.wbuf.size() - c.woff > kMaxSendBacklog) {
                blocked = true;  // the server is not reading this sender; keep the backlog for later
                break;
            }
            if (budget-- == 0) break;
            if (c.open) queueMessage(s);
            ++schedIndex;
        }
        flushDirty();
        if (blocked) return now + 1'000'000;
        return sendStartNs + i64(double(schedIndex) * nsPerMsg);
    }

    // Flat-out mode: refill the windows of senders the observer acknowledged.
    void sendFlatOut(i64 now) {
        for (int s : ready) {
            Sender& sd = senders[size_t(s)];
            sd.inReady = false;
            if (!clients[size_t(s)].open) continue;
            while (sd.nextSeq - sd.acked < u64(opt.window)) queueMessage(s);
            sd.lastAckNs = std::max(sd.lastAckNs, now);
        }
        ready.clear();
        flushDirty();
    }

    // Flat-out: a lost message would otherwise hold its window forever.
    void checkStalledWindows(i64 now) {
        for (int s = 0; s < S; ++s) {
            Sender& sd = senders[size_t(s)];
            if (sd.nextSeq - sd.acked >= u64(opt.window) && now - sd.lastAckNs > kWindowStallNs) {
                sd.acked = sd.nextSeq;
                ++windowResets;
                if (!sd.inReady) {
                    sd.inReady = true;
                    ready.push_back(s);
                }
            }
        }
    }

    CpuSample sampleCpu() const {
        CpuSample c;
        c.wallNs = nowNs();
        if (serverPid > 0) c.server = processCpuSeconds(serverPid);
        c.self = selfCpuSeconds();
        return c;
    }

    // ---- phases ------------------------------------------------------------------------------

    void setupClients() {
        epfd = epoll_create1(EPOLL_CLOEXEC);
        timerFd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (epfd < 0 || timerFd < 0) throw FatalError(errnoText("epoll/timerfd"));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kTimerTag;
        epoll_ctl(epfd, EPOLL_CTL_ADD, timerFd, &ev);

        rlimit rl{};
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur != RLIM_INFINITY && rlim_t(N) + 32 > rl.rlim_cur)
            throw FatalError("RLIMIT_NOFILE " + std::to_string(rl.rlim_cur) + " too low for " +
                             std::to_string(N) + " clients");

        const i64 t0 = nowNs();
        const i64 deadline = t0 + i64(opt.setupTimeout * 1e9);
        std::fprintf(stderr, "chat_fanout: connecting %d clients\n", N);
        while (joinedCount < N || memberCount0 < N) {
            while (nextToConnect < N && pendingAccept < kMaxPendingConnects) connectClient(nextToConnect++);
            i64 now = nowNs();
            if (now > deadline) {
                throw FatalError("setup timed out after " + std::to_string(int(opt.setupTimeout)) + " s: " +
                                 std::to_string(joinedCount) + "/" + std::to_string(N) + " clients joined " +
                                 opt.channel + ", client 0 sees " + std::to_string(memberCount0) + " members");
            }
            checkServer(now);
            poll(std::min(deadline, now + 100'000'000));
        }
        std::fprintf(stderr, "chat_fanout: all %d clients joined %s in %.2f s\n", N, opt.channel.c_str(),
                     double(nowNs() - t0) / 1e9);
    }

    struct RunResult {
        CpuSample start, end;
        u64 sent = 0;
        u64 expected = 0;
        double drainSeconds = 0;
        bool drainComplete = false;
    };

    RunResult runLoad() {
        RunResult res;
        loadStarted = true;
        sendStartNs = nowNs();
        const i64 measureStart = sendStartNs + i64(opt.warmup * 1e9);
        const i64 measureEnd = measureStart + i64(opt.seconds * 1e9);
        bool measuring = false;
        i64 lastStallCheck = sendStartNs;
        if (flatOut) {
            for (int s = 0; s < S; ++s) {
                senders[size_t(s)].inReady = true;
                senders[size_t(s)].lastAckNs = sendStartNs;
                ready.push_back(s);
            }
        }
        std::fprintf(stderr, "chat_fanout: sending: %.1f s warmup, %.1f s measured\n", opt.warmup, opt.seconds);

        for (;;) {
            i64 now = nowNs();
            if (!measuring && now >= measureStart) {
                measuring = true;
                for (auto& sd : senders) sd.firstMeasured = sd.nextSeq;
                res.start = sampleCpu();
            }
            if (now >= measureEnd) break;
            i64 wake = measuring ? measureEnd : measureStart;
            if (flatOut) {
                if (now - lastStallCheck > 100'000'000) {
                    lastStallCheck = now;
                    checkStalledWindows(now);
                }
                sendFlatOut(now);
                wake = std::min(wake, now + 100'000'000);
            } else {
                wake = std::min(wake, sendDueRate(now));
            }
            checkServer(now);
            poll(wake);
        }
        res.end = sampleCpu();
        for (auto& sd : senders) {
            sd.endMeasured = sd.nextSeq;
            res.sent += sd.endMeasured - sd.firstMeasured;
        }
        res.expected = res.sent * u64(N - 1);

        // Drain: until everything expected arrived or no progress for drainTimeout.
        std::fprintf(stderr, "chat_fanout: draining\n");
        const i64 drainStart = nowNs();
        i64 lastProgress = drainStart;
        u64 lastReceived = receivedMeasured;
        for (;;) {
            i64 now = nowNs();
            if (receivedMeasured != lastReceived) {
                lastReceived = receivedMeasured;
                lastProgress = now;
            }
            if (receivedMeasured >= res.expected) {
                res.drainComplete = true;
                break;
            }
            if (now - lastProgress > i64(opt.drainTimeout * 1e9)) break;
            checkServer(now);
            poll(now + 100'000'000);
        }
        res.drainSeconds = double(nowNs() - drainStart) / 1e9;
        return res;
    }
};

std::string fmtMs(double ms) {
    char b[32];
    if (ms < 1) std::snprintf(b, sizeof b, "%.3f", ms);
    else if (ms < 10) std::snprintf(b, sizeof b, "%.2f", ms);
    else if (ms < 100) std::snprintf(b, sizeof b, "%.1f", ms);
    else std::snprintf(b, sizeof b, "%.0f", ms);
    return b;
}

void report(const Bench& b, const Bench::RunResult& r) {
    const Options& o = b.opt;
    const u64 need = u64(b.N - 1);
    u64 lost = 0, duplicates = 0, lostMessages = 0;
    for (const auto& sd : b.senders) {
        for (u64 q = sd.firstMeasured; q < sd.endMeasured; ++q) {
            u64 c = sd.counts[q];
            if (c < need) {
                lost += need - c;
                ++lostMessages;
            } else {
                duplicates += c - need;
            }
        }
    }
    const double measured = double(r.end.wallNs - r.start.wallNs) / 1e9;
    const double dps = double(b.receivedMeasured) / measured;
    const double mps = double(r.sent) / measured;
    const double p50 = b.hist.percentileMs(0.50), p99 = b.hist.percentileMs(0.99),
                 p999 = b.hist.percentileMs(0.999), maxMs = double(b.hist.maxNs) / 1e6;
    const double benchCpu = r.end.self - r.start.self;

    std::string rateText = o.rate > 0 ? std::to_string(u64(o.rate)) + "/s (target)"
                                      : "flat-out (window " + std::to_string(o.window) + ")";
    std::printf("clients %d senders %d rate %s measured %.1f s\n", b.N, b.S, rateText.c_str(), measured);
    std::printf("sent %llu messages, expected %llu deliveries, received %llu, lost %llu, duplicates %llu, "
                "out-of-order %llu\n",
                (unsigned long long)r.sent, (unsigned long long)r.expected,
                (unsigned long long)b.receivedMeasured, (unsigned long long)lost,
                (unsigned long long)duplicates, (unsigned long long)b.outOfOrder);
    std::printf("deliveries/s %.0f\n", dps);
    std::printf("messages/s %.0f sent%s\n", mps,
                o.rate > 0 && mps < 0.95 * o.rate ? " (below target: the server did not keep up)" : "");
    std::printf("latency p50 %s ms p99 %s ms p99.9 %s ms max %s ms\n", fmtMs(p50).c_str(), fmtMs(p99).c_str(),
                fmtMs(p999).c_str(), fmtMs(maxMs).c_str());

    std::string usPer = "na", corePct = "na";
    if (r.start.server && r.end.server) {
        double cpu = *r.end.server - *r.start.server;
        double us = b.receivedMeasured ? cpu * 1e6 / double(b.receivedMeasured) : 0;
        double pct = cpu / measured * 100;
        char t[64];
        std::snprintf(t, sizeof t, "%.3g", us);
        usPer = t;
        std::snprintf(t, sizeof t, "%.0f", pct);
        corePct = t;
        std::printf("server CPU %.2f s = %s us per delivery (%s%% of one core)\n", cpu, usPer.c_str(),
                    corePct.c_str());
    } else {
        std::printf("server CPU na (no server pid)\n");
    }
    std::printf("bench CPU %.2f s (%.0f%% of one core)\n", benchCpu, benchCpu / measured * 100);
    if (benchCpu / measured > 0.9)
        std::printf("warning: the bench used >90%% of a core; results may be limited by the bench\n");
    if (!r.drainComplete)
        std::printf("drain incomplete: gave up after %.1f s without progress (%llu messages short)\n",
                    r.drainSeconds, (unsigned long long)lostMessages);
    if (b.selfDeliveries || b.foreign || b.malformed || b.overlong || b.errorLines || b.windowResets ||
        b.disconnected)
        std::printf("anomalies: self-deliveries %llu, foreign/stale MSG %llu, malformed MSG %llu, "
                    "overlong lines %llu, ERROR lines %llu, window resets %llu, disconnected clients %d\n",
                    (unsigned long long)b.selfDeliveries, (unsigned long long)b.foreign,
                    (unsigned long long)b.malformed, (unsigned long long)b.overlong,
                    (unsigned long long)b.errorLines, (unsigned long long)b.windowResets, b.disconnected);
    std::printf("RESULT clients=%d senders=%d rate=%llu deliveries_per_s=%.0f p50_ms=%s p99_ms=%s max_ms=%s "
                "lost=%llu server_us_per_delivery=%s server_core_pct=%s p999_ms=%s msgs_per_s=%.0f "
                "sent=%llu expected=%llu received=%llu duplicates=%llu out_of_order=%llu errors=%llu "
                "disconnected=%d bench_cpu_s=%.2f measured_s=%.2f\n",
                b.N, b.S, (unsigned long long)o.rate, dps, fmtMs(p50).c_str(), fmtMs(p99).c_str(),
                fmtMs(maxMs).c_str(), (unsigned long long)lost, usPer.c_str(), corePct.c_str(),
                fmtMs(p999).c_str(), mps, (unsigned long long)r.sent, (unsigned long long)r.expected,
                (unsigned long long)b.receivedMeasured, (unsigned long long)duplicates,
                (unsigned long long)b.outOfOrder, (unsigned long long)b.errorLines, b.disconnected, benchCpu,
                measured);
    std::fflush(stdout);
}

int run(const Options& opt) {
    raiseFdLimit();
    signal(SIGPIPE, SIG_IGN);

    ServerProcess server;  // declared first: destroyed (stopped) after the client sockets close
    Bench bench(opt);

    if (!opt.serverPath.empty()) {
        int port = opt.port ? opt.port : freeLoopbackPort();
        bench.addr = resolve("127.0.0.1", std::to_string(port), bench.addrLen);
        std::fprintf(stderr, "chat_fanout: starting %s on port %d\n", opt.serverPath.c_str(), port);
        server.start(opt, port);
        bench.spawned = &server;
        bench.serverPid = server.pid();
        const i64 deadline = nowNs() + 10 * kNsPerSec;
        for (;;) {
            std::string why;
            if (!server.alive(&why)) throw FatalError("server exited during startup (" + why + ")");
            if (canConnect(bench.addr, bench.addrLen)) break;
            if (nowNs() > deadline) throw FatalError("server did not accept connections on port " +
                                                     std::to_string(port) + " within 10 s");
            usleep(20'000);
        }
    } else {
        bench.addr = resolve(opt.connectHost, opt.connectPort, bench.addrLen);
        bench.serverPid = opt.serverPid;
        if (opt.serverPid > 0 && kill(opt.serverPid, 0) != 0 && errno == ESRCH)
            throw FatalError("no process with pid " + std::to_string(opt.serverPid));
    }

    bench.setupClients();
    Bench::RunResult r = bench.runLoad();
    report(bench, r);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parseArgs(argc, argv));
    } catch (const UsageError& e) {
        std::fprintf(stderr, "chat_fanout: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_fanout: %s\n", e.what());
        return 1;
    }
}
