#!/usr/bin/env bash
# Lints every docker/Dockerfile* with hadolint (from the venv: scripts/venv.sh), using the
# repository's .hadolint.yaml; fails on any finding, whatever its level.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
hadolint="$root/.venv/bin/hadolint"
[[ -x "$hadolint" ]] || { echo "test_dockerfile: no hadolint in $root/.venv: run scripts/venv.sh" >&2; exit 1; }

shopt -s nullglob
dockerfiles=()
for file in "$root"/docker/Dockerfile*; do
  [[ "$file" == *.dockerignore ]] || dockerfiles+=("$file")
done
[[ ${#dockerfiles[@]} -gt 0 ]] || { echo "test_dockerfile: no docker/Dockerfile*" >&2; exit 1; }

cd "$root"
status=0
for file in "${dockerfiles[@]}"; do
  if "$hadolint" --no-color --config .hadolint.yaml --failure-threshold style "${file#"$root"/}"; then
    echo "ok: ${file#"$root"/}"
  else
    status=1
  fi
done
exit $status
