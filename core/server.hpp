// The chat server as a state machine, with no sockets, threads or clock.
//
// The transport feeds it events (a connection opened, a line arrived, a
// connection closed, time advanced) and it answers through an Outbox (send
// this line to that connection, close that connection). Time is a number of
// milliseconds on a monotonic clock, passed in with every event, so tests
// drive timeouts by advancing a number.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/calls.hpp"
#include "core/protocol.hpp"

namespace voixer::core {


// A line of lasting history, as the archive stores it.
struct Kept {
  enum class Kind { ChannelLine, Topic, Private };
  Kind kind = Kind::ChannelLine;
  // ChannelLine and Topic: the channel's folded name. Private: the two
  // folded nicknames, lower first, separated by a space.
  std::string place;
  std::string channel;  // the channel's name as shown (Topic)
  std::string setter;   // Topic: who set it; its text is in `line`
  std::int64_t unix_ms = 0;
  std::string line;     // the protocol line replayed (HISTORY), or the topic text
  std::string text;     // ChannelLine, Private: the message's words, for SEARCH
};

// Where the server's output goes. The transport implements it.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // Queue `line` (without newline) for connection `to`.
  virtual void send(ConnId to, std::string_view line) = 0;
  // Send what is queued, then close. The server has already forgotten `to`.
  virtual void close(ConnId to, std::string_view reason) = 0;

  // Files (core/file_book.hpp): a token `grant` (sent to `to` as FILEGRANT)
  // may now be redeemed on a file stream; every token of `to` is void once
  // its connection is gone; the bytes of file `id` are to be removed.
  virtual void file_grant(ConnId /*to*/, const FileGrant& /*grant*/) {}
  virtual void file_revoke(ConnId /*to*/) {}
  virtual void file_drop(const std::string& /*id*/) {}

  // History that outlives the server (ServerConfig::archive). `keep` comes
  // before any send of the same line and returns the record's number (0:
  // nothing to wait for). Every line that carries the record leaves through
  // send_kept with that number, whenever and to whomever it is sent (the
  // fan-out, the topic and the replay on JOIN, a HISTORY page from memory,
  // LIST showing the topic),
  // so a transport can hold just those lines until the record is stored:
  // nothing anyone was sent is lost, and nothing else waits for the disk.
  virtual std::uint64_t keep(const Kept& /*record*/) { return 0; }
  virtual void send_kept(ConnId to, std::string_view line, std::uint64_t /*record*/) {
    send(to, line);
  }
  // Member `to` asked for the channel's history before `before_unix_ms`
  // (at most `count` lines, 0: as many as fit) and memory does not reach
  // back that far: the transport answers from its archive, as the core
  // would (HISTORY lines, then HISTORYMORE).
  virtual void history_page(ConnId /*to*/, const std::string& /*folded*/,
                            const std::string& /*channel*/, std::int64_t /*before_unix_ms*/,
                            int /*count*/) {}
  // Member `to` searches the history of `place` (as in Kept; `shown` is its
  // name as the asker sees it) for `words`: the transport answers with
  // FOUND lines, newest first, then FOUNDEND.
  virtual void search(ConnId /*to*/, const std::string& /*place*/, const std::string& /*shown*/,
                      const std::string& /*words*/) {}
};

// Source of unpredictable bytes for session keys and ping tokens. The
// transport passes a cryptographic generator; tests may pass their own.
using RandomSource = std::function<void(std::span<std::uint8_t>)>;

// Answers that could be large come in pages, so that no answer can fill a
// client's output queue (1 MiB) by itself, even 30 of them at once (the
// flood burst): history replayed on JOIN or asked for with HISTORY, and the
// channel list. docs/security.md has the arithmetic.
inline constexpr std::size_t kReplayBytes = 16 * 1024;
inline constexpr std::size_t kListPageBytes = 16 * 1024;

