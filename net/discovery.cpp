#include "net/discovery.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <deque>
#include <vector>

namespace voixer::net {

using asio::ip::udp;

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The links of this machine: an address and its netmask each.
struct Link {
  asio::ip::address address, netmask;
  unsigned scope = 0;  // IPv6 interface index
  asio::ip::address broadcast;  // IPv4 with IFF_BROADCAST
  bool multicast = false, loopback = false;
};

asio::ip::address to_address(const sockaddr* sa) {
  if (!sa) return {};
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return asio::ip::address_v4(ntohl(in->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    asio::ip::address_v6::bytes_type b;
    std::copy(in6->sin6_addr.s6_addr, in6->sin6_addr.s6_addr + 16, b.begin());
    return asio::ip::address_v6(b, in6->sin6_scope_id);
  }
  return {};
}

std::vector<Link> links() {
  std::vector<Link> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    int family = i->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    Link l;
    l.address = to_address(i->ifa_addr);
    l.netmask = to_address(i->ifa_netmask);
    l.loopback = i->ifa_flags & IFF_LOOPBACK;
    l.multicast = i->ifa_flags & IFF_MULTICAST;
    l.scope = if_nametoindex(i->ifa_name);
    if (family == AF_INET && (i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr)
      l.broadcast = to_address(i->ifa_broadaddr);
    out.push_back(l);
  }
  freeifaddrs(list);
  return out;
}

template <class Bytes>
bool same_prefix(const Bytes& a, const Bytes& b, const Bytes& mask) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] & mask[i]) != (b[i] & mask[i])) return false;
  return true;
}

// A query from our own links only: discovery is a LAN beacon, and an
// answer must never go to a forged far-away source.
bool on_link(const asio::ip::address& from, const std::vector<Link>& ls) {
  if (from.is_loopback()) return true;
  if (from.is_v6() && from.to_v6().is_v4_mapped()) return on_link(asio::ip::make_address_v4(asio::ip::v4_mapped, from.to_v6()), ls);
  if (from.is_v6() && from.to_v6().is_link_local()) return true;
  for (const auto& l : ls) {
    if (l.address.is_v4() && from.is_v4() && l.netmask.is_v4() &&
        same_prefix(l.address.to_v4().to_bytes(), from.to_v4().to_bytes(), l.netmask.to_v4().to_bytes()))
      return true;
    if (l.address.is_v6() && from.is_v6() && l.netmask.is_v6() &&
        same_prefix(l.address.to_v6().to_bytes(), from.to_v6().to_bytes(), l.netmask.to_v6().to_bytes()))
      return true;
  }
  return false;
}

void share_port(udp::socket& s) {
  s.set_option(udp::socket::reuse_address(true));
  int one = 1;
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
}

std::string random_nonce() {
  std::array<std::uint8_t, 8> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, bytes.data(), bytes.size());
  return hex;
}

}  // namespace

// ---- responder --------------------------------------------------------------

class DiscoveryResponder::Impl : public std::enable_shared_from_this<DiscoveryResponder::Impl> {
 public:
  Impl(asio::io_context& io, std::function<core::ServerAnnouncement()> describe,
       std::function<void(const std::string&)> log)
      : m_v4(io), m_v6(io), m_describe(std::move(describe)),
        m_log(std::move(log)) {}

  void start(std::uint16_t port, bool ipv6) {
    try {
      udp::socket& s = m_v4.socket;
      s.open(udp::v4());
      share_port(s);
      s.bind({udp::v4(), port});
      int one_hop = 1;  // answers never leave the link
      ::setsockopt(s.native_handle(), IPPROTO_IP, IP_TTL, &one_hop, sizeof one_hop);
      receive(m_v4);
    } catch (const std::exception& e) {
      say("LAN discovery off on IPv4 (UDP " + std::to_string(port) + "): " + e.what());
    }
    if (!ipv6) return;
    try {
      udp::socket& s = m_v6.socket;
      s.open(udp::v6());
      s.set_option(asio::ip::v6_only(true));
      share_port(s);
      s.bind({udp::v6(), port});
      int one_hop = 1;
      ::setsockopt(s.native_handle(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &one_hop, sizeof one_hop);
      receive(m_v6);
    } catch (const std::exception& e) {
      say("LAN discovery off on IPv6 (UDP " + std::to_string(port) + "): " + e.what());
    }
  }

  void stop() {
    asio::error_code ignored;
    m_v4.socket.close(ignored);
    m_v6.socket.close(ignored);
  }

  std::uint64_t answers = 0, refused = 0;

 private:
  void say(const std::string& line) {
    if (m_log) m_log(line);
  }

  // A socket with its own buffer: the two families' reads may complete in
  // one round of the reactor.
  struct Listener {
    explicit Listener(asio::io_context& io) : socket(io) {}
    udp::socket socket;
    std::array<char, 2048> buf{};
    udp::endpoint from;
  };

  void receive(Listener& l) {
    l.socket.async_receive_from(asio::buffer(l.buf), l.from,
                                [self = shared_from_this(), &l](asio::error_code ec, std::size_t n) {
                                  if (ec == asio::error::operation_aborted || !l.socket.is_open())
                                    return;
                                  if (!ec) self->on_query(l, n);
                                  self->receive(l);
                                });
  }

  void on_query(Listener& l, std::size_t n) {
    auto nonce = core::parse_query(std::string_view(l.buf.data(), n));
    std::int64_t now = steady_ms();
    if (now - m_links_at > 10'000 || m_links.empty()) {
      m_links = links();
      m_links_at = now;
    }
    if (!nonce || !on_link(l.from.address(), m_links) ||
        !m_budget.allow(l.from.address().to_string(), now)) {
      ++refused;
      return;
    }
    core::ServerAnnouncement a = m_describe();
    a.nonce = *nonce;
    auto answer = std::make_shared<std::string>(core::format_announcement(a));
    ++answers;
    l.socket.async_send_to(asio::buffer(*answer), l.from, [answer](asio::error_code, std::size_t) {});
  }

  Listener m_v4, m_v6;
  std::function<core::ServerAnnouncement()> m_describe;
  std::function<void(const std::string&)> m_log;
  std::vector<Link> m_links;
  std::int64_t m_links_at = 0;
  core::AnswerBudget m_budget;
};

DiscoveryResponder::DiscoveryResponder(asio::io_context& io, std::uint16_t port,
                                       std::function<core::ServerAnnouncement()> describe,
                                       std::function<void(const std::string&)> log, bool ipv6)
    : m_impl(std::make_shared<Impl>(io, std::move(describe), std::move(log))) {
  m_impl->start(port, ipv6);
}
DiscoveryResponder::~DiscoveryResponder() { m_impl->stop(); }
std::uint64_t DiscoveryResponder::answers_sent() const { return m_impl->answers; }
std::uint64_t DiscoveryResponder::queries_refused() const { return m_impl->refused; }

// ---- browser ----------------------------------------------------------------

class LanBrowser::Impl : public std::enable_shared_from_this<LanBrowser::Impl> {
 public:
  Impl(asio::io_context& io, Found found, std::uint16_t port)
      : m_v4(io), m_v6(io), m_timer(io), m_found(std::move(found)), m_port(port) {}

