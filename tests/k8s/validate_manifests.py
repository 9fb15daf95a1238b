#!/usr/bin/env python3
"""Offline validation of rendered Kubernetes manifests (what `slipway-launch render` prints).

    validate_manifests.py FILE...      (`-` reads standard input)

Every object of every (multi-document) YAML file is checked three ways:
  a) built-in kinds against the OpenAPI schemas that kubernetes-validate bundles, in strict
     mode (unknown fields are errors), for Kubernetes K8S_VERSION;
  b) custom resources (JobSet, MPIJob, PrometheusRule, ServiceMonitor, InferenceService) against
     the CRDs in <repo>/../shared/crds (SLIPWAY_CRD_DIR overrides), made strict the way the API
     server prunes: an object node that lists `properties` rejects fields it does not list unless
     it sets `x-kubernetes-preserve-unknown-fields`;
  c) rules the API server (or a controller) enforces beyond the schema: names, labels, resource
     quantities, Job/JobSet/MPIJob semantics, the headless Service behind an Indexed Job,
     Deployment selectors and rollout, probe ports, HPA and PDB bounds.
One line per problem, `file: kind/name: path: message`; exit status 1 when there is any.

Importable: `validate_files(paths)`, `validate_documents(docs, filename)`, `parse_quantity(q)`;
each problem is a `Problem` whose str() is the line above.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

try:
    import jsonschema
    import kubernetes_validate  # noqa: F401  (its bundled schemas are read below)
    import yaml
    from referencing import Registry, Resource
except ImportError:  # run by a python without the test tools: use the venv's, if there is one
    _venv_python = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"
    _in_venv = Path(sys.prefix) == _venv_python.parents[1]
    if __name__ == "__main__" and _venv_python.exists() and not _in_venv:
        os.execv(str(_venv_python), [str(_venv_python), __file__, *sys.argv[1:]])
    raise SystemExit("validate_manifests: jsonschema, kubernetes-validate or PyYAML missing: "
                     "run scripts/venv.sh and use .venv/bin/python") from None

# The Kubernetes version manifests are validated against (schemas bundled by
# kubernetes-validate, pinned in tests/requirements.txt). Keep in step with docs.
K8S_VERSION = "1.30.0"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CRD_DIR = REPO_ROOT.parent / "shared" / "crds"

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path_ = tuple  # a path into an object: keys (str) and list indices (int)


# --------------------------------------------------------------------------------------------
# Problems

@dataclasses.dataclass(frozen=True)
class Problem:
    file: str
    kind: str
    name: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}/{self.name}: {self.path}: {self.message}"


def format_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            part = str(part)
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
                out += ("." if out else "") + part
            else:  # label keys such as nvidia.com/gpu or app.kubernetes.io/name
                out += f"[{part}]"
    return out or "."


class Sink:
    """Collects problems about one object."""

    def __init__(self, file: str, obj: Any):
        self.file = file
        self.kind = "?"
        self.name = "?"
        if isinstance(obj, dict):
            self.kind = str(obj.get("kind") or "?")
            meta = obj.get("metadata")
            if isinstance(meta, dict) and meta.get("name"):
                self.name = str(meta["name"])
        self.problems: list[Problem] = []

    def __call__(self, path: Iterable[Any], message: str) -> None:
        self.problems.append(Problem(self.file, self.kind, self.name, format_path(path), message))


# --------------------------------------------------------------------------------------------
# Quantities (k8s.io/apimachinery/pkg/api/resource): <signed number><suffix>, suffix one of
# the binary SI suffixes Ki..Ei, the decimal SI suffixes n u m "" k M G T P E, or a decimal
# exponent e<int> / E<int>. Parsed exactly, as a Fraction.

_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIXES = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
                     "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
                     "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15),
                     "E": Fraction(10**18)}
_QUANTITY_RE = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)")
_EXPONENT_RE = re.compile(r"[eE]([+-]?[0-9]+)")


def parse_quantity(value: Any) -> Fraction:
    """Parses a Kubernetes quantity ('500m', '1.5Gi', '2', '1e3', 4) exactly; ValueError if bad."""
    if isinstance(value, bool):
        raise ValueError(f"quantity {value!r} is a boolean")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if not isinstance(value, str):
        raise ValueError(f"quantity {value!r} is not a string or number")
    match = _QUANTITY_RE.fullmatch(value)
    if not match:
        raise ValueError(f"quantity {value!r} does not start with a number")
    number, suffix = Fraction(match.group(1)), match.group(2)
    if suffix in _BINARY_SUFFIXES:
        return number * _BINARY_SUFFIXES[suffix]
    if suffix in _DECIMAL_SUFFIXES:
        return number * _DECIMAL_SUFFIXES[suffix]
    exponent = _EXPONENT_RE.fullmatch(suffix)
    if exponent:
        return number * Fraction(10) ** int(exponent.group(1))
    raise ValueError(f"quantity {value!r} has an unknown suffix {suffix!r}")


# --------------------------------------------------------------------------------------------
# Names and labels (k8s.io/apimachinery/pkg/util/validation)

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def dns1123_label_error(value: str, limit: int = 63) -> str | None:
    if len(value) > limit:
        return f"{value!r} is longer than {limit} characters ({len(value)})"
    if not _DNS1123_LABEL.fullmatch(value):
        return (f"{value!r} is not a DNS-1123 label (lower-case letters, digits and '-', "
                "starting and ending with a letter or digit)")
    return None


def dns1035_label_error(value: str) -> str | None:
    if len(value) > 63:
        return f"{value!r} is longer than 63 characters ({len(value)})"
    if not _DNS1035_LABEL.fullmatch(value):
        return (f"{value!r} is not a DNS-1035 label (lower-case letters, digits and '-', "
                "starting with a letter and ending with a letter or digit)")
    return None


def dns1123_subdomain_error(value: str) -> str | None:
    if len(value) > 253:
        return f"{value!r} is longer than 253 characters ({len(value)})"
    if not all(_DNS1123_LABEL.fullmatch(part) for part in value.split(".")):
        return (f"{value!r} is not a DNS-1123 subdomain (dot-separated lower-case "
                "alphanumeric labels, '-' inside)")
    return None


def label_key_error(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        return f"label key {key!r} has an empty prefix"
    if slash:
        error = dns1123_subdomain_error(prefix)
        if error:
            return f"label key prefix: {error}"
    if not name:
        return f"label key {key!r} has an empty name"
    if len(name) > 63:
        return f"label key name {name!r} is longer than 63 characters ({len(name)})"
    if not _LABEL_NAME.fullmatch(name):
        return (f"label key name {name!r} must be alphanumeric, '-', '_' or '.', "
                "starting and ending with an alphanumeric character")
    return None


def label_value_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"label value {value!r} is not a string (quote it)"
    if len(value) > 63:
        return f"label value {value!r} is longer than 63 characters ({len(value)})"
    if value and not _LABEL_NAME.fullmatch(value):
        return (f"label value {value!r} must be empty or alphanumeric, '-', '_' or '.', "
                "starting and ending with an alphanumeric character")
    return None


# --------------------------------------------------------------------------------------------
# Schemas: built-in kinds (kubernetes-validate's bundled JSON schemas)

def _kubernetes_validate_dir(version: str) -> Path:
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    path = base / f"v{version}-local-strict"
    if not path.is_dir():
        raise SystemExit(f"kubernetes-validate {kubernetes_validate.__version__} has no schemas "
                         f"for Kubernetes {version} ({path})")
    return path


@functools.lru_cache(maxsize=None)
def _builtin_registry(version: str) -> Registry:
    definitions = json.loads((_kubernetes_validate_dir(version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@functools.lru_cache(maxsize=None)
def builtin_validator(api_version: str, kind: str, version: str = K8S_VERSION):
    """A strict validator for a built-in kind, or None when kubernetes-validate has none."""
    # batch/v1 -> batch-v1, networking.k8s.io/v1 -> networking-v1, v1 -> v1 (as the package does)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _kubernetes_validate_dir(version) / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    registry = Resource.from_contents(schema) @ _builtin_registry(version)
    return jsonschema.Draft202012Validator(schema, registry=registry)


@functools.lru_cache(maxsize=None)
def object_meta_validator(version: str = K8S_VERSION):
    """Validates metadata of custom resources (CRD schemas leave it to the API server)."""
    schema = {"$ref": "https://kubernetes.io/api/_definitions.json"
                      "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    return jsonschema.Draft202012Validator(schema, registry=_builtin_registry(version))


# --------------------------------------------------------------------------------------------
# Schemas: custom resources (CRDs in shared/crds)

def crd_dir() -> Path:
    return Path(os.environ.get("SLIPWAY_CRD_DIR") or DEFAULT_CRD_DIR)


def strict_crd_schema(node: Any) -> Any:
    """Turns a CRD's openAPIV3Schema into a JSON Schema that rejects what the API server prunes.

    - an object node with `properties`, no `additionalProperties` of its own and no
      `x-kubernetes-preserve-unknown-fields: true` gets `additionalProperties: false`;
    - `x-kubernetes-int-or-string: true` accepts an integer or a string;
    - null is accepted wherever a value is (the API server drops nulls of non-nullable fields).
    """
    if isinstance(node, list):
        return [strict_crd_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict_crd_schema(value) for key, value in node.items()}
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.pop("anyOf", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}, {"type": "null"}]
    elif isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@functools.lru_cache(maxsize=None)
def _load_crd(path: Path) -> dict:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=Loader)


@functools.lru_cache(maxsize=None)
def crd_validator(api_version: str, kind: str, directory: Path):
    """A strict validator for a custom resource, or None when no CRD there defines it."""
    group, slash, version = api_version.rpartition("/")
    if not slash or not directory.is_dir():
        return None
    # CRD files are named <group>_<plural>.yaml (controller-gen); look there first.
    files = sorted(directory.glob("*.yaml"))
    files.sort(key=lambda path: not path.name.startswith(group + "_"))
    for path in files:
        crd = _load_crd(path)
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd.get("spec") or {}
        if spec.get("group") != group or (spec.get("names") or {}).get("kind") != kind:
            continue
        for entry in spec.get("versions") or []:
            if entry.get("name") == version:
                schema = ((entry.get("schema") or {}).get("openAPIV3Schema")) or {}
                return jsonschema.Draft4Validator(strict_crd_schema(schema))
        return None
    return None


# --------------------------------------------------------------------------------------------
# Walking objects

def job_specs(obj: dict) -> Iterator[tuple[Path_, dict]]:
    """(path, JobSpec) of every Job spec in the object."""
    kind, spec = obj.get("kind"), obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind == "Job":
        yield ("spec",), spec
    elif kind == "CronJob":
        template = spec.get("jobTemplate")
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            yield ("spec", "jobTemplate", "spec"), template["spec"]
    elif kind == "JobSet":
        for i, rjob in enumerate(spec.get("replicatedJobs") or []):
            template = rjob.get("template") if isinstance(rjob, dict) else None
            if isinstance(template, dict) and isinstance(template.get("spec"), dict):
                yield ("spec", "replicatedJobs", i, "template", "spec"), template["spec"]


def pod_templates(obj: dict) -> Iterator[tuple[Path_, dict]]:
    """(path, PodTemplateSpec) of every pod template in the object (a Pod is its own)."""
    kind, spec = obj.get("kind"), obj.get("spec")
    if kind == "Pod":
        yield (), obj
        return
    if not isinstance(spec, dict):
        return
    for path, job_spec in job_specs(obj):
        if isinstance(job_spec.get("template"), dict):
            yield path + ("template",), job_spec["template"]
    if kind == "MPIJob":
        for role, replica in (spec.get("mpiReplicaSpecs") or {}).items():
            if isinstance(replica, dict) and isinstance(replica.get("template"), dict):
                yield ("spec", "mpiReplicaSpecs", role, "template"), replica["template"]
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "PodTemplate"):
        source = obj if kind == "PodTemplate" else spec
        if isinstance(source.get("template"), dict):
            prefix = () if kind == "PodTemplate" else ("spec",)
            yield prefix + ("template",), source["template"]


def containers(pod_spec: dict) -> Iterator[tuple[Path_, dict]]:
    for field in ("initContainers", "containers"):
        for i, container in enumerate(pod_spec.get(field) or []):
            if isinstance(container, dict):
                yield (field, i), container


def _get(obj: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


# --------------------------------------------------------------------------------------------
# Rules beyond the schema. Each takes (obj, report, context) and calls report(path, message).

Report = Callable[[Iterable[Any], str], None]
LABEL_NAME_KINDS = {"Job", "JobSet", "CronJob", "MPIJob"}


def rule_object_identity(obj: dict, report: Report, context: "Context") -> None:
    for field in ("apiVersion", "kind"):
        if not isinstance(obj.get(field), str) or not obj.get(field):
            report((field,), f"{field} is missing")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        report(("metadata", "name"), "metadata.name is missing")


def rule_object_name(obj: dict, report: Report, context: "Context") -> None:
    name, kind = _get(obj, "metadata", "name"), obj.get("kind")
    if not isinstance(name, str) or not name:
        return
    error = dns1123_subdomain_error(name)
    if kind == "Service":  # the API server takes Service names as DNS-1035 labels
        error = error or dns1035_label_error(name)
    elif kind == "CronJob":  # the controller appends '-<11 digits>' to name its Jobs
        error = error or dns1123_label_error(name, 52)
    elif kind in LABEL_NAME_KINDS:  # the name becomes a label value and the pods' host names
        error = error or dns1123_label_error(name)
    if error:
        report(("metadata", "name"), error)
    namespace = _get(obj, "metadata", "namespace")
    if isinstance(namespace, str) and namespace:
        error = dns1123_label_error(namespace)
        if error:
            report(("metadata", "namespace"), error)


def _check_labels(labels: Any, path: Path_, report: Report) -> None:
    if not isinstance(labels, dict):
        return
    for key, value in labels.items():
        error = label_key_error(str(key))
        if error:
            report(path + (key,), error)
        error = label_value_error(value)
        if error:
            report(path + (key,), error)


def _check_annotations(annotations: Any, path: Path_, report: Report) -> None:
    if not isinstance(annotations, dict):
        return
    total = 0
    for key, value in annotations.items():
        error = label_key_error(str(key))
        if error:
            report(path + (key,), error.replace("label key", "annotation key"))
        if not isinstance(value, str):
            report(path + (key,), f"annotation value {value!r} is not a string (quote it)")
        total += len(str(key)) + len(str(value))
    if total > 256 * 1024:
        report(path, f"annotations total {total} bytes, more than 256 KiB")


def rule_labels(obj: dict, report: Report, context: "Context") -> None:
    _check_labels(_get(obj, "metadata", "labels"), ("metadata", "labels"), report)
    _check_annotations(_get(obj, "metadata", "annotations"), ("metadata", "annotations"), report)
    for path, template in pod_templates(obj):
        if path:  # a Pod's own metadata was checked above
            _check_labels(_get(template, "metadata", "labels"), path + ("metadata", "labels"),
                          report)
            _check_annotations(_get(template, "metadata", "annotations"),
                               path + ("metadata", "annotations"), report)
        _check_labels(_get(template, "spec", "nodeSelector"), path + ("spec", "nodeSelector"),
                      report)
    for path, job_spec in job_specs(obj):
        _check_labels(_get(job_spec, "selector", "matchLabels"),
                      path + ("selector", "matchLabels"), report)
    if obj.get("kind") == "Service":
        _check_labels(_get(obj, "spec", "selector"), ("spec", "selector"), report)


_NATIVE_RESOURCES = {"cpu", "memory", "ephemeral-storage", "storage"}


def _is_extended_resource(name: str) -> bool:
    # Anything outside the kubernetes.io domain that is not native: nvidia.com/gpu, ...
    if name in _NATIVE_RESOURCES or name.startswith("hugepages-"):
        return False
    domain = name.partition("/")[0] if "/" in name else ""
    return bool(domain) and not (domain == "kubernetes.io" or domain.endswith(".kubernetes.io"))


def rule_container_resources(obj: dict, report: Report, context: "Context") -> None:
    for template_path, template in pod_templates(obj):
        pod_spec = template.get("spec")
        if not isinstance(pod_spec, dict):
            continue
        for container_path, container in containers(pod_spec):
            base = template_path + ("spec",) + container_path + ("resources",)
            resources = container.get("resources")
            if not isinstance(resources, dict):
                continue
            parsed: dict[str, dict[str, Fraction]] = {"requests": {}, "limits": {}}
            for field in ("requests", "limits"):
                for name, raw in (resources.get(field) or {}).items():
                    try:
                        value = parse_quantity(raw)
                    except ValueError as error:
                        report(base + (field, name), str(error))
                        continue
                    if value < 0:
                        report(base + (field, name), f"{raw!r} must be non-negative")
                        continue
                    if _is_extended_resource(name) and value.denominator != 1:
                        report(base + (field, name),
                               f"extended resource {name} must be a whole number, not {raw!r}")
                        continue
                    parsed[field][name] = value
            requests, limits = parsed["requests"], parsed["limits"]
            for name, request in requests.items():
                if _is_extended_resource(name):
                    if name not in limits:
                        report(base + ("limits", name),
                               f"extended resource {name}: a request needs an equal limit")
                    elif request != limits[name]:
                        report(base + ("requests", name),
                               f"extended resource {name}: request "
                               f"{resources['requests'][name]!r} must equal limit "
                               f"{resources['limits'][name]!r}")
                elif name in limits and request > limits[name]:
                    report(base + ("requests", name),
                           f"request {resources['requests'][name]!r} is more than limit "
                           f"{resources['limits'][name]!r}")


def rule_pod_failure_policy(obj: dict, report: Report, context: "Context") -> None:
    for path, spec in job_specs(obj):
        policy = spec.get("podFailurePolicy")
        if not isinstance(policy, dict):
            continue
        restart = _get(spec, "template", "spec", "restartPolicy")
        if restart != "Never":
            report(path + ("podFailurePolicy",),
                   f"podFailurePolicy requires template.spec.restartPolicy Never "
                   f"(it is {restart!r})")
        names = {c.get("name") for _, c in containers(_get(spec, "template", "spec") or {})}
        for i, rule in enumerate(policy.get("rules") or []):
            if not isinstance(rule, dict):
                continue
            rule_path = path + ("podFailurePolicy", "rules", i)
            if rule.get("action") == "FailIndex" and spec.get("backoffLimitPerIndex") is None:
                report(rule_path + ("action",), "action FailIndex requires backoffLimitPerIndex")
            codes = rule.get("onExitCodes")
            if not isinstance(codes, dict):
                continue
            container = codes.get("containerName")
            if container is not None and container not in names:
                report(rule_path + ("onExitCodes", "containerName"),
                       f"containerName {container!r} names no container of the pod template")
            values = [v for v in codes.get("values") or [] if isinstance(v, int)]
            if codes.get("operator") == "In" and 0 in values:
                report(rule_path + ("onExitCodes", "values"),
                       "must not contain 0 with operator In")
            if any(b <= a for a, b in zip(values, values[1:])):
                report(rule_path + ("onExitCodes", "values"),
                       f"values {values} must be unique and in increasing order")


def rule_job_restart_policy(obj: dict, report: Report, context: "Context") -> None:
    # The default, Always, is rejected for Jobs: every Job template must say.
    for path, spec in job_specs(obj):
        restart = _get(spec, "template", "spec", "restartPolicy")
        if restart not in ("OnFailure", "Never"):
            report(path + ("template", "spec", "restartPolicy"),
                   f"a Job's pod template needs restartPolicy OnFailure or Never "
                   f"(it is {restart!r})")


def rule_indexed_job(obj: dict, report: Report, context: "Context") -> None:
    for path, spec in job_specs(obj):
        if spec.get("completionMode") != "Indexed":
            if spec.get("backoffLimitPerIndex") is not None:
                report(path + ("backoffLimitPerIndex",),
                       "backoffLimitPerIndex requires completionMode Indexed")
            continue
        completions, parallelism = spec.get("completions"), spec.get("parallelism")
        if completions is None:
            report(path + ("completions",), "completionMode Indexed requires completions")
            continue
        if parallelism is not None and parallelism != completions:
            report(path + ("parallelism",),
                   f"parallelism {parallelism} must equal completions {completions} "
                   "(every rank runs at once)")
        if isinstance(completions, int) and completions > 100000:
            report(path + ("completions",), "completions of an Indexed Job must be <= 100000")
        # Pods of an Indexed Job get the host name <job>-<index>, a DNS-1123 label.
        job_name = _get(obj, "metadata", "name") if obj.get("kind") == "Job" else None
        if isinstance(job_name, str) and isinstance(completions, int) and completions > 0:
            host = f"{job_name}-{completions - 1}"
            if len(host) > 63:
                report(("metadata", "name"),
                       f"pod host name {host!r} is longer than 63 characters")


def rule_indexed_job_service(obj: dict, report: Report, context: "Context") -> None:
    if obj.get("kind") != "Job" or _get(obj, "spec", "completionMode") != "Indexed":
        return
    subdomain = _get(obj, "spec", "template", "spec", "subdomain")
    if not subdomain:
        return
    namespace = _get(obj, "metadata", "namespace") or ""
    path = ("spec", "template", "spec", "subdomain")
    service = context.services.get((namespace, subdomain))
    if service is None:
        report(path, f"subdomain {subdomain!r} names no Service in these manifests "
                     "(pods would get no DNS names)")
        return
    if _get(service, "spec", "clusterIP") != "None":
        report(path, f"Service {subdomain!r} is not headless (spec.clusterIP must be None)")
    selector = _get(service, "spec", "selector") or {}
    labels = _get(obj, "spec", "template", "metadata", "labels") or {}
    if not selector:
        report(path, f"Service {subdomain!r} has no selector, so no DNS records for the pods")
    elif any(labels.get(key) != value for key, value in selector.items()):
        report(path, f"Service {subdomain!r} selector {selector} does not match the pod "
                     f"template labels {labels}")


def rule_jobset_names(obj: dict, report: Report, context: "Context") -> None:
    # JobSet makes a headless Service named network.subdomain (default: the JobSet's name), so
    # that name is a DNS-1035 label; it names child Jobs <jobset>-<replicatedJob>-<jobIndex>
    # whose pods get the host names <job>-<podIndex>, DNS-1123 labels.
    if obj.get("kind") != "JobSet":
        return
    jobset = _get(obj, "metadata", "name")
    if not isinstance(jobset, str):
        return
    subdomain = _get(obj, "spec", "network", "subdomain")
    if isinstance(subdomain, str):
        error = dns1035_label_error(subdomain)
        if error:
            report(("spec", "network", "subdomain"), f"the headless Service name: {error}")
    else:
        error = dns1035_label_error(jobset)
        if error:
            report(("metadata", "name"), f"names the JobSet's headless Service: {error}")
    for i, rjob in enumerate(_get(obj, "spec", "replicatedJobs") or []):
        if not isinstance(rjob, dict) or not isinstance(rjob.get("name"), str):
            continue
        error = dns1123_label_error(rjob["name"])
        if error:
            report(("spec", "replicatedJobs", i, "name"), error)
            continue
        replicas = rjob.get("replicas", 1)
        completions = _get(rjob, "template", "spec", "completions") or 1
        if isinstance(replicas, int) and isinstance(completions, int):
            host = f"{jobset}-{rjob['name']}-{max(replicas - 1, 0)}-{max(completions - 1, 0)}"
            if len(host) > 63:
                report(("spec", "replicatedJobs", i, "name"),
                       f"pod host name {host!r} is longer than 63 characters")


def rule_mpijob_names(obj: dict, report: Report, context: "Context") -> None:
    # mpi-operator names a headless Service after the MPIJob (a DNS-1035 label) and the worker
    # pods <mpijob>-worker-<index>, which are their host names.
    if obj.get("kind") != "MPIJob":
        return
    name = _get(obj, "metadata", "name")
    if not isinstance(name, str):
        return
    error = dns1035_label_error(name)
    if error:
        report(("metadata", "name"), f"names the MPIJob's headless Service: {error}")
    replicas = _get(obj, "spec", "mpiReplicaSpecs", "Worker", "replicas")
    if isinstance(replicas, int) and replicas > 0:
        host = f"{name}-worker-{replicas - 1}"
        if len(host) > 63:
            report(("metadata", "name"), f"worker host name {host!r} is longer than 63 characters")


def rule_configmap(obj: dict, report: Report, context: "Context") -> None:
    if obj.get("kind") != "ConfigMap":
        return
    total = 0
    for field in ("data", "binaryData"):
        for key, value in (obj.get(field) or {}).items():
            if len(str(key)) > 253 or not _CONFIG_KEY.fullmatch(str(key)):
                report((field, key), f"key {key!r} must be at most 253 of [-._a-zA-Z0-9]")
            if field == "data" and not isinstance(value, str):
                report((field, key), f"value of {key!r} is not a string")
            total += len(str(value))
    if total > 1024 * 1024:
        report((), f"data is {total} bytes, more than the 1 MiB a ConfigMap may hold")


def rule_deployment(obj: dict, report: Report, context: "Context") -> None:
    # The API server refuses a Deployment whose selector does not select its own template,
    # and a RollingUpdate with maxUnavailable and maxSurge both 0 (it could never progress).
    if obj.get("kind") != "Deployment":
        return
    selector = _get(obj, "spec", "selector", "matchLabels") or {}
    labels = _get(obj, "spec", "template", "metadata", "labels") or {}
    for key, value in selector.items():
        if labels.get(key) != value:
            report(("spec", "selector", "matchLabels", key),
                   f"selector {key}={value!r} does not match the template's labels")
    rolling = _get(obj, "spec", "strategy", "rollingUpdate")
    if isinstance(rolling, dict) and rolling.get("maxUnavailable") in (0, "0%") \
            and rolling.get("maxSurge") in (0, "0%"):
        report(("spec", "strategy", "rollingUpdate"),
               "maxUnavailable and maxSurge may not both be 0")


def rule_probe_ports(obj: dict, report: Report, context: "Context") -> None:
    # A probe on a named port that no container port has never succeeds: the kubelet fails it.
    for template_path, template in pod_templates(obj):
        pod_spec = template.get("spec")
        if not isinstance(pod_spec, dict):
            continue
        for container_path, container in containers(pod_spec):
            names = {p.get("name") for p in container.get("ports") or [] if isinstance(p, dict)}
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                port = _get(container, probe, "httpGet", "port")
                if isinstance(port, str) and port not in names:
                    report(template_path + ("spec",) + container_path + (probe, "httpGet", "port"),
                           f"names port {port!r}, which the container does not declare")


def rule_autoscaler(obj: dict, report: Report, context: "Context") -> None:
    if obj.get("kind") != "HorizontalPodAutoscaler":
        return
    low, high = _get(obj, "spec", "minReplicas"), _get(obj, "spec", "maxReplicas")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        report(("spec", "minReplicas"), f"minReplicas {low} is more than maxReplicas {high}")


def rule_disruption_budget(obj: dict, report: Report, context: "Context") -> None:
    if obj.get("kind") != "PodDisruptionBudget":
        return
    spec = obj.get("spec") or {}
    if "minAvailable" in spec and "maxUnavailable" in spec:
        report(("spec",), "minAvailable and maxUnavailable cannot both be set")


RULES: list[Callable[[dict, Report, "Context"], None]] = [
    rule_object_identity, rule_object_name, rule_labels, rule_container_resources,
    rule_job_restart_policy, rule_pod_failure_policy, rule_indexed_job, rule_indexed_job_service,
    rule_jobset_names, rule_mpijob_names, rule_configmap, rule_deployment, rule_probe_ports,
    rule_autoscaler, rule_disruption_budget,
]


# --------------------------------------------------------------------------------------------
# Driver

@dataclasses.dataclass
class Context:
    """What rules may look up across the documents validated together."""
    services: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, objects: Iterable[Any]) -> "Context":
        context = cls()
        for obj in objects:
            if isinstance(obj, dict) and obj.get("kind") == "Service":
                name = _get(obj, "metadata", "name")
                if isinstance(name, str):
                    context.services[(_get(obj, "metadata", "namespace") or "", name)] = obj
        return context


def _schema_errors(validator, obj: dict, report: Report, prefix: Path_ = ()) -> None:
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        # For oneOf/anyOf failures the deepest sub-error says most.
        best = jsonschema.exceptions.best_match([error])
        report(prefix + tuple(best.absolute_path), best.message)


def validate_schema(obj: dict, report: Report, version: str = K8S_VERSION,
                    crds: Path | None = None) -> None:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return  # rule_object_identity reports it
    validator = builtin_validator(api_version, kind, version)
    if validator is not None:
        _schema_errors(validator, obj, report)
        return
    validator = crd_validator(api_version, kind, (crds or crd_dir()).resolve())
    if validator is None:
        report(("apiVersion",), f"no schema for {kind} {api_version}: not a Kubernetes "
                                f"{version} kind, nor a CRD in {crds or crd_dir()}")
        return
    _schema_errors(validator, obj, report)
    if isinstance(obj.get("metadata"), dict):
        _schema_errors(object_meta_validator(version), obj["metadata"], report, ("metadata",))


def validate_documents(docs: Iterable[Any], filename: str = "<memory>",
                       version: str = K8S_VERSION, crds: Path | None = None,
                       context: Context | None = None) -> list[Problem]:
    """Validates parsed YAML documents (None documents, i.e. empty ones, are skipped)."""
    objects = [doc for doc in docs if doc is not None]
    context = context or Context.of(objects)
    problems: list[Problem] = []
    for index, obj in enumerate(objects):
        sink = Sink(filename, obj)
        if not isinstance(obj, dict):
            sink((), f"document {index + 1} is a {type(obj).__name__}, not an object")
        elif obj.get("kind") == "List":
            problems += validate_documents(obj.get("items") or [], filename, version, crds,
                                           context)
        else:
            validate_schema(obj, sink, version, crds)
            for rule in RULES:
                rule(obj, sink, context)
        problems += sink.problems
    return problems


def load_documents(path: str) -> list[Any]:
    if path == "-":
        return list(yaml.load_all(sys.stdin, Loader=Loader))
    with open(path, encoding="utf-8") as stream:
        return list(yaml.load_all(stream, Loader=Loader))


def validate_files(paths: Iterable[str], version: str = K8S_VERSION,
                   crds: Path | None = None) -> list[Problem]:
    """Validates files; Services in any of them satisfy subdomains in all of them."""
    loaded: list[tuple[str, list[Any]]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            loaded.append((path, load_documents(path)))
        except (OSError, yaml.YAMLError) as error:
            problems.append(Problem(path, "?", "?", ".", f"cannot read: {error}"))
    context = Context.of(obj for _, docs in loaded for obj in docs)
    for path, docs in loaded:
        problems += validate_documents(docs, "<stdin>" if path == "-" else path, version, crds,
                                       context)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", metavar="FILE", help="YAML file, '-' for stdin")
    parser.add_argument("--kubernetes-version", default=K8S_VERSION,
                        help=f"schemas of this Kubernetes version (default {K8S_VERSION})")
    parser.add_argument("--crd-dir", type=Path, default=None,
                        help=f"CRD folder (default $SLIPWAY_CRD_DIR or {DEFAULT_CRD_DIR})")
    args = parser.parse_args(argv)
    problems = validate_files(args.files, args.kubernetes_version, args.crd_dir)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
