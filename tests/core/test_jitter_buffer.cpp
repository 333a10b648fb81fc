// The voice jitter buffer, driven in simulated time: hand-placed packets for
// the ordering and loss rules, and seeded network simulations (jitter, clock
// drift, pauses, garbage) for the adaptive behaviour. Nothing sleeps or reads
// a clock, so every run sees the same arrivals.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "core/jitter_buffer.hpp"

using namespace voixer::core;

// Counts heap allocations so a test can prove put() and next() never
// allocate. Replacing the global operator new is program-wide but only
// counts: every allocation still goes to malloc. The whole non-aligned
// family is replaced so that no allocation is freed by a different
// allocator (AddressSanitizer checks that).
namespace {
long g_allocations = 0;

void* counted_alloc(std::size_t size) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = counted_alloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_alloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

// splitmix64: fully specified, unlike std::uniform_int_distribution, so the
// simulated network is the same with every standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  int uniform(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }

 private:
  std::uint64_t m_state;
};

// Payloads carry their seq so a test can tell which frame came out.
std::vector<std::uint8_t> bytes_for(std::uint16_t seq, std::size_t size = 60) {
  std::vector<std::uint8_t> v(size, 0xA5);
  v[0] = static_cast<std::uint8_t>(seq >> 8);
  v[1] = static_cast<std::uint8_t>(seq & 0xFF);
  return v;
}

std::uint16_t seq_of(std::span<const std::uint8_t> payload) {
  REQUIRE(payload.size() >= 2);
  return static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
}

PutResult put(JitterBuffer& jb, std::uint16_t seq, std::int64_t at) { return jb.put(seq, bytes_for(seq), at); }

void check_frame(const Playout& p, std::uint16_t seq) {
  CHECK(p.kind == PlayoutKind::Frame);
  CHECK(p.seq == seq);
  if (p.kind == PlayoutKind::Frame) CHECK(seq_of(p.payload) == seq);
}

struct Arrival {
  std::int64_t at;
  std::uint16_t seq;
};

// A sender of count frames starting at first_seq, one every period_ms
// (fractional for clock drift), each arriving delay(i) ms after it was sent.
// Returned in arrival order.
template <class Delay>
std::vector<Arrival> sender(std::uint16_t first_seq, int count, double period_ms, std::int64_t start_ms,
                            Delay delay) {
  std::vector<Arrival> out;
  for (int i = 0; i < count; ++i) {
    const auto sent = start_ms + static_cast<std::int64_t>(std::floor(i * period_ms));
    out.push_back({sent + delay(i), static_cast<std::uint16_t>(first_seq + i)});
  }
  std::stable_sort(out.begin(), out.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
  return out;
}

// Plays a schedule of arrivals through a buffer tick by tick, the way the
// client will: deliver what has arrived, then ask for the next frame. Checks
// on every tick that audio comes out in sequence order and that payloads
// belong to the frame announced.
class Player {
 public:
  Player(JitterBuffer& jb, std::vector<Arrival> arrivals)
      : m_jb(jb), m_arrivals(std::move(arrivals)), m_arrived_at(65536, -1), m_payloads(65536) {
    for (const Arrival& a : m_arrivals) {
      if (m_payloads[a.seq].empty()) m_payloads[a.seq] = bytes_for(a.seq);
    }
  }

  Playout tick(std::int64_t now) {
    while (m_next < m_arrivals.size() && m_arrivals[m_next].at <= now) {
      const Arrival& a = m_arrivals[m_next++];
      if (m_arrived_at[a.seq] < 0) m_arrived_at[a.seq] = a.at;
      m_jb.put(a.seq, m_payloads[a.seq], a.at);
    }
    const Playout p = m_jb.next(now);
    switch (p.kind) {
      case PlayoutKind::Nothing:
        ++nothing;
        m_have_last = false;  // after silence a restarted sender may begin anywhere
        break;
      case PlayoutKind::Frame:
        ++frames;
        if (p.payload.size() < 2 || seq_of(p.payload) != p.seq) ok = false;
        latency_ms = now - m_arrived_at[p.seq];
        max_latency_ms = std::max(max_latency_ms, latency_ms);
        break;
      case PlayoutKind::Fec:
        ++fec;
        if (p.payload.size() < 2 || seq_of(p.payload) != static_cast<std::uint16_t>(p.seq + 1)) ok = false;
        break;
      case PlayoutKind::Conceal: ++conceal; break;
    }
    if (p.kind != PlayoutKind::Nothing) {
      // Forward only; a concealment that waits for its frame repeats the seq.
      if (m_have_last) {
        const int step = static_cast<std::int16_t>(static_cast<std::uint16_t>(p.seq - m_last_seq));
        if (step < 0 || (step == 0 && m_last_kind != PlayoutKind::Conceal)) ok = false;
      }
      m_have_last = true;
      m_last_seq = p.seq;
      m_last_kind = p.kind;
    }
    return p;
  }

  void reset_counts() { frames = fec = conceal = nothing = 0; max_latency_ms = 0; }

  bool ok = true;
  int frames = 0, fec = 0, conceal = 0, nothing = 0;
  std::int64_t latency_ms = 0;  // tick time minus arrival of the last Frame
  std::int64_t max_latency_ms = 0;

 private:
  JitterBuffer& m_jb;
  std::vector<Arrival> m_arrivals;
  std::size_t m_next = 0;
  std::vector<std::int64_t> m_arrived_at;
  std::vector<std::vector<std::uint8_t>> m_payloads;
  bool m_have_last = false;
  std::uint16_t m_last_seq = 0;
  PlayoutKind m_last_kind = PlayoutKind::Nothing;
};

// Tick phases tried by the simulations: where the playback clock falls
// between two arrivals must not matter.
constexpr int kPhases[] = {0, 3, 7, 11, 16, 19};

}  // namespace

