#include "net/test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <doctest/doctest.h>
#include <stdexcept>

namespace voixer::test {

TestClient::TestClient(std::uint16_t port, int rcvbuf, const std::string& source) {
  m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(m_fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
      throw std::runtime_error("cannot bind to " + source + ": " + std::strerror(errno));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

TestClient::~TestClient() {
  if (m_fd >= 0) ::close(m_fd);
}

void TestClient::send(const std::string& line) { send_raw(line + "\n"); }

void TestClient::send_raw(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(m_fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      if (errno == EINTR) continue;
      return;  // peer gone; the test notices when reading
    }
    off += static_cast<std::size_t>(n);
  }
}

std::optional<std::string> TestClient::next_line(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (auto nl = m_buf.find('\n'); nl != std::string::npos) {
      std::string line = m_buf.substr(0, nl);
      m_buf.erase(0, nl + 1);
      return line;
    }
    if (m_eof) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return std::nullopt;
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[65536];
    ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      m_eof = true;
      continue;
    }
    m_buf.append(chunk, static_cast<std::size_t>(n));
  }
}

std::vector<std::string> TestClient::until(const std::string& line, int timeout_ms) {
  auto seen = until_prefix(line, timeout_ms, true);
  if (!seen.empty() && seen.back() == line) seen.pop_back();
  return seen;
}

std::vector<std::string> TestClient::until_prefix(const std::string& prefix, int timeout_ms,
                                                  bool whole) {
  std::vector<std::string> seen;
  for (;;) {
    auto got = next_line(timeout_ms);
    if (!got) {
      std::string all;
      for (auto& s : seen) all += "\n  " + s;
      FAIL("never received '" << prefix << (whole ? "'" : "...'") << "; got:" << all);
      return seen;
    }
    seen.push_back(*got);
    if (whole ? *got == prefix : got->rfind(prefix, 0) == 0) return seen;
  }
}

std::vector<std::string> TestClient::sync() {
  std::string token = "sync-" + std::to_string(++m_sync_counter);
  send("PING: " + token);
  return until("PONG: " + token);
}

void TestClient::login(const std::string& nick) {
  send("CONNECT: \"" + nick + "\" \"" + nick + "\" 1.0.0");
  auto first = next_line();
  REQUIRE_MESSAGE(first.has_value(), "no answer to CONNECT from " << nick << " eof=" << m_eof);
  REQUIRE_MESSAGE(first->rfind("ACCEPT: ", 0) == 0, "CONNECT refused: " << *first);
  auto joined = next_line();
  REQUIRE(joined == std::optional<std::string>("JOINED: #lobby"));
  auto list = next_line();
  REQUIRE(list.has_value());
  REQUIRE(list->rfind("USERLIST #lobby: ", 0) == 0);
  sync();  // consume the topic and history, if any
}

bool TestClient::closed_within(int timeout_ms, std::vector<std::string>* seen) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    auto line = next_line(static_cast<int>(std::max<long long>(1, left)));
    if (line) {
      if (seen) seen->push_back(*line);
      continue;
    }
    if (m_eof) return true;
  }
  return false;
}

std::uint16_t free_port() { return free_tcp_port(); }

}  // namespace voixer::test
