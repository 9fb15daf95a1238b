"""Starting slipway-train ranks without mpirun, the way pods of an Indexed Job or a
torchrun-style launcher do: one process per rank with RANK, WORLD_SIZE, LOCAL_RANK,
LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT."""

import os
import socket
import subprocess
import time

import harness


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_env(rank, world, port, addr="127.0.0.1", extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMI", "PMIX"))}
    env.update({"RANK": str(rank), "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank),
                "LOCAL_WORLD_SIZE": str(world), "MASTER_ADDR": addr, "MASTER_PORT": str(port)})
    if extra:
        env.update(extra)
    return env


class Rank:
    """One rank's process, its output going to a file (never an unread pipe)."""

    def __init__(self, command, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def wait(self, timeout):
        try:
            self.process.wait(timeout=timeout)
        finally:
            self.stop()
        return self.process.returncode

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def output(self):
        with open(self.log_path) as f:
            return f.read()


def start_ranks(spec, world, workdir, name, ranks=None, port=None, sets=(), extra_env=None,
                delays=None, addr="127.0.0.1", comm="gloo"):
    """Starts the given ranks (default all) of a `world`-rank gloo job; rank 0 writes
    <name>.* files like harness.train does. `delays` maps rank -> seconds to wait before
    starting it (in the order of `ranks`)."""
    port = port or free_port()
    ranks = list(range(world)) if ranks is None else ranks
    started = {}
    for rank in ranks:
        if delays and rank in delays:
            time.sleep(delays[rank])
        command = harness.train_command(spec, 0, workdir, sets=sets, name=name)
        command += ["--comm", comm]
        env = rank_env(rank, world, port, addr=addr, extra=extra_env)
        started[rank] = Rank(command, env, os.path.join(workdir, f"{name}.rank{rank}.log"))
    return started, port


def wait_all(started, timeout):
    deadline = time.time() + timeout
    codes = {}
    for rank, proc in started.items():
        codes[rank] = proc.wait(max(1.0, deadline - time.time()))
    return codes
