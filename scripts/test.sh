#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, the Lean proof check (every module, warnings
# as errors, trust audit, axiom audit), the TransformerLens round trip in its own environment,
# then pytest (which includes the Lean tamper tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/compact-proofs lean-check
bash scripts/test_transformer_lens.sh -q
.venv/bin/python -m pytest "$@"
