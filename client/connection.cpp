#include "client/connection.hpp"

#include <asio.hpp>

#include <charconv>
#include <future>
#include <mutex>
#include <thread>

#include "audio/voice_engine.hpp"
#include "net/chat_server.hpp"
#include "net/line_client.hpp"
#include "net/voice_client.hpp"

namespace voixer::client {

namespace {

// The round-trip probe is a client PING whose token carries its send time.
constexpr std::string_view kProbePrefix = "rtt-";
constexpr auto kProbeInterval = std::chrono::seconds(5);
constexpr int kFirstRetryMs = 250, kLastRetryMs = 2000;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::optional<core::ServerMessage> parsed(std::string_view line) {
  auto p = core::parse_server(line);
  if (auto* m = std::get_if<core::ServerMessage>(&p)) return std::move(*m);
  return std::nullopt;
}

}  // namespace

class Connection::Impl : public std::enable_shared_from_this<Connection::Impl> {
 public:
  Impl(Connection& owner, std::function<void()> wake)
      : m_owner(owner),
        m_wake(std::move(wake)),
        m_retry(m_io),
        m_probe(m_io),
        m_guard(m_io.get_executor()) {}

  void start() {
    m_thread = std::thread([self = shared_from_this()] { self->m_io.run(); });
  }

  void stop() {
    asio::post(m_io, [self = shared_from_this()] {
      self->m_closing = true;
      self->m_retry.cancel();
      self->m_probe.cancel();
      if (self->m_client) {
        self->m_client->send(core::format(core::ClientMessage{core::Disconnect{}}));
        self->m_client->close();
      }
      self->close_voice();
      if (self->m_server) self->m_server->shutdown("Server is shutting down");
      self->m_guard.reset();
    });
    if (m_thread.joinable()) m_thread.join();
  }

  // ---- hosting -------------------------------------------------------------

  std::string host(core::ServerConfig config, const Connection::HostOptions& host) {
    std::promise<std::string> done;
    auto result = done.get_future();
    asio::post(m_io, [&] {
      try {
        net::ChatServerOptions options;
        options.port = host.port;
        options.identity = host.identity;
        options.require_encryption = host.require_encryption;
        options.files_directory = host.files_directory;
        options.history_path = host.history_path;
        if (host.announce)
          options.discovery = net::DiscoveryOptions{host.discovery_port, host.name, host.host_nickname};
        m_server = std::make_unique<net::ChatServer>(m_io, config, options);
        done.set_value("");
      } catch (const std::exception& e) {
        done.set_value(e.what());
      }
    });
    return result.get();
  }

  // ---- text connection -------------------------------------------------------

  void connect(const std::string& host, std::uint16_t port, std::optional<core::PublicKey> pinned) {
    asio::post(m_io, [self = shared_from_this(), host, port, pinned] {
      self->m_host = host;
      self->m_port = port;
      self->m_pinned = pinned;
      self->m_closing = false;
      self->m_accepted_once = false;
      self->m_thrown_out.clear();
      self->m_backoff_ms = kFirstRetryMs;
      self->m_retry.cancel();
      self->open();
    });
  }

  void open() {
    // Callbacks of a connection that was replaced are ignored.
    int generation = ++m_generation;
    if (m_client) m_client->close();
    m_client_open = true;
    m_client = std::make_unique<net::LineClient>(
        m_io, net::LineClient::Handlers{
                  [this, generation](const core::PublicKey& key, std::string& refused) {
                    return generation == m_generation && check_identity(key, refused);
                  },
                  [this, generation] {
                    if (generation != m_generation) return;
                    push({ConnectionEvent::Kind::Connected});
                    probe();
                  },
                  [this, generation](std::string_view line) {
                    if (generation == m_generation) on_line(line);
                  },
                  [this, generation](const std::string& reason) {
                    if (generation == m_generation) on_closed(reason);
                  }});
    m_client->connect(m_host, m_port);
  }

