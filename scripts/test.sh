#!/usr/bin/env bash
# The whole test suite: install what is missing (Debian packages, the test tools' venv),
# build, run every ctest test (labels: unit, mpi, smoke, k8s, serve, gpu). Extra arguments go
# to ctest, e.g. scripts/test.sh -L unit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/venv.sh >/dev/null
scripts/build.sh
source scripts/mpi-env.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@"
