"""slipway-train pushing progress to a real Prometheus Pushgateway (issue 9): Debian's
prometheus-pushgateway on a free loopback port (scripts/install-deps.sh installs it); after a
tiny job on 2 ranks, the gateway's /metrics holds the job's slipway_train_* group (job=<name>,
instance=<rank 0's host>) with the values of the run's summary and metrics file, and
slipway_train_job_done 1. With push_interval 0 the gateway sees the job while it trains. A
gateway that is down costs one warning line: training finishes, exit 0. Standard library
only."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import tracking_harness as th  # noqa: E402

harness = th.harness
PUSHGATEWAY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"


def parse_exposition(text, job):
    """{metric name: value} of the samples in `text` labelled job=<job>."""
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or f'job="{job}"' not in line:
            continue
        name_and_labels, value = line.rsplit(" ", 1)
        name = name_and_labels.split("{", 1)[0]
        values[name] = float(value)
        values.setdefault("_labels", {})[name] = name_and_labels
    return values


class Pushgateway(th.Server):
    def __init__(self, workdir):
        if not os.access(PUSHGATEWAY, os.X_OK):
            sys.exit(f"FAIL: {PUSHGATEWAY} missing: run scripts/install-deps.sh "
                     "(Debian package prometheus-pushgateway)")
        self.port = th.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{self.port}",
                          "--persistence.file=", "--log.level=warn"],
                         f"{self.url}/-/ready", os.path.join(workdir, "pushgateway.log"),
                         timeout=30)

    def metrics(self, job):
        return parse_exposition(th.http_get(f"{self.url}/metrics")[1], job)


class PushgatewayTracking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("pushgateway")
        cls.gateway = Pushgateway(cls.workdir)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def test_final_state_is_on_the_gateway(self):
        spec = th.write_tiny_spec(self.workdir, "push-job",
                                  f"tracking:\n  pushgateway_url: {self.gateway.url}\n")
        started = time.time()
        result = harness.train(spec, 2, self.workdir, timeout=180, name="pushed")
        proc = result["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertEqual(th.warning_lines(proc.stderr, "pushgateway"), [])
        summary, metrics = result["summary"], result["metrics"]
        last_train = th.records(metrics, "train")[-1]
        last_eval = th.records(metrics, "eval")[-1]
        checkpoints = th.records(metrics, "checkpoint")

        got = self.gateway.metrics("push-job")
        host = socket.gethostname()
        self.assertIn(f'instance="{host}"', got["_labels"]["slipway_train_steps_total"])
        expected = {
            "slipway_train_steps_total": summary["steps"],
            "slipway_train_epoch": summary["epochs"],
            "slipway_train_loss": last_train["loss"],
            "slipway_train_accuracy": last_train["accuracy"],
            "slipway_train_learning_rate": last_train["lr"],
            "slipway_train_samples_per_second": last_train["samples_per_sec"],
            "slipway_train_step_seconds_total": last_train["train_seconds"],
            "slipway_train_test_loss": last_eval["test_loss"],
            "slipway_train_test_accuracy": summary["test_accuracy"],
            "slipway_train_checkpoints_total": len(checkpoints),
            "slipway_train_world_size": 2,
            "slipway_train_job_done": 1,
            "slipway_train_job_failed": 0,
        }
        for name, value in expected.items():
            self.assertIn(name, got, f"{name} missing from the gateway")
            self.assertAlmostEqual(got[name], value, places=9, msg=name)
        checkpoint_time = got["slipway_train_last_checkpoint_timestamp_seconds"]
        self.assertTrue(started <= checkpoint_time <= time.time(), checkpoint_time)
        self.assertIn("push_time_seconds", got)  # the gateway's own stamp of the last push
        print(f"gateway holds {len(expected) + 1} slipway_train_* values of job push-job, "
              f"instance {host}: steps {got['slipway_train_steps_total']:.0f}, "
              f"loss {got['slipway_train_loss']:.4f}, done {got['slipway_train_job_done']:.0f}")

    def test_progress_is_visible_while_training(self):
        spec = th.write_tiny_spec(self.workdir, "push-live", epochs=400,
                                  extra=f"tracking:\n  pushgateway_url: {self.gateway.url}\n"
                                  "  push_interval: 0\n")
        command = harness.train_command(spec, 0, self.workdir, name="live")
        job = subprocess.Popen(command, env=harness.mpi_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        try:
            harness.wait_for_step(os.path.join(self.workdir, "live.metrics.jsonl"), 50, job)
            deadline = time.time() + 30
            live = {}
            while time.time() < deadline:
                live = self.gateway.metrics("push-live")
                if live.get("slipway_train_steps_total", 0) > 0:
                    break
                time.sleep(0.05)
            job.send_signal(signal.SIGTERM)
            _, stderr = job.communicate(timeout=60)
        finally:
            if job.poll() is None:
                job.kill()
                job.wait()
        self.assertGreater(live.get("slipway_train_steps_total", 0), 0, "no push while training")
        self.assertEqual(live["slipway_train_job_done"], 0)
        self.assertEqual(job.returncode, 143, stderr[-3000:])
        final = self.gateway.metrics("push-live")
        self.assertEqual(final["slipway_train_job_done"], 1)
        self.assertEqual(final["slipway_train_job_failed"], 0)  # stopped is not failed
        print(f"while training: steps {live['slipway_train_steps_total']:.0f}, done 0; after "
              f"SIGTERM: steps {final['slipway_train_steps_total']:.0f}, done 1")

    def test_gateway_down_costs_one_warning(self):
        spec = th.write_tiny_spec(self.workdir, "push-down")
        closed = f"http://127.0.0.1:{th.free_port()}"
        start = time.monotonic()
        result = harness.train(spec, 0, self.workdir, timeout=180, name="down",
                               extra_env={"SLIPWAY_PUSHGATEWAY_URL": closed})
        seconds = time.monotonic() - start
        proc = result["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        warnings = th.warning_lines(proc.stderr, "pushgateway")
        self.assertEqual(len(warnings), 1, proc.stderr[-3000:])
        self.assertIn(closed, warnings[0])  # the environment won over the spec's (empty) URL
        self.assertIn("training continues", warnings[0])
        self.assertLess(seconds, 10)
        print(f"gateway down ({seconds:.2f} s): {warnings[0]}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
