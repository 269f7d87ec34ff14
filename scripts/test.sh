#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, the Lean proof check (every module, warnings
# as errors, trust audit), then pytest (which includes the Lean tamper tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/compact-proofs lean-check
.venv/bin/python -m pytest "$@"
