#include "app/session.hpp"

#include <asio.hpp>

#include <future>
#include <thread>

#include <unistd.h>

#include "audio/sdl_device.hpp"
#include "audio/wav_device.hpp"
#include "net/chat_server.hpp"
#include "net/line_client.hpp"
#include "net/voice_client.hpp"

namespace voixer::app {

namespace {
constexpr std::string_view kProbe = "PING: rtt-";
}

class Session::Impl : public std::enable_shared_from_this<Session::Impl> {
 public:
  Impl(Session& owner, std::function<void()> wake)
      : m_owner(owner), m_wake(std::move(wake)), m_retry(m_io), m_probe(m_io), m_guard(m_io.get_executor()) {}

  void start() {
    m_thread = std::thread([self = shared_from_this()] { self->m_io.run(); });
  }

  void stop() {
    asio::post(m_io, [self = shared_from_this()] {
      self->m_closing = true;
      self->m_retry.cancel();
      self->m_probe.cancel();
      if (self->m_client) {
        self->m_client->send("DISCONNECT");
        self->m_client->close();
      }
      self->close_voice();
      if (self->m_server) self->m_server->shutdown("Server is shutting down");
      self->m_guard.reset();
    });
    if (m_thread.joinable()) m_thread.join();
    m_ui_engine.reset();
    m_engine.reset();
  }

  // ---- hosting -------------------------------------------------------------

  std::string host(std::uint16_t port, const std::string& password,
                   const std::string& operator_password) {
    std::promise<std::string> done;
    auto result = done.get_future();
    asio::post(m_io, [&, port] {
      try {
        core::ServerConfig config;
        config.password = password;
        config.operator_password = operator_password;
        char name[256] = {};
        if (gethostname(name, sizeof name - 1) == 0 && name[0]) config.hostname = name;
        config.wall_clock_offset = std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count();
        net::ChatServerOptions options;
        options.port = port;
        m_server = std::make_unique<net::ChatServer>(m_io, config, options);
        done.set_value("");
      } catch (const std::exception& e) {
        done.set_value(e.what());
      }
    });
    return result.get();
  }

  bool hosting() const { return m_hosting_flag.load(); }

  // ---- text connection -------------------------------------------------------

  void connect(const std::string& host, std::uint16_t port) {
    asio::post(m_io, [self = shared_from_this(), host, port] {
      self->m_host = host;
      self->m_port = port;
      self->m_closing = false;
      self->m_backoff_ms = 250;
      self->open();
    });
  }

  void open() {
    // Callbacks of a connection that was replaced are ignored.
    int generation = ++m_generation;
    if (m_client) m_client->close();
    m_client = std::make_unique<net::LineClient>(
        m_io, net::LineClient::Handlers{
                  [this, generation] {
                    if (generation != m_generation) return;
                    m_backoff_ms = 250;
                    push({SessionEvent::Kind::Connected, "", false});
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

  void on_line(std::string_view line) {
    if (line.rfind("PING: ", 0) == 0) {  // answered here, never waits for the UI
      m_client->send("PONG: " + std::string(line.substr(6)));
      return;
    }
    if (line.rfind("PONG: rtt-", 0) == 0) {
      auto sent = std::stoll(std::string(line.substr(10)));
      m_owner.m_rtt_ms.store(static_cast<int>(now_ms() - sent));
      return;
    }
    push({SessionEvent::Kind::Line, std::string(line), false});
  }

  void on_closed(const std::string& reason) {
    m_probe.cancel();
    bool retry = !m_closing;
    push({SessionEvent::Kind::Disconnected, reason, retry});
    close_voice();
    if (!retry) return;
    // Back off: 0.25, 0.5, 1, 2, 2, ... seconds.
    m_retry.expires_after(std::chrono::milliseconds(m_backoff_ms));
    m_backoff_ms = std::min(m_backoff_ms * 2, 2000);
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
      if (self->m_client) {
        self->m_client->send("DISCONNECT");
        self->m_client->close();
      }
    });
  }

  // Every 5 s: a client PING with the send time, for the status bar.
  void probe() {
    if (m_client) m_client->send(std::string(kProbe) + std::to_string(now_ms()));
    m_probe.expires_after(std::chrono::seconds(5));
    m_probe.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (!ec) self->probe();
    });
  }

  // ---- voice -----------------------------------------------------------------

  void set_voice_options(VoiceOptions o) {
    std::lock_guard lock(m_mutex);
    m_voice_options = std::move(o);
  }

