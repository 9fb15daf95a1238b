"""`slipway-launch apply | delete | status | logs` drive kubectl. There is no API server here,
so a kubectl stand-in (a script put first through SLIPWAY_KUBECTL) records its arguments and
standard input and answers with canned output and exit codes. Standard library only."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.environ.get("SLIPWAY_BIN_DIR", os.path.join(ROOT, "build", "bin"))

# The stand-in: appends {"args": [...], "stdin": "..."} to $FAKE_LOG; prints $FAKE_STDOUT_<verb>
# (a file) when set, $FAKE_STDERR to stderr, and exits $FAKE_EXIT (default 0).
FAKE_KUBECTL = textwrap.dedent(f"""\
    #!{sys.executable}
    import json, os, sys
    args = sys.argv[1:]
    data = sys.stdin.read()
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps({{"args": args, "stdin": data}}) + "\\n")
    verb = "_".join(a for a in args[:2] if not a.startswith("-"))
    out = os.environ.get("FAKE_STDOUT_" + verb.replace("-", "_"))
    if out:
        sys.stdout.write(open(out).read())
    sys.stderr.write(os.environ.get("FAKE_STDERR", ""))
    sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
    """)

JOB = {"kind": "Job", "metadata": {"name": "h100-pretrain", "namespace": "ml-training"},
       "status": {"failed": 1, "active": 3, "conditions": [
           {"type": "Failed", "status": "True", "reason": "PodFailurePolicy",
            "message": "Container trainer for pod ml-training/h100-pretrain-2-x9 failed with "
                       "exit code 3 matching FailJob rule at index 0"}]}}
PODS = {"items": [
    {"metadata": {"name": "h100-pretrain-0-abcde",
                  "labels": {"batch.kubernetes.io/job-completion-index": "0"}},
     "status": {"phase": "Running",
                "containerStatuses": [{"restartCount": 0, "state": {"running": {}}}]}},
    {"metadata": {"name": "h100-pretrain-2-x9",
                  "labels": {"batch.kubernetes.io/job-completion-index": "2"}},
     "status": {"phase": "Failed", "containerStatuses": [{
         "restartCount": 0,
         "state": {"terminated": {"exitCode": 3, "reason": "Error",
                                  "message": "rank 17 failed: exit code 3 (bad or missing "
                                             "data)\nlast lines:\n... cannot open /data/x.h5"}}}]}},
]}


class KubectlCommands(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="slipway-kubectl-")
        self.kubectl = os.path.join(self.dir, "kubectl")
        with open(self.kubectl, "w") as f:
            f.write(FAKE_KUBECTL)
        os.chmod(self.kubectl, 0o755)
        self.log = os.path.join(self.dir, "calls.jsonl")
        self.env = dict(os.environ, SLIPWAY_KUBECTL=self.kubectl, FAKE_LOG=self.log)

    def launch(self, *args, **env):
        return subprocess.run([os.path.join(BIN_DIR, "slipway-launch"), *args], cwd=ROOT,
                              env={**self.env, **env}, capture_output=True, text=True,
                              timeout=30)

    def calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def canned(self, name, value):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(json.dumps(value))
        return path

    def rendered(self, *args):
        proc = subprocess.run([os.path.join(BIN_DIR, "slipway-launch"), "render", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_apply_pipes_the_rendered_manifests(self):
        proc = self.launch("apply", "configs/h100-pretrain.yaml", "--target", "jobset")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [call] = self.calls()
        self.assertEqual(call["args"], ["apply", "-f", "-"])
        self.assertEqual(call["stdin"],
                         self.rendered("configs/h100-pretrain.yaml", "--target", "jobset"))

    def test_apply_dry_run_server(self):
        proc = self.launch("apply", "configs/fashion-mnist.yaml", "--dry-run=server")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.calls()[0]["args"], ["apply", "-f", "-", "--dry-run=server"])

    def test_kubectl_failure_passes_its_code_and_error_text(self):
        message = 'error: resource mapping not found for name: "h100-pretrain" ' \
                  'kind "JobSet": ensure CRDs are installed first\n'
        proc = self.launch("apply", "configs/h100-pretrain.yaml", "--target", "jobset",
                           FAKE_EXIT="1", FAKE_STDERR=message)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(message, proc.stderr)

    def test_delete_removes_what_apply_created(self):
        proc = self.launch("delete", "configs/nightly-retrain.yaml")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [call] = self.calls()
        self.assertEqual(call["args"], ["delete", "-f", "-", "--ignore-not-found"])
        self.assertIn("kind: CronJob", call["stdin"])
        self.assertEqual(call["stdin"], self.rendered("configs/nightly-retrain.yaml"))

    def test_a_bad_spec_never_reaches_kubectl(self):
        proc = self.launch("apply", "configs/h100-pretrain.yaml", "--set", "resources.nodes=0")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("resources.nodes must be >= 1", proc.stderr)
        self.assertEqual(self.calls(), [])

    def test_status_names_the_failed_rank_and_why(self):
        proc = self.launch("status", "configs/h100-pretrain.yaml",
                           FAKE_STDOUT_get_job=self.canned("job.json", JOB),
                           FAKE_STDOUT_get_pods=self.canned("pods.json", PODS))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        calls = self.calls()
        self.assertEqual(calls[0]["args"],
                         ["get", "job", "h100-pretrain", "-n", "ml-training", "-o", "json"])
        self.assertEqual(calls[1]["args"],
                         ["get", "pods", "-n", "ml-training", "-l",
                          "app.kubernetes.io/instance=h100-pretrain", "-o", "json"])
        out = proc.stdout
        self.assertIn("Job h100-pretrain (namespace ml-training): Failed (PodFailurePolicy)", out)
        self.assertIn("active 3, succeeded 0, failed 1 (pods)", out)
        failed = [line for line in out.splitlines()
                  if line.strip().startswith("h100-pretrain-2-x9")][0]
        self.assertRegex(failed, r"h100-pretrain-2-x9\s+2\s+Failed\s+0\s+3\s+rank 17 failed: "
                                 r"exit code 3 \(bad or missing data\) last lines:")

    def test_status_of_a_missing_job_passes_kubectl_on(self):
        proc = self.launch("status", "configs/fashion-mnist.yaml", FAKE_EXIT="1",
                           FAKE_STDERR='Error from server (NotFound): jobs.batch '
                                       '"fashion-mnist" not found\n')
        self.assertEqual(proc.returncode, 1)
        self.assertIn("NotFound", proc.stderr)

    def test_logs_of_one_rank_in_a_shared_pod(self):
        log = self.canned("log.txt", "")
        with open(log, "w") as f:
            f.write("2026-11-25T01:00:00.000 [rank 16] info step 1\n"
                    "2026-11-25T01:00:00.000 [rank 17] warning slow\n"
                    "[rank 17] something without a timestamp\n")
        proc = self.launch("logs", "configs/h100-pretrain.yaml", "--rank", "17",
                           FAKE_STDOUT_logs=log)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        [call] = self.calls()
        # 8 ranks per pod: rank 17 lives in the pod of index 2.
        self.assertIn("app.kubernetes.io/instance=h100-pretrain,"
                      "batch.kubernetes.io/job-completion-index=2", call["args"])
        self.assertEqual(proc.stdout.splitlines(),
                         ["2026-11-25T01:00:00.000 [rank 17] warning slow",
                          "[rank 17] something without a timestamp"])
        bad = self.launch("logs", "configs/h100-pretrain.yaml", "--rank", "32")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("rank must be in [0, 32)", bad.stderr)

    def test_no_kubectl(self):
        proc = self.launch("apply", "configs/fashion-mnist.yaml",
                           SLIPWAY_KUBECTL=os.path.join(self.dir, "missing"))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("cannot run", proc.stderr)
        self.assertIn("SLIPWAY_KUBECTL", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
