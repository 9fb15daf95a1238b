#!/usr/bin/env bash
# The request-parser fuzz target (tests/serve/fuzz) for longer than CI runs it:
#   bench/serve/run_fuzz_long.sh [SECONDS (default 600)] [WORKDIR (keeps the grown corpus)]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec "$root/tests/serve/fuzz/run_fuzz.sh" "${1:-600}" "${2:-/tmp/slipway-fuzz-long}"
