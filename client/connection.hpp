// A client's network side, on a thread of its own: the text connection to
// one server (CONNECT is the engine's business; keep-alive PONG, a
// round-trip probe and reconnecting with backoff are handled here), the
// voice connection (ENet) with its binding to a call, and, when hosting,
// the embedded server. Every method may be called from any thread: it hands
// the work to the network thread. What arrives is queued as events, and
// `wake` tells the owner to take them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/identity.hpp"
#include "core/protocol.hpp"
#include "core/server.hpp"

namespace voixer::audio {
class VoiceEngine;
}

namespace voixer::client {

struct ConnectionEvent {
  enum class Kind {
    Connected,     // TCP is up: time to send CONNECT
    Line,          // a line from the server (keep-alive and probe answers included)
    Disconnected,  // the text connection is gone
    VoiceControl,  // a line on the voice connection (SESSIONACCEPTED, SESSIONERROR)
    VoiceClosed,   // the voice connection failed or was closed by the server
    Identity,      // the server proved `identity` (pinned or met for the first time)
    IdentityChanged,  // the server proved `identity`, not the pinned one: refused
  };
  Kind kind;
  std::string text = {};  // Line / VoiceControl: the line; Disconnected / VoiceClosed: the reason
  // Line / VoiceControl: the line parsed once, here; empty when it does not parse.
  std::optional<core::ServerMessage> message = {};
  std::optional<core::PublicKey> identity = {};  // Identity / IdentityChanged
  bool will_retry = false;  // Disconnected: a reconnect is scheduled...
  int retry_in_ms = 0;      // ...this far ahead
};

class Connection {
 public:
  explicit Connection(std::function<void()> wake);
  ~Connection();  // a hosting connection tells its clients it is going away
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts the embedded server (TCP and UDP on `options.port`) and waits
  // for it. Returns "" or a one-line reason ("port 8649 is already in use").
  struct HostOptions {
    std::uint16_t port = 0;
    std::shared_ptr<const core::Identity> identity;  // null: one for this run
    bool require_encryption = false;  // refuse plain (seed protocol) clients
    bool announce = true;             // answer LAN discovery...
    std::string name, host_nickname;  // ...with these
    std::uint16_t discovery_port = 8648;
    std::string files_directory;  // shared files (ServerConfig::files_quota)
    std::string history_path;     // the SQLite history; empty: memory only
  };
  std::string host(core::ServerConfig config, HostOptions options);

  // Connects to host:port. After a drop of a connection that had been
  // accepted (ACCEPT seen), reconnects with backoff: 0.25 s doubling to 2 s.
  // A first attempt that fails is not retried: the caller tells the user;
  // nor is a connection the server closed after ERROR KICKED or BANNED
  // (Disconnected then carries that message). The connection is sealed:
  // the server must prove `pinned` when given (else its connection is
  // refused, IdentityChanged, and not retried); when not given, the first
  // identity seen is the one later reconnects must prove.
  void connect(const std::string& host, std::uint16_t port,
               std::optional<core::PublicKey> pinned = std::nullopt);
  void send(const std::string& line);
  // Sends DISCONNECT and closes, with no reconnect. One Disconnected event
  // (will_retry false) follows, even when no connection was open.
  void disconnect();
  std::vector<ConnectionEvent> take_events();

  // Voice: bind to the call `key` (connecting to the server's UDP port
  // first if needed) and hand received frames to `sink`; or stop.
  void bind_voice(const std::string& key, std::shared_ptr<audio::VoiceEngine> sink);
  void set_voice_sink(std::shared_ptr<audio::VoiceEngine> sink);
  void unbind_voice();
  // From the voice thread: one client voice frame to send.
  void send_voice_frame(std::span<const std::uint8_t> frame);

  // Round trip of the text connection (the probe every 5 s), -1 before the first.
  int round_trip_ms() const { return m_rtt_ms.load(); }
  // Round trip of the voice connection as ENet measures it, 0 without one.
  int voice_round_trip_ms() const { return m_voice_rtt_ms.load(); }

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
  std::atomic<int> m_rtt_ms{-1};
  std::atomic<int> m_voice_rtt_ms{0};
};

}  // namespace voixer::client
