"""The sharded Lean proof of a ``gap_classes_cubic`` bound (``compact_proofs.maxofk.lean_shards``,
``CompactProofs.MaxOfK.GapCubicShards``): packed literals, the packed-product witness, the
generated seed-123 modules being up to date, and (marker ``lean``) the kernel accepting an honest
tiny model and rejecting tampered shards."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from compact_proofs.core.modelfile import model_sha256
from compact_proofs.maxofk import lean_export as le
from compact_proofs.maxofk import lean_shards as ls
from compact_proofs.lean.render import lean_theorems_for
from compact_proofs.maxofk.model import MaxOfKConfig
from compact_proofs.maxofk.strategies import gap_classes as gc
from compact_proofs.maxofk.zoo import load_model

from .conftest import generated_modules_up_to_date, random_model
from .test_lean_bridge import copy_tree, needs_toolchain, run_check, shared_build, status  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
TINY_ROOT = "CompactProofs.Generated.TinyShards"


def unpack(w: int, n: int, N: int) -> list[int]:
    """Python mirror of ``CompactProofs.unpack``."""
    out = []
    for _ in range(n):
        out.append(N % 2**w - 2 ** (w - 1))
        N //= 2**w
    return out


def unpack_nat(w: int, n: int, N: int) -> list[int]:
    out = []
    for _ in range(n):
        out.append(N % 2**w)
        N //= 2**w
    return out


def _decode(literal: str, fn) -> list[int]:
    name, w, n, hexa = literal.split()
    return fn(int(w), int(n), int(hexa, 16))


@pytest.mark.parametrize("seed", range(5))
def test_unpack_literals_round_trip(seed):
    rng = np.random.default_rng(seed)
    for size in (1, 3, 64):
        bits = int(rng.integers(1, 200))
        xs = [int(x) for x in rng.integers(-(2**62), 2**62, size=size)]
        xs = [x * 2 ** (bits - 62) if bits > 62 else x >> (62 - bits) for x in xs]
        assert _decode(ls.unpack_literal(xs), unpack) == xs
        assert _decode(ls.unpack_literal([0] * size), unpack) == [0] * size
        nats = [abs(x) for x in xs]
        assert _decode(ls.unpack_nat_literal(nats), unpack_nat) == nats
    with pytest.raises(ValueError):
        ls.unpack_nat_literal([1, -1])


def tiny_model(seed: int):
    cfg = MaxOfKConfig(d_vocab=4, n_ctx=2, d_model=4, d_head=4)
    return random_model(cfg, np.random.default_rng(seed))


@pytest.mark.parametrize("seed", [1, 2])
def test_table_witness_is_the_model_s_products(seed):
    em = le.exact_model(tiny_model(seed))
    proof = ls.sharded_proof(em)
    tw, tab = proof.witness, le.tables(em)
    v, k, dh = em.d_vocab, em.n_ctx, em.d_head
    for q in range(v):
        for i in range(k):
            for t in range(v):
                assert tab.scores[q][i][t] == sum(tw.query[q][d] * tw.key_t[i][d][t] for d in range(dh))
    for i in range(k):
        for t in range(v):
            for y in range(v):
                assert tw.ovu_t[i][y][t] == tab.ovu[i][t][y]
            assert [tw.value_t[i][d][t] for d in range(dh)] == tw.value[i][t]
    factors = [x for m in em.matrices.values() for r in m for x in r] + [x for r in tw.query for x in r]
    factors += [x for t in tw.key_t + tw.value + tw.ov_t for r in t for x in r]
    assert max(map(abs, factors)) <= tw.bound
    assert 2 * max(em.d_model, em.d_head) * tw.bound**2 < tw.base


def test_tiny_bound_is_the_strategy_s_count():
    em = le.exact_model(tiny_model(1))
    proof = ls.sharded_proof(em)
    found = gc.gaps(gc.GapTables.from_exact(em), cubic=True)
    assert proof.bound == sum(gc.cell_count(em.n_ctx, q, m, g) for (q, m), g in found.items())


def test_seed123_modules_are_up_to_date():
    """The shipped seed-123 theorem is that of the shipped weights, at the strategy's bound."""
    assert generated_modules_up_to_date("maxof4-theorem")
    [thm] = [t for t in lean_theorems_for(model_sha256(load_model(123)[0]), REPO / "lean") if t.strategy == "gap_classes_cubic"]
    assert thm.theorem == "CompactProofs.Generated.Seed123.maxOf4_seed123_accuracy"
    assert thm.bound == 16_167_555


def test_seed123_root_states_accuracy_of_the_model():
    text = (REPO / "lean/CompactProofs/Generated/Seed123.lean").read_text(encoding="utf-8")
    statement = re.search(r"\(F : CompactProofs\.MaxOfK\.ExpSqrt α\) :\s*\n\s*(.*?) :=", text)
    assert statement and statement.group(1).strip() == (
        "16167555 ≤ CompactProofs.MaxOfK.accuracy F CompactProofs.Generated.Seed123.Model.seed123")


# ---------------------------------------------------------------------------
# Lean kernel: the tiny model (d_vocab 4, K 2) through the same renderer


def _write(root: Path, proof: ls.ShardedProof, module_root: str = TINY_ROOT) -> None:
    texts = ls.render_sharded(
        proof, root=module_root, model_name="tinyModel", theorem_name="tiny_accuracy_shards", command="tests",
        source="tests", model_sha256="0" * 64, queries_per_module=proof.em.d_vocab,
    )
    for name, text in texts.items():
        path = root.joinpath(*name.split(".")).with_suffix(".lean")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _bumped(table, *index):
    """A deep copy of a nested table with one entry increased by one."""
    copy = [[list(r) for r in block] for block in table] if len(index) == 3 else [list(r) for r in table]
    row = copy
    for j in index[:-1]:
        row = row[j]
    row[index[-1]] += 1
    return copy


