// One bench client's TCP connection to the server: a non-blocking connect,
// an output buffer written as fast as the socket takes it, and input split
// into lines in place, without a copy or an allocation per line.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/fanout/clock.hpp"
#include "bench/fanout/errors.hpp"
#include "bench/fanout/poller.hpp"

namespace voixer::bench {

inline constexpr std::size_t kReadSize = 64 * 1024;  // bytes per read() call
inline constexpr std::size_t kMaxLine = 64 * 1024;   // longer partial lines are dropped

class Connection {
 public:
  Connection() = default;
  ~Connection() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting to `addr`; `poller` reports the socket's events under
  // `tag`. Throws FatalError if no socket or connect can be started.
  // `from`: an IPv4 source address (network order) to connect from, 0: any.
  void open(Poller& poller, const sockaddr_storage& addr, socklen_t addr_len, std::uint64_t tag,
            std::uint32_t from = 0);
  // Stops watching and closes the socket.
  void close();

  bool is_open() const { return m_fd >= 0; }
  bool connecting() const { return m_connecting; }
  // After the socket turned writable while connecting: "" once connected,
  // else why the connect failed.
  std::string finish_connect();

  // Appends to what is to be written; flush() writes it.
  template <class... Parts>
  void queue(const Parts&... parts) {
    (m_out.append(parts), ...);
  }
  // Bytes queued and not written yet.
  std::size_t backlog() const { return m_out.size() - m_out_at; }
  // Writes what the socket takes now and waits for room for the rest.
  // Returns "" or why the connection failed (it is still open: close() it).
  std::string flush();

  // Reads once (up to kReadSize bytes) and calls on_line(line, read_ns)
  // for each whole line, without its "\r\n", while on_line returns true;
  // read_ns is when the bytes were read (one clock reading per read: cheap,
  // and within microseconds).
  // `scratch` is a buffer shared by all connections; a line over kMaxLine
  // bytes is dropped and counted in `overlong`. Returns "" or why the
  // connection ended (it is still open: close() it).
  template <class OnLine>
  std::string read_lines(std::vector<char>& scratch, std::uint64_t& overlong, OnLine on_line);
  // Acknowledge every read at once (TCP_QUICKACK, which the kernel clears
  // again by itself, so it is set after each read).
  void set_quickack(bool on) { m_quickack = on; }

 private:
  void quickack();
  void want_output(bool on);

  int m_fd = -1;
  Poller* m_poller = nullptr;
  std::uint64_t m_tag = 0;
  bool m_connecting = false;    // the non-blocking connect is not confirmed yet
  bool m_wants_output = false;  // EPOLLOUT registered
  std::string m_carry;          // an incomplete line left from the previous read
  std::string m_out;            // pending output, written from m_out_at
  std::size_t m_out_at = 0;
  bool m_quickack = false;
};

template <class OnLine>
std::string Connection::read_lines(std::vector<char>& scratch, std::uint64_t& overlong,
                                   OnLine on_line) {
  // The carried part of a line goes in front of the new bytes in the shared
  // buffer, so no connection needs a buffer of read size.
  scratch.resize(kMaxLine + kReadSize);
  char* buf = scratch.data();
  const std::size_t carry = m_carry.size();
  std::memcpy(buf, m_carry.data(), carry);
  const ssize_t r = ::read(m_fd, buf + carry, kReadSize);
  if (r == 0) return "connection closed by server";
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {};
    return errno_text("read");
  }
  const std::int64_t read_ns = now_ns();
  if (m_quickack) quickack();
  const char* p = buf;
  const char* end = buf + carry + static_cast<std::size_t>(r);
  while (p < end) {
    auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) break;
    const char* line_end = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
    if (!on_line(std::string_view(p, static_cast<std::size_t>(line_end - p)), read_ns)) return {};
    p = nl + 1;
  }
  const auto rest = static_cast<std::size_t>(end - p);
  if (rest > kMaxLine) {
    ++overlong;
    m_carry.clear();
  } else {
    m_carry.assign(p, rest);
  }
  return {};
}

}  // namespace voixer::bench
