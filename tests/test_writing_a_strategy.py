"""``docs/writing_a_strategy.md`` runs as written: its checker and prover load as the modules
they are named for, the strategy registers, certify proves and re-checks it on the small shipped
model, and the page's own soundness test passes."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import pytest

from compact_proofs.maxofk import certify, zoo
from compact_proofs.maxofk.strategies import STRATEGIES

PAGE = Path(__file__).resolve().parents[1] / "docs" / "writing_a_strategy.md"
CHECKER, PROVER = "compact_proofs.maxofk.checks.constant_inputs", "compact_proofs.maxofk.strategies.constant_inputs"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


@pytest.fixture
def example(monkeypatch):
    """The page's checker and prover as modules, its strategy registered for this test only."""
    checker, prover, soundness = _blocks()
    for name, source in ((CHECKER, checker), (PROVER, prover)):
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
        exec(compile(source, f"{PAGE}:{name}", "exec"), module.__dict__)
    yield soundness
    STRATEGIES.pop("constant_inputs", None)


def test_the_page_has_a_checker_a_prover_and_a_test():
    checker, prover, soundness = _blocks()
    assert "def check_model" in checker and "import" in checker and "strategies" not in checker  # no prover imported
    assert '@register("constant_inputs", check=check_model)' in prover
    assert "def test_constant_inputs_is_sound" in soundness


def test_the_example_strategy_runs_in_certify(example, tmp_path):
    assert STRATEGIES["constant_inputs"].check is sys.modules[CHECKER].check_model
    data = certify.certify(zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json", ("constant_inputs",), tmp_path, lean=False, say=lambda _: None)
    (row,) = data["strategies"]
    assert row["correct_lower_bound"] == row["python_recheck"] == 8  # the small model is 100 % correct
    cert = json.loads((tmp_path / "certificates" / "constant_inputs.json").read_text())
    assert cert["tokens"] == list(range(8))


def test_the_page_s_soundness_test_passes(example):
    namespace: dict = {}
    exec(compile(example, f"{PAGE}:test", "exec"), namespace)
    namespace["test_constant_inputs_is_sound"]()
