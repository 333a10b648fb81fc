// How fast the senders send: see pacing.hpp.
#include "bench/fanout/pacing.hpp"

namespace voixer::bench {

void FlatOutWindows::start(std::int64_t now_ns) {
  for (std::size_t s = 0; s < m_senders.size(); ++s) {
    m_senders[s].last_ack_ns = now_ns;
    make_ready(static_cast<int>(s));
  }
}

void FlatOutWindows::on_observed(int sender, std::uint64_t seq, std::int64_t now_ns) {
  Sender& sd = m_senders[static_cast<std::size_t>(sender)];
  if (seq < sd.acked) return;
  sd.acked = seq + 1;
  sd.last_ack_ns = now_ns;
  make_ready(sender);
}

int FlatOutWindows::reset_stalled(std::int64_t now_ns, std::int64_t stall_ns) {
  int resets = 0;
  for (std::size_t s = 0; s < m_senders.size(); ++s) {
    Sender& sd = m_senders[s];
    if (sd.sent - sd.acked >= m_window && now_ns - sd.last_ack_ns > stall_ns) {
      sd.acked = sd.sent;
      ++resets;
      make_ready(static_cast<int>(s));
    }
  }
  return resets;
}

void FlatOutWindows::make_ready(int sender) {
  Sender& sd = m_senders[static_cast<std::size_t>(sender)];
  if (sd.ready) return;
  sd.ready = true;
  m_ready.push_back(sender);
}

}  // namespace voixer::bench
