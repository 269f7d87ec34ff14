#!/usr/bin/env python3
"""Benchmark the Lean check of every accuracy theorem: certificate size, kernel time, memory, bound.

Usage: .venv/bin/python scripts/bench_lean.py [--jobs N] [--out benchmarks/lean.md]
       .venv/bin/python scripts/bench_lean.py --report build/lean/axioms.json   # from a full lean check

Builds the whole library in a fresh build folder (nothing cached), ``--jobs`` files at a time
(default 1, so that each module's wall time and peak memory are its own), or reads the JSON
report of a ``compact-proofs lean check`` run in which every module was built. Then writes a table
with one row per generated module that declares an accuracy theorem (``certify.THEOREM_TAG``):
the model, the strategy, the size of its generated files, the check's wall time and peak RSS,
the bound, and the trust level (the axioms the theorem depends on, from the kernel-environment
audit). A sharded theorem (module ``M`` with parts ``M.*``) counts all its parts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from types import SimpleNamespace

from compact_proofs.lean.render import THEOREM_TAG
from compact_proofs.lean.bridge import TRUST_LABEL, check_project, find_toolchain
from compact_proofs.modadd import zoo as modadd_zoo
from compact_proofs.core.modelfile import model_sha256
from compact_proofs.core.provenance import REPO_ROOT, provenance, provenance_markdown
from compact_proofs.maxofk import zoo as maxofk_zoo


def zoo_models_by_hash() -> dict[str, str]:
    """The identity (``model_sha256``) of every shipped model -> its record path (relative to the
    repository)."""
    found = {}
    for path in sorted((REPO_ROOT / "python/compact_proofs/zoo").rglob("seed-*.json")):
        try:
            found[model_sha256(maxofk_zoo.load_model(path)[0])] = str(path.relative_to(REPO_ROOT))
        except ValueError:  # a record of another format (e.g. modular addition): not a Max-of-K model
            continue
    for path in modadd_zoo.zoo_records():
        found[model_sha256(modadd_zoo.load_model(path)[0])] = str(path.relative_to(REPO_ROOT))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks/lean.md")
    parser.add_argument("--jobs", type=int, default=1, help="files built at a time (default 1)")
    parser.add_argument("--report", type=Path, help="JSON report of a lean check run that built every module")
    args = parser.parse_args()
    toolchain = find_toolchain(REPO_ROOT)
    lean_root = REPO_ROOT / "lean"
    if args.report:
        data = json.loads(args.report.read_text(encoding="utf-8"))
        modules = [SimpleNamespace(**m) for m in data["modules"]]
        if not data["ok"] or any(m.status != "built" for m in modules):
            raise SystemExit(f"{args.report}: not a passing run that built every module (nothing cached)")
        res = SimpleNamespace(modules=modules, theorem_axioms=data["theorems"], axiom_audit_seconds=data["axiom_audit_seconds"])
        how = f"the build of `compact-proofs lean check` ({args.report.name}), two files at a time"
    else:
        with tempfile.TemporaryDirectory() as build:
            res = check_project(REPO_ROOT, build_dir=build, jobs=args.jobs, json_out=Path(build) / "axioms.json")
        if not res.ok:
            raise SystemExit("the Lean check failed: " + "; ".join(res.errors + res.axiom_problems))
        how = f"a fresh build, {args.jobs} file(s) at a time"
    builds = {m.name: m for m in res.modules}
    models = zoo_models_by_hash()
    axioms = res.theorem_axioms
    rows = []
    for path in sorted(lean_root.rglob("*.lean")):
        module = ".".join(path.relative_to(lean_root).with_suffix("").parts)
        text = path.read_text(encoding="utf-8")
        for tag in THEOREM_TAG.finditer(text):
            parts = [b for name, b in builds.items() if name == module or name.startswith(module + ".")]
            size = sum((lean_root / b.rel).stat().st_size for b in parts)
            trust = "kernel; axioms: " + (", ".join(axioms.get(tag["theorem"], [])) or "none")
            if TRUST_LABEL in text:
                trust += " (trusts the compiler)"
            rows.append(
                f"| `{tag['theorem']}` | {models.get(tag['sha'], tag['sha'][:12])} | {tag['strategy']} | {len(parts)} | "
                f"{size / 1024:,.0f} KiB | {sum(b.seconds for b in parts):.1f} | "
                f"{max(b.peak_rss_kb for b in parts) / 1024:.0f} | {int(tag['bound']):,} | {trust} |"
            )
    total = sum(m.seconds for m in res.modules)
    lines = [
        "# Lean check of the accuracy theorems",
        "",
        provenance_markdown(provenance() | {"lean": toolchain.version().splitlines()[0]}),
        "",
        f"Timings from {how}, nothing cached; WebAssembly Lean under Node. A module's time",
        "includes the toolchain's fixed start-up cost of about 8-15 s; a theorem's time is the sum over",
        "its modules (one core each), its peak RSS the largest.",
        "",
        "| theorem | model | strategy | modules | generated files | check s (sum) | peak RSS MB | bound | trust |",
        "|---|---|---|---|---|---|---|---|---|",
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
