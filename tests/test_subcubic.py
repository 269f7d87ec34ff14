"""The subcubic proofs: soundness against exact brute force, key inequalities, certificates."""

from __future__ import annotations

import copy
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.maxofk.brute_force import exact_verdicts
from compact_proofs.core.exact import Dyadic
from compact_proofs.maxofk.model import MaxOfKConfig, MaxOfKTransformer
from compact_proofs.maxofk.strategies import STRATEGIES
from compact_proofs.maxofk.strategies import subcubic as sc
from compact_proofs.maxofk.checks import subcubic as scc
from compact_proofs.maxofk.checks import subcubic_eqke as eqke
from compact_proofs.maxofk.checks import subcubic_eupu as eupu
from compact_proofs.maxofk.tables import ModelTables

from .conftest import prove, random_model


def near_trained(v: int, k: int, rng: np.random.Generator, noise: float = 0.02) -> MaxOfKTransformer:
    """A hand-built max-of-K model plus Gaussian noise: attention grows with the token,
    OV copies the token into its own logit, the direct path is near zero."""
    d, h = 2 * v + 1, v
    cfg = MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=d, d_head=h)
    w = {name: rng.standard_normal(shape) * noise for name, shape in cfg.parameter_shapes().items()}
    for t in range(v):
        w["W_E"][t, t] += 1
        w["W_E"][t, v] += 1
        w["W_K"][0, t, 0] += 3 * math.sqrt(h) * t
        w["W_V"][0, t, t] += 1
        w["W_O"][0, t, v + 1 + t] += 1
        w["W_U"][v + 1 + t, t] += 4
    w["W_Q"][0, v, 0] += 1
    return MaxOfKTransformer.from_weights(cfg, {name: a.astype(np.float32) for name, a in w.items()})


def assert_sound(model: MaxOfKTransformer, names, verdicts=None) -> dict[str, int]:
    """Every claimed input is exactly correct; count == number claimed; returns counts."""
    v, k = model.cfg.d_vocab, model.cfg.n_ctx
    if verdicts is None:
        verdicts = exact_verdicts(model, return_verdicts=True, progress=False)[1]
    counts = {}
    tables = ModelTables(model)
    for name in names:
        proof = sc.prove(tables, sc.Variant.parse(name))
        claimed = sc.claimed_inputs(v, k, proof.cells)
        assert int(claimed.sum()) == proof.count, name
        assert not (claimed & ~verdicts).any(), f"{name} claims an incorrect input"
        counts[name] = proof.count
    return counts


# --------------------------------------------------------------------------------------
# Names and registry


def test_hundred_registered_variants():
    names = [variant.name for variant in sc.variants()]
    assert len(names) == len(set(names)) == 100
    assert all(n in STRATEGIES for n in names) and "subcubic" in STRATEGIES
    assert sc.Variant.parse("subcubic") == sc.Variant("mean_query+max_diff", "mean_query+diff", "max_diff") == sc.DEFAULT
    for n in names:
        assert sc.Variant.parse(n).name == n
    for bad in ("subcubic:", "subcubic:max_diff/mean_query+diff", "subcubic:x/mean_query+diff/svd", "cubic"):
        with pytest.raises(ValueError, match="subcubic variant"):
            sc.Variant.parse(bad)
    with pytest.raises(ValueError, match="subcubic variant"):
        sc.Variant("max_diff", "mean_query", "svd")


def test_rejects_unsupported_models():
    with pytest.raises(ValueError, match="n_ctx >= 2"):
        sc.Context(ModelTables(MaxOfKTransformer(MaxOfKConfig(d_vocab=4, n_ctx=1, d_model=3, d_head=3))))
    with pytest.raises(ValueError, match="one attention head"):
        sc.Context(ModelTables(MaxOfKTransformer(MaxOfKConfig(d_vocab=4, n_ctx=2, d_model=4, d_head=2, n_heads=2))))


