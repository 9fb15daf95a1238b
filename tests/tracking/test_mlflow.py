"""slipway-train against a real MLflow tracking server (issue 9). `mlflow server` (PyPI mlflow,
from the tests' venv: scripts/venv.sh) runs on a free loopback port with a SQLite backend in a
temp folder; with MLFLOW_TRACKING_URI pointing at it, a tiny job leaves one run whose status,
tags (job name, recipe hash, exported model version), params (the recipe, flattened) and
metric history (every series, every step, as in the metrics JSON lines) are read back over
MLflow's REST API. SIGTERM ends the run KILLED. A tracking URI on a closed port costs one
warning line and no more than a few seconds: training finishes, exit 0."""

import json
import math
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import tracking_harness as th  # noqa: E402

th.import_from_venv(__file__, ["mlflow"])  # the server runs from the venv
harness = th.harness
MLFLOW = os.path.join(os.path.dirname(sys.executable), "mlflow")
API = "/api/2.0/mlflow"
SERIES = {"train": {"train/loss": "loss", "train/accuracy": "accuracy",
                    "train/learning_rate": "lr", "train/samples_per_sec": "samples_per_sec",
                    "train/grad_norm": "grad_norm"},
          "eval": {"test/loss": "test_loss", "test/accuracy": "test_accuracy",
                   "train/epoch_loss": "train_loss"}}


class MlflowServer(th.Server):
    def __init__(self, workdir):
        self.port = th.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        store = os.path.join(workdir, "mlflow")
        os.makedirs(store)
        env = dict(os.environ)
        env.pop("MLFLOW_TRACKING_URI", None)
        super().__init__([MLFLOW, "server", "--host", "127.0.0.1", "--port", str(self.port),
                          "--workers", "1",
                          "--backend-store-uri", f"sqlite:///{store}/mlflow.db",
                          "--default-artifact-root", f"{store}/artifacts"],
                         f"{self.url}/health", os.path.join(workdir, "mlflow-server.log"),
                         timeout=120, env=env)

    def get(self, path, **query):
        url = f"{self.url}{API}{path}?{urllib.parse.urlencode(query)}"
        return json.loads(th.http_get(url)[1])

    def runs(self, experiment_name):
        experiment = self.get("/experiments/get-by-name", experiment_name=experiment_name)
        found = th.http_post_json(f"{self.url}{API}/runs/search", {
            "experiment_ids": [experiment["experiment"]["experiment_id"]]})
        return found.get("runs", [])

    def history(self, run_id, key):
        found = self.get("/metrics/get-history", run_id=run_id, metric_key=key,
                         max_results=10000)
        return sorted(found.get("metrics", []), key=lambda m: (m["step"], m["timestamp"]))


def timed_train(spec, workdir, name, extra_env=None, sets=()):
    start = time.monotonic()
    result = harness.train(spec, 0, workdir, timeout=180, name=name, extra_env=extra_env,
                           sets=sets)
    return result, time.monotonic() - start


