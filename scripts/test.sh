#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, the Lean proof check (every module, warnings
# as errors, trust audit, axiom audit), the TransformerLens round trip in its own environment,
# then pytest (which includes the Lean tamper tests) on every core (pytest-xdist).
set -euo pipefail
cd "$(dirname "$0")/.."
phase() { echo "test.sh: $1 done at ${SECONDS} s"; }
bash scripts/setup.sh
phase "set-up"
.venv/bin/compact-proofs lean-check
phase "Lean check"
bash scripts/test_transformer_lens.sh -q
phase "TransformerLens round trip"
.venv/bin/python -m pytest -n auto "$@"
phase "pytest"
