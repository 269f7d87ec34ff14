"""The Lean accuracy certificate for Max-of-K models (``compact_proofs.maxofk.lean_export``,
``lean/CompactProofs/MaxOfK``): the Python mirror of the checker against exact brute
force and interval arithmetic, rejection of tampered certificates in Python and (marker
``lean``) by the Lean kernel, and the generated module being up to date."""

from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest

from compact_proofs.maxofk import lean_export as le
from compact_proofs.maxofk.brute_force import PositionTables, exact_verdicts
from compact_proofs.maxofk.model import MaxOfKConfig
from compact_proofs.maxofk.strategies import gap_classes as gc
from compact_proofs.maxofk.zoo import load_model

from .conftest import generated_modules_up_to_date, random_model
from .test_lean_bridge import copy_tree, needs_toolchain, run_check, shared_build, status  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "python/compact_proofs/zoo/small_max_of_3/seed-00001.json"
TINY_MODULE = "CompactProofs.Generated.TinyAccuracy"
TINY_GAP_MODULE = "CompactProofs.Generated.TinyGapAccuracy"
TINY_CUBIC_MODULE = "CompactProofs.Generated.TinyGapCubicAccuracy"


@pytest.fixture(scope="module")
def small():
    model, _ = load_model(SMALL)
    em = le.exact_model(model)
    return model, em, le.build_certificate(em)


def tiny_model(seed: int):
    """A random 4-token, K = 2 model: some inputs right, some wrong (Lean checks it in seconds)."""
    cfg = MaxOfKConfig(d_vocab=4, n_ctx=2, d_model=4, d_head=4)
    return random_model(cfg, np.random.default_rng(seed))


# ---------------------------------------------------------------------------
# Python side


def test_exact_model_is_exact(small):
    model, em, _ = small
    w = model.weights()
    for lean, name in le.LEAN_MATRICES.items():
        a = w[name][0] if w[name].ndim == 3 else w[name]
        for (i, j), x in np.ndenumerate(a):
            assert Fraction(em.matrices[lean][i][j], 2**em.shift) == Fraction(float(x))


def test_tables_agree_with_brute_force_tables(small):
    model, em, _ = small
    pt = PositionTables.from_model(model)
    tab = le.tables(em)
    v, k = em.d_vocab, em.n_ctx
    scale = Fraction(2) ** (-4 * em.shift)
    for q, i, t in itertools.product(range(v), range(k), range(v)):
        assert tab.scores[q][i][t] * scale == Fraction(int(pt.scores[q, i, t])) * Fraction(2) ** pt.score_exp
    vexp = Fraction(2) ** pt.value_exp
    for i, t, y in itertools.product(range(k), range(v), range(v)):
        assert tab.ovu[i][t][y] * scale == int(pt.values[i, t, y]) * vexp
    for q, y in itertools.product(range(v), range(v)):
        assert tab.direct[q][y] * Fraction(2) ** (-2 * em.shift) == int(pt.direct[q, y]) * vexp


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_certified_inputs_are_correct(seed):
    """Soundness of the mirror: every input it certifies is correct by exact brute force."""
    model = tiny_model(seed)
    em = le.exact_model(model)
    cert = le.build_certificate(em)
    assert le.check(em, cert)
    _, verdicts = exact_verdicts(model, return_verdicts=True)
    truth = verdicts.reshape(-1).tolist()  # C order = lexicographic, like all_seqs
    certified = le.certified_inputs(em, cert)
    assert len(certified) == len(truth) == em.d_vocab**em.n_ctx
    assert all(t for c, t in zip(certified, truth) if c)
    assert cert.bound == sum(certified) == sum(truth)  # the enclosures are tight enough here


def test_small_model_certificate_is_exact(small):
    model, em, cert = small
    assert le.check(em, cert)
    result, _ = exact_verdicts(model)
    assert cert.bound == result.correct == 512