class MlflowTracking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("mlflow")
        started = time.monotonic()
        cls.server = MlflowServer(cls.workdir)
        print(f"mlflow server at {cls.server.url} ready in {time.monotonic() - started:.1f} s")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def env(self):
        return {"MLFLOW_TRACKING_URI": self.server.url}

    def test_run_params_tags_and_metric_history(self):
        repository = os.path.join(self.workdir, "models")
        spec = th.write_tiny_spec(self.workdir, "mlflow-job",
                                  f"export:\n  repository: {repository}\n"
                                  "tracking:\n  mlflow_experiment: slipway-tests\n")
        result, _ = timed_train(spec, self.workdir, "tracked", self.env())
        proc = result["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertEqual(th.warning_lines(proc.stderr, "mlflow"), [])
        summary = result["summary"]

        runs = self.server.runs("slipway-tests")
        self.assertEqual(len(runs), 1)
        run = runs[0]
        info, data = run["info"], run["data"]
        self.assertEqual(info["status"], "FINISHED")
        self.assertEqual(info["run_name"], "mlflow-job")
        self.assertGreater(info["end_time"], info["start_time"])
        self.assertIn(f"mlflow: run {info['run_id']} ended FINISHED", proc.stderr)

        tags = {t["key"]: t["value"] for t in data["tags"]}
        with open(os.path.join(os.path.dirname(summary["export"]["model"]),
                               "slipway.json")) as f:
            exported = json.load(f)
        self.assertEqual(tags["mlflow.runName"], "mlflow-job")
        self.assertEqual(tags["slipway.job"], "mlflow-job")
        self.assertEqual(tags["slipway.recipe_hash"], exported["recipe_hash"])
        self.assertEqual(tags["slipway.model.name"], "mlflow-job")
        self.assertEqual(tags["slipway.model.version"], str(summary["export"]["version"]))
        self.assertEqual(tags["slipway.model.path"], summary["export"]["model"])
        self.assertEqual(tags["slipway.world_size"], "1")

        params = {p["key"]: p["value"] for p in data["params"]}
        self.assertEqual(params["train.optimizer.lr"], "0.05")
        self.assertEqual(params["train.optimizer.name"], "sgd")
        self.assertEqual(params["model.hidden"], "[32]")
        self.assertEqual(params["train.schedule.name"], "cosine")
        self.assertEqual(params["train.global_batch"], "64")
        self.assertNotIn("train.log_every", params)  # operational, not the recipe
        self.assertEqual(len(params), 26)

        checked = 0
        for kind, series in SERIES.items():
            expected = th.records(result["metrics"], kind)
            for key, field in series.items():
                history = self.server.history(info["run_id"], key)
                self.assertEqual([m["step"] for m in history], [r["step"] for r in expected],
                                 key)
                for metric, record in zip(history, expected):
                    self.assertTrue(math.isclose(metric["value"], record[field],
                                                 rel_tol=1e-12), (key, metric, record))
                    checked += 1
        final = self.server.history(info["run_id"], "summary/test_accuracy")
        self.assertEqual([(m["step"], m["value"]) for m in final],
                         [(summary["steps"], summary["test_accuracy"])])
        print(f"run {info['run_id']}: {len(params)} params, {len(tags)} tags, {checked} metric "
              f"values match the metrics file; model version {tags['slipway.model.version']}")

    def test_sigterm_ends_the_run_killed(self):
        spec = th.write_tiny_spec(self.workdir, "mlflow-stop", epochs=200)
        command = harness.train_command(spec, 0, self.workdir, name="stopped")
        job = subprocess.Popen(command, env=harness.mpi_env(self.env()), stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
        try:
            harness.wait_for_step(os.path.join(self.workdir, "stopped.metrics.jsonl"), 20, job)
            job.send_signal(signal.SIGTERM)
            _, stderr = job.communicate(timeout=60)
        finally:
            if job.poll() is None:
                job.kill()
                job.wait()
        self.assertEqual(job.returncode, 143, stderr[-3000:])
        runs = self.server.runs("mlflow-stop")  # the experiment defaults to the job's name
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["info"]["status"], "KILLED")
        self.assertTrue(self.server.history(runs[0]["info"]["run_id"], "train/loss"))
        print("SIGTERM: exit 143, run status KILLED")

    def test_server_down_costs_one_warning_and_no_time(self):
        spec = th.write_tiny_spec(self.workdir, "mlflow-down")
        baseline, base_seconds = timed_train(spec, self.workdir, "baseline",
                                             sets=["checkpoint.resume=false"])
        self.assertEqual(baseline["proc"].returncode, 0, baseline["proc"].stderr[-3000:])
        closed = f"http://127.0.0.1:{th.free_port()}"
        down, down_seconds = timed_train(spec, self.workdir, "down",
                                         {"MLFLOW_TRACKING_URI": closed},
                                         sets=["checkpoint.resume=false"])
        proc = down["proc"]
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        self.assertEqual(down["summary"]["steps"], baseline["summary"]["steps"])
        warnings = th.warning_lines(proc.stderr, "mlflow")
        self.assertEqual(len(warnings), 1, proc.stderr[-3000:])
        self.assertIn("training continues", warnings[0])
        print(f"server down: {warnings[0]}")
        print(f"wall time {down_seconds:.2f} s vs {base_seconds:.2f} s without MLflow")
        self.assertLess(down_seconds, base_seconds + 3.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
