// How much earlier the playout could run. Every frame a speaker plays
// arrived some time before the mix needed it: its slack. The playout's
// phase against the arrivals is set by chance (when a talk spurt started,
// where the sound card's clock ticks against the microphone's) and moves
// with every gap and late frame, so this waiting is anywhere from nothing
// to almost a whole frame, and it is delay everyone hears. Cutting only
// whole frames of it (what a jitter buffer's depth shows) leaves up to a
// frame behind.
//
// Over a window, the least slack of any frame says how much earlier every
// frame of that window could have played and still been on time. What is
// above a margin is owed back, to be cut from what is about to play. A
// frame that was due and came late makes the window owe nothing, and the
// margin grows by its first size, up to a limit (rarer hiccups than a
// window shows are the machine's, and each costs a concealed frame); after
// a calm stretch it shrinks again by a millisecond. After any change of
// the playout's timing (a cut, a gap, a new talk spurt) the window starts
// afresh, so that it only describes the timing in force.
//
// Pure logic on the caller's millisecond clock.
#pragma once

#include <cstdint>

namespace voixer::core {

class PlayoutSlack {
 public:
  // Calm this long with no late frame, and the margin shrinks by 1 ms.
  static constexpr std::int64_t kCalmMs = 10'000;

  // A window spans at least window_ms and min_frames frames; margin_ms of
  // slack is always left, and up to max_margin_ms after late frames.
  PlayoutSlack(std::int64_t window_ms, int min_frames, int margin_ms, int max_margin_ms);

  // A frame fell due having waited slack_ms since it arrived.
  void played(std::int64_t slack_ms);

  // A frame fell due and was not there yet (not one lost on the way).
  void late(std::int64_t now_ms);

  // The timing changed: what was measured no longer holds.
  void restart(std::int64_t now_ms);

  // When a window is complete: the milliseconds of slack beyond the margin
  // plus keep_ms (delay the caller means to keep, e.g. for a jitter buffer
  // holding more than one frame), 0 when there is none; a new window
  // starts. Before that: 0.
  int excess(std::int64_t now_ms, int keep_ms = 0);

  // The least slack of the window so far, -1 before any frame (for /stats).
  std::int64_t least() const { return m_frames > 0 ? m_least : -1; }

  // The slack left in place now.
  int margin() const { return m_margin_ms; }

 private:
  std::int64_t m_window_ms;
  int m_min_frames;
  int m_base_margin_ms;
  int m_max_margin_ms;
  int m_margin_ms;
  std::int64_t m_calm_since = 0;
  std::int64_t m_start = 0;
  std::int64_t m_least = 0;
  int m_frames = 0;
  bool m_missed = false;
};

}  // namespace voixer::core
