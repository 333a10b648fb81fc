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
// above a margin is owed back, to be cut from what is about to play.
//
// A frame that was due and came late was waited for, which moved the
// playout later. It starts a short window of its own: the frames after it
// show within half a second whether the lateness was a one-off, and then
// what the wait added beyond the margin is owed back at once, where a
// whole window (and the rest of the one it fell in) kept a listener that
// much later for 2 to 4 s. When lateness keeps coming, each late frame
// starts the short window again and nothing is owed: that is the jitter
// buffer's to absorb, in frames. The margin stays as it is: a margin that
// grew after each late frame (and shrank a millisecond per 10 s of calm)
// made the delay climb and fall in 3 ms steps over a call.
//
// A cut moves the playout too (silence the sound server played, a ring
// that ran dry, slack owed back): the frames before it waited under the
// old timing, so the short window starts afresh from it. A cut of a guess
// (the silence found is the lower of two estimates) or of a part (a pitch
// period in a voice) often leaves some slack beyond the margin, and the
// short window finds it within half a second; with a whole window after
// every cut, each cut pushed that back 2 s, and the rest of an excursion
// stayed for 4 to 8 s.
//
// A late frame that came alone is owed back in full when the playout ran
// with less slack than the margin before it (its start, the sound server
// and the arrivals set that phase, and it held): the margin then is what
// the playout ran at. Judged against a 3 ms margin, a playout at 1 ms of slack
// kept each such wait for good, a device period at a time (35 -> 40 -> 45
// ms at 10 ms frames), since cutting a period back would leave less than
// the margin. Lateness that recurs within the short window is judged
// against the margin again.
//
// Slack beyond the margin that the caller kept (a jitter buffer whose
// target rose after late frames holds more than one frame for a while) is
// judged again after a short window: judged only after a whole one, it
// stayed for up to 2 s after the target fell back, everyone that much
// later.
//
// A talk spurt's start is judged over a whole window: cutting its start
// so soon left the first seconds of a call lower than the rest, and the
// delay then climbed back in waits.
//
// Pure logic on the caller's millisecond clock.
#pragma once

#include <cstdint>

namespace voixer::core {

class PlayoutSlack {
 public:
  // A window spans at least window_ms (after a late frame or a cut:
  // short_ms) and min_frames frames; margin_ms of slack is always left.
  PlayoutSlack(std::int64_t window_ms, std::int64_t short_ms, int min_frames, int margin_ms);

  // A frame fell due having waited slack_ms since it arrived.
  void played(std::int64_t slack_ms);

  // A frame fell due and was not there yet (not one lost on the way): the
  // short window starts. That frame's own wait is not played(): it came
  // when it came, and says nothing of how much sooner the others could play.
  void late(std::int64_t now_ms);

  // The playout was cut, or owes a cut: the short window starts.
  void cut(std::int64_t now_ms) { start(now_ms, true); }

  // A talk spurt starts: a whole window.
  void restart(std::int64_t now_ms);

  // When a window is complete: the milliseconds of slack beyond the margin
  // plus keep_ms (delay the caller means to keep, e.g. for a jitter buffer
  // holding more than one frame), 0 when there is none; a new window
  // starts. Before that: 0.
  int excess(std::int64_t now_ms, int keep_ms = 0);

  // The least slack of the window so far, -1 before any frame (for /stats).
  std::int64_t least() const { return m_frames > 0 ? m_least : -1; }

 private:
  void start(std::int64_t now_ms, bool short_window);

  std::int64_t m_window_ms;
  std::int64_t m_short_ms;
  int m_min_frames;
  int m_margin_ms;
  std::int64_t m_start = 0;
  std::int64_t m_least = 0;
  int m_frames = 0;
  bool m_short = false;  // this window is the short one
  std::int64_t m_last_least = -1;  // of the last window judged, -1 before one
  // While a late frame's short window runs: the least slack the playout
  // ran at before it, -1 when the margin applies.
  std::int64_t m_before_late = -1;
  bool m_late_window = false;  // a late frame's short window runs (cuts may restart it)
};

}  // namespace voixer::core
