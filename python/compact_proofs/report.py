"""Reports of the main job: what was computed, what Lean accepted, and with which axioms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .provenance import provenance_markdown


def write_certify_report(out_dir: Path, data: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.md`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "report.json"
    json_path.write_text(json.dumps(data, indent=1, default=str) + "\n")
    bf = data["brute_force"]
    lines = [
        f"# compact-proofs report: {data['model']['name']}",
        "",
        "## Exact accuracy (brute force over the whole input space)",
        "",
        f"- inputs: {bf['n_inputs']:,}",
        f"- correct under the real-number semantics: **{bf['correct']:,}** (accuracy {bf['accuracy']:.6f})",
        f"- decided by the rigorous float64 path: {bf['float_decided']:,}; by exact arithmetic: {bf['exact_decided']:,}"
        f" (exact ties: {bf['exact_ties']})",
    ]
    if bf.get("float32_correct") is not None:
        lines.append(
            f"- plain float32 forward pass: {bf['float32_correct']:,} correct; verdicts differ from the exact ones on "
            f"{bf['float32_disagreements']:,} inputs"
        )
    lines.append(f"- seconds: exact {bf['seconds']:.2f}" + (f", float32 {bf['float32_seconds']:.2f}" if bf.get("float32_seconds") else ""))
    lean = data.get("lean")
    lines += ["", "## Lean", ""]
    if lean is None:
        lines.append("Lean check skipped.")
    else:
        lines.append(f"Lean check: **{'accepted' if lean['ok'] else 'REJECTED'}** ({lean['seconds']:.1f} s).")
        if lean.get("theorems"):
            lines += ["", "| theorem | axioms |", "|---|---|"]
            for name, axioms in sorted(lean["theorems"].items()):
                lines.append(f"| `{name}` | {', '.join(axioms) if axioms else '(none)'} |")
        if lean.get("messages"):
            lines += ["", "```", *lean["messages"][-40:], "```"]
    lines += ["", "## Provenance", "", provenance_markdown(data["provenance"]), ""]
    md_path = out_dir / "report.md"
    md_path.write_text("\n".join(lines))
    return json_path, md_path
