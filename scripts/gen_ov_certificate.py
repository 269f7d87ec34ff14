#!/usr/bin/env python3
"""Generate lean/CompactProofs/Generated/OvSmall.lean, the OV copying certificate.

Usage (from the repository root):

    .venv/bin/python scripts/gen_ov_certificate.py            # write the module
    .venv/bin/python scripts/gen_ov_certificate.py --check    # fail if it is out of date

For now the weights come from a small synthetic model built deterministically from a fixed
numpy seed (``synthetic_ov_weights``): the unembedding is close to the transposed
embedding and ``W_V W_O`` close to the identity, so EVOU is nearly ``W_E W_E^T``, with
embedding rows growing with the token index; the noise makes the low tokens fail to copy.
A trained model can be exported with
``compact_proofs.maxofk.ov_certificate.export_ov_copying_certificate`` instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "python"))

from compact_proofs.lean.render import module_path, write_generated_module  # noqa: E402
from compact_proofs.maxofk.ov_certificate import build_certificate, render_lean_module  # noqa: E402

MODULE = "CompactProofs.Generated.OvSmall"
SEED = 20241125
D_VOCAB = D_MODEL = D_HEAD = 8
COMMAND = "python scripts/gen_ov_certificate.py"


def synthetic_ov_weights(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scale = (0.1 + np.arange(D_VOCAB) / D_VOCAB)[:, None]
    W_E = (rng.standard_normal((D_VOCAB, D_MODEL)) * scale).astype(np.float32)
    W_V = (np.eye(D_MODEL, D_HEAD) + 0.2 * rng.standard_normal((D_MODEL, D_HEAD))).astype(np.float32)
    W_O = (np.eye(D_HEAD, D_MODEL) + 0.2 * rng.standard_normal((D_HEAD, D_MODEL))).astype(np.float32)
    W_U = (W_E.T + 0.3 * rng.standard_normal((D_MODEL, D_VOCAB))).astype(np.float32)
    return W_E, W_V, W_O, W_U


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the tracked file")
    parser.add_argument("--lean-root", type=Path, default=REPO_ROOT / "lean")
    args = parser.parse_args(argv)

    cert = build_certificate(*synthetic_ov_weights(), module_name=MODULE)
    text = render_lean_module(cert, COMMAND)
    if not write_generated_module(module_path(args.lean_root, MODULE), text, COMMAND, check=args.check):
        return 1
    if not args.check:
        print(f"threshold {cert.threshold} of d_vocab {cert.d_vocab}; copying rows {cert.copying_rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
