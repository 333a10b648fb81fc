// The client end of the voice relay: one ENet peer to the server's UDP
// port, serviced on the caller's asio thread. Binds to a call member and
// carries voice frames both ways: sealed (TALKPROOF answering the server's
// VOICECHALLENGE, frames sealed and opened here, core/voice_seal.hpp), or
// as the seed's plain clients do (TALKSESSION with the bare key).
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace voixer::net {

class VoiceClient {
 public:
  struct Handlers {
    std::function<void()> on_connected;
    // SESSIONACCEPTED / SESSIONERROR lines from the server.
    std::function<void(std::string_view line)> on_control;
    // A voice frame as the server sent it, opened when sealed
    // (core::parse_server_voice reads it).
    std::function<void(std::span<const std::uint8_t> frame)> on_frame;
    std::function<void(const std::string& reason)> on_closed;
  };

  VoiceClient(asio::io_context& io, Handlers handlers);
  ~VoiceClient();
  VoiceClient(const VoiceClient&) = delete;
  VoiceClient& operator=(const VoiceClient&) = delete;

  // Starts connecting to host:port (UDP); throws on a bad address.
  void connect(const std::string& host, std::uint16_t port);
  enum class Binding { Sealed, BareKey };
  // Binds to the member holding `key`: sealed, with a proof as soon as the
  // server's challenge is here; or with the bare key as soon as connected.
  void bind(const std::string& key, Binding binding = Binding::Sealed);
  // Sends a client voice frame (bytes from core::write_client_voice),
  // sealed when the binding is.
  void send_frame(std::span<const std::uint8_t> frame);
  bool connected() const;
  // Round-trip time to the server as ENet measures it, in ms.
  std::uint32_t round_trip_ms() const;
  // Sealed frames dropped: not opening under the key, or replayed.
  std::uint64_t frames_refused() const;
  void close();

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::net
