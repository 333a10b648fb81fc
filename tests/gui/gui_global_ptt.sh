#!/usr/bin/env bash
# Push-to-talk while another window has the focus, as at a LAN party with a
# game in front: under Xvfb the window hosts (push-to-talk on Right Ctrl,
# its microphone a WAV file of speech from the start of the call), a `voixer
# cli` bob calls and the window accepts; then a window of another program
# (xmessage, standing in for the game) takes the focus and xdotool holds the
# key down and lets it go, twice. Asserted on what arrived: nothing went out
# before the first press though the microphone ran; bob hears alice while the
# key is held; what bob received by the second press is everything that was
# sent, so nothing left while the key was up (the microphone ran meanwhile).
#
#   gui_global_ptt.sh VOIXER_EXE ARTEFACTS_DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"

ACCEPT_X=516 ACCEPT_Y=280  # incoming call: Accept
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.15; }

start_display
mkdir -p "$work/config/voixer"
printf 'input_mode = push-to-talk\nptt_key = Right Ctrl\n' >"$work/config/voixer/voixer.conf"
# Speech all along the call: the same sentences, again and again.
espeak-ng -s 150 -w "$work/say.wav" "Left flank, two of them behind the wall. Cover me, I am going in." 2>/dev/null
sox "$work/say.wav" -r 48000 -c 1 -b 16 "$work/once.wav"
sox "$work/once.wav" "$work/once.wav" "$work/once.wav" "$work/once.wav" "$work/once.wav" \
  "$work/once.wav" "$work/speech.wav"

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$exe" --host --nick alice --port "$port" --audio-in "$work/speech.wav" --trace "$work/trace" \
  >"$work/gui.out" 2>"$work/gui.err" &
pids+=($!)
wait_for "$work/trace" "^shown main screen$" 10
wait_for "$work/trace" "^push-to-talk key watched in every window$" 5

mkfifo "$work/cli.in"
"$exe" cli "127.0.0.1:$port" --nick bob <"$work/cli.in" >"$work/cli.out" 2>"$work/cli.err" &
pids+=($!)
exec 4>"$work/cli.in"
wait_for "$work/cli.out" "^USERLIST #lobby: alice, bob$" 10
echo "/call alice" >&4
wait_for "$work/trace" "^shown incoming call from bob$" 10
sleep 0.3
click "$ACCEPT_X" "$ACCEPT_Y"
wait_for "$work/cli.out" "^TALK [0-9a-f]{32}: ACCEPTED$" 10

# Another program's window takes the focus.
xmessage -name game -geometry 300x100+700+500 "the game has the focus" &
pids+=($!)
game=$(xdotool search --sync --classname '^game$' | head -1)
xdotool windowfocus --sync "$game"
[ "$(xdotool getwindowfocus)" = "$game" ] || fail "the game window does not have the focus"
# Let alice's microphone run with the key up.
sleep 1

frames() {  # "<sent> <captured>" from the last trace line matching $1
  grep -E "^push-to-talk $1: " "$work/trace" | tail -1 | sed -E 's/.*: ([0-9]+) frames sent of ([0-9]+) captured/\1 \2/'
}

xdotool keydown Control_R
wait_for "$work/trace" "^push-to-talk pressed: " 5
read -r sent captured <<<"$(frames pressed)"
[ "$sent" -eq 0 ] || fail "$sent frames went out before the key was pressed"
[ "$captured" -ge 25 ] || fail "the microphone had captured only $captured frames before the press"
wait_for "$work/cli.err" "alice started talking" 5
sleep 1
xdotool keyup Control_R
wait_for "$work/trace" "^push-to-talk released: " 5
wait_for "$work/cli.err" "alice stopped talking" 5
read -r _ captured_at_release <<<"$(frames released)"
echo "/stats" >&4
wait_for "$work/cli.err" "alice: level .*, received [0-9]+" 5
received=$(grep -E "alice: level .*, received [0-9]+" "$work/cli.err" | tail -1 |
  sed -E 's/.*received ([0-9]+).*/\1/')
[ "$received" -gt 0 ] || fail "bob received nothing while the key was held"

# The key up for a second: the microphone runs, nothing goes out.
sleep 1
[ "$(xdotool getwindowfocus)" = "$game" ] || fail "the game window lost the focus"
xdotool keydown Control_R
wait_for "$work/trace" "^push-to-talk pressed: [1-9]" 5
read -r sent2 captured2 <<<"$(frames pressed)"
[ "$sent2" -eq "$received" ] ||
  fail "alice sent $sent2 frames by the second press, bob received $received after the first release"
[ "$((captured2 - captured_at_release))" -ge 25 ] ||
  fail "the microphone captured only $((captured2 - captured_at_release)) frames while the key was up"
wait_for "$work/cli.err" "alice started talking" 5
xdotool keyup Control_R
wait_for "$work/trace" "^push-to-talk released: [1-9]" 5
import -window root "$out/global-ptt.png"
echo "PASS: push-to-talk with another window focused: $sent2 frames in the first hold, all received;" \
  "none before or between ($captured captured before, $((captured2 - captured_at_release)) between)"
