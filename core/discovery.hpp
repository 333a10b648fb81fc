// LAN discovery, the datagrams and the list (no I/O; net/discovery.hpp
// sends and receives them). A client broadcasts a query on every IPv4
// interface (and to IPv6 ff02::1, answered by servers that serve IPv6) at
// kDiscoveryPort; every voixer server on the link answers with what the
// start screen shows. The answer is
// never longer than the query (no amplification: a query is exactly
// kDiscoveryDatagram bytes), answers are rate limited per address, and the
// server answers only queries from its own links, with a hop limit of 1.
//
//   query:   "VOIXER? 1 <nonce: 16 hex digits>\n", padded with NUL bytes to 256
//   answer:  "VOIXER! 1 <nonce> <port> <users> <open|locked> <identity>\n<name>\n<host>\n"
//
// The identity (64 hex digits, core/identity.hpp) makes one entry of a
// server that answers on several addresses (IPv4, IPv6, loopback).
//
// docs/protocol.md, "LAN discovery".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace voixer::core {

using Millis = std::int64_t;

inline constexpr std::uint16_t kDiscoveryPort = 8648;
inline constexpr std::size_t kDiscoveryDatagram = 256;
inline constexpr std::size_t kMaxServerNameBytes = 64;
// A server not heard for this long is gone from the list (queries go out
// every second, so three of them went unanswered).
inline constexpr Millis kForgetServerAfterMs = 3500;

struct ServerAnnouncement {
  std::string nonce;       // the query answered
  std::uint16_t port = 0;  // TCP text, and UDP voice
  std::size_t users = 0;
  bool locked = false;     // a password is needed
  std::string name;        // "Alice's LAN"
  std::string host;        // the host's nickname; "" for a headless server
  std::string identity;    // the server's public key in hex; "" if it has none
  bool operator==(const ServerAnnouncement&) const = default;
};

std::string format_query(std::string_view nonce);
// The nonce of a valid query; nullopt (and `error`) for anything else.
std::optional<std::string> parse_query(std::string_view datagram, std::string* error = nullptr);

// At most kDiscoveryDatagram bytes: the name is cut (on a character) and
// cleaned of control and invisible characters first.
std::string format_announcement(const ServerAnnouncement& a);
std::optional<ServerAnnouncement> parse_announcement(std::string_view datagram,
                                                     std::string* error = nullptr);

// A server name as typed, made fit to announce: at most
// kMaxServerNameBytes of text a person can read; "" when nothing is left.
std::string clean_server_name(std::string_view name);

struct LanServer {
  std::string ip;  // where the answer came from
  ServerAnnouncement info;
  int rtt_ms = 0;
  Millis last_seen = 0;
  std::string address() const;  // what Join takes: "ip:port", "[ip6]:port"
};

// The servers heard lately: one entry per server (identity and port), at
// its most useful address (a LAN IPv4 address before IPv6, link-local and
// loopback ones); sorted by name for showing.
class LanServerList {
 public:
  // Returns true when the list changed in a way a person would see.
  bool seen(const std::string& ip, const ServerAnnouncement& info, int rtt_ms, Millis now);
  bool expire(Millis now);
  const std::vector<LanServer>& servers() const { return m_servers; }

 private:
  std::vector<LanServer> m_servers;
};

// How many answers a responder may send: a few a second to one address,
// and a cap for all together, so that a forged query storm costs little.
class AnswerBudget {
 public:
  bool allow(const std::string& address, Millis now);

 private:
  struct Bucket {
    double tokens = 0;
    Millis at = 0;
  };
  static bool take(Bucket& b, double rate, double burst, Millis now);
  std::unordered_map<std::string, Bucket> m_per_address;
  Bucket m_all{};
  bool m_started = false;
};

}  // namespace voixer::core
