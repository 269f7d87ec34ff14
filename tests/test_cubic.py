"""Soundness of the cubic strategies, their counting pieces, the two-arrangement claim, and certificates.

Soundness is checked against the exact brute force (``exact_verdicts``) on many small random
and briefly trained models: every input the cubic proof claims is correct, and no strategy's
count exceeds the exact count.
"""

from __future__ import annotations

import copy
import functools
import math
from fractions import Fraction
from itertools import combinations, product

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.maxofk import zoo
from compact_proofs.maxofk.brute_force import exact_verdicts
from compact_proofs.maxofk.model import MaxOfKConfig, MaxOfKTransformer
from compact_proofs.maxofk.strategies.cubic import (
    centred_tables,
    covered_inputs,
    exp_enclosures,
    mass_enclosures,
    positions_order,
    prove_cubic,
    to_float,
    ub_products,
    ub_sum,
    valid_cells,
)
from compact_proofs.maxofk.checks.cubic import CertificateError, check_certificate, check_model, count_from_sizes
from compact_proofs.maxofk.tables import ModelTables, PathTables
from compact_proofs.maxofk.training import TrainingConfig, train

from .conftest import prove, random_model

CUBIC_STRATEGIES = ("cubic", "cubic_paper", "cubic_tight")
SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"


@functools.lru_cache(maxsize=None)
def small_model(v: int, k: int, d: int, seed: int, steps: int, scale: float) -> MaxOfKTransformer:
    """Random Gaussian weights times ``scale`` (steps 0) or a model trained ``steps`` steps at lr 1e-2."""
    cfg = MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=d, d_head=d)
    if steps == 0:
        model = random_model(cfg, np.random.default_rng(seed))
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(scale)
        return model
    model, _ = train(cfg, seed, TrainingConfig(steps=steps, lr=1e-2, eval_every=steps, n_test=32), progress=False)
    return model


def check_sound(model: MaxOfKTransformer) -> dict[str, int]:
    """Assert every soundness property on one model; returns the counts by strategy."""
    v, k = model.cfg.d_vocab, model.cfg.n_ctx
    exact, verdicts = exact_verdicts(model, progress=False, return_verdicts=True)
    tables = ModelTables(model)
    counts = {}
    for refined in (True, False):
        proof = prove_cubic(tables, refined)
        claimed = covered_inputs(v, k, proof.cert0, proof.cert)
        assert int(claimed.sum()) == proof.count, "the count formula disagrees with the claimed set"
        wrong = np.argwhere(claimed & ~verdicts)
        assert wrong.size == 0, f"refined={refined} claims misclassified inputs {wrong[:5].tolist()}"
    for name in CUBIC_STRATEGIES:
        result = prove(name, tables).result
        assert result.correct_lower_bound <= exact.correct, f"{name} claims {result.correct_lower_bound} > {exact.correct}"
        assert result.bound == Fraction(result.correct_lower_bound, v**k)
        assert result.proof_flops > 0
        counts[name] = result.correct_lower_bound
    assert counts["cubic"] == prove_cubic(tables, True).count
    assert counts["cubic_paper"] == prove_cubic(tables, False).count
    assert counts["cubic_tight"] >= counts["cubic"]  # documented postcondition of cubic_tight
    counts["exact"] = exact.correct
    return counts


# --------------------------------------------------------------------------------------
# Soundness


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    v=st.integers(6, 10),
    k=st.integers(2, 4),
    d=st.sampled_from([4, 8]),
    seed=st.integers(0, 3),
    steps=st.sampled_from([0, 0, 40, 120, 300]),
    scale=st.sampled_from([0.3, 1.0, 3.0]),
)
def test_sound_on_random_and_trained_models(v, k, d, seed, steps, scale):
    check_sound(small_model(v, k, d, seed, steps, scale if steps == 0 else 1.0))


def test_trained_models_get_nontrivial_bounds():
    """Guards the property test against vacuity: on well-trained models the bounds are high."""
    counts = check_sound(small_model(10, 4, 8, 1, 300, 1.0))
    assert counts["exact"] >= 9900
    assert counts["cubic"] >= 9000 and counts["cubic_paper"] >= 9000


