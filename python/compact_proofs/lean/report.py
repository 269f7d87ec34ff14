"""The Lean section of a main-job report (``certify``), the same for every family."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def lean_section(lean: dict[str, Any] | None, theorems: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines: whether the check ran and passed, each theorem about the model with its
    statement check, acceptance and axioms, and the check's last messages. ``lean``: the summary
    of ``lean.bridge.check_theorems`` (``None``: skipped; ``ok`` None: nothing to check, with a
    ``note``); ``theorems``: the ``LeanTheorem`` fields of each."""
    lines = ["## Lean", ""]
    ran = lean is not None and lean["ok"] is not None
    if lean is None:
        lines.append("Lean check skipped (`--no-lean`).")
    elif not ran:
        lines.append(lean["note"])
    else:
        where = f"the library and the workspace `{lean['workspace']}`" if lean.get("workspace") else "the library"
        lines.append(f"Check of this model's theorems in {where}: **{'passed' if lean['ok'] else 'FAILED'}** in {lean['seconds']:.0f} s.")
    if theorems:
        lines += ["", "Theorems about this model (matched by model sha256):", "",
                  "| theorem | strategy | bound | statement as expected | accepted | axioms |", "|---|---|---|---|---|---|"]
        for t in theorems:
            axioms = ", ".join(t["axioms"]) or "(none)" if t["axioms"] is not None else "-"
            checked = (t["statement_ok"], t["accepted"]) if ran else ("not checked", "not checked")
            lines.append(f"| `{t['theorem']}` | {t['strategy']} | {t['bound']:,} | {checked[0]} | {checked[1]} | {axioms} |")
    if ran and lean["messages"]:
        lines += ["", "```", *lean["messages"][-40:], "```"]
    return lines
