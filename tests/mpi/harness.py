"""Shared helpers for slipway's process-level tests (mpi, smoke): build a spec, start
slipway-train under mpirun with a hard timeout, read what it wrote. Standard library only."""

import array
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import textwrap

BIN_DIR = os.environ.get("SLIPWAY_BIN_DIR", "")
MPIEXEC = os.environ.get("SLIPWAY_MPIEXEC", "mpirun")
CORES = os.cpu_count() or 1


def tool(name):
    path = os.path.join(BIN_DIR, name)
    if not os.path.exists(path):
        sys.exit(f"missing {path}: set SLIPWAY_BIN_DIR to the build's bin/ folder")
    return path


def mpirun_prefix(ranks):
    """mpirun as slipway-launch will run it on one host: root allowed only when root,
    --oversubscribe only when ranks exceed cores."""
    command = [MPIEXEC, "-np", str(ranks)]
    if ranks > CORES:
        command.append("--oversubscribe")
    return command


def mpi_env(extra=None):
    env = dict(os.environ)
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    if extra:
        env.update(extra)
    return env


def run(command, timeout, env=None, cwd=None):
    """Runs a command to completion or kills it at `timeout` seconds (a test never hangs)."""
    try:
        done = subprocess.run(command, env=env, cwd=cwd, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"timed out after {timeout}s: {' '.join(command)}\n"
                             f"stderr: {expired.stderr}") from None
    return done


def train(spec_path, ranks, workdir, timeout=240, sets=(), name="run", extra_env=None):
    """slipway-train under mpirun (ranks > 0) or alone (ranks == 0); returns (proc, summary,
    metrics, parameters)."""
    summary = os.path.join(workdir, f"{name}.summary.json")
    metrics = os.path.join(workdir, f"{name}.metrics.jsonl")
    params = os.path.join(workdir, f"{name}.params.f32")
    command = [tool("slipway-train"), spec_path, "--summary-file", summary,
               "--metrics-file", metrics, "--dump-parameters", params]
    for item in sets:
        command += ["--set", item]
    if ranks > 0:
        command = mpirun_prefix(ranks) + command
    proc = run(command, timeout, env=mpi_env(extra_env))
    result = {"proc": proc, "summary": None, "metrics": [], "params": None}
    if proc.returncode == 0:
        with open(summary) as f:
            result["summary"] = json.load(f)
        with open(metrics) as f:
            result["metrics"] = [json.loads(line) for line in f if line.strip()]
        values = array.array("f")
        with open(params, "rb") as f:
            values.frombytes(f.read())
        result["params"] = values
    return result


def relative_l2(a, b):
    assert len(a) == len(b), f"parameter counts differ: {len(a)} vs {len(b)}"
    diff = math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    norm = math.sqrt(sum(x * x for x in a))
    return diff / norm


def write_spec(path, body):
    with open(path, "w") as f:
        f.write(textwrap.dedent(body))
    return path


def make_synthetic_csv(path, rows=4000, features=24, classes=5, seed=7):
    """A learnable classification problem: labels from a random linear map plus noise."""
    rng = random.Random(seed)
    weights = [[rng.gauss(0, 1) for _ in range(features)] for _ in range(classes)]
    with open(path, "w") as f:
        f.write(",".join([f"f{i}" for i in range(features)] + ["label"]) + "\n")
        for _ in range(rows):
            x = [rng.gauss(0, 1) for _ in range(features)]
            scores = [sum(w * v for w, v in zip(row, x)) + rng.gauss(0, 0.5) for row in weights]
            label = max(range(classes), key=lambda k: scores[k])
            f.write(",".join(f"{v:.6f}" for v in x) + f",{label}\n")
    return path


def make_synthetic_h5(workdir, rows=4000, features=24, classes=5, test_fraction=0.2):
    csv = make_synthetic_csv(os.path.join(workdir, "synthetic.csv"), rows, features, classes)
    out = os.path.join(workdir, "synthetic.h5")
    proc = run([tool("slipway-data"), "csv", csv, "--label", "label", "--test-fraction",
                str(test_fraction), "-o", out], timeout=60)
    assert proc.returncode == 0, proc.stderr
    return out


def train_losses(metrics):
    return [(m["step"], m["loss"]) for m in metrics if m.get("type") == "train"]


def new_workdir(prefix):
    return tempfile.mkdtemp(prefix=f"slipway-{prefix}-")
