#!/usr/bin/env python3
"""Generate the kernel-checked accuracy theorem of a shipped Max-of-4 model (default: seed 123):
lean/CompactProofs/Generated/Seed<N>.lean and the shards under lean/CompactProofs/Generated/Seed<N>/
(`compact_proofs.maxofk.lean_shards`), proving its `gap_classes_cubic` bound as `maxOf4_seed<N>_accuracy`.

Usage (from the repository root):

    .venv/bin/python scripts/gen_maxof4_theorem.py                 # write the seed-123 modules
    .venv/bin/python scripts/gen_maxof4_theorem.py --check         # fail if any is out of date
    .venv/bin/python scripts/gen_maxof4_theorem.py --seed 50       # another zoo model

Only seed 123 is shipped and checked in CI: each model costs about 17 minutes of `lean-check`
on two cores (`benchmarks/lean.md`). The bound written is the strategy's count; the script
fails if the exact Python checker of the strategy's certificate does not confirm it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "python"))

from compact_proofs.maxofk import lean_export, lean_shards  # noqa: E402
from compact_proofs.lean.render import module_path, write_generated_module  # noqa: E402
from compact_proofs.maxofk.checks import gap_classes as gap_classes_check  # noqa: E402
from compact_proofs.maxofk.strategies import gap_classes  # noqa: E402
from compact_proofs.maxofk.zoo import load_model, record_path  # noqa: E402

COMMAND = "python scripts/gen_maxof4_theorem.py"


def render(seed: int) -> tuple[dict[str, str], int]:
    """The module texts by module name, and the certified bound."""
    model, record = load_model(seed)
    proof = lean_shards.sharded_proof(lean_export.exact_model(model))
    checked = gap_classes_check.check_certificate(model, gap_classes.certificate(model, cubic=True))
    if checked != proof.bound:
        raise SystemExit(f"the Lean witnesses claim {proof.bound} inputs, the exact Python checker {checked}")
    texts = lean_shards.render_sharded(
        proof,
        root=f"CompactProofs.Generated.Seed{seed}",
        model_name=f"seed{seed}",
        theorem_name=f"maxOf4_seed{seed}_accuracy",
        command=COMMAND + ("" if seed == 123 else f" --seed {seed}"),
        source=str(record_path(seed).relative_to(REPO_ROOT)),
        model_sha256=record.sha256,
    )
    return texts, proof.bound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the tracked files")
    parser.add_argument("--seed", type=int, default=123, help="zoo seed (default 123)")
    parser.add_argument("--lean-root", type=Path, default=REPO_ROOT / "lean")
    args = parser.parse_args(argv)
    texts, bound = render(args.seed)
    ok = [write_generated_module(module_path(args.lean_root, name), text, COMMAND, check=args.check) for name, text in texts.items()]
    if not all(ok):
        return 1
    if not args.check:
        print(f"{bound} inputs certified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
