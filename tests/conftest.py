"""Shared fixtures: small random Max-of-K models for property tests, and the repository's scripts
as modules."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from compact_proofs.maxofk.model import MaxOfKTransformer


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


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` imported as a module (to call its ``main`` in a test)."""
    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20241125)
