// The sealed text connection: a handshake authenticated by the server's
// identity, then every byte both ways in sealed records (libsodium's
// crypto_kx and crypto_secretstream_xchacha20poly1305). No I/O: the
// transports feed bytes in and send what comes out.
//
//   client -> server  hello:   "\xD6VX1" | client ephemeral X25519 key (32)
//   server -> client  hello:   "\xD6VXS" | identity Ed25519 key (32)
//                              | server ephemeral X25519 key (32)
//                              | signature (64) over kTranscriptLabel,
//                                the client's and the server's ephemeral keys
//                              | server stream header (24)
//   client -> server           client stream header (24)
//   then, both ways, records:  length (u16 big-endian) | sealed bytes
//
// A plain (seed protocol) client never sends 0xD6 first, so a server tells
// the two apart by the first byte. Session keys are ephemeral (forward
// secret); the signature binds them to the identity the client pins. A
// record that fails to open (tampered, replayed, reordered, cut short) ends
// the connection. docs/protocol.md, "Sealed connections".
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/identity.hpp"

namespace voixer::core {

inline constexpr std::uint8_t kSealedFirstByte = 0xD6;
inline constexpr std::size_t kClientHelloBytes = 4 + 32;
inline constexpr std::size_t kServerHelloBytes = 4 + 32 + 32 + 64 + 24;
inline constexpr std::size_t kStreamHeaderBytes = 24;
inline constexpr std::size_t kMaxRecordPlain = 8192;
inline constexpr std::size_t kRecordOverhead = 2 + 17;

// One direction each way, after the handshake.
class SealedRecords {
 public:
  // Seals `plain` into records appended to `out` (several if it is long).
  void seal(std::string_view plain, std::string& out);
  // Opens every complete record buffered so far (after feeding `bytes`)
  // into `plain`. False on a record that does not open, `error` says why.
  bool open(std::span<const std::uint8_t> bytes, std::string& plain, std::string& error);
  // Bytes of an incomplete record are waiting.
  bool mid_record() const { return !m_in.empty(); }

  void start_push(const std::uint8_t key[32], std::uint8_t header[kStreamHeaderBytes]);
  bool start_pull(const std::uint8_t key[32], const std::uint8_t header[kStreamHeaderBytes]);

 private:
  crypto_secretstream_xchacha20poly1305_state m_push{}, m_pull{};
  std::string m_in;  // received bytes not yet opened
};

class SealedServerSide {
 public:
  explicit SealedServerSide(const Identity& identity);
  // Bytes from the client: the hello (answered into `to_send`), its stream
  // header, then records (opened into `plain`). False when the connection
  // must end; `error` says why.
  bool receive(std::span<const std::uint8_t> bytes, std::string& plain, std::string& to_send,
               std::string& error);
  // After can_send(): seal `plain` into `to_send`.
  void seal(std::string_view plain, std::string& to_send) { m_records.seal(plain, to_send); }
  bool can_send() const { return m_state != State::AwaitHello; }
  bool established() const { return m_state == State::Established; }
  bool mid_record() const { return m_records.mid_record() || !m_pending.empty(); }

 private:
  enum class State { AwaitHello, AwaitHeader, Established };
  const Identity& m_identity;
  State m_state = State::AwaitHello;
  std::array<std::uint8_t, 32> m_rx{};
  std::string m_pending;  // handshake bytes so far
  SealedRecords m_records;
};

class SealedClientSide {
 public:
  SealedClientSide();  // makes the ephemeral key pair
  ~SealedClientSide();
  // The first bytes to send.
  std::string hello() const;
  // Bytes from the server. After the server's hello has come (server_key()
  // is set) nothing more is opened until accept(). False when the
  // connection must end; `error` says why.
  bool receive(std::span<const std::uint8_t> bytes, std::string& plain, std::string& error);
  // The server's identity, once its hello has been verified.
  const std::optional<PublicKey>& server_key() const { return m_server_key; }
  // The identity is trusted: appends the stream header to `to_send` and
  // opens what was waiting into `plain`.
  bool accept(std::string& to_send, std::string& plain, std::string& error);
  bool established() const { return m_established; }
  void seal(std::string_view plain, std::string& to_send) { m_records.seal(plain, to_send); }

 private:
  std::array<std::uint8_t, 32> m_public{}, m_secret{};
  std::optional<PublicKey> m_server_key;
  std::array<std::uint8_t, 32> m_rx{}, m_tx{};
  std::array<std::uint8_t, kStreamHeaderBytes> m_server_header{};
  bool m_established = false;
  std::string m_pending;  // bytes before accept()
  SealedRecords m_records;
};

}  // namespace voixer::core