// ------------------------------------------------------------------- start

TEST_CASE("jitter buffer: an empty buffer plays Nothing and never conceals") {
  JitterBuffer jb;
  for (int t = 0; t < 200; t += 20) CHECK(jb.next(t).kind == PlayoutKind::Nothing);
  CHECK(jb.stats().lost == 0);
}

TEST_CASE("jitter buffer: playback starts once the target delay is buffered") {
  JitterBuffer jb(JitterConfig{.min_delay_frames = 3});
  CHECK(jb.stats().target_delay_frames == 3);
  put(jb, 0, 0);
  CHECK(jb.next(10).kind == PlayoutKind::Nothing);
  put(jb, 1, 20);
  CHECK(jb.next(30).kind == PlayoutKind::Nothing);
  put(jb, 2, 40);
  check_frame(jb.next(50), 0);
  put(jb, 3, 60);
  check_frame(jb.next(70), 1);
  check_frame(jb.next(90), 2);
}

TEST_CASE("jitter buffer: with the default target one frame is enough to start") {
  JitterBuffer jb;
  put(jb, 100, 0);
  check_frame(jb.next(8), 100);
  CHECK(jb.stats().buffered_frames == 0);
}

// --------------------------------------------------------- order and loss

TEST_CASE("jitter buffer: frames reordered within the buffer come out in order") {
  SUBCASE("before playback starts") {
    // Reordering is jitter too; the cap keeps this test about the order.
    JitterBuffer jb(JitterConfig{.min_delay_frames = 4, .max_delay_frames = 4});
    put(jb, 3, 0);
    put(jb, 1, 1);
    put(jb, 0, 2);
    put(jb, 2, 3);
    for (std::uint16_t s = 0; s < 4; ++s) check_frame(jb.next(10 + 20 * s), s);
  }
  SUBCASE("while playing") {
    JitterBuffer jb(JitterConfig{.min_delay_frames = 2});
    // Each pair arrives swapped: 1, 0, 3, 2, ...
    std::vector<Arrival> arrivals;
    for (int i = 0; i < 40; ++i) arrivals.push_back({20 * i, static_cast<std::uint16_t>(i ^ 1)});
    Player player(jb, arrivals);
    std::vector<std::uint16_t> played;
    for (int t = 10; t < 900 && played.size() < 40; t += 20) {
      const Playout p = player.tick(t);
      if (p.kind == PlayoutKind::Frame) played.push_back(p.seq);
    }
    REQUIRE(played.size() == 40);
    for (std::uint16_t s = 0; s < 40; ++s) CHECK(played[s] == s);
    CHECK(player.ok);
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().lost == 0);
  }
}

