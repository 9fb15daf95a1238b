#!/usr/bin/env bash
# Configures (once) and builds slipway in Release into build/ (or $SLIPWAY_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SLIPWAY_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "$jobs" 2>&1 | grep -E 'error|warning|Error' || true
# grep above only filters the noise; the build's own status decides.
cmake --build "$build" -j "$jobs" >/dev/null
