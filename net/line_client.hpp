// A client end of the text protocol on TCP: connects, splits what arrives
// into lines, queues lines to send. Sealed (core/sealed_stream.hpp) unless
// asked to speak the seed's plain protocol. Runs on the caller's
// asio::io_context; all callbacks run on that context's thread.
#pragma once

#include <asio.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/identity.hpp"

namespace voixer::net {

class LineClient {
 public:
  struct Handlers {
    // Sealed: the server proved this identity; return false to refuse it
    // (the connection then closes with `refused_because` as the reason).
    // Empty: any identity is accepted.
    std::function<bool(const core::PublicKey& identity, std::string& refused_because)> on_identity;
    // Connected (sealed: the handshake is done and the identity accepted).
    std::function<void()> on_connected;
    std::function<void(std::string_view line)> on_line;  // without "\n"
    // Called once: the connection failed, was closed by the server, or
    // close() finished. `reason` is for a person.
    std::function<void(const std::string& reason)> on_closed;
  };

  enum class Security { Sealed, Plain };
  LineClient(asio::io_context& io, Handlers handlers, Security security = Security::Sealed);
  ~LineClient();
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  // Resolves and connects; the result arrives as on_connected or on_closed.
  void connect(const std::string& host, std::uint16_t port);
  // Queue one line (a newline is added). Ignored once closed.
  void send(std::string_view line);
  // Flush what is queued, then close.
  void close();

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::net
