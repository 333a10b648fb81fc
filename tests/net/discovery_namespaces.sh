#!/usr/bin/env bash
# LAN discovery between separate hosts: four network namespaces (a hub with
# a bridge, and three hosts on it, 10.86.0.1-3/24) made by this test and
# removed after it. Alice's host serves "Alice's LAN"; Carol's serves a
# locked "Carol's" and a server with --no-discovery; Bob's host runs
# `voixer lan` and must list the first two only, join one, and see Alice's
# gone a few seconds after it stops.
#
#   discovery_namespaces.sh VOIXER_EXE
# Exits 77 (skipped) with a line saying why where namespaces cannot be made.
set -euo pipefail
exe=$1
tag="vx$$"
hub="${tag}hub" a="${tag}a" b="${tag}b" c="${tag}c"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "$a" "$b" "$c" "$hub"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! ip netns add "$hub" 2>"$work/err"; then
  echo "SKIP: cannot make network namespaces here ($(cat "$work/err")); run as root"
  exit 77
fi
ip -n "$hub" link add br0 type bridge
ip -n "$hub" link set br0 up
i=0
for n in "$a" "$b" "$c"; do
  i=$((i + 1))
  ip netns add "$n"
  ip link add "${n}p" type veth peer name "${n}h"
  ip link set "${n}p" netns "$hub"
  ip link set "${n}h" netns "$n"
  ip -n "$hub" link set "${n}p" master br0 up
  ip -n "$n" link set lo up
  ip -n "$n" addr add "10.86.0.$i/24" brd + dev "${n}h"
  ip -n "$n" link set "${n}h" up
done

# Each host its own files (identity, known servers). spawn_in is for
# servers in the background: the process it leaves is voixer itself.
in_ns() { local ns=$1; shift; XDG_DATA_HOME="$work/$ns/data" XDG_CONFIG_HOME="$work/$ns/config" ip netns exec "$ns" "$@"; }
spawn_in() { local ns=$1; shift; XDG_DATA_HOME="$work/$ns/data" XDG_CONFIG_HOME="$work/$ns/config" exec ip netns exec "$ns" "$@"; }

spawn_in "$a" "$exe" serve --name "Alice's LAN" --quiet 2>"$work/a.err" &
pids+=($!)
alice=$!
spawn_in "$c" "$exe" serve --name "Carol's" --password secret --port 8650 --quiet 2>"$work/c.err" &
pids+=($!)
spawn_in "$c" "$exe" serve --no-discovery --port 8651 --quiet 2>"$work/c2.err" &
pids+=($!)
for f in a c c2; do
  for _ in $(seq 100); do grep -q "serving on" "$work/$f.err" 2>/dev/null && break; sleep 0.05; done
  grep -q "serving on" "$work/$f.err" || fail "server $f did not start: $(cat "$work/$f.err")"
done

start=$(date +%s%N)
in_ns "$b" "$exe" lan --seconds 1 >"$work/found" || fail "voixer lan found nothing"
cat "$work/found"
grep -qP "^10\.86\.0\.1:8649\tAlice's LAN\t-\t0\topen\t[0-9]+$" "$work/found" || fail "Alice's LAN not listed"
grep -qP "^10\.86\.0\.3:8650\tCarol's\t-\t0\tlocked\t[0-9]+$" "$work/found" || fail "Carol's not listed as locked"
grep -q ":8651" "$work/found" && fail "a server with --no-discovery was listed"
[ "$(wc -l <"$work/found")" = 2 ] || fail "expected exactly two servers"
echo "discovery: both servers found, round trips $(cut -f6 "$work/found" | paste -sd, -) ms"

# Joining by the address found, from Bob's host.
address=$(grep "Alice's LAN" "$work/found" | cut -f1)
mkfifo "$work/bob.in"
spawn_in "$b" "$exe" cli "$address" --nick bob --no-voice <"$work/bob.in" >"$work/bob.out" 2>"$work/bob.err" &
pids+=($!)
exec 3>"$work/bob.in"
for _ in $(seq 100); do grep -q "^ACCEPT: " "$work/bob.out" && break; sleep 0.05; done
grep -q "^ACCEPT: " "$work/bob.out" || fail "bob was not accepted by $address: $(cat "$work/bob.err")"
exec 3>&-

# Alice's server stops: the next look does not list it.
kill "$alice"
wait "$alice" 2>/dev/null || true
in_ns "$b" "$exe" lan --seconds 1 >"$work/after" || true
grep -q "Alice's LAN" "$work/after" && fail "Alice's LAN still listed after it stopped"
grep -q "Carol's" "$work/after" || fail "Carol's went missing"
echo "PASS: discovery across namespaces"
