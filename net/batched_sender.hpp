#pragma once
// One system call for a whole flush round's writes. The chat server writes
// to hundreds of sockets per round; with one send() each, the system call
// itself (entry, fd lookup, return) is about an eighth of the server's CPU
// at LAN-party rates (docs/performance.md). Through io_uring the round's
// sends are queued and submitted together; the kernel runs each send inline
// and a socket whose buffer is full answers -EAGAIN at once (MSG_DONTWAIT),
// so the caller falls back to its ordinary wait-for-writable path.
//
// Where io_uring is missing or forbidden (a kernel older than 6.1, a seccomp
// profile, VOIXER_NO_IO_URING=1), available() is false and the caller
// writes as before.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace voixer::net {

class BatchedSender {
 public:
  explicit BatchedSender(unsigned entries = 256);
  ~BatchedSender();
  BatchedSender(const BatchedSender&) = delete;
  BatchedSender& operator=(const BatchedSender&) = delete;

  bool available() const;
  // Why not, when !available(): "io_uring: Operation not permitted".
  const std::string& unavailable_reason() const { return m_reason; }

  // Results come back as `done(tag, result)`: bytes written (maybe fewer than
  // asked) or -errno (-EAGAIN when the socket's buffer is full).
  using Done = std::function<void(std::size_t tag, int result)>;

  // Queues one send; submits the queue first when it is full. `bytes` must
  // stay valid until the next submit() returns.
  void queue(int fd, std::string_view bytes, std::size_t tag, const Done& done);
  // Submits what is queued, waits for every result and reports each. Call
  // it from the thread that made the sender (the ring is single-issuer).
  void submit(const Done& done);

 private:
  struct Ring;
  std::unique_ptr<Ring> m_ring;
  std::string m_reason;
  std::vector<std::size_t> m_tags;  // queued, not yet submitted
};

}  // namespace voixer::net