TEST_CASE("jitter buffer: duplicates are dropped and counted") {
  JitterBuffer jb(JitterConfig{.min_delay_frames = 2});
  CHECK(put(jb, 0, 0) == PutResult::Stored);
  CHECK(put(jb, 0, 1) == PutResult::Duplicate);
  CHECK(put(jb, 1, 20) == PutResult::Stored);
  CHECK(put(jb, 1, 21) == PutResult::Duplicate);
  check_frame(jb.next(30), 0);
  // A copy of a frame already played is a duplicate, not a late frame.
  CHECK(put(jb, 0, 35) == PutResult::Duplicate);
  check_frame(jb.next(50), 1);
  CHECK(jb.next(70).kind != PlayoutKind::Frame);
  CHECK(jb.stats().duplicates == 3);
  CHECK(jb.stats().late == 0);
  CHECK(jb.stats().played == 2);
}

TEST_CASE("jitter buffer: a frame arriving after its slot was played is dropped as late") {
  JitterBuffer jb;
  put(jb, 0, 0);
  check_frame(jb.next(10), 0);
  put(jb, 1, 20);
  check_frame(jb.next(30), 1);
  put(jb, 3, 40);  // 2 is missing, 3 is here: 2 is played from 3's FEC
  const Playout fec = jb.next(50);
  CHECK(fec.kind == PlayoutKind::Fec);
  CHECK(fec.seq == 2);
  CHECK(put(jb, 2, 55) == PutResult::Late);
  check_frame(jb.next(70), 3);
  CHECK(put(jb, 2, 75) == PutResult::Duplicate);
  CHECK(jb.next(90).kind != PlayoutKind::Frame);
  CHECK(jb.stats().late == 1);
  CHECK(jb.stats().played == 3);
}

TEST_CASE("jitter buffer: a lost frame whose successor is buffered is decoded from its FEC") {
  JitterBuffer jb(JitterConfig{.min_delay_frames = 2});
  std::vector<Arrival> arrivals;
  for (int i = 0; i < 30; ++i)
    if (i != 10) arrivals.push_back({20 * i, static_cast<std::uint16_t>(i)});
  Player player(jb, arrivals);
  bool saw_fec = false;
  for (int t = 10; t < 700 && player.frames < 29; t += 20) {
    const Playout p = player.tick(t);
    if (p.seq == 10 && p.kind != PlayoutKind::Nothing) {
      CHECK(p.kind == PlayoutKind::Fec);
      CHECK(seq_of(p.payload) == 11);
      saw_fec = true;
    }
  }
  CHECK(saw_fec);
  CHECK(player.ok);
  CHECK(player.frames == 29);
  CHECK(jb.stats().fec_recovered == 1);
  CHECK(jb.stats().lost == 0);
}

TEST_CASE("jitter buffer: a lost frame without its successor is concealed") {
  JitterBuffer jb;
  put(jb, 0, 0);
  put(jb, 3, 1);  // 1 and 2 lost
  check_frame(jb.next(10), 0);
  const Playout conceal = jb.next(30);
  CHECK(conceal.kind == PlayoutKind::Conceal);
  CHECK(conceal.seq == 1);
  CHECK(conceal.payload.empty());
  const Playout fec = jb.next(50);
  CHECK(fec.kind == PlayoutKind::Fec);
  CHECK(fec.seq == 2);
  CHECK(seq_of(fec.payload) == 3);
  check_frame(jb.next(70), 3);
  CHECK(jb.stats().lost == 1);
  CHECK(jb.stats().fec_recovered == 1);
}

TEST_CASE("jitter buffer: an underrun waits for the late frame instead of skipping it") {
  JitterBuffer jb;
  put(jb, 0, 0);
  check_frame(jb.next(10), 0);
  // 1 is late: nothing is buffered at its tick.
  const Playout wait = jb.next(30);
  CHECK(wait.kind == PlayoutKind::Conceal);
  CHECK(wait.seq == 1);
  put(jb, 1, 35);
  check_frame(jb.next(50), 1);
  CHECK(jb.stats().late == 0);
  CHECK(jb.stats().lost == 1);
}