struct ServerConfig {
  std::string hostname = "voixer";
  Millis ping_interval = 30'000;     // idle time before the server PINGs
  Millis ping_timeout = 150'000;     // time a client has to answer a PING
  Millis handshake_timeout = 10'000; // time to send a valid CONNECT
  Millis ring_timeout = 30'000;      // an unanswered call ends after this
  double flood_rate = 10.0;          // lines per second sustained; 0 = off
  double flood_burst = 30.0;         // lines accepted at once
  std::size_t max_clients = 5000;     // users logged in at once (a big LAN event)
  std::size_t max_per_address = 32;  // connections from one address; 0 = no cap
  // Connections that have not sent CONNECT yet have a small quota of their
  // own, so sockets that never log in cannot fill max_clients: at most this
  // many from one address, and this many in all (the oldest gives way).
  std::size_t max_pending_per_address = 8;
  std::size_t max_pending = 64;
  Millis kick_ban = 60'000;          // a kicked user is kept out this long
  std::string password;              // needed in CONNECT when not empty
  std::string operator_password;     // OPER with it allows KICK; empty = nobody
  std::size_t history_length = 50;   // messages replayed on JOIN
  Millis wall_clock_offset = 0;      // unix ms = monotonic ms + offset
  std::uint64_t files_quota = 0;     // bytes of shared files kept; 0 = no files
  // The transport archives history (Outbox::keep, Outbox::history_page):
  // channels with history stay when their last member leaves (at most
  // max_quiet_channels of them; the longest quiet goes first).
  bool archive = false;
  std::size_t max_quiet_channels = 1000;
};

class Server {
 public:
  Server(ServerConfig config, Outbox& out, RandomSource random);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // A connection was accepted. Returns false (and has asked the outbox to
  // close it with a reason) when the server is full.
  bool on_open(ConnId id, Millis now, std::string_view address = {});

  // Flood control: true when connection `id` may have one more line
  // processed now (it consumes one token). When false the transport stops
  // reading from the connection until resume_at(id); the client was told
  // once with ERROR FLOOD.
  bool admit_line(ConnId id, Millis now);
  Millis resume_at(ConnId id) const;

  // One complete line arrived (without "\n"; "\r" tolerated).
  void on_line(ConnId id, std::string_view line, Millis now);
  // A line longer than kMaxLineBytes arrived; its bytes were discarded.
  void on_line_too_long(ConnId id, Millis now);
  // The connection is gone (peer closed, error, or after our close()).
  void on_closed(ConnId id, Millis now);
  // Advance time: pings, timeouts, unanswered calls.
  void tick(Millis now);
  // Tell every client the server is going away and close them all.
  void shutdown(std::string_view reason);

  // The transport seals connection `id` (after its handshake): its
  // member's voice must be sealed too, and it never binds with a bare key.
  void on_sealed(ConnId id);

  // The voice side (ENet). A line on a peer's reliable channel (TALKPROOF
  // answering the peer's challenge, or the seed's TALKSESSION: <key>);
  // returns the reply line for that peer.
  struct VoicePeerInfo {
    std::string_view address;                  // where the peer's packets come from
    std::span<const std::uint8_t> challenge;  // what it was sent in VOICECHALLENGE
  };
  std::string on_voice_session(PeerId peer, std::string_view line, const VoicePeerInfo& from = {});
  // After SESSIONACCEPTED: the keys for `peer`'s sealed voice; nullptr
  // when it bound with the bare key (its voice is plain).
  const VoiceKeys* sealed_voice_keys(PeerId peer) const;
  // Where a voice frame from `from` goes; nullopt drops it (unbound peer).
  std::optional<VoiceRoute> voice_route(PeerId from) const;
  void on_voice_peer_gone(PeerId peer);

  // The transport has every byte of upload `id` and they match its hash
  // (`ok`), or they did not and were removed: the file is announced (FILE)
  // to its conversation, or forgotten.
  void on_file_uploaded(const std::string& id, bool ok, Millis now);

  // At start, from the archive: a channel's topic and newest history
  // lines (oldest first; lines that do not parse are skipped), and whether
  // the archive holds older ones.
  void restore_channel(const std::string& name, const std::string& topic,
                       const std::string& topic_setter, const std::vector<std::string>& lines,
                       bool older_archived);
  // Channels the archive has history for: a channel made anew with one of
  // these names tells its first members that older history can be asked for.
  void note_archived_channel(const std::string& folded);

  // Introspection for tests, the benchmark and the GUI.
  std::size_t connection_count() const;
  std::size_t user_count() const;
  std::size_t channel_count() const;
  std::size_t call_count() const;
  // Lines that would have been longer than kMaxLineBytes and were cut by
  // the last guard: 0 as long as every text and list is capped, which is
  // what the tests and the fuzz target check.
  std::size_t lines_cut() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace voixer::core
