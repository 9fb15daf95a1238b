"""Preemption and resume: SIGTERM to every rank mid-epoch -> exit 143 -> resume -> the same
final parameters, bit for bit, as an uninterrupted run; a 2-rank checkpoint resumed on 1 and
4 ranks follows the same loss curve; SIGKILL at any moment leaves a loadable checkpoint;
torn or foreign checkpoint files are skipped with a warning; a changed architecture is exit 4
and a changed learning rate resumes with a log line."""

import glob
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

# Wide enough that a step takes about a millisecond or more, so signals land mid-epoch.
SPEC = """\
name: preemption
data:
  path: {data}
  standardize: true
model:
  hidden: [1024, 512]
  dropout: 0.1
train:
  epochs: 2
  global_batch: 64
  seed: 5
  log_every: 1
  optimizer:
    name: sgd
    lr: 0.02
    momentum: 0.9
  schedule:
    name: cosine
    warmup_steps: 10
checkpoint:
  every_steps: 0
  keep: 2
"""

STEPS = 2 * 125  # 10000 rows, 20% held out: 8000 / 64 = 125 steps per epoch


def start(command, workdir, name):
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    job = subprocess.Popen(command, env=harness.mpi_env(), stdout=log, stderr=subprocess.STDOUT)
    return job, log


def finish(job, log, timeout=120):
    try:
        job.wait(timeout=timeout)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait(timeout=10)
        log.close()
    with open(log.name) as f:
        return f.read()


def losses_after(metrics, step):
    return {m["step"]: m["loss"] for m in metrics if m.get("type") == "train" and m["step"] > step}


class PreemptionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("preemption")
        cls.data = harness.make_synthetic_h5(cls.workdir, rows=10000, features=64)
        cls.spec = harness.write_spec(os.path.join(cls.workdir, "spec.yaml"),
                                      SPEC.format(data=cls.data))
        cls.reference = harness.train(cls.spec, 2, cls.workdir, name="reference")
        assert cls.reference["proc"].returncode == 0, cls.reference["proc"].stderr[-3000:]

        # The interrupted run: SIGTERM to every rank (as Kubernetes does) mid-epoch 1.
        command = harness.train_command(cls.spec, 2, cls.workdir, name="interrupted")
        job, log = start(command, cls.workdir, "interrupted-1")
        harness.wait_for_step(os.path.join(cls.workdir, "interrupted.metrics.jsonl"), 40, job)
        ranks = [p for p in harness.children(job.pid) if harness.rank_of(p) is not None]
        for pid in ranks:
            os.kill(pid, signal.SIGTERM)
        cls.interrupted_output = finish(job, log)
        cls.interrupted_code = job.returncode
        cls.interrupted_ranks = len(ranks)
        cls.checkpoints = sorted(glob.glob(os.path.join(cls.workdir, "interrupted.ckpt",
                                                        "ckpt-*.h5")))
        # Keep a copy of the preemption checkpoint for the cross-world-size resumes.
        cls.saved = os.path.join(cls.workdir, "saved.ckpt")
        shutil.copytree(os.path.join(cls.workdir, "interrupted.ckpt"), cls.saved)
        cls.resumed = harness.train(cls.spec, 2, cls.workdir, name="interrupted")

    def stopped_step(self):
        name = os.path.basename(self.checkpoints[-1])
        return int(name[len("ckpt-"):-len(".h5")])

    def test_sigterm_exits_143_after_a_checkpoint(self):
        self.assertEqual(self.interrupted_ranks, 2)
        self.assertEqual(self.interrupted_code, 143, self.interrupted_output[-3000:])
        self.assertEqual(len(self.checkpoints), 1, self.checkpoints)
        step = self.stopped_step()
        print(f"stopped at step {step} of {STEPS}")
        self.assertGreaterEqual(step, 40)
        self.assertLess(step, STEPS)
        self.assertNotEqual(step % 125, 0, "stopped on an epoch boundary: not mid-epoch")
        self.assertIn("preemption checkpoint", self.interrupted_output)

    def test_resume_gives_bitwise_identical_parameters(self):
        proc = self.resumed["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertIn(f"resuming from", proc.stderr)
        self.assertEqual(self.resumed["summary"]["steps"], STEPS)
        self.assertEqual(self.resumed["summary"]["resumed_from_step"], self.stopped_step())
        self.assertEqual(self.resumed["params"].tobytes(), self.reference["params"].tobytes(),
                         "resumed parameters differ from the uninterrupted run")
        # No step lost or repeated: the metrics hold every step exactly once.
        steps = [m["step"] for m in self.resumed["metrics"] if m.get("type") == "train"]
        self.assertEqual(steps, list(range(1, STEPS + 1)))

    def test_resume_on_other_world_sizes_follows_the_same_curve(self):
        stopped = self.stopped_step()
        expected = losses_after(self.reference["metrics"], stopped)
        for ranks in (1, 4):
            ckpt = os.path.join(self.workdir, f"np{ranks}.ckpt")
            shutil.copytree(self.saved, ckpt)
            result = harness.train(self.spec, ranks, self.workdir, name=f"resume-np{ranks}",
                                   checkpoint_dir=ckpt)
            self.assertEqual(result["proc"].returncode, 0, result["proc"].stderr[-3000:])
            self.assertIn(f"resuming a 2-rank checkpoint on {ranks} rank(s)",
                          result["proc"].stderr)
            got = losses_after(result["metrics"], stopped)
            self.assertEqual(sorted(got), sorted(expected))
            for step, loss in expected.items():
                self.assertAlmostEqual(got[step], loss, delta=1e-4 * max(1.0, loss),
                                       msg=f"{ranks} ranks, step {step}")
            drift = harness.relative_l2(self.reference["params"], result["params"])
            print(f"resumed on {ranks} rank(s): parameter drift {drift:.3g}")
            self.assertLess(drift, 1e-5)


class CheckpointSafetyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("checkpoint-safety")
        cls.data = harness.make_synthetic_h5(cls.workdir, rows=10000, features=64)
        cls.spec = harness.write_spec(os.path.join(cls.workdir, "spec.yaml"),
                                      SPEC.format(data=cls.data))

    def test_sigkill_at_any_moment_leaves_a_loadable_checkpoint(self):
        rng = random.Random(3)
        for round_number in range(6):
            ckpt = os.path.join(self.workdir, f"killed-{round_number}.ckpt")
            command = harness.train_command(
                self.spec, 2, self.workdir, name="killed", checkpoint_dir=ckpt,
                sets=["checkpoint.every_steps=1", "train.epochs=50"])
            metrics = os.path.join(self.workdir, "killed.metrics.jsonl")
            if os.path.exists(metrics):
                os.remove(metrics)  # or the last round's steps would count as this one's
            job, log = start(command, self.workdir, f"killed-{round_number}")
            harness.wait_for_step(metrics, 3, job)
            time.sleep(rng.uniform(0.0, 0.05))
            ranks = [p for p in harness.children(job.pid) if harness.rank_of(p) is not None]
            self.assertEqual(len(ranks), 2)
            for pid in ranks:
                os.kill(pid, signal.SIGKILL)
            finish(job, log, timeout=30)
            # A resume must find a whole checkpoint and skip nothing named ckpt-*.h5.
            result = harness.train(self.spec, 1, self.workdir, name=f"after-kill-{round_number}",
                                   checkpoint_dir=ckpt, sets=["train.max_steps=1"])
            stderr = result["proc"].stderr
            self.assertEqual(result["proc"].returncode, 0, stderr[-3000:])
            self.assertIn("resuming from", stderr)
            self.assertNotIn("skipping checkpoint", stderr)

    def test_torn_and_foreign_files_are_skipped_with_a_warning(self):
        ckpt = os.path.join(self.workdir, "torn.ckpt")
        first = harness.train(self.spec, 1, self.workdir, name="torn", checkpoint_dir=ckpt,
                              sets=["train.max_steps=5"])
        self.assertEqual(first["proc"].returncode, 0, first["proc"].stderr[-3000:])
        valid = glob.glob(os.path.join(ckpt, "ckpt-*.h5"))
        self.assertEqual(len(valid), 1)
        with open(valid[0], "rb") as f:
            content = f.read()
        with open(os.path.join(ckpt, "ckpt-0000000100.h5"), "wb") as f:
            f.write(content[: len(content) // 2])  # torn
        with open(os.path.join(ckpt, "ckpt-0000000200.h5"), "wb") as f:
            f.write(random.Random(1).randbytes(len(content)))  # random bytes
        shutil.copy(self.data, os.path.join(ckpt, "ckpt-0000000300.h5"))  # foreign HDF5
        result = harness.train(self.spec, 1, self.workdir, name="torn", checkpoint_dir=ckpt,
                               sets=["train.max_steps=8"])
        stderr = result["proc"].stderr
        self.assertEqual(result["proc"].returncode, 0, stderr[-3000:])
        for step in (100, 200, 300):
            self.assertRegex(stderr, rf"warn.*skipping checkpoint .*ckpt-0000000{step}\.h5")
        self.assertIn("resuming from", stderr)
        self.assertIn("ckpt-0000000005.h5", stderr)
        self.assertEqual(result["summary"]["steps"], 8)

    def test_changed_architecture_is_exit_4_and_changed_lr_resumes(self):
        ckpt = os.path.join(self.workdir, "changed.ckpt")
        first = harness.train(self.spec, 1, self.workdir, name="changed", checkpoint_dir=ckpt,
                              sets=["train.max_steps=3"])
        self.assertEqual(first["proc"].returncode, 0, first["proc"].stderr[-3000:])
        wider = harness.train(self.spec, 2, self.workdir, name="changed", checkpoint_dir=ckpt,
                              sets=["train.max_steps=6", "model.hidden=[1024,256]"])
        self.assertEqual(wider["proc"].returncode, 4, wider["proc"].stderr[-3000:])
        self.assertIn("1024-512", wider["proc"].stderr)
        self.assertIn("1024-256", wider["proc"].stderr)
        faster = harness.train(self.spec, 1, self.workdir, name="changed", checkpoint_dir=ckpt,
                               sets=["train.max_steps=6", "train.optimizer.lr=0.05"])
        self.assertEqual(faster["proc"].returncode, 0, faster["proc"].stderr[-3000:])
        self.assertIn("learning rate changed since the checkpoint: 0.02 -> 0.05",
                      faster["proc"].stderr)
        self.assertEqual(faster["summary"]["resumed_from_step"], 3)

    def test_changed_momentum_is_exit_4_on_every_rank_at_once(self):
        # Without momentum SGD keeps no state: rank 0 would broadcast one buffer fewer than
        # the other ranks wait for, and they would hang until the collective deadline.
        ckpt = os.path.join(self.workdir, "momentum.ckpt")
        first = harness.train(self.spec, 1, self.workdir, name="momentum", checkpoint_dir=ckpt,
                              sets=["train.max_steps=3"])
        self.assertEqual(first["proc"].returncode, 0, first["proc"].stderr[-3000:])
        started = time.time()
        plain = harness.train(self.spec, 2, self.workdir, name="momentum", checkpoint_dir=ckpt,
                              sets=["train.max_steps=6", "train.optimizer.momentum=0"])
        self.assertEqual(plain["proc"].returncode, 4, plain["proc"].stderr[-3000:])
        self.assertLess(time.time() - started, 60)
        self.assertRegex(plain["proc"].stderr,
                         r"checkpoint holds optimizer state momentum \(\d+ floats\) but the "
                         r"spec's optimizer keeps none")

    def test_fresh_start_refuses_a_folder_with_old_checkpoints(self):
        ckpt = os.path.join(self.workdir, "fresh.ckpt")
        first = harness.train(self.spec, 1, self.workdir, name="fresh", checkpoint_dir=ckpt,
                              sets=["train.max_steps=2"])
        self.assertEqual(first["proc"].returncode, 0, first["proc"].stderr[-3000:])
        again = harness.train(self.spec, 1, self.workdir, name="fresh", checkpoint_dir=ckpt,
                              sets=["train.max_steps=2", "checkpoint.resume=false"])
        self.assertEqual(again["proc"].returncode, 4)
        self.assertIn("checkpoint.resume is false but the folder holds 1 checkpoint",
                      again["proc"].stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
