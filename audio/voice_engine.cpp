#include "audio/voice_engine.hpp"

#include <chrono>
#include <cmath>
#include <climits>
#include <cstring>

#include <SDL.h>

#include "audio/late_frame_concealment.hpp"
#include "audio/loop_delay.hpp"
#include "audio/mic_filter.hpp"
#include "audio/mixer.hpp"
#include "audio/opus_codec.hpp"
#include "core/jitter_buffer.hpp"
#include "core/mix_cut.hpp"
#include "core/period_cut.hpp"
#include "core/playback_lag.hpp"
#include "core/playout_cushion.hpp"
#include "core/playout_slack.hpp"
#include "core/voice_frame.hpp"

namespace voixer::audio {

namespace {

constexpr int kMaxFrame = kMaxFrameSamples;
constexpr std::size_t kInboundSlots = 512;
constexpr std::int64_t kForgetSpeakerMs = 10'000;  // silent this long: dropped
// The voice thread is woken by the devices every period, and at the latest after this.
constexpr std::int64_t kLongestWaitMs = 10;
// Delay given back after a playback gap or found in excess is cut from the
// quietest moments: a frame is cut into only below this level (-40 dBFS,
// between words), unless the excess has waited this long for a pause.
constexpr float kTrimQuietLevel = 0.01f;
constexpr std::int64_t kTrimPatienceMs = 2000;
// Meanwhile, in a voice, a pitch period at a time (core/period_cut.hpp):
// voices from 80 to 400 Hz.
constexpr core::PeriodCutLimits kPeriodCut{.min_lag = 120, .max_lag = 600, .min_likeness = 0.9f};
// The jitter buffer's depth is watched over this window: if a frame more
// than its target was always waiting, that frame is delay nobody needs.
constexpr std::int64_t kExcessWindowMs = 1000;
// The most the playout cushion grows to after the speakers ran dry (20 ms).
constexpr int kMaxCushionSamples = 960;
// Voice that waited for its turn longer than it had to (core/playout_slack.hpp):
// judged over 2 s (0.5 s after a late frame or a cut) and at least 25 frames, always
// leaving 1 ms for a frame that comes a little later than the others did. The
// least slack of 2 s of frames already holds the arrivals' jitter; a margin
// of 3 ms kept calls through a sound server up to a device period (5 ms)
// later than they had to be for tens of seconds, since a period is cut only
// where the margin is left after it, and it cost no fewer waits for late
// frames (docs/performance.md, "A margin of 1 ms").
constexpr std::int64_t kSlackWindowMs = 2000;
constexpr std::int64_t kSlackShortMs = 500;
constexpr int kSlackMinFrames = 25;
constexpr int kSlackMarginMs = 1;

struct InboundSlot {
  std::uint16_t size;
  std::uint8_t bytes[core::kMaxServerVoiceFrame];
};

// One remote speaker: jitter buffer, decoder, and decoded samples waiting
// to be mixed (a sender's frame size may differ from ours).
struct Speaker {
  explicit Speaker(int frame_ms)
      : jitter(make_config(frame_ms)), frame_samples(frame_ms * kSampleRate / 1000) {}
  static core::JitterConfig make_config(int frame_ms) {
    core::JitterConfig c;
    c.frame_ms = frame_ms;
    return c;
  }
  core::JitterBuffer jitter;
  int frame_samples;
  Decoder decoder;
  std::int16_t pending[kMaxFrame * 2] = {};
  int pending_count = 0;
  LateFrameConcealment late;  // of the due frame, while waiting for it
  std::uint64_t waited_for = 0, waited_samples = 0;  // for /stats
  float gain = 1;
  float level = 0;
  bool talking = false;
  std::int64_t last_heard = 0;
  // Playout delay control: samples to cut (owed), since when, and the
  // lowest jitter-buffer depth seen when a frame was due in this window.
  int owed = 0;
  std::int64_t owed_since = 0;
  int depth_min = INT_MAX;
  std::int64_t window_start = 0;
};

}  // namespace

struct VoiceEngine::Impl {
  VoiceEngine& owner;
  AudioDevice& device;
  VoiceSettings settings;
  SendFrame send;
  int frame = 0;  // samples per frame, ours
  SpscRing<std::int16_t> capture{kSampleRate};   // 1 s of room
  SpscRing<std::int16_t> playback{kSampleRate};
  SpscRing<std::int16_t> played{kSampleRate};
  SpscRing<InboundSlot> inbound{kInboundSlots};
  Waker waker;
  std::atomic<std::uint64_t> starved{0};  // counted by the playback device
  std::atomic<std::uint64_t> consumed{0};  // likewise
  std::thread thread;
  std::atomic<bool> priority_raised{false};
  std::atomic<bool> running{false};
  std::chrono::steady_clock::time_point start_time = std::chrono::steady_clock::now();

