"""Every bad input gets a 4xx JSON error that says what is wrong, and the server keeps
serving (label serve, standard library only)."""

import json
import unittest

import serve_harness as sh


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = sh.harness.new_workdir("serve-bad-input")
        cls.repository, _, _ = sh.make_repository(cls.workdir)
        cls.server = sh.Server(cls.repository, cls.workdir, "--max-body-mb", "1",
                               "--max-request-rows", "100")
        cls.row = [0.5] * sh.FEATURES

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        sh.cleanup(cls.workdir)

    def refused(self, path, body, method="POST", status=400, headers=None):
        got, reply_headers, data = sh.request(self.server.url + path, method, body, headers)
        self.assertEqual(got, status, data)
        self.assertTrue(reply_headers["Content-Type"].startswith("application/json"))
        return json.loads(data)["error"]

    def test_each_bad_input(self):
        error = self.refused("/predict", '{"features": [1, 2,, 3]}')
        self.assertIn("malformed JSON at byte 19", error)
        self.assertEqual(self.refused("/predict", json.dumps({"features": [1.0, 2.0]})),
                         f"features has 2 features; the model expects {sh.FEATURES}")
        self.assertEqual(self.refused("/predict", json.dumps({"features": ["a"] * sh.FEATURES})),
                         "features[0] is a string; expected a number")
        self.assertIn("empty", self.refused("/predict", json.dumps({"instances": []})))
        self.assertIn("more than 100 instances",
                      self.refused("/predict", json.dumps({"instances": [self.row] * 101})))
        big = json.dumps({"instances": [[0.123456789] * sh.FEATURES] * 5000})  # 1.6 MB > 1 MB
        self.assertIn("over the size limit", self.refused("/predict", big, status=413))
        self.assertIn("unknown model 'nope'",
                      self.refused("/v2/models/nope/infer", "{}", status=404))
        self.assertIn("use POST", self.refused("/predict", None, method="GET", status=405))
        self.assertIn("no endpoint", self.refused("/predictions", "{}", status=404))
        self.assertIn("FP32", self.refused("/v2/models/tiny/infer", json.dumps(
            {"inputs": [{"name": "features", "shape": [1, sh.FEATURES], "datatype": "INT32",
                         "data": [1] * sh.FEATURES}]})))
        self.assertIn("Inference-Header-Content-Length", self.refused(
            "/v2/models/tiny/infer", "{}", headers={"Inference-Header-Content-Length": "x"}))
        # ... and it still serves.
        status, body = sh.request_json(self.server.url + "/predict", "POST", {"features": self.row})
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