TEST_CASE("jitter buffer: a frame it waited for is marked as having come late, and only that one") {
  JitterBuffer jb;
  put(jb, 0, 0);
  const Playout first = jb.next(10);
  check_frame(first, 0);
  CHECK_FALSE(first.came_late);
  CHECK(first.arrival_ms == 0);
  CHECK(jb.next(30).kind == PlayoutKind::Conceal);  // 1 is late
  put(jb, 1, 35);
  put(jb, 2, 45);
  const Playout waited = jb.next(50);
  check_frame(waited, 1);
  CHECK(waited.came_late);
  CHECK(waited.arrival_ms == 35);
  const Playout next = jb.next(70);
  check_frame(next, 2);
  CHECK_FALSE(next.came_late);
  // A frame concealed as lost (its successor was there) is not waited for.
  put(jb, 4, 80);
  CHECK(jb.next(90).kind == PlayoutKind::Fec);  // 3 from 4's FEC
  const Playout after_loss = jb.next(110);
  check_frame(after_loss, 4);
  CHECK_FALSE(after_loss.came_late);
}

TEST_CASE("jitter buffer: says when the frame due is missing with nothing behind it") {
  // That is when next() would conceal and wait, and a caller may wait in
  // smaller steps instead; with a later frame stored it is FEC's turn.
  JitterBuffer jb;
  CHECK_FALSE(jb.due_frame_missing());  // not started: nothing is due
  put(jb, 0, 0);
  CHECK_FALSE(jb.due_frame_missing());  // buffering
  check_frame(jb.next(10), 0);
  CHECK(jb.due_frame_missing());  // 1 is due and not here
  put(jb, 1, 32);
  CHECK_FALSE(jb.due_frame_missing());
  const Playout waited = jb.next(33);  // asked again when it came: no concealment in between
  check_frame(waited, 1);
  CHECK_FALSE(waited.came_late);
  CHECK(jb.stats().lost == 0);
  put(jb, 3, 70);  // 2 is lost, 3 is behind it
  CHECK_FALSE(jb.due_frame_missing());
  CHECK(jb.next(73).kind == PlayoutKind::Fec);
}

TEST_CASE("jitter buffer: sequence numbers wrap from 65535 to 0") {
  SUBCASE("reordering and FEC across the wrap") {
    JitterBuffer jb(JitterConfig{.min_delay_frames = 2});
    // 65535 and 0 arrive swapped and 1 is lost.
    const std::uint16_t order[] = {65530, 65531, 65532, 65533, 65534, 0, 65535, 2, 3, 4, 5};
    std::vector<Arrival> arrivals;
    for (int i = 0; i < 11; ++i) arrivals.push_back({20 * i, order[i]});
    Player player(jb, arrivals);
    std::vector<std::pair<PlayoutKind, std::uint16_t>> out;
    for (int t = 10; t < 300; t += 20) {
      const Playout p = player.tick(t);
      if (p.kind != PlayoutKind::Nothing) out.emplace_back(p.kind, p.seq);
    }
    const std::vector<std::pair<PlayoutKind, std::uint16_t>> expected = {
        {PlayoutKind::Frame, 65530}, {PlayoutKind::Frame, 65531}, {PlayoutKind::Frame, 65532},
        {PlayoutKind::Frame, 65533}, {PlayoutKind::Frame, 65534}, {PlayoutKind::Frame, 65535},
        {PlayoutKind::Frame, 0},     {PlayoutKind::Fec, 1},       {PlayoutKind::Frame, 2},
        {PlayoutKind::Frame, 3},     {PlayoutKind::Frame, 4},     {PlayoutKind::Frame, 5},
    };
    REQUIRE(out.size() >= expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK(out[i].first == expected[i].first);
      CHECK(out[i].second == expected[i].second);
    }
    CHECK(player.ok);
    CHECK(jb.stats().late == 0);
  }
  SUBCASE("a long stream across the wrap keeps its delay") {
    JitterBuffer jb;
    Player player(jb, sender(65000, 1500, 20.0, 0, [](int) { return 5; }));
    for (int t = 13; t < 1500 * 20; t += 20) player.tick(t);
    CHECK(player.ok);
    CHECK(player.frames >= 1495);
    CHECK(jb.stats().target_delay_frames == 1);
    CHECK(jb.stats().jitter_ms < 2.0);
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().lost <= 1);
  }
}

// ------------------------------------------------------------ adaptivity

