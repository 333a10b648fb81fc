#!/usr/bin/env bash
# The window's cost when nobody touches it, and how fast it comes up.
# Under Xvfb (llvmpipe, no vsync): start `voixer --host`, measure the time
# until the first frame is drawn, then the process's CPU time over 10 s of
# idling as a host with one connected client.
#
#   bench/gui_idle.sh [build-dir]
set -euo pipefail
build=${1:-build}
exe=$build/app/voixer
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
export DISPLAY=":$(cat "$work/display")" XDG_CONFIG_HOME="$work/config" SDL_AUDIODRIVER=dummy
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')

start=$(date +%s.%N)
"$exe" --report-startup --nick idler --host --port "$port" 2>"$work/gui.err" &
gui=$!
pids+=($gui)
for _ in $(seq 400); do grep -q "first frame" "$work/gui.err" 2>/dev/null && break; sleep 0.005; done
shown=$(date +%s.%N)
echo "first frame: $(grep -o 'after [0-9]* ms' "$work/gui.err") inside the process," \
     "$(echo "($shown - $start) * 1000 / 1" | bc) ms from launch (including this script's polling)"

sleep 1
( sleep 30 ) | "$exe" cli "127.0.0.1:$port" --nick friend --no-voice >/dev/null 2>&1 &
pids+=($!)
sleep 2
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$gui/stat"; }
c0=$(cpu)
sleep 10
c1=$(cpu)
echo "idle CPU over 10 s: $(echo "scale=2; ($c1 - $c0) * 100 / $ticks / 10" | bc) % of one core" \
     "($((c1 - c0)) ticks of 1/$ticks s)"
