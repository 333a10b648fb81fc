#!/usr/bin/env bash
# Install what is missing, build, and run voixer with the given arguments.
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-deps.sh
scripts/build.sh
exec build/app/voixer "$@"
