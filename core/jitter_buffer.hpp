// Adaptive jitter buffer for one remote speaker's voice stream. Opus frames
// arrive over UDP with a 16-bit wrapping sequence number, out of order, late,
// duplicated or not at all; the playback side asks once per frame period what
// to decode next. The buffer puts frames back in order, answers with a frame,
// with FEC taken from the following frame, with concealment or with silence,
// and sizes its delay from the jitter it measures on the arrivals.
//
// Pure logic: time comes in as milliseconds and nothing here reads a clock.
// All storage is allocated by the constructor, so put() and next() never
// allocate and can run on the audio thread. Not thread-safe: one thread owns
// an instance (or the caller serialises put() and next()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace voixer::core {

// Larger payloads are refused; Opus itself never exceeds 1275 bytes.
inline constexpr std::size_t kMaxJitterPayloadBytes = 1500;

// Out-of-range values are clamped by the constructor (see config()):
// frame_ms 1..120, max_packets 4..1024, max_delay_frames 1..max_packets-2,
// min_delay_frames 1..max_delay_frames.
struct JitterConfig {
  int frame_ms = 20;            // audio per frame and per next() call
  int min_delay_frames = 1;     // floor of the adaptive target
  int max_delay_frames = 15;    // cap on the adaptive target and on the buffered depth
  int max_packets = 64;         // packets stored at most; bounds memory (1.5 KB each)
};

enum class PlayoutKind {
  Nothing,  // not started, or the speaker stopped: play silence, do not conceal
  Frame,    // decode payload normally
  Fec,      // frame seq was lost: decode payload (frame seq+1) with decode_fec=1
  Conceal,  // frame seq is missing: run the decoder's PLC (decode with no data)
};

struct Playout {
  PlayoutKind kind = PlayoutKind::Nothing;
  // Frame: frame seq. Fec: frame seq+1, which stays buffered and is played
  // normally on the next call. Empty for Nothing and Conceal.
  std::span<const std::uint8_t> payload;
  // The frame this call produces audio for. For Nothing, the next expected seq.
  std::uint16_t seq = 0;
  // Frame: when its packet arrived (put()'s arrival_ms), so the caller can
  // tell how long it waited.
  std::int64_t arrival_ms = 0;
  // Frame: it came after its turn; the buffer concealed in its place and
  // waited for it, so everything from here plays a frame later.
  bool came_late = false;
};

struct JitterStats {
  int target_delay_frames = 1;    // adaptive target from the jitter estimate
  int buffered_frames = 0;        // packets stored right now
  std::uint64_t received = 0;     // put() calls with an acceptable payload size
  std::uint64_t played = 0;       // Frame results
  std::uint64_t lost = 0;         // Conceal results
  std::uint64_t fec_recovered = 0;  // Fec results
  std::uint64_t late = 0;         // arrived after their slot was played or skipped; dropped
  std::uint64_t duplicates = 0;   // same seq already buffered or recently received; dropped
  std::uint64_t dropped_overflow = 0;  // dropped because max_packets were stored
  std::uint64_t shrink_drops = 0;      // buffered frames skipped to bring the delay down
  std::uint64_t refused = 0;      // payload over kMaxJitterPayloadBytes
  std::uint64_t ignored = 0;      // seq far outside the stream (garbage, or an unconfirmed restart)
  double jitter_ms = 0.0;         // ~95th percentile of arrival delay over the fastest recent arrival
};

// What put() did with a packet; the stats count the same outcomes.
enum class PutResult { Stored, Duplicate, Late, Overflow, Refused, Ignored };

class JitterBuffer {
 public:
  // Allocates all storage for the (clamped) configuration.
  explicit JitterBuffer(JitterConfig config = {});

  // A frame arrived at arrival_ms (monotonic milliseconds, any origin, the
  // same clock as next()'s now_ms). The payload is copied.
  PutResult put(std::uint16_t seq, std::span<const std::uint8_t> payload, std::int64_t arrival_ms);

  // Called once per frame period by playback at now_ms; says what to decode
  // for the next frame_ms of audio. The returned payload stays valid until
  // the next call to put(), next() or reset().
  Playout next(std::int64_t now_ms);

  const JitterStats& stats() const { return m_stats; }

  // Playing, and nothing is stored: next() would conceal the frame that is
  // due and wait for it, which stretches the delay by a whole frame. A
  // caller that can wait in smaller steps (a shorter piece of concealment,
  // then asking again) checks this first.
  bool due_frame_missing() const { return m_state == State::Playing && m_stored == 0; }

  // The configuration in effect, after clamping.
  const JitterConfig& config() const { return m_config; }

