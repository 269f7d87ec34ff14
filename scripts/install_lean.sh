#!/usr/bin/env bash
# Install the pinned Lean 4 toolchain into .cache/lean of this checkout (no-op when already done;
# --force reinstalls from the cached downloads). The installer itself travels with the package:
# python/compact_proofs/lean/install_lean.sh, which `compact-proofs lean install` runs for an
# installed wheel.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export COMPACT_PROOFS_LEAN_HOME="${COMPACT_PROOFS_LEAN_HOME:-$REPO_ROOT/.cache/lean}"
exec bash "$REPO_ROOT/python/compact_proofs/lean/install_lean.sh" "$@"