def test_unexplained_dimensionality_matches_paper_default():
    assert sc.unexplained_dimensionality(64, 32, "mean_query+max_diff", "max_diff") == 6466
    assert sc.unexplained_dimensionality(64, 32, "max_diff_exact", "exact_EQKE+max_diff_exact") == 128 + 4096 + 64 + 4096


def test_flop_counts_order_the_options():
    """Shape-only counts at the paper's size: same order of magnitude as the authors' 1.9-4.7 M,
    recursive bounds cheaper than split-point bounds, exact EUPU dearer than its row-diff bound."""
    flops = {variant.name: sc.proof_flops(64, 4, 32, 32, variant).total for variant in sc.variants()}
    assert all(1e6 < f < 5e6 for f in flops.values())
    base = "subcubic:mean_query+max_diff/mean_query+diff/"
    assert flops[base + "max_diff_subproduct_recursive"] < flops[base + "max_diff"] < flops[base + "max_diff_subproduct"]
    assert flops[base + "max_diff"] < flops[base + "mean+max_diff"]
    exact = "subcubic:max_diff_exact/mean_query+diff/max_diff"
    assert flops[exact] > flops[base + "max_diff"]


# --------------------------------------------------------------------------------------
# Key inequalities, by hand


def _dy(rows) -> Dyadic:
    return Dyadic(np.array(rows, dtype=object), 0)


def test_row_diff_bound_by_hand():
    # L = [[1, -2]], X = [[0, 3], [1, 1]]: L X = [[-2, 1]], spread 3 = |1| * 3 + |-2| * 0.
    left, x = _dy([[1, -2]]), _dy([[0, 3], [1, 1]])
    assert eqke._mean_diff(left, eqke._range_rows(x), None, [x]) == [Fraction(3)]
    # Mean+diff with centre a = (1, -2): range(a X) = 3 plus zero deviation.
    assert eqke._mean_diff(left, eqke._range_rows(x), _dy([1, -2]), [x]) == [Fraction(3)]
    # Two rows: the spread of row [3, 1] @ X = [1, 10] is 9 <= 3*3 + 1*0.
    two = _dy([[1, -2], [3, 1]])
    bounds = eqke._mean_diff(two, eqke._range_rows(x), None, [x])
    assert bounds == [Fraction(3), Fraction(9)]


def test_svd_bound_by_hand():
    # R = [[3, 0], [4, 0]] has sigma_1 = 5; sqrt(2) * 5 = 7.07.., the least integer above is 8.
    chain = [_dy([[3], [4]]), _dy([[1]]), _dy([[1]]), _dy([[1, 0]])]
    assert eqke.eps_svd(chain) == 8
    trace, exp = eqke.svd_trace_power(chain)
    assert exp == 0 and trace == 25**16  # tr(H^16) = sigma_1^32 for rank one
    # A rank-2 case: R = diag(3, 1) (sigma_1 = 3): eps >= 3 sqrt 2 = 4.24, and not much more.
    chain = [_dy([[3, 0], [0, 1]]), _dy([[1, 0], [0, 1]]), _dy([[1, 0], [0, 1]]), _dy([[1, 0], [0, 1]])]
    assert eqke.eps_svd(chain) == 5


def test_iroot_ceil():
    for n, k in ((0, 3), (1, 5), (26, 3), (27, 3), (28, 3), (10**40 + 1, 7)):
        x = eqke._iroot_ceil(n, k)
        assert x**k >= n and (x == 0 or (x - 1) ** k < n)


def test_arrangement_sums_by_hand():
    # Non-query betas sorted ascending 1 < 2 < 5 (order [1, 2, 0] of values [5, 1, 2]), query beta 7.
    beta, order = [5, 1, 2, 7], [1, 2, 0]
    # q < m, c = 1: two max copies on the smallest (low): X = 1 + 2, non-max on 5.
    assert scc.arrangement_sums(beta, order, 4, 0, 3, 1) == (3, 5, 7, 1)
    # q = m adds the query to X; c = 0: everything is the max.
    assert scc.arrangement_sums(beta, order, 4, 3, 3, 0) == (15, 0, 15, 0)