  // Trust on first use: the first identity is kept for reconnects; one
  // that differs from the pin is refused and not retried.
  bool check_identity(const core::PublicKey& key, std::string& refused) {
    if (m_pinned && *m_pinned != key) {
      refused = m_thrown_out = "the server's identity has changed (it shows " +
                               core::fingerprint_words(key) + ", you trusted " +
                               core::fingerprint_words(*m_pinned) + ")";
      ConnectionEvent e{ConnectionEvent::Kind::IdentityChanged, refused};
      e.identity = key;
      push(std::move(e));
      return false;
    }
    m_pinned = key;
    ConnectionEvent e{ConnectionEvent::Kind::Identity, core::fingerprint_words(key)};
    e.identity = key;
    push(std::move(e));
    return true;
  }

  void on_line(std::string_view line) {
    auto message = parsed(line);
    if (message) {
      if (auto* ping = std::get_if<core::Ping>(&*message)) {
        // Answered here: keep-alive never waits for the owner.
        m_client->send(core::format(core::ClientMessage{core::Pong{ping->token}}));
      } else if (auto* pong = std::get_if<core::Pong>(&*message);
                 pong && pong->token.starts_with(kProbePrefix)) {
        std::string_view sent = std::string_view(pong->token).substr(kProbePrefix.size());
        std::int64_t at = 0;
        auto [end, ec] = std::from_chars(sent.data(), sent.data() + sent.size(), at);
        if (ec == std::errc() && end == sent.data() + sent.size())
          m_owner.m_rtt_ms.store(static_cast<int>(steady_ms() - at));
        return;  // our own probe: nothing for the owner
      } else if (std::holds_alternative<core::Accept>(*message)) {
        m_accepted_once = true;
        m_backoff_ms = kFirstRetryMs;
      } else if (auto* error = std::get_if<core::Error>(&*message);
                 error && (error->code == core::error_code::kKicked ||
                           error->code == core::error_code::kBanned)) {
        // Thrown out on purpose: knocking again would only be refused.
        m_thrown_out = error->message;
      }
    }
    push({ConnectionEvent::Kind::Line, std::string(line), std::move(message)});
  }

