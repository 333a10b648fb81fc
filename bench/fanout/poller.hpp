// The fan-out benchmark's one event loop: epoll over the clients' sockets,
// plus a timerfd so that a paced sender wakes at a deadline finer than
// epoll_wait's milliseconds.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <span>
#include <vector>

namespace voixer::bench {

class Poller {
 public:
  // Throws FatalError if the kernel refuses an epoll or timer descriptor.
  Poller();
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Watches `fd` for input, and for output too while `want_output`; its
  // events carry `tag`. add() throws FatalError.
  void add(int fd, std::uint64_t tag, bool want_output);
  void modify(int fd, std::uint64_t tag, bool want_output);
  void remove(int fd);

  // Waits until a socket is ready, `wake_ns` (now_ns() time) has come, or
  // 100 ms have passed, and returns the sockets' events (none on a
  // timeout). Throws FatalError if epoll fails.
  std::span<const epoll_event> wait(std::int64_t wake_ns);

 private:
  int m_epoll = -1;
  int m_timer = -1;
  std::int64_t m_timer_armed_for = -1;
  std::vector<epoll_event> m_events = std::vector<epoll_event>(1024);
};

}  // namespace voixer::bench
