"""The Lean form of the modular-addition certificate (``modadd.tables``, ``modadd.lean_certificate``,
``modadd.lean_modules``, ``CompactProofs.ModAdd``): the integer tables are the exact forward pass,
the Hölder-only certificate never certifies a wrong input (random and trained models), the
generated seed-1 modules are up to date and about the shipped float32 weights, and (marker
``lean``) the kernel accepts an honest tiny model and rejects tampered certificates and tables."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.lean.render import lean_theorems_for
from compact_proofs.modadd import lean_certificate as lc
from compact_proofs.modadd import lean_modules as lm
from compact_proofs.modadd import zoo
from compact_proofs.modadd import tables as mt
from compact_proofs.modadd.brute_force import exact_verdicts
from compact_proofs.core.modelfile import model_sha256
from compact_proofs.modadd.model import ModAddConfig, ModAddTransformer
from compact_proofs.modadd.training import ModAddTrainingConfig, train

from . import conftest
from .test_lean_bridge import copy_tree, needs_toolchain, run_check, shared_build, status  # noqa: F401
from .test_lean_shards import unpack

REPO = Path(__file__).resolve().parents[1]
SEED1 = zoo.record_path(59, 1)
TINY_ROOT = "CompactProofs.Generated.TinyModAdd"


def random_model(p: int, d_mlp: int, seed: int) -> ModAddTransformer:
    cfg = ModAddConfig(p=p, d_model=8, d_head=4, n_heads=2, d_mlp=d_mlp)
    return conftest.random_model(cfg, np.random.default_rng(seed), None, model_cls=ModAddTransformer)


def lean_certificate(model: ModAddTransformer, n_freqs: int) -> tuple[mt.IntModel, mt.IntTables, lc.LeanCertificate]:
    im = mt.int_model(model)
    tab = mt.int_tables(im)
    return im, tab, lc.build_certificate(im, tab, lc.output_frequencies(tab, im)[:n_freqs])


def logit_int(im: mt.IntModel, tab: mt.IntTables, a: int, b: int, y: int) -> int:
    """``CompactProofs.ModAdd.logitInt``, in Python."""
    s = im.shift
    mlp = sum(max(tab.pre_int(a, b, n), 0) * tab.m_t[n][y] for n in range(im.d_mlp))
    return tab.lin_c[y] * 2 ** (4 * s + 1) + (tab.ovu[0][a][y] + tab.ovu[1][b][y]) * 2 ** (2 * s) + mlp


def exact_logits(model: ModAddTransformer, a: int, b: int) -> list[Fraction]:
    """The model's real-number forward pass on ``(a, b)``, straight from its float32 weights in
    ``Fraction``s (the definition of ``CompactProofs.ModAdd.logit``: '=' attends 1/2 to each
    operand), independent of every table builder."""
    w = {name: np.vectorize(lambda x: Fraction(float(x)), otypes=[object])(arr) for name, arr in model.weights().items()}
    p = model.cfg.p
    resid = [w["W_E"][t] + w["W_pos"][j] for j, t in enumerate((a, b, p))]  # [pos][d_model]
    heads = sum((Fraction(1, 2) * (resid[0] @ w["W_V"][h]) + Fraction(1, 2) * (resid[1] @ w["W_V"][h])) @ w["W_O"][h]
                for h in range(model.cfg.n_heads))
    stream = resid[2] + heads  # [d_model]
    post = np.array([max(x, Fraction(0)) for x in stream @ w["W_in"] + w["b_in"]], dtype=object)  # [d_mlp]
    return list((stream + post @ w["W_out"] + w["b_out"]) @ w["W_U"])  # [p]


@pytest.mark.parametrize("seed", range(3))
def test_integer_tables_are_the_exact_forward_pass(seed):
    """``preInt`` and ``logitInt`` (units u⁴/2 and u⁶/2, u = 2^-shift), and the dyadic
    ``ExactTables.logits`` read from the same tables, are the exact forward pass."""
    model = random_model(7, 12, seed)
    im = mt.int_model(model)
    tab = mt.int_tables(im)
    et = mt.ExactTables.from_int(im, tab)
    s = im.shift
    for a, b in [(0, 0), (3, 5), (6, 1)]:
        truth = exact_logits(model, a, b)
        nums, e = et.logits(a, b)
        for y in range(7):
            assert Fraction(logit_int(im, tab, a, b, y), 2 ** (6 * s + 1)) == truth[y]
            assert Fraction(nums[y]) * Fraction(2) ** e == truth[y]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=st.sampled_from([5, 7, 11, 13]), d_mlp=st.integers(4, 24), seed=st.integers(0, 10**6), n_freqs=st.integers(1, 4))
def test_lean_certificate_never_certifies_a_wrong_input(p, d_mlp, seed, n_freqs):
    model = random_model(p, d_mlp, seed)
    im, tab, cert = lean_certificate(model, n_freqs)
    verdicts = lc.lean_verdicts(im, tab, cert)
    truth = exact_verdicts(model)[0]
    assert not (verdicts & ~truth).any(), "a certified input is wrong"
    assert cert.counts == [int(x) for x in verdicts.sum(axis=1)]


@pytest.fixture(scope="module")
def trained_small():
    cfg = ModAddConfig(p=7, d_model=16, d_head=8, n_heads=2, d_mlp=32)
    model, _ = train(cfg, 0, ModAddTrainingConfig(epochs=400, lr=3e-3), progress=False)
    return model


def test_trained_small_model_is_certified_soundly(trained_small):
    im, tab, cert = lean_certificate(trained_small, 3)
    verdicts = lc.lean_verdicts(im, tab, cert)
    assert not (verdicts & ~exact_verdicts(trained_small)[0]).any()
    assert cert.certified > 7 * 7 // 2


def test_seed0_needs_eight_frequencies():
    """The docs' claim: Hölder alone certifies every input of seed 0 with its 8 strongest output
    frequencies (its integer coefficients exceed 64 bits), and not with 3."""
    model, _ = zoo.load_model(zoo.record_path(59, 0))
    assert lean_certificate(model, 8)[2].certified == 59 * 59
    assert lean_certificate(model, 3)[2].certified < 59 * 59


def test_seed1_modules_are_up_to_date():
    """The shipped theorem is that of the shipped weights, certifying every input."""
    assert conftest.generated_modules_up_to_date("modadd-theorem")
    model, _ = zoo.load_model(SEED1)
    [thm] = lean_theorems_for(model_sha256(model), REPO / "lean")
    assert thm.theorem == "CompactProofs.Generated.ModAddP59Seed1.modadd_p59_seed1_accuracy"
    assert (thm.strategy, thm.bound) == ("output_fourier_hoelder", 59 * 59)


def test_seed1_root_states_accuracy_of_the_model():
    text = (REPO / "lean/CompactProofs/Generated/ModAddP59Seed1.lean").read_text(encoding="utf-8")
    statement = re.search(r"\[Lean\.Grind\.OrderedRing α\] :\s*\n\s*(.*?) := by", text)
    assert statement and statement.group(1).strip() == (
        "3481 ≤ CompactProofs.ModAdd.accuracy (α := α) CompactProofs.Generated.ModAddP59Seed1.Model.p59seed1")


def test_seed1_weights_in_lean_are_the_float32_weights():
    """Every row literal of the generated model decodes (a Python copy of ``unpack``) to integers
    that are, over ``2^shift``, exactly the shipped float32 weights, entry by entry, for all nine
    matrices in the layout of ``CompactProofs.ModAdd.Model`` (written out here, not taken from
    the exporter)."""
    model, _ = zoo.load_model(SEED1)
    w, h = model.weights(), model.cfg.n_heads
    layout = {  # Lean field -> the float32 array it holds
        "wE": w["W_E"], "wPos": w["W_pos"],
        "wVT": np.concatenate([w["W_V"][i] for i in range(h)], axis=1).T,  # [h d_head, d_model]
        "wOT": np.concatenate([w["W_O"][i] for i in range(h)], axis=0).T,  # [d_model, h d_head]
        "wInT": w["W_in"].T, "bIn": w["b_in"][None, :], "wOut": w["W_out"], "bOut": w["b_out"][None, :], "wU": w["W_U"],
    }
    text = (REPO / "lean/CompactProofs/Generated/ModAddP59Seed1/Model.lean").read_text(encoding="utf-8")
    shift = int(re.search(r"^  shift := (\d+)$", text, re.M).group(1))
    for name, floats in layout.items():
        block = re.search(rf"^  {name} :=\n    \[(.*?)\]$", text, re.M | re.S).group(1)
        rows = [unpack(int(a), int(b), int(c, 16)) for a, b, c in re.findall(r"unpack (\d+) (\d+) 0x([0-9a-f]+)", block)]
        assert len(rows) == floats.shape[0] and all(len(r) == floats.shape[1] for r in rows), name
        exact = [[Fraction(x, 2**shift) for x in row] for row in rows]
        assert exact == [[Fraction(float(x)) for x in row] for row in np.asarray(floats, dtype=np.float32)], name


# ---------------------------------------------------------------------------
# Lean kernel: a tiny trained model through the same renderer


def _write(root: Path, im: mt.IntModel, tab: mt.IntTables, cert: lc.LeanCertificate, module_root: str = TINY_ROOT) -> None:
    texts = lm.render_modules(im, tab, cert, root=module_root, model_name="tinyModAdd", theorem_name="tiny_modadd_accuracy",
                              command="tests", source="tests", model_sha256="0" * 64)
    for name, text in texts.items():
        path = root.joinpath(*name.split(".")).with_suffix(".lean")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _bump(rows, i, j):
    copy = [list(r) for r in rows]
    copy[i][j] += 1
    return copy


@pytest.mark.lean
@needs_toolchain
def test_lean_checks_tiny_modadd_and_rejects_tampering(tmp_path, shared_build, trained_small):  # noqa: F811
    """An honest certificate is accepted; a raised count, a changed residual or table entry, and
    another model's certificate are each rejected by the part that checks it."""
    im, tab, cert = lean_certificate(trained_small, 3)
    a = next(i for i, n in enumerate(cert.counts) if n < im.p)
    other = lean_certificate(random_model(7, 32, 5), 3)[2]
    counts = list(cert.counts)
    counts[a] += 1
    pre = [[list(r) for r in t] for t in tab.pre]
    pre[1][2][3] += 1
    # kinds of module: Tables<i> (packed products), Global<i> (once-only checks), Rows<i> (operands)
    cases = {
        "honest": (tab, cert, set()),
        "a count raised by one": (tab, dataclasses.replace(cert, counts=counts), {"Rows"}),
        "a residual entry changed": (tab, dataclasses.replace(cert, resid=_bump(cert.resid, 0, 0)), {"Global"}),
        "a pre-activation table entry changed": (dataclasses.replace(tab, pre=pre), cert, {"Tables", "Global", "Rows"}),
        "another model's certificate": (tab, other, {"Global", "Rows"}),
    }
    # every case in one tree and one check (persistent build workers, a failure stops only its case)
    root = copy_tree(tmp_path)
    case_roots = {name: f"{TINY_ROOT}{i}" for i, name in enumerate(cases)}
    for name, (t, c, _) in cases.items():
        _write(root, im, t, c, case_roots[name])
    res = run_check(root, shared_build, axiom_audit=False, targets=list(case_roots.values()), keep_going=True)
    for name, (_, _, may_fail) in cases.items():
        case = case_roots[name]
        failed = {re.sub(r"\d+$", "", m.name.removeprefix(case + ".")) for m in res.modules
                  if m.status == "failed" and m.name.startswith(case + ".")}
        if not may_fail:
            assert not failed and status(res, case) in ("built", "cached"), [m.output for m in res.modules if m.status == "failed"]
        else:
            assert failed and failed <= may_fail, (name, failed)
            assert status(res, case) == "skipped", name
