#!/usr/bin/env bash
# The main job: install what is missing, build, convert Fashion-MNIST to HDF5, train
# configs/fashion-mnist.yaml on 2 CPU ranks through `slipway-launch run` (mpirun), export the
# model into a Triton-layout repository, serve it with slipway-serve and ask it for one
# prediction, and say where everything went.
# Usage: scripts/run-fashion-mnist.sh [extra --set flags, e.g. --set train.epochs=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run_dir=${SLIPWAY_RUN_DIR:-$root/runs/fashion-mnist}
port=${SLIPWAY_SERVE_PORT:-8000}

echo "== 1/5 dependencies"
scripts/install-deps.sh
echo "== 2/5 build (Release) -> build/bin/"
scripts/build.sh

echo "== 3/5 data -> data/fashion-mnist.h5"
mkdir -p data "$run_dir"
if [[ ! -f data/fashion-mnist.h5 ]]; then
  build/bin/slipway-data fashion-mnist -o data/fashion-mnist.h5
else
  echo "data/fashion-mnist.h5 already there (delete it to convert again)"
fi

echo "== 4/5 train on 2 CPU ranks: slipway-launch run (mpirun), then export"
# The demo trains from scratch each time; a real job keeps its checkpoints and resumes.
rm -rf "$run_dir/checkpoints"
build/bin/slipway-launch run configs/fashion-mnist.yaml \
  --set checkpoint.dir="$run_dir/checkpoints" --set export.repository="$run_dir/models" "$@" \
  -- --metrics-file "$run_dir/metrics.jsonl" --summary-file "$run_dir/summary.json"

echo "== 5/5 serve the exported model and ask for one prediction"
serve_log="$run_dir/serve.log"
build/bin/slipway-serve --repository "$run_dir/models" --port "$port" >"$serve_log" 2>&1 &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null || true' EXIT
# The first test image of Fashion-MNIST as the features the HDF5 file holds (pixels / 255).
request="$run_dir/request.json"
python3 - "$request" <<'PY'
import gzip, json, sys
images = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
labels = gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz").read()
json.dump({"features": [b / 255 for b in images[16:16 + 784]]}, open(sys.argv[1], "w"))
print(f"  request:   {sys.argv[1]} (test image 0, true label {labels[8]})")
PY
for _ in $(seq 1 100); do
  curl -sf "localhost:$port/ready" >/dev/null 2>&1 && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$serve_log" >&2; echo "slipway-serve exited" >&2; exit 1; }
  sleep 0.1
done
answer=$(curl -sf "localhost:$port/predict" -H 'Content-Type: application/json' --data @"$request")
echo "  curl -s localhost:$port/predict --data @$request"
echo "  -> $answer" | cut -c1-200
kill -TERM "$serve_pid"
wait "$serve_pid" || true
trap - EXIT

echo
echo "Done. Where everything went:"
echo "  binaries:    $root/build/bin/ (slipway-train, slipway-data, slipway-launch, slipway-serve)"
echo "  data:        $root/data/fashion-mnist.h5  (inspect: build/bin/slipway-data inspect data/fashion-mnist.h5)"
echo "  metrics:     $run_dir/metrics.jsonl"
echo "  summary:     $run_dir/summary.json"
echo "  checkpoints: $run_dir/checkpoints/ (the last 3; the newest is the final model)"
python3 - "$run_dir/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
e = s.get("export", {})
if e:
    print(f"  model:       {e['model']} (model '{e['name']}' version {e['version']}, ONNX in Triton's layout)")
print(f"  result:      test accuracy {s['test_accuracy']:.4f}, test loss {s['test_loss']:.4f}, "
      f"{s['train_samples_per_sec']:.0f} samples/s on {s['world_size']} ranks, "
      f"{s['wall_seconds']:.1f} s wall, peak RSS {s['peak_rss_mb']:.0f} MiB per rank (max)")
PY
echo "  serving log: $serve_log"
echo "  serve again: build/bin/slipway-serve --repository $run_dir/models --port $port"
echo "  on Kubernetes: build/bin/slipway-launch plan configs/fashion-mnist.yaml; ... render | kubectl apply -f -"
