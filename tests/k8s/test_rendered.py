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

import yaml

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
# The serving objects (render --serving) of the specs with a serving section, by golden name.
SERVING = {"serving": ["--serving"], "serving-kserve": ["--serving", "--runtime", "kserve"]}
SERVING_CASES = {"fashion-mnist": list(SERVING), "h100-pretrain": list(SERVING)}


def all_cases():
    """(config, golden name) of every rendering with a golden file."""
    for config, targets in CASES.items():
        for target in targets:
            yield config, target
    for config, names in SERVING_CASES.items():
        for name in names:
            yield config, name


def launch(*args, timeout=30):
    return subprocess.run([os.path.join(BIN_DIR, "slipway-launch"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def golden_path(config, target):
    return os.path.join(ROOT, "k8s", config, f"{target}.yaml")


class RenderedManifests(unittest.TestCase):
    def render(self, config, target):
        flags = SERVING[target] if target in SERVING else ["--target", target]
        proc = launch("render", os.path.join("configs", f"{config}.yaml"), *flags)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_every_config_has_a_case(self):
        configs = sorted(name[:-5] for name in os.listdir(os.path.join(ROOT, "configs"))
                         if name.endswith(".yaml"))
        self.assertEqual(configs, sorted(CASES))

    def test_golden_files(self):
        for config, target in all_cases():
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
        for config, target in all_cases():
            with self.subTest(config=config, target=target):
                with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
                    f.write(self.render(config, target))
                    f.flush()
                    problems = validate_manifests.validate_files([f.name])
                self.assertEqual([str(p) for p in problems], [])

    def test_checkov_clean(self):
        with tempfile.TemporaryDirectory() as out:
            for config, target in all_cases():
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


class ServingObjects(unittest.TestCase):
    """The serving objects agree with each other: what selects, targets or scrapes what."""

    def objects(self, config, *flags):
        proc = launch("render", os.path.join("configs", f"{config}.yaml"), "--serving", *flags)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return {doc["kind"]: doc for doc in yaml.safe_load_all(proc.stdout) if doc}

    @staticmethod
    def selects(selector, labels):
        return all(labels.get(k) == v for k, v in selector.items())

    def test_objects_point_at_each_other(self):
        objs = self.objects("h100-pretrain")
        self.assertEqual(sorted(objs), sorted([
            "NetworkPolicy", "Service", "Deployment", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "Ingress", "ServiceMonitor", "PrometheusRule"]))
        deployment, service = objs["Deployment"], objs["Service"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
        self.assertTrue(self.selects(service["spec"]["selector"], pod_labels))
        self.assertIn(service["spec"]["ports"][0]["targetPort"], port_names)
        self.assertEqual(objs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"],
                         deployment["metadata"]["name"])
        self.assertNotIn("replicas", deployment["spec"])  # the HPA owns the count
        self.assertTrue(self.selects(
            objs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"], pod_labels))
        self.assertTrue(self.selects(
            objs["NetworkPolicy"]["spec"]["podSelector"]["matchLabels"], pod_labels))
        self.assertEqual(objs["NetworkPolicy"]["spec"]["ingress"][0]["ports"][0]["port"],
                         port_names["http"])
        monitor = objs["ServiceMonitor"]["spec"]
        self.assertTrue(self.selects(monitor["selector"]["matchLabels"],
                                     service["metadata"]["labels"]))
        self.assertIn(monitor["endpoints"][0]["port"], {p["name"] for p in service["spec"]["ports"]})
        backend = objs["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        self.assertEqual(backend["name"], service["metadata"]["name"])
        # The training job's NetworkPolicy and `status` select app.kubernetes.io/instance=<job>;
        # serving pods must not be among them.
        self.assertNotEqual(pod_labels["app.kubernetes.io/instance"], "h100-pretrain")

    def test_drain_fits_in_the_grace_period(self):
        deployment = self.objects("h100-pretrain")["Deployment"]
        pod = deployment["spec"]["template"]["spec"]
        args = pod["containers"][0]["args"]
        drain = int(args[args.index("--drain-seconds") + 1])
        pre_stop = int(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][1])
        self.assertEqual(pod["terminationGracePeriodSeconds"], pre_stop + drain + 5)

    def test_model_repository_follows_export(self):
        # h100-pretrain exports to /models, a mount of the PVC model-repository.
        objs = self.objects("h100-pretrain")
        volume = objs["Deployment"]["spec"]["template"]["spec"]["volumes"][0]
        self.assertEqual(volume["persistentVolumeClaim"],
                         {"claimName": "model-repository", "readOnly": True})
        isvc = self.objects("h100-pretrain", "--runtime", "kserve")["InferenceService"]
        model = isvc["spec"]["predictor"]["model"]
        self.assertEqual(model["storageUri"], "pvc://model-repository")
        self.assertEqual(model["modelFormat"], {"name": "onnx"})
        self.assertEqual(model["runtime"], "kserve-tritonserver")

    def test_runtime_flag_needs_serving(self):
        proc = launch("render", "configs/fashion-mnist.yaml", "--runtime", "kserve")
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout, "")


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

    def test_serving_errors_name_file_line_key_and_fix(self):
        base = self.BASE + "serving:\n  image: serve:1\n  repository:\n    pvc: models\n"
        cases = [
            ("  replicas: 1\n", ["disruptionBudget.minAvailable (1) must be below the replicas (1)"]),
            ("  resources:\n    gpus: 1\n",
             [":10: serving.resources.gpus needs serving.runtime: kserve"]),
            ("  autoscaling:\n    enabled: true\n    minReplicas: 5\n    maxReplicas: 3\n",
             [":12: serving.autoscaling.maxReplicas (3) is below minReplicas (5)"]),
            ("  autoscaling:\n    requestsPerSecond: 100\n",
             [":10: serving.autoscaling.requestsPerSecond needs a metrics adapter",
              "prometheus-adapter"]),
            ("  ingress:\n    host: ml.example.com\n",
             [":10: serving.ingress.host needs serving.ingress.tlsSecret"]),
            ("  probes:\n    timeoutSeconds: 9\n",
             [":10: serving.probes.timeoutSeconds (9) is longer than a probe period"]),
            ("  runtime: triton\n", [":9: serving.runtime must be one of slipway, kserve"]),
            ("  repository:\n    url: ftp://x\n", ["serving.repository"]),
        ]
        for extra, expected in cases:
            with self.subTest(extra=extra):
                path = self.write(base + extra)
                proc = launch("render", path, "--serving")
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(proc.stdout, "")
                for text in expected:
                    self.assertIn(text, proc.stderr)

    def test_serving_needs_an_image_and_a_repository(self):
        path = self.write(self.BASE)
        proc = launch("render", path, "--serving")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("serving.image is not set", proc.stderr)
        proc = launch("render", path, "--serving", "--set", "serving.image=serve:1")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("serving.repository is not set", proc.stderr)

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
