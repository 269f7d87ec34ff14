#!/usr/bin/env bash
# Optional: check the TransformerLens conversion against a real HookedTransformer in its own
# environment (.venv-tl; transformer-lens 2.16.1 needs numpy < 2, unlike the main environment).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_CACHE_DIR="$PWD/.cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv-tl/bin/python ] || "${PYTHON:-python3}" -m venv .venv-tl
.venv-tl/bin/pip install -q -e ".[test,transformer-lens]"
.venv-tl/bin/python -m pytest tests/test_model.py -k "transformer_lens or hooked" -rs "$@"
