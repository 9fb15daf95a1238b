"""Helpers for the tracking tests (tests/tracking): a tiny training job, loopback servers
started on free ports with hard timeouts, the venv's packages. The training helpers are
tests/mpi/harness.py's."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import harness  # noqa: E402,F401

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.environ.get("SLIPWAY_VENV", os.path.join(ROOT, ".venv"))
REEXEC_FLAG = "SLIPWAY_TRACKING_TEST_IN_VENV"

# Trackers the developer's shell may turn on: each test sets what it means to use.
for _variable in ("MLFLOW_TRACKING_URI", "SLIPWAY_PUSHGATEWAY_URL"):
    os.environ.pop(_variable, None)


def import_from_venv(script, modules):
    """Imports `modules` (names), re-running `script` under the venv's python when ctest
    started it with another interpreter. A missing package fails the test, saying how to fix
    it."""
    try:
        return [__import__(name, fromlist=["_"]) for name in modules]
    except ImportError as missing:
        venv_python = os.path.join(VENV, "bin", "python")
        if not os.environ.get(REEXEC_FLAG) and os.path.exists(venv_python):
            os.environ[REEXEC_FLAG] = "1"
            os.execv(venv_python, [venv_python, os.path.abspath(script)] + sys.argv[1:])
        sys.exit(f"FAIL: {missing} (python {sys.executable}): this test needs "
                 f"{', '.join(modules)} from tests/requirements.txt in {VENV}: run "
                 f"scripts/venv.sh")


def free_port():
    """A loopback port nothing listens on (closed again before it is returned)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode()


def http_post_json(url, body, timeout=5):
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode())


class Server:
    """A server process on loopback, stopped (SIGTERM, then SIGKILL) when the test ends.
    Waits for `ready_url` to answer 200 or fails after `timeout` seconds."""

    def __init__(self, command, ready_url, log_path, timeout=90, env=None):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                self.stop()
                raise AssertionError(f"{command[0]} exited with {self.proc.returncode}:\n"
                                     f"{self.output()[-3000:]}")
            try:
                if http_get(ready_url, timeout=2)[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.time() > deadline:
                self.stop()
                raise AssertionError(f"{command[0]} not ready at {ready_url} in {timeout}s:\n"
                                     f"{self.output()[-3000:]}")
            time.sleep(0.2)

    def output(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=15)
            except ProcessLookupError:
                pass
        self.log.close()


def write_tiny_spec(workdir, name, extra="", epochs=2, log_every=5):
    """A small classification job: 3000 synthetic rows (20% test), global batch 64."""
    data = os.path.join(workdir, "synthetic.h5")
    if not os.path.exists(data):
        data = harness.make_synthetic_h5(workdir, rows=3000, features=16, classes=4)
    return harness.write_spec(os.path.join(workdir, f"{name}.yaml"), f"""\
name: {name}
data:
  path: {data}
model:
  hidden: [32]
train:
  epochs: {epochs}
  global_batch: 64
  log_every: {log_every}
  optimizer:
    name: sgd
    lr: 0.05
  schedule:
    name: cosine
    warmup_steps: 10
checkpoint:
  every_steps: 20
""" + extra)


def warning_lines(stderr, word):
    return [line for line in stderr.splitlines() if "] warning " in line and word in line]


def records(metrics, kind):
    return [m for m in metrics if m.get("type") == kind]
