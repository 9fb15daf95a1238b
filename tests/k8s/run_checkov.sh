#!/usr/bin/env bash
# Runs checkov (framework kubernetes) on the rendered manifests in DIR, skipping the checks
# listed in k8s/checkov-skips.yaml (a list of {id, reason}; an entry without a reason is an
# error). Prints only failed checks; exits non-zero when a check fails.
# checkov knows only built-in kinds, so the pod templates of JobSets and MPIJobs are also
# scanned as synthetic Jobs named <name>-<replicated job or role>, in a temporary folder.
#   usage: tests/k8s/run_checkov.sh DIR
# Needs the venv: scripts/venv.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
python="$root/.venv/bin/python"
checkov="$root/.venv/bin/checkov"
skips_file=${SLIPWAY_CHECKOV_SKIPS:-$root/k8s/checkov-skips.yaml}

[[ $# -eq 1 && -d "$1" ]] || { echo "usage: $0 DIR (a folder of rendered manifests)" >&2; exit 2; }
[[ -x "$checkov" ]] || { echo "run_checkov: no checkov in $root/.venv: run scripts/venv.sh" >&2; exit 2; }

# The skip list: check ids joined by commas, or an error naming the bad entry.
skips=$("$python" - "$skips_file" <<'PY'
import re, sys, yaml
path = sys.argv[1]
try:
    with open(path, encoding="utf-8") as stream:
        entries = yaml.safe_load(stream)
except (OSError, yaml.YAMLError) as error:
    sys.exit(f"run_checkov: cannot read {path}: {error}")
if entries is None:
    entries = []
if not isinstance(entries, list):
    sys.exit(f"run_checkov: {path}: expected a list of {{id, reason}}")
ids = []
for index, entry in enumerate(entries):
    where = f"run_checkov: {path}: entry {index + 1}"
    if not isinstance(entry, dict) or set(entry) - {"id", "reason"}:
        sys.exit(f"{where}: expected exactly the keys id and reason, got {entry!r}")
    check = entry.get("id")
    if not isinstance(check, str) or not re.fullmatch(r"CKV2?_[A-Z0-9]+_[0-9]+", check):
        sys.exit(f"{where}: id {check!r} is not a checkov check id (CKV_K8S_n)")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        sys.exit(f"{where} ({check}): has no reason; say why the check does not apply")
    ids.append(check)
print(",".join(ids))
PY
)

# checkov scans a copy of DIR plus the pod templates of custom resources as synthetic Jobs
# (one --directory: checkov mixes up results given two).
scan=$(mktemp -d)
trap 'rm -rf "$scan"' EXIT
cp -R "$1"/. "$scan"/
"$python" - "$1" "$scan" <<'PY'
import pathlib, sys, yaml
source, target = map(pathlib.Path, sys.argv[1:])
def templates(obj):
    spec = obj.get("spec") or {}
    if obj.get("kind") == "JobSet":
        for rjob in spec.get("replicatedJobs") or []:
            yield rjob.get("name", "job"), ((rjob.get("template") or {}).get("spec") or {}).get("template")
    elif obj.get("kind") == "MPIJob":
        for role, replica in (spec.get("mpiReplicaSpecs") or {}).items():
            yield role.lower(), (replica or {}).get("template")
for path in sorted(p for p in source.rglob("*") if p.suffix in (".yaml", ".yml")):
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    except yaml.YAMLError:
        continue  # checkov reports the file itself
    jobs = []
    for obj in docs:
        meta = obj.get("metadata") or {}
        for role, template in templates(obj):
            if isinstance(template, dict):
                job_meta = {"name": f"{meta.get('name', 'unnamed')}-{role}"}
                if meta.get("namespace"):
                    job_meta["namespace"] = meta["namespace"]
                jobs.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
                             "spec": {"template": template}})
    if jobs:
        name = "pod-templates-of-" + str(path.relative_to(source)).replace("/", "-")
        (target / name).write_text(yaml.safe_dump_all(jobs))
PY

args=(--directory "$scan" --framework kubernetes --quiet --compact --skip-download
      --output cli)
[[ -n "$skips" ]] && args+=(--skip-check "$skips")
# No network: no update check, no Prisma Cloud; parse errors fail the run.
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true CKV_PARSE_ERROR_FAIL=true NO_COLOR=1
"$checkov" "${args[@]}" </dev/null
