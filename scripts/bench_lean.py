#!/usr/bin/env python3
"""Benchmark the Lean check of every accuracy theorem: certificate size, kernel time, memory, bound.

Usage: .venv/bin/python scripts/bench_lean.py [--jobs N] [--out benchmarks/lean.md]
       .venv/bin/python scripts/bench_lean.py --report build/lean/axioms.json   # from a full lean check
           [--before OTHER.json]   # and a before/after table against another full check's report

Builds the whole library in a fresh build folder (nothing cached), ``--jobs`` files at a time
(default 1, so that each module's wall time and peak memory are its own), or reads the JSON
report of a ``compact-proofs lean check`` run in which every module was built. Then writes a table
with one row per generated module that declares an accuracy theorem (``certify.THEOREM_TAG``):
the model, the strategy, the size of its generated files, the check's wall time and peak RSS,
the bound, and the trust level (the axioms the theorem depends on, from the kernel-environment
audit). A sharded theorem (module ``M`` with parts ``M.*``) counts all its parts. With
``--before`` (the report of another full check, e.g. ``lean check --one-process-per-module``
of the same commit on the same machine), a table compares the two per theorem and in total.
"""

from __future__ import annotations

import argparse
import json
import re
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


def read_report(path: Path) -> SimpleNamespace:
    """A ``lean check`` JSON report in which every module was built (nothing cached)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    modules = [SimpleNamespace(**m) for m in data["modules"]]
    if not data["ok"] or any(m.status != "built" for m in modules):
        raise SystemExit(f"{path}: not a passing run that built every module (nothing cached)")
    return SimpleNamespace(
        modules=modules, theorem_axioms=data["theorems"], axiom_audit_seconds=data["axiom_audit_seconds"],
        wall_seconds=data["wall_seconds"], worker_startup_seconds=data.get("worker_startup_seconds", []),
    )


def theorem_modules(lean_root: Path) -> list[tuple[str, str, re.Match]]:
    """(theorem module, its text, its tag) for every tagged accuracy theorem under ``lean_root``."""
    found = []
    for path in sorted(lean_root.rglob("*.lean")):
        module = ".".join(path.relative_to(lean_root).with_suffix("").parts)
        text = path.read_text(encoding="utf-8")
        found += [(module, text, tag) for tag in THEOREM_TAG.finditer(text)]
    return found


def parts_of(module: str, builds: dict) -> list:
    return [b for name, b in builds.items() if name == module or name.startswith(module + ".")]


def before_after(lean_root: Path, before: SimpleNamespace, after: SimpleNamespace, before_name: str) -> list[str]:
    """Per theorem and in total: summed module seconds before and after, and wall time."""
    b_builds = {m.name: m for m in before.modules}
    a_builds = {m.name: m for m in after.modules}
    rows = []
    for module, _, tag in theorem_modules(lean_root):
        b = sum(m.seconds for m in parts_of(module, b_builds))
        a = sum(m.seconds for m in parts_of(module, a_builds))
        rows.append(f"| `{tag['theorem']}` | {b:.1f} | {a:.1f} | {b / a:.2f} |")
    b_total = sum(m.seconds for m in before.modules)
    a_total = sum(m.seconds for m in after.modules)
    startup = after.worker_startup_seconds
    return [
        f"## Before / after: `{before_name}` against this run",
        "",
        "Summed module seconds (a module's start-up included where each module is a process of its own;",
        f"with build workers, each worker's start-up is paid once: {', '.join(f'{s:.1f} s' for s in startup) or 'none'}).",
        "",
        "| theorem | s before | s after | ratio |",
        "|---|---|---|---|",
        *rows,
        f"| whole library, modules summed | {b_total:.0f} | {a_total:.0f} | {b_total / a_total:.2f} |",
        f"| whole library, plus worker start-ups | {b_total:.0f} | {a_total + sum(startup):.0f} | "
        f"{b_total / (a_total + sum(startup)):.2f} |",
        f"| whole check, wall (two at a time, axiom audit included) | {before.wall_seconds:.0f} | {after.wall_seconds:.0f} | "
        f"{before.wall_seconds / after.wall_seconds:.2f} |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks/lean.md")
    parser.add_argument("--jobs", type=int, default=1, help="files built at a time (default 1)")
    parser.add_argument("--report", type=Path, help="JSON report of a lean check run that built every module")
    parser.add_argument("--before", type=Path, help="JSON report of another full check, for a before/after table")
    args = parser.parse_args()
    toolchain = find_toolchain(REPO_ROOT)
    lean_root = REPO_ROOT / "lean"
    if args.report:
        res = read_report(args.report)
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
    for module, text, tag in theorem_modules(lean_root):
        parts = parts_of(module, builds)
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
        f"Timings from {how}, nothing cached; WebAssembly Lean under Node. "
        + (f"Modules were built by persistent build workers (`lean.worker`), whose start-up ({', '.join(f'{x:.1f} s' for x in res.worker_startup_seconds)}) "
           "is paid once per worker and is not in any module's time; a module's peak RSS is its worker's."
           if getattr(res, "worker_startup_seconds", None) else
           "Each module was a process of its own, and its time includes the toolchain's start-up of about 8-15 s."),
        "A theorem's time is the sum over its modules, its peak RSS the largest.",
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
    if args.before:
        lines += before_after(lean_root, read_report(args.before), res, args.before.name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")
    print(json.dumps({"modules": len(res.modules), "seconds": round(total, 1)}))


if __name__ == "__main__":
    main()
