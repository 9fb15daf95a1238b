"""The alerts of `slipway-launch render --serving` under Prometheus's own tools: the
PrometheusRule's groups, written to a rules file, pass `promtool check rules` for every example
spec and runtime, and the fashion-mnist rules pass the unit tests in
tests/k8s/prometheus/serving-alerts.test.yaml (series that fire each alert, series that must
not). A changed threshold makes those unit tests fail, so they test the rendered rules."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.environ.get("SLIPWAY_BIN_DIR", os.path.join(ROOT, "build", "bin"))
UNIT_TESTS = os.path.join(ROOT, "tests", "k8s", "prometheus", "serving-alerts.test.yaml")
PROMTOOL = shutil.which("promtool")

SERVING_ALERTS = {"SlipwayServeErrorRatioHigh", "SlipwayServeLatencyP99High",
                  "SlipwayServeNoReadyReplicas", "SlipwayServeModelReloadFailed"}
TRAINING_ALERTS = {"SlipwayTrainingJobFailed", "SlipwayTrainingJobRestarted"}


def rendered_groups(config, *flags):
    proc = subprocess.run([os.path.join(BIN_DIR, "slipway-launch"), "render",
                           os.path.join("configs", f"{config}.yaml"), "--serving", *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    rules = [doc for doc in yaml.safe_load_all(proc.stdout)
             if doc and doc.get("kind") == "PrometheusRule"]
    if len(rules) != 1:
        raise AssertionError(f"expected one PrometheusRule, got {len(rules)}")
    return rules[0]["spec"]["groups"]


def promtool(*args):
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120)


@unittest.skipIf(PROMTOOL is None and os.environ.get("SLIPWAY_REQUIRE_PROMTOOL") != "1",
                 "promtool not installed (Debian: apt-get install prometheus)")
class AlertRules(unittest.TestCase):
    def setUp(self):
        if PROMTOOL is None:
            self.fail("promtool not installed (Debian: apt-get install prometheus)")
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def write_rules(self, groups, name="rules.yaml"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            yaml.safe_dump({"groups": groups}, f, sort_keys=False)
        return path

    def run_unit_tests(self, groups):
        self.write_rules(groups)
        shutil.copy(UNIT_TESTS, self.dir)
        return promtool("test", "rules", os.path.join(self.dir, os.path.basename(UNIT_TESTS)))

    def test_every_rendering_passes_promtool_check(self):
        for config in ("fashion-mnist", "h100-pretrain"):
            for flags, expected in (((), SERVING_ALERTS | TRAINING_ALERTS),
                                    (("--runtime", "kserve"), TRAINING_ALERTS)):
                with self.subTest(config=config, flags=flags):
                    groups = rendered_groups(config, *flags)
                    names = {r["alert"] for g in groups for r in g["rules"]}
                    self.assertEqual(names, expected)
                    proc = promtool("check", "rules", self.write_rules(groups))
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                    self.assertIn(f"SUCCESS: {len(expected)} rules found", proc.stdout)

    def test_every_alert_has_severity_and_runbook(self):
        for group in rendered_groups("h100-pretrain"):
            for rule in group["rules"]:
                with self.subTest(alert=rule["alert"]):
                    self.assertIn(rule["labels"]["severity"], ("warning", "critical"))
                    self.assertTrue(rule["annotations"]["summary"])
                    self.assertTrue(rule["annotations"]["description"])
                    self.assertEqual(rule["annotations"]["runbook_url"],
                                     "https://runbooks.ml.example.com/slipway/deploy#"
                                     + rule["alert"].lower())

    def test_unit_tests_fire_and_hold_back_every_alert(self):
        proc = self.run_unit_tests(rendered_groups("fashion-mnist"))
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("SUCCESS", proc.stdout)
        with open(UNIT_TESTS) as f:
            tests = yaml.safe_load(f)["tests"]
        tested = {case["alertname"] for t in tests for case in t["alert_rule_test"]
                  if case["exp_alerts"]}
        self.assertEqual(tested, SERVING_ALERTS | TRAINING_ALERTS)

    def test_unit_tests_catch_a_changed_rule(self):
        # Raising a threshold or widening the training Job match must break the unit tests.
        mutations = [("> 0.02", "> 0.5"),
                     ('job_name=~"fashion-mnist"', 'job_name=~"fashion-mnist.*"'),
                     ('endpoint=~"predict|v2_infer"', 'endpoint=~".+"'),
                     ("[15m]", "[1m]")]
        for old, new in mutations:
            with self.subTest(old=old, new=new):
                groups = rendered_groups("fashion-mnist")
                changed = 0
                for rule in (r for g in groups for r in g["rules"]):
                    changed += old in rule["expr"]
                    rule["expr"] = rule["expr"].replace(old, new)
                self.assertGreater(changed, 0, f"no rule has {old!r}")
                proc = self.run_unit_tests(groups)
                self.assertNotEqual(proc.returncode, 0, proc.stdout)
                self.assertIn("FAILED", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
