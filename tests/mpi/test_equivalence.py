"""1 vs 2 vs 4 ranks (4 oversubscribed) at equal global batch, dropout on: the same parameters
after one epoch of 50 steps within 1e-5 relative L2, and the same loss at every step; and
gradient accumulation 2 x 128 equals one batch of 256."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

SPEC = """\
name: equivalence
data:
  path: {data}
  standardize: true
model:
  hidden: [64, 32]
  activation: gelu
  dropout: 0.2
train:
  epochs: 1
  global_batch: 64
  seed: 11
  log_every: 1
  optimizer:
    name: sgd
    lr: 0.05
    momentum: 0.9
    nesterov: true
    weight_decay: 0.0001
  schedule:
    name: cosine
    warmup_steps: 5
"""


class EquivalenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("equivalence")
        # 4000 rows, 20% held out: 3200 training rows = 50 steps of 64.
        cls.data = harness.make_synthetic_h5(cls.workdir, rows=4000)
        cls.spec = harness.write_spec(os.path.join(cls.workdir, "spec.yaml"),
                                      SPEC.format(data=cls.data))
        cls.runs = {}
        for ranks in (1, 2, 4):
            cls.runs[ranks] = harness.train(cls.spec, ranks, cls.workdir, name=f"np{ranks}")

    def check_ok(self, result):
        self.assertEqual(result["proc"].returncode, 0, result["proc"].stderr[-3000:])

    def test_parameters_match_across_world_sizes(self):
        for ranks in (1, 2, 4):
            self.check_ok(self.runs[ranks])
            self.assertEqual(self.runs[ranks]["summary"]["world_size"], ranks)
            self.assertEqual(self.runs[ranks]["summary"]["steps"], 50)
        base = self.runs[1]["params"]
        for ranks in (2, 4):
            error = harness.relative_l2(base, self.runs[ranks]["params"])
            print(f"relative L2 difference 1 vs {ranks} ranks: {error:.3g}")
            self.assertLess(error, 1e-5, f"{ranks} ranks drift from 1 rank")

    def test_loss_curves_agree_over_the_epoch(self):
        base = harness.train_losses(self.runs[1]["metrics"])
        self.assertEqual(len(base), 50)
        # The curve must actually move, or agreement would prove nothing.
        self.assertLess(base[-1][1], base[0][1] * 0.8)
        for ranks in (2, 4):
            curve = harness.train_losses(self.runs[ranks]["metrics"])
            self.assertEqual([s for s, _ in curve], [s for s, _ in base])
            for (step, expected), (_, got) in zip(base, curve):
                self.assertAlmostEqual(got, expected, delta=1e-4 * max(1.0, abs(expected)),
                                       msg=f"step {step}, {ranks} ranks")

    def test_dropout_is_really_on(self):
        # Without dropout the parameters differ: proves the runs above exercised masks.
        plain = harness.train(self.spec, 0, self.workdir, name="nodropout",
                              sets=["model.dropout=0"])
        self.check_ok(plain)
        self.assertGreater(harness.relative_l2(self.runs[1]["params"], plain["params"]), 1e-3)


class AccumulationTest(unittest.TestCase):
    def test_two_micro_batches_of_128_equal_one_batch_of_256(self):
        workdir = harness.new_workdir("accumulate")
        data = harness.make_synthetic_h5(workdir, rows=6400)
        spec = harness.write_spec(os.path.join(workdir, "spec.yaml"), SPEC.format(data=data))
        sets = ["train.global_batch=256", "train.max_steps=15"]
        whole = harness.train(spec, 1, workdir, name="whole", sets=sets)
        split = harness.train(spec, 2, workdir, name="split",
                              sets=sets + ["train.accumulate=2"])
        for result in (whole, split):
            self.assertEqual(result["proc"].returncode, 0, result["proc"].stderr[-3000:])
        self.assertEqual(split["summary"]["accumulate"], 2)
        error = harness.relative_l2(whole["params"], split["params"])
        print(f"relative L2 difference accumulate 1 vs 2: {error:.3g}")
        self.assertLess(error, 1e-5)


UNEVEN_SPEC = """\
name: uneven
data:
  path: {data}
model:
  hidden: [48]
  activation: tanh
  dropout: 0.3
train:
  epochs: 2
  global_batch: 50
  accumulate: 3
  seed: 3
  log_every: 1
  clip_grad_norm: 0.5
  optimizer:
    name: adamw
    lr: 0.01
    weight_decay: 0.01
  schedule:
    name: step
    step_size: 7
    gamma: 0.5
    warmup_steps: 4
"""


class UnevenEquivalenceTest(unittest.TestCase):
    """Uneven everything: 3 ranks (slices of 17/17/16 split again into 3 micro-batches), a
    short last batch (902 rows: 18 steps of 50 and one of 2), AdamW, clipping, step decay."""

    def test_three_ranks_equal_one_rank(self):
        workdir = harness.new_workdir("uneven")
        data = harness.make_synthetic_h5(workdir, rows=1128, features=12, classes=3)
        spec = harness.write_spec(os.path.join(workdir, "spec.yaml"),
                                  UNEVEN_SPEC.format(data=data))
        one = harness.train(spec, 1, workdir, name="np1")
        three = harness.train(spec, 3, workdir, name="np3")
        for result in (one, three):
            self.assertEqual(result["proc"].returncode, 0, result["proc"].stderr[-3000:])
        self.assertEqual(one["summary"]["steps"], 2 * 19)
        error = harness.relative_l2(one["params"], three["params"])
        print(f"relative L2 difference 1 vs 3 ranks (uneven): {error:.3g}")
        self.assertLess(error, 1e-5)
        base = harness.train_losses(one["metrics"])
        for (step, expected), (_, got) in zip(base, harness.train_losses(three["metrics"])):
            self.assertAlmostEqual(got, expected, delta=1e-4 * max(1.0, abs(expected)),
                                   msg=f"step {step}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
