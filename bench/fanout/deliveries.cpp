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

Deliveries::Outcome Deliveries::on_delivery(int receiver, const Stamp& stamp, std::int64_t now_ns) {
  if (stamp.sender >= static_cast<std::uint64_t>(m_senders) ||
      stamp.seq >= m_sent[stamp.sender].receivers.size()) {
    ++m_anomalies.foreign;  // not ours, or stale
    return Outcome::Foreign;
  }
  if (stamp.sender == static_cast<std::uint64_t>(receiver)) {
    ++m_anomalies.self;
    return Outcome::Self;
  }
  std::uint32_t& next =
      m_next_seq[static_cast<std::size_t>(receiver) * static_cast<std::size_t>(m_senders) +
                 stamp.sender];
  if (stamp.seq + 1 > next)
    next = static_cast<std::uint32_t>(stamp.seq + 1);
  else if (stamp.seq + 1 < next)
    ++m_anomalies.out_of_order;  // seq + 1 == next is a duplicate, counted by totals()
  Sent& sent = m_sent[stamp.sender];
  std::uint16_t& count = sent.receivers[stamp.seq];
  if (count != 0xffff) ++count;
  if (stamp.seq >= sent.first_measured) {
    ++m_received_measured;
    m_latency.add(now_ns - static_cast<std::int64_t>(stamp.send_ns));
  }
  return Outcome::Counted;
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
