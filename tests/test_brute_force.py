"""Exact brute force against an independent slow evaluator, near ties, and the shipped model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.maxofk.brute_force import PositionTables, brute_force, exact_verdicts
from compact_proofs.maxofk.model import MaxOfKConfig, MaxOfKTransformer
from compact_proofs.maxofk.zoo import load_model

from .conftest import random_model
from .exact_oracle import exact_correct


def _check_against_oracle(model: MaxOfKTransformer) -> None:
    result, verdicts = exact_verdicts(model, progress=False, return_verdicts=True)
    expected = exact_correct(model.weights(), model.cfg.d_head)
    assert verdicts.shape == expected.shape
    mismatch = np.argwhere(verdicts != expected)
    assert mismatch.size == 0, f"verdicts differ from the oracle at inputs {mismatch[:5].tolist()}"
    assert result.correct == int(expected.sum())
    assert result.exact_decided + result.float_decided == model.cfg.n_inputs


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    d_vocab=st.integers(2, 6),
    n_ctx=st.integers(1, 3),
    d_model=st.integers(1, 6),
    d_head=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([0.1, 1.0, 4.0]),
)
def test_matches_oracle_on_random_models(d_vocab, n_ctx, d_model, d_head, seed, scale):
    cfg = MaxOfKConfig(d_vocab=d_vocab, n_ctx=n_ctx, d_model=d_model, d_head=d_head)
    model = random_model(cfg, np.random.default_rng(seed))
    with __import__("torch").no_grad():
        for p in model.parameters():
            p.mul_(scale)
    _check_against_oracle(model)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d_vocab=st.integers(2, 5), n_ctx=st.integers(2, 3), seed=st.integers(0, 2**32 - 1))
def test_matches_oracle_on_tie_heavy_models(d_vocab, n_ctx, seed):
    """Weights on a coarse grid make exact ties between logits common; ties count as wrong."""
    cfg = MaxOfKConfig(d_vocab=d_vocab, n_ctx=n_ctx, d_model=3, d_head=2)
    _check_against_oracle(random_model(cfg, np.random.default_rng(seed), grid=0.5))


def test_exact_tie_is_wrong_and_detected(rng):
    """Two identical unembedding columns give exact ties; the float path cannot decide them."""
    cfg = MaxOfKConfig(d_vocab=5, n_ctx=3, d_model=4, d_head=4)
    model = random_model(cfg, rng)
    with __import__("torch").no_grad():
        model.W_U[:, 3] = model.W_U[:, 4]
    result, verdicts = exact_verdicts(model, progress=False, return_verdicts=True)
    assert result.exact_ties > 0
    # Every input whose maximum is 3 or 4 ties logits 3 and 4, so it is wrong.
    tokens = np.indices((5,) * 3).reshape(3, -1).T
    ties = np.isin(tokens.max(axis=1), [3, 4])
    assert not verdicts.reshape(-1)[ties].any()
    _check_against_oracle(model)


def test_near_tie_below_float64_resolution(rng):
    """A competitor one float32 ulp away at the 2^-24 level, scaled so float64 margins blur."""
    cfg = MaxOfKConfig(d_vocab=4, n_ctx=2, d_model=3, d_head=3)
    model = random_model(cfg, rng)
    with __import__("torch").no_grad():
        model.W_U[:, 2] = model.W_U[:, 3]
        model.W_U[0, 2] = float(np.nextafter(np.float32(model.W_U[0, 3]), np.float32(np.inf)))
    result, _ = exact_verdicts(model, progress=False)
    _check_against_oracle(model)
    assert result.float_decided + result.exact_decided == 16


def test_path_tables_reproduce_forward(rng):
    cfg = MaxOfKConfig(d_vocab=6, n_ctx=3, d_model=5, d_head=4)
    model = random_model(cfg, rng)
    tables = PositionTables.from_model(model)
    import torch

    tokens = torch.tensor([[1, 5, 2], [0, 0, 0], [5, 4, 3]])
    ref = model.last_logits(tokens).detach().double().numpy()
    lo, hi = tables.exp_weights()
    for row, toks in zip(ref, tokens.tolist()):
        q = toks[-1]
        w = np.array([(lo[q, i, t] + hi[q, i, t]) / 2 for i, t in enumerate(toks)])
        vals = np.array([[float(tables.values[i, t, x]) * 2.0**tables.value_exp for x in range(6)] for i, t in enumerate(toks)])
        direct = np.array([float(tables.direct[q, x]) * 2.0**tables.value_exp for x in range(6)])
        logits = direct + (w[:, None] * vals).sum(0) / w.sum()
        np.testing.assert_allclose(logits, row, rtol=1e-4, atol=1e-4)


def test_rejects_multi_head():
    model = MaxOfKTransformer(MaxOfKConfig(d_vocab=3, n_ctx=2, d_model=4, d_head=2, n_heads=2))
    with pytest.raises(ValueError, match="one attention head"):
        exact_verdicts(model)


@pytest.mark.slow
def test_shipped_default_model():
    """The seed-123 model: exact count, float32 comparison, and every input accounted for."""
    model, record = load_model(123)
    result = brute_force(model, progress=False)
    assert result.n_inputs == 64**4
    assert result.float_decided + result.exact_decided == 64**4
    assert abs(result.correct - result.float32_correct) <= result.float32_disagreements
    assert result.accuracy > 0.99


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), grid=st.sampled_from([None, 0.5]))
def test_exact_path_agrees_when_float_path_is_starved(monkeypatch, seed, grid):
    """With a huge float error allowance nearly every input goes to the exact path: same verdicts."""
    import compact_proofs.maxofk.brute_force as bf

    cfg = MaxOfKConfig(d_vocab=4, n_ctx=3, d_model=3, d_head=2)
    model = random_model(cfg, np.random.default_rng(seed), grid=grid)
    normal, v1 = exact_verdicts(model, progress=False, return_verdicts=True)
    monkeypatch.setattr(bf, "_REL", 0.5)
    starved, v2 = exact_verdicts(model, progress=False, return_verdicts=True)
    monkeypatch.undo()
    assert starved.exact_decided > normal.exact_decided
    assert (v1 == v2).all()
    assert (v2 == exact_correct(model.weights(), cfg.d_head)).all()
