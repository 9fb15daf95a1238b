#!/usr/bin/env bash
# Creates or updates the test tools' virtual environment at .venv from tests/requirements.txt
# (kubernetes-validate, jsonschema, PyYAML, checkov, hadolint, ...). Idempotent and quiet: when
# the requirements (and the interpreter) have not changed since the last install, it only
# prints the path. Needs no terminal. Prints the venv's path on stdout; progress goes to stderr.
#   SLIPWAY_PYTHON  interpreter that creates the venv (default: python3, the pyenv 3.11 build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
requirements="$root/tests/requirements.txt"
python=${SLIPWAY_PYTHON:-python3}
stamp="$venv/.slipway-requirements.sha256"

die() { echo "slipway venv: $*" >&2; exit 1; }

command -v "$python" >/dev/null || die "no '$python' on PATH (set SLIPWAY_PYTHON)"
[[ -f "$requirements" ]] || die "missing $requirements"

# The stamp covers the requirements and the interpreter that made the venv.
python_id=$("$python" -c 'import sys; print(sys.version.replace("\n", " "), sys.executable)')
want=$( { cat "$requirements"; echo "$python_id"; } | sha256sum | cut -d' ' -f1)

up_to_date() {
  [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
    "$venv/bin/python" -c '' 2>/dev/null
}

if up_to_date; then
  echo "$venv"
  exit 0
fi

# One installer at a time (ctest or two shells may start this together).
mkdir -p "$venv"
exec 9>"$venv/.slipway-lock"
flock 9
if up_to_date; then  # another run finished while we waited
  echo "$venv"
  exit 0
fi

"$python" -c 'import venv, ensurepip' 2>/dev/null ||
  die "'$python' has no venv/ensurepip module: install python3-venv (Debian) or rebuild the interpreter with them"

minor='import sys; print(*sys.version_info[:2])'
if [[ "$("$venv/bin/python" -c "$minor" 2>/dev/null)" != "$("$python" -c "$minor")" ]]; then
  echo "slipway venv: creating $venv with $("$python" --version 2>&1)" >&2
  # No venv, a broken one, or one of another Python: start over, keeping the held lock file.
  find "$venv" -mindepth 1 -maxdepth 1 ! -name .slipway-lock -exec rm -rf {} +
  "$python" -m venv "$venv" </dev/null >&2 || die "python -m venv $venv failed"
fi

echo "slipway venv: installing tests/requirements.txt (checkov takes a minute or two)" >&2
rm -f "$stamp"
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
start=$SECONDS
"$venv/bin/python" -m pip install --quiet --requirement "$requirements" </dev/null >&2 ||
  die "pip install -r $requirements failed"
echo "$want" >"$stamp"
echo "slipway venv: ready in $((SECONDS - start)) s" >&2
echo "$venv"
