"""slipway-train export checked from outside (issue 8): the PyPI onnx checker (full_check)
accepts the exported model, and onnxruntime gives the trainer's own outputs on the whole test
set: probabilities within 1e-5 and the same accuracy, for relu, gelu and tanh classifiers with
standardised inputs (the features sent are the file's, shifted and scaled far from 0/1), and
predictions of an MSE model. Needs onnx, onnxruntime and numpy from the tests' venv
(scripts/venv.sh); without them the test fails, it does not skip."""

import json
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.environ.get("SLIPWAY_VENV", os.path.join(ROOT, ".venv"))
REEXEC_FLAG = "SLIPWAY_EXPORT_TEST_IN_VENV"


def import_or_reexec():
    """The venv's packages, re-running this script under the venv's python when ctest
    started it with another interpreter. Missing packages end the test as a failure."""
    try:
        import numpy
        import onnx
        import onnxruntime
        return numpy, onnx, onnxruntime
    except ImportError as missing:
        venv_python = os.path.join(VENV, "bin", "python")
        if not os.environ.get(REEXEC_FLAG) and os.path.exists(venv_python):
            os.environ[REEXEC_FLAG] = "1"
            os.execv(venv_python, [venv_python, os.path.abspath(__file__)] + sys.argv[1:])
        sys.exit(f"FAIL: {missing} (python {sys.executable}): the export test needs onnx, "
                 f"onnxruntime and numpy from tests/requirements.txt in {VENV}: run "
                 f"scripts/venv.sh")


np, onnx, ort = import_or_reexec()

TOLERANCE = 1e-5
FEATURES, CLASSES, ROWS = 12, 4, 2000


def write_csv(path, regression=False, seed=11):
    """A learnable problem whose features sit far from mean 0 / std 1 (feature i is scaled by
    3(i+1) and shifted by 10i), so the graph's standardisation matters."""
    rng = random.Random(seed)
    weights = [[rng.gauss(0, 1) for _ in range(FEATURES)] for _ in range(CLASSES)]
    with open(path, "w") as f:
        f.write(",".join(f"f{i}" for i in range(FEATURES)) + ",label\n")
        for _ in range(ROWS):
            z = [rng.gauss(0, 1) for _ in range(FEATURES)]
            scores = [sum(w * v for w, v in zip(row, z)) for row in weights]
            if regression:
                label = f"{scores[0] + 0.1 * rng.gauss(0, 1):.6f}"
            else:
                label = str(max(range(CLASSES), key=lambda k: scores[k]))
            x = [v * 3 * (i + 1) + 10 * i for i, v in enumerate(z)]
            f.write(",".join(f"{v:.6f}" for v in x) + f",{label}\n")
    return path


def make_data(workdir, regression=False):
    name = "regression" if regression else "classes"
    csv = write_csv(os.path.join(workdir, f"{name}.csv"), regression)
    out = os.path.join(workdir, f"{name}.h5")
    task = "regression" if regression else "classification"
    proc = harness.run([harness.tool("slipway-data"), "csv", csv, "--label", "label",
                        "--task", task, "-o", out], timeout=60)
    assert proc.returncode == 0, proc.stderr
    return out


def write_spec(workdir, data, activation, repository, name):
    return harness.write_spec(os.path.join(workdir, f"{name}.yaml"), f"""\
        name: {name}
        data:
          path: {data}
          standardize: true
        model:
          hidden: [32, 16]
          activation: {activation}
        train:
          epochs: 4
          global_batch: 64
          optimizer: {{name: adamw, lr: 0.01}}
        export:
          repository: {repository}
          max_batch_size: 128
        """)


def read_f32(path, columns):
    return np.fromfile(path, dtype="<f4").reshape(-1, columns)


