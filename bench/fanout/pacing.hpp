// How fast the fan-out benchmark's senders send. Rate mode: one global
// schedule, message k due at start + k/R and sent by sender k mod S, so
// each sender sends R/S per second, evenly paced, and a bench that fell
// behind sends the backlog. Flat-out mode: each sender keeps at most a
// window of messages in flight, a message leaving it when the observer
// client has read it; that backpressure bounds the server's queues.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace voixer::bench {

class RateSchedule {
 public:
  RateSchedule(double messages_per_second, int senders)
      : m_ns_per_message(1e9 / messages_per_second),
        m_senders(static_cast<std::uint64_t>(senders)) {}

  void start(std::int64_t now_ns) { m_start_ns = now_ns; }

  // Sends what is due by `now_ns`: send(sender) for each message, in
  // order, until blocked(sender) says that sender's socket is too far backed
  // up (the rest stays due) or 4096 were sent (so reading keeps up while
  // catching up). Returns when to come back.
  template <class Blocked, class Send>
  std::int64_t send_due(std::int64_t now_ns, Blocked blocked, Send send) {
    const auto due =
        static_cast<std::uint64_t>(static_cast<double>(now_ns - m_start_ns) / m_ns_per_message) + 1;
    int budget = 4096;
    while (m_next < due) {
      const int sender = static_cast<int>(m_next % m_senders);
      if (blocked(sender)) return now_ns + 1'000'000;
      if (budget-- == 0) break;
      send(sender);
      ++m_next;
    }
    return m_start_ns + static_cast<std::int64_t>(static_cast<double>(m_next) * m_ns_per_message);
  }

 private:
  double m_ns_per_message;
  std::uint64_t m_senders;
  std::int64_t m_start_ns = 0;
  std::uint64_t m_next = 0;  // the schedule's next message
};

class FlatOutWindows {
 public:
  FlatOutWindows(int senders, int window)
      : m_window(static_cast<std::uint64_t>(window)),
        m_senders(static_cast<std::size_t>(senders)) {}

  // Every window is open.
  void start(std::int64_t now_ns);

  // The observer read `sender`'s message `seq` at `now_ns`.
  void on_observed(int sender, std::uint64_t seq, std::int64_t now_ns);

  // Fills the windows that may have room: send(sender) per message, for the
  // senders that is_open(sender).
  template <class IsOpen, class Send>
  void refill(std::int64_t now_ns, IsOpen is_open, Send send) {
    for (int s : m_ready) {
      Sender& sd = m_senders[static_cast<std::size_t>(s)];
      sd.ready = false;
      if (!is_open(s)) continue;
      for (; sd.sent - sd.acked < m_window; ++sd.sent) send(s);
      sd.last_ack_ns = std::max(sd.last_ack_ns, now_ns);
    }
    m_ready.clear();
  }

  // A lost message would hold its window forever: a window full for
  // longer than stall_ns is given up as lost. Returns how many were.
  int reset_stalled(std::int64_t now_ns, std::int64_t stall_ns);

 private:
  struct Sender {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;  // the observer has read every message below this
    std::int64_t last_ack_ns = 0;
    bool ready = false;  // in m_ready
  };
  void make_ready(int sender);

  std::uint64_t m_window;
  std::vector<Sender> m_senders;
  std::vector<int> m_ready;  // senders whose window may have room
};

}  // namespace voixer::bench