TEST_CASE("jitter buffer: on a quiet LAN the delay settles at one frame") {
  for (int phase : kPhases) {
    CAPTURE(phase);
    JitterBuffer jb;
    Rng rng(42 + phase);
    Player player(jb, sender(0, 500, 20.0, 0, [&](int) { return 3 + rng.uniform(-1, 1); }));
    for (int t = phase; t < 500 * 20; t += 20) player.tick(t);
    CHECK(player.ok);
    CHECK(player.frames >= 495);
    CHECK(jb.stats().target_delay_frames <= 1);
    CHECK(jb.stats().buffered_frames <= 2);
    CHECK(player.latency_ms <= 2 * 20);
    // Even when ticks fall on arrivals, playout starts with enough margin
    // that a millisecond of jitter never runs the buffer dry.
    CHECK(jb.stats().lost == 0);
  }
}

TEST_CASE("jitter buffer: jitter grows the target and keeps concealment rare") {
  for (int phase : kPhases) {
    CAPTURE(phase);
    JitterBuffer jb;
    Rng rng(7 + phase);
    const int frames = 1500;  // 30 s
    Player player(jb, sender(0, frames, 20.0, 0, [&](int) { return 5 + rng.uniform(0, 60); }));
    int ticks = 0;
    for (int t = phase; t < frames * 20; t += 20) {
      if (t < 2000) player.reset_counts();  // after a 2 s warm-up
      if (t >= 2000) ++ticks;
      player.tick(t);
    }
    CHECK(player.ok);
    CHECK(jb.stats().target_delay_frames >= 3);
    CHECK(jb.stats().jitter_ms >= 40.0);
    const double concealed = static_cast<double>(player.conceal) / ticks;
    CHECK(concealed < 0.02);
    CHECK(player.nothing == 0);
    CHECK(player.max_latency_ms <= (jb.config().max_delay_frames + 1) * 20);
  }
}

TEST_CASE("jitter buffer: the delay shrinks back within seconds when the jitter stops") {
  for (int phase : kPhases) {
    CAPTURE(phase);
    JitterBuffer jb;
    Rng rng(99 + phase);
    const int jittery = 750;  // 15 s of 0-60 ms jitter, then 10 s of a quiet LAN
    Player player(jb, sender(0, 1250, 20.0, 0,
                             [&](int i) { return 5 + (i < jittery ? rng.uniform(0, 60) : rng.uniform(0, 1)); }));
    int grown_depth = 0;
    std::int64_t settled_at = -1;
    for (int t = phase; t < 1250 * 20; t += 20) {
      player.tick(t);
      if (t < jittery * 20) {
        grown_depth = std::max(grown_depth, jb.stats().buffered_frames);
        continue;
      }
      const bool settled = jb.stats().target_delay_frames <= 1 && jb.stats().buffered_frames <= 1;
      if (settled && settled_at < 0) settled_at = t - jittery * 20;
      if (!settled) settled_at = -1;
    }
    CHECK(player.ok);
    CHECK(grown_depth >= 3);
    REQUIRE(settled_at >= 0);
    CHECK(settled_at <= 5000);
    CHECK(jb.stats().shrink_drops >= 2);
    CHECK(player.latency_ms <= 2 * 20);
  }
}

TEST_CASE("jitter buffer: random loss on a quiet network is mostly recovered with FEC") {
  JitterBuffer jb;
  Rng loss(5);
  std::vector<Arrival> arrivals;
  for (int i = 0; i < 3000; ++i)
    if (loss.uniform(0, 99) >= 5) arrivals.push_back({20 * i + 4, static_cast<std::uint16_t>(i)});
  Player player(jb, arrivals);
  for (int t = 9; t < 3000 * 20; t += 20) player.tick(t);
  CHECK(player.ok);
  // The first loss costs a concealment and a frame of delay; from then on
  // the next frame is buffered in time to provide the FEC.
  CHECK(jb.stats().fec_recovered >= 120);
  CHECK(jb.stats().lost <= 15);
  CHECK(jb.stats().buffered_frames <= 2);
}

// ------------------------------------------------------------ clock drift