def test_mean_diff_trick_bounds_the_joint_maximum():
    """Psi(A; Abar) >= max_y (B[m,y] + A E'[m,y]) + rho_q + (1 - A) N for every A, Abar, with
    equality at A = Abar; the dropped variant is the sum of separate maxima."""
    rng = np.random.default_rng(7)
    v = 5
    for _ in range(50):
        e_cen = rng.integers(-20, 21, (v, v)).astype(object)
        e_cen[np.arange(v), np.arange(v)] = 0
        off = ~np.eye(v, dtype=bool)
        nt = rng.integers(-5, 20, (v, v)).astype(object)
        pn = np.maximum.accumulate(nt.astype(np.int64), axis=1).astype(object)
        vt = scc.ValueTables(
            e_cen, [max(e_cen[m, off[m]]) for m in range(v)], [min(e_cen[m, off[m]]) for m in range(v)],
            nt, pn, rng.integers(-20, 21, (v, v)).astype(object), [int(r) for r in rng.integers(0, 5, v)], 0,
        )
        q, m, c, j = 1, 4, 1, 2
        a, abar = Fraction(int(rng.integers(0, 65)), 64), Fraction(int(rng.integers(0, 65)), 64)
        n = max(int(nt[m, q]), int(pn[m, j]))
        joint = max(vt.b[m, y] + a * e_cen[m, y] for y in range(v) if y != m) + vt.rho[q] + (1 - a) * n
        mean = scc.PsiTable(vt, True)
        assert mean.psi(q, m, c, j, a, abar) >= joint
        assert mean.psi(q, m, c, j, a, a) == joint
        drop = scc.PsiTable(vt, False).psi(q, m, c, j, a, None)
        assert drop == max(vt.b[m, y] for y in range(v) if y != m) + a * vt.e_max[m] + vt.rho[q] + (1 - a) * n >= joint


def test_attention_extremes_cover_every_arrangement():
    """A_lo <= the exact attention on the max <= A_hi for every input of every certified cell."""
    rng = np.random.default_rng(5)
    model = near_trained(6, 3, rng, noise=0.05)
    proof = sc.prove(ModelTables(model), sc.DEFAULT)
    w = model.weights()
    resid = w["W_E"][None, :, :].astype(np.float64) + w["W_pos"][:, None, :]  # [pos, t, d]
    qk = (resid[2] @ w["W_Q"][0]) @ (resid.reshape(-1, resid.shape[2]) @ w["W_K"][0]).T  # [q, pos * t]
    scores = qk.reshape(6, 3, 6) / math.sqrt(model.cfg.d_head)  # [q, pos, t]
    checked = 0
    for q, m, c, j, a_lo, a_hi in proof.cells:
        for toks in np.ndindex(6, 6):
            x = list(toks) + [q]
            if max(x) != m or sum(t < m for t in toks) != c or any(t > j for t in toks if t < m):
                continue
            s = np.array([scores[q, i, x[i]] for i in range(3)])
            a = np.exp(s - s.max())
            att = a[[i for i in range(3) if x[i] == m]].sum() / a.sum()
            assert float(a_lo) - 1e-12 <= att <= float(a_hi) + 1e-12
            checked += 1
    assert checked > 20


# --------------------------------------------------------------------------------------
# Exact decomposition and eps soundness


@pytest.mark.parametrize("option", eqke.ATTENTION_ERROR_OPTIONS)
def test_eps_bounds_row_spread_of_exact_residual(option, rng):
    model = random_model(MaxOfKConfig(d_vocab=7, n_ctx=3, d_model=5, d_head=4), rng)
    f = eqke.QKFactors.from_model(model)
    err = eqke.attention_error(f, option)
    exact = f.eqke_tok()
    resid = (exact - err.e_hat).num  # integers: exact R = EQKE_tok - Ê
    unit = Fraction(2) ** min(exact.exp, err.e_hat.exp)
    for q in range(7):
        spread = Fraction(int(resid[q].max() - resid[q].min())) * unit
        assert spread <= err.eps[q]
    if option == "exact_EQKE+max_diff_exact":
        assert not resid.any()


