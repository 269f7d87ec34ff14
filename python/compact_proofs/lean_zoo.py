"""Kernel-checked theorems for many models at once: ``compact-proofs lean zoo``.

For each selected model record (``--seeds``, ``--zoo``, ``--model``; ``sweep.model_records``):
its exact count (the family's ``brute_force`` strategy) and its accuracy theorem, the library's
when it has one about the model, otherwise the one its family generates into the workspace
(``lean.workspace``; Max-of-K: ``gap_classes_cubic``). Then one Lean check over all of them:
the driver schedules every module of every model on ``--jobs`` build processes, and modules are
cached by content, so an interrupted run resumes where it stopped. Each theorem is judged as
``certify`` judges it (``lean.bridge.accept_theorems``: built, axioms allowed, elaborated
statement as expected).

Outputs: a CSV (``--csv``; the committed one is ``docs/lean_zoo.csv``): one row per theorem
(model, family, strategy, theorem, bound, exact count, inputs, accepted, kernel seconds: the
sum of the build times of the theorem's own modules, peak MB, axioms, commit, toolchain); rows
of models not checked in this run are kept, so runs over different seeds add up. Beside it a
Markdown and HTML report with the bound-vs-exact plot. Time: about 17 minutes of two cores per
d_vocab-64 Max-of-4 model, seconds for the small ones.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.modelfile import model_sha256
from .core.provenance import provenance, repo_relative
from .lean.render import LeanTheorem, lean_theorems_for
from .lean.toolchain import library_root
from .lean.workspace import DEFAULT_WORKSPACE, NAMESPACE

DEFAULT_CSV = Path("results/lean_zoo/lean_zoo.csv")
COLUMNS = ("model", "family", "model_sha256", "strategy", "theorem", "bound", "exact", "n_inputs", "accepted",
           "kernel_seconds", "peak_mb", "axioms", "commit", "toolchain")


@dataclass
class ZooModel:
    """One model of the run: its record, identity, exact count and theorems."""

    path: Path
    family: Any  # families.Family
    identity: str
    exact: int
    n_inputs: int
    theorems: list[LeanTheorem] = field(default_factory=list)


def prepare(path: Path, workspace: Path, say: Callable[[str], None]) -> ZooModel:
    """Load ``path``, count its correct inputs exactly and find or generate its theorems."""
    from .families import family_of_record
    from .sweep import REFERENCE

    fam = family_of_record(path)
    model, record = fam.load(path)
    identity, n_inputs = model_sha256(model), fam.n_inputs(record.config)
    exact = fam.registry().get(REFERENCE).prove(fam.tables(model)).result.correct_lower_bound
    theorems = lean_theorems_for(identity, library_root()) or fam.workspace_theorem(path, model, record, workspace, say)
    say(f"{path}: {exact:,} of {n_inputs:,} correct; "
        + (", ".join(f"{t.theorem} ({t.bound:,})" for t in theorems) or "no theorem (the family generates none for it)"))
    return ZooModel(Path(path), fam, identity, exact, n_inputs, theorems)


def _own_modules(theorem: LeanTheorem, modules: Sequence[Any]) -> list[Any]:
    """The built modules of a theorem's generated files: its module and those under it."""
    root = theorem.module
    return [m for m in modules if m.name == root or m.name.startswith(root + ".")]


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rows_for(models: Sequence[ZooModel], res: Any, earlier: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """One CSV row per theorem; a theorem whose modules were all cached keeps the kernel seconds
    and peak of its earlier row (same theorem, same model)."""
    prov = provenance()
    before = {(r["theorem"], r["model_sha256"]): r for r in earlier}
    rows = []
    for zm in models:
        for thm in zm.theorems:
            own = _own_modules(thm, res.modules)
            built = [m for m in own if m.status == "built"]
            seconds: Any = round(sum(m.seconds for m in own), 1) if built else ""
            peak: Any = max((m.peak_rss_kb for m in built), default=0) // 1024 if built else ""
            old = before.get((thm.theorem, zm.identity))
            if not built and old:
                seconds, peak = old["kernel_seconds"], old["peak_mb"]
            rows.append({
                "model": repo_relative(zm.path), "family": zm.family.name, "model_sha256": zm.identity,
                "strategy": thm.strategy, "theorem": thm.theorem, "bound": thm.bound, "exact": zm.exact,
                "n_inputs": zm.n_inputs, "accepted": thm.accepted, "kernel_seconds": seconds, "peak_mb": peak,
                "axioms": " ".join(thm.axioms or []), "commit": prov.get("commit", "unknown"), "toolchain": res.toolchain,
            })
    return rows


def write_rows(path: Path, rows: Sequence[dict[str, Any]], earlier: Sequence[dict[str, str]]) -> None:
    """The rows of this run, then the earlier rows of models not in it."""
    checked = {r["model_sha256"] for r in rows}
    kept = [r for r in earlier if r["model_sha256"] not in checked]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in sorted([*rows, *kept], key=lambda r: (r["family"], r["model"], r["theorem"])):
            writer.writerow({c: row.get(c, "") for c in COLUMNS})


def report_markdown(rows: Sequence[dict[str, Any]], plot: str | None) -> str:
    accepted = sum(str(r["accepted"]) == "True" for r in rows)
    lines = [
        "# Kernel-checked accuracy theorems (`compact-proofs lean zoo`)", "",
        f"{accepted} of {len(rows)} theorems accepted by the Lean kernel (built, allowed axioms, statement as expected). "
        "*bound*: the inputs the theorem proves correct; *exact*: brute force.", "",
        "| model | family | theorem | bound | exact | bound / exact | accepted | kernel s | peak MB | axioms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = f"{int(r['bound']) / int(r['exact']):.4f}" if int(r["exact"]) else "-"
        lines.append(f"| `{r['model']}` | {r['family']} | `{r['theorem']}` | {int(r['bound']):,} | {int(r['exact']):,} | {ratio} | "
                     f"{r['accepted']} | {r['kernel_seconds']} | {r['peak_mb']} | {r['axioms'] or '(none)'} |")
    if plot:
        lines += ["", f"![bound against exact accuracy]({plot})"]
    return "\n".join(lines) + "\n"


def plot_bound_vs_exact(rows: Sequence[dict[str, Any]], out: Path) -> Path | None:
    """The theorems' bounds against the exact accuracy, both as fractions of the input space."""
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5))
    for family in sorted({r["family"] for r in rows}):
        mine = [r for r in rows if r["family"] == family]
        ax.scatter([int(r["exact"]) / int(r["n_inputs"]) for r in mine], [int(r["bound"]) / int(r["n_inputs"]) for r in mine],
                   label=family, s=18)
    lo = min(min(int(r["bound"]), int(r["exact"])) / int(r["n_inputs"]) for r in rows)
    ax.plot([lo, 1], [lo, 1], color="gray", lw=0.8, ls="--", label="bound = exact")
    ax.set_xlabel("exact accuracy (brute force)")
    ax.set_ylabel("kernel-checked lower bound")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def run(paths: Sequence[Path], *, workspace: Path = DEFAULT_WORKSPACE, csv_path: Path = DEFAULT_CSV, jobs: int = 2,
        say: Callable[[str], None] = print) -> tuple[bool, list[dict[str, Any]]]:
    """Prepare every model, check all their theorems in one Lean run, write the CSV and the report
    beside it; returns (every theorem accepted, this run's rows)."""
    from .core.report_html import markdown_to_html
    from .lean.bridge import accept_theorems, check_project

    models = [prepare(Path(p), workspace, say) for p in paths]
    theorems = [t for zm in models for t in zm.theorems]
    if not theorems:
        say("no theorem to check")
        return False, []
    generated = any(t.module.split(".")[0] == NAMESPACE for t in theorems)
    res = check_project(targets=sorted({t.module for t in theorems}), workspace=workspace if generated else None,
                        jobs=jobs, keep_going=True, log=say)
    for zm in models:
        accept_theorems(zm.theorems, res, zm.family.lean_namespace, exp_sqrt=zm.family.lean_exp_sqrt, log=say)
    earlier = read_rows(csv_path)
    rows = rows_for(models, res, earlier)
    write_rows(csv_path, rows, earlier)
    every = read_rows(csv_path)
    plot = plot_bound_vs_exact(every, csv_path.with_suffix(".svg"))
    markdown = report_markdown(every, plot.name if plot else None)
    csv_path.with_suffix(".md").write_text(markdown, encoding="utf-8")
    csv_path.with_suffix(".html").write_text(markdown_to_html(markdown), encoding="utf-8")
    say(f"wrote {csv_path} ({len(every)} rows, {len(rows)} from this run), {csv_path.with_suffix('.md')}, {csv_path.with_suffix('.html')}")
    return all(t.accepted for t in theorems), rows


def cmd_lean_zoo(args: argparse.Namespace) -> int:
    from .sweep import model_records

    ok, _ = run(model_records(args), workspace=args.lean_dir, csv_path=args.csv, jobs=args.jobs)
    return 0 if ok else 1


def add_lean_zoo_command(sub: argparse._SubParsersAction) -> None:
    from .sweep import add_model_options

    p = sub.add_parser("zoo", help="generate and kernel-check the accuracy theorem of every selected model (cached, resumable)")
    add_model_options(p)
    p.add_argument("--lean-dir", type=Path, default=DEFAULT_WORKSPACE, help="workspace for the generated theorems")
    p.add_argument("--csv", type=Path, default=DEFAULT_CSV,
                   help="results table; rows of other models already in it are kept (docs/lean_zoo.csv is the committed one)")
    p.add_argument("--jobs", type=int, default=2, help="Lean modules built at once")
    p.set_defaults(func=cmd_lean_zoo)
