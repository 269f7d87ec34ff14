#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, the generated modules compared with what their
# generators render, the Lean proof check (every module, warnings as errors, trust audit, axiom
# audit) beside the TransformerLens round trip in its own environment, then pytest (which
# includes the Lean tamper tests) on every core (pytest-xdist).
set -euo pipefail
cd "$(dirname "$0")/.."
phase() { echo "test.sh: $1 done at ${SECONDS} s"; }
bash scripts/setup.sh
phase "set-up"
# The TransformerLens round trip is mostly a download and install into its own environment: it
# runs beside the Lean check (which keeps both cores busy) and its output follows that check's.
tl_log="$(mktemp)"
bash scripts/test_transformer_lens.sh -q >"$tl_log" 2>&1 &
tl_pid=$!
trap 'kill "$tl_pid" 2>/dev/null || true; rm -f "$tl_log"' EXIT
.venv/bin/compact-proofs lean generate --check  # seconds: fails before the long build if a module is stale
phase "generated modules up to date"
.venv/bin/compact-proofs lean check
phase "Lean check"
tl_status=0
wait "$tl_pid" || tl_status=$?
cat "$tl_log"
[ "$tl_status" -eq 0 ] || { echo "test.sh: the TransformerLens round trip failed (exit $tl_status)"; exit 1; }
phase "TransformerLens round trip"
.venv/bin/python -m pytest -n auto "$@"
phase "pytest"
