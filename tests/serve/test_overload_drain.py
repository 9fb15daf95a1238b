"""Overload and shutdown (label serve, standard library only): with the queue full new work
gets 429 at once; SIGTERM turns /ready to 503 at once, lets requests in flight finish, and
the server exits 0 within the drain bound."""

import json
import struct
import threading
import time
import unittest

import serve_harness as sh

ROWS = 3000  # per request: ~0.1 s of forward pass for the wide model on one core


def binary_infer_body(rows):
    header = json.dumps({"inputs": [{"name": "features", "shape": [len(rows), sh.FEATURES],
                                     "datatype": "FP32",
                                     "parameters": {"binary_data_size": 4 * sh.FEATURES * len(rows)}}],
                         "outputs": [{"name": "probabilities",
                                      "parameters": {"binary_data": True}}]}).encode()
    data = b"".join(struct.pack(f"<{sh.FEATURES}f", *row) for row in rows)
    return header + data, {"Inference-Header-Content-Length": str(len(header)),
                           "Content-Type": "application/octet-stream"}


def concurrently(count, call):
    """Runs `call(i)` on `count` threads; returns the results."""
    results = [None] * count

    def run(i):
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class OverloadDrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = sh.harness.new_workdir("serve-overload")
        checkpoints, data = sh.train_checkpoint(cls.workdir, "wide", hidden="[512, 512]")
        cls.repository = f"{cls.workdir}/models"
        sh.export(checkpoints, cls.repository, "wide")
        rows, _ = sh.test_rows(data, 100)
        cls.body, cls.headers = binary_infer_body((rows * (ROWS // 100 + 1))[:ROWS])

    @classmethod
    def tearDownClass(cls):
        sh.cleanup(cls.workdir)

    def infer(self, server, timeout=30):
        started = time.monotonic()
        status, _, body = sh.request(server.url + "/v2/models/wide/infer", "POST", self.body,
                                     self.headers, timeout=timeout)
        return status, time.monotonic() - started, body

    def test_full_queue_answers_429_at_once(self):
        with sh.Server(self.repository, self.workdir, "--threads", "1", "--queue", "2",
                       "--max-request-rows", str(ROWS), "--connections", "64",
                       tag="overload") as server:
            results = concurrently(24, lambda i: self.infer(server))
            codes = [status for status, _, _ in results]
            self.assertEqual(set(codes) - {200, 429}, set(), results)
            self.assertIn(200, codes)
            self.assertIn(429, codes)
            slowest_refusal = max(seconds for status, seconds, _ in results if status == 429)
            self.assertLess(slowest_refusal, 1.0, "a 429 must not wait for the queue")
            refusal = json.loads(next(body for status, _, body in results if status == 429))
            self.assertIn("overloaded", refusal["error"])
            print(f"overload: {codes.count(200)} x 200, {codes.count(429)} x 429, "
                  f"slowest 429 in {slowest_refusal * 1000:.1f} ms")
            status, _, _ = sh.request(server.url + "/health")
            self.assertEqual(status, 200)

    def test_sigterm_drains(self):
        server = sh.Server(self.repository, self.workdir, "--threads", "1",
                           "--max-request-rows", str(ROWS), "--drain-seconds", "15",
                           tag="drain")
        try:
            in_flight = []
            threads = [threading.Thread(target=lambda: in_flight.append(self.infer(server)))
                       for _ in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(0.15)  # the four are queued or running
            signalled = time.monotonic()
            server.proc.send_signal(15)
            time.sleep(0.05)
            status, body = sh.request_json(server.url + "/ready", timeout=5)
            self.assertEqual(status, 503, body)
            for thread in threads:
                thread.join(timeout=30)
            code = server.proc.wait(timeout=20)
            exited_after = time.monotonic() - signalled
            self.assertEqual(code, 0, server.read_log())
            self.assertEqual([r[0] for r in in_flight], [200] * 4, "in-flight requests finish")
            self.assertLess(exited_after, 15.0)
            self.assertIn("drained", server.read_log())
            print(f"drain: 4 in-flight requests answered 200, exit 0 {exited_after:.2f} s "
                  f"after SIGTERM")
        finally:
            server.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