@pytest.mark.parametrize("level", [1, 2])
def test_decomposition_is_an_identity(level, rng):
    model = random_model(MaxOfKConfig(d_vocab=6, n_ctx=2, d_model=4, d_head=3), rng)
    f = eqke.QKFactors.from_model(model)
    e_hat, chain = eqke.decompose(f, eqke.find_directions(f, level))
    total = e_hat + chain[0] @ chain[1] @ chain[2] @ chain[3]
    assert (total - f.eqke_tok()).num.tolist() == np.zeros((6, 6), dtype=int).tolist()


def test_eupu_bounds_are_sound(rng):
    model = random_model(MaxOfKConfig(d_vocab=6, n_ctx=3, d_model=4, d_head=3), rng)
    f = eqke.QKFactors.from_model(model)
    w_u = Dyadic.from_float32(model.weights()["W_U"])
    eu = f.e_q @ w_u
    for option in eupu.EUPU_OPTIONS:
        mu, rho = eupu.direct_bound(f.e_q, w_u, option, eupu.find_centre(f.e_q, option))
        muf = mu.to_float64() if mu is not None else np.zeros(6)
        exact = eu.to_float64()
        for q in range(6):
            for m in range(6):
                gap = exact[q] - exact[q, m] - (muf - muf[m])  # must be <= rho[q]
                assert gap.max() <= rho.to_float64()[q] * (1 + 1e-12) + 1e-12, option


# --------------------------------------------------------------------------------------
# Soundness against exact brute force


def test_all_variants_sound_on_tiny_models(rng):
    names = [variant.name for variant in sc.variants()]
    random = random_model(MaxOfKConfig(d_vocab=6, n_ctx=3, d_model=4, d_head=3), rng)
    assert_sound(random, names)
    trained = near_trained(7, 3, np.random.default_rng(3))
    counts = assert_sound(trained, names)
    assert counts[sc.DEFAULT.name] > 0  # the proof is not vacuous here
    assert max(counts.values()) > 7**3 // 3


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    v=st.integers(6, 10),
    k=st.integers(2, 4),
    d=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
    trained=st.booleans(),
    names=st.lists(st.sampled_from([variant.name for variant in sc.variants()]), min_size=1, max_size=3),
)
def test_soundness_hypothesis(v, k, d, seed, trained, names):
    rng = np.random.default_rng(seed)
    if trained:
        model = near_trained(v, k, rng, noise=float(rng.choice([0.01, 0.05, 0.2])))
    else:
        model = random_model(MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=d, d_head=max(1, d - 1)), rng)
    result, verdicts = exact_verdicts(model, return_verdicts=True, progress=False)
    counts = assert_sound(model, names + ["subcubic"], verdicts)
    assert max(counts.values()) <= result.correct
    r = prove(names[0], model).result
    assert r.correct_lower_bound == counts[names[0]]
    assert r.bound == Fraction(r.correct_lower_bound, v**k)
    assert r.proof_flops > 0 and r.unexplained_dimensionality > 0


# --------------------------------------------------------------------------------------
# Certificates


@pytest.fixture(scope="module")
def cert_model():
    return near_trained(7, 3, np.random.default_rng(12), noise=0.05)


@pytest.mark.parametrize(
    "name",
    ["subcubic", "subcubic:max_diff_exact/drop_average_query_per_output_logit_reasoning/svd",
     "subcubic:global_max_diff_exact/mean_query+diff/mean_recursive+max_diff_subproduct_recursive",
     "subcubic:max_diff/mean_query+diff/exact_EQKE+max_diff_exact",
     "subcubic:svd_query+max_diff/mean_query+diff/mean+max_diff_subproduct"],
)
def test_certificate_roundtrip(cert_model, name):
    tables = ModelTables(cert_model)
    proof = prove(name, tables)
    cert = json.loads(json.dumps(proof.certificate()))
    assert scc.check_certificate(cert) == cert["correct_count"] == proof.result.correct_lower_bound
    assert scc.check_model(tables, cert) == cert["correct_count"]
    assert cert["correct_count"] > 0