TEST_CASE("jitter buffer: a sender clock 1% fast does not grow the buffer") {
  for (int phase : kPhases) {
    CAPTURE(phase);
    JitterBuffer jb;
    Rng rng(3 + phase);
    const int frames = 3030;  // 60 s of playback at 19.8 ms per frame
    Player player(jb, sender(0, frames, 19.8, 0, [&](int) { return 3 + rng.uniform(-1, 1); }));
    bool bounded = true;
    for (int t = phase; t < 60000; t += 20) {
      player.tick(t);
      if (jb.stats().buffered_frames > jb.stats().target_delay_frames + 2) bounded = false;
      if (t < 1000) player.reset_counts();  // counts start after a 1 s warm-up
    }
    CHECK(player.ok);
    CHECK(bounded);
    CHECK(player.nothing == 0);
    CHECK(player.conceal <= 10);
    CHECK(jb.stats().shrink_drops >= 20);  // about one frame per 100
    CHECK(player.max_latency_ms <= 3 * 20);
  }
}

TEST_CASE("jitter buffer: a sender clock 1% slow conceals now and then but keeps playing") {
  for (int phase : kPhases) {
    CAPTURE(phase);
    JitterBuffer jb;
    Rng rng(11 + phase);
    const int frames = 2980;  // 60 s at 20.2 ms per frame
    Player player(jb, sender(0, frames, 20.2, 0, [&](int) { return 3 + rng.uniform(-1, 1); }));
    bool bounded = true;
    for (int t = phase; t < 60000; t += 20) {
      player.tick(t);
      if (jb.stats().buffered_frames > jb.stats().target_delay_frames + 2) bounded = false;
      if (t < 1000) player.reset_counts();  // counts start after a 1 s warm-up
    }
    CHECK(player.ok);
    CHECK(bounded);
    CHECK(player.nothing == 0);
    CHECK(player.frames >= 2850);
    CHECK(player.conceal <= 60);  // about one per 100 frames
    CHECK(player.max_latency_ms <= 3 * 20);
  }
}

// ------------------------------------------------------ pauses and restarts

TEST_CASE("jitter buffer: a speaker who stops gets Nothing after a few concealments") {
  JitterBuffer jb;
  Player player(jb, sender(500, 100, 20.0, 0, [](int) { return 4; }));
  int conceal_after_last_frame = 0;
  PlayoutKind last = PlayoutKind::Nothing;
  for (int t = 10; t < 100 * 20 + 3000; t += 20) {
    const Playout p = player.tick(t);
    if (p.kind == PlayoutKind::Frame) conceal_after_last_frame = 0;
    if (p.kind == PlayoutKind::Conceal) ++conceal_after_last_frame;
    last = p.kind;
  }
  CHECK(player.frames == 100);
  CHECK(conceal_after_last_frame <= 3);
  CHECK(last == PlayoutKind::Nothing);
  CHECK(jb.stats().lost <= 3);
}

TEST_CASE("jitter buffer: a speaker who starts again is played again without a flood of losses") {
  struct Case {
    const char* name;
    std::uint16_t second_first_seq;
    std::int64_t pause_ms;
  };
  // The first talk spurt is seqs 1000..1099.
  const Case cases[] = {
      {"seq continues after a pause", 1100, 2000},
      {"seq jumps ahead by the pause", 1200, 2000},
      {"seq jumps far ahead", 40000, 2000},
      {"short pause with a seq gap", 1110, 200},
      {"short pause without a seq gap", 1100, 200},
      {"sender restarts at 0", 0, 2000},
      {"sender restarts just below the old seqs", 1050, 2000},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    JitterBuffer jb;
    std::vector<Arrival> arrivals = sender(1000, 100, 20.0, 0, [](int) { return 4; });
    const std::int64_t resume = 100 * 20 + c.pause_ms;
    for (const Arrival& a : sender(c.second_first_seq, 100, 20.0, resume, [](int) { return 4; }))
      arrivals.push_back(a);
    Player player(jb, arrivals);
    for (int t = 10; t < resume + 100 * 20 + 1000; t += 20) player.tick(t);
    CHECK(player.ok);
    CHECK(player.frames >= 198);
    CHECK(jb.stats().lost <= 6);
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().target_delay_frames <= 2);
  }
}

