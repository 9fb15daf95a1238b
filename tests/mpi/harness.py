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
import time

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


def train_command(spec_path, ranks, workdir, sets=(), name="run", checkpoint_dir=None):
    """The slipway-train command line (under mpirun when ranks > 0) writing
    <name>.summary.json, <name>.metrics.jsonl and <name>.params.f32 into workdir, with its
    checkpoints in <name>.ckpt/ unless checkpoint_dir names another."""
    checkpoint_dir = checkpoint_dir or os.path.join(workdir, f"{name}.ckpt")
    command = [tool("slipway-train"), spec_path,
               "--summary-file", os.path.join(workdir, f"{name}.summary.json"),
               "--metrics-file", os.path.join(workdir, f"{name}.metrics.jsonl"),
               "--dump-parameters", os.path.join(workdir, f"{name}.params.f32"),
               "--set", f"checkpoint.dir={checkpoint_dir}"]
    for item in sets:
        command += ["--set", item]
    if ranks > 0:
        command = mpirun_prefix(ranks) + command
    return command


def read_results(workdir, name, proc):
    """What a finished run left: summary, metrics records, final parameters."""
    result = {"proc": proc, "summary": None, "metrics": [], "params": None}
    summary = os.path.join(workdir, f"{name}.summary.json")
    metrics = os.path.join(workdir, f"{name}.metrics.jsonl")
    params = os.path.join(workdir, f"{name}.params.f32")
    if os.path.exists(metrics):
        with open(metrics) as f:
            result["metrics"] = [json.loads(line) for line in f if line.strip()]
    if proc.returncode == 0:
        with open(summary) as f:
            result["summary"] = json.load(f)
        values = array.array("f")
        with open(params, "rb") as f:
            values.frombytes(f.read())
        result["params"] = values
    return result


def train(spec_path, ranks, workdir, timeout=240, sets=(), name="run", extra_env=None,
          checkpoint_dir=None):
    """Runs slipway-train to completion; returns {proc, summary, metrics, params}."""
    command = train_command(spec_path, ranks, workdir, sets, name, checkpoint_dir)
    proc = run(command, timeout, env=mpi_env(extra_env))
    return read_results(workdir, name, proc)


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def rank_of(pid):
    """The MPI rank of a process started by mpirun (None if it is not one)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            for item in f.read().split(b"\0"):
                if item.startswith(b"OMPI_COMM_WORLD_RANK="):
                    return int(item.split(b"=", 1)[1])
    except OSError:
        return None
    return None


def wait_for_step(metrics_path, step, job, timeout=60):
    """Polls the metrics file until a train record at >= step appears."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if job.poll() is not None:
            raise AssertionError(f"job ended (code {job.returncode}) before step {step}")
        if os.path.exists(metrics_path):
            with open(metrics_path) as f:
                for line in f:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue  # a line still being written
                    if record.get("type") == "train" and record["step"] >= step:
                        return record["step"]
        time.sleep(0.005)
    raise AssertionError(f"step {step} not reached in {timeout}s")
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
