"""What `slipway-launch render` prints, for every example spec in configs/ and every target
that can express it: equal to the golden files in k8s/ (SLIPWAY_UPDATE_GOLDEN=1 rewrites them
for review as a diff), valid against the Kubernetes 1.30 schemas in strict mode and the CRDs
in ../shared/crds, clean under checkov (k8s/checkov-skips.yaml says why for each skip); and
spec errors that end with exit 2 naming file:line, the key path and a fix."""

import difflib
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import validate_manifests  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.environ.get("SLIPWAY_BIN_DIR", os.path.join(ROOT, "build", "bin"))
UPDATE = os.environ.get("SLIPWAY_UPDATE_GOLDEN") == "1"

# Every example spec with the targets that can express it (a CronJob runs only plain Jobs).
CASES = {
    "fashion-mnist": ["indexed-job", "jobset", "mpijob"],
    "h100-pretrain": ["indexed-job", "jobset", "mpijob"],
    "nightly-retrain": ["indexed-job"],
}


def launch(*args, timeout=30):
    return subprocess.run([os.path.join(BIN_DIR, "slipway-launch"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def golden_path(config, target):
    return os.path.join(ROOT, "k8s", config, f"{target}.yaml")


class RenderedManifests(unittest.TestCase):
    def render(self, config, target):
        proc = launch("render", os.path.join("configs", f"{config}.yaml"), "--target", target)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_every_config_has_a_case(self):
        configs = sorted(name[:-5] for name in os.listdir(os.path.join(ROOT, "configs"))
                         if name.endswith(".yaml"))
        self.assertEqual(configs, sorted(CASES))

    def test_golden_files(self):
        for config, targets in CASES.items():
            for target in targets:
                with self.subTest(config=config, target=target):
                    text = self.render(config, target)
                    path = golden_path(config, target)
                    if UPDATE:
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        with open(path, "w") as f:
                            f.write(text)
                    self.assertTrue(os.path.exists(path),
                                    f"{path} missing: run with SLIPWAY_UPDATE_GOLDEN=1")
                    with open(path) as f:
                        golden = f.read()
                    if text != golden:
                        diff = "".join(difflib.unified_diff(
                            golden.splitlines(True), text.splitlines(True),
                            f"{path} (golden)", "render (now)"))
                        self.fail(f"render differs from {path}; review and rewrite with "
                                  f"SLIPWAY_UPDATE_GOLDEN=1:\n{diff[:6000]}")

    def test_deterministic_and_same_as_output_dir(self):
        first = self.render("h100-pretrain", "jobset")
        self.assertEqual(first, self.render("h100-pretrain", "jobset"))
        with tempfile.TemporaryDirectory() as out:
            proc = launch("render", "configs/h100-pretrain.yaml", "--target", "jobset",
                          "-o", out)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            names = sorted(os.listdir(out))
            self.assertEqual(names, ["00-configmap-h100-pretrain-spec.yaml",
                                     "10-networkpolicy-h100-pretrain.yaml",
                                     "20-jobset-h100-pretrain.yaml"])
            joined = "---\n".join(open(os.path.join(out, n)).read() for n in names)
            self.assertEqual(joined, first)

    def test_schemas_and_api_rules(self):
        for config, targets in CASES.items():
            for target in targets:
                with self.subTest(config=config, target=target):
                    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
                        f.write(self.render(config, target))
                        f.flush()
                        problems = validate_manifests.validate_files([f.name])
                    self.assertEqual([str(p) for p in problems], [])

    def test_checkov_clean(self):
        with tempfile.TemporaryDirectory() as out:
            for config, targets in CASES.items():
                for target in targets:
                    with open(os.path.join(out, f"{config}-{target}.yaml"), "w") as f:
                        f.write(self.render(config, target))
            proc = subprocess.run(["bash", os.path.join(ROOT, "tests", "k8s", "run_checkov.sh"),
                                   out], capture_output=True, text=True, timeout=240)
            self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-2000:])
            self.assertIn("Failed checks: 0", proc.stdout)

    def test_a_golden_file_that_drifts_is_caught(self):
        # The comparison above must be able to fail: a one-byte change is a difference.
        text = self.render("fashion-mnist", "indexed-job")
        with open(golden_path("fashion-mnist", "indexed-job")) as f:
            golden = f.read()
        self.assertEqual(text, golden)
        self.assertNotEqual(text.replace("backoffLimit: 3", "backoffLimit: 4"), golden)


class SpecErrors(unittest.TestCase):
    def write(self, body):
        handle, path = tempfile.mkstemp(suffix=".yaml")
        with os.fdopen(handle, "w") as f:
            f.write(body)
        self.addCleanup(os.remove, path)
        return path

    BASE = "name: job\nimage: img:1\ndata:\n  path: d.h5\n"

    def test_errors_name_file_line_key_and_fix(self):
        cases = [
            # (spec text appended to BASE, expected substrings)
            ("resources:\n  memory: 16Gb\n",
             [":6: resources.memory must be a positive Kubernetes quantity, got '16Gb'"]),
            ("resources:\n  gpusPerNode: 1.5\n",
             [":6: resources.gpusPerNode must be an integer, got '1.5'"]),
            ("resources:\n  nodes: 0\n", [":6: resources.nodes must be >= 1, got 0"]),
            ("resources:\n  gpuPerNode: 8\n",
             [":6: unknown key 'resources.gpuPerNode'", "did you mean 'gpusPerNode'"]),
            ("resources:\n  tolerations:\n    - value: x\n",
             [":7: resources.tolerations[0] has operator Equal but no key"]),
            ("kubernetes:\n  target: cronjob\n",
             [":6: kubernetes.target must be one of indexed-job, jobset, mpijob"]),
            ("kubernetes:\n  schedule: \"@daily\"\n  target: jobset\n",
             ["kubernetes.schedule cannot be expressed by target jobset"]),
        ]
        for extra, expected in cases:
            with self.subTest(extra=extra):
                path = self.write(self.BASE + extra)
                proc = launch("render", path)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(proc.stdout, "")
                for text in expected:
                    self.assertIn(text, proc.stderr)

    def test_name_that_is_not_dns_1123(self):
        path = self.write(self.BASE.replace("name: job", "name: My_Job"))
        proc = launch("render", path)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(":1: name must be a DNS-1123 label, got 'My_Job'", proc.stderr)

    def test_override_errors_name_the_flag(self):
        path = self.write(self.BASE)
        proc = launch("render", path, "--set", "resources.memory=16GB")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--set resources.memory: resources.memory must be a positive", proc.stderr)
        self.assertIn("'16Gi'", proc.stderr)

    def test_missing_image_and_bad_target_flag(self):
        path = self.write(self.BASE.replace("image: img:1\n", ""))
        proc = launch("render", path)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("image is not set", proc.stderr)
        proc = launch("render", path, "--target", "deployment")
        self.assertEqual(proc.returncode, 2)

    def test_jobset_name_too_long_for_hostnames(self):
        path = self.write(self.BASE.replace("name: job", "name: " + "a" * 55))
        proc = launch("render", path, "--target", "jobset")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("longer than 63 characters", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
