#!/usr/bin/env bash
# Mouth-to-ear latency through the echo call (the mic test), on loopback:
# one `voixer cli` plays speech into its microphone (a WAV file), calls
# *echo, and records what it hears; the delay is read from the cross-
# correlation of the two files, which run off one clock. Then the cli's
# /stats line on the echo call: frames late, and waited for.
#
#   bench/echo_latency.sh [build-dir] [extra cli flags...]   e.g. --frame-ms 10
#   REPEAT=3 bench/echo_latency.sh build --frame-ms 10 --sim-jitter 4   (the speech 3 times)
set -euo pipefail
build=${1:-build}
shift || true
exe=$build/app/voixer
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
espeak-ng -s 150 -w "$dir/raw.wav" "Testing one two three. The quick brown fox jumps over the lazy dog." 
sox "$dir/raw.wav" -r 48000 -c 1 -b 16 "$dir/one.wav" pad 1.5 0.8
parts=()
for ((i = 0; i < ${REPEAT:-1}; i++)); do parts+=("$dir/one.wav"); done
sox "${parts[@]}" "$dir/in.wav"  # one input is a copy
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$exe serve --bind 127.0.0.1 --port "$port" --quiet 2>/dev/null &
server=$!
sleep 0.3
secs=$(soxi -D "$dir/in.wav")
# The cli runs for the length of the file plus a second, then reads EOF.
( echo /echo; sleep "$(echo "$secs + 1" | bc)"; echo /stats; sleep 0.5 ) |
  $exe cli "127.0.0.1:$port" --nick bench --input-mode always \
    --audio-in "$dir/in.wav" --audio-out "$dir/out.wav" "$@" >"$dir/cli.out" 2>"$dir/cli.log"
$build/bench/wav_compare "$dir/in.wav" "$dir/out.wav"
grep -h "\*echo:" "$dir/cli.out" "$dir/cli.log" | tail -1 || true
