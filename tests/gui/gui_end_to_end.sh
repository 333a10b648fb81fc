#!/usr/bin/env bash
# The window end to end, as a person uses it: under Xvfb, start voixer, type
# a nickname, click Host; a `voixer cli` user joins; a message typed in the
# window reaches the cli, one sent by the cli is shown in the window; the
# cli calls the window's user, who accepts in the window. Screenshots of
# each step go to the artefacts directory.
#
#   gui_end_to_end.sh VOIXER_EXE ARTEFACTS_DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"

# Where things are in the 1200x760 window at font scale 1 (from screenshots).
NICK_X=600 NICK_Y=267      # start screen: nickname field
PORT_X=466 PORT_Y=406      # start screen: port field
HOST_X=466 HOST_Y=437      # start screen: Host button
INPUT_X=558 INPUT_Y=693    # main screen: message field
ACCEPT_X=516 ACCEPT_Y=280  # incoming call: Accept

# The window sits at (0,0): clicks are window coordinates.
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.15; }
# ImGui 1.86 loses a key pressed and released within one frame: hold it.
key() { xdotool keydown "$1"; sleep 0.12; xdotool keyup "$1"; sleep 0.1; }
shot() { import -window root "$out/$1.png"; }

start_display

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')

"$exe" --trace "$work/trace" >"$work/gui.out" 2>"$work/gui.err" &
pids+=($!)
gui=$!
# The start screen is up once the window exists.
for _ in $(seq 100); do xdotool search --name '^Voixer$' >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.5
shot 1-start

# Type the nickname as a person would: click the field, select all, type.
click "$NICK_X" "$NICK_Y"
xdotool keydown ctrl; sleep 0.1; xdotool key a; sleep 0.1; xdotool keyup ctrl; sleep 0.1
xdotool type --delay 40 "alice"
# The port: the default is in use on shared machines, type a free one.
click "$PORT_X" "$PORT_Y"
xdotool keydown ctrl; sleep 0.1; xdotool key a; sleep 0.1; xdotool keyup ctrl; sleep 0.1
xdotool type --delay 40 "$port"
shot 2-typed
click "$HOST_X" "$HOST_Y"
wait_for "$work/trace" "^shown main screen$" 10
sleep 0.3
shot 3-hosting

# A cli user joins the window's server.
mkfifo "$work/cli.in"
"$exe" cli "127.0.0.1:$port" --nick bob --no-voice <"$work/cli.in" >"$work/cli.out" 2>"$work/cli.err" &
pids+=($!)
exec 4>"$work/cli.in"
wait_for "$work/cli.out" "^USERLIST #lobby: alice, bob$" 10
wait_for "$work/trace" "^shown #lobby : bob joined" 10

# The window sends a message: click the input, type, Enter.
click "$INPUT_X" "$INPUT_Y"
xdotool type --delay 30 "hello from the window"
key Return
wait_for "$work/cli.out" "^MSG alice #lobby: hello from the window$" 10

# The cli answers; the window shows it.
echo "MSG #lobby: hi alice, bob here" >&4
wait_for "$work/trace" "^shown #lobby bob: hi alice, bob here$" 10
sleep 0.3
shot 4-chat

# The cli calls the window's user; Accept is clicked in the window.
echo "/call alice" >&4
wait_for "$work/trace" "^shown incoming call from bob$" 10
sleep 0.3
shot 5-ringing
click "$ACCEPT_X" "$ACCEPT_Y"
wait_for "$work/cli.out" "^TALK [0-9a-f]{32}: ACCEPTED$" 10
wait_for "$work/cli.out" "^TALKMEMBERS [0-9a-f]{32}: bob, alice$" 10
sleep 0.5
shot 6-in-call

# Closing the hosting window (here: SIGTERM, as there is no window manager
# to press its close button) tells the cli the server is going away.
kill -TERM "$gui"
wait_for "$work/cli.out" "^ERROR SHUTDOWN: " 10
echo "PASS: window hosted, chatted both ways, took a call; screenshots in $out"
