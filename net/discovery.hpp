// LAN discovery on UDP (core/discovery.hpp has the datagrams): a responder
// beside the server, and a browser that asks every link once a second.
// Both run on the caller's asio::io_context.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/discovery.hpp"

namespace voixer::net {

class DiscoveryResponder {
 public:
  // Answers queries on `port` (shared with other servers on this machine)
  // with `describe()`, its nonce filled in: on IPv4, and on IPv6 too when
  // `ipv6` (only a server that serves IPv6 may be found there; voice over
  // ENet is IPv4 only, so today's servers answer on IPv4). When the port
  // cannot be bound, says so through `log` and answers nothing (the server
  // runs on without discovery).
  DiscoveryResponder(asio::io_context& io, std::uint16_t port,
                     std::function<core::ServerAnnouncement()> describe,
                     std::function<void(const std::string&)> log, bool ipv6 = false);
  ~DiscoveryResponder();
  DiscoveryResponder(const DiscoveryResponder&) = delete;
  DiscoveryResponder& operator=(const DiscoveryResponder&) = delete;
  std::uint64_t answers_sent() const;
  std::uint64_t queries_refused() const;  // malformed, off-link or over budget

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

class LanBrowser {
 public:
  using Found = std::function<void(const std::string& ip, const core::ServerAnnouncement& info,
                                   int rtt_ms)>;
  // Queries the broadcast address of every IPv4 interface, IPv6 ff02::1 on
  // every multicast interface, and this machine, at once and then every
  // second; calls `found` for each answer.
  LanBrowser(asio::io_context& io, Found found, std::uint16_t port = core::kDiscoveryPort);
  ~LanBrowser();
  LanBrowser(const LanBrowser&) = delete;
  LanBrowser& operator=(const LanBrowser&) = delete;

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace voixer::net
