"""`slipway-launch run`: the job on this machine, end to end, with real processes.

Through real mpirun: 2 ranks train Fashion-MNIST for one epoch and exit 0; a bad spec
exits 2; a rank with unreadable data makes the job exit 3 and names the rank; SIGTERM to
`run` leaves a checkpoint and exits 143 although mpirun itself says otherwise. With --no-mpi:
2 local processes over gloo train and exit 0. Every process has a timeout."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FASHION = "/usr/share/datasets/fashion-mnist"


def launch(args, timeout, cwd=None):
    return harness.run([harness.tool("slipway-launch")] + args, timeout=timeout, cwd=cwd)


def synthetic_spec(workdir, data, body=""):
    return harness.write_spec(os.path.join(workdir, "job.yaml"), f"""\
        name: launch-run
        data:
          path: {data}
        model:
          hidden: [64]
        train:
          epochs: 2
          global_batch: 64
          log_every: 10
          collective_timeout: 30
        checkpoint:
          dir: {workdir}/ckpt
          every_steps: 20
        kubernetes:
          terminationGracePeriodSeconds: 20
        {body}""")


class RunThroughMpirun(unittest.TestCase):
    def test_fashion_mnist_one_epoch_on_two_ranks(self):
        if not os.path.isdir(FASHION):
            self.skipTest(f"{FASHION} missing: apt-get install dataset-fashion-mnist")
        workdir = harness.new_workdir("launch-run")
        data = os.path.join(workdir, "fashion-mnist.h5")
        proc = harness.run([harness.tool("slipway-data"), "fashion-mnist", "-o", data],
                           timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        summary = os.path.join(workdir, "summary.json")
        proc = launch(["run", os.path.join(ROOT, "configs", "fashion-mnist.yaml"),
                       "--set", "train.epochs=1", "--set", f"data.path={data}",
                       "--set", f"checkpoint.dir={workdir}/ckpt",
                       "--", "--summary-file", summary], timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertIn("through mpirun", proc.stderr)
        self.assertIn("job fashion-mnist finished (exit 0): all 2 ranks finished", proc.stderr)
        with open(summary) as f:
            result = json.load(f)
        print(f"run: 1 epoch, {result['world_size']} ranks, test accuracy "
              f"{result['test_accuracy']:.4f}")
        self.assertEqual(result["world_size"], 2)  # the spec's resources.nodes
        self.assertGreaterEqual(result["test_accuracy"], 0.80)

    def test_bad_spec_exits_2_with_file_and_line(self):
        workdir = harness.new_workdir("launch-bad")
        spec = harness.write_spec(os.path.join(workdir, "bad.yaml"), """\
            name: bad
            data:
              path: x.h5
            resources:
              memory: 16Gb
            """)
        proc = launch(["run", spec, "--np", "2"], timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(f"{spec}:5: resources.memory must be a positive Kubernetes quantity, "
                      "got '16Gb'", proc.stderr)

    def test_missing_data_exits_3_and_names_a_rank(self):
        workdir = harness.new_workdir("launch-nodata")
        spec = synthetic_spec(workdir, os.path.join(workdir, "missing.h5"))
        proc = launch(["run", spec, "--np", "2"], timeout=60)
        self.assertEqual(proc.returncode, 3, proc.stderr[-3000:])
        self.assertRegex(proc.stderr, r"ended \(exit 3\): rank [01] exited with 3 "
                                      r"\(bad or missing data")

    def test_sigterm_checkpoints_and_exits_143_then_resumes(self):
        workdir = harness.new_workdir("launch-term")
        data = harness.make_synthetic_h5(workdir, rows=40000)
        spec = synthetic_spec(workdir, data)
        metrics = os.path.join(workdir, "metrics.jsonl")
        command = [harness.tool("slipway-launch"), "run", spec, "--np", "2", "--set",
                   "train.epochs=20", "--", "--metrics-file", metrics]
        job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        try:
            harness.wait_for_step(metrics, 30, job, timeout=120)
            job.send_signal(signal.SIGTERM)
            _, stderr = job.communicate(timeout=60)
        finally:
            if job.poll() is None:
                job.kill()
                job.communicate()
        self.assertEqual(job.returncode, 143, stderr[-3000:])
        self.assertIn("the ranks stopped after writing a checkpoint (143)", stderr)
        checkpoints = [name for name in os.listdir(os.path.join(workdir, "ckpt"))
                       if name.endswith(".h5")]
        self.assertTrue(checkpoints, "no checkpoint after SIGTERM")
        # The next run resumes from it and finishes the (now shorter) job.
        proc = launch(["run", spec, "--np", "2", "--set", "train.max_steps=60"], timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertIn("resum", proc.stderr.lower())

    def test_dry_run_prints_mpirun_flags(self):
        workdir = harness.new_workdir("launch-dry")
        spec = synthetic_spec(workdir, "x.h5")
        cores = os.cpu_count() or 1
        proc = launch(["run", spec, "--np", str(cores + 1), "--dry-run"], timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        line = proc.stdout.strip()
        self.assertIn(f"-np {cores + 1} --oversubscribe", line)
        self.assertIn("--mca odls_base_sigkill_timeout 1", line)
        self.assertIn("-x OMP_NUM_THREADS=1", line)
        self.assertEqual("OMPI_ALLOW_RUN_AS_ROOT=1" in line, os.geteuid() == 0)
        self.assertIn(f"slipway-train {spec}", line)


class RunWithoutMpi(unittest.TestCase):
    def test_two_local_processes_over_gloo(self):
        workdir = harness.new_workdir("launch-nompi")
        data = harness.make_synthetic_h5(workdir)
        spec = synthetic_spec(workdir, data)
        summary = os.path.join(workdir, "summary.json")
        start = time.monotonic()
        proc = launch(["run", spec, "--no-mpi", "--np", "2", "--", "--summary-file", summary],
                      timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertIn("rank 1 finished", proc.stderr)
        self.assertIn("[rank 0] info done:", proc.stderr)
        with open(summary) as f:
            result = json.load(f)
        print(f"run --no-mpi: 2 ranks over gloo, test accuracy {result['test_accuracy']:.4f} "
              f"in {time.monotonic() - start:.1f} s")
        self.assertEqual(result["world_size"], 2)
        self.assertGreater(result["test_accuracy"], 0.5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
