"""Shared helpers for slipway-serve's process tests: train a tiny model and export it into a
model repository, start slipway-serve on a free port with its log in a file, and talk HTTP
with the standard library. Every wait has a bound; every process is killed at the end."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mpi"))
import harness  # noqa: E402  (tool, run, make_synthetic_h5, write_spec, new_workdir)

FEATURES = 24
CLASSES = 5

SPEC = """\
name: tiny
data:
  path: {data}
  standardize: true
model:
  hidden: {hidden}
  activation: gelu
train:
  epochs: {epochs}
  global_batch: 64
  seed: {seed}
  log_every: 50
  optimizer:
    name: sgd
    lr: 0.05
"""


def train_checkpoint(workdir, name="tiny", epochs=1, seed=5, hidden="[32, 16]"):
    """Trains an MLP (`hidden` layers) on a synthetic HDF5 file for `epochs`; returns
    (checkpoint dir, data path)."""
    data = os.path.join(workdir, "synthetic.h5")
    if not os.path.exists(data):
        data = harness.make_synthetic_h5(workdir, rows=2000, features=FEATURES, classes=CLASSES)
    spec = os.path.join(workdir, f"{name}.yaml")
    harness.write_spec(spec, SPEC.format(data=data, epochs=epochs, seed=seed, hidden=hidden))
    checkpoints = os.path.join(workdir, f"{name}.ckpt")
    proc = harness.run([harness.tool("slipway-train"), spec, "--set",
                        f"checkpoint.dir={checkpoints}"], timeout=180)
    assert proc.returncode == 0, f"training failed ({proc.returncode}): {proc.stderr[-3000:]}"
    return checkpoints, data


def export(checkpoints, repository, name="tiny"):
    """Exports the newest checkpoint as the next version of `name`; returns the version dir."""
    proc = harness.run([harness.tool("slipway-train"), "export", "--checkpoint", checkpoints,
                        "--repository", repository, "--name", name], timeout=120)
    assert proc.returncode == 0, f"export failed ({proc.returncode}): {proc.stderr[-3000:]}"
    return proc.stdout.strip().splitlines()[-1]


def make_repository(workdir, name="tiny"):
    """A model repository with version 1 of `name`; returns (repository, checkpoints, data)."""
    checkpoints, data = train_checkpoint(workdir, name)
    repository = os.path.join(workdir, "models")
    export(checkpoints, repository, name)
    return repository, checkpoints, data


class Server:
    """slipway-serve on a free port (--port 0, read back from its log)."""

    def __init__(self, repository, workdir, *flags, tag="serve"):
        self.log_path = os.path.join(workdir, f"{tag}.log")
        self.log = open(self.log_path, "w")
        command = [harness.tool("slipway-serve"), "--repository", repository, "--port", "0",
                   "--host", "127.0.0.1", *flags]
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = re.search(r"on http://127\.0\.0\.1:(\d+)", self.read_log())
            if match:
                self.port = int(match.group(1))
                break
            if self.proc.poll() is not None:
                raise AssertionError(f"slipway-serve exited {self.proc.returncode}:\n"
                                     f"{self.read_log()}")
            time.sleep(0.05)
        if self.port is None:
            self.kill()
            raise AssertionError(f"slipway-serve did not start in 30 s:\n{self.read_log()}")
        self.url = f"http://127.0.0.1:{self.port}"

    def read_log(self):
        with open(self.log_path) as log:
            return log.read()

    def wait_for_log(self, pattern, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.read_log()):
                return
            time.sleep(0.05)
        raise AssertionError(f"no log line matching {pattern!r} in {timeout} s:\n{self.read_log()}")

    def terminate(self, timeout=30):
        """SIGTERM; returns the exit code (the process is killed if it overstays)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"slipway-serve still running {timeout} s after SIGTERM")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def request(url, method="GET", body=None, headers=None, timeout=10):
    """(status, headers, body bytes) of one HTTP request; HTTP errors are answers too."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def request_json(url, method="GET", payload=None, timeout=10):
    body = None if payload is None else json.dumps(payload)
    status, _, data = request(url, method, body, timeout=timeout)
    return status, json.loads(data) if data else None


def test_rows(data_path, count):
    """The first `count` rows (lists of floats, what a client sends) and labels of the CSV the
    synthetic HDF5 file was made from."""
    csv = os.path.join(os.path.dirname(data_path), "synthetic.csv")
    rows, labels = [], []
    with open(csv) as f:
        header = f.readline().strip().split(",")
        label_column = header.index("label")
        for line in f:
            values = line.strip().split(",")
            labels.append(int(values[label_column]))
            rows.append([float(v) for i, v in enumerate(values) if i != label_column])
            if len(rows) == count:
                break
    return rows, labels


def cleanup(workdir):
    shutil.rmtree(workdir, ignore_errors=True)
