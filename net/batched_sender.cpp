#include "net/batched_sender.hpp"

#include <liburing.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace voixer::net {

struct BatchedSender::Ring {
  io_uring ring{};
};

namespace {

bool forbidden_by_environment() {
  const char* off = std::getenv("VOIXER_NO_IO_URING");
  return off && *off && std::strcmp(off, "0") != 0;
}

}  // namespace

BatchedSender::BatchedSender(unsigned entries) {
  if (forbidden_by_environment()) {
    m_reason = "io_uring: turned off by VOIXER_NO_IO_URING";
    return;
  }
  auto ring = std::make_unique<Ring>();
  // One thread submits, and completions are only read right after a submit:
  // the kernel can skip its cross-thread wake-ups. These flags need Linux
  // 6.1, which is also where a send with MSG_DONTWAIT surely answers at
  // once: an older kernel (-EINVAL) is not used at all, because a send it
  // parked would hold the whole round.
  int rc = io_uring_queue_init(entries, &ring->ring,
                               IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  if (rc == -EINVAL) {
    m_reason = "io_uring: this kernel is older than 6.1";
    return;
  }
  if (rc < 0) {
    m_reason = std::string("io_uring: ") + std::strerror(-rc);
    return;
  }
  m_ring = std::move(ring);
}

BatchedSender::~BatchedSender() {
  if (m_ring) io_uring_queue_exit(&m_ring->ring);
}

bool BatchedSender::available() const { return m_ring != nullptr; }

void BatchedSender::queue(int fd, std::string_view bytes, std::size_t tag, const Done& done) {
  io_uring_sqe* sqe = io_uring_get_sqe(&m_ring->ring);
  if (!sqe) {
    submit(done);
    sqe = io_uring_get_sqe(&m_ring->ring);
  }
  // MSG_DONTWAIT: a full socket answers -EAGAIN now instead of the kernel
  // parking the send until it drains, so every send completes in submit().
  io_uring_prep_send(sqe, fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, tag);
  m_tags.push_back(tag);
}

void BatchedSender::submit(const Done& done) {
  if (m_tags.empty()) return;
  auto waiting = static_cast<unsigned>(m_tags.size());
  int rc = io_uring_submit_and_wait(&m_ring->ring, waiting);
  while (rc == -EINTR) rc = io_uring_submit_and_wait(&m_ring->ring, waiting);
  if (rc < 0) {
    // The ring refused the round (e.g. used from a second thread): nothing
    // was sent. Say so for every send, so the caller writes by hand, and
    // stop using the ring.
    m_reason = std::string("io_uring: ") + std::strerror(-rc);
    io_uring_queue_exit(&m_ring->ring);
    m_ring.reset();
    for (std::size_t tag : m_tags) done(tag, 0);
    m_tags.clear();
    return;
  }
  m_tags.clear();
  while (waiting > 0) {
    io_uring_cqe* cqe = nullptr;
    int wrc = io_uring_wait_cqe(&m_ring->ring, &cqe);
    if (wrc == -EINTR) continue;
    if (wrc < 0) break;  // not with a live ring
    done(static_cast<std::size_t>(io_uring_cqe_get_data64(cqe)), cqe->res);
    io_uring_cqe_seen(&m_ring->ring, cqe);
    --waiting;
  }
}

}  // namespace voixer::net
