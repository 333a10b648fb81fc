// What the voice engine needs from an audio device: something that, on its
// own clock, pushes captured samples into one ring and pulls samples to play
// from another (48 kHz, mono, 16-bit). Implemented by SDL2 devices
// (sdl_device.hpp) and by WAV files on a real-time clock (wav_device.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <semaphore>
#include <string>

#include "audio/spsc_ring.hpp"

namespace voixer::audio {

inline constexpr int kSampleRate = 48000;

// Wakes the voice thread from any thread, including an audio callback:
// lock-free, never blocks, and never over-releases the semaphore.
class Waker {
 public:
  void wake() {
    if (!m_pending.exchange(true, std::memory_order_acq_rel)) m_sem.release();
  }
  // Waits until woken or `timeout` passes; clears the pending flag.
  template <class Duration>
  void wait(Duration timeout) {
    (void)m_sem.try_acquire_for(timeout);
    m_pending.store(false, std::memory_order_release);
  }

 private:
  std::binary_semaphore m_sem{0};
  std::atomic<bool> m_pending{false};
};

struct DeviceRings {
  SpscRing<std::int16_t>& capture;   // device -> engine
  SpscRing<std::int16_t>& playback;  // engine -> device
  // device -> engine: every sample the speakers got, silence included, in
  // step with capture (the echo canceller's reference). The device pushes
  // what fits; a full ring only costs the canceller its reference.
  SpscRing<std::int16_t>& played;
  Waker& waker;                      // woken after every device period
  // Samples the playback side wanted but found missing (played as silence):
  // the engine tells a gap in its own playing from the end of a talk spurt.
  std::atomic<std::uint64_t>& starved;
  // Every sample the playback side took, silence included: the engine
  // compares it with the clock to find silence it did not see played
  // (core/playback_lag.hpp).
  std::atomic<std::uint64_t>& consumed;
};

class AudioDevice {
 public:
  virtual ~AudioDevice() = default;
  // Starts the device clock. Throws std::runtime_error with a clear
  // message when the device cannot be opened.
  virtual void start(DeviceRings rings) = 0;
  virtual void stop() = 0;
  // Samples per device period: the playback side keeps this much queued
  // ahead so the device never runs dry between two engine wake-ups.
  virtual int period_samples() const = 0;
  // Non-empty once the device has failed or disappeared (for a message and
  // a fallback); checked by the engine's owner, not in a callback.
  virtual std::string failure() const { return {}; }
};

}  // namespace voixer::audio
