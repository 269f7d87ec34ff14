#!/usr/bin/env python3
"""Generate the kernel-checked accuracy theorems of the shipped small Max-of-3 model
(python/compact_proofs/zoo/small_max_of_3/seed-00001): lean/CompactProofs/Generated/SmallMaxOf3.lean
(every input checked on its own), lean/CompactProofs/Generated/GapSmallMaxOf3.lean (the
gap-classes argument, one test per cell and wrong logit, on the same tables and enclosures) and
lean/CompactProofs/Generated/GapCubicSmallMaxOf3.lean (its cubic variant, one test per cell, with
the closed-form count: the route to the Max-of-4 models).

Usage (from the repository root):

    .venv/bin/python scripts/gen_small_accuracy_certificate.py            # write the module
    .venv/bin/python scripts/gen_small_accuracy_certificate.py --check    # fail if out of date

The bound written is the number of inputs the certificate verifies (checked with the
Python mirrors of the Lean checkers); the script fails if that differs from the exact
brute-force count, so both theorems state the exact accuracy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "python"))

from compact_proofs.maxofk import lean_export  # noqa: E402
from compact_proofs.maxofk.brute_force import brute_force  # noqa: E402
from compact_proofs.lean.render import module_path, write_generated_module  # noqa: E402
from compact_proofs.maxofk.strategies import gap_classes  # noqa: E402
from compact_proofs.maxofk.zoo import load_model  # noqa: E402

MODULE = "CompactProofs.Generated.SmallMaxOf3"
GAP_MODULE = "CompactProofs.Generated.GapSmallMaxOf3"
CUBIC_MODULE = "CompactProofs.Generated.GapCubicSmallMaxOf3"
MODEL_RECORD = Path("python/compact_proofs/zoo/small_max_of_3/seed-00001.json")
COMMAND = "python scripts/gen_small_accuracy_certificate.py"


def render() -> tuple[dict[str, str], int, int]:
    """The three module texts by module name, the certified bound and the exact brute-force count."""
    model, record = load_model(REPO_ROOT / MODEL_RECORD)
    em = lean_export.exact_model(model)
    cert = lean_export.build_certificate(em)
    if not lean_export.check(em, cert):
        raise SystemExit("internal error: the Python mirror of the Lean checker rejects the certificate")
    exact = brute_force(model, float32=False).correct
    common = {"command": COMMAND, "source": str(MODEL_RECORD), "model_sha256": record.sha256, "model_name": "smallModel"}
    tables = gap_classes.GapTables.from_lean_certificate(em, cert)
    found, found_cubic = gap_classes.gaps(tables), gap_classes.gaps(tables, cubic=True)
    gap_bound, cubic_bound = (sum(gap_classes.cell_count(em.n_ctx, q, m, g) for (q, m), g in f.items()) for f in (found, found_cubic))
    if not cert.bound == gap_bound == cubic_bound == exact:
        raise SystemExit(f"the certificates verify {cert.bound}, {gap_bound} and {cubic_bound} inputs, brute force finds {exact} correct")
    gap_common = {"base_module": MODULE, "total": em.d_vocab**em.n_ctx, **common}
    texts = {
        MODULE: lean_export.render_lean_module(
            em, cert, module_name=MODULE, theorem_name="small_max_of_3_accuracy", n_correct=exact, **common
        ),
        GAP_MODULE: lean_export.render_gap_module(
            module_name=GAP_MODULE,
            theorem_name="small_max_of_3_accuracy_gap",
            gaps=gap_classes.gap_matrix(found, em.d_vocab),
            bound=gap_bound,
            **gap_common,
        ),
        CUBIC_MODULE: lean_export.render_gap_module(
            module_name=CUBIC_MODULE,
            theorem_name="small_max_of_3_accuracy_gap_cubic",
            gaps=gap_classes.gap_matrix(found_cubic, em.d_vocab),
            bound=cubic_bound,
            tops=gap_classes.lean_tops(cert),
            **gap_common,
        ),
    }
    return texts, cert.bound, exact


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the tracked file")
    parser.add_argument("--lean-root", type=Path, default=REPO_ROOT / "lean")
    args = parser.parse_args(argv)
    texts, bound, exact = render()
    ok = [write_generated_module(module_path(args.lean_root, name), text, COMMAND, check=args.check) for name, text in texts.items()]
    if not all(ok):
        return 1
    if not args.check:
        print(f"{bound} of the inputs certified (brute force: {exact})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
