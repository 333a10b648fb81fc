#!/usr/bin/env bash
# The window finds a server on the network and joins it with one click:
# under Xvfb, `voixer serve --name "Bob's LAN"` answers LAN discovery (on a
# discovery port of this test's own), the start screen lists it, a click
# on its row joins, and the server's user list then has the window's user.
#
#   gui_lan_join.sh VOIXER_EXE ARTEFACTS_DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"
free_port() { python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.$1);s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }

# Where the first server of the list is in the 1200x760 window at font
# scale 1 (from screenshots): the row under "On your network".
ROW_X=420 ROW_Y=629

start_display

port=$(free_port SOCK_STREAM)
discovery=$(free_port SOCK_DGRAM)
"$exe" serve --port "$port" --discovery-port "$discovery" --name "Bob's LAN" 2>"$work/serve.err" &
pids+=($!)
wait_for "$work/serve.err" "serving on" 10

"$exe" --nick alice --discovery-port "$discovery" --trace "$work/trace" >"$work/gui.out" 2>"$work/gui.err" &
pids+=($!)
wait_for "$work/trace" "^shown LAN server Bob's LAN " 10
sleep 0.3
import -window root "$out/lan-1-found.png"
xdotool mousemove "$ROW_X" "$ROW_Y" click 1
wait_for "$work/trace" "^shown main screen$" 10
wait_for "$work/serve.err" "connected" 10
sleep 0.3
import -window root "$out/lan-2-joined.png"
echo "PASS: the window found Bob's LAN in its list and joined with one click; screenshots in $out"
