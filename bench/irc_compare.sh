#!/usr/bin/env bash
# Voixer's chat server against InspIRCd, measured the same way in one run:
# the same benchmark (bench/chat_fanout), the same load, the same clients
# acknowledging every read at once (--quickack), the two servers taking
# turns so that a noisy neighbour hurts both alike. Prints each run's RESULT
# and, at the end, Voixer's figures as a fraction of InspIRCd's.
#
#   bench/irc_compare.sh [ROUNDS] [chat_fanout options...]
#   e.g. bench/irc_compare.sh 2 --clients 200 --senders 20 --rate 2000 --seconds 5
#        bench/irc_compare.sh 1 --rate 0 --seconds 5          (flat out)
#        VOIXER_SERVER_ARGS="--coalesce-ms 2" bench/irc_compare.sh 2   (voixer serve options)
#
# Needs inspircd (apt-get install inspircd; installed here when missing and
# running as root) and the build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
shift || true
load=("$@")
[ ${#load[@]} -gt 0 ] || load=(--clients 200 --senders 20 --rate 2000 --seconds 5)
bench=build/bench/chat_fanout voixer=build/app/voixer
[ -x "$bench" ] && [ -x "$voixer" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
if ! command -v inspircd >/dev/null && [ ! -x /usr/sbin/inspircd ]; then
  [ "$(id -u)" = 0 ] || { echo "inspircd is not installed (apt-get install inspircd)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q inspircd >/dev/null
fi
inspircd=$(command -v inspircd || echo /usr/sbin/inspircd)

work=$(mktemp -d)
ircd_pid=
cleanup() { [ -n "$ircd_pid" ] && kill "$ircd_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }

run_inspircd() {
  local port; port=$(free_port)
  : >"$work/motd"
  sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$work|g" bench/irc/inspircd.conf.in >"$work/inspircd.conf"
  ulimit -n "$(ulimit -Hn)"
  "$inspircd" --nofork --runasroot --config="$work/inspircd.conf" >"$work/inspircd.out" 2>&1 &
  ircd_pid=$!
  for _ in $(seq 100); do
    python3 -c "import socket;socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
    sleep 0.1
  done
  "$bench" --irc --quickack --connect "127.0.0.1:$port" --server-pid "$ircd_pid" "${load[@]}" \
    2>"$work/bench.err" | grep '^RESULT' | sed 's/^RESULT/inspircd/' || { cat "$work/bench.err" "$work/inspircd.out" >&2; return 1; }
  kill "$ircd_pid"; wait "$ircd_pid" 2>/dev/null || true; ircd_pid=
}

run_voixer() {
  local extra=()
  for arg in ${VOIXER_SERVER_ARGS:-}; do extra+=(--server-arg "$arg"); done
  "$bench" --quickack --server "$voixer" "${extra[@]}" "${load[@]}" 2>"$work/bench.err" | grep '^RESULT' |
    sed 's/^RESULT/voixer/' || { cat "$work/bench.err" >&2; return 1; }
}

for _ in $(seq "$rounds"); do
  run_inspircd | tee -a "$work/results"
  run_voixer | tee -a "$work/results"
done

# Medians are overkill for two rounds: the mean of each figure, then the ratio.
python3 - "$work/results" <<'PY'
import sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    server, *fields = line.split()
    runs[server].append(dict(f.split("=", 1) for f in fields if "=" in f))
def mean(server, key):
    values = [float(r[key]) for r in runs[server] if r.get(key, "na") not in ("na", "")]
    return sum(values) / len(values) if values else float("nan")
print()
print("%-24s %12s %12s %8s" % ("figure", "voixer", "inspircd", "ratio"))
for key in ("server_us_per_delivery", "p50_ms", "p99_ms", "deliveries_per_s"):
    v, i = mean("voixer", key), mean("inspircd", key)
    print("%-24s %12.3f %12.3f %8.2f" % (key, v, i, v / i if i else float("nan")))
PY