  // Forgets the stream and zeroes the stats, as if just constructed; keeps
  // the storage.
  void reset();

 private:
  // Arrival-delay statistics: transit_i = arrival_i - seq_i * frame_ms; the
  // spread of a packet is its transit above the smallest transit seen among
  // the recent packets of the same epoch; the jitter is a high percentile of
  // the spreads of the last ~2 s of packets. An epoch is a stretch of arrivals
  // with a common time base; a restart or a long pause begins a new one.
  class Estimator {
   public:
    Estimator(int frame_ms, int window_packets, std::int64_t break_ms);
    void add(std::uint16_t seq, std::int64_t arrival_ms);
    // The time base may have jumped: forget the baseline but keep the
    // spreads, which still describe the network.
    void new_epoch();
    void clear();
    double jitter_ms() const { return m_jitter_ms; }

   private:
    struct Sample {
      std::int64_t transit = 0;
      std::int64_t spread = 0;
      std::uint32_t epoch = 0;
    };
    int m_frame_ms;
    std::int64_t m_break_ms;  // spread beyond this is a shift of the time base, not jitter
    std::vector<Sample> m_samples;     // ring of the last window_packets samples
    std::vector<std::int64_t> m_scratch;  // for the percentile, so add() never allocates
    std::size_t m_head = 0;
    std::size_t m_count = 0;
    std::uint32_t m_epoch = 0;
    bool m_have_seq = false;
    std::uint16_t m_last_seq = 0;
    std::int64_t m_last_ext = 0;  // unwrapped seq of the newest packet
    double m_jitter_ms = 0.0;
  };

  struct Slot {
    std::int64_t arrival_ms = 0;
    std::uint16_t seq = 0;
    std::uint16_t size = 0;
    std::uint16_t pool = 0;  // index of the payload buffer
    bool used = false;
  };

  enum class State { Idle, Buffering, Playing };

  Slot& slot(std::uint16_t seq) { return m_slots[seq & m_mask]; }
  bool is_stored(std::uint16_t seq) const;
  std::span<const std::uint8_t> payload_of(std::uint16_t seq) const;
  bool seen(std::uint16_t seq) const;
  void mark_seen(std::uint16_t seq);
  PutResult store(std::uint16_t seq, std::span<const std::uint8_t> payload, std::int64_t arrival_ms);
  PutResult old_packet(std::uint16_t seq, std::int64_t arrival_ms);
  PutResult foreign_packet(std::uint16_t seq, std::span<const std::uint8_t> payload,
                           std::int64_t arrival_ms);
  void restart(std::uint16_t seq, std::int64_t arrival_ms);
  bool can_move_anchor_back(std::uint16_t seq) const;
  bool lowest_stored(std::uint16_t& seq) const;
  void drop(std::uint16_t seq);
  bool ready_to_start(std::int64_t now_ms) const;
  void keep_depth();
  Playout play_one();
  void update_target();
  void sync_stats();

  JitterConfig m_config;
  std::size_t m_capacity = 0;  // slots: a power of two, twice max_packets or more
  std::uint16_t m_mask = 0;
  int m_phase_margin_ms = 0;
  int m_shrink_window_ticks = 0;
  std::int64_t m_stale_ms = 0;

  std::vector<Slot> m_slots;             // indexed by seq & m_mask
  std::vector<std::uint8_t> m_payloads;  // max_packets buffers of kMaxJitterPayloadBytes
  std::vector<std::uint16_t> m_free;     // stack of unused payload buffers
  std::vector<std::uint32_t> m_seen;     // recently received seqs, seq | kSeenValid
  int m_stored = 0;                      // == max_packets - m_free.size() in use

  State m_state = State::Idle;
  bool m_has_position = false;  // m_next_seq means something
  std::uint16_t m_next_seq = 0;  // Playing: the frame the next tick is for; Buffering: the first to play
  bool m_has_floor = false;      // Buffering after a pause: frames before m_floor were already passed
  std::uint16_t m_floor = 0;
  std::int64_t m_anchor_arrival_ms = 0;  // when buffering began
  bool m_has_last_stored = false;
  std::int64_t m_last_stored_ms = 0;
  int m_conceal_run = 0;  // consecutive Conceal results
  bool m_waiting = false;  // the last Conceal kept m_next_seq: waiting for that frame
  int m_level_min = 0;    // lowest depth seen in the current shrink window
  int m_level_ticks = 0;
  bool m_has_foreign = false;
  std::uint16_t m_foreign_seq = 0;
  int m_foreign_run = 0;

  Estimator m_estimator;
  JitterStats m_stats;
};

}  // namespace voixer::core
