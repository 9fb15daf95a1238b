#!/usr/bin/env bash
# Allreduce bandwidth on 2 ranks (see docs/benchmarks-allreduce.md): slipway's MPI and gloo
# communicators side by side with raw MPI_Allreduce, raw gloo::allreduce and torch.distributed's
# gloo backend, float32 sum 4 KiB..256 MiB, nccl-tests format. The whole set runs --reps times
# (default 3); the medians per size and a summary table with PASS/FAIL against the targets
# follow. Then the training step: slipway-train over gloo on 2 ranks against a compute-only
# 1-rank run plus the raw gloo allreduce of the gradient's size. Last, unless --no-diagnose,
# the variants that explain the MPI gap (MPI_Iallreduce without slipway; slipway with another
# libnbc algorithm), --reps runs each.
#
# usage: bench/allreduce/run_allreduce_benchmark.sh [--build-dir DIR] [--out DIR] [--reps N]
#          [--data FILE] [--max-bytes B] [--iter-scale X] [--no-build] [--no-train]
#          [--no-diagnose] [--no-wait]
# Not a test: ctest never runs it. Before every measured run it waits until no other
# benchmark, compiler or ctest runs and the CPUs are idle (--no-wait skips that).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
out=
reps=3
data=$root/data/fashion-mnist.h5
max_bytes=$((256 << 20))
iter_scale=1
build_it=1
train=1
diagnose=1
wait_quiet=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --data) data=$(realpath -m "$2"); shift 2 ;;
    --max-bytes) max_bytes=$2; shift 2 ;;
    --iter-scale) iter_scale=$2; shift 2 ;;
    --no-build) build_it=0; shift ;;
    --no-train) train=0; shift ;;
    --no-diagnose) diagnose=0; shift ;;
    --no-wait) wait_quiet=0; shift ;;
    -h|--help) sed -n "2,15p" "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
cd "$root"
[[ -n $out ]] || out=$build/allreduce-results  # logs, JSON, summary.txt (default: in the build dir)
here=$root/bench/allreduce
bin=$build/bin
python=/usr/bin/python3  # Debian's interpreter: the one that sees python3-torch

# Large buffers stay in the heap instead of being mmap'ed and unmapped on every malloc/free
# (a temporary buffer per call would otherwise pay ~11 us page faults per 4 KiB page, every
# call, from 32 MiB on here); applies to every backend, the raw ones included.
export MALLOC_MMAP_MAX_=0
export MALLOC_TRIM_THRESHOLD_=$((4 << 30))
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mpirun=(mpirun -np 2)
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

if [[ $build_it -eq 1 ]]; then
  targets=(allreduce_bench)
  [[ $train -eq 1 ]] && targets+=(slipway-train slipway-data)
  need=0
  for t in "${targets[@]}"; do [[ -x $bin/$t ]] || need=1; done
  if [[ $need -eq 1 || $here/allreduce_bench.cc -nt $bin/allreduce_bench ]]; then
    echo "== build (Release) -> $build: ${targets[*]}" >&2
    [[ -f $build/CMakeCache.txt ]] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
  fi
