#!/usr/bin/env bash
# CPU benchmark in one invocation (see docs/benchmarks.md): slipway-train on 2 ranks,
# PyTorch DDP (gloo, 2 processes x 1 thread) and single-process PyTorch (best of 1 thread,
# 2 threads, 2 threads with OMP_WAIT_POLICY=PASSIVE), the same job (bench/fashion-mnist-bench.yaml) on the same HDF5 file, 3 runs each;
# then cblas_sgemm at the model's GEMM shapes, 2 processes x 1 thread, as the machine's limit.
# Prints one table and writes a JSON file (bench/results/cpu_benchmark.json or --out).
#
# usage: bench/run_cpu_benchmark.sh [--build-dir DIR] [--data FILE] [--no-install] [--no-build]
#                                   [any bench/cpu_benchmark.py flag: --out F --reps N ...]
# Not a test: ctest never runs it. Run it on an otherwise idle machine; the driver waits for
# the CPUs to go quiet before each run and records how busy they were.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
data=$root/data/fashion-mnist.h5
install=1
build_it=1
passthrough=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --data) data=$(realpath -m "$2"); shift 2 ;;
    --no-install) install=0; shift ;;
    --no-build) build_it=0; shift ;;
    -h|--help) sed -n "2,11p" "$0"; exit 0 ;;
    *) passthrough+=("$1"); shift ;;
  esac
done
cd "$root"

echo "== 1/4 packages" >&2
py_packages=(python3-torch python3-h5py python3-numpy)
missing=()
for package in "${py_packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ $install -eq 1 ]]; then
  scripts/install-deps.sh  # build deps, OpenMPI, the Fashion-MNIST package; quiet if present
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "installing ${missing[*]} (Debian's PyTorch, CPU)" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
      command -v sudo >/dev/null || { echo "need root or sudo: apt-get install ${missing[*]}" >&2; exit 1; }
      sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
      </dev/null >/dev/null
  fi
elif [[ ${#missing[@]} -gt 0 ]]; then
  echo "missing: ${missing[*]}; run: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
  exit 1
fi
# Debian's interpreter: the one that sees python3-torch (a pyenv python3 on PATH does not).
/usr/bin/python3 -c 'import torch, h5py, numpy' \
  || { echo "/usr/bin/python3 cannot import torch, h5py, numpy" >&2; exit 1; }

if [[ $build_it -eq 1 ]]; then
  echo "== 2/4 build (Release) -> $build" >&2
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" -j "$(nproc)" --target slipway-train slipway-data sgemm_limit >/dev/null
else
  echo "== 2/4 build skipped (--no-build): using $build/bin" >&2
fi
for exe in slipway-train slipway-data sgemm_limit; do
  [[ -x "$build/bin/$exe" ]] || { echo "missing $build/bin/$exe (build it, or drop --no-build)" >&2; exit 1; }
done

echo "== 3/4 data -> $data" >&2
if [[ ! -f "$data" ]]; then
  mkdir -p "$(dirname "$data")"
  "$build/bin/slipway-data" fashion-mnist -o "$data"
fi

echo "== 4/4 benchmark (about 4 minutes)" >&2
exec /usr/bin/python3 "$root/bench/cpu_benchmark.py" --build-dir "$build" --data "$data" \
  "${passthrough[@]}"