  // UI thread. The engine is shared: the UI keeps a handle for its
  // setters, the network thread one for delivering frames.
  void start_voice(const std::string& key) {
    if (!m_ui_engine) {
      VoiceOptions o;
      {
        std::lock_guard lock(m_mutex);
        o = m_voice_options;
      }
      try {
        std::shared_ptr<audio::AudioDevice> device;
        if (!o.wav_in.empty() || !o.wav_out.empty()) {
          device = std::make_shared<audio::WavDevice>(o.wav_in, o.wav_out);
        } else {
          device = std::make_shared<audio::SdlDevice>(
              audio::SdlDeviceChoice{o.input_device, o.output_device});
        }
        auto engine = std::shared_ptr<audio::VoiceEngine>(
            new audio::VoiceEngine(
                *device, o.settings,
                [self = weak_from_this()](std::span<const std::uint8_t> f) {
                  std::vector<std::uint8_t> copy(f.begin(), f.end());
                  if (auto s = self.lock())
                    asio::post(s->m_io, [s, copy = std::move(copy)] {
                      if (s->m_voice) s->m_voice->send_frame(copy);
                    });
                }),
            // The device must outlive the engine that uses it.
            [device](audio::VoiceEngine* e) { delete e; });
        engine->start();
        m_ui_engine = engine;
      } catch (const std::exception& e) {
        push({SessionEvent::Kind::VoiceError, e.what(), false});
        return;
      }
    }
    m_ui_engine->set_sending(false);
    asio::post(m_io, [self = shared_from_this(), engine = m_ui_engine, key] {
      self->m_engine = engine;
      self->bind(key);
    });
  }

  void bind(const std::string& key) {
    m_key = key;
    if (!m_voice) {
      m_voice = std::make_unique<net::VoiceClient>(
          m_io, net::VoiceClient::Handlers{
                    [] {},
                    [this](std::string_view line) {
                      if (line.rfind("SESSIONACCEPTED: ", 0) == 0 && line.substr(17) == m_key) {
                        if (m_engine) m_engine->set_sending(true);
                        push({SessionEvent::Kind::VoiceReady, m_key, false});
                      } else if (line.rfind("SESSIONERROR", 0) == 0) {
                        push({SessionEvent::Kind::VoiceError, std::string(line), false});
                      }
                    },
                    [this](std::span<const std::uint8_t> frame) {
                      if (m_engine) m_engine->deliver(frame);
                    },
                    [this](const std::string& reason) {
                      push({SessionEvent::Kind::VoiceError, reason, false});
                    }});
      try {
        m_voice->connect(m_host, m_port);
      } catch (const std::exception& e) {
        push({SessionEvent::Kind::VoiceError, e.what(), false});
        m_voice.reset();
        return;
      }
    }
    m_voice->bind(key);
  }

  void stop_voice() {
    m_ui_engine.reset();
    asio::post(m_io, [self = shared_from_this()] { self->close_voice(); });
  }

  // Network thread.
  void close_voice() {
    m_key.clear();
    m_engine.reset();
    if (m_voice) {
      m_voice->close();
      m_voice.reset();
    }
  }

  audio::VoiceEngine* engine() { return m_ui_engine.get(); }

  // ---- events ----------------------------------------------------------------

  void push(SessionEvent e) {
    {
      std::lock_guard lock(m_mutex);
      m_events.push_back(std::move(e));
    }
    if (m_wake) m_wake();
  }

  std::vector<SessionEvent> take() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_events, {});
  }

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  Session& m_owner;
  std::function<void()> m_wake;
  asio::io_context m_io;
  asio::steady_timer m_retry, m_probe;
  asio::executor_work_guard<asio::io_context::executor_type> m_guard;
  std::thread m_thread;
  std::unique_ptr<net::ChatServer> m_server;
  std::atomic<bool> m_hosting_flag{false};
  std::unique_ptr<net::LineClient> m_client;
  std::unique_ptr<net::VoiceClient> m_voice;
  std::shared_ptr<audio::VoiceEngine> m_ui_engine;  // UI thread's handle
  std::shared_ptr<audio::VoiceEngine> m_engine;     // network thread's handle
  std::string m_host, m_key;
  std::uint16_t m_port = 0;
  int m_backoff_ms = 250;
  int m_generation = 0;
  bool m_closing = false;
  std::mutex m_mutex;
  std::vector<SessionEvent> m_events;
  VoiceOptions m_voice_options;
};

Session::Session(std::function<void()> wake_ui)
    : m_impl(std::make_shared<Impl>(*this, std::move(wake_ui))) {
  m_impl->start();
}
Session::~Session() { m_impl->stop(); }
std::string Session::host(std::uint16_t port, const std::string& password,
                          const std::string& operator_password) {
  std::string error = m_impl->host(port, password, operator_password);
  if (error.empty()) m_impl->m_hosting_flag = true;
  return error;
}
bool Session::hosting() const { return m_impl->hosting(); }
void Session::connect(const std::string& host, std::uint16_t port) { m_impl->connect(host, port); }
void Session::send(const std::string& line) { m_impl->send(line); }
void Session::disconnect() { m_impl->disconnect(); }
std::vector<SessionEvent> Session::take_events() { return m_impl->take(); }
void Session::set_voice_options(VoiceOptions options) { m_impl->set_voice_options(std::move(options)); }
void Session::start_voice(const std::string& key) { m_impl->start_voice(key); }
void Session::stop_voice() { m_impl->stop_voice(); }
audio::VoiceEngine* Session::engine() { return m_impl->engine(); }

}  // namespace voixer::app