class ExportOnnxruntime(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("export")
        cls.repository = os.path.join(cls.workdir, "models")
        cls.classes = make_data(cls.workdir)
        cls.regression = make_data(cls.workdir, regression=True)
        print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, workdir {cls.workdir}")

    def train_and_export(self, data, activation, name, sets=()):
        """Trains with export.repository set (the export at the end of training)."""
        spec = write_spec(self.workdir, data, activation, self.repository, name)
        result = harness.train(spec, 0, self.workdir, timeout=120, name=name, sets=sets)
        proc = result["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        exported = result["summary"]["export"]
        self.assertEqual(exported["name"], name)
        self.assertEqual(exported["version"], 1)
        return result, exported["model"]

    def trainer_outputs(self, checkpoint, data, model_path, outputs):
        out = os.path.join(self.workdir, os.path.basename(os.path.dirname(
            os.path.dirname(model_path))) + ".forward")
        os.makedirs(out, exist_ok=True)
        tool = os.environ.get("SLIPWAY_EXPORT_FORWARD_TOOL",
                              os.path.join(harness.BIN_DIR, "..", "tests", "export_forward_tool"))
        proc = harness.run([tool, checkpoint, data, model_path, out], timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(out, "info.json")) as f:
            info = json.load(f)
        x = read_f32(os.path.join(out, "x.f32"), info["features"])
        trainer = read_f32(os.path.join(out, "trainer.f32"), outputs)
        reread = read_f32(os.path.join(out, "reread.f32"), outputs)
        return info, x, trainer, reread

    def check_repository(self, model_path, name, classification):
        version_dir = os.path.dirname(model_path)
        with open(os.path.join(version_dir, "slipway.json")) as f:
            meta = json.load(f)
        self.assertEqual(meta["name"], name)
        self.assertEqual(meta["version"], int(os.path.basename(version_dir)))
        self.assertTrue(meta["recipe_hash"].startswith("fnv1a64:"))
        self.assertTrue(meta["created"].endswith("Z"))
        outputs = [o["name"] for o in meta["outputs"]]
        expected = ["logits", "probabilities"] if classification else ["predictions"]
        self.assertEqual(outputs, expected)
        with open(os.path.join(os.path.dirname(version_dir), "config.pbtxt")) as f:
            config = f.read()
        self.assertIn(f'name: "{name}"', config)
        self.assertIn('platform: "onnxruntime_onnx"', config)
        self.assertIn("max_batch_size: 128", config)
        self.assertIn(f"dims: [ {FEATURES} ]", config)
        return meta

    def check_model(self, model_path):
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)
        self.assertEqual([(o.domain, o.version) for o in model.opset_import], [("", 17)])
        used = sorted({node.op_type for node in model.graph.node})
        self.assertTrue(set(used) <= {"Gemm", "Relu", "Tanh", "Mul", "Add", "Sub", "Div",
                                      "Softmax"}, used)
        return used

    def run_classifier(self, activation, sets=()):
        name = f"mlp-{activation}"
        result, model_path = self.train_and_export(self.classes, activation, name, sets)
        meta = self.check_repository(model_path, name, classification=True)
        used = self.check_model(model_path)
        info, x, trainer, reread = self.trainer_outputs(meta["source"]["checkpoint"],
                                                        self.classes, model_path, CLASSES)
        session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        self.assertEqual(session.get_inputs()[0].name, "features")
        self.assertEqual(session.get_inputs()[0].shape, ["batch", FEATURES])
        logits, probabilities = session.run(["logits", "probabilities"], {"features": x})
        one_row = session.run(["probabilities"], {"features": x[:1]})[0]

        diff = float(np.max(np.abs(probabilities - trainer)))
        reread_diff = float(np.max(np.abs(reread - trainer)))
        labels_ort = probabilities.argmax(axis=1)
        labels_trainer = trainer.argmax(axis=1)
        accuracy = info["accuracy"]
        print(f"{activation}: {info['rows']} test rows, ops {used}; max |p_ort - p_trainer| "
              f"{diff:.3g}, max |p_reread - p_trainer| {reread_diff:.3g}, accuracy "
              f"{accuracy:.4f} (summary {result['summary']['test_accuracy']:.4f}), "
              f"argmax disagreements {int(np.sum(labels_ort != labels_trainer))}")
        self.assertLess(diff, TOLERANCE)
        self.assertLess(reread_diff, TOLERANCE)
        self.assertLess(float(np.max(np.abs(one_row - probabilities[:1]))), TOLERANCE)
        self.assertTrue(np.all(labels_ort == labels_trainer))
        self.assertEqual(accuracy, result["summary"]["test_accuracy"])
        self.assertEqual(meta["metrics"]["test_accuracy"], accuracy)
        self.assertGreater(accuracy, 0.6)  # it learned: the comparison is not of noise
        return meta

    def test_relu_classifier(self):
        self.run_classifier("relu")

    def test_gelu_classifier(self):
        self.run_classifier("gelu")

    def test_tanh_classifier_and_a_second_version_by_the_command(self):
        # Trained with a --set that changes the recipe: the export command, reading only the
        # checkpoint, must still see the spec the run used (the same recipe hash).
        meta = self.run_classifier("tanh", sets=("train.epochs=5",))
        proc = harness.run([harness.tool("slipway-train"), "export", "--checkpoint",
                            meta["source"]["checkpoint"], "--repository", self.repository],
                           timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        version_dir = proc.stdout.strip()
        self.assertEqual(version_dir, os.path.join(self.repository, "mlp-tanh", "2"))
        second = self.check_repository(os.path.join(version_dir, "model.onnx"), "mlp-tanh",
                                       classification=True)
        self.assertEqual(second["recipe_hash"], meta["recipe_hash"])
        with open(os.path.join(version_dir, "model.onnx"), "rb") as f:
            again = f.read()
        with open(os.path.join(os.path.dirname(version_dir), "1", "model.onnx"), "rb") as f:
            self.assertEqual(again, f.read())  # the same checkpoint gives the same bytes

    def test_mse_model_predictions(self):
        result, model_path = self.train_and_export(self.regression, "gelu", "mse-gelu")
        meta = self.check_repository(model_path, "mse-gelu", classification=False)
        self.check_model(model_path)
        info, x, trainer, reread = self.trainer_outputs(meta["source"]["checkpoint"],
                                                        self.regression, model_path, 1)
        session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        (predictions,) = session.run(["predictions"], {"features": x})
        scale = float(np.max(np.abs(trainer)))
        diff = float(np.max(np.abs(predictions - trainer)))
        print(f"mse: {info['rows']} test rows, max |y_ort - y_trainer| {diff:.3g} "
              f"(outputs up to {scale:.3g}), test loss {info['loss']:.4f}")
        self.assertLess(diff, TOLERANCE * max(1.0, scale))
        self.assertLess(float(np.max(np.abs(reread - trainer))), TOLERANCE * max(1.0, scale))


if __name__ == "__main__":
    unittest.main(verbosity=2)
