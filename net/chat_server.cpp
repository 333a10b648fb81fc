#include "net/chat_server.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "core/file_stream.hpp"
#include "core/sealed_stream.hpp"
#include "net/discovery.hpp"
#include "net/batched_sender.hpp"
#include "net/file_server.hpp"
#include "net/history_store.hpp"
#include "net/random.hpp"
#include "net/voice_server.hpp"

namespace voixer::net {

using asio::ip::tcp;
using core::ConnId;
using core::Millis;

namespace {

// Memory per connection is what lets 5,000 users in: a read buffer starts
// small and grows (to kReadBufferBytes) only for a client that sends long
// lines; an output buffer that grew for a big answer (a USERLIST of 5,000
// is 170 KB) is given back once written.
constexpr std::size_t kReadBufferBytes = 16 * 1024;
constexpr std::size_t kFirstReadBytes = 1024;
constexpr std::size_t kSealedReadBytes = 4096;
constexpr std::size_t kKeptOutputCapacity = 16 * 1024;
constexpr std::size_t kBigFlushRound = 500;   // connections written in one round
constexpr std::size_t kSearchResults = 50;  // the newest matches, at most
static_assert(kReadBufferBytes > core::kMaxLineBytes + 2);

struct Conn {
  Conn(asio::io_context& io, tcp::socket s)
      : socket(std::move(s)), timer(io) {}
  ConnId id = 0;
  std::string peer;
  tcp::socket socket;
  asio::steady_timer timer;  // flood resume, or the close grace period
  // Input: bytes read but not yet handed to the core as lines.
  std::vector<char> in = std::vector<char>(kFirstReadBytes);
  std::size_t in_len = 0;
  bool discarding = false;  // inside a line that was too long
  bool throttled = false;   // flood control holds reading
  bool held = false;        // held until the client reads what it asked for
  // Output: `out[out_pos..]` is waiting to be written.
  std::string out;
  std::size_t out_pos = 0;
  bool waiting_writable = false;
  bool dirty = false;     // in the flush list
  bool closing = false;   // the core let go of it; close once flushed
  bool overflowed = false;
  bool closed = false;
  // Output held until the history store has a record: bytes of `out`
  // from `offset` on wait for record `number` (net/history_store.hpp).
  struct Hold {
    std::size_t offset;
    std::uint64_t number;
  };
  std::deque<Hold> holds;
  bool in_held_list = false;
  // Plain until the first byte says otherwise (a sealed hello).
  enum class Mode { Unknown, Plain, Sealed } mode = Mode::Unknown;
  std::unique_ptr<core::SealedServerSide> sealed;
  std::vector<char> raw;  // Sealed: bytes read, before opening
  std::string wire;       // Sealed: bytes sealed for the socket; `out` is sealed into it
  std::size_t wire_pos = 0;
};

}  // namespace

class ChatServer::Impl : public core::Outbox,
                        public std::enable_shared_from_this<ChatServer::Impl> {
 public:
  Impl(asio::io_context& io, const core::ServerConfig& config, ChatServerOptions options)
      : m_io(io),
        m_options(std::move(options)),
        m_acceptor(io),
        m_ticker(io),
        m_flush_timer(io),
        m_start(std::chrono::steady_clock::now()),
        m_server(archived(config, m_options), *this, secure_random()),
        m_server_max_peers(config.max_clients),
        m_locked(!config.password.empty()),
        m_files_quota(config.files_quota),
        m_history_length(config.history_length),
        m_max_quiet_channels(config.max_quiet_channels),
        m_identity(m_options.identity ? m_options.identity
                                      : std::make_shared<core::Identity>(core::Identity::generate())) {
    asio::error_code ec;
    auto address = asio::ip::make_address(m_options.bind_address, ec);
    if (ec)
      throw std::runtime_error("invalid bind address '" + m_options.bind_address + "'");
    tcp::endpoint endpoint(address, m_options.port);
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec) m_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) m_acceptor.bind(endpoint, ec);
    if (ec == asio::error::address_in_use)
      throw std::runtime_error("port " + std::to_string(m_options.port) +
                               " is already in use");
    if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + m_options.bind_address + ":" +
                               std::to_string(m_options.port) + ": " + ec.message());
  }

  static core::ServerConfig archived(core::ServerConfig config, const ChatServerOptions& o) {
    config.archive = !o.history_path.empty();
    return config;
  }

  void start() {
    if (!m_options.history_path.empty()) open_history();
    if (m_options.voice) {
      // Voice listens on the same port number, on UDP.
      m_voice = std::make_unique<VoiceServer>(m_io, m_server, m_options.bind_address, port(),
                                              m_server_max_peers, m_options.voice_limits);
    }
    if (m_options.discovery) {
      m_discovery = std::make_unique<DiscoveryResponder>(
          m_io, m_options.discovery->port,
          [this] {
            core::ServerAnnouncement a;
            a.port = port();
            a.users = m_server.user_count();
            a.locked = m_locked;
            a.name = m_options.discovery->name;
            a.host = m_options.discovery->host_nickname;
            a.identity = core::key_hex(m_identity->public_key);
            return a;
          },
          m_options.log, m_acceptor.local_endpoint().address().is_v6());
    }
    if (!m_options.files_directory.empty() && m_files_quota > 0) {
      FileServerOptions files;
      files.directory = m_options.files_directory;
      files.identity = m_identity;
      files.log = m_options.log;
      // On the file thread: the core hears of it on the network thread.
      files.on_uploaded = [weak = weak_from_this(), io = &m_io](const std::string& id, bool ok) {
        asio::post(*io, [weak, id, ok] {
          if (auto self = weak.lock(); self && !self->m_stopped)
            self->m_server.on_file_uploaded(id, ok, self->now());
        });
      };
      m_files = std::make_unique<FileServer>(std::move(files));
    }
    accept();
    schedule_tick();
  }

  const VoiceStats* voice_stats() const { return m_voice ? &m_voice->stats() : nullptr; }

  std::uint16_t port() const { return m_acceptor.local_endpoint().port(); }
  const core::Identity& identity() const { return *m_identity; }
  const core::Server& state() const { return m_server; }

  void shutdown(const std::string& reason) {
    if (m_stopped) return;
    m_stopped = true;
    asio::error_code ignored;
    m_acceptor.close(ignored);
    m_ticker.cancel();
    m_server.shutdown(reason);
    if (m_voice) m_voice->shutdown();
    m_discovery.reset();  // gone from the LAN's lists at once
    m_files.reset();
    // Writes what is queued and stops its threads now, while the io_context
    // runs: the output it held is released by the last history_stored().
    m_store.reset();
  }

  // ---- history -----------------------------------------------------------

  void open_history() {
    m_store = std::make_unique<HistoryStore>(
        m_options.history_path, m_options.history_days,
        [weak = weak_from_this(), io = &m_io](std::uint64_t number) {
          asio::post(*io, [weak, number] {
            if (auto self = weak.lock()) self->history_stored(number);
          });
        });
    for (auto& c : m_store->load_channels(m_history_length, m_max_quiet_channels))
      m_server.restore_channel(c.name, c.topic, c.topic_setter, c.lines, c.older);
  }

  // The store's thread is woken once the handlers that are ready now have
  // run: every message of this round of reads goes in one transaction
  // (at 2,000 messages a second a wake-up per message was 15 % of the
  // server's CPU in the writer).
  std::uint64_t keep(const core::Kept& record) override {
    if (!m_store) return 0;
    std::uint64_t number = m_store->keep(record, false);
    if (m_store_wake_posted) return number;
    m_store_wake_posted = true;
    asio::post(m_io, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self || !self->m_store) return;
      self->m_store_wake_posted = false;
      self->m_store->wake();
    });
    return number;
  }

  void history_page(ConnId to, const std::string& folded, const std::string& channel,
                    std::int64_t before, int count) override {
    if (!m_store) return;
    m_store->page(folded, before, core::kReplayBytes, count,
                  [weak = weak_from_this(), io = &m_io, to, channel](HistoryPage page) {
                    asio::post(*io, [weak, to, channel, page = std::move(page)] {
                      auto self = weak.lock();
                      if (!self || self->m_stopped) return;
                      for (const auto& line : page.lines) self->send(to, line);
                      self->send(to, core::format(core::ServerMessage{
                                         core::HistoryMore{channel, page.more_before}}));
                    });
                  });
  }

  void search(ConnId to, const std::string& place, const std::string& shown,
              const std::string& words) override {
    if (!m_store) return;
    m_store->search(place, words, kSearchResults, core::kReplayBytes,
                    [weak = weak_from_this(), io = &m_io, to, shown](std::vector<std::string> found) {
                      asio::post(*io, [weak, to, shown, found = std::move(found)] {
                        auto self = weak.lock();
                        if (!self || self->m_stopped) return;
                        for (const auto& line : found) self->send(to, line);
                        self->send(to, core::format(core::ServerMessage{core::FoundEnd{
                                           shown, static_cast<std::uint32_t>(found.size())}}));
                      });
                    });
  }

  // Output that waited for records up to `number` may go.
  void history_stored(std::uint64_t number) {
    m_stored = std::max(m_stored, number);
    auto held = std::move(m_held);
    m_held.clear();
    for (auto& c : held) {
      while (!c->holds.empty() && c->holds.front().number <= m_stored) c->holds.pop_front();
      if (c->closed) continue;
      if (c->holds.empty()) {
        c->in_held_list = false;
      } else {
        m_held.push_back(c);
      }
      mark_dirty(c);
    }
  }

  // Bytes appended to `c` now wait for record `number`, and so does all
  // that comes after them on that connection (its order is kept). Output
  // to anyone else, and output that carries no unstored record, goes.
  void hold_until_stored(const std::shared_ptr<Conn>& c, std::uint64_t number) {
    if (number <= m_stored) return;
    // Behind a hold that waits as long already.
    if (!c->holds.empty() && c->holds.back().number >= number) return;
    c->holds.push_back({c->out.size(), number});
    if (!c->in_held_list) {
      c->in_held_list = true;
      m_held.push_back(c);
    }
  }

  // How much of `out` may be written now.
  static std::size_t releasable(const Conn& c) {
    return c.holds.empty() ? c.out.size() : c.holds.front().offset;
  }

  // Drops the first `n` bytes of `out`, which are written or sealed.
  static void consume_out(Conn& c, std::size_t n) {
    c.out.erase(0, n);
    c.out_pos = 0;
    for (auto& h : c.holds) h.offset -= n;
  }

  // ---- core::Outbox --------------------------------------------------------

  void send(ConnId to, std::string_view line) override { send_kept(to, line, 0); }

  void send_kept(ConnId to, std::string_view line, std::uint64_t record) override {
    auto it = m_conns.find(to);
    if (it == m_conns.end()) return;
    Conn& c = *it->second;
    if (c.overflowed || c.closed) return;
    if (pending(c) + line.size() + 1 > m_options.max_output_bytes) {
      // The client stopped reading. Dropping it must wait: the core is in
      // the middle of a call that may be iterating over its members.
      c.overflowed = true;
      mark_dirty(it->second);
      return;
    }
    hold_until_stored(it->second, record);
    c.out.append(line);
    c.out.push_back('\n');
    mark_dirty(it->second);
  }

  void file_grant(ConnId to, const core::FileGrant& grant) override {
    if (m_files) m_files->grant(to, grant);
  }
  void file_revoke(ConnId to) override {
    if (m_files) m_files->revoke(to);
  }
  void file_drop(const std::string& id) override {
    if (m_files) m_files->drop(id);
  }

  void close(ConnId to, std::string_view reason) override {
    auto it = m_conns.find(to);
    if (it == m_conns.end()) return;
    auto c = it->second;
    c->closing = true;
    log(c->peer + " #" + std::to_string(c->id) + " closed: " + std::string(reason));
    c->timer.cancel();
    c->timer.expires_after(std::chrono::milliseconds(m_options.close_grace_ms));
    c->timer.async_wait([self = shared_from_this(), c](asio::error_code ec) {
      if (!ec) self->finish(*c);
    });
    mark_dirty(c);
  }

 private:
  Millis now() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - m_start)
        .count();
  }

  void log(const std::string& line) {
    if (m_options.log) m_options.log(line);
  }

  void schedule_tick() {
    m_ticker.expires_after(std::chrono::milliseconds(m_options.tick_interval_ms));
    m_ticker.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (ec || self->m_stopped) return;
      self->m_server.tick(self->now());
      self->schedule_tick();
    });
  }

  void accept() {
    m_acceptor.async_accept([self = shared_from_this()](asio::error_code ec,
                                                        tcp::socket socket) {
      if (self->m_stopped) return;
      if (ec) {
        // Out of descriptors and the like: say so, back off, keep serving.
        self->log("accept failed: " + ec.message());
        auto retry = std::make_shared<asio::steady_timer>(self->m_io);
        retry->expires_after(std::chrono::milliseconds(100));
        retry->async_wait([self, retry](asio::error_code) {
          if (!self->m_stopped) self->accept();
        });
        return;
      }
      self->on_accepted(std::move(socket));
      self->accept();
    });
  }

  void on_accepted(tcp::socket socket) {
    asio::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    socket.non_blocking(true, ec);
    auto c = std::make_shared<Conn>(m_io, std::move(socket));
    c->id = m_next_id++;
    auto remote = c->socket.remote_endpoint(ec);
    std::string address = ec ? std::string() : remote.address().to_string();
    c->peer = ec ? std::string("?") : address + ":" + std::to_string(remote.port());
    m_conns.emplace(c->id, c);
    log(c->peer + " #" + std::to_string(c->id) + " connected");
    if (m_server.on_open(c->id, now(), address)) read(c);
  }

  void read(const std::shared_ptr<Conn>& c) {
    if (c->closing || c->closed) return;
    if (c->mode == Conn::Mode::Sealed) {
      read_sealed(c);
      return;
    }
    if (c->in_len == c->in.size() && c->in.size() < kReadBufferBytes)
      c->in.resize(std::min(c->in.size() * 2, kReadBufferBytes));  // a long line coming
    c->socket.async_read_some(
        asio::buffer(c->in.data() + c->in_len, c->in.size() - c->in_len),
        [self = shared_from_this(), c](asio::error_code ec, std::size_t n) {
          if (c->closed || c->closing) return;
          if (ec) {
            self->lost(c, ec == asio::error::eof ? "connection closed by peer"
                                                 : ec.message());
            return;
          }
          c->in_len += n;
          if (c->mode == Conn::Mode::Unknown && !self->choose_mode(c)) return;
          if (self->process_lines(c)) self->read(c);
        });
  }

  // The first bytes tell a sealed client from a plain one. Returns false
  // when the plain path is not to go on (sealed, or refused).
  bool choose_mode(const std::shared_ptr<Conn>& c) {
    if (static_cast<std::uint8_t>(c->in[0]) == core::kFileStreamFirstByte && m_files) {
      // Not a session: the core forgets it, the file thread takes the socket.
      m_server.on_closed(c->id, now());
      std::string first(c->in.data(), c->in_len);
      c->closed = true;
      c->timer.cancel();
      asio::error_code ec;
      auto fd = c->socket.release(ec);
      m_conns.erase(c->id);
      if (!ec) m_files->adopt(fd, std::move(first));
      return false;
    }
    if (static_cast<std::uint8_t>(c->in[0]) == core::kSealedFirstByte) {
      c->mode = Conn::Mode::Sealed;
      c->sealed = std::make_unique<core::SealedServerSide>(*m_identity);
      c->raw.resize(kSealedReadBytes);
      std::size_t n = std::exchange(c->in_len, 0);
      if (open_sealed(c, {reinterpret_cast<const std::uint8_t*>(c->in.data()), n})) read(c);
      return false;
    }
    c->mode = Conn::Mode::Plain;
    if (!m_options.require_encryption) return true;
    m_server.on_closed(c->id, now());  // it never logged in: nobody is told
    send(c->id, core::format(core::ServerMessage{core::Error{
                    std::string(core::error_code::kEncryptionRequired),
                    "This server accepts only sealed connections: use voixer 0.2 or newer"}}));
    close(c->id, "plain connection refused (encryption required)");
    return false;
  }

  void read_sealed(const std::shared_ptr<Conn>& c) {
    c->socket.async_read_some(
        asio::buffer(c->raw),
        [self = shared_from_this(), c](asio::error_code ec, std::size_t n) {
          if (c->closed || c->closing) return;
          if (ec) {
            std::string why = ec == asio::error::eof ? "connection closed by peer" : ec.message();
            if (c->sealed->mid_record()) why += ", inside a sealed record (cut short)";
            self->lost(c, why);
            return;
          }
          if (self->open_sealed(c, {reinterpret_cast<const std::uint8_t*>(c->raw.data()), n}))
            self->read(c);
        });
  }

  // Sealed bytes in: the handshake's answer goes out, opened lines go to
  // the core. Returns what process_lines() does; false after a failure.
  bool open_sealed(const std::shared_ptr<Conn>& c, std::span<const std::uint8_t> bytes) {
    std::string plain, to_send, error;
    bool was_established = c->sealed->established();
    if (!c->sealed->receive(bytes, plain, to_send, error)) {
      lost(c, "sealed connection failed: " + error);
      return false;
    }
    if (!to_send.empty()) {
      c->wire += to_send;
      mark_dirty(c);
    }
    if (!was_established && c->sealed->established()) m_server.on_sealed(c->id);
    if (c->in.size() < c->in_len + plain.size()) c->in.resize(c->in_len + plain.size());
    std::memcpy(c->in.data() + c->in_len, plain.data(), plain.size());
    c->in_len += plain.size();
    return process_lines(c);
  }

  // Hands complete lines to the core. Returns false when reading must pause
  // (flood control) or stop (the connection is closing).
  bool process_lines(const std::shared_ptr<Conn>& c) {
    char* data = c->in.data();
    std::size_t start = 0;
    bool keep_reading = true;
    while (start < c->in_len) {
      char* nl = static_cast<char*>(std::memchr(data + start, '\n', c->in_len - start));
      if (!nl) break;
      std::size_t len = static_cast<std::size_t>(nl - (data + start));
      if (c->discarding) {  // the tail of an over-long line
        c->discarding = false;
        start += len + 1;
        continue;
      }
      if (pending(*c) > hold_above()) {
        // The client is behind on reading its answers: its next request
        // waits until they have gone out, so that a reading client is never
        // dropped for what it asked for (docs/security.md, "big answers").
        c->held = true;
        keep_reading = false;
        break;
      }
      Millis t = now();
      if (!m_server.admit_line(c->id, t)) {
        pause_for_flood(c);
        keep_reading = false;
        break;
      }
      std::string_view line(data + start, len);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      start += len + 1;
      if (line.size() > core::kMaxLineBytes) {
        m_server.on_line_too_long(c->id, t);
      } else {
        m_server.on_line(c->id, line, t);
      }
      if (c->closing || c->closed) return false;
    }
    std::memmove(data, data + start, c->in_len - start);
    c->in_len -= start;
    if (!keep_reading) return false;  // what is left may hold whole lines
    if (c->in_len > core::kMaxLineBytes + 1 && !c->discarding) {
      // No newline in sight: refuse the line now, drop its bytes as they come.
      c->discarding = true;
      c->in_len = 0;
      m_server.on_line_too_long(c->id, now());
    } else if (c->discarding) {
      c->in_len = 0;
    }
    return !c->closing;
  }

  // Bytes queued for `c` that the socket has not taken yet.
  static std::size_t pending(const Conn& c) {
    return c.out.size() - c.out_pos + c.wire.size() - c.wire_pos;
  }
  // Half the queue: one more answer (a JOIN of a full channel is ~55 KB)
  // still leaves room for what the others send meanwhile.
  std::size_t hold_above() const { return m_options.max_output_bytes / 2; }

  // Reads a held client's requests again once its answers have gone out.
  void release_if_drained(const std::shared_ptr<Conn>& c) {
    if (!c->held || c->closing || c->closed || pending(*c) > hold_above()) return;
    c->held = false;
    if (process_lines(c)) read(c);
  }

  void pause_for_flood(const std::shared_ptr<Conn>& c) {
    c->throttled = true;
    Millis wait = std::max<Millis>(1, m_server.resume_at(c->id) - now());
    c->timer.expires_after(std::chrono::milliseconds(wait));
    c->timer.async_wait([self = shared_from_this(), c](asio::error_code ec) {
      if (ec || c->closing || c->closed) return;
      c->throttled = false;
      if (self->process_lines(c)) self->read(c);
    });
  }

  void mark_dirty(const std::shared_ptr<Conn>& c) {
    if (c->dirty) return;
    c->dirty = true;
    m_dirty.push_back(c);
    if (m_flush_scheduled) return;
    m_flush_scheduled = true;
    // Flush rounds are at least `coalesce` apart. When the server is quiet
    // the round runs at once (after the handlers that are ready now); under
    // load every write then carries all lines of one interval, which cuts
    // the system calls per delivered line several times over.
    auto since_last = std::chrono::steady_clock::now() - m_last_flush;
    // A round that wrote to thousands of clients (a join storm in a channel
    // of 5,000) took long: the next starts no sooner than that long after
    // it ended, so that writing is at most half the server's time and each
    // write carries more lines (the storm's CPU fell from 94 s to 7 s).
    // Rounds of a few hundred clients keep their latency.
    auto coalesce = std::max<std::chrono::steady_clock::duration>(
        std::chrono::microseconds(m_options.coalesce_us), 2 * m_last_flush_cost);
    if (since_last >= coalesce) {
      asio::post(m_io, [self = shared_from_this()] { self->flush_all(); });
    } else {
      m_flush_timer.expires_at(m_last_flush + coalesce);
      m_flush_timer.async_wait([self = shared_from_this()](asio::error_code ec) {
        if (!ec) self->flush_all();
      });
    }
  }

  void flush_all() {
    m_flush_scheduled = false;
    m_last_flush = std::chrono::steady_clock::now();
    // The two lists trade places and keep their capacity: a round of 200
    // clients regrew a fresh list every time (3 % of the server's CPU).
    std::vector<std::shared_ptr<Conn>> batch;
    batch.swap(m_round_spare);
    batch.swap(m_dirty);
    for (auto& c : batch) c->dirty = false;
    write_batched(batch);
    for (auto& c : batch) {
      if (c->overflowed) {
        lost(c, "output queue full (client stopped reading)");
      } else {
        flush(c);
      }
    }
    m_last_flush_cost = batch.size() >= kBigFlushRound
                            ? std::chrono::steady_clock::now() - m_last_flush
                            : std::chrono::steady_clock::duration{};
    batch.clear();
    m_round_spare.swap(batch);
  }

  // The round's first write to each connection, all in one system call
  // (net/batched_sender.hpp). flush() then does the rest as always: what a
  // short or refused send left, waiting for writable, errors, bookkeeping.
  void write_batched(const std::vector<std::shared_ptr<Conn>>& batch) {
    if (batch.size() < 2) return;
    if (!m_sender) {  // made here, on the thread that submits
      m_sender = std::make_unique<BatchedSender>();
      log(m_sender->available() ? std::string("writes are batched through io_uring")
                                : m_sender->unavailable_reason() + "; one write per client");
    }
    if (!m_sender->available()) return;
    auto written = [&batch](std::size_t i, int result) {
      if (result > 0) advance(*batch[i], static_cast<std::size_t>(result));
    };
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Conn& c = *batch[i];
      if (c.overflowed || c.closed || c.waiting_writable) continue;
      std::string_view bytes = next_bytes(c);
      if (!bytes.empty()) m_sender->queue(c.socket.native_handle(), bytes, i, written);
    }
    m_sender->submit(written);
  }

  // What the next write to `c` carries: released plain bytes, or, on a
  // sealed connection, the sealed bytes (sealing what was released first).
  // A sealed connection writes only sealed bytes; the rest waits for the
  // handshake.
  std::string_view next_bytes(Conn& c) {
    bool sealed = c.mode == Conn::Mode::Sealed;
    std::size_t ready = releasable(c);
    if (sealed && c.sealed->can_send() && c.out_pos < ready) {
      c.sealed->seal(std::string_view(c.out).substr(c.out_pos, ready - c.out_pos), c.wire);
      consume_out(c, ready);
    }
    if (sealed) return std::string_view(c.wire).substr(c.wire_pos);
    return std::string_view(c.out).substr(c.out_pos, ready - c.out_pos);
  }

  static void advance(Conn& c, std::size_t n) {
    (c.mode == Conn::Mode::Sealed ? c.wire_pos : c.out_pos) += n;
  }

  void flush(const std::shared_ptr<Conn>& c) {
    if (c->closed || c->waiting_writable) return;
    for (std::string_view bytes = next_bytes(*c); !bytes.empty(); bytes = next_bytes(*c)) {
      asio::error_code ec;
      std::size_t n = c->socket.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        c->waiting_writable = true;
        c->socket.async_wait(tcp::socket::wait_write,
                             [self = shared_from_this(), c](asio::error_code ec) {
                               c->waiting_writable = false;
                               if (ec) return;
                               self->flush(c);
                             });
        release_if_drained(c);
        return;
      }
      if (ec) {
        lost(c, ec.message());
        return;
      }
      advance(*c, n);
    }
    bool sealed = c->mode == Conn::Mode::Sealed;
    std::string& buf = sealed ? c->wire : c->out;
    std::size_t& pos = sealed ? c->wire_pos : c->out_pos;
    if (pos < buf.size()) {  // the rest is held for the history store
      consume_out(*c, pos);
      release_if_drained(c);
      return;
    }
    buf.clear();
    pos = 0;
    if (buf.capacity() > kKeptOutputCapacity) buf.shrink_to_fit();
    if (sealed && c->out.empty() && c->out.capacity() > kKeptOutputCapacity) c->out.shrink_to_fit();
    if (c->closing && pending(*c) == 0) {
      finish(*c);
      return;
    }
    release_if_drained(c);
  }

  // The connection failed or its peer went away: the core forgets the user
  // (telling the others), then the socket is closed.
  void lost(const std::shared_ptr<Conn>& c, const std::string& reason) {
    if (c->closed) return;
    if (!c->closing) {
      log(c->peer + " #" + std::to_string(c->id) + " lost: " + reason);
      c->closing = true;
      m_server.on_closed(c->id, now());
    }
    finish(*c);
  }

  void finish(Conn& c) {
    if (c.closed) return;
    c.closed = true;
    asio::error_code ignored;
    c.timer.cancel();
    c.socket.shutdown(tcp::socket::shutdown_both, ignored);
    c.socket.close(ignored);
    m_conns.erase(c.id);  // may destroy c once its handlers have run
  }

  asio::io_context& m_io;
  ChatServerOptions m_options;
  tcp::acceptor m_acceptor;
  asio::steady_timer m_ticker;
  asio::steady_timer m_flush_timer;
  std::chrono::steady_clock::time_point m_start;
  core::Server m_server;
  std::size_t m_server_max_peers;
  bool m_locked;  // a password is needed (announced on the LAN)
  std::uint64_t m_files_quota;
  std::size_t m_history_length, m_max_quiet_channels;
  std::shared_ptr<const core::Identity> m_identity;
  std::unique_ptr<VoiceServer> m_voice;
  std::unique_ptr<DiscoveryResponder> m_discovery;
  std::unique_ptr<FileServer> m_files;
  std::unique_ptr<HistoryStore> m_store;
  std::uint64_t m_stored = 0;                 // history records stored, up to this number
  bool m_store_wake_posted = false;
  std::vector<std::shared_ptr<Conn>> m_held;  // connections with output on hold
  std::unordered_map<ConnId, std::shared_ptr<Conn>> m_conns;
  std::vector<std::shared_ptr<Conn>> m_dirty;
  std::vector<std::shared_ptr<Conn>> m_round_spare;  // the last round's list, emptied
  std::chrono::steady_clock::time_point m_last_flush{};
  std::chrono::steady_clock::duration m_last_flush_cost{};  // how long the last round took
  bool m_flush_scheduled = false;
  std::unique_ptr<BatchedSender> m_sender;  // made on the first round
  bool m_stopped = false;
  ConnId m_next_id = 1;
};


ChatServer::ChatServer(asio::io_context& io, core::ServerConfig config,
                     ChatServerOptions options)
    : m_impl(std::make_shared<Impl>(io, std::move(config), std::move(options))) {
  m_impl->start();
}

ChatServer::~ChatServer() { m_impl->shutdown("Server is shutting down"); }

std::uint16_t ChatServer::port() const { return m_impl->port(); }
void ChatServer::shutdown(const std::string& reason) { m_impl->shutdown(reason); }
const core::Server& ChatServer::state() const { return m_impl->state(); }
const VoiceStats* ChatServer::voice_stats() const { return m_impl->voice_stats(); }
const core::Identity& ChatServer::identity() const { return m_impl->identity(); }

}  // namespace voixer::net
