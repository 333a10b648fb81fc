#!/usr/bin/env bash
# Soak: one `voixer serve`, 500 clients chatting in one channel and 20
# people in two group calls of 10, for a while (default 600 s). Every 10 s
# the server's resident memory and open descriptors are sampled; at the end
# the chat benchmark reports lost messages and the relay the frames it got.
#
#   bench/soak.sh [build-dir] [seconds]
set -euo pipefail
build=${1:-build}
seconds=${2:-600}
exe=$build/app/voixer
work=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
$exe serve --bind 127.0.0.1 --port "$port" --quiet --flood-rate 0 --max-per-address 0 \
  --max-clients 2000 --max-pending 2000 --max-pending-per-address 2000 \
  --max-voice-per-address 0 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 0.3

sample() {
  echo "t_s,rss_kib,fds"
  local t=0
  while kill -0 "$server" 2>/dev/null; do
    echo "$t,$(awk '/VmRSS/{print $2}' /proc/$server/status),$(ls /proc/$server/fd | wc -l)"
    sleep 10
    t=$((t + 10))
  done
}
sample > "$work/samples.csv" &
sampler=$!

$build/bench/relay_load --connect "$port" --server-pid "$server" --calls 2 --members 10 \
  --seconds "$seconds" --nick-prefix caller > "$work/relay.out" 2>&1 &
relay=$!
$build/bench/chat_fanout --connect "127.0.0.1:$port" --server-pid "$server" --clients 500 \
  --senders 50 --rate 200 --warmup 5 --seconds "$seconds" > "$work/chat.out" 2>&1
wait $relay
sleep 3  # every client has left: descriptors must be back to where they started
after="$(awk '/VmRSS/{print $2}' /proc/$server/status) KiB, $(ls /proc/$server/fd | wc -l) descriptors"
kill $sampler 2>/dev/null || true

echo "== chat (500 clients, 50 senders, 200 msg/s, every message to 499 others)"
cat "$work/chat.out" | grep -vE '^\s*$' | tail -8
echo "== voice (2 calls x 10 talkers)"
cat "$work/relay.out"
echo "== server memory and descriptors every 10 s"
cat "$work/samples.csv"
echo "after every client left: $after (at start: $(sed -n 2p "$work/samples.csv"))"
