#!/usr/bin/env python3
"""Benchmark the Lean check of every accuracy theorem: certificate size, kernel time, memory, bound.

Usage: .venv/bin/python scripts/bench_lean.py [--out benchmarks/lean.md]

Builds the whole library in a fresh build folder (nothing cached), with one file at a time so
that each module's wall time and peak memory are its own, then writes a table with one row per
generated module that declares an accuracy theorem (``certify.THEOREM_TAG``): the model, the
strategy, the size of the generated file, the kernel check's wall time and peak RSS, the bound,
and the trust level (the axioms the theorem depends on, from the kernel-environment audit).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from compact_proofs.certify import THEOREM_TAG
from compact_proofs.lean_bridge import TRUST_LABEL, check_project, find_toolchain
from compact_proofs.provenance import REPO_ROOT, provenance, provenance_markdown
from compact_proofs.zoo import read_record


def zoo_models_by_hash() -> dict[str, str]:
    """sha256 of every shipped model's weights -> its record path (relative to the repository)."""
    found = {}
    for path in sorted((REPO_ROOT / "python/compact_proofs/zoo").rglob("seed-*.json")):
        try:
            found[read_record(path).sha256] = str(path.relative_to(REPO_ROOT))
        except ValueError:  # a record of another format (e.g. modular addition): not a Max-of-K model
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks/lean.md")
    args = parser.parse_args()
    toolchain = find_toolchain(REPO_ROOT)
    lean_root = REPO_ROOT / "lean"
    with tempfile.TemporaryDirectory() as build:
        res = check_project(REPO_ROOT, build_dir=build, jobs=1, json_out=Path(build) / "axioms.json")
    if not res.ok:
        raise SystemExit("the Lean check failed: " + "; ".join(res.errors + res.axiom_problems))
    builds = {m.name: m for m in res.modules}
    models = zoo_models_by_hash()
    axioms = res.theorem_axioms
    rows = []
    for path in sorted(lean_root.rglob("*.lean")):
        module = ".".join(path.relative_to(lean_root).with_suffix("").parts)
        text = path.read_text(encoding="utf-8")
        for tag in THEOREM_TAG.finditer(text):
            b = builds[module]
            trust = "kernel; axioms: " + (", ".join(axioms.get(tag["theorem"], [])) or "none")
            if TRUST_LABEL in text:
                trust += " (trusts the compiler)"
            rows.append(
                f"| `{tag['theorem']}` | {models.get(tag['sha'], tag['sha'][:12])} | {tag['strategy']} | "
                f"{path.stat().st_size / 1024:.0f} KiB | {b.seconds:.1f} | {b.peak_rss_kb / 1024:.0f} | "
                f"{int(tag['bound']):,} | {trust} |"
            )
    total = sum(m.seconds for m in res.modules)
    lines = [
        "# Lean check of the accuracy theorems",
        "",
        provenance_markdown(provenance() | {"lean": toolchain.version().splitlines()[0]}),
        "",
        "Each module built alone (one file at a time, nothing cached), WebAssembly Lean under Node;",
        "the time includes the toolchain's fixed start-up cost of about 8-15 s per file.",
        "",
        "| theorem | model | strategy | generated file | kernel check s | peak RSS MB | bound | trust |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Whole library: {len(res.modules)} modules, {total:.0f} s of builds, axiom audit {res.axiom_audit_seconds:.0f} s.",
        "",
        "| module | s | peak RSS MB |",
        "|---|---|---|",
        *(f"| {m.name} | {m.seconds:.1f} | {m.peak_rss_kb / 1024:.0f} |" for m in res.modules),
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")
    print(json.dumps({"modules": len(res.modules), "seconds": round(total, 1)}))


if __name__ == "__main__":
    main()