@pytest.mark.parametrize("z", [Fraction(-17, 3), Fraction(-1, 7), Fraction(0), Fraction(5, 11), Fraction(99, 4)])
@pytest.mark.parametrize("n", [7, 12])
def test_exp_enclosures_contain_exp(z, n):
    P, G = 32, 20
    z_lo = (z * 2**G).numerator // (z * 2**G).denominator  # floor
    z_hi = -((-z * 2**G).numerator // (-z * 2**G).denominator)  # ceil
    lo, hi = le.exp_lo(P, G, n, z_lo), le.exp_hi(P, G, n, z_hi)
    with mpmath.workprec(200):
        e = mpmath.iv.exp(mpmath.iv.mpf(z.numerator) / z.denominator)
        assert mpmath.iv.mpf(lo) / 2**P <= e.a and e.b <= mpmath.iv.mpf(hi) / 2**P
    # and they are as tight as the method allows: hi / lo <= exp(2 z^2 / 2^n) (plus rounding)
    assert 0 < lo and mpmath.mpf(hi) / lo <= mpmath.exp(mpmath.mpf((2 * z * z).numerator) / (2 * z * z).denominator / 2**n) * (1 + 2.0**-20)


def test_inv_sqrt_bounds():
    for d in (1, 2, 8, 32):
        lo, hi = le.inv_sqrt_bounds(d, 64)
        with mpmath.workprec(300):
            r = mpmath.mpf(2) ** 64 / mpmath.sqrt(d)
            assert lo <= r <= hi and hi - lo <= 1


def _bump(t, path, delta):
    """Copy of nested tuples ``t`` with the entry at ``path`` increased by ``delta``."""
    if not path:
        return t + delta
    i = path[0]
    return t[:i] + (_bump(t[i], path[1:], delta),) + t[i + 1 :]


def tamper_weight(em, cert, other):
    return dataclasses.replace(em, matrices={**em.matrices, "wE": _bump(em.matrices["wE"], (0, 0), 1)}), cert


def tamper_enclosure(em, cert, other):
    # claim exp(score) larger than the checker can confirm
    return em, dataclasses.replace(cert, exp_lo=_bump(cert.exp_lo, (0, 0, 0), cert.exp_hi[0][0][0]))


def tamper_bound(em, cert, other):
    return em, dataclasses.replace(cert, bound=cert.bound + 1)


def tamper_other_model(em, cert, other):
    return other, cert


TAMPERS = [tamper_weight, tamper_enclosure, tamper_bound, tamper_other_model]


@pytest.fixture(scope="module")
def tiny():
    em = le.exact_model(tiny_model(1))
    other = le.exact_model(tiny_model(2))
    return em, le.build_certificate(em), other


@pytest.mark.parametrize("tamper", TAMPERS)
def test_python_mirror_rejects_tampering(tiny, tamper):
    em, cert, other = tiny
    assert le.check(em, cert)
    em2, cert2 = tamper(em, cert, other)
    assert not le.check(em2, cert2)


def test_bound_above_certified_count_is_refused(tiny):
    em, cert, _ = tiny
    with pytest.raises(ValueError, match="exceeds"):
        le.build_certificate(em, bound=cert.bound + 1)


def test_generated_module_is_up_to_date():
    assert generated_modules_up_to_date("small-max-of-3"), "run compact-proofs lean generate small-max-of-3"


def test_render_is_deterministic(tiny):
    em, cert, _ = tiny
    kw = dict(
        module_name=TINY_MODULE, model_name="tinyModel", theorem_name="tiny_accuracy", command="test", source="test",
        model_sha256="0" * 64,
    )
    a = le.render_lean_module(em, cert, **kw)
    assert a == le.render_lean_module(em, cert, **kw)
    assert "theorem tiny_accuracy" in a and f"{cert.bound} ≤ CompactProofs.MaxOfK.accuracy F {TINY_MODULE}.tinyModel" in a


def test_generated_module_names_its_model_for_certify():
    """``certify`` finds the small model's theorem by the shipped model's identity."""
    from compact_proofs.core.modelfile import model_sha256
    from compact_proofs.lean.render import lean_theorems_for
    from compact_proofs.maxofk.zoo import load_model

    model, _ = load_model(REPO / "python/compact_proofs/zoo/small_max_of_3/seed-00001.json")
    found = lean_theorems_for(model_sha256(model), REPO / "lean")
    assert sorted((t.theorem, t.module, t.bound) for t in found) == [
        ("CompactProofs.Generated.GapCubicSmallMaxOf3.small_max_of_3_accuracy_gap_cubic", "CompactProofs.Generated.GapCubicSmallMaxOf3", 512),
        ("CompactProofs.Generated.GapSmallMaxOf3.small_max_of_3_accuracy_gap", "CompactProofs.Generated.GapSmallMaxOf3", 512),
        ("CompactProofs.Generated.SmallMaxOf3.small_max_of_3_accuracy", "CompactProofs.Generated.SmallMaxOf3", 512),
    ]


# ---------------------------------------------------------------------------
# Lean kernel (small files: the tiny model, d_vocab 4, K 2)


def _write_tiny(root: Path, em, cert, module: str = TINY_MODULE) -> None:
    text = le.render_lean_module(
        em, cert, module_name=module, model_name="tinyModel", theorem_name="tiny_accuracy", command="tests", source="tests",
        model_sha256="0" * 64,
    )
    root.joinpath(*module.split(".")).with_suffix(".lean").write_text(text, encoding="utf-8")


def tiny_gaps(em, cert) -> dict[tuple[int, int], int]:
    return gc.gaps(gc.GapTables.from_lean_certificate(em, cert))


def test_gap_classes_claim_only_inputs_the_per_input_checker_certifies():
    total = 0
    for seed in range(1, 7):
        em = le.exact_model(tiny_model(seed))
        cert = le.build_certificate(em)
        found = tiny_gaps(em, cert)
        certified = dict(zip(le.all_seqs(em.d_vocab, em.n_ctx), le.certified_inputs(em, cert)))
        claimed = [
            x for x in certified
            if (x[-1], max(x)) in found and all(t == max(x) or t + found[(x[-1], max(x))] <= max(x) for t in x[:-1])
        ]
        assert all(certified[x] for x in claimed), f"seed {seed}"
        assert len(claimed) == sum(gc.cell_count(em.n_ctx, q, m, g) for (q, m), g in found.items())
        total += len(claimed)
    assert total > 0


def _write_tiny_gap(
    root: Path, em, cert, found: dict[tuple[int, int], int], bound: int, tops: le.Tops | None, module: str
) -> None:
    """Write a tiny gap-classes module (the cubic one with ``tops``) over ``TINY_MODULE``."""
    text = le.render_gap_module(
        module_name=module, base_module=TINY_MODULE, model_name="tinyModel", theorem_name="tiny_accuracy_gap",
        command="tests", source="tests", model_sha256="0" * 64, gaps=gc.gap_matrix(found, em.d_vocab), bound=bound,
        total=em.d_vocab**em.n_ctx, tops=tops,
    )
    root.joinpath(*module.split(".")).with_suffix(".lean").write_text(text, encoding="utf-8")


def _larger_class_than_passes(em, cert, found, cubic: bool = False):
    """A cell and a smaller gap (a larger class) that the cell test rejects."""
    gt = gc.GapTables.from_lean_certificate(em, cert)
    worst = (gc.WorstLogits.of(gt.ovu), gc.WorstLogits.of(gt.direct))
    for q in range(em.d_vocab):
        for m in range(q, em.d_vocab):
            terms = gc.cubic_cell_terms(gt, *worst, q, m) if cubic else gc.cell_terms(gt, q, m)
            below = gc.min_below(terms, m)
            for g in range(1, found.get((q, m), m + 2)):
                if not gc.cell_passes(terms, q, m, g, below):
                    return {**found, (q, m): g}
    raise AssertionError("every cell passes with gap 1: no class to enlarge")


def _check_gap_cases(tmp_path, shared_build, em, cert, cases, prefix: str) -> None:  # noqa: F811
    """Every case a module of its own over the honest tiny module, all in one check."""
    root = copy_tree(tmp_path)
    _write_tiny(root, em, cert)
    modules = {name: f"{prefix}{i}" for i, name in enumerate(cases)}
    for name, (gaps, claimed, case_tops, _) in cases.items():
        _write_tiny_gap(root, em, cert, gaps, claimed, case_tops, modules[name])
    res = run_check(root, shared_build, axiom_audit=False, targets=list(modules.values()), keep_going=True)
    assert status(res, TINY_MODULE) in ("built", "cached")
    for name, (_, _, _, accepted) in cases.items():
        assert status(res, modules[name]) in (("built", "cached") if accepted else ("failed",)), name


@pytest.mark.lean
@needs_toolchain
def test_lean_checks_gap_classes_and_rejects_tampering(tmp_path, shared_build, tiny):  # noqa: F811
    em, cert, _ = tiny
    found = tiny_gaps(em, cert)
    bound = sum(gc.cell_count(em.n_ctx, q, m, g) for (q, m), g in found.items())
    _check_gap_cases(tmp_path, shared_build, em, cert, {
        "honest": (found, bound, None, True),
        "bound raised by one": (found, bound + 1, None, False),
        "a class larger than its cell test allows": (_larger_class_than_passes(em, cert, found), 0, None, False),
        "a cell dropped, the bound kept": ({cell: g for cell, g in found.items() if cell != max(found)}, bound, None, False),
    }, TINY_GAP_MODULE)


@pytest.mark.lean
@needs_toolchain
def test_lean_checks_cubic_gap_classes_and_rejects_tampering(tmp_path, shared_build, tiny):  # noqa: F811
    """The cubic test with the closed-form count: a raised bound, a dropped cell, a larger class
    and a witness whose largest entry is understated are all rejected by the kernel."""
    em, cert, _ = tiny
    found = gc.gaps(gc.GapTables.from_lean_certificate(em, cert), cubic=True)
    bound = sum(gc.cell_count(em.n_ctx, q, m, g) for (q, m), g in found.items())
    assert bound > 0
    tops = gc.lean_tops(cert)
    top1 = [list(r) for r in tops.ovu_top1]
    top1[0][0] -= 1  # below the largest entry of row (0, 0)
    understated = dataclasses.replace(tops, ovu_top1=top1)
    _check_gap_cases(tmp_path, shared_build, em, cert, {
        "honest": (found, bound, tops, True),
        "bound raised by one": (found, bound + 1, tops, False),
        "a cell dropped, the bound kept": ({cell: g for cell, g in found.items() if cell != max(found)}, bound, tops, False),
        "a class larger than its cell test allows": (_larger_class_than_passes(em, cert, found, cubic=True), 0, tops, False),
        "a largest entry understated": (found, bound, understated, False),
    }, TINY_CUBIC_MODULE)


@pytest.mark.lean
@needs_toolchain
def test_lean_accepts_tiny_certificate_and_rejects_tampering(tmp_path, shared_build, tiny):  # noqa: F811
    """The honest tiny module and the small model's are accepted; each tampered copy (a module
    of its own, all in one check) is rejected with an error."""
    em, cert, other = tiny
    root = copy_tree(tmp_path)
    _write_tiny(root, em, cert)
    tampered = {tamper.__name__: f"{TINY_MODULE}Tampered{i}" for i, tamper in enumerate(TAMPERS)}
    for tamper in TAMPERS:
        _write_tiny(root, *tamper(em, cert, other), module=tampered[tamper.__name__])
    targets = [TINY_MODULE, "CompactProofs.Generated.SmallMaxOf3", *tampered.values()]
    # the axiom audit of these theorems is part of `python -m compact_proofs.lean.bridge check`
    res = run_check(root, shared_build, axiom_audit=False, targets=targets, keep_going=True)
    assert status(res, TINY_MODULE) in ("built", "cached")  # cached: the same text was built earlier in this build dir
    assert status(res, "CompactProofs.Generated.SmallMaxOf3") in ("built", "cached")
    for name, module in tampered.items():
        assert status(res, module) == "failed", name
        assert "error" in next(m.output for m in res.modules if m.name == module), name