  void start() {
    if (sodium_init() < 0) return;
    asio::error_code ec;
    m_v4.open(udp::v4(), ec);
    if (!ec) m_v4.set_option(asio::socket_base::broadcast(true), ec);
    if (!ec) m_v4.bind({udp::v4(), 0}, ec);
    if (!ec) receive(m_v4, m_buf4, m_from4);
    asio::error_code ec6;
    m_v6.open(udp::v6(), ec6);
    if (!ec6) m_v6.set_option(asio::ip::v6_only(true), ec6);
    if (!ec6) m_v6.bind({udp::v6(), 0}, ec6);
    if (!ec6) receive(m_v6, m_buf6, m_from6);
    ask();
  }

  void stop() {
    asio::error_code ignored;
    // A query timer that already fell due runs with success despite
    // cancel(): it must not ask again, or the io_context never runs out of work.
    m_stopped = true;
    m_timer.cancel();
    m_v4.close(ignored);
    m_v6.close(ignored);
  }

 private:
  void ask() {
    std::string nonce = random_nonce();
    m_sent.push_back({nonce, steady_ms()});
    if (m_sent.size() > 5) m_sent.pop_front();
    auto query = std::make_shared<std::string>(core::format_query(nonce));
    auto send = [&](udp::socket& s, const udp::endpoint& to) {
      if (s.is_open()) s.async_send_to(asio::buffer(*query), to, [query](asio::error_code, std::size_t) {});
    };
    send(m_v4, {asio::ip::address_v4::loopback(), m_port});
    send(m_v6, {asio::ip::address_v6::loopback(), m_port});
    for (const auto& l : links()) {
      if (l.loopback) continue;
      if (l.broadcast.is_v4() && !l.broadcast.is_unspecified()) send(m_v4, {l.broadcast, m_port});
      if (l.address.is_v6() && l.multicast && l.address.to_v6().is_link_local()) {
        asio::ip::address_v6 all_nodes = asio::ip::make_address_v6("ff02::1");
        all_nodes.scope_id(l.scope);
        send(m_v6, {all_nodes, m_port});
      }
    }
    m_timer.expires_after(std::chrono::seconds(1));
    m_timer.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (!ec && !self->m_stopped) self->ask();
    });
  }

  void receive(udp::socket& s, std::array<char, 512>& buf, udp::endpoint& from) {
    s.async_receive_from(asio::buffer(buf), from,
                         [self = shared_from_this(), &s, &buf, &from](asio::error_code ec, std::size_t n) {
                           if (ec == asio::error::operation_aborted || !s.is_open()) return;
                           if (!ec) self->on_answer(std::string_view(buf.data(), n), from);
                           self->receive(s, buf, from);
                         });
  }

  void on_answer(std::string_view datagram, const udp::endpoint& from) {
    auto a = core::parse_announcement(datagram);
    if (!a) return;
    for (const auto& [nonce, at] : m_sent) {
      if (nonce != a->nonce) continue;
      asio::ip::address ip = from.address();
      if (ip.is_v6() && ip.to_v6().is_v4_mapped())
        ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
      std::string shown = ip.to_string();  // a link-local IPv6 keeps its "%interface"
      m_found(shown, *a, static_cast<int>(steady_ms() - at));
      return;
    }
  }

  udp::socket m_v4, m_v6;
  asio::steady_timer m_timer;
  bool m_stopped = false;
  Found m_found;
  std::uint16_t m_port;
  std::deque<std::pair<std::string, std::int64_t>> m_sent;  // recent nonces and when
  std::array<char, 512> m_buf4{}, m_buf6{};
  udp::endpoint m_from4, m_from6;
};

LanBrowser::LanBrowser(asio::io_context& io, Found found, std::uint16_t port)
    : m_impl(std::make_shared<Impl>(io, std::move(found), port)) {
  m_impl->start();
}
LanBrowser::~LanBrowser() { m_impl->stop(); }

}  // namespace voixer::net
