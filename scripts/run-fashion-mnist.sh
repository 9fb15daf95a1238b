#!/usr/bin/env bash
# The main job: install what is missing, build, convert Fashion-MNIST to HDF5, train
# configs/fashion-mnist.yaml on 2 CPU ranks with mpirun, and say where everything went.
# Usage: scripts/run-fashion-mnist.sh [extra slipway-train flags, e.g. --set train.epochs=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ranks=${SLIPWAY_RANKS:-2}
run_dir=${SLIPWAY_RUN_DIR:-$root/runs/fashion-mnist}

echo "== 1/4 dependencies"
scripts/install-deps.sh
echo "== 2/4 build (Release) -> build/bin/"
scripts/build.sh

echo "== 3/4 data -> data/fashion-mnist.h5"
mkdir -p data "$run_dir"
if [[ ! -f data/fashion-mnist.h5 ]]; then
  build/bin/slipway-data fashion-mnist -o data/fashion-mnist.h5
else
  echo "data/fashion-mnist.h5 already there (delete it to convert again)"
fi

echo "== 4/4 train on $ranks CPU ranks"
source scripts/mpi-env.sh
# The demo trains from scratch each time; a real job keeps its checkpoints and resumes.
rm -rf "$run_dir/checkpoints"
# shellcheck disable=SC2046
mpirun $(mpirun_flags "$ranks") build/bin/slipway-train configs/fashion-mnist.yaml \
  --set checkpoint.dir="$run_dir/checkpoints" \
  --metrics-file "$run_dir/metrics.jsonl" --summary-file "$run_dir/summary.json" "$@"

echo
echo "Done. Where everything went:"
echo "  binaries:  $root/build/bin/ (slipway-train, slipway-data)"
echo "  data:      $root/data/fashion-mnist.h5  (inspect: build/bin/slipway-data inspect data/fashion-mnist.h5)"
echo "  metrics:   $run_dir/metrics.jsonl"
echo "  summary:   $run_dir/summary.json"
echo "  checkpoints: $run_dir/checkpoints/ (the last 3; the newest is the final model)"
python3 - "$run_dir/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"  result:    test accuracy {s['test_accuracy']:.4f}, test loss {s['test_loss']:.4f}, "
      f"{s['train_samples_per_sec']:.0f} samples/s on {s['world_size']} ranks, "
      f"{s['wall_seconds']:.1f} s wall, peak RSS {s['peak_rss_mb']:.0f} MiB per rank (max)")
PY
