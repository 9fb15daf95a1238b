"""A new version exported under load is swapped in with no failed request, requests after the
swap report it, and a broken version is refused with a log line while the old one keeps
serving (label serve, standard library only)."""

import json
import os
import threading
import time
import unittest

import serve_harness as sh


class LoadGenerator:
    """`threads` clients sending /predict back to back (bounded: one request each at a time)."""

    def __init__(self, url, row, threads=4):
        self.url, self.row = url, row
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results = []  # (monotonic time answered, status, version or error)
        self.threads = [threading.Thread(target=self.loop) for _ in range(threads)]

    def loop(self):
        while not self.stop.is_set():
            try:
                status, body = sh.request_json(self.url + "/predict", "POST",
                                               {"features": self.row}, timeout=10)
                outcome = (time.monotonic(), status, body.get("version") if status == 200
                           else body)
            except Exception as error:  # a refused or reset connection counts as a failure
                outcome = (time.monotonic(), None, repr(error))
            with self.lock:
                self.results.append(outcome)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


class SwapTest(unittest.TestCase):
    def setUp(self):
        self.workdir = sh.harness.new_workdir("serve-swap")
        self.repository, self.checkpoints, data = sh.make_repository(self.workdir)
        self.row = sh.test_rows(data, 1)[0][0]

    def tearDown(self):
        sh.cleanup(self.workdir)

    def test_swap_under_load_then_refuse_a_broken_version(self):
        with sh.Server(self.repository, self.workdir, "--poll-ms", "100") as server:
            with LoadGenerator(server.url, self.row) as load:
                time.sleep(1.0)
                version_dir = sh.export(self.checkpoints, self.repository)
                self.assertTrue(version_dir.rstrip("/").endswith("/2"), version_dir)
                server.wait_for_log(r"now serving tiny version 2")
                swapped_at = time.monotonic()
                time.sleep(1.0)
            failures = [r for r in load.results if r[1] != 200]
            self.assertEqual(failures, [], f"{len(failures)} failed of {len(load.results)}")
            before = [r for r in load.results if r[0] < swapped_at - 0.5]
            after = [r for r in load.results if r[0] > swapped_at + 0.05]
            self.assertTrue(before and after, "the load generator sent too little")
            self.assertEqual({r[2] for r in after}, {2}, "requests after the swap")
            self.assertIn(1, {r[2] for r in before})
            print(f"swap under load: {len(load.results)} requests, 0 failed, "
                  f"{len(after)} answered by version 2 after the swap")

            # A broken version appears whole (written aside, renamed), as an export does.
            model_dir = os.path.join(self.repository, "tiny")
            scratch = os.path.join(model_dir, ".tmp-broken")
            os.makedirs(scratch)
            with open(os.path.join(scratch, "model.onnx"), "wb") as f:
                f.write(b"\x08\x07this is not a model")
            os.rename(scratch, os.path.join(model_dir, "3"))
            server.wait_for_log(r"refused version 3: .*; version 2 keeps serving")
            status, body = sh.request_json(server.url + "/predict", "POST",
                                           {"features": self.row})
            self.assertEqual((status, body["version"]), (200, 2))
            _, _, metrics = sh.request(server.url + "/metrics")
            self.assertIn('slipway_serve_model_reloads_total{result="failure"} 1', metrics.decode())
            self.assertIn('slipway_serve_model_version{model="tiny"} 2', metrics.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
