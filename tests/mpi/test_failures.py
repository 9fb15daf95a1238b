"""Failures under mpirun: a SIGKILLed rank ends the job within 30 s, never a hang; a bad spec
exits 2 and a missing data file exits 3, reported by every rank."""

import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

SPEC = """\
name: failures
data:
  path: {data}
model:
  hidden: [32]
train:
  epochs: {epochs}
  global_batch: 32
  log_every: 1
  collective_timeout: 20
"""


class FailureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("failures")
        cls.data = harness.make_synthetic_h5(cls.workdir, rows=2000)

    def test_sigkill_of_one_rank_ends_the_job_within_30s(self):
        spec = harness.write_spec(os.path.join(self.workdir, "long.yaml"),
                                  SPEC.format(data=self.data, epochs=100000))
        metrics = os.path.join(self.workdir, "killed.metrics.jsonl")
        command = harness.mpirun_prefix(2) + [
            harness.tool("slipway-train"), spec, "--metrics-file", metrics,
            "--set", f"checkpoint.dir={os.path.join(self.workdir, 'killed.ckpt')}"]
        # Output to a file, not a pipe nobody reads: a full pipe would stall mpirun itself.
        log = open(os.path.join(self.workdir, "killed.log"), "w")
        job = subprocess.Popen(command, env=harness.mpi_env(), stdout=log,
                               stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                if os.path.exists(metrics) and os.path.getsize(metrics) > 0:
                    break
                self.assertIsNone(job.poll(), "job ended before training started")
                time.sleep(0.1)
            else:
                self.fail("training never started")
            victims = [p for p in harness.children(job.pid) if harness.rank_of(p) == 1]
            self.assertEqual(len(victims), 1, "could not find rank 1")
            os.kill(victims[0], signal.SIGKILL)
            killed_at = time.time()
            job.wait(timeout=30)
            elapsed = time.time() - killed_at
            print(f"job ended {elapsed:.1f} s after SIGKILL of rank 1 with code {job.returncode}")
            self.assertNotEqual(job.returncode, 0)
            self.assertLess(elapsed, 30)
        finally:
            if job.poll() is None:
                job.kill()
                job.wait(timeout=10)
            log.close()

    def test_hung_rank_ends_the_job_with_exit_10_after_the_deadline(self):
        # SIGSTOP: the peer is alive but silent, so only the collective deadline can notice.
        spec = harness.write_spec(os.path.join(self.workdir, "hung.yaml"),
                                  SPEC.format(data=self.data, epochs=100000).replace(
                                      "collective_timeout: 20", "collective_timeout: 4"))
        metrics = os.path.join(self.workdir, "hung.metrics.jsonl")
        command = harness.mpirun_prefix(2) + [
            harness.tool("slipway-train"), spec, "--metrics-file", metrics,
            "--set", f"checkpoint.dir={os.path.join(self.workdir, 'hung.ckpt')}"]
        log_path = os.path.join(self.workdir, "hung.log")
        with open(log_path, "w") as log:
            job = subprocess.Popen(command, env=harness.mpi_env(), stdout=log,
                                   stderr=subprocess.STDOUT)
            victim = None
            try:
                harness.wait_for_step(metrics, 5, job)
                victim = [p for p in harness.children(job.pid) if harness.rank_of(p) == 1][0]
                os.kill(victim, signal.SIGSTOP)
                stopped_at = time.time()
                job.wait(timeout=4 + 10)
                elapsed = time.time() - stopped_at
            finally:
                if job.poll() is None:
                    job.kill()
                    job.wait(timeout=10)
                if victim is not None:
                    try:
                        os.kill(victim, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        with open(log_path) as f:
            output = f.read()
        print(f"job ended {elapsed:.1f} s after SIGSTOP of rank 1 with code {job.returncode}")
        self.assertEqual(job.returncode, 10, output[-3000:])
        self.assertRegex(output, r"\[rank 0\] error .*collective_timeout = 4 s")
        self.assertRegex(output, r"\[rank 0\] error step \d+ \(epoch \d+\) could not complete")

    def test_bad_spec_exits_2_on_every_rank(self):
        spec = harness.write_spec(os.path.join(self.workdir, "bad.yaml"),
                                  SPEC.format(data=self.data, epochs=1) + "  optimzer: {}\n")
        proc = harness.run(harness.mpirun_prefix(2) + [harness.tool("slipway-train"), spec],
                           timeout=60, env=harness.mpi_env())
        self.assertEqual(proc.returncode, 2, proc.stderr)
        for rank in (0, 1):
            self.assertRegex(proc.stderr, rf"\[rank {rank}\] error .*bad.yaml:\d+.*optimzer",
                             f"rank {rank} did not report the bad key")

    def test_missing_data_exits_3_on_every_rank(self):
        spec = harness.write_spec(os.path.join(self.workdir, "nodata.yaml"),
                                  SPEC.format(data="/nonexistent/data.h5", epochs=1))
        proc = harness.run(harness.mpirun_prefix(2) + [harness.tool("slipway-train"), spec],
                           timeout=60, env=harness.mpi_env())
        self.assertEqual(proc.returncode, 3, proc.stderr)
        for rank in (0, 1):
            self.assertRegex(proc.stderr, rf"\[rank {rank}\] error .*/nonexistent/data.h5",
                             f"rank {rank} did not report the missing file")


if __name__ == "__main__":
    unittest.main(verbosity=2)