  // Voice thread only.
  Encoder encoder;
  Mixer mixer;
  MicFilter mic_filter;
  LoopDelayMeter loop_delay;  // the mic test's readout
  std::int64_t loop_delay_at = 0;
  double loop_delay_ms = -1;
  std::int16_t played_chunk[480];
  std::map<std::string, std::unique_ptr<Speaker>, std::less<>> speakers;
  core::NetSim sim;
  std::vector<std::int16_t> frame_in, frame_out, decoded;
  std::vector<std::uint8_t> packet, wire;
  std::uint16_t seq = 0;
  std::int64_t gate_open_until = 0;
  bool playing = false;
  core::PlayoutCushion cushion{device.period_samples(), kMaxCushionSamples};
  core::PlaybackLag playback_lag{kSampleRate};
  core::PlayoutSlack slack{kSlackWindowMs, kSlackShortMs, kSlackMinFrames, kSlackMarginMs};
  int advance_owed = 0;  // samples of slack to cut from every voice at once
  int advance_spare = 0;  // samples the frames had to spare when it was owed
  std::int64_t advance_since = 0;
  std::int64_t slack_least_ms = -1;  // of the last complete window, for /stats
  std::uint64_t starved_seen = 0;
  std::uint64_t frames_sent = 0, frames_captured = 0;
  std::uint64_t gap_samples = 0, trimmed_samples = 0, unseen_gap_samples = 0,
                stalled_gap_samples = 0;
  std::uint64_t period_cut_samples = 0;  // of trimmed_samples, cut in a voice
  bool transmitting = false;

  // Shared with other threads, under the mutex.
  mutable std::mutex mutex;
  EngineStats published;
  std::map<std::string, float> volumes;
  bool volumes_changed = false;

  Impl(VoiceEngine& o, AudioDevice& d, VoiceSettings s, SendFrame f)
      : owner(o),
        device(d),
        settings(s),
        send(std::move(f)),
        encoder(make_encoder_settings(s)),
        mic_filter(s.noise_suppression ? NoiseSuppression::On : NoiseSuppression::Off,
                   s.echo_cancellation ? EchoCancellation::On : EchoCancellation::Off),
        sim(s.receive_sim) {
    frame = encoder.frame_samples();
    frame_in.resize(frame);
    frame_out.resize(frame);
    decoded.resize(kMaxFrame);
    packet.resize(core::kMaxOpusPacket);
    wire.reserve(3 + core::kMaxOpusPacket);
  }