def test_sound_on_tie_heavy_grid_models(rng):
    """Weights on a coarse grid make exact ties (counted wrong) and equal scores common."""
    for v, k in ((6, 3), (7, 4), (8, 2)):
        check_sound(random_model(MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=4, d_head=4), rng, grid=0.5))


@pytest.mark.parametrize("seed", [123, pytest.param(50, marks=pytest.mark.slow)])
def test_sound_on_shipped_zoo_models(seed):
    model, _ = zoo.load_model(seed)
    tables = ModelTables(model)
    exact = prove("brute_force", tables).result.correct_lower_bound
    counts = {name: prove(name, tables).result.correct_lower_bound for name in CUBIC_STRATEGIES}
    assert all(0 < c <= exact for c in counts.values()), (counts, exact)
    assert counts["cubic_paper"] <= counts["cubic"] <= counts["cubic_tight"]
    if seed == 123:
        assert counts["cubic_paper"] == 16_126_105  # the corrected paper computation (strategies/cubic.py)


def test_sound_on_shipped_small_model():
    model, _ = zoo.load_model(SMALL)
    counts = check_sound(model)
    assert counts["cubic"] == counts["exact"] == 8**3


# --------------------------------------------------------------------------------------
# Counting pieces


@pytest.mark.parametrize("v,k", [(2, 1), (2, 2), (3, 3), (4, 4), (5, 2), (6, 3)])
def test_everything_certified_counts_the_whole_input_space(v, k):
    """The (m, q, c, positions, tokens) groups partition all v^K inputs."""
    m, q = np.indices((v, v))
    cert0 = q <= m
    sizes = {c: np.where(q <= m, m, 0) for c in range(1, k)}
    assert count_from_sizes(v, k, cert0, sizes) == v**k
    assert count_from_sizes(v, k, np.zeros((v, v), bool), {c: np.zeros((v, v), int) for c in range(1, k)}) == 0


def test_count_hand_computed():
    """v = 3, K = 3: certified c = 0 cell (2, 2); sets {0, 1} for c = 1 at (2, 2) and (2, 1); {1} for c = 2 at (2, 2)."""
    v, k = 3, 3
    cert0 = np.zeros((v, v), bool)
    cert0[2, 2] = True
    sets = {c: np.zeros((v, v, v), bool) for c in (1, 2)}
    sets[1][2, 2, [0, 1]] = True
    sets[1][2, 1, [0, 1]] = True
    sets[2][2, 2, 1] = True
    expected = {(2, 2, 2)}  # c = 0
    expected |= {(t, 2, 2) for t in (0, 1)} | {(2, t, 2) for t in (0, 1)}  # c = 1, q = m: C(2,1) * 2
    expected |= {(t, 2, 1) for t in (0, 1)} | {(2, t, 1) for t in (0, 1)}  # c = 1, q = 1 < m: C(2,1) * 2
    expected |= {(1, 1, 2)}  # c = 2: C(2,2) * 1^2
    sizes = {c: s.sum(axis=2) for c, s in sets.items()}
    assert count_from_sizes(v, k, cert0, sizes) == len(expected) == 10
    claimed = covered_inputs(v, k, cert0, sets)
    assert {tuple(map(int, x)) for x in np.argwhere(claimed)} == expected


@settings(max_examples=40, deadline=None)
@given(v=st.integers(2, 5), k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), density=st.floats(0.1, 0.9))
def test_count_matches_claimed_set_and_is_monotone(v, k, seed, density):
    rng = np.random.default_rng(seed)
    m, q = np.indices((v, v))
    cert0 = (rng.random((v, v)) < density) & (q <= m)
    if k == 1:
        cert0 &= q == m
    sets = {c: (rng.random((v, v, v)) < density) & valid_cells(v, k, c) for c in range(1, k)}
    count = count_from_sizes(v, k, cert0, {c: s.sum(axis=2) for c, s in sets.items()})
    assert count == int(covered_inputs(v, k, cert0, sets).sum())
    # adding one certified cell never lowers the count, and raises it when the cell is valid
    for c in sets:
        cells = np.argwhere(valid_cells(v, k, c) & ~sets[c])
        if len(cells):
            grown = {cc: s.copy() for cc, s in sets.items()}
            grown[c][tuple(cells[rng.integers(len(cells))])] = True
            assert count_from_sizes(v, k, cert0, {cc: s.sum(axis=2) for cc, s in grown.items()}) > count


