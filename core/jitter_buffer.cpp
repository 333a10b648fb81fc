#include "core/jitter_buffer.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>

namespace voixer::core {

namespace {

// Concealing longer than this sounds worse than silence, and an empty buffer
// for this long usually means the speaker stopped.
constexpr int kMaxConcealRun = 3;
// Jitter is measured over this much audio: long enough to catch a periodic
// spike, short enough to forget a burst of jitter within a few seconds.
constexpr int kJitterWindowMs = 2000;
constexpr double kJitterPercentile = 0.95;
// The depth must stay above target + 1 for this long before a frame is
// dropped, so short-lived bunching is not mistaken for excess delay.
constexpr int kShrinkWindowMs = 500;
// Consecutive packets this close together but far from the stream mean the
// sender restarted its sequence; fewer are taken for garbage.
constexpr int kForeignRunToRestart = 3;
constexpr int kForeignStep = 4;
constexpr std::uint32_t kSeenValid = 0x10000;

// a - b in serial-number arithmetic: positive when a is after b, within
// half the sequence space.
int seq_diff(std::uint16_t a, std::uint16_t b) {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
}

std::uint16_t seq_add(std::uint16_t a, int n) { return static_cast<std::uint16_t>(a + n); }

JitterConfig clamped(JitterConfig c) {
  c.frame_ms = std::clamp(c.frame_ms, 1, 120);
  c.max_packets = std::clamp(c.max_packets, 4, 1024);
  c.max_delay_frames = std::clamp(c.max_delay_frames, 1, c.max_packets - 2);
  c.min_delay_frames = std::clamp(c.min_delay_frames, 1, c.max_delay_frames);
  return c;
}

}  // namespace

// ---------------------------------------------------------------- Estimator

JitterBuffer::Estimator::Estimator(int frame_ms, int window_packets, std::int64_t break_ms)
    : m_frame_ms(frame_ms),
      m_break_ms(break_ms),
      m_samples(static_cast<std::size_t>(window_packets)),
      m_scratch(static_cast<std::size_t>(window_packets)) {}

void JitterBuffer::Estimator::add(std::uint16_t seq, std::int64_t arrival_ms) {
  // Unwrap against the newest seq so transit stays continuous across 65535 -> 0.
  std::int64_t ext;
  if (!m_have_seq) {
    ext = seq;
    m_have_seq = true;
    m_last_seq = seq;
    m_last_ext = ext;
  } else {
    ext = m_last_ext + seq_diff(seq, m_last_seq);
    if (ext > m_last_ext) {
      m_last_ext = ext;
      m_last_seq = seq;
    }
  }
  const std::int64_t transit = arrival_ms - ext * m_frame_ms;

  // The fastest recent arrival is the baseline: a packet can only be delayed
  // relative to it. Scanning the window (a few hundred entries) is cheaper
  // than keeping a sorted structure up to date.
  std::int64_t baseline = transit;
  for (std::size_t i = 0; i < m_count; ++i) {
    const Sample& s = m_samples[i];
    if (s.epoch == m_epoch) baseline = std::min(baseline, s.transit);
  }
  std::int64_t spread = transit - baseline;
  if (spread > m_break_ms) {
    // More delay than the buffer may ever hold: the path or the sender's
    // time base changed (e.g. a pause without a seq gap). Start over from here.
    ++m_epoch;
    spread = 0;
  }

  m_samples[m_head] = Sample{transit, spread, m_epoch};
  m_head = (m_head + 1) % m_samples.size();
  m_count = std::min(m_count + 1, m_samples.size());

  for (std::size_t i = 0; i < m_count; ++i) m_scratch[i] = m_samples[i].spread;
  auto rank = static_cast<std::size_t>(std::ceil(kJitterPercentile * static_cast<double>(m_count)));
  rank = std::clamp<std::size_t>(rank, 1, m_count) - 1;
  auto first = m_scratch.begin();
  auto nth = first + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(first, nth, first + static_cast<std::ptrdiff_t>(m_count));
  m_jitter_ms = static_cast<double>(*nth);
}

void JitterBuffer::Estimator::new_epoch() {
  ++m_epoch;
  m_have_seq = false;
}

void JitterBuffer::Estimator::clear() {
  m_head = 0;
  m_count = 0;
  m_epoch = 0;
  m_have_seq = false;
  m_jitter_ms = 0.0;
}

// ------------------------------------------------------------- JitterBuffer

JitterBuffer::JitterBuffer(JitterConfig config)
    : m_config(clamped(config)),
      m_estimator(m_config.frame_ms, std::max(16, kJitterWindowMs / m_config.frame_ms),
                  static_cast<std::int64_t>(m_config.max_delay_frames + 1) * m_config.frame_ms) {
  // A power-of-two ring indexed by seq maps any capacity-wide window of the
  // 16-bit sequence space to distinct slots, also across the wrap. It is
  // twice as wide as the payload pool so that a burst running ahead of the
  // pool overflows (the oldest is dropped) instead of looking like a
  // different stream.
  m_capacity = std::bit_ceil(2 * static_cast<std::size_t>(m_config.max_packets));
  m_mask = static_cast<std::uint16_t>(m_capacity - 1);
  m_slots.resize(m_capacity);
  m_payloads.resize(static_cast<std::size_t>(m_config.max_packets) * kMaxJitterPayloadBytes);
  m_free.reserve(static_cast<std::size_t>(m_config.max_packets));
  m_seen.resize(m_capacity);
  // Arrivals this close before a tick are not relied on: starting playout
  // one tick later costs a fraction of a frame and spares a concealment
  // whenever the arrival phase wobbles by a millisecond or two.
  m_phase_margin_ms = std::max(1, m_config.frame_ms / 4);
  m_shrink_window_ticks = std::max(1, kShrinkWindowMs / m_config.frame_ms);
  // A late packet this long after the last stored one cannot belong to the
  // old stream any more; it is the sender starting over.
  m_stale_ms = std::max<std::int64_t>(500, 2LL * m_config.max_delay_frames * m_config.frame_ms);
  reset();
}

void JitterBuffer::reset() {
  for (Slot& s : m_slots) s = Slot{};
  m_free.clear();
  for (int i = m_config.max_packets - 1; i >= 0; --i) m_free.push_back(static_cast<std::uint16_t>(i));
  std::fill(m_seen.begin(), m_seen.end(), 0);
  m_stored = 0;
  m_state = State::Idle;
  m_has_position = false;
  m_next_seq = 0;
  m_has_floor = false;
  m_floor = 0;
  m_anchor_arrival_ms = 0;
  m_has_last_stored = false;
  m_last_stored_ms = 0;
  m_conceal_run = 0;
  m_waiting = false;
  m_level_min = INT_MAX;
  m_level_ticks = 0;
  m_has_foreign = false;
  m_foreign_seq = 0;
  m_foreign_run = 0;
  m_estimator.clear();
  m_stats = JitterStats{};
  update_target();
  sync_stats();
}

bool JitterBuffer::is_stored(std::uint16_t seq) const {
  const Slot& s = m_slots[seq & m_mask];
  return s.used && s.seq == seq;
}

std::span<const std::uint8_t> JitterBuffer::payload_of(std::uint16_t seq) const {
  const Slot& s = m_slots[seq & m_mask];
  return {m_payloads.data() + std::size_t{s.pool} * kMaxJitterPayloadBytes, s.size};
}

bool JitterBuffer::seen(std::uint16_t seq) const { return m_seen[seq & m_mask] == (kSeenValid | seq); }

void JitterBuffer::mark_seen(std::uint16_t seq) { m_seen[seq & m_mask] = kSeenValid | seq; }

PutResult JitterBuffer::put(std::uint16_t seq, std::span<const std::uint8_t> payload,
                            std::int64_t arrival_ms) {
  if (payload.size() > kMaxJitterPayloadBytes) {
    ++m_stats.refused;
    return PutResult::Refused;
  }
  ++m_stats.received;
  const int window = static_cast<int>(m_capacity);

  if (m_state == State::Idle) {
    if (!m_has_position) {
      restart(seq, arrival_ms);
      return store(seq, payload, arrival_ms);
    }
    const int d = seq_diff(seq, m_next_seq);
    const bool stale = !m_has_last_stored || arrival_ms - m_last_stored_ms > m_stale_ms;
    if (stale || d < -window) {
      restart(seq, arrival_ms);
      return store(seq, payload, arrival_ms);
    }
    if (d < 0 || seen(seq)) return old_packet(seq, arrival_ms);
    // The same stream resuming after a pause or an outage: play from here,
    // the skipped seqs were silence, not losses. Stragglers from the gap may
    // still be slotted in before playout starts. A sender that numbers only
    // the packets it sends resumes with the next seq after a pause, which
    // would read as the whole pause being delay: re-learn the time base.
    m_estimator.new_epoch();
    m_state = State::Buffering;
    m_has_floor = true;
    m_floor = m_next_seq;
    m_next_seq = seq;
    m_anchor_arrival_ms = arrival_ms;
    m_has_foreign = false;
    return store(seq, payload, arrival_ms);
  }

  const int d = seq_diff(seq, m_next_seq);
  if (d >= window) return foreign_packet(seq, payload, arrival_ms);
  if (d < 0) {
    if (m_state == State::Buffering && can_move_anchor_back(seq)) {
      // Reordered ahead of the frame buffering began with. When the pool is
      // full it is the oldest, which is what overflow drops.
      if (m_stored >= m_config.max_packets) {
        ++m_stats.dropped_overflow;
        return PutResult::Overflow;
      }
      m_next_seq = seq;
      return store(seq, payload, arrival_ms);
    }
    if (d >= -window) return old_packet(seq, arrival_ms);
    return foreign_packet(seq, payload, arrival_ms);
  }
  return store(seq, payload, arrival_ms);
}

PutResult JitterBuffer::store(std::uint16_t seq, std::span<const std::uint8_t> payload,
                              std::int64_t arrival_ms) {
  m_has_foreign = false;
  if (is_stored(seq) || seen(seq)) {
    ++m_stats.duplicates;
    return PutResult::Duplicate;
  }
  mark_seen(seq);
  m_estimator.add(seq, arrival_ms);
  update_target();

  PutResult result = PutResult::Stored;
  if (m_stored >= m_config.max_packets) {
    // Full: keep the newest audio. Skipping the oldest frame shortens the
    // delay, which is what a buffer this full needs anyway.
    std::uint16_t oldest = 0;
    lowest_stored(oldest);
    ++m_stats.dropped_overflow;
    if (seq_diff(seq, oldest) < 0) {
      sync_stats();
      return PutResult::Overflow;
    }
    drop(oldest);
    if (seq_diff(m_next_seq, oldest) <= 0) m_next_seq = seq_add(oldest, 1);
    result = PutResult::Overflow;
  }

  Slot& s = slot(seq);
  s.seq = seq;
  s.size = static_cast<std::uint16_t>(payload.size());
  s.arrival_ms = arrival_ms;
  s.pool = m_free.back();
  s.used = true;
  m_free.pop_back();  // never reallocates: capacity was reserved
  if (!payload.empty()) {
    std::memcpy(m_payloads.data() + std::size_t{s.pool} * kMaxJitterPayloadBytes, payload.data(),
                payload.size());
  }
  ++m_stored;
  if (!m_has_last_stored || arrival_ms > m_last_stored_ms) m_last_stored_ms = arrival_ms;
  m_has_last_stored = true;
  sync_stats();
  return result;
}

PutResult JitterBuffer::old_packet(std::uint16_t seq, std::int64_t arrival_ms) {
  if (seen(seq)) {
    ++m_stats.duplicates;
    return PutResult::Duplicate;
  }
  mark_seen(seq);  // so a copy of it counts as a duplicate, not late again
  ++m_stats.late;
  // Its lateness is exactly what the estimator has to learn from.
  m_estimator.add(seq, arrival_ms);
  update_target();
  sync_stats();
  return PutResult::Late;
}

PutResult JitterBuffer::foreign_packet(std::uint16_t seq, std::span<const std::uint8_t> payload,
                                       std::int64_t arrival_ms) {
  // A single wild seq is garbage; a run of them following each other is a
  // sender that restarted while its old stream was still buffered.
  if (m_has_foreign && seq != m_foreign_seq && std::abs(seq_diff(seq, m_foreign_seq)) <= kForeignStep) {
    ++m_foreign_run;
  } else {
    m_foreign_run = 1;
  }
  m_has_foreign = true;
  m_foreign_seq = seq;
  if (m_foreign_run < kForeignRunToRestart) {
    ++m_stats.ignored;
    return PutResult::Ignored;
  }
  restart(seq, arrival_ms);
  return store(seq, payload, arrival_ms);
}

void JitterBuffer::restart(std::uint16_t seq, std::int64_t arrival_ms) {
  for (Slot& s : m_slots) {
    if (s.used) drop(s.seq);
  }
  std::fill(m_seen.begin(), m_seen.end(), 0);
  m_state = State::Buffering;
  m_has_position = true;
  m_next_seq = seq;
  m_has_floor = false;
  m_anchor_arrival_ms = arrival_ms;
  m_conceal_run = 0;
  m_waiting = false;
  m_has_foreign = false;
  m_foreign_run = 0;
  m_estimator.new_epoch();
}

bool JitterBuffer::can_move_anchor_back(std::uint16_t seq) const {
  if (m_has_floor && seq_diff(seq, m_floor) < 0) return false;
  // Everything stored must stay within one ring's width of the new anchor.
  for (const Slot& s : m_slots) {
    if (s.used && seq_diff(s.seq, seq) >= static_cast<int>(m_capacity)) return false;
  }
  return true;
}

bool JitterBuffer::lowest_stored(std::uint16_t& seq) const {
  // Every stored seq lies in [m_next_seq, m_next_seq + capacity), so walking
  // forward from m_next_seq finds the lowest first.
  for (std::size_t i = 0; i < m_capacity; ++i) {
    const std::uint16_t candidate = seq_add(m_next_seq, static_cast<int>(i));
    if (is_stored(candidate)) {
      seq = candidate;
      return true;
    }
  }
  return false;
}

void JitterBuffer::drop(std::uint16_t seq) {
  // The buffer's bytes stay as they are until a later put() takes it, which
  // keeps a returned payload valid as documented.
  Slot& s = slot(seq);
  s.used = false;
  m_free.push_back(s.pool);  // never reallocates: capacity was reserved
  --m_stored;
}

bool JitterBuffer::ready_to_start(std::int64_t now_ms) const {
  const std::int64_t waited = now_ms - m_anchor_arrival_ms;
  if (waited < m_phase_margin_ms) return false;
  const int target = m_stats.target_delay_frames;
  // The time limit starts a talk spurt shorter than the target, or one whose
  // first frames were lost.
  return m_stored >= target || waited >= static_cast<std::int64_t>(target) * m_config.frame_ms;
}

Playout JitterBuffer::next(std::int64_t now_ms) {
  Playout out{PlayoutKind::Nothing, {}, m_next_seq};
  if (m_state == State::Idle) return out;
  if (m_state == State::Buffering) {
    if (m_stored == 0 || !ready_to_start(now_ms)) return out;
    m_state = State::Playing;
    m_conceal_run = 0;
    m_level_min = INT_MAX;
    m_level_ticks = 0;
  }
  keep_depth();
  out = play_one();
  sync_stats();
  return out;
}

void JitterBuffer::keep_depth() {
  // Hard cap: more than the largest allowed delay is buffered (a burst after
  // an outage, a flood): skip straight to the newest audio.
  const int cap = m_config.max_delay_frames + 1;
  while (m_stored > cap) {
    std::uint16_t oldest = 0;
    lowest_stored(oldest);
    drop(oldest);
    m_next_seq = seq_add(oldest, 1);
    ++m_stats.shrink_drops;
  }

  // Soft shrink: the depth before playing stayed >= target + 2 for a whole
  // window, so every frame arrived at least one frame period earlier than
  // needed; dropping one still leaves a frame of margin. Drift (sender
  // faster than playback) and the tail of a jitter burst are removed here.
  m_level_min = std::min(m_level_min, m_stored);
  if (++m_level_ticks < m_shrink_window_ticks) return;
  const bool excess = m_level_min >= m_stats.target_delay_frames + 2;
  m_level_min = INT_MAX;
  m_level_ticks = 0;
  if (excess && is_stored(m_next_seq) && is_stored(seq_add(m_next_seq, 1))) {
    drop(m_next_seq);
    m_next_seq = seq_add(m_next_seq, 1);
    ++m_stats.shrink_drops;
  }
}

Playout JitterBuffer::play_one() {
  const std::uint16_t n = m_next_seq;
  const std::uint16_t after = seq_add(n, 1);

  if (is_stored(n)) {
    Playout out{PlayoutKind::Frame, payload_of(n), n, slot(n).arrival_ms, m_waiting};
    m_waiting = false;
    drop(n);
    m_next_seq = after;
    m_conceal_run = 0;
    ++m_stats.played;
    return out;
  }
  if (is_stored(after)) {
    // Opus carries a lower-quality copy of frame n inside frame n+1.
    m_next_seq = after;
    m_conceal_run = 0;
    m_waiting = false;
    ++m_stats.fec_recovered;
    return Playout{PlayoutKind::Fec, payload_of(after), n};
  }
  if (m_conceal_run < kMaxConcealRun) {
    ++m_conceal_run;
    ++m_stats.lost;
    // With later frames buffered, n is gone. With nothing buffered, n is
    // merely late: waiting for it stretches the delay by a frame, which is
    // how the buffer grows when the network gets jittery.
    if (m_stored > 0) {
      m_next_seq = after;
    } else {
      m_waiting = true;
    }
    return Playout{PlayoutKind::Conceal, {}, n};
  }

  m_waiting = false;
  std::uint16_t first = 0;
  if (!lowest_stored(first)) {
    // Drained and nothing for several frames: the speaker stopped. Keep the
    // position so stragglers are recognised as late.
    m_state = State::Idle;
    return Playout{PlayoutKind::Nothing, {}, n};
  }
  if (seq_diff(first, n) > m_config.max_delay_frames) {
    // A gap longer than the buffer could ever cover: resume from the frame
    // we have instead of waiting out the gap in silence.
    m_state = State::Buffering;
    m_has_floor = true;
    m_floor = n;
    m_next_seq = first;
    m_anchor_arrival_ms = slot(first).arrival_ms;
    return Playout{PlayoutKind::Nothing, {}, n};
  }
  // A burst of losses: silence through it keeps the frames behind it on time.
  m_next_seq = after;
  return Playout{PlayoutKind::Nothing, {}, n};
}

void JitterBuffer::update_target() {
  // Jitter smaller than the phase margin is absorbed by the tick phase
  // (playout starts, or resumes after a concealment, a margin after an
  // arrival), so on a quiet LAN a couple of ms of jitter does not cost a
  // whole extra frame of delay.
  const double excess = std::max(0.0, m_estimator.jitter_ms() - m_phase_margin_ms);
  const int extra = static_cast<int>(std::ceil(excess / m_config.frame_ms));
  m_stats.target_delay_frames =
      std::clamp(m_config.min_delay_frames + extra, m_config.min_delay_frames, m_config.max_delay_frames);
  m_stats.jitter_ms = m_estimator.jitter_ms();
}

void JitterBuffer::sync_stats() { m_stats.buffered_frames = m_stored; }

}  // namespace voixer::core
