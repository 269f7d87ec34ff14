"""Shared fixtures: small random Max-of-K models for property tests, a strategy's proof on a
model, and the check that the tracked generated Lean modules are what their generators render."""

from __future__ import annotations

import numpy as np
import pytest

from compact_proofs.maxofk.model import MaxOfKTransformer
from compact_proofs.maxofk.strategies import Proof, get_strategy
from compact_proofs.maxofk.tables import ModelTables


def random_model(cfg, rng: np.random.Generator, grid: float | None = None, model_cls=MaxOfKTransformer):
    """Gaussian weights; with ``grid``, weights are small multiples of it (frequent exact ties).

    ``cfg`` is any config with ``parameter_shapes()``; ``model_cls`` builds the model from it
    (a Max-of-K model by default, or e.g. ``ModAddTransformer``).
    """
    weights = {}
    for name, shape in cfg.parameter_shapes().items():
        if grid is None:
            weights[name] = rng.standard_normal(shape).astype(np.float32)
        else:
            weights[name] = (rng.integers(-2, 3, shape) * grid).astype(np.float32)
    return model_cls.from_weights(cfg, weights)


def prove(name: str, model: MaxOfKTransformer | ModelTables) -> Proof:
    """Strategy ``name``'s proof on a model (its tables built here unless given)."""
    return get_strategy(name).prove(model if isinstance(model, ModelTables) else ModelTables(model))


def generated_modules_up_to_date(name: str) -> bool:
    """``compact-proofs lean generate NAME --check`` on the tracked modules."""
    from compact_proofs.cli import main

    return main(["lean", "generate", name, "--check"]) == 0


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20241125)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """How many random models each strategy's soundness test checked (``test_soundness``; the
    count travels with the test report, so it is printed under pytest-xdist too)."""
    counts = {}
    for report in terminalreporter.stats.get("passed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "soundness_cases":
                counts[report.nodeid.split("[", 1)[-1].rstrip("]")] = value
    if counts:
        terminalreporter.write_sep("-", f"soundness: random models checked per strategy ({len(counts)} strategies)")
        by_count: dict[int, list[str]] = {}
        for name, n in counts.items():
            by_count.setdefault(n, []).append(name)
        for n, names in sorted(by_count.items()):
            terminalreporter.write_line(f"{n} models each: {len(names)} strategies ({', '.join(sorted(names)[:6])}{', ...' if len(names) > 6 else ''})")