@pytest.mark.parametrize("v,k", [(3, 2), (4, 3), (4, 4), (5, 3)])
def test_valid_cells_are_exactly_the_realisable_ones(v, k):
    """(m, q, t, c) is valid iff some input has max m, query q and exactly c copies of t < m elsewhere, m on the rest."""
    seen = {c: set() for c in range(1, k)}
    for x in product(range(v), repeat=k):
        m, q, rest = max(x), x[-1], x[:-1]
        below = {t for t in rest if t < m}
        if len(below) == 1:
            t = below.pop()
            seen[rest.count(t)].add((m, q, t))
    for c in range(1, k):
        assert {tuple(map(int, cell)) for cell in np.argwhere(valid_cells(v, k, c))} == seen[c]


# --------------------------------------------------------------------------------------
# Rigorous float pieces


@settings(max_examples=60, deadline=None)
@given(
    lo=st.floats(0, 1e3), width=st.floats(0, 1e3),
    w=st.floats(-1e12, 1e12, allow_subnormal=True), w2=st.floats(-1e12, 1e12),
)
def test_upper_bounds_dominate_exact_values(lo, width, w, w2):
    hi = lo + width
    ub = ub_products(np.array([lo]), np.array([hi]), np.array([w]))[0]
    exact = max(Fraction(lo) * Fraction(w), Fraction(hi) * Fraction(w))
    assert Fraction(ub) >= exact
    ub2 = ub_products(np.array([lo]), np.array([hi]), np.array([w2]))[0]
    total = ub_sum([np.array([ub]), np.array([ub2])])[0]
    assert Fraction(total) >= Fraction(ub) + Fraction(ub2)


def test_mass_enclosures_bracket_exact_sums():
    model = small_model(6, 4, 4, 2, 0, 1.0)
    tb = PathTables.from_model(model)
    lo, hi, _ = exp_enclosures(tb)
    order = positions_order(tb)
    pre_lo, pre_hi, suf_lo, suf_hi = mass_enclosures(lo, hi, order)
    v, k = tb.d_vocab, tb.n_ctx
    for q in range(v):
        for j in range(k):
            for t in range(v):
                pre, suf = order[q][:j], order[q][j:]
                assert Fraction(pre_lo[q, j, t]) <= sum((Fraction(lo[q, i, t]) for i in pre), Fraction(0))
                assert Fraction(pre_hi[q, j, t]) >= sum((Fraction(hi[q, i, t]) for i in pre), Fraction(0))
                assert Fraction(suf_lo[q, j, t]) <= sum((Fraction(lo[q, i, t]) for i in suf), Fraction(0))
                assert Fraction(suf_hi[q, j, t]) >= sum((Fraction(hi[q, i, t]) for i in suf), Fraction(0))


# --------------------------------------------------------------------------------------
# Claim (a): the two sorted arrangements are the extremes


