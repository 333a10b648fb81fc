// The server's transports: the text protocol on TCP (this file) and the
// voice relay on UDP at the same port number (net/voice_server.hpp), both
// feeding one core::Server. Runs on one asio::io_context thread; nothing
// here blocks on a client.
//
// Output to each client is queued in a bounded buffer and written without
// blocking; a client whose queue passes the bound (it stopped reading) is
// dropped. Lines from a client are read only as fast as the core's flood
// control admits them, so a flooder is slowed by TCP back-pressure and costs
// the others nothing; and only while less than half its queue waits for it,
// so that its own requests can never fill its queue.
//
// A connection whose first byte is core::kSealedFirstByte is sealed
// (core/sealed_stream.hpp): its bytes go through the handshake and the
// records, and only opened lines reach the core. Any other first byte is a
// plain seed-protocol client, refused when encryption is required; and
// core::kFileStreamFirstByte starts a file stream, handed to the file
// server's thread (net/file_server.hpp).
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/discovery.hpp"
#include "core/identity.hpp"
#include "core/server.hpp"
#include "net/voice_server.hpp"

namespace voixer::net {

// Answering LAN discovery (net/discovery.hpp): what the start screens show.
struct DiscoveryOptions {
  std::uint16_t port = core::kDiscoveryPort;
  std::string name;           // "Alice's LAN"
  std::string host_nickname;  // who hosts it, when a person does
};

struct ChatServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = core::kDefaultPort;     // 0 picks a free port
  std::size_t max_output_bytes = 1 << 20;      // per client, then dropped
  core::Millis tick_interval_ms = 100;         // how often time advances
  core::Millis close_grace_ms = 2000;          // flush time before a hard close
  // Minimum time between two rounds of writes to clients. 0 writes after
  // every batch of input; a millisecond or two batches lines under load.
  long coalesce_us = 1500;
  std::function<void(const std::string&)> log; // connection events; may be empty
  bool voice = true;                           // also run the UDP voice relay
  // The server's long-term identity, which sealed connections prove; when
  // empty, one is made for this run (clients then see a new server).
  std::shared_ptr<const core::Identity> identity;
  // Refuse plain (seed protocol) connections with one ERROR line.
  bool require_encryption = false;
  std::optional<DiscoveryOptions> discovery;  // none: not announced on the LAN
  // Where shared files are kept (net/file_server.hpp), with
  // core::ServerConfig::files_quota; empty: the server keeps no files.
  std::string files_directory;
  VoiceLimits voice_limits;                    // what a voice peer may hold
  // The SQLite file that keeps channel and private history across
  // restarts (net/history_store.hpp); empty: history lives in memory only.
  std::string history_path;
  int history_days = 0;                        // older lines are deleted; 0 keeps all
};

class ChatServer {
 public:
  // Binds and listens. Throws std::runtime_error with a one-line reason
  // (for example "port 8649 is already in use") when it cannot.
  ChatServer(asio::io_context& io, core::ServerConfig config, ChatServerOptions options);
  ~ChatServer();
  ChatServer(const ChatServer&) = delete;
  ChatServer& operator=(const ChatServer&) = delete;

  std::uint16_t port() const;
  // Tells every client why, stops accepting, and closes all connections
  // once their output is flushed. The io_context then runs out of work.
  void shutdown(const std::string& reason);
  const core::Server& state() const;
  const VoiceStats* voice_stats() const;  // nullptr without voice
  const core::Identity& identity() const;

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::net
