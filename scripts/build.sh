#!/usr/bin/env bash
# Configures (once) and builds slipway in Release into build/ (or $SLIPWAY_BUILD_DIR).
# Quiet on success; on failure it shows the end of the build log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SLIPWAY_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$build"
log="$build/build.log"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1; then
    tail -40 "$log" >&2; echo "slipway: configure failed (full log: $log)" >&2; exit 1
  fi
fi
if ! cmake --build "$build" -j "$jobs" >"$log" 2>&1; then
  grep -E ': (error|fatal error):' "$log" | head -20 >&2 || true
  tail -30 "$log" >&2
  echo "slipway: build failed (full log: $log)" >&2
  exit 1
fi
