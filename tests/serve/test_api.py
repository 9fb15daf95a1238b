"""slipway-serve's API against a real exported model (label serve, runs in .venv): /predict and
OIP v2 answers equal onnxruntime's on the same model.onnx within 1e-5; the official
tritonclient HTTP client (binary tensors, its default) gets the same answers; metadata,
readiness and /metrics (`promtool check metrics`) are right."""

import glob
import json
import os
import shutil
import subprocess
import unittest

import numpy as np
import onnxruntime
import tritonclient.http as triton

import serve_harness as sh


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = sh.harness.new_workdir("serve-api")
        cls.repository, _, data = sh.make_repository(cls.workdir)
        cls.rows, _ = sh.test_rows(data, 300)
        model_onnx = glob.glob(os.path.join(cls.repository, "tiny", "1", "model.onnx"))[0]
        session = onnxruntime.InferenceSession(model_onnx, providers=["CPUExecutionProvider"])
        cls.expected_logits, cls.expected_probabilities = session.run(
            ["logits", "probabilities"], {"features": np.array(cls.rows, dtype=np.float32)})
        cls.server = sh.Server(cls.repository, cls.workdir, "--threads", "2")

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        sh.cleanup(cls.workdir)

    def test_predict_equals_onnxruntime_on_every_row(self):
        status, body = sh.request_json(self.server.url + "/predict", "POST",
                                       {"instances": self.rows[:256]})
        self.assertEqual(status, 200, body)
        got = np.array([p["probabilities"] for p in body["predictions"]], dtype=np.float64)
        np.testing.assert_allclose(got, self.expected_probabilities[:256], atol=1e-5)
        classes = [p["class"] for p in body["predictions"]]
        self.assertEqual(classes, list(np.argmax(self.expected_probabilities[:256], axis=1)))
        self.assertEqual(body["version"], 1)

        status, single = sh.request_json(self.server.url + "/predict", "POST",
                                         {"features": self.rows[5]})
        self.assertEqual(status, 200, single)
        np.testing.assert_allclose(single["probabilities"], self.expected_probabilities[5],
                                   atol=1e-5)
        self.assertEqual(single["class"], int(np.argmax(self.expected_probabilities[5])))
        self.assertIsInstance(single["label"], str)

    def test_v2_json_infer_equals_onnxruntime(self):
        payload = {"id": "q1", "inputs": [{"name": "features", "shape": [3, sh.FEATURES],
                                           "datatype": "FP32", "data": self.rows[:3]}]}
        status, body = sh.request_json(self.server.url + "/v2/models/tiny/versions/1/infer",
                                       "POST", payload)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["id"], "q1")
        self.assertEqual(body["model_version"], "1")
        outputs = {o["name"]: o for o in body["outputs"]}
        self.assertEqual(outputs["logits"]["shape"], [3, sh.CLASSES])
        np.testing.assert_allclose(np.array(outputs["logits"]["data"]).reshape(3, -1),
                                   self.expected_logits[:3], atol=1e-5)

    def test_tritonclient_binary_infer_one_row_and_a_batch(self):
        client = triton.InferenceServerClient(f"127.0.0.1:{self.server.port}",
                                              connection_timeout=10, network_timeout=10)
        self.assertTrue(client.is_server_live())
        self.assertTrue(client.is_server_ready())
        self.assertTrue(client.is_model_ready("tiny"))
        metadata = client.get_model_metadata("tiny")
        self.assertEqual(metadata["inputs"][0]["shape"], [-1, sh.FEATURES])
        self.assertEqual([o["name"] for o in metadata["outputs"]], ["logits", "probabilities"])
        self.assertIn("binary_tensor_data", client.get_server_metadata()["extensions"])
        for first, count in ((7, 1), (0, 64)):
            batch = np.array(self.rows[first:first + count], dtype=np.float32)
            tensor = triton.InferInput("features", list(batch.shape), "FP32")
            tensor.set_data_from_numpy(batch, binary_data=True)
            wanted = [triton.InferRequestedOutput("probabilities", binary_data=True),
                      triton.InferRequestedOutput("logits", binary_data=False)]
            result = client.infer("tiny", [tensor], outputs=wanted)
            probabilities = result.as_numpy("probabilities")
            self.assertEqual(probabilities.shape, (count, sh.CLASSES))
            np.testing.assert_allclose(probabilities,
                                       self.expected_probabilities[first:first + count],
                                       atol=1e-5)
            status, plain = sh.request_json(self.server.url + "/predict", "POST",
                                            {"instances": batch.tolist()})
            self.assertEqual(status, 200)
            np.testing.assert_allclose([p["probabilities"] for p in plain["predictions"]],
                                       probabilities, atol=1e-6)
        client.close()

    def test_metrics_text(self):
        sh.request_json(self.server.url + "/predict", "POST", {"features": self.rows[0]})
        status, headers, body = sh.request(self.server.url + "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        text = body.decode()
        for needle in ('slipway_serve_requests_total{endpoint="predict",code="200"}',
                       "slipway_serve_request_duration_seconds_bucket",
                       "slipway_serve_rows_inferred_total", 'slipway_serve_model_version{model="tiny"} 1',
                       "slipway_serve_model_reloads_total", "slipway_serve_in_flight_requests"):
            self.assertIn(needle, text)
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "no promtool: run scripts/install-deps.sh (Debian "
                                       "package prometheus)")
        check = subprocess.run([promtool, "check", "metrics"], input=body, timeout=30,
                               capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_readiness_and_metadata(self):
        for path in ("/health", "/ready", "/v2/health/live", "/v2/health/ready",
                     "/v2/models/tiny/ready", "/v2/models/tiny/versions/1/ready"):
            status, _, _ = sh.request(self.server.url + path)
            self.assertEqual(status, 200, path)
        status, body = sh.request_json(self.server.url + "/ready")
        self.assertEqual(body["version"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
