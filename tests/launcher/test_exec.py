"""`slipway-launch exec -- CMD`: ranks from the environment, output prefixes, the exit code of
the first failure, SIGTERM forwarding, SIGKILL after the grace period, the termination log.

Standard library only. Every child script gives up by itself after CHILD_DEADLINE seconds and
every command runs under a timeout, so a broken supervisor fails the test instead of hanging
it."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

BIN_DIR = os.environ.get("SLIPWAY_BIN_DIR", "")
CHILD_DEADLINE = 60
TIMEOUT = 30

# A child that behaves by SCENARIO and its RANK. It records its environment, announces that
# its signal handlers are in place (ready.N) and, where it waits, waits at most CHILD_DEADLINE.
CHILD = textwrap.dedent(f"""\
    import json, os, signal, sys, time

    rank = int(os.environ["RANK"])
    scenario = os.environ["SCENARIO"]
    out = os.environ["OUT_DIR"]

    def on_term(number, frame):
        print(f"rank {{rank}} got SIGTERM", flush=True)
        open(os.path.join(out, f"term.{{rank}}"), "w").close()
        os._exit(143)

    def wait_forever():
        open(os.path.join(out, f"ready.{{rank}}"), "w").close()
        deadline = time.monotonic() + {CHILD_DEADLINE}
        while time.monotonic() < deadline:
            time.sleep(0.05)
        sys.exit(99)

    with open(os.path.join(out, f"env.{{rank}}.json"), "w") as f:
        json.dump({{k: os.environ.get(k) for k in
                   ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                    "MASTER_PORT", "CUDA_VISIBLE_DEVICES")}}, f)
    print(f"hello from rank {{rank}}", flush=True)
    print(f"rank {{rank}} on stderr", file=sys.stderr, flush=True)

    if scenario == "ok":
        sys.exit(0)
    if scenario == "fail10":
        if rank == 1:
            time.sleep(0.3)
            print("rank 1: lost rank 0 at step 7", flush=True)
            sys.exit(10)
        signal.signal(signal.SIGTERM, on_term)
        wait_forever()
    if scenario == "sigkill":
        if rank == 2:
            time.sleep(0.3)
            print("rank 2 about to die", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        signal.signal(signal.SIGTERM, on_term)
        wait_forever()
    if scenario == "ignore_term":
        if rank == 0:
            time.sleep(0.3)
            sys.exit(3)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        wait_forever()
    if scenario == "preempt":
        signal.signal(signal.SIGTERM, on_term)
        wait_forever()
    sys.exit(f"unknown scenario {{scenario}}")
    """)

LAUNCHER_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                 "MASTER_PORT", "JOB_COMPLETION_INDEX", "SLIPWAY_GRACE_PERIOD",
                 "SLIPWAY_TERMINATION_LOG")


def launcher():
    path = os.path.join(BIN_DIR, "slipway-launch")
    if not os.path.exists(path):
        sys.exit(f"missing {path}: set SLIPWAY_BIN_DIR to the build's bin/ folder")
    return path


class Exec(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="slipway-exec-")
        self.out = self.dir.name
        self.child = os.path.join(self.out, "child.py")
        with open(self.child, "w") as f:
            f.write(CHILD)
        self.log = os.path.join(self.out, "termination-log")

    def tearDown(self):
        self.dir.cleanup()

    def env(self, scenario, extra=None):
        env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARS}
        env.update({"SCENARIO": scenario, "OUT_DIR": self.out})
        env.update(extra or {})
        return env

    def command(self, nproc=3, flags=(), cmd=None):
        """nproc None: from LOCAL_WORLD_SIZE, as in a pod."""
        nproc_flag = [] if nproc is None else ["--nproc", str(nproc)]
        return ([launcher(), "exec", *nproc_flag, "--termination-log", self.log, *flags, "--"]
                + (cmd or [sys.executable, self.child]))

    def run_exec(self, scenario, nproc=3, flags=(), extra_env=None, cmd=None):
        """Runs the supervisor to its end; returns (process, seconds it took)."""
        start = time.monotonic()
        try:
            done = subprocess.run(self.command(nproc, flags, cmd),
                                  env=self.env(scenario, extra_env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  timeout=TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            self.fail(f"slipway-launch exec hung for {TIMEOUT}s: {expired.stderr}")
        return done, time.monotonic() - start

    def termination_log(self):
        with open(self.log) as f:
            return f.read()

    def recorded_env(self, rank):
        with open(os.path.join(self.out, f"env.{rank}.json")) as f:
            return json.load(f)

    def test_all_finish(self):
        done, _ = self.run_exec("ok")
        self.assertEqual(done.returncode, 0, done.stderr)
        for rank in range(3):
            self.assertIn(f"[rank {rank}] hello from rank {rank}\n", done.stdout)
            self.assertIn(f"[rank {rank}] rank {rank} on stderr\n", done.stderr)
            env = self.recorded_env(rank)
            self.assertEqual(env["RANK"], str(rank))
            self.assertEqual(env["LOCAL_RANK"], str(rank))
            self.assertEqual(env["WORLD_SIZE"], "3")
            self.assertEqual(env["LOCAL_WORLD_SIZE"], "3")
            self.assertEqual(env["MASTER_ADDR"], "127.0.0.1")
            self.assertEqual(env["MASTER_PORT"], "29500")
        self.assertIn("all 3 ranks finished", self.termination_log())

    def test_no_prefix(self):
        done, _ = self.run_exec("ok", nproc=1, flags=["--no-prefix"])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "hello from rank 0\n")

    def test_first_failure_code_wins(self):
        done, _ = self.run_exec("fail10")
        self.assertEqual(done.returncode, 10, done.stderr)
        for rank in (0, 2):  # stopped by the supervisor's SIGTERM, exited 143
            self.assertTrue(os.path.exists(os.path.join(self.out, f"term.{rank}")), rank)
        message = self.termination_log()
        self.assertIn("rank 1 of 3 ranks failed first: exit code 10", message)
        self.assertIn("lost a peer or a collective timed out", message)
        self.assertIn("rank 1: lost rank 0 at step 7", message)
        self.assertIn("0: 143, 1: 10, 2: 143", message)
        self.assertLessEqual(len(message.encode()), 4096)

    def test_killed_rank_reports_sigkill(self):
        done, _ = self.run_exec("sigkill")
        self.assertEqual(done.returncode, 137, done.stderr)
        message = self.termination_log()
        self.assertIn("rank 2 of 3 ranks failed first: killed by SIGKILL", message)
        self.assertIn("rank 2 about to die", message)

    def test_sibling_ignoring_sigterm_is_killed_after_grace(self):
        grace = 1
        done, seconds = self.run_exec("ignore_term", flags=["--grace-period", str(grace)])
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertLess(seconds, grace + 3)
        self.assertGreaterEqual(seconds, grace)
        self.assertIn("0: 3, 1: 137, 2: 137", self.termination_log())
        self.assertIn("did not stop within 1 s: SIGKILL", done.stderr)

    def test_sigterm_is_forwarded(self):
        proc = subprocess.Popen(self.command(), env=self.env("preempt"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + TIMEOUT
            ready = [os.path.join(self.out, f"ready.{rank}") for rank in range(3)]
            while not all(os.path.exists(path) for path in ready):
                self.assertLess(time.monotonic(), deadline, "children never got ready")
                self.assertIsNone(proc.poll(), "the supervisor exited early")
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 143, stderr)
        for rank in range(3):
            self.assertIn(f"[rank {rank}] rank {rank} got SIGTERM", stdout)
        self.assertIn("stopped by SIGTERM", self.termination_log())

    def test_indexed_job_environment(self):
        done, _ = self.run_exec("ok", nproc=None, extra_env={
            "JOB_COMPLETION_INDEX": "1", "LOCAL_WORLD_SIZE": "2", "WORLD_SIZE": "4",
            "MASTER_ADDR": "job-0.job", "CUDA_VISIBLE_DEVICES": "0,1"})
        self.assertEqual(done.returncode, 0, done.stderr)
        for local, rank in enumerate((2, 3)):
            env = self.recorded_env(rank)
            self.assertEqual(env["RANK"], str(rank))
            self.assertEqual(env["LOCAL_RANK"], str(local))
            self.assertEqual(env["WORLD_SIZE"], "4")
            self.assertEqual(env["LOCAL_WORLD_SIZE"], "2")
            self.assertEqual(env["MASTER_ADDR"], "job-0.job")
            self.assertEqual(env["CUDA_VISIBLE_DEVICES"], "0,1")  # passed through, not split
            self.assertIn(f"[rank {rank}] hello from rank {rank}", done.stdout)

    def test_inconsistent_environment_is_exit_2(self):
        done, _ = self.run_exec("ok", nproc=None, extra_env={
            "JOB_COMPLETION_INDEX": "2", "LOCAL_WORLD_SIZE": "2", "WORLD_SIZE": "4",
            "MASTER_ADDR": "m"})
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("JOB_COMPLETION_INDEX", done.stderr)
        self.assertIn("WORLD_SIZE=4", done.stderr)

    def test_missing_command_is_exit_2(self):
        done, _ = self.run_exec("ok", cmd=["slipway-no-such-command", "--flag"])
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("cannot run 'slipway-no-such-command'", done.stderr)
        self.assertIn("PATH", done.stderr)
        self.assertIn("slipway-no-such-command", self.termination_log())

    def test_help_names_the_contract(self):
        done = subprocess.run([launcher(), "exec", "--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
        self.assertEqual(done.returncode, 0, done.stderr)
        for word in ("JOB_COMPLETION_INDEX", "LOCAL_WORLD_SIZE", "--grace-period", "143"):
            self.assertIn(word, done.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
