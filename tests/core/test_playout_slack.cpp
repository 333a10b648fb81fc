// The playout's slack: how long frames waited for their turn beyond a
// margin, judged over whole windows; after a late frame or a cut over a
// short one from it, nothing while lateness recurs, and a margin that
// stays where it is after late frames. On simulated time.
#include <doctest/doctest.h>

#include "core/playout_slack.hpp"

using voixer::core::PlayoutSlack;

namespace {

// One frame every 20 ms from `from` for `ms`, each having waited `slack`.
std::int64_t play(PlayoutSlack& s, std::int64_t from, std::int64_t ms, std::int64_t slack) {
  for (std::int64_t t = from; t < from + ms; t += 20) s.played(slack);
  return from + ms;
}

}  // namespace

TEST_CASE("playout slack: what every frame of a window waited beyond the margin is owed") {
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 1000, 14);
  s.played(11);  // the latest frame of the window sets it
  play(s, 1020, 980, 16);
  CHECK(s.excess(1999) == 0);  // the window is not over yet
  CHECK(s.least() == 11);
  CHECK(s.excess(2000) == 8);  // 11 - 3
  CHECK(s.least() == -1);      // a new window began
  CHECK(s.excess(2100) == 0);
}

TEST_CASE("playout slack: delay the caller keeps and the margin are left alone") {
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 2000, 30);
  CHECK(s.excess(2000, 20) == 7);  // a jitter buffer holding two 20 ms frames keeps one
  play(s, 2000, 2000, 3);
  CHECK(s.excess(4000) == 0);  // nothing beyond the margin
}

TEST_CASE("playout slack: a window needs enough frames, and a restart measures afresh") {
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 400, 10);  // 20 frames: too few, even after the window's time
  CHECK(s.excess(2500) == 0);
  play(s, 2500, 100, 10);
  CHECK(s.excess(2600) == 7);
  play(s, 2600, 1000, 2);
  s.restart(3600);  // a talk spurt: a whole window, from it only
  play(s, 3600, 2000, 12);
  CHECK(s.excess(5599) == 0);
  CHECK(s.excess(5600) == 9);
}

TEST_CASE("playout slack: a late frame's wait is owed back half a second after it, not windows later") {
  // The frame was waited for, so the frames after it wait 5 ms longer. A
  // short window from the late frame owes that back; the frames before it
  // waited under the old timing and count for nothing.
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 1000, 4);
  s.late(1000);
  CHECK(s.least() == -1);
  play(s, 1000, 500, 9);
  CHECK(s.excess(1499) == 0);
  CHECK(s.excess(1500) == 6);  // 9 - 3, 1.5 s into the 2 s window it fell in
  play(s, 1500, 2000, 8);
  CHECK(s.excess(3499) == 0);  // and then whole windows again
  CHECK(s.excess(3500) == 5);
}

TEST_CASE("playout slack: what a cut left beyond the margin is owed half a second after it") {
  // Silence the sound server played was cut, but less of it than there
  // was: the frames after the cut still wait 7 ms. A short window from the
  // cut finds it; a whole window from every cut put it off by 2 s a time.
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 1000, 4);
  s.cut(1000);
  CHECK(s.least() == -1);  // the frames before the cut waited under the old timing
  play(s, 1000, 500, 7);
  CHECK(s.excess(1499) == 0);
  CHECK(s.excess(1500) == 4);  // 7 - 3
  s.cut(1500);                 // that is cut too, and then nothing more is owed
  play(s, 1500, 500, 3);
  CHECK(s.excess(2000) == 0);
}

TEST_CASE("playout slack: while frames keep coming late nothing is owed, and the margin stays") {
  // Lateness that recurs is the jitter buffer's to absorb: every late frame
  // starts the short window again before it is over.
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  for (std::int64_t t = 0; t < 6000; t += 400) {
    play(s, t, 400, 10);
    CHECK(s.excess(t + 400) == 0);
    s.late(t + 400);
  }
  play(s, 6000, 500, 10);
  CHECK(s.excess(6500) == 7);  // 10 - 3: the margin did not grow
  play(s, 6500, 2000, 12);
  CHECK(s.excess(8500) == 9);  // 12 - 3
}

TEST_CASE("playout slack: a lone late frame's wait is owed back in full where the playout ran below the margin") {
  // The playout ran with 1 ms of slack, less than the margin, and held. A
  // frame came late and was waited for, 5 ms: the frames after it wait
  // 6 ms. Against the margin only 3 ms of that would be owed, too little to
  // move the mixes back a device period, so every such wait stayed.
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 1000, 1);
  s.late(1000);
  play(s, 1000, 500, 6);
  CHECK(s.excess(1500) == 5);  // back to the 1 ms it ran at
  // Judged by whole windows again after that: the margin applies.
  play(s, 1500, 2000, 6);
  CHECK(s.excess(3500) == 3);
}

TEST_CASE("playout slack: a late frame right after a window is judged by that window") {
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 2000, 2);
  CHECK(s.excess(2000) == 0);
  s.late(2000);  // no frame of the new window yet
  play(s, 2000, 500, 7);
  CHECK(s.excess(2500) == 5);
}

TEST_CASE("playout slack: lateness that recurs is judged against the margin, also across a cut") {
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 1000, 1);
  s.late(1000);
  play(s, 1000, 200, 6);
  s.cut(1200);  // e.g. silence the sound server played: the late frame's window goes on
  play(s, 1200, 100, 6);
  s.late(1300);  // and lateness came again
  play(s, 1300, 500, 6);
  CHECK(s.excess(1800) == 3);  // 6 - 3: the margin
}

TEST_CASE("playout slack: a late frame's wait is owed back in full across a cut made meanwhile") {
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 1000, 1);
  s.late(1000);
  play(s, 1000, 200, 8);
  s.cut(1200);  // 2 ms of silence the sound server played was cut
  play(s, 1200, 500, 6);
  CHECK(s.excess(1700) == 5);
}

TEST_CASE("playout slack: slack kept for a raised jitter target is owed half a second after the target fell back") {
  // Late frames raised the jitter buffer's target to two 20 ms frames for
  // a while: the frames' 11 ms of waiting is kept for it. Once the target
  // is back at one frame, judging only after another whole window kept
  // everyone 8 ms later for up to 2 s more.
  PlayoutSlack s(2000, 500, 25, 3);
  s.restart(0);
  play(s, 0, 2000, 11);
  CHECK(s.excess(2000, 20) == 0);  // kept
  play(s, 2000, 500, 11);
  CHECK(s.excess(2500, 20) == 0);  // still kept, judged again half a second later
  play(s, 2500, 500, 11);
  CHECK(s.excess(3000) == 8);  // the target fell back: 11 - 3
  play(s, 3000, 500, 5);
  CHECK(s.excess(3500) == 0);  // then whole windows again
  play(s, 3500, 1500, 5);
  CHECK(s.excess(5000) == 2);
}
