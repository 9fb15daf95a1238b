"""One epoch of Fashion-MNIST on 2 ranks reaches >= 0.80 test accuracy."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCE = "/usr/share/datasets/fashion-mnist"


class FashionMnistSmoke(unittest.TestCase):
    def test_one_epoch_on_two_ranks(self):
        if not os.path.isdir(SOURCE):
            self.skipTest(f"{SOURCE} missing: apt-get install dataset-fashion-mnist")
        workdir = harness.new_workdir("smoke")
        data = os.path.join(workdir, "fashion-mnist.h5")
        proc = harness.run([harness.tool("slipway-data"), "fashion-mnist", "-o", data],
                           timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        spec = os.path.join(ROOT, "configs", "fashion-mnist.yaml")
        result = harness.train(spec, 2, workdir, timeout=240,
                               sets=["train.epochs=1", f"data.path={data}"])
        self.assertEqual(result["proc"].returncode, 0, result["proc"].stderr[-3000:])
        summary = result["summary"]
        print(f"1 epoch, 2 ranks: test accuracy {summary['test_accuracy']:.4f}, "
              f"{summary['train_samples_per_sec']:.0f} samples/s")
        self.assertEqual(summary["world_size"], 2)
        self.assertEqual(summary["epochs"], 1)
        self.assertGreaterEqual(summary["test_accuracy"], 0.80)
        self.assertIn("OpenBLAS", summary["blas"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