def _tamper(cert, fn):
    bad = copy.deepcopy(cert)
    fn(bad)
    with pytest.raises(scc.CertificateError):
        scc.check_certificate(bad)


def test_certificate_tampering_is_rejected(cert_model):
    cert = prove("subcubic", cert_model).certificate()
    wide = [i for i, cell in enumerate(cert["cells"]) if cell[2] >= 1]
    assert wide
    i = wide[-1]
    _tamper(cert, lambda c: c["cells"][i].__setitem__(3, c["cells"][i][3] - 1 if c["cells"][i][3] else 1))  # gap
    _tamper(cert, lambda c: c.__setitem__("correct_count", c["correct_count"] + 1))
    _tamper(cert, lambda c: c["directions"]["query"][0][0]["num"].__setitem__(0, c["directions"]["query"][0][0]["num"][0] + 1))
    _tamper(cert, lambda c: c["directions"]["key"][0][1]["num"].__setitem__(1, c["directions"]["key"][0][1]["num"][1] * 2))
    _tamper(cert, lambda c: c["eps"].__setitem__(0, [0, 1]))
    _tamper(cert, lambda c: c["weights"]["W_U"]["num"][0].__setitem__(0, c["weights"]["W_U"]["num"][0][0] + (1 << 40)))
    _tamper(cert, lambda c: c["cells"].append(c["cells"][0]))  # a repeated cell
    _tamper(cert, lambda c: c.__setitem__("format", "something-else"))
    _tamper(cert, lambda c: c.pop("cells"))

    mean = prove("subcubic:mean_query+max_diff/mean_query+diff/mean+max_diff", cert_model).certificate()
    assert scc.check_certificate(mean) == mean["correct_count"]
    _tamper(mean, lambda c: c["centres"][1]["num"].__setitem__(0, c["centres"][1]["num"][0] + 3))
    _tamper(mean, lambda c: c["centres"].pop())

    # A cell pushed to a larger j with the count fixed up must fail its own inequalities.
    def widen(c):
        for cell in c["cells"]:
            q, m, cc, j = cell[:4]
            if cc >= 1 and j + 1 < m:
                cell[3] = j + 1
                c["correct_count"] += math.comb(2, cc) * ((j + 2) ** cc - (j + 1) ** cc)
                return
        raise AssertionError("no cell to widen")

    _tamper(cert, widen)

    # An attention claim moved past the rigorous bound.
    def lift(c):
        cell = next(cell for cell in c["cells"] if cell[4] != [1, 1])
        cell[4] = list(cell[5])  # A_lo claimed as large as A_hi

    _tamper(cert, lift)


# --------------------------------------------------------------------------------------
# The zoo's seed-50 Max-of-4 model


@pytest.mark.slow
def test_seed_50_default_and_best():
    from compact_proofs.maxofk import zoo

    model, _ = zoo.load_model(50)
    tables = ModelTables(model)
    default_proof = prove("subcubic", tables)
    default = default_proof.result
    exact_eupu = prove("subcubic:max_diff_exact/mean_query+diff/max_diff", tables).result
    drop = prove("subcubic:mean_query+max_diff/drop_average_query_per_output_logit_reasoning/max_diff", tables).result
    assert 0.6 < default.accuracy_bound < 0.85  # authors' float32 run on their seed 50: 0.708; ours 0.769
    assert exact_eupu.accuracy_bound > default.accuracy_bound  # authors: 0.814; ours 0.869
    assert drop.accuracy_bound < default.accuracy_bound
    cert = default_proof.certificate()
    assert scc.check_certificate(cert) == default.correct_lower_bound
    best = "subcubic:max_diff_exact/mean_query+diff/exact_EQKE+max_diff_exact"
    assert_sound(model, ["subcubic", best])  # every claimed input of all 64^4 is exactly correct
