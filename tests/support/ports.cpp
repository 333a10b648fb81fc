#include "support/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>

namespace voixer::test {

namespace {

// Ports are chosen below the kernel's range of ephemeral ports. A port the
// kernel gave to a bind to port 0, once closed, is one it hands out again
// to the next outgoing connection of any process: a test running beside
// others found the port it had chosen taken before it could listen on it
// ("port 39553 is already in use", a fresh-clone CI rehearsal). Below that
// range only another test's own choice can take it, so each process starts
// at its own place and steps on, and each port is checked free first.
constexpr int kLowest = 20000;

// The kernel's ephemeral range starts here (Linux's default when unknown).
int ephemeral_start() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768, high = 60999;
  if (!(range >> low >> high)) low = 32768;
  return low;
}

// A socket of `type` bound to 127.0.0.1:`port`, or -1.
int bound_socket(int type, std::uint16_t port) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool can_bind(int type, std::uint16_t port) {
  int fd = bound_socket(type, port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// What the kernel gives a bind to port 0: the fallback when no port below
// its ephemeral range is free.
std::uint16_t kernel_port(int type) {
  int fd = bound_socket(type, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A port free for both TCP and UDP (a host listens on both with one number).
std::uint16_t free_port_of(int type) {
  static std::mutex mutex;
  static unsigned next = static_cast<unsigned>(::getpid()) * 2654435761u ^
                         static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
  const int span = ephemeral_start() - kLowest;
  if (span <= 0) return kernel_port(type);
  std::lock_guard<std::mutex> lock(mutex);
  for (int tried = 0; tried < span; ++tried) {
    auto port = static_cast<std::uint16_t>(kLowest + next++ % static_cast<unsigned>(span));
    if (can_bind(SOCK_STREAM, port) && can_bind(SOCK_DGRAM, port)) return port;
  }
  return kernel_port(type);
}

}  // namespace

std::uint16_t free_tcp_port() { return free_port_of(SOCK_STREAM); }
std::uint16_t free_udp_port() { return free_port_of(SOCK_DGRAM); }

}  // namespace voixer::test