TEST_CASE("jitter buffer: a sender that restarts while its old frames are still buffered is followed") {
  JitterBuffer jb(JitterConfig{.min_delay_frames = 5});
  std::vector<Arrival> arrivals = sender(100, 50, 20.0, 0, [](int) { return 4; });
  for (const Arrival& a : sender(30000, 100, 20.0, 50 * 20, [](int) { return 4; })) arrivals.push_back(a);
  Player player(jb, arrivals);
  int new_frames = 0;
  for (int t = 10; t < 150 * 20 + 500; t += 20) {
    const Playout p = player.tick(t);
    if (p.kind == PlayoutKind::Frame && p.seq >= 30000) ++new_frames;
  }
  CHECK(new_frames >= 95);
  CHECK(jb.stats().ignored <= 2);
}

TEST_CASE("jitter buffer: a hostile network never breaks the order or the bounds") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    CAPTURE(seed);
    JitterBuffer jb(JitterConfig{.max_packets = 32});
    Rng rng(seed);
    // 10% loss, 5% duplicated later, 0-200 ms jitter, a 1 s stall every
    // ~500 frames and a 3 s pause in the middle; seqs start near the wrap.
    std::vector<Arrival> arrivals;
    for (int i = 0; i < 4000; ++i) {
      if (rng.uniform(0, 99) < 10) continue;
      const auto seq = static_cast<std::uint16_t>(65000 + i);
      std::int64_t at = 20LL * i + rng.uniform(0, 200) + (i >= 2000 ? 3000 : 0);
      if (rng.uniform(0, 499) == 0) at += 1000;
      arrivals.push_back({at, seq});
      if (rng.uniform(0, 99) < 5) arrivals.push_back({at + rng.uniform(0, 300), seq});
    }
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
    Player player(jb, arrivals);
    bool bounded = true;
    for (int t = 7; t < 4000 * 20 + 5000; t += 20) {
      player.tick(t);
      if (jb.stats().buffered_frames > 32) bounded = false;
    }
    CHECK(player.ok);
    CHECK(bounded);
    CHECK(player.frames > 2500);
    CHECK(jb.stats().duplicates > 0);
  }
}

// ------------------------------------------------------------------ bounds

TEST_CASE("jitter buffer: payloads over 1500 bytes are refused") {
  JitterBuffer jb;
  std::vector<std::uint8_t> big(1501, 1);
  CHECK(jb.put(0, big, 0) == PutResult::Refused);
  CHECK(jb.stats().refused == 1);
  CHECK(jb.stats().received == 0);
  CHECK(jb.stats().buffered_frames == 0);
  std::vector<std::uint8_t> largest(1500, 2);
  CHECK(jb.put(0, largest, 0) == PutResult::Stored);
  const Playout p = jb.next(10);
  CHECK(p.kind == PlayoutKind::Frame);
  CHECK(p.payload.size() == 1500);
}

TEST_CASE("jitter buffer: no input stores more than max_packets") {
  SUBCASE("a flood of consecutive frames at once") {
    JitterBuffer jb(JitterConfig{.max_packets = 16});
    for (int i = 0; i < 1000; ++i) {
      put(jb, static_cast<std::uint16_t>(i), 0);
      REQUIRE(jb.stats().buffered_frames <= 16);
    }
    CHECK(jb.stats().dropped_overflow >= 984);
    const Playout p = jb.next(10);
    CHECK(p.kind == PlayoutKind::Frame);
    // The newest audio is kept and the depth is cut to the delay cap.
    CHECK(p.seq == 1000 - (jb.config().max_delay_frames + 1));
    CHECK(jb.stats().buffered_frames <= jb.config().max_delay_frames + 1);
  }
  SUBCASE("random garbage") {
    for (int max_packets : {4, 16, 64, 100}) {
      CAPTURE(max_packets);
      JitterBuffer jb(JitterConfig{.max_packets = max_packets});
      Rng rng(static_cast<std::uint64_t>(max_packets));
      std::vector<std::uint8_t> payload(2000, 7);
      std::int64_t now = 0;
      std::uint64_t refused = 0;
      bool bounded = true;
      for (int i = 0; i < 50000; ++i) {
        const auto size = static_cast<std::size_t>(rng.uniform(0, 2000));
        const auto seq = static_cast<std::uint16_t>(rng.next());
        if (size > 1500) ++refused;
        jb.put(seq, std::span<const std::uint8_t>(payload.data(), size), now);
        if (jb.stats().buffered_frames > max_packets) bounded = false;
        if (i % 3 == 0) {
          now += rng.uniform(0, 40);
          const Playout p = jb.next(now);
          if (p.payload.size() > 1500) bounded = false;
        }
      }
      CHECK(bounded);
      CHECK(jb.stats().refused == refused);
    }
  }
  SUBCASE("a flood of near-consecutive seqs mixed with garbage while playing") {
    JitterBuffer jb(JitterConfig{.max_packets = 32});
    Rng rng(1234);
    bool bounded = true;
    for (int i = 0; i < 20000; ++i) {
      const auto seq = static_cast<std::uint16_t>(i % 7 == 0 ? rng.next() : i / 2 + rng.uniform(0, 40));
      put(jb, seq, i);
      if (jb.stats().buffered_frames > 32) bounded = false;
      if (i % 5 == 0) jb.next(i);
    }
    CHECK(bounded);
  }
}

