"""The Python API: ``import compact_proofs`` loads nothing heavy, every exported name resolves,
and ``docs/api.md`` runs as written (its Lean-check block only where the toolchain is installed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import compact_proofs

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "api.md"
NEEDS_LEAN = "# needs the Lean toolchain"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def _run(blocks: list[str], namespace: dict) -> None:
    for i, source in enumerate(blocks):
        exec(compile(source, f"{PAGE}:block{i}", "exec"), namespace)


def test_import_loads_no_torch_and_no_prover():
    code = "import sys, compact_proofs; compact_proofs.__all__; print(sorted(m for m in sys.modules if m.startswith(('torch', 'compact_proofs'))))"
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert loaded.strip() == "['compact_proofs']"


def test_every_exported_name_resolves():
    for name in compact_proofs.__all__:
        assert getattr(compact_proofs, name) is not None, name
    assert set(compact_proofs.__all__) <= set(dir(compact_proofs))
    assert "cubic" in compact_proofs.MAXOFK_REGISTRY.names()  # the registry arrives complete
    with pytest.raises(AttributeError, match="no_such_name"):
        compact_proofs.no_such_name  # noqa: B018


def test_the_docstring_lists_every_export():
    doc = compact_proofs.__doc__
    missing = [name for name in compact_proofs.__all__ if name != "__version__" and f"\n    {name} " not in doc]
    assert not missing, missing


def test_the_page_runs(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    blocks = [b for b in _blocks() if not b.startswith(NEEDS_LEAN)]
    assert len(blocks) >= 4
    _run(blocks, {})
    out = capsys.readouterr().out
    assert "1 8 3\n" in out and "512 512\n" in out and "cubic 512 512\n" in out


@pytest.mark.lean
def test_the_page_s_lean_check_runs(monkeypatch):
    from compact_proofs.lean.bridge import ToolchainNotInstalled, find_toolchain

    try:
        find_toolchain(REPO)
    except ToolchainNotInstalled as exc:
        pytest.skip(f"Lean toolchain not installed ({exc}); run scripts/install_lean.sh")
    monkeypatch.chdir(REPO)
    full_report = REPO / "build" / "lean" / "axioms.json"
    before = full_report.read_bytes() if full_report.exists() else None
    _run(_blocks(), {})  # the Lean block uses the theorems found by the blocks before it
    assert (full_report.read_bytes() if full_report.exists() else None) == before, "the last full check's report was overwritten"
