#pragma once
// Concealment for a frame that is late, handed out a piece at a time while
// the voice engine waits for it (audio/voice_engine.cpp).
//
// Opus fades its concealment with every call: CELT drops to shaped noise
// after a few calls and then by about 3 dB a call, SILK per frame it
// conceals. Concealing a 20 ms frame as eight 2.5 ms calls therefore fades
// it eight times as fast as one call would (measured: 4.6 dB quieter within
// the first frame). So the whole frame is concealed once, when the wait
// starts, and handed out in pieces. If the frame comes after all, its start
// is faded in over the concealment it replaces, as the decoder's own
// overlap would have done had the concealment stopped there.
#include <cstdint>

#include "audio/opus_codec.hpp"

namespace voixer::audio {

class LateFrameConcealment {
 public:
  static constexpr int kFadeSamples = 120;   // 2.5 ms, CELT's overlap

  // The next `n` samples of the concealed frame (`frame_samples` long),
  // concealing it with `decoder` on the first call of a wait. Returns the
  // samples written to `out`: fewer than `n` at the frame's end, -1 if the
  // decoder failed.
  int next_piece(Decoder& decoder, int frame_samples, std::int16_t* out, int n);

  // Samples handed out so far in this wait (0: not waiting).
  int handed_out() const { return m_used; }

  // The frame was given up: writes what is left of its concealment to `out`
  // and returns how many samples that is.
  int rest(std::int16_t* out);

  // The frame came: fades the first samples of `frame` (its decoding, `n`
  // samples) in from the concealment that would have played next.
  void fade_into(std::int16_t* frame, int n) const;

  // Ends the wait.
  void reset() { m_size = m_used = 0; }

 private:
  std::int16_t m_concealed[kMaxFrameSamples] = {};
  int m_size = 0;  // samples concealed for this wait
  int m_used = 0;  // of which handed out
};

}  // namespace voixer::audio