TEST_CASE("jitter buffer: put and next never allocate") {
  JitterBuffer jb;
  Rng rng(77);
  Player player(jb, sender(65400, 2000, 20.0, 0, [&](int i) {
                  // Jitter, duplicates of nothing, a pause: every path of next().
                  return (i > 1000 && i < 1100) ? 3000 : 5 + rng.uniform(0, 60);
                }));
  const long before = g_allocations;
  for (int t = 0; t < 2000 * 20 + 3000; t += 20) player.tick(t);
  CHECK(g_allocations == before);
  CHECK(player.frames > 1800);
}

TEST_CASE("jitter buffer: reset forgets the stream and the stats") {
  JitterBuffer jb;
  Player player(jb, sender(10, 50, 20.0, 0, [](int) { return 4; }));
  for (int t = 10; t < 1000; t += 20) player.tick(t);
  REQUIRE(jb.stats().played > 0);
  jb.reset();
  CHECK(jb.stats().played == 0);
  CHECK(jb.stats().received == 0);
  CHECK(jb.stats().buffered_frames == 0);
  CHECK(jb.next(2000).kind == PlayoutKind::Nothing);
  // A seq before the old stream's position plays: nothing of it is remembered.
  put(jb, 5, 2000);
  check_frame(jb.next(2010), 5);
}

TEST_CASE("jitter buffer: 10 ms frames adapt in frames of 10 ms") {
  SUBCASE("quiet LAN") {
    JitterBuffer jb(JitterConfig{.frame_ms = 10});
    Rng rng(8);
    Player player(jb, sender(0, 1000, 10.0, 0, [&](int) { return 3 + rng.uniform(-1, 1); }));
    for (int t = 6; t < 1000 * 10; t += 10) player.tick(t);
    CHECK(player.ok);
    CHECK(jb.stats().target_delay_frames <= 2);
    CHECK(jb.stats().buffered_frames <= 2);
  }
  SUBCASE("0-60 ms jitter") {
    JitterBuffer jb(JitterConfig{.frame_ms = 10, .max_delay_frames = 30});
    Rng rng(9);
    Player player(jb, sender(0, 3000, 10.0, 0, [&](int) { return 5 + rng.uniform(0, 60); }));
    int ticks = 0;
    for (int t = 6; t < 3000 * 10; t += 10) {
      if (t < 2000) player.reset_counts();  // after a 2 s warm-up
      if (t >= 2000) ++ticks;
      player.tick(t);
    }
    CHECK(player.ok);
    CHECK(jb.stats().target_delay_frames >= 6);
    CHECK(static_cast<double>(player.conceal) / ticks < 0.02);
  }
}

TEST_CASE("jitter buffer: out-of-range settings are clamped") {
  JitterBuffer jb(JitterConfig{.frame_ms = 0, .min_delay_frames = 50, .max_delay_frames = 500, .max_packets = 0});
  CHECK(jb.config().frame_ms >= 1);
  CHECK(jb.config().max_packets >= 4);
  CHECK(jb.config().max_delay_frames <= jb.config().max_packets - 2);
  CHECK(jb.config().min_delay_frames <= jb.config().max_delay_frames);
  put(jb, 1, 0);
  CHECK(jb.stats().buffered_frames == 1);
}
