#!/usr/bin/env bash
# Lasting history in the window: alice (voixer cli) says 120 things in
# #lobby, the server is killed (SIGKILL) and started again on the same data
# directory, and bob's window still shows them: the newest replayed on
# join, the older ones loaded when he scrolls to the top, and an early one
# found with the search box. Screenshots in ARTEFACTS_DIR.
#
#   gui_history.sh VOIXER_EXE ARTEFACTS_DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"
# The search box in the 1200x760 window at font scale 1 (from a
# screenshot), and a point inside the conversation's log.
SEARCH_X=860 SEARCH_Y=24 LOG_X=600 LOG_Y=300

start_display

port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
serve() {
  "$exe" serve --port "$port" --no-discovery --flood-rate 0 --data-dir "$work/server" \
    2>"$work/serve.err" &
  server=$!
  pids+=($server)
  wait_for "$work/serve.err" "serving on" 10
}
serve

mkfifo "$work/alice.in"
"$exe" cli --no-voice --nick alice "127.0.0.1:$port" <"$work/alice.in" >"$work/alice.out" 2>&1 &
pids+=($!)
exec 4>"$work/alice.in"
wait_for "$work/alice.out" "^USERLIST #lobby" 10
for i in $(seq 0 119); do
  if [ "$i" = 5 ]; then echo "/say pizza is at table 12"; else echo "/say message $i"; fi
done >&4
# The PONG comes after the server took every line before it, and (like
# everything it sends) only once what it kept of them is on disk.
echo "/ping" >&4
wait_for "$work/alice.out" "^PONG" 10
kill -9 "$server"
wait "$server" 2>/dev/null || true
serve

"$exe" --nick bob --join "127.0.0.1:$port" --trace "$work/trace" >"$work/gui.out" 2>"$work/gui.err" &
pids+=($!)
wait_for "$work/trace" "^shown #lobby alice: message 119$" 15
grep -q "^shown #lobby alice: message 60$" "$work/trace" && fail "more than the replay was shown at once"

# Clicks and keys are held a moment: the window draws only when something
# changed, and one pressed and released between two frames is missed. The
# words are typed only once the box has the keyboard (or they would go to
# #lobby); a window too busy to see the click (under ASan) gets it again,
# and so does one whose message box took the keyboard back after the
# click (seen once under ASan: "pizza" went to #lobby three times).
last_focus() { grep -E "^(search|message) box focused$" "$work/trace" | tail -n 1; }
focused=0
for attempt in 1 2 3 4 5; do
  before=$(grep -c "^search box focused$" "$work/trace" || true)
  xdotool mousemove "$SEARCH_X" "$SEARCH_Y" mousedown 1
  sleep 0.12
  xdotool mouseup 1
  for _ in $(seq 40); do
    if [ "$(grep -c "^search box focused$" "$work/trace" || true)" -gt "$before" ]; then
      sleep 0.5  # and it keeps it
      [ "$(last_focus)" = "search box focused" ] && { focused=1; break 2; }
      echo "the message box took the keyboard back after click $attempt" >&2
      continue 2
    fi
    sleep 0.05
  done
  echo "search box not focused after click $attempt" >&2
done
[ "$focused" = 1 ] || fail "clicking the search box never gave it the keyboard"
# A key lost on a busy machine ("piza") is searched for too: then the
# box's text is selected (Ctrl+A) and typed over.
for _ in 1 2 3; do
  xdotool key ctrl+a
  xdotool type --delay 60 "pizza"
  xdotool keydown Return
  sleep 0.12
  xdotool keyup Return
  for _ in $(seq 100); do
    grep -q "^search pizza: " "$work/trace" && break 2
    sleep 0.05
  done
  echo "no search for 'pizza' yet; searches so far: $(grep '^search ' "$work/trace" | grep -v focused | tr '\n' ' ')" >&2
done
wait_for "$work/trace" "^search pizza: 1 found$" 10
sleep 0.3
import -window root "$out/history-1-search.png"

# Up the log with the wheel until the top: the page before it comes in.
xdotool mousemove "$LOG_X" "$LOG_Y"
for _ in $(seq 40); do
  xdotool click 4
  grep -q "^loading older messages of #lobby$" "$work/trace" && break
  sleep 0.05
done
wait_for "$work/trace" "^loading older messages of #lobby$" 5
wait_for "$work/trace" "^shown older #lobby alice: message 0$" 10
sleep 0.3
import -window root "$out/history-2-older.png"
# Ctrl+F goes back to the search box.
xdotool keydown ctrl+f
sleep 0.12
xdotool keyup ctrl+f
for _ in $(seq 100); do
  [ "$(grep -c "^search box focused$" "$work/trace")" -ge 2 ] && break
  sleep 0.05
done
[ "$(grep -c "^search box focused$" "$work/trace")" -ge 2 ] || fail "Ctrl+F did not go to the search box"
exec 4>&-
echo "PASS: after kill -9 and a restart, bob's window replayed the newest, found the early message with the search box, and loaded the rest when scrolled to the top, Ctrl+F went back to the box; screenshots in $out"
