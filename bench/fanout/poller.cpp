// The event loop: see poller.hpp.
#include "bench/fanout/poller.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "bench/fanout/clock.hpp"
#include "bench/fanout/errors.hpp"

namespace voixer::bench {
namespace {

// The timer's events carry a tag no client has.
constexpr std::uint64_t kTimerTag = std::numeric_limits<std::uint64_t>::max();

epoll_event event_for(std::uint64_t tag, bool want_output) {
  epoll_event ev{};
  ev.events = want_output ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.u64 = tag;
  return ev;
}

}  // namespace

Poller::Poller() {
  m_epoll = epoll_create1(EPOLL_CLOEXEC);
  m_timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (m_epoll < 0 || m_timer < 0) {
    const std::string why = errno_text("epoll/timerfd");
    if (m_epoll >= 0) close(m_epoll);
    if (m_timer >= 0) close(m_timer);
    throw FatalError(why);
  }
  epoll_event ev = event_for(kTimerTag, false);
  epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_timer, &ev);
}

Poller::~Poller() {
  close(m_timer);
  close(m_epoll);
}

void Poller::add(int fd, std::uint64_t tag, bool want_output) {
  epoll_event ev = event_for(tag, want_output);
  if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) throw FatalError(errno_text("epoll_ctl"));
}

void Poller::modify(int fd, std::uint64_t tag, bool want_output) {
  epoll_event ev = event_for(tag, want_output);
  epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
}

void Poller::remove(int fd) { epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); }

std::span<const epoll_event> Poller::wait(std::int64_t wake_ns) {
  if (wake_ns != m_timer_armed_for) {
    itimerspec its{};
    const std::int64_t at = std::max<std::int64_t>(wake_ns, 1);
    its.it_value.tv_sec = static_cast<time_t>(at / kNsPerSec);
    its.it_value.tv_nsec = static_cast<long>(at % kNsPerSec);
    timerfd_settime(m_timer, TFD_TIMER_ABSTIME, &its, nullptr);
    m_timer_armed_for = wake_ns;
  }
  const int n = epoll_wait(m_epoll, m_events.data(), static_cast<int>(m_events.size()), 100);
  if (n < 0) {
    if (errno == EINTR) return {};
    throw FatalError(errno_text("epoll_wait"));
  }
  // The timer's event is taken out (the last event takes its place).
  auto count = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < count; ++i) {
    if (m_events[i].data.u64 != kTimerTag) continue;
    std::uint64_t expirations;
    [[maybe_unused]] ssize_t drained = read(m_timer, &expirations, sizeof expirations);
    m_timer_armed_for = -1;
    m_events[i] = m_events[--count];
    break;
  }
  return {m_events.data(), count};
}

}  // namespace voixer::bench