fi
[[ -x $bin/allreduce_bench ]] || { echo "missing $bin/allreduce_bench (drop --no-build)" >&2; exit 1; }
$python -c 'import torch.distributed' || { echo "$python cannot import torch.distributed (apt-get install python3-torch)" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.log "$out"/*.log.err "$out"/*.steal "$out"/*.txt

# Busy share of the CPUs over one second, from /proc/stat.
cpu_busy() {
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 1
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local total=0 idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
# Waits until no other benchmark, compiler or test runs and the CPUs are < 10% busy.
wait_for_quiet() {
  [[ $wait_quiet -eq 1 ]] || return 0
  local waited=0
  while true; do
    if ! pgrep -f 'cpu_benchmark.py|torch_mlp.py' >/dev/null && ! pgrep -x cc1plus >/dev/null \
        && ! pgrep -x ctest >/dev/null && [[ $(cpu_busy) -lt 10 ]]; then
      break
    fi
    [[ $waited -eq 0 ]] && echo "   (waiting for the machine to go quiet: $(uptime | sed 's/.*load/load/'))" >&2
    waited=$((waited + 1))
    sleep 5
  done
}
# CPU time the hypervisor gave to others while we ran (steal, 1/100 s ticks, both CPUs): a run
# with much of it measured a machine that was not all ours.
steal_ticks() { awk '/^cpu /{print $9}' /proc/stat; }
free_port() {
  $python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs `command...` as 2 local ranks with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT; rank 0's
# stdout goes to $log, both ranks' stderr to $log.err; fails when a rank fails.
two_ranks() {
  local log=$1; shift
  local port; port=$(free_port)
  local pids=() r
  for r in 0 1; do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      "$@" >>"$([[ $r -eq 0 ]] && echo "$log" || echo /dev/null)" 2>>"$log.err" &
    pids+=($!)
  done
  local rc=0
  for r in "${pids[@]}"; do wait "$r" || rc=$?; done
  return $rc
}

bench_one() {  # backend rep [file stem]
  local backend=$1 rep=$2
  local stem=$out/${3:-$backend}-rep$rep
  local common=(--max-bytes "$max_bytes" --iter-scale "$iter_scale" --json "$stem.json")
  wait_for_quiet
  echo "   ${3:-$backend} (run $rep/$reps)" >&2
  local steal_before; steal_before=$(steal_ticks)
  case $backend in
    raw-mpi|slipway-mpi|raw-mpi-iallreduce-wait|raw-mpi-iallreduce-yield)
      "${mpirun[@]}" "$bin/allreduce_bench" --backend "$backend" "${common[@]}" >"$stem.log" 2>"$stem.log.err" ;;
    raw-gloo)
      local store; store=$(mktemp -d)
      two_ranks "$stem.log" "$bin/allreduce_bench" --backend raw-gloo --file-store "$store" "${common[@]}"
      rm -rf "$store" ;;
    slipway-gloo)
      two_ranks "$stem.log" "$bin/allreduce_bench" --backend slipway-gloo "${common[@]}" ;;
    torch-gloo)
      GLOO_SOCKET_IFNAME=lo two_ranks "$stem.log" $python "$here/torch_allreduce.py" "${common[@]}" ;;
  esac
  echo $(( $(steal_ticks) - steal_before )) >"$stem.steal"
  echo "# cpu steal during this run: $(cat "$stem.steal") ticks of 10 ms" >>"$stem.log"
  cat "$stem.log"
}

echo "== allreduce, 2 ranks, $reps runs of each backend -> $out" >&2
{
  echo "# host: $(getconf _NPROCESSORS_ONLN) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
  echo "# $(mpirun --version 2>/dev/null | head -1) (openmpi-bin $(dpkg-query -W -f='${Version}' openmpi-bin 2>/dev/null));" \
       "libgloo-dev $(dpkg-query -W -f='${Version}' libgloo-dev 2>/dev/null);" \
       "torch $($python -c 'import torch; print(torch.__version__)' 2>/dev/null) (python3-torch $(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null))"
  echo "# MALLOC_MMAP_MAX_=$MALLOC_MMAP_MAX_ MALLOC_TRIM_THRESHOLD_=$MALLOC_TRIM_THRESHOLD_"
  echo
} | tee "$out/environment.txt"
for rep in $(seq 1 "$reps"); do
  for backend in raw-mpi slipway-mpi raw-gloo slipway-gloo torch-gloo; do
    bench_one "$backend" "$rep"
  done
done

if [[ $train -eq 1 ]]; then
  echo "== training step: Fashion-MNIST MLP 784-256-256-10, per-rank batch 128" >&2
  if [[ ! -f $data ]]; then
    mkdir -p "$(dirname "$data")"
    "$bin/slipway-data" fashion-mnist -o "$data"
  fi
  spec=$root/bench/fashion-mnist-bench.yaml
  # The gradient buffer: parameters + 4 statistics slots (model.h kStatSlots).
  grad_count=$((784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10 + 4))
  train_args() {  # checkpoint-dir summary-file global-batch
    echo "$spec" --set "data.path=$data" --set train.epochs=1 --set checkpoint.every_steps=0 \
      --set "checkpoint.dir=$1" --set "train.global_batch=$3" --summary-file "$2" --log-level warn
  }
  for rep in $(seq 1 "$reps"); do
    ck=$(mktemp -d)
    wait_for_quiet
    echo "   slipway-train --comm gloo, 2 ranks, global batch 256 (run $rep/$reps)" >&2
    # shellcheck disable=SC2046
    two_ranks "$out/train-gloo-2ranks-rep$rep.log" "$bin/slipway-train" --comm gloo \
      $(train_args "$ck/g" "$out/train-gloo-2ranks-rep$rep.json" 256)
    wait_for_quiet
    echo "   slipway-train, 1 rank (compute only), global batch 128 (run $rep/$reps)" >&2
    # shellcheck disable=SC2046
    "$bin/slipway-train" $(train_args "$ck/c" "$out/train-compute-1rank-rep$rep.json" 128) \
      >"$out/train-compute-1rank-rep$rep.log" 2>&1
    wait_for_quiet
    echo "   2 concurrent 1-rank runs (compute only, both cores busy) (run $rep/$reps)" >&2
    # shellcheck disable=SC2046
    "$bin/slipway-train" $(train_args "$ck/p0" "$out/train-compute-2procs-rep$rep.json" 128) \
      >"$out/train-compute-2procs-rep$rep.log" 2>&1 &
    other=$!
    # shellcheck disable=SC2046
    "$bin/slipway-train" $(train_args "$ck/p1" "$ck/p1.json" 128) >/dev/null 2>&1
    wait "$other"
    wait_for_quiet
    echo "   raw-gloo allreduce of $grad_count floats (run $rep/$reps)" >&2
    store=$(mktemp -d)
    two_ranks "$out/grad-raw-gloo-rep$rep.log" "$bin/allreduce_bench" --backend raw-gloo \
      --file-store "$store" --min-bytes $((grad_count * 4)) --max-bytes $((grad_count * 4)) \
      --iter-scale 2 --json "$out/grad-raw-gloo-rep$rep.json"
    rm -rf "$store"
    # Diagnosis: the allreduce in a training step's shape (busy work as long as this rep's
    # compute-only step, then the call, no barrier), raw gloo and slipway's gloo; and the
    # same training job over MPI.
    compute_us=$($python -c "import json; d = json.load(open('$out/train-compute-1rank-rep$rep.json')); print(round(d['train_seconds'] / d['steps'] * 1e6))")
    wait_for_quiet
    echo "   raw-gloo / slipway-gloo: ${compute_us} us busy + allreduce of $grad_count floats (run $rep/$reps)" >&2
    store=$(mktemp -d)
    two_ranks "$out/step-raw-gloo-rep$rep.log" "$bin/allreduce_bench" --backend raw-gloo \
      --file-store "$store" --min-bytes $((grad_count * 4)) --max-bytes $((grad_count * 4)) \
      --compute-us "$compute_us" --json "$out/step-raw-gloo-rep$rep.json"
    rm -rf "$store"
    wait_for_quiet
    two_ranks "$out/step-slipway-gloo-rep$rep.log" "$bin/allreduce_bench" --backend slipway-gloo \
      --min-bytes $((grad_count * 4)) --max-bytes $((grad_count * 4)) \
      --compute-us "$compute_us" --json "$out/step-slipway-gloo-rep$rep.json"
    wait_for_quiet
    echo "   slipway-train --comm mpi, 2 ranks, global batch 256 (run $rep/$reps)" >&2
    # shellcheck disable=SC2046
    "${mpirun[@]}" "$bin/slipway-train" --comm mpi \
      $(train_args "$ck/m" "$out/train-mpi-2ranks-rep$rep.json" 256) \
      >"$out/train-mpi-2ranks-rep$rep.log" 2>&1
    rm -rf "$ck"
  done
fi

if [[ $diagnose -eq 1 ]]; then
  echo "== diagnosis: MPI_Iallreduce without slipway, slipway-mpi with libnbc's rabenseifner" >&2
  for rep in $(seq 1 "$reps"); do
    bench_one raw-mpi-iallreduce-wait "$rep" >/dev/null
    bench_one raw-mpi-iallreduce-yield "$rep" >/dev/null
    OMPI_MCA_coll_libnbc_iallreduce_algorithm=3 bench_one slipway-mpi "$rep" slipway-mpi-rabenseifner >/dev/null
  done
fi

echo "== medians and summary" >&2
$python "$here/summarize_allreduce.py" "$out" | tee "$out/summary.txt"
