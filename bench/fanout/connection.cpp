// One bench client's connection: see connection.hpp.
#include "bench/fanout/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

namespace voixer::bench {

void Connection::quickack() {
  int one = 1;
  setsockopt(m_fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

void Connection::open(Poller& poller, const sockaddr_storage& addr, socklen_t addr_len,
                      std::uint64_t tag, std::uint32_t from) {
  m_fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (m_fd < 0) throw FatalError(errno_text("socket for client " + std::to_string(tag)));
  int one = 1;
  setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (from != 0) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = from;
    if (::bind(m_fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0)
      throw FatalError(errno_text("cannot bind client " + std::to_string(tag)));
  }
  if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0 &&
      errno != EINPROGRESS)
    throw FatalError(errno_text("cannot connect client " + std::to_string(tag)));
  m_poller = &poller;
  m_tag = tag;
  m_connecting = true;
  // EPOLLOUT tells how the connect went.
  poller.add(m_fd, tag, true);
  m_wants_output = true;
}

void Connection::close() {
  if (m_fd < 0) return;
  m_poller->remove(m_fd);
  ::close(m_fd);
  m_fd = -1;
}

std::string Connection::finish_connect() {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return std::strerror(err);
  m_connecting = false;
  return {};
}

std::string Connection::flush() {
  if (m_fd < 0 || m_connecting) return {};
  while (m_out_at < m_out.size()) {
    const ssize_t w = ::send(m_fd, m_out.data() + m_out_at, m_out.size() - m_out_at, MSG_NOSIGNAL);
    if (w > 0) {
      m_out_at += static_cast<std::size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return errno_text("write");
    }
  }
  if (m_out_at == m_out.size()) {
    m_out.clear();
    m_out_at = 0;
    if (m_wants_output) want_output(false);
    return {};
  }
  // Drop the written part, so a server slow to read cannot grow the buffer forever.
  if (m_out_at > (std::size_t{1} << 20)) {
    m_out.erase(0, m_out_at);
    m_out_at = 0;
  }
  if (!m_wants_output) want_output(true);
  return {};
}

void Connection::want_output(bool on) {
  m_poller->modify(m_fd, m_tag, on);
  m_wants_output = on;
}

}  // namespace voixer::bench
