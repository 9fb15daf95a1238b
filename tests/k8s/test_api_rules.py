#!/usr/bin/env python3
"""Table tests for tests/k8s/validate_manifests.py: for each rule a good object passes and a bad
variant fails with the expected message; the quantity parser; strict CRD schemas.

Run with the venv's python (scripts/venv.sh): .venv/bin/python tests/k8s/test_api_rules.py
"""
from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import unittest
from fractions import Fraction
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import validate_manifests as vm  # noqa: E402

FIXTURES = HERE / "fixtures"


def load(name: str) -> list[dict]:
    with open(FIXTURES / name, encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def by_kind(docs: list[dict], kind: str) -> dict:
    return next(doc for doc in docs if doc["kind"] == kind)


def lines(docs: list[dict]) -> list[str]:
    return [str(p) for p in vm.validate_documents(docs, "t.yaml")]


# --- mutations of the indexed-job fixture (ConfigMap, headless Service, Indexed Job) --------

def job(docs):
    return by_kind(docs, "Job")


def pod(docs):
    return job(docs)["spec"]["template"]["spec"]


def container(docs):
    return pod(docs)["containers"][0]


def set_(getter, key, value):
    def mutate(docs):
        getter(docs)[key] = value
    return mutate


def delete(getter, key):
    def mutate(docs):
        del getter(docs)[key]
    return mutate


def resources(field, name, value):
    def mutate(docs):
        container(docs)["resources"].setdefault(field, {})[name] = value
    return mutate


def drop_resource(field, name):
    def mutate(docs):
        del container(docs)["resources"][field][name]
    return mutate


def exit_codes(values=None, **fields):
    def mutate(docs):
        codes = job(docs)["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]
        if values is not None:
            codes["values"] = values
        codes.update(fields)
    return mutate


def labels(getter, key, value):
    def mutate(docs):
        getter(docs).setdefault("labels", {})[key] = value
    return mutate


def job_meta(docs):
    return job(docs)["metadata"]


def service(docs):
    return by_kind(docs, "Service")


def configmap(docs):
    return by_kind(docs, "ConfigMap")


def remove_service(docs):
    docs.remove(service(docs))


LONG = "a" * 64

# (case name, mutation, expected path, expected message fragment)
JOB_CASES = [
    ("restart policy with podFailurePolicy", set_(pod, "restartPolicy", "OnFailure"),
     "spec.podFailurePolicy", "requires template.spec.restartPolicy Never"),
    ("exit code 0 with In", exit_codes([0, 2]),
     "spec.podFailurePolicy.rules[0].onExitCodes.values", "must not contain 0"),
    ("exit codes out of order", exit_codes([3, 2]),
     "spec.podFailurePolicy.rules[0].onExitCodes.values", "increasing order"),
    ("exit codes repeated", exit_codes([2, 2]),
     "spec.podFailurePolicy.rules[0].onExitCodes.values", "increasing order"),
    ("exit codes for an unknown container", exit_codes(containerName="nope"),
     "spec.podFailurePolicy.rules[0].onExitCodes.containerName", "names no container"),
    ("indexed without completions", delete(lambda d: job(d)["spec"], "completions"),
     "spec.completions", "completionMode Indexed requires completions"),
    ("parallelism below completions", set_(lambda d: job(d)["spec"], "parallelism", 1),
     "spec.parallelism", "must equal completions 2"),
    ("per-index backoff without Indexed",
     lambda d: job(d)["spec"].update(completionMode="NonIndexed", backoffLimitPerIndex=1),
     "spec.backoffLimitPerIndex", "requires completionMode Indexed"),
    ("job name over 63", set_(job_meta, "name", LONG), "metadata.name", "longer than 63"),
    ("job name upper case", set_(job_meta, "name", "Fmnist"), "metadata.name",
     "not a DNS-1123 subdomain"),
    ("job name with a dot", set_(job_meta, "name", "fmnist.v1"), "metadata.name",
     "not a DNS-1123 label"),
    ("host name over 63", lambda d: (job_meta(d).update(name="a" * 62),
                                     service(d)["metadata"].update(name="svc"),
                                     pod(d).update(subdomain="svc")),
     "metadata.name", "pod host name"),
    ("bad namespace", set_(job_meta, "namespace", "Training"), "metadata.namespace",
     "not a DNS-1123 label"),
    ("configmap name not a subdomain", set_(lambda d: configmap(d)["metadata"], "name", "a_b"),
     "metadata.name", "not a DNS-1123 subdomain"),
    ("configmap key", lambda d: configmap(d)["data"].update({"job yaml": "x"}),
     "data[job yaml]", "must be at most 253 of"),
    ("service name starting with a digit",
     lambda d: (service(d)["metadata"].update(name="1fmnist"), pod(d).update(subdomain="1fmnist")),
     "metadata.name", "not a DNS-1035 label"),
    ("label value over 63", labels(job_meta, "team", LONG), "metadata.labels.team",
     "longer than 63"),
    ("label value with a space", labels(job_meta, "team", "ml infra"), "metadata.labels.team",
     "must be empty or alphanumeric"),
    ("label value not a string", labels(job_meta, "replicas", 2), "metadata.labels.replicas",
     "not a string"),
    ("label key prefix", labels(job_meta, "Example.com/team", "a"),
     "metadata.labels[Example.com/team]", "label key prefix"),
    ("label key name over 63", labels(job_meta, "x/" + LONG, "a"), "metadata.labels",
     "label key name"),
    ("pod template label", labels(lambda d: job(d)["spec"]["template"]["metadata"], "t", "-a"),
     "spec.template.metadata.labels.t", "must be empty or alphanumeric"),
    ("node selector value", lambda d: pod(d).update(nodeSelector={"pool": "a b"}),
     "spec.template.spec.nodeSelector.pool", "must be empty or alphanumeric"),
    ("cpu request over limit", resources("requests", "cpu", "2100m"),
     "spec.template.spec.containers[0].resources.requests.cpu", "is more than limit '2'"),
    ("memory request over limit", resources("requests", "memory", "1.1Gi"),
     "spec.template.spec.containers[0].resources.requests.memory", "is more than limit"),
    ("memory request over limit, mixed units", resources("requests", "memory", "1074M"),
     "spec.template.spec.containers[0].resources.requests.memory", "is more than limit"),
    ("bad quantity", resources("limits", "memory", "1GB"),
     "spec.template.spec.containers[0].resources.limits.memory", "unknown suffix 'GB'"),
    ("negative quantity", resources("requests", "cpu", "-1"),
     "spec.template.spec.containers[0].resources.requests.cpu", "non-negative"),
    ("gpu request differs from limit", resources("requests", "nvidia.com/gpu", 2),
     "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]", "must equal limit"),
    ("gpu fraction", resources("limits", "nvidia.com/gpu", "500m"),
     "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]", "whole number"),
    ("gpu request without limit", drop_resource("limits", "nvidia.com/gpu"),
     "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
     "needs an equal limit"),
    ("subdomain without a Service", remove_service, "spec.template.spec.subdomain",
     "names no Service"),
    ("Service not headless", lambda d: service(d)["spec"].pop("clusterIP"),
     "spec.template.spec.subdomain", "not headless"),
    ("Service in another namespace", set_(lambda d: service(d)["metadata"], "namespace", "x"),
     "spec.template.spec.subdomain", "names no Service"),
    ("Service selector misses the pods",
     lambda d: service(d)["spec"].update(selector={"app.kubernetes.io/instance": "other"}),
     "spec.template.spec.subdomain", "does not match the pod template labels"),
    ("missing name", delete(job_meta, "name"), "metadata.name", "metadata.name is missing"),
    ("unknown field in a JobSpec (strict schema)",
     set_(lambda d: job(d)["spec"], "completion", 2), "spec", "'completion' was unexpected"),
    ("unknown field in a container (strict schema)", set_(container, "imagePullPolicies", "x"),
     "spec.template.spec.containers[0]", "'imagePullPolicies' was unexpected"),
    ("wrong type (schema)", set_(lambda d: job(d)["spec"], "backoffLimit", "three"),
     "spec.backoffLimit", "is not of type"),
    ("unknown enum value (schema)", set_(pod, "restartPolicy", "Sometimes"),
     "spec.template.spec.restartPolicy", "needs restartPolicy OnFailure or Never"),
    ("Job without restartPolicy", delete(pod, "restartPolicy"),
     "spec.template.spec.restartPolicy", "needs restartPolicy OnFailure or Never (it is None)"),
]


class JobRules(unittest.TestCase):
    def test_fixtures_pass(self):
        for name in sorted(p.name for p in FIXTURES.glob("*.yaml")):
            with self.subTest(fixture=name):
                self.assertEqual(lines(load(name)), [])

    def test_bad_variants_fail(self):
        for case, mutate, path, message in JOB_CASES:
            with self.subTest(case=case):
                docs = load("indexed-job.yaml")
                mutate(docs)
                found = lines(docs)
                self.assertTrue(
                    any(f": {path}" in line and message in line for line in found),
                    f"expected '{path}: ...{message}...' in {found}")

    def test_problem_line_format(self):
        docs = load("indexed-job.yaml")
        resources("requests", "cpu", "3")(docs)
        self.assertEqual(lines(docs), [
            "t.yaml: Job/fmnist: spec.template.spec.containers[0].resources.requests.cpu: "
            "request '3' is more than limit '2'"])

    def test_unknown_kind(self):
        found = lines([{"apiVersion": "example.com/v1", "kind": "Widget",
                        "metadata": {"name": "w"}}])
        self.assertTrue(any("no schema for Widget example.com/v1" in line for line in found),
                        found)

    def test_not_an_object(self):
        self.assertIn("is a list, not an object", "".join(lines([[1, 2]])))


# --- every place a pod template lives is walked ----------------------------------------------

TEMPLATE_PATHS = [
    ("cronjob.yaml", "CronJob", ("spec", "jobTemplate", "spec", "template"),
     "spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu"),
    ("jobset.yaml", "JobSet", ("spec", "replicatedJobs", 0, "template", "spec", "template"),
     "spec.replicatedJobs[0].template.spec.template.spec.containers[0].resources.requests.cpu"),
    ("mpijob.yaml", "MPIJob", ("spec", "mpiReplicaSpecs", "Worker", "template"),
     "spec.mpiReplicaSpecs.Worker.template.spec.containers[0].resources.requests.cpu"),
]


class PodTemplates(unittest.TestCase):
    def test_resources_checked_in_every_template(self):
        for fixture, kind, template_path, expected in TEMPLATE_PATHS:
            with self.subTest(kind=kind):
                docs = load(fixture)
                template = vm._get(by_kind(docs, kind), *template_path)
                template["spec"]["containers"][0]["resources"] = {
                    "requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
                found = lines(docs)
                self.assertTrue(any(expected in line and "more than limit" in line
                                    for line in found), found)

    def test_pod_failure_policy_in_cronjob_and_jobset(self):
        policy = {"rules": [{"action": "FailJob",
                             "onExitCodes": {"operator": "In", "values": [2]}}]}
        for fixture, kind, job_path in [
                ("cronjob.yaml", "CronJob", ("spec", "jobTemplate", "spec")),
                ("jobset.yaml", "JobSet", ("spec", "replicatedJobs", 0, "template", "spec"))]:
            with self.subTest(kind=kind):
                docs = load(fixture)
                job_spec = vm._get(by_kind(docs, kind), *job_path)
                job_spec["podFailurePolicy"] = policy
                self.assertEqual(lines(docs), [])
                job_spec["template"]["spec"]["restartPolicy"] = "OnFailure"
                found = lines(docs)
                self.assertTrue(any("requires template.spec.restartPolicy Never" in line
                                    for line in found), found)

    def test_cronjob_name_limit(self):
        docs = load("cronjob.yaml")
        docs[0]["metadata"]["name"] = "a" * 52
        self.assertEqual(lines(docs), [])
        docs[0]["metadata"]["name"] = "a" * 53
        self.assertIn("longer than 52", "".join(lines(docs)))

    def test_jobset_host_names(self):
        docs = load("jobset.yaml")
        docs[0]["metadata"]["name"] = "a" * 51  # a...a-workers-0-1 is 63 characters
        self.assertEqual(lines(docs), [])
        docs[0]["metadata"]["name"] = "a" * 52
        self.assertIn("pod host name", "".join(lines(docs)))

    def test_jobset_service_name(self):
        docs = load("jobset.yaml")
        docs[0]["metadata"]["name"] = "1fmnist"
        self.assertIn("metadata.name: names the JobSet's headless Service: '1fmnist' is not a "
                      "DNS-1035 label", "\n".join(lines(docs)))
        docs[0]["spec"]["network"]["subdomain"] = "fmnist"
        self.assertEqual(lines(docs), [])
        docs[0]["spec"]["network"]["subdomain"] = "Fmnist"
        self.assertIn("spec.network.subdomain: the headless Service name", "\n".join(lines(docs)))

    def test_mpijob_names(self):
        docs = load("mpijob.yaml")
        docs[0]["metadata"]["name"] = "a" * 54  # a...a-worker-1 is 63 characters
        self.assertEqual(lines(docs), [])
        docs[0]["metadata"]["name"] = "a" * 55
        self.assertIn("worker host name", "".join(lines(docs)))
        docs[0]["metadata"]["name"] = "2fmnist"
        self.assertIn("not a DNS-1035 label", "".join(lines(docs)))

    def test_jobset_indexed_rule(self):
        docs = load("jobset.yaml")
        del docs[0]["spec"]["replicatedJobs"][0]["template"]["spec"]["completions"]
        self.assertIn("spec.replicatedJobs[0].template.spec.completions: completionMode "
                      "Indexed requires completions", "\n".join(lines(docs)))


# --- custom resources against shared/crds ----------------------------------------------------

class CustomResources(unittest.TestCase):
    def test_crd_dir_exists(self):
        self.assertTrue(vm.crd_dir().is_dir(), f"no CRD folder at {vm.crd_dir()}")

    def test_minimal_jobset_and_mpijob_pass(self):
        self.assertEqual(lines(load("jobset.yaml")), [])
        self.assertEqual(lines(load("mpijob.yaml")), [])

    def test_unknown_field_in_jobset_spec(self):
        docs = load("jobset.yaml")
        docs[0]["spec"]["replicatedJob"] = []
        self.assertEqual(lines(docs), ["t.yaml: JobSet/fmnist: spec: Additional properties are "
                                       "not allowed ('replicatedJob' was unexpected)"])

    def test_unknown_field_deep_in_jobset(self):
        docs = load("jobset.yaml")
        docs[0]["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"][
            "containers"][0]["cmd"] = ["x"]
        self.assertIn("spec.replicatedJobs[0].template.spec.template.spec.containers[0]: "
                      "Additional properties are not allowed ('cmd' was unexpected)",
                      "\n".join(lines(docs)))

    def test_unknown_field_in_mpijob(self):
        docs = load("mpijob.yaml")
        docs[0]["spec"]["mpiReplicaSpecs"]["Worker"]["replica"] = 2
        self.assertIn("spec.mpiReplicaSpecs.Worker: Additional properties are not allowed "
                      "('replica' was unexpected)", "\n".join(lines(docs)))

    def test_mpijob_wrong_type(self):
        docs = load("mpijob.yaml")
        docs[0]["spec"]["slotsPerWorker"] = "one"
        self.assertIn("spec.slotsPerWorker: 'one' is not of type", "\n".join(lines(docs)))

    def test_int_or_string(self):
        docs = load("jobset.yaml")
        trainer = docs[0]["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"][
            "containers"][0]
        for port, ok in [(8080, True), ("http", True), (1.5, False), (True, False)]:
            with self.subTest(port=port):
                trainer["readinessProbe"] = {"tcpSocket": {"port": port}}
                self.assertEqual(lines(docs) == [], ok, lines(docs))

    def test_custom_resource_metadata(self):
        docs = load("jobset.yaml")
        docs[0]["metadata"]["label"] = {"a": "b"}
        self.assertIn("metadata: Additional properties are not allowed ('label' was "
                      "unexpected)", "\n".join(lines(docs)))

    def test_missing_api_version(self):
        docs = load("mpijob.yaml")
        del docs[0]["apiVersion"]
        self.assertIn("apiVersion: apiVersion is missing", "\n".join(lines(docs)))

    def test_unserved_version(self):
        docs = load("jobset.yaml")
        docs[0]["apiVersion"] = "jobset.x-k8s.io/v1"
        self.assertIn("no schema for JobSet jobset.x-k8s.io/v1", "\n".join(lines(docs)))

    def test_strict_crd_schema(self):
        schema = vm.strict_crd_schema({
            "type": "object",
            "properties": {
                "closed": {"type": "object", "properties": {"a": {"type": "string"}}},
                "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                         "properties": {"a": {"type": "string"}}},
                "map": {"type": "object", "additionalProperties": {"type": "string"}},
                "port": {"x-kubernetes-int-or-string": True,
                         "anyOf": [{"type": "integer"}, {"type": "string"}]}}})
        self.assertIs(schema["additionalProperties"], False)
        self.assertIs(schema["properties"]["closed"]["additionalProperties"], False)
        self.assertNotIn("additionalProperties", schema["properties"]["open"])
        self.assertEqual(schema["properties"]["map"]["additionalProperties"],
                         {"type": ["string", "null"]})
        validator = vm.jsonschema.Draft4Validator(schema)
        self.assertTrue(validator.is_valid({"open": {"x": 1}, "map": {"k": "v"}, "port": 1}))
        self.assertTrue(validator.is_valid({"port": "http"}))
        self.assertFalse(validator.is_valid({"closed": {"x": 1}}))
        self.assertFalse(validator.is_valid({"extra": 1}))

    def test_crd_dir_from_environment(self):
        with tempfile.TemporaryDirectory() as empty:
            found = [str(p) for p in vm.validate_documents(load("jobset.yaml"), "t.yaml",
                                                           crds=Path(empty))]
        self.assertIn("no schema for JobSet", "".join(found))


# --- quantities --------------------------------------------------------------------------------

QUANTITIES = [
    ("0", 0), ("1", 1), ("+2", 2), ("-1", -1), ("0.5", Fraction(1, 2)), (".5", Fraction(1, 2)),
    ("1.", 1), ("100m", Fraction(1, 10)), ("2500m", Fraction(5, 2)), ("1n", Fraction(1, 10**9)),
    ("3u", Fraction(3, 10**6)), ("1k", 1000), ("1M", 10**6), ("1G", 10**9), ("1T", 10**12),
    ("1P", 10**15), ("1E", 10**18), ("1Ki", 1024), ("1Mi", 2**20), ("1.5Gi", 3 * 2**29),
    ("2Ti", 2**41), ("1Pi", 2**50), ("1Ei", 2**60), ("1e3", 1000), ("1E3", 1000),
    ("5e-3", Fraction(5, 1000)), ("1.5e+2", 150), ("12e0", 12), (4, 4), (0.25, Fraction(1, 4)),
]
BAD_QUANTITIES = ["", "Gi", "1GB", "1gi", "1Kb", "1.2.3", "1 Gi", " 1", "1e", "1e3.5",
                  "abc", "0x10", "1K", "1mi", True, None, [1]]


class Quantities(unittest.TestCase):
    def test_parse(self):
        for text, value in QUANTITIES:
            with self.subTest(quantity=text):
                self.assertEqual(vm.parse_quantity(text), Fraction(value))

    def test_reject(self):
        for text in BAD_QUANTITIES:
            with self.subTest(quantity=text):
                with self.assertRaises(ValueError):
                    vm.parse_quantity(text)

    def test_compare_across_units(self):
        self.assertLess(vm.parse_quantity("1G"), vm.parse_quantity("1Gi"))
        self.assertEqual(vm.parse_quantity("1024Mi"), vm.parse_quantity("1Gi"))
        self.assertEqual(vm.parse_quantity("0.1"), vm.parse_quantity("100m"))


class Names(unittest.TestCase):
    def test_names_and_labels(self):
        table = [
            (vm.dns1123_label_error, "a-1", True), (vm.dns1123_label_error, "-a", False),
            (vm.dns1123_label_error, "a" * 63, True), (vm.dns1123_label_error, "a" * 64, False),
            (vm.dns1035_label_error, "a1", True), (vm.dns1035_label_error, "1a", False),
            (vm.dns1123_subdomain_error, "a.b-c.d", True),
            (vm.dns1123_subdomain_error, "a..b", False),
            (vm.dns1123_subdomain_error, "a" * 254, False),
            (vm.label_key_error, "app.kubernetes.io/name", True),
            (vm.label_key_error, "a_b.c", True), (vm.label_key_error, "/a", False),
            (vm.label_key_error, "a/b/c", False), (vm.label_key_error, "_a", False),
            (vm.label_value_error, "", True), (vm.label_value_error, "v1.2_3-x", True),
            (vm.label_value_error, "a/b", False), (vm.label_value_error, "a-", False),
        ]
        for check, value, ok in table:
            with self.subTest(check=check.__name__, value=value):
                self.assertEqual(check(value) is None, ok, check(value))


class CommandLine(unittest.TestCase):
    def run_cli(self, *args, stdin=None):
        return subprocess.run([sys.executable, str(HERE / "validate_manifests.py"), *args],
                              input=stdin, capture_output=True, text=True, timeout=120)

    def test_good_files_exit_zero(self):
        result = self.run_cli(*map(str, sorted(FIXTURES.glob("*.yaml"))))
        self.assertEqual((result.returncode, result.stdout), (0, ""), result.stderr)

    def test_problems_one_per_line(self):
        docs = load("indexed-job.yaml")
        remove_service(docs)
        job(docs)["metadata"]["name"] = "Bad_Name"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bad.yaml"
            path.write_text(yaml.safe_dump_all(docs))
            result = self.run_cli(str(path))
        self.assertEqual(result.returncode, 1, result.stderr)
        out = result.stdout.splitlines()
        self.assertIn(f"{path}: Job/Bad_Name: spec.template.spec.subdomain: subdomain 'fmnist' "
                      "names no Service in these manifests (pods would get no DNS names)", out)
        self.assertTrue(any(line.startswith(f"{path}: Job/Bad_Name: metadata.name: ")
                            for line in out), out)

    def test_stdin(self):
        text = (FIXTURES / "mpijob.yaml").read_text().replace("slotsPerWorker: 1",
                                                              "slotsPerWorkers: 1")
        result = self.run_cli("-", stdin=text)
        self.assertEqual(result.returncode, 1)
        self.assertIn("<stdin>: MPIJob/fmnist: spec: Additional properties", result.stdout)

    def test_unreadable(self):
        result = self.run_cli("/nonexistent.yaml")
        self.assertEqual(result.returncode, 1)
        self.assertIn("/nonexistent.yaml: ?/?: .: cannot read", result.stdout)


class RunCheckov(unittest.TestCase):
    """tests/k8s/run_checkov.sh: the skip list's format, and a real run on a fixture."""

    SCRIPT = HERE / "run_checkov.sh"

    def run_script(self, directory, skips: str | None = None):
        env = dict(os.environ)
        with tempfile.TemporaryDirectory() as tmp:
            if skips is not None:
                env["SLIPWAY_CHECKOV_SKIPS"] = str(Path(tmp) / "skips.yaml")
                Path(env["SLIPWAY_CHECKOV_SKIPS"]).write_text(skips)
            return subprocess.run(["bash", str(self.SCRIPT), str(directory)], env=env,
                                  capture_output=True, text=True, timeout=300)

    def test_repository_skip_list_is_valid(self):
        with tempfile.TemporaryDirectory() as empty:
            result = self.run_script(empty)  # no manifests: only the skip list is read
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_skip_without_reason_fails(self):
        for skips, message in [
                ("- id: CKV_K8S_40\n", "has no reason"),
                ("- id: CKV_K8S_40\n  reason: ' '\n", "has no reason"),
                ("- id: K8S_40\n  reason: x\n", "is not a checkov check id"),
                ("- CKV_K8S_40\n", "expected exactly the keys id and reason"),
                ("id: CKV_K8S_40\n", "expected a list")]:
            with self.subTest(skips=skips):
                result = self.run_script(FIXTURES, skips)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)

    def test_reports_failed_checks_and_skips(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "job.yaml").write_text((FIXTURES / "indexed-job.yaml").read_text())
            (Path(tmp) / "mpijob.yaml").write_text((FIXTURES / "mpijob.yaml").read_text())
            result = self.run_script(tmp, "[]")
            self.assertEqual(result.returncode, 1, result.stderr)
            # The hardened Job fails only the high-UID check (the image runs as uid 1000)...
            self.assertIn("CKV_K8S_40", result.stdout)
            self.assertIn("Job.training.fmnist", result.stdout)
            # ...and the MPIJob's pod templates are scanned as synthetic Jobs.
            self.assertIn("Job.default.fmnist-worker", result.stdout)
            skipped = self.run_script(tmp, "- id: CKV_K8S_40\n  reason: uid 1000\n")
            self.assertIn("Skipped checks: ", skipped.stdout)
            self.assertNotIn("Check: CKV_K8S_40", skipped.stdout)


class ServingRules(unittest.TestCase):
    """Deployment, HPA and PDB rules, on the rendered fashion-mnist serving objects."""

    @classmethod
    def setUpClass(cls):
        path = HERE.parents[1] / "k8s" / "fashion-mnist" / "serving.yaml"
        with open(path, encoding="utf-8") as stream:
            cls.docs = [doc for doc in yaml.safe_load_all(stream) if doc is not None]

    def mutated(self, mutate):
        docs = copy.deepcopy(self.docs)
        mutate(docs)
        return lines(docs)

    def test_rendered_objects_pass(self):
        self.assertEqual(lines(self.docs), [])

    def test_selector_that_misses_the_template(self):
        def mutate(docs):
            by_kind(docs, "Deployment")["spec"]["selector"]["matchLabels"]["tier"] = "x"
        self.assertIn("does not match the template's labels", "\n".join(self.mutated(mutate)))

    def test_rollout_that_cannot_progress(self):
        def mutate(docs):
            by_kind(docs, "Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = 0
        self.assertIn("maxUnavailable and maxSurge may not both be 0",
                      "\n".join(self.mutated(mutate)))

    def test_probe_on_an_undeclared_port(self):
        def mutate(docs):
            pod = by_kind(docs, "Deployment")["spec"]["template"]["spec"]
            pod["containers"][0]["livenessProbe"]["httpGet"]["port"] = "admin"
        problems = self.mutated(mutate)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("livenessProbe.httpGet.port: names port 'admin'", problems[0])

    def test_autoscaler_bounds_and_budget_fields(self):
        def mutate(docs):
            by_kind(docs, "HorizontalPodAutoscaler")["spec"]["minReplicas"] = 9
            by_kind(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] = 1
        text = "\n".join(self.mutated(mutate))
        self.assertIn("minReplicas 9 is more than maxReplicas 6", text)
        self.assertIn("minAvailable and maxUnavailable cannot both be set", text)


if __name__ == "__main__":
    unittest.main()
