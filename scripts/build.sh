#!/usr/bin/env bash
# Configures (once) and builds Voixer into build/. Incremental afterwards.
# With arguments, builds only those targets (run.sh builds just `voixer`).
# Everything it prints goes to stderr: scripts read the program's stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=()
for t in "$@"; do targets+=(--target "$t"); done
[ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build build -j"$(nproc)" "${targets[@]}" -- --no-print-directory 2>&1 |
  grep -vE '^\[ *[0-9]+%\] (Building|Linking)' >&2 || true
cmake --build build -j"$(nproc)" "${targets[@]}" >/dev/null  # fails here if the build is broken