  void on_closed(const std::string& reason) {
    m_client_open = false;
    m_probe.cancel();
    close_voice();
    bool retry = !m_closing && m_accepted_once && m_thrown_out.empty();
    ConnectionEvent e{ConnectionEvent::Kind::Disconnected,
                      m_thrown_out.empty() ? reason : m_thrown_out};
    e.will_retry = retry;
    e.retry_in_ms = retry ? m_backoff_ms : 0;
    push(std::move(e));
    if (!retry) return;
    m_retry.expires_after(std::chrono::milliseconds(m_backoff_ms));
    m_backoff_ms = std::min(m_backoff_ms * 2, kLastRetryMs);
    m_retry.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (!ec && !self->m_closing) self->open();
    });
  }

  void send(const std::string& line) {
    asio::post(m_io, [self = shared_from_this(), line] {
      if (self->m_client) self->m_client->send(line);
    });
  }

  void disconnect() {
    asio::post(m_io, [self = shared_from_this()] {
      self->m_closing = true;
      self->m_retry.cancel();
      if (self->m_client && self->m_client_open) {
        self->m_client->send(core::format(core::ClientMessage{core::Disconnect{}}));
        self->m_client->close();  // on_closed reports it
        return;
      }
      self->close_voice();
      self->push({ConnectionEvent::Kind::Disconnected, "disconnected"});
    });
  }

  void probe() {
    if (m_client)
      m_client->send(core::format(core::ClientMessage{
          core::Ping{std::string(kProbePrefix) + std::to_string(steady_ms())}}));
    m_probe.expires_after(kProbeInterval);
    // A probe that fell due as stop() ran is not cancelled by it: m_closing.
    m_probe.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (!ec && !self->m_closing) self->probe();
    });
  }

  // ---- voice -----------------------------------------------------------------

  void bind_voice(const std::string& key, std::shared_ptr<audio::VoiceEngine> sink) {
    asio::post(m_io, [self = shared_from_this(), key, sink = std::move(sink)]() mutable {
      self->m_sink = std::move(sink);
      self->bind(key);
    });
  }

  void set_voice_sink(std::shared_ptr<audio::VoiceEngine> sink) {
    asio::post(m_io, [self = shared_from_this(), sink = std::move(sink)]() mutable {
      self->m_sink = std::move(sink);
    });
  }

  void unbind_voice() {
    asio::post(m_io, [self = shared_from_this()] {
      self->m_sink.reset();
      self->m_key.clear();
    });
  }

  void send_voice_frame(std::span<const std::uint8_t> frame) {
    std::vector<std::uint8_t> copy(frame.begin(), frame.end());
    asio::post(m_io, [self = shared_from_this(), copy = std::move(copy)] {
      if (self->m_voice && !self->m_key.empty()) self->m_voice->send_frame(copy);
    });
  }

  void bind(const std::string& key) {
    m_key = key;
    if (!m_voice) {
      m_voice = std::make_unique<net::VoiceClient>(
          m_io, net::VoiceClient::Handlers{
                    [] {},
                    [this](std::string_view line) {
                      push({ConnectionEvent::Kind::VoiceControl, std::string(line), parsed(line)});
                    },
                    [this](std::span<const std::uint8_t> frame) {
                      m_owner.m_voice_rtt_ms.store(static_cast<int>(m_voice->round_trip_ms()));
                      if (m_sink) m_sink->deliver(frame);
                    },
                    [this](const std::string& reason) {
                      push({ConnectionEvent::Kind::VoiceClosed, reason});
                      // The next binding connects afresh (not from inside
                      // the closing client's own callback).
                      asio::post(m_io, [self = shared_from_this(), closed = m_voice.get()] {
                        if (self->m_voice.get() == closed) self->m_voice.reset();
                      });
                    }});
      try {
        m_voice->connect(m_host, m_port);
      } catch (const std::exception& e) {
        push({ConnectionEvent::Kind::VoiceClosed, e.what()});
        m_voice.reset();
        return;
      }
    }
    m_voice->bind(key);
  }

  void close_voice() {
    m_key.clear();
    m_sink.reset();
    if (m_voice) {
      m_voice->close();
      m_voice.reset();
    }
    m_owner.m_voice_rtt_ms.store(0);
  }

  // ---- events ----------------------------------------------------------------

  void push(ConnectionEvent e) {
    {
      std::lock_guard lock(m_mutex);
      m_events.push_back(std::move(e));
    }
    if (m_wake) m_wake();
  }

  std::vector<ConnectionEvent> take() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_events, {});
  }

 private:
  Connection& m_owner;
  std::function<void()> m_wake;
  asio::io_context m_io;
  asio::steady_timer m_retry, m_probe;
  asio::executor_work_guard<asio::io_context::executor_type> m_guard;
  std::thread m_thread;
  std::unique_ptr<net::ChatServer> m_server;
  std::unique_ptr<net::LineClient> m_client;
  bool m_client_open = false;
  std::unique_ptr<net::VoiceClient> m_voice;
  std::shared_ptr<audio::VoiceEngine> m_sink;
  std::string m_host, m_key;
  std::uint16_t m_port = 0;
  int m_backoff_ms = kFirstRetryMs;
  int m_generation = 0;
  bool m_closing = false;
  bool m_accepted_once = false;
  std::string m_thrown_out;  // why the server kicked or banned us (or is not trusted)
  std::optional<core::PublicKey> m_pinned;  // the identity this server must prove
  std::mutex m_mutex;
  std::vector<ConnectionEvent> m_events;
};

Connection::Connection(std::function<void()> wake)
    : m_impl(std::make_shared<Impl>(*this, std::move(wake))) {
  m_impl->start();
}
Connection::~Connection() { m_impl->stop(); }
std::string Connection::host(core::ServerConfig config, HostOptions options) {
  return m_impl->host(std::move(config), options);
}
void Connection::connect(const std::string& host, std::uint16_t port,
                         std::optional<core::PublicKey> pinned) {
  m_impl->connect(host, port, pinned);
}
void Connection::send(const std::string& line) { m_impl->send(line); }
void Connection::disconnect() { m_impl->disconnect(); }
std::vector<ConnectionEvent> Connection::take_events() { return m_impl->take(); }
void Connection::bind_voice(const std::string& key, std::shared_ptr<audio::VoiceEngine> sink) {
  m_impl->bind_voice(key, std::move(sink));
}
void Connection::set_voice_sink(std::shared_ptr<audio::VoiceEngine> sink) {
  m_impl->set_voice_sink(std::move(sink));
}
void Connection::unbind_voice() { m_impl->unbind_voice(); }
void Connection::send_voice_frame(std::span<const std::uint8_t> frame) {
  m_impl->send_voice_frame(frame);
}

}  // namespace voixer::client