  static EncoderSettings make_encoder_settings(const VoiceSettings& s) {
    EncoderSettings e;
    e.frame_ms = s.frame_ms;
    e.bitrate = s.bitrate;
    e.expected_loss_percent = s.expected_loss_percent;
    e.fec = true;
    e.low_delay = s.low_delay;
    return e;
  }

  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now() - start_time)
        .count();
  }

  void run() {
    // The voice thread is woken by the devices every period and must mix
    // before the speakers run dry: it asks for the priority SDL gives its
    // own audio threads (a lower nice value, through RealtimeKit for a
    // user). When that is refused it runs as before.
    priority_raised.store(SDL_SetThreadPriority(SDL_THREAD_PRIORITY_TIME_CRITICAL) == 0);
    std::int64_t last_publish = 0;
    std::int64_t last_wake_us = now_us();
    while (running.load(std::memory_order_acquire)) {
      waker.wait(std::chrono::milliseconds(kLongestWaitMs));
      const std::int64_t wake_us = now_us();
      const std::int64_t now = wake_us / 1000;
      // Held up beyond the longest wait: the machine or the process stalled.
      if (std::int64_t late_us = wake_us - last_wake_us - kLongestWaitMs * 1000; late_us > 0)
        cushion.held_up(
            static_cast<int>(std::min<std::int64_t>(late_us, 1'000'000) * kSampleRate / 1'000'000),
            now);
      last_wake_us = wake_us;
      if (owner.m_reset_speakers.exchange(false)) speakers.clear();
      apply_volumes();
      take_inbound(now);
      process_capture(now);
      process_playback(now);
      if (now - last_publish >= 50) {
        publish();
        last_publish = now;
      }
    }
  }

  // ---- receive -------------------------------------------------------------

  void take_inbound(std::int64_t now) {
    InboundSlot slot;
    while (inbound.pop(&slot, 1) == 1) {
      std::span<const std::uint8_t> bytes(slot.bytes, slot.size);
      if (settings.receive_sim.active()) {
        sim.put(bytes, now);
      } else {
        receive(bytes, now);
      }
    }
    if (settings.receive_sim.active()) sim.release(now, [&](std::span<const std::uint8_t> b) { receive(b, now); });
  }

  void receive(std::span<const std::uint8_t> bytes, std::int64_t now) {
    auto f = core::parse_server_voice(bytes);
    if (!f) return;
    auto it = speakers.find(f->speaker);
    if (it == speakers.end()) {
      if (speakers.size() >= 64) return;  // a call is not that big
      int samples = Decoder::packet_samples(f->opus.data(), f->opus.size());
      int frame_ms = samples > 0 ? samples * 1000 / kSampleRate : settings.frame_ms;
      auto speaker = std::make_unique<Speaker>(frame_ms);
      {
        std::lock_guard lock(mutex);  // volumes are set from the UI thread
        if (auto v = volumes.find(std::string(f->speaker)); v != volumes.end())
          speaker->gain = v->second;
      }
      it = speakers.emplace(std::string(f->speaker), std::move(speaker)).first;
    }
    if (it->second->jitter.put(f->seq, f->opus, now) == core::PutResult::Late) slack.late(now);
    it->second->last_heard = now;
  }

  // ---- send ----------------------------------------------------------------

  // The echo canceller's reference: taken before every frame, so a frame
  // that waited long (the voice thread was late) finds its reference, which
  // the device pushed just after it; and while the microphone stalls too
  // (only the newest is kept then).
  void take_played() {
    for (std::size_t n; (n = played.pop(played_chunk, std::size(played_chunk))) > 0;) {
      mic_filter.add_played(played_chunk, n);
      loop_delay.add_played(played_chunk, n);
    }
    mic_filter.bound_lead(capture.size());
  }

  void process_capture(std::int64_t now) {
    if (now - loop_delay_at >= 500) {  // twice a second is plenty for a readout
      loop_delay_at = now;
      if (auto d = loop_delay.estimate()) loop_delay_ms = *d;
    }
    for (;;) {
      take_played();
      if (capture.size() < static_cast<std::size_t>(frame)) break;
      capture.pop(frame_in.data(), frame);
      ++frames_captured;
      loop_delay.add_captured(frame_in.data(), frame);  // as the mouth said it, echo and all
      mic_filter.process(frame_in.data(), frame);
      float level = rms_level(frame_in.data(), frame);
      owner.m_input_level.store(level, std::memory_order_relaxed);
      bool open = false;
      switch (owner.m_mode.load()) {
        case InputMode::AlwaysOn: open = true; break;
        case InputMode::PushToTalk: open = owner.m_ptt.load(); break;
        case InputMode::VoiceActivation:
          if (level >= owner.m_activation.load()) gate_open_until = now + settings.activation_hold_ms;
          open = now < gate_open_until;
          break;
      }
      // The sequence number counts frame periods, sent or not, so the
      // receiver sees a pause as a pause and not as late packets.
      std::uint16_t this_seq = seq++;
      transmitting = open && owner.m_sending.load() && !owner.m_muted.load();
      if (!transmitting) continue;
      std::size_t n = encoder.encode(frame_in.data(), packet.data(), packet.size());
      core::write_client_voice(wire, this_seq, std::span(packet.data(), n));
      send(wire);
      ++frames_sent;
    }
  }

  // ---- play ----------------------------------------------------------------

  enum class Step { Nothing, Audio, Waiting };

  // The frame due from `s` has not come yet: instead of concealing all of
  // it (a frame more delay for everyone heard, if it is merely late), wait
  // a piece at a time, a device period of concealment when nothing else is
  // left to play, and ask again on the next round. After a frame's worth
  // the jitter buffer is asked and decides (concealment, or FEC when the
  // frame after it came); what was already concealed counts towards it.
  bool wait_for_due_frame(Speaker& s) {
    if (!s.jitter.due_frame_missing()) return false;
    const int piece = std::clamp(device.period_samples() / 120 * 120, 120, s.frame_samples);
    if (s.late.handed_out() + piece >= s.frame_samples) return false;
    if (s.pending_count > 0) return true;  // play what there is first
    int n = s.late.next_piece(s.decoder, s.frame_samples, decoded.data(), piece);
    if (n <= 0) return false;
    append(s, n);
    return true;
  }

  // Decodes one jitter-buffer step for `s`.
  Step decode_step(Speaker& s, std::int64_t now) {
    if (wait_for_due_frame(s)) return Step::Waiting;
    core::Playout p = s.jitter.next(now);
    const int waited = s.late.handed_out();  // of the frame this step is for
    const int missing = s.frame_samples - waited;
    int n = 0;
    switch (p.kind) {
      case core::PlayoutKind::Nothing:
        s.late.reset();
        return Step::Nothing;
      case core::PlayoutKind::Frame:
        // A frame that came late set the playout's new timing: its own
        // wait (less than a period) says nothing of how much sooner the
        // frames after it could play, and counted, it kept the late
        // frame's short window from owing the wait back.
        if (p.came_late || waited > 0)
          slack.late(now);
        else
          slack.played(now - p.arrival_ms);
        if (waited > 0) {
          ++s.waited_for;
          s.waited_samples += static_cast<std::uint64_t>(waited);
        }
        n = s.decoder.decode(p.payload.data(), p.payload.size(), decoded.data(),
                             s.frame_samples);
        if (n > 0 && waited > 0) s.late.fade_into(decoded.data(), n);
        break;
      case core::PlayoutKind::Fec:
        // After a wait the decoder has concealed this frame already; what
        // FEC could give for the rest of it is concealment too.
        n = waited > 0 ? s.late.rest(decoded.data())
                       : s.decoder.decode_fec(p.payload.data(), p.payload.size(),
                                              decoded.data(), missing);
        break;
      case core::PlayoutKind::Conceal:
        n = waited > 0 ? s.late.rest(decoded.data()) : -1;
        break;
    }
    s.late.reset();
    if (n <= 0) n = s.decoder.conceal(decoded.data(), missing);
    if (n <= 0) return Step::Nothing;
    append(s, n);
    return Step::Audio;
  }

  void append(Speaker& s, int n) {
    n = std::min(n, kMaxFrame * 2 - s.pending_count);
    std::memcpy(s.pending + s.pending_count, decoded.data(), n * sizeof(std::int16_t));
    s.pending_count += n;
  }

  // Decodes until `s` has a frame of ours pending, has nothing more, or
  // waits for a frame that is late. Notes how deep its jitter buffer was
  // whenever a frame fell due.
  void fill(Speaker& s, std::int64_t now) {
    while (s.pending_count < frame) {
      int depth = s.jitter.stats().buffered_frames;
      if (depth > 0) s.depth_min = std::min(s.depth_min, depth);
      if (decode_step(s, now) != Step::Audio) break;
    }
  }

  void owe(Speaker& s, std::int64_t samples, std::int64_t now) {
    if (s.owed == 0) s.owed_since = now;
    s.owed = static_cast<int>(std::min<std::int64_t>(s.owed + samples, kMaxFrame));
  }

  // Samples the device played as silence while we were playing: everyone
  // heard is now that much later. The cushion keeps what it can of it
  // (core/playout_cushion.hpp); the rest is cut back out, and so is what
  // the cushion gives back after a calm stretch.
  void note_gaps(std::int64_t now) {
    cushion.set_period(device.period_samples());
    std::uint64_t total = starved.load(std::memory_order_relaxed);
    std::uint64_t fresh = total - starved_seen;
    starved_seen = total;
    int extra = 0;
    if (playing && fresh > 0) {
      gap_samples += fresh;
      if (cushion.in_stall(now)) stalled_gap_samples += fresh;
      extra = cushion.ran_dry(static_cast<int>(std::min<std::uint64_t>(fresh, kSampleRate)), now);
    }
    extra += cushion.tick(now);
    // Silence played after our ring: a larger cushion in the ring would not
    // have helped, so it is all cut back out.
    if (int unseen = playback_lag.observe(now_us(), consumed.load(std::memory_order_relaxed))) {
      unseen_gap_samples += static_cast<std::uint64_t>(unseen);
      if (playing) extra += unseen;
    }
    if (!playing || extra == 0) return;
    slack.cut(now);  // the playout moved: measure it afresh, soon
    for (auto& [name, s] : speakers) owe(*s, extra, now);
  }

  // Once per window: a speaker whose jitter buffer always held more than
  // its target when a frame fell due (a late frame it waited for, a sender
  // whose clock runs fast) owes the excess.
  void check_excess(Speaker& s, std::int64_t now) {
    if (now - s.window_start < kExcessWindowMs) return;
    int target = s.jitter.stats().target_delay_frames;
    if (s.depth_min != INT_MAX && s.depth_min > target && s.owed == 0)
      owe(s, static_cast<std::int64_t>(s.depth_min - target) * s.frame_samples, now);
    s.depth_min = INT_MAX;
    s.window_start = now;
  }

  // Cuts owed delay from the start of what `s` is about to play: in a
  // pause, or anywhere once it has waited too long for one.
  void trim(Speaker& s, std::int64_t now) {
    if (s.owed <= 0 || s.pending_count < frame) return;
    int n = std::min(s.owed, frame);
    bool quiet = rms_level(s.pending, n) < kTrimQuietLevel;
    if (!quiet && now - s.owed_since < kTrimPatienceMs) {
      cut_period(s, now);
      return;
    }
    // Only what can be replaced at once: asking the jitter buffer for a
    // frame it does not hold yet would make it wait, adding delay again.
    if (s.pending_count - n < frame && s.jitter.stats().buffered_frames == 0) return;
    cut_start(s, n);
    s.owed -= n;
    trimmed_samples += static_cast<std::uint64_t>(n);
    slack.cut(now);
    fill(s, now);
    if (!quiet) fade_in(s);
  }

  // Owed delay in the middle of a voice: a pitch period of it, if the
  // voice has one. Only from what is at hand: the next frame is decoded
  // early when it is already here (two of the longest periods to compare),
  // never waited for. A cut that leaves a whole frame in hand costs the
  // frames nothing. A longer one means the next frame is wanted that much
  // sooner: only as much as the frames since the playout last moved had
  // to spare beyond the margin (an estimate of the sound server's silence
  // can be more than the voice has to spare when the microphone was held
  // up too), weighed at the device's periods (cut_at_mix), and only while
  // what is left still fills the ring to the cushion. The cut may take
  // whichever of the two is more. Taking only the first whenever it held
  // the shortest period kept a voice at 100 Hz (480 samples a period)
  // uncut for most of a second after the sound server's silence, with 400
  // samples in hand beyond the frame and 13 ms to spare.
  void cut_period(Speaker& s, std::int64_t now) {
    if (s.owed < kPeriodCut.min_lag) return;
    const int want = frame + 2 * kPeriodCut.max_lag;
    while (s.pending_count < want && s.jitter.stats().buffered_frames > 0)
      if (decode_step(s, now) != Step::Audio) break;
    const int spare = static_cast<int>(slack.least() - kSlackMarginMs) * (kSampleRate / 1000);
    const int ring_short = cushion.target() - static_cast<int>(playback.size());
    const int half = s.pending_count / 2;
    const int room = std::max(s.pending_count - frame,
                              std::min({half, s.pending_count - ring_short, cut_at_mix(half, spare).samples}));
    core::PeriodCutLimits limits = kPeriodCut;
    limits.max_lag = std::min({limits.max_lag, s.owed, room});
    if (limits.max_lag < limits.min_lag) return;
    const int cut = core::cut_one_period(s.pending, s.pending_count, limits);
    if (cut == 0) return;
    s.pending_count -= cut;
    s.owed -= cut;
    trimmed_samples += static_cast<std::uint64_t>(cut);
    period_cut_samples += static_cast<std::uint64_t>(cut);
    slack.cut(now);
  }

  static void cut_start(Speaker& s, int n) {
    s.pending_count -= n;
    std::memmove(s.pending, s.pending + n, s.pending_count * sizeof(std::int16_t));
  }

  // After a cut mid-sound: the new start fades in over 2.5 ms instead of a click.
  static void fade_in(Speaker& s) {
    int fade = std::min(s.pending_count, 120);
    for (int i = 0; i < fade; ++i) s.pending[i] = static_cast<std::int16_t>(s.pending[i] * i / fade);
  }

  // How much of `want` samples can be cut from what is about to be mixed
  // now, with `spare` samples of slack (core/mix_cut.hpp): what the ring
  // holds at this mix beyond the cushion less a period is free to cut;
  // more moves every mix a period earlier.
  core::MixCut cut_at_mix(int want, int spare) const {
    const int period = device.period_samples();
    const int above = static_cast<int>(playback.size()) - (cushion.target() - period);
    return core::cut_at_mix(want, above, spare, period);
  }

  // Slack that every voice had (core/playout_slack.hpp) is cut from all of
  // them at once, in a pause or once it has waited too long for one, and
  // this mix is that much shorter: the next frames are then due sooner,
  // and they are already here. Returns the samples cut.
  int advance(std::int64_t now) {
    if (advance_owed == 0) {
      int keep_ms = 0;  // a jitter buffer meant to hold more than one frame keeps that
      for (auto& [name, s] : speakers)
        if (s->pending_count > 0)
          keep_ms = std::max(keep_ms, (s->jitter.stats().target_delay_frames - 1) *
                                          s->jitter.config().frame_ms);
      const std::int64_t least = slack.least();
      if (int ms = slack.excess(now, keep_ms); ms > 0) {
        advance_spare = ms * (kSampleRate / 1000);
        advance_owed = std::min(advance_spare, kMaxFrame);
        advance_since = now;
      }
      if (least >= 0) slack_least_ms = least;
      return 0;
    }
    const core::MixCut mix_cut = cut_at_mix(std::min(advance_owed, frame / 2), advance_spare);
    if (mix_cut.samples == 0) {  // not without making frames late
      advance_owed = 0;
      return 0;
    }
    const int n = mix_cut.samples;
    bool quiet = true;
    for (auto& [name, s] : speakers)
      if (s->pending_count > 0 && rms_level(s->pending, n) >= kTrimQuietLevel) quiet = false;
    if (!quiet && now - advance_since < kTrimPatienceMs) return 0;
    for (auto& [name, s] : speakers) {
      if (s->pending_count == 0) continue;
      cut_start(*s, n);
      s->owed = std::max(0, s->owed - n);  // this cut serves what it owed, too
      if (!quiet) fade_in(*s);
    }
    advance_owed -= n;
    advance_spare -= mix_cut.periods * device.period_samples();
    trimmed_samples += static_cast<std::uint64_t>(n);
    slack.cut(now);
    return n;
  }

  void process_playback(std::int64_t now) {
    note_gaps(now);
    const std::size_t threshold = static_cast<std::size_t>(cushion.target());
    while (playback.size() < threshold) {
      bool any = false;
      int ready = frame;  // what every voice can give now: a frame, or less while one waits
      for (auto& [name, s] : speakers) {
        fill(*s, now);
        check_excess(*s, now);
        trim(*s, now);
        if (s->pending_count == 0) {  // nothing to play from this speaker
          s->level = 0;
          s->talking = false;
          continue;
        }
        any = true;
        ready = std::min(ready, s->pending_count);
      }
      if (!any) {
        // Silence from here: the next talk spurt starts with a fresh
        // cushion, so nothing is owed any more.
        playing = false;
        for (auto& [name, s] : speakers) s->owed = 0;
        advance_owed = 0;
        break;
      }
      const int chunk = ready == frame ? frame - advance(now) : ready;
      mixer.begin(chunk);
      for (auto& [name, s] : speakers) {
        if (s->pending_count < chunk) continue;
        s->level = rms_level(s->pending, chunk);
        s->talking = s->level > kTalkingLevel;
        mixer.add(s->pending, chunk, s->gain);
        cut_start(*s, chunk);
      }
      mixer.finish(frame_out.data(), chunk);
      if (owner.m_deafened.load()) std::fill(frame_out.begin(), frame_out.begin() + chunk, 0);
      if (!playing) {
        // Starting from silence: the ring is filled as it would be in a
        // call that has been playing (core/playout_cushion.hpp, lead_in).
        static constexpr std::int16_t kSilence[480] = {};
        for (auto left = static_cast<std::size_t>(cushion.lead_in()); left > 0;) {
          std::size_t n = std::min<std::size_t>(left, 480);
          playback.push(kSilence, n);
          left -= n;
        }
        playing = true;
        slack.restart(now);
      }
      playback.push(frame_out.data(), chunk);
    }
    for (auto it = speakers.begin(); it != speakers.end();) {
      if (now - it->second->last_heard > kForgetSpeakerMs) {
        it = speakers.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ---- sharing -------------------------------------------------------------

  void apply_volumes() {
    std::lock_guard lock(mutex);
    if (!volumes_changed) return;
    volumes_changed = false;
    for (auto& [name, s] : speakers)
      if (auto v = volumes.find(name); v != volumes.end()) s->gain = v->second;
  }

  void publish() {
    EngineStats st;
    st.input_level = owner.m_input_level.load();
    st.transmitting = transmitting;
    st.frames_sent = frames_sent;
    st.frames_captured = frames_captured;
    st.loop_delay_ms = loop_delay_ms;
    st.playback_gap_ms = static_cast<double>(gap_samples) * 1000.0 / kSampleRate;
    st.delay_trimmed_ms = static_cast<double>(trimmed_samples) * 1000.0 / kSampleRate;
    st.unseen_gap_ms = static_cast<double>(unseen_gap_samples) * 1000.0 / kSampleRate;
    st.stalled_gap_ms = static_cast<double>(stalled_gap_samples) * 1000.0 / kSampleRate;
    st.delay_cut_in_voice_ms = static_cast<double>(period_cut_samples) * 1000.0 / kSampleRate;
    st.capture_queued_ms = static_cast<double>(capture.size()) * 1000.0 / kSampleRate;
    st.playback_queued_ms = static_cast<double>(playback.size()) * 1000.0 / kSampleRate;
    st.priority_raised = priority_raised.load();
    st.playout_cushion_ms = static_cast<double>(cushion.target()) * 1000.0 / kSampleRate;
    st.voice_slack_ms = static_cast<double>(slack_least_ms);
    for (auto& [name, s] : speakers) {
      const auto& j = s->jitter.stats();
      st.speakers.push_back(SpeakerStats{name, s->level, s->talking, s->gain,
                                         j.buffered_frames, j.target_delay_frames, j.received,
                                         j.lost, j.fec_recovered, j.late, s->waited_for,
                                         static_cast<double>(s->waited_samples) * 1000.0 / kSampleRate});
    }
    std::lock_guard lock(mutex);
    published = std::move(st);
  }
};

VoiceEngine::VoiceEngine(AudioDevice& device, VoiceSettings settings, SendFrame send)
    : m_impl(std::make_unique<Impl>(*this, device, settings, std::move(send))) {
  m_mode.store(settings.input_mode);
  m_activation.store(settings.activation_level);
}

VoiceEngine::~VoiceEngine() { stop(); }

void VoiceEngine::start() {
  if (m_impl->running.load()) return;
  m_impl->device.start(DeviceRings{m_impl->capture, m_impl->playback, m_impl->played,
                                   m_impl->waker, m_impl->starved, m_impl->consumed});
  m_impl->running.store(true);
  m_impl->thread = std::thread([this] { m_impl->run(); });
}

void VoiceEngine::stop() {
  if (!m_impl->running.exchange(false)) return;
  m_impl->waker.wake();
  m_impl->thread.join();
  m_impl->device.stop();
}

void VoiceEngine::deliver(std::span<const std::uint8_t> server_frame) {
  if (server_frame.size() > core::kMaxServerVoiceFrame) return;
  InboundSlot slot;
  slot.size = static_cast<std::uint16_t>(server_frame.size());
  std::memcpy(slot.bytes, server_frame.data(), server_frame.size());
  m_impl->inbound.push(&slot, 1);  // full: the frame is lost, like on the wire
  m_impl->waker.wake();
}

void VoiceEngine::set_volume(const std::string& speaker, float gain) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->volumes[speaker] = gain;
  m_impl->volumes_changed = true;
}

EngineStats VoiceEngine::stats() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->published;
}

}  // namespace voixer::audio
