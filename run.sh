#!/usr/bin/env bash
# Install what is missing, build the voixer executable, and run it with the
# given arguments. Only voixer's own output reaches stdout (`./run.sh cli`
# is scriptable); installing and building report on stderr.
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-deps.sh >&2
scripts/build.sh voixer
exec build/app/voixer "$@"
