#!/usr/bin/env python3
"""Generate lean/CompactProofs/Generated/SmallMaxOf3.lean: a kernel-checked accuracy bound
for the shipped small Max-of-3 model (python/compact_proofs/zoo/small_max_of_3/seed-00001).

Usage (from the repository root):

    .venv/bin/python scripts/gen_small_accuracy_certificate.py            # write the module
    .venv/bin/python scripts/gen_small_accuracy_certificate.py --check    # fail if out of date

The bound written is the number of inputs the certificate verifies (checked with the
Python mirror of the Lean checker); the script fails if that differs from the exact
brute-force count, so the theorem is the exact accuracy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "python"))

from compact_proofs import lean_export  # noqa: E402
from compact_proofs.brute_force import brute_force  # noqa: E402
from compact_proofs.lean_bridge import module_path, write_generated_module  # noqa: E402
from compact_proofs.zoo import load_model  # noqa: E402

MODULE = "CompactProofs.Generated.SmallMaxOf3"
MODEL_RECORD = Path("python/compact_proofs/zoo/small_max_of_3/seed-00001.json")
COMMAND = "python scripts/gen_small_accuracy_certificate.py"


def render() -> tuple[str, int, int]:
    """The module text, the certified bound and the exact brute-force count."""
    model, record = load_model(REPO_ROOT / MODEL_RECORD)
    em = lean_export.exact_model(model)
    cert = lean_export.build_certificate(em)
    if not lean_export.check(em, cert):
        raise SystemExit("internal error: the Python mirror of the Lean checker rejects the certificate")
    exact = brute_force(model, float32=False).correct
    if cert.bound != exact:
        raise SystemExit(f"the certificate verifies {cert.bound} inputs, brute force finds {exact} correct")
    text = lean_export.render_lean_module(
        em,
        cert,
        module_name=MODULE,
        model_name="smallModel",
        theorem_name="small_max_of_3_accuracy",
        command=COMMAND,
        source=str(MODEL_RECORD),
        model_sha256=record.sha256,
        n_correct=exact,
    )
    return text, cert.bound, exact


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the tracked file")
    parser.add_argument("--lean-root", type=Path, default=REPO_ROOT / "lean")
    args = parser.parse_args(argv)
    text, bound, exact = render()
    if not write_generated_module(module_path(args.lean_root, MODULE), text, COMMAND, check=args.check):
        return 1
    if not args.check:
        print(f"{bound} of the inputs certified (brute force: {exact})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
