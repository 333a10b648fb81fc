// What the fan-out benchmark sent and what arrived: how many receivers got
// each message, whether each receiver got each sender's messages in order,
// the latency of every delivery of a measured message, and what arrived
// that should not have. Recording a delivery never allocates.
#pragma once

#include <cstdint>
#include <vector>

#include "bench/fanout/histogram.hpp"
#include "bench/fanout/lines.hpp"

namespace voixer::bench {

// Deliveries that were not counted, or not as they should be.
struct DeliveryAnomalies {
  std::uint64_t out_of_order = 0;
  std::uint64_t self = 0;       // a sender got its own message back
  std::uint64_t foreign = 0;    // not one of ours, or a number not sent yet
  std::uint64_t malformed = 0;  // a message whose text is not a stamp
};

// The measured messages' fate, once the run is over.
struct DeliveryTotals {
  std::uint64_t lost = 0;           // deliveries missing
  std::uint64_t duplicates = 0;     // deliveries too many
  std::uint64_t lost_messages = 0;  // messages some receiver never got
};

class Deliveries {
 public:
  // `clients` receive, the first `senders` of them send.
  Deliveries(int clients, int senders);

  // A new message of `sender`: returns its number.
  std::uint64_t add_sent(int sender);

  // Messages sent from now on are measured...
  void start_measuring();
  // ...until now; returns how many that was.
  std::uint64_t stop_measuring();

  enum class Outcome { Counted, Foreign, Self };
  // `receiver` read the message with `stamp` at `now_ns`.
  Outcome on_delivery(int receiver, const Stamp& stamp, std::int64_t now_ns);
  void on_malformed() { ++m_anomalies.malformed; }

  // Deliveries of measured messages so far.
  std::uint64_t received_measured() const { return m_received_measured; }
  const Histogram& latency() const { return m_latency; }
  const DeliveryAnomalies& anomalies() const { return m_anomalies; }
  DeliveryTotals totals() const;

 private:
  struct Sent {
    std::vector<std::uint16_t> receivers;              // per message number, saturating
    std::uint64_t first_measured = ~std::uint64_t{0};  // measured: [first_measured, end_measured)
    std::uint64_t end_measured = 0;
  };
  int m_clients;
  int m_senders;
  std::vector<Sent> m_sent;
  std::vector<std::uint32_t> m_next_seq;  // [receiver * senders + sender]: last seq + 1, 0 = none
  std::uint64_t m_received_measured = 0;
  Histogram m_latency;
  DeliveryAnomalies m_anomalies;
};

// Inline: it runs once per delivery.
inline Deliveries::Outcome Deliveries::on_delivery(int receiver, const Stamp& stamp,
                                                   std::int64_t now_ns) {
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

}  // namespace voixer::bench
