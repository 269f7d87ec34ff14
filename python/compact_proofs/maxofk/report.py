"""Reports of the main job (``certify``): Markdown, HTML and JSON, each bound with its checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.provenance import provenance_markdown
from ..core.report_html import write_report_files
from ..lean.report import lean_section


def _lean_status(row: dict[str, Any], lean_ran: bool) -> str:
    accepted = [t for t in row["lean"] if t["accepted"]]
    if accepted:
        return "; ".join(f"accepted: `{t['theorem']}` ({', '.join(t['axioms']) or 'no axioms'})" for t in accepted)
    if row["lean"]:
        return "REJECTED" if lean_ran else "not run"
    return "no Lean theorem for this strategy and model yet"


def report_markdown(data: dict[str, Any]) -> str:
    bf, model, lean = data["brute_force"], data["model"], data["lean"]
    lines = [
        f"# compact-proofs certify: Max-of-{model['config']['n_ctx']} seed {model['seed']}",
        "",
        f"Model `{model['path']}`, model sha256 `{model['model_sha256'][:16]}…`.",
        "",
        "## Exact accuracy (brute force over the whole input space)",
        "",
        f"**{bf['correct']:,}** of {bf['n_inputs']:,} inputs correct under the real-number semantics "
        f"(accuracy {bf['accuracy']:.6f}); {bf['exact_decided']:,} inputs needed exact arithmetic, "
        f"{bf['exact_ties']} exact ties; {bf['seconds']:.1f} s.",
    ]
    for t in data["lean_theorems"]:
        if t["strategy"] == "brute_force" and t["accepted"]:
            lines += ["", f"Lean-checked: `{t['theorem']}` proves at least {t['bound']:,} correct inputs."]
    if bf.get("float32_correct") is not None:
        lines.append(
            f"The plain float32 forward pass counts {bf['float32_correct']:,} correct; its verdicts differ "
            f"from the exact ones on {bf['float32_disagreements']:,} inputs."
        )
    lines += [
        "",
        "## Lower bounds",
        "",
        "| strategy | certified correct | bound | of exact | proof FLOPs | unexplained dim. | s | exact re-check | Lean |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lean_ran = lean is not None and lean["ok"] is not None
    for row in data["strategies"]:
        recheck = f"{row['python_recheck']:,}" if row["python_recheck"] is not None else "-"
        lines.append(
            f"| {row['strategy']} | {row['correct_lower_bound']:,} | {row['accuracy_bound']:.4f} | "
            f"{row['correct_lower_bound'] / bf['correct']:.4f} | {row['proof_flops']:,} | "
            f"{row['unexplained_dimensionality']:,} | {row['seconds']:.1f} | {recheck} | {_lean_status(row, lean_ran)} |"
        )
    lines += ["", "![bound against proof length](bound_vs_flops.svg)", ""]
    lines += lean_section(lean, data["lean_theorems"])
    lines += ["", "## Provenance", "", provenance_markdown(data["provenance"]), ""]
    return "\n".join(lines)


def write_report(out_dir: Path, data: dict[str, Any]) -> list[Path]:
    """Write ``report.json``, ``report.md`` and ``report.html``; returns their paths."""
    return write_report_files(out_dir, data, report_markdown(data))
