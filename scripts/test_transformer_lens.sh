#!/usr/bin/env bash
# The TransformerLens conversion checked against a real HookedTransformer, in its own environment
# (.venv-tl): transformer-lens 2.16.1 needs numpy < 2, unlike the main environment.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pip_env.sh
[ -x .venv-tl/bin/python ] || "${PYTHON:-python3}" -m venv .venv-tl
stamp=".venv-tl/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "test_transformer_lens: installing compact-proofs with the transformer-lens extra into .venv-tl"
  # the main environment's torch (constraints.txt; pyproject.toml gives a lower bound only)
  quiet_pip .venv-tl/bin/pip install -q -e ".[test,transformer-lens]" "$(grep '^torch==' constraints.txt)"
  rm -f .venv-tl/.installed-*
  touch "$stamp"
fi
.venv-tl/bin/python -m pytest tests/test_model.py -k "transformer_lens or hooked" -p no:cacheprovider "$@"
