#!/usr/bin/env bash
# Where the desktop gives no global push-to-talk key (here: a Wayland
# session, as WAYLAND_DISPLAY says), Settings says so in words and offers
# voice activation instead; one click and Save, and voice activation is what
# voixer.conf keeps.
#
#   gui_ptt_wayland.sh VOIXER_EXE ARTEFACTS_DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"

SETTINGS_X=1150 SETTINGS_Y=735  # status bar: Settings
INSTEAD_X=400 INSTEAD_Y=279     # Settings: Use voice activation instead
SAVE_X=313 SAVE_Y=507           # Settings: Save, once voice activation is chosen
# The button is held a moment: the window draws only when something changed,
# and a slow frame (a sanitizer build) could miss a press and release that
# fall between two frames.
click() {
  xdotool mousemove "$1" "$2"; sleep 0.1
  xdotool mousedown 1; sleep 0.12; xdotool mouseup 1; sleep 0.15
}

start_display
export WAYLAND_DISPLAY=wayland-test
conf="$work/config/voixer/voixer.conf"
mkdir -p "$(dirname "$conf")"
printf 'input_mode = push-to-talk\nptt_key = Right Ctrl\n' >"$conf"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$exe" --host --nick alice --port "$port" --trace "$work/trace" >"$work/gui.out" 2>"$work/gui.err" &
pids+=($!)
wait_for "$work/trace" "^shown main screen$" 10
problem="^shown push-to-talk problem: This is a Wayland session: .*Voice activation"
for _ in 1 2 3; do  # a click the window was too busy to see is repeated
  click "$SETTINGS_X" "$SETTINGS_Y"
  for _ in $(seq 40); do grep -qE "$problem" "$work/trace" && break 2; sleep 0.05; done
done
wait_for "$work/trace" "$problem" 5
sleep 0.2
import -window root "$out/ptt-wayland.png"
click "$INSTEAD_X" "$INSTEAD_Y"
sleep 0.2
import -window root "$out/ptt-wayland-instead.png"
click "$SAVE_X" "$SAVE_Y"
for _ in $(seq 100); do grep -q '^input_mode = voice-activation$' "$conf" && break; sleep 0.05; done
grep -q '^input_mode = voice-activation$' "$conf" || fail "voice activation was not saved: $(cat "$conf")"
echo "PASS: Settings explained the Wayland session and switched to voice activation"
