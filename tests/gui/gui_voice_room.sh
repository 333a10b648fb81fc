#!/usr/bin/env bash
# A voice room in the window: under Xvfb, alice (voixer cli, speech from a
# WAV file) is in #lobby's voice room; bob clicks "Join voice" in his
# window, is in the room with no ringing, sees alice talking, and hears
# her (his speakers are a WAV file). Screenshot in ARTEFACTS_DIR.
#
#   gui_voice_room.sh VOIXER_EXE ARTEFACTS_DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"

# The "Join voice" button beside the channel's name at the top of the
# conversation, in the 1200x760 window at font scale 1 (from a screenshot).
JOIN_X=350 JOIN_Y=24

start_display
start_server

"$exe" --nick bob --join "127.0.0.1:$port" --trace "$work/trace" --audio-out "$work/bob-heard.wav" \
  >"$work/gui.out" 2>"$work/gui.err" &
gui=$!
pids+=($gui)
wait_for "$work/trace" "^shown main screen$" 10

espeak-ng -s 150 -w "$work/raw.wav" "Bob, can you hear me? The map pack is on the server." 2>/dev/null
sox "$work/raw.wav" -r 48000 -c 1 -b 16 "$work/alice.wav" pad 4 1 repeat 2
mkfifo "$work/alice.in"
"$exe" cli --nick alice --audio-in "$work/alice.wav" "127.0.0.1:$port" \
  <"$work/alice.in" >"$work/alice.out" 2>"$work/alice.err" &
pids+=($!)
exec 4>"$work/alice.in"
wait_for "$work/alice.out" "^USERLIST #lobby" 10
echo "/voice" >&4
wait_for "$work/alice.out" "^VOICEJOINED #lobby" 10
wait_for "$work/trace" "^shown #lobby" 10
sleep 0.3
xdotool mousemove "$JOIN_X" "$JOIN_Y" click 1
wait_for "$work/trace" "^joining voice #lobby$" 5
wait_for "$work/alice.out" "^VOICEROOM #lobby: alice( [a-z ]+)?, bob" 10
wait_for "$work/trace" "^shown voice room #lobby$" 10
# Voice activation: "talking" once her speech begins.
wait_for "$work/alice.out" "^VOICESTATE #lobby alice: talking" 15
sleep 0.7
import -window root "$out/voice-room-1-talking.png"
wait_for "$work/alice.err" "audio input finished" 30
exec 4>&-
# The window writes its speakers' WAV when it closes.
stop_and_wait "$gui" 20 "the window"
rms=$(sox "$work/bob-heard.wav" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}')
python3 -c "import sys; sys.exit(0 if float('$rms') > 0.01 else 1)" ||
  fail "bob's window heard nothing (RMS $rms)"
echo "PASS: bob joined #lobby's voice room with one click and heard alice (RMS $rms); screenshot in $out"
