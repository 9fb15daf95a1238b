"""slipway-train's TensorBoard event files read back by TensorBoard itself (issue 9): a tiny
job on 2 ranks with tracking.tensorboard_dir writes one events.out.tfevents.<time>.<host> file
(rank 0 only), and TensorBoard's EventAccumulator finds every scalar series at the steps and
with the values of the metrics JSON lines (float32 rounding). Needs tensorboard from the
tests' venv (scripts/venv.sh); without it the test fails."""

import math
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import tracking_harness as th  # noqa: E402

(event_accumulator,) = th.import_from_venv(
    __file__, ["tensorboard.backend.event_processing.event_accumulator"])
harness = th.harness

TRAIN_SERIES = {"train/loss": "loss", "train/accuracy": "accuracy",
                "train/learning_rate": "lr", "train/samples_per_sec": "samples_per_sec",
                "train/grad_norm": "grad_norm"}
EVAL_SERIES = {"test/loss": "test_loss", "test/accuracy": "test_accuracy",
               "train/epoch_loss": "train_loss"}


class TensorBoardEvents(unittest.TestCase):
    def test_every_scalar_series_reads_back(self):
        workdir = harness.new_workdir("tensorboard")
        events_dir = os.path.join(workdir, "tb", "run1")  # created by the trainer
        spec = th.write_tiny_spec(workdir, "tb-job",
                                  f"tracking:\n  tensorboard_dir: {events_dir}\n")
        result = harness.train(spec, 2, workdir, timeout=180)
        proc = result["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])

        files = os.listdir(events_dir)
        self.assertEqual(len(files), 1, f"rank 0 alone writes one file: {files}")
        self.assertRegex(files[0], r"^events\.out\.tfevents\.\d{10}\." +
                         socket.gethostname().replace(".", r"\.") + "$")
        print(f"event file: {files[0]} ({os.path.getsize(os.path.join(events_dir, files[0]))} "
              f"bytes)")

        accumulator = event_accumulator.EventAccumulator(events_dir, size_guidance={
            event_accumulator.SCALARS: 0})  # 0: keep every event
        accumulator.Reload()
        tags = set(accumulator.Tags()["scalars"])
        self.assertEqual(tags, set(TRAIN_SERIES) | set(EVAL_SERIES))
        self.assertEqual(accumulator.file_version, 2.0)  # "brain.Event:2"

        checked = 0
        for kind, series in (("train", TRAIN_SERIES), ("eval", EVAL_SERIES)):
            expected_records = th.records(result["metrics"], kind)
            self.assertGreater(len(expected_records), 1)
            for tag, key in series.items():
                events = accumulator.Scalars(tag)
                self.assertEqual([e.step for e in events],
                                 [r["step"] for r in expected_records], tag)
                for event, record in zip(events, expected_records):
                    self.assertTrue(math.isclose(event.value, record[key], rel_tol=1e-6,
                                                 abs_tol=1e-7),
                                    f"{tag} at step {event.step}: {event.value} vs "
                                    f"{record[key]}")
                    checked += 1
        summary = result["summary"]
        last_eval = th.records(result["metrics"], "eval")[-1]
        self.assertAlmostEqual(accumulator.Scalars("test/accuracy")[-1].value,
                               summary["test_accuracy"], places=6)
        self.assertEqual(last_eval["step"], summary["steps"])
        print(f"{len(tags)} series, {checked} scalars match the metrics file; last step "
              f"{summary['steps']}, test accuracy {summary['test_accuracy']:.4f}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
