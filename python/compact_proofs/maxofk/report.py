"""Reports of the main job (``certify``): Markdown, HTML and JSON, each bound with its checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.provenance import provenance_markdown
from ..core.report_html import markdown_to_html


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
    for row in data["strategies"]:
        recheck = f"{row['python_recheck']:,}" if row["python_recheck"] is not None else "-"
        lines.append(
            f"| {row['strategy']} | {row['correct_lower_bound']:,} | {row['accuracy_bound']:.4f} | "
            f"{row['correct_lower_bound'] / bf['correct']:.4f} | {row['proof_flops']:,} | "
            f"{row['unexplained_dimensionality']:,} | {row['seconds']:.1f} | {recheck} | {_lean_status(row, lean is not None)} |"
        )
    lines += ["", "![bound against proof length](bound_vs_flops.svg)", "", "## Lean", ""]
    if lean is None:
        lines.append("Lean check skipped (`--no-lean`).")
    elif lean["ok"] is None:
        lines.append(lean["note"])
    else:
        where = f"the library and the workspace `{lean['workspace']}`" if lean.get("workspace") else "the library"
        lines.append(f"Check of {where}: **{'passed' if lean['ok'] else 'FAILED'}** in {lean['seconds']:.0f} s.")
        lines += ["", "Theorems about this model (matched by weights hash):", "",
                  "| theorem | strategy | bound | statement as expected | accepted | axioms |", "|---|---|---|---|---|---|"]
        for t in data["lean_theorems"]:
            axioms = ", ".join(t["axioms"] or []) or "(none)"
            lines.append(f"| `{t['theorem']}` | {t['strategy']} | {t['bound']:,} | {t['statement_ok']} | {t['accepted']} | {axioms} |")
        if lean["messages"]:
            lines += ["", "```", *lean["messages"][-40:], "```"]
    lines += ["", "## Provenance", "", provenance_markdown(data["provenance"]), ""]
    return "\n".join(lines)


def write_report(out_dir: Path, data: dict[str, Any]) -> list[Path]:
    """Write ``report.json``, ``report.md`` and ``report.html``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    paths[0].write_text(json.dumps(data, indent=1, default=str) + "\n")
    markdown = report_markdown(data)
    paths[1].write_text(markdown)
    paths[2].write_text(markdown_to_html(markdown))
    return paths