@pytest.mark.parametrize("v,k,seed,steps", [(4, 4, 0, 0), (5, 5, 1, 0), (5, 4, 2, 40), (6, 5, 3, 0)])
def test_sorted_arrangements_are_extremes(v, k, seed, steps):
    """For every cell, N over ALL placements of the c copies of t is at most max(N_low, N_high)."""
    model = small_model(v, k, 4, seed, steps, 2.0 if steps == 0 else 1.0)
    tb = PathTables.from_model(model)
    lo, hi, _ = exp_enclosures(tb)
    w = (lo + hi) / 2  # [q, i, t]: exp of the scores, shifted per query
    ct = centred_tables(tb, refined=True)
    w_m, w_q = to_float(ct.w_m, tb.value_exp), to_float(ct.w_q, tb.value_exp)
    w_t = to_float(ct.U[:, :, None] + ct.V[:, None, :], tb.value_exp)
    order = positions_order(tb)
    checked = 0
    for c in range(1, k):
        for m, q, t in np.argwhere(valid_cells(v, k, c)):

            def n_value(t_positions: set[int]) -> tuple[float, float]:
                terms = [w[q, k - 1, q] * w_q[m, q]]
                terms += [w[q, i, t] * w_t[m, q, t] if i in t_positions else w[q, i, m] * w_m[m, q] for i in range(k - 1)]
                return math.fsum(terms), math.fsum(abs(x) for x in terms)

            n_m = k - 1 - c
            low, size_low = n_value(set(order[q][n_m:].tolist()))  # m on the smallest EQKP positions
            high, size_high = n_value(set(order[q][:c].tolist()))  # m on the largest
            for placement in combinations(range(k - 1), c):
                value, size = n_value(set(placement))
                assert value <= max(low, high) + 1e-12 * (size + size_low + size_high) + 1e-300, (m, q, t, c, placement)
            checked += 1
    assert checked > 0


# --------------------------------------------------------------------------------------
# Certificates


@pytest.fixture(scope="module")
def small_certificate():
    model, _ = zoo.load_model(SMALL)
    return prove("cubic", model).certificate()


def test_certificate_round_trip(small_certificate):
    model, _ = zoo.load_model(SMALL)
    tables = ModelTables(model)
    cubic = prove("cubic", tables)
    assert check_certificate(small_certificate) == small_certificate["correct_count"] == cubic.result.correct_lower_bound
    assert check_model(tables, small_certificate) == small_certificate["correct_count"]
    paper = prove("cubic_paper", tables)
    assert check_certificate(paper.certificate(), verify_exp=False) == paper.result.correct_lower_bound


def _first_cell(cert, c):
    for m, row in enumerate(cert["certified"]):
        for q, cells in enumerate(row):
            if len(cells[c]) >= 2:
                return m, q
    raise AssertionError("no certified cell with two tokens")


def _raise_count(cert):
    cert["correct_count"] += 1


def _drop_token(cert):
    m, q = _first_cell(cert, 1)
    cert["certified"][m][q][1].pop()


def _drop_c0_cell(cert):
    cert["certified"][-1][-1][0] = []


def _list_the_max(cert):
    m, q = _first_cell(cert, 1)
    cert["certified"][m][q][1].append(m)


def _inflate_value(cert):
    # token 0 now strongly prefers the wrong logit 1: every cell holding 0 with m >= 2 fails
    cert["evou"][0][1] = 10 ** 40


def _shrink_upper(cert):
    cert["exp_upper"][3][1][2] = [0, 1]


def _change_score(cert):
    cert["eqke"][4][4] += 2 ** -min(cert["score_exp"], 0)  # one score up by >= 1: its exp enclosures fail


def _reverse_order(cert):
    for q, perm in enumerate(cert["position_order"]):
        row = cert["eqkp"][q]
        if row[perm[0]] != row[perm[-1]]:
            cert["position_order"][q] = perm[::-1]
            return
    raise AssertionError("all positional scores equal")


@pytest.mark.parametrize(
    "tamper", [_raise_count, _drop_token, _drop_c0_cell, _list_the_max, _inflate_value, _shrink_upper, _change_score, _reverse_order]
)
def test_tampered_certificate_is_rejected(small_certificate, tamper):
    cert = copy.deepcopy(small_certificate)
    tamper(cert)
    with pytest.raises(CertificateError):
        check_certificate(cert)


def test_raised_lower_enclosure_is_rejected(small_certificate):
    """A lower exp bound one ulp above the true value (the upper one kept valid) must fail the exp check."""
    cert = copy.deepcopy(small_certificate)
    n, d = cert["exp_upper"][2][0][5]
    cert["exp_lower"][2][0][5] = [n, d]
    cert["exp_upper"][2][0][5] = [2 * n, d]
    with pytest.raises(CertificateError):
        check_certificate(cert)
