#!/usr/bin/env bash
# Configures (once) and builds Voixer into build/. Incremental afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" -- --no-print-directory | grep -vE '^\[ *[0-9]+%\] (Building|Linking)' || true
cmake --build build -j"$(nproc)" >/dev/null  # fails here if the build is broken
