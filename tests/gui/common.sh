# Shared by the window's end-to-end scripts (sourced after `set -euo
# pipefail` and with $1 = VOIXER_EXE, $2 = ARTEFACTS_DIR): a work directory
# and the processes to stop on exit, failing with the window's stderr,
# waiting for a line in a file, and a display of our own (Xvfb) with
# voixer's files in the work directory.
exe=$1
out=$2
mkdir -p "$out"
work=$(mktemp -d)
pids=()
# The processes still running get SIGTERM and 10 s to go. One that is
# still there then is named (a voixer that does not stop on SIGTERM is a
# defect of its own, and this test may have passed) and killed, so that the
# test ends with its own verdict instead of ctest's timeout.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  all_gone 10 "${pids[@]}" || for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "cleanup: still running 10 s after SIGTERM, killed: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" |
        tee -a "$out/cleanup.log" >&2
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Waits up to SECONDS for every PID given to exit; true when they all did.
all_gone() {
  local seconds=$1 alive p
  shift
  for _ in $(seq $((seconds * 20))); do
    alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.05
  done
  return 1
}

fail() {
  echo "FAIL: $*" >&2
  echo "--- gui trace, last lines" >&2
  tail -n 15 "$work/trace" >&2 2>/dev/null || true
  echo "--- gui stderr" >&2
  cat "$work/gui.err" >&2 || true
  exit 1
}

# Sends PID SIGTERM and waits up to SECONDS for it to exit; fails, naming
# WHAT, when it is still running then.
stop_and_wait() {
  local pid=$1 seconds=$2 what=$3
  kill -TERM "$pid" 2>/dev/null || true
  all_gone "$seconds" "$pid" || fail "$what still running ${seconds}s after SIGTERM"
  wait "$pid" 2>/dev/null || true
}

# Waits until FILE has a line matching PATTERN (grep -E), up to SECONDS.
wait_for() {
  local file=$1 pattern=$2 seconds=${3:-10}
  for _ in $(seq $((seconds * 20))); do
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "no '$pattern' in $(basename "$file") after ${seconds}s"
}

start_display() {
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.05; done
  export DISPLAY=":$(cat "$work/display")"
  export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache"
  export SDL_AUDIODRIVER=dummy
  touch "$work/trace"
}

# Starts `voixer serve` on a free port of its own (files in $work/server),
# sets $port, and waits until it listens.
start_server() {
  port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
  "$exe" serve --port "$port" --no-discovery --data-dir "$work/server" 2>"$work/serve.err" &
  pids+=($!)
  wait_for "$work/serve.err" "serving on" 10
}