def _larger_class(proof: ls.ShardedProof) -> list[list[int]]:
    """The gaps with one cell's class enlarged beyond what its cubic test passes."""
    em, cert = proof.em, proof.cert
    gt = gc.GapTables.from_lean_certificate(em, cert)
    worst = (gc.WorstLogits.of(gt.ovu), gc.WorstLogits.of(gt.direct))
    for q in range(em.d_vocab):
        for m in range(q, em.d_vocab):
            terms = gc.cubic_cell_terms(gt, *worst, q, m)
            below = gc.min_below(terms, m)
            for g in range(1, proof.gaps[q][m] or m + 2):
                if not gc.cell_passes(terms, q, m, g, below):
                    gaps = [list(r) for r in proof.gaps]
                    gaps[q][m] = g
                    return gaps
    raise AssertionError("every cell passes with gap 1: no class to enlarge")


def _dropped_cell(proof: ls.ShardedProof) -> list[list[int]]:
    gaps = [list(r) for r in proof.gaps]
    q, m = max((q, m) for q, row in enumerate(gaps) for m, g in enumerate(row) if g)
    gaps[q][m] = 0
    return gaps


@pytest.fixture(scope="module")
def tiny_proof():
    proof = ls.sharded_proof(le.exact_model(tiny_model(1)))
    assert 0 < proof.bound < 4**2
    # blocks of 2 tokens: at d_vocab 4 the default size would leave no whole block to check
    return dataclasses.replace(proof, blocks=ls.cell_blocks(proof.cert, proof.tops, size=2))


@pytest.mark.lean
@needs_toolchain
def test_lean_checks_tiny_shards_and_rejects_tampering(tmp_path, shared_build, tiny_proof):  # noqa: F811
    """Honest shards are accepted; a raised bound, a changed table entry, a raised block bound, a
    changed enclosure, an enlarged class and another model's witnesses are each rejected, by the
    shard that checks them."""
    p = tiny_proof
    other = ls.sharded_proof(le.exact_model(tiny_model(2)))
    cases = {
        "honest": (p, set()),
        "bound raised by one": (dataclasses.replace(p, bound=p.bound + 1), {"Base"}),
        "a cell dropped, the bound kept": (dataclasses.replace(p, gaps=_dropped_cell(p)), {"Base"}),
        # an entry no cell reads (token 3 > maximum 0): only the packed products can notice
        "an OV-unembed entry changed": (
            dataclasses.replace(p, witness=dataclasses.replace(p.witness, ovu_t=_bumped(p.witness.ovu_t, 1, 0, 3))),
            {"Tables1"}),
        "a block bound raised": (
            dataclasses.replace(p, blocks=dataclasses.replace(p.blocks, off=_bumped(p.blocks.off, 0, 0, 0))),
            {"Tables0"}),
        "an enclosure raised": (
            dataclasses.replace(p, cert=dataclasses.replace(p.cert, exp_lo=_bumped(p.cert.exp_lo, 0, 0, 0))), {"Queries00"}),
        "a class larger than its cell test allows": (dataclasses.replace(p, gaps=_larger_class(p)), {"Queries00"}),
        "another model's witnesses": (dataclasses.replace(other, em=p.em), {"Base", "Tables0", "Tables1", "Queries00"}),
    }
    # every case in one tree and one check (persistent build workers, a failure stops only its case)
    root = copy_tree(tmp_path)
    case_roots = {name: f"{TINY_ROOT}{i}" for i, name in enumerate(cases)}
    for name, (proof, _) in cases.items():
        _write(root, proof, case_roots[name])
    res = run_check(root, shared_build, axiom_audit=False, targets=list(case_roots.values()), keep_going=True)
    for name, (proof, may_fail) in cases.items():
        case = case_roots[name]
        failed = {m.name.removeprefix(case + ".") for m in res.modules if m.status == "failed" and m.name.startswith(case + ".")}
        if not may_fail:
            assert not failed and status(res, case) in ("built", "cached"), [m.output for m in res.modules if m.status == "failed"]
        else:
            assert failed and failed <= may_fail, (name, failed)
            assert status(res, case) == "skipped", name


def test_seed123_weights_in_lean_are_the_float32_weights():
    """The subject of the theorem: every row literal of the generated model decodes (a Python copy
    of ``unpack``) to integers that are, over ``2^shift``, exactly the shipped float32 weights,
    entry by entry, in the layout of ``CompactProofs.MaxOfK.Model`` (one head; written out here,
    not taken from the exporter)."""
    model, _ = load_model(123)
    w = model.weights()
    layout = {"wE": w["W_E"], "wPos": w["W_pos"], "wQ": w["W_Q"][0], "wK": w["W_K"][0], "wV": w["W_V"][0],
              "wO": w["W_O"][0], "wU": w["W_U"]}
    text = (REPO / "lean/CompactProofs/Generated/Seed123/Model.lean").read_text(encoding="utf-8")
    shift = int(re.search(r"^  shift := (\d+)$", text, re.M).group(1))
    for name, floats in layout.items():
        block = re.search(rf"^  {name} :=\n    \[(.*?)\]$", text, re.M | re.S).group(1)
        rows = [_decode(lit, unpack) for lit in re.findall(r"unpack \d+ \d+ 0x[0-9a-f]+", block)]
        assert [[Fraction(x, 2**shift) for x in row] for row in rows] == [
            [Fraction(float(x)) for x in row] for row in np.asarray(floats, dtype=np.float32)], name