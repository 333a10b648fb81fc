// What was sent and what arrived: see deliveries.hpp.
#include "bench/fanout/deliveries.hpp"

namespace voixer::bench {

Deliveries::Deliveries(int clients, int senders)
    : m_clients(clients),
      m_senders(senders),
      m_sent(static_cast<std::size_t>(senders)),
      m_next_seq(static_cast<std::size_t>(clients) * static_cast<std::size_t>(senders), 0) {}

std::uint64_t Deliveries::add_sent(int sender) {
  auto& receivers = m_sent[static_cast<std::size_t>(sender)].receivers;
  receivers.push_back(0);
  return receivers.size() - 1;
}

void Deliveries::start_measuring() {
  for (auto& s : m_sent) s.first_measured = s.receivers.size();
}

std::uint64_t Deliveries::stop_measuring() {
  std::uint64_t measured = 0;
  for (auto& s : m_sent) {
    s.end_measured = s.receivers.size();
    measured += s.end_measured - s.first_measured;
  }
  return measured;
}

DeliveryTotals Deliveries::totals() const {
  const auto need = static_cast<std::uint64_t>(m_clients - 1);
  DeliveryTotals t;
  for (const auto& s : m_sent) {
    for (std::uint64_t seq = s.first_measured; seq < s.end_measured; ++seq) {
      const std::uint64_t got = s.receivers[seq];
      if (got < need) {
        t.lost += need - got;
        ++t.lost_messages;
      } else {
        t.duplicates += got - need;
      }
    }
  }
  return t;
}

}  // namespace voixer::bench
