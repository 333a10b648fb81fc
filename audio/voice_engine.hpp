// The client's voice engine, on a thread of its own: microphone frames are
// cleaned up (speexdsp: echo cancellation against what the speakers
// played, noise suppression), gated (voice activation, push-to-talk, mute),
// Opus-encoded and handed to the network; frames from the network go into
// one adaptive jitter buffer per speaker, are decoded (FEC from the next
// packet first, concealment for the rest), mixed with per-speaker volume
// and queued for the speakers.
//
// Threads: the audio device only touches the two sample rings; the network
// thread only calls deliver() and the setters; everything else runs on the
// voice thread. Levels and flags cross as atomics, statistics as a copy
// taken under a mutex that the audio callbacks never see.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "audio/device.hpp"
#include "core/net_sim.hpp"

namespace voixer::audio {

enum class InputMode { VoiceActivation, PushToTalk, AlwaysOn };

// Levels are RMS of the samples, 0..1 of full scale.
// Voice activation opens the gate above this, unless the user sets another.
inline constexpr float kDefaultActivationLevel = 0.01f;
// Someone counts as talking (the indicators) above this: -50 dBFS, under
// quiet speech and over what noise suppression leaves of a quiet room. The
// same for the people one hears and for one's own microphone.
inline constexpr float kTalkingLevel = 0.003f;

struct VoiceSettings {
  int frame_ms = 20;  // 10 or 20
  InputMode input_mode = InputMode::VoiceActivation;
  float activation_level = kDefaultActivationLevel;  // RMS that opens the voice gate
  int activation_hold_ms = 300;    // the gate stays open this long after speech
  bool noise_suppression = true;
  // Takes what the speakers play out of the microphone (echo_canceller.hpp);
  // with noise_suppression also the residue the filter leaves.
  // On by default, as for a player on speakers; a headset does not need it
  // (docs/performance.md, "Voice: echo cancellation": what it costs).
  bool echo_cancellation = true;
  // Opus's low-delay mode (EncoderSettings::low_delay): 4 ms sooner, no FEC.
  bool low_delay = false;
  int bitrate = 24000;
  int expected_loss_percent = 10;
  core::NetSimConfig receive_sim;  // impairments on the receive path (tests)
};

struct SpeakerStats {
  std::string name;
  float level = 0;     // 0..1, last frame
  bool talking = false;
  float volume = 1;
  int buffered_frames = 0;
  int target_frames = 0;
  std::uint64_t received = 0, lost = 0, fec_recovered = 0, late = 0;
  // Frames that were not there when due and were waited for a device
  // period at a time (concealing meanwhile) until they came, and how long
  // in all: what they added to the delay, where concealing a whole frame
  // would have added a frame each.
  std::uint64_t waited_for = 0;
  double waited_ms = 0;
};

struct EngineStats {
  float input_level = 0;
  bool transmitting = false;
  std::uint64_t frames_captured = 0;
  std::uint64_t frames_sent = 0;
  // Silence the device played while voice was due (it ran dry), and delay
  // cut back out afterwards (after such gaps, or found in excess).
  double playback_gap_ms = 0;
  double delay_trimmed_ms = 0;
  // Of that, what was cut a pitch period at a time while someone spoke
  // (core/period_cut.hpp), rather than in a pause.
  double delay_cut_in_voice_ms = 0;
  // Silence played after the ring (the device's callback came late): not
  // in playback_gap_ms, also cut back out (core/playback_lag.hpp).
  double unseen_gap_ms = 0;
  // Of playback_gap_ms, what the speakers missed while the voice thread
  // itself was held up (the machine or the process stalled): owed, the
  // cushion does not grow for it (core/playout_cushion.hpp).
  double stalled_gap_ms = 0;
  // In the mic test: how much later your voice comes back, from the
  // microphone's samples to the speakers' (the sound card's own buffers
  // come on top); -1 until it is clear (audio/loop_delay.hpp).
  double loop_delay_ms = -1;
  // Audio waiting between the devices and the voice thread right now: the
  // microphone's samples not yet encoded, the mix not yet played.
  double capture_queued_ms = 0;
  double playback_queued_ms = 0;
  double playout_cushion_ms = 0;  // kept queued for the speakers, at least (core/playout_cushion.hpp)
  // The least time a played frame had waited for its turn, over the last
  // 2 s window; -1 before one (core/playout_slack.hpp).
  double voice_slack_ms = -1;
  bool priority_raised = false;   // the voice thread runs above normal priority
  std::vector<SpeakerStats> speakers;
};

class VoiceEngine {
 public:
  // `send` is called on the voice thread with each client voice frame
  // (core::write_client_voice bytes) to put on the wire.
  using SendFrame = std::function<void(std::span<const std::uint8_t>)>;

  VoiceEngine(AudioDevice& device, VoiceSettings settings, SendFrame send);
  ~VoiceEngine();
  VoiceEngine(const VoiceEngine&) = delete;
  VoiceEngine& operator=(const VoiceEngine&) = delete;

  // Starts the device and the voice thread; throws if the device fails.
  void start();
  void stop();

  // From the network thread: a server voice frame arrived.
  void deliver(std::span<const std::uint8_t> server_frame);

  // Whether captured voice goes out at all (in a call, voice bound).
  void set_sending(bool on) { m_sending.store(on); }
  void set_muted(bool on) { m_muted.store(on); }
  void set_deafened(bool on) { m_deafened.store(on); }
  void set_push_to_talk(bool pressed) { m_ptt.store(pressed); }
  void set_input_mode(InputMode mode) { m_mode.store(mode); }
  void set_activation_level(float rms) { m_activation.store(rms); }
  void set_volume(const std::string& speaker, float gain);
  // Forget every speaker (a call ended).
  void reset_speakers() { m_reset_speakers.store(true); }

  float input_level() const { return m_input_level.load(); }
  bool muted() const { return m_muted.load(); }
  bool deafened() const { return m_deafened.load(); }
  EngineStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  std::atomic<bool> m_sending{false}, m_muted{false}, m_deafened{false}, m_ptt{false};
  std::atomic<bool> m_reset_speakers{false};
  std::atomic<InputMode> m_mode{InputMode::VoiceActivation};
  std::atomic<float> m_activation{kDefaultActivationLevel};
  std::atomic<float> m_input_level{0};
};

}  // namespace voixer::audio
