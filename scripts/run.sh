#!/usr/bin/env bash
# The main job on the shipped default model (Max-of-4, seed 123), after set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/compact-proofs certify "$@"
