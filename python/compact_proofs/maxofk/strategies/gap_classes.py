r"""Gap classes: per (query token, max token), every input whose non-max tokens sit below a gap,
certified by an exact minimisation over positions for each wrong logit.

Setting (the integers of ``lean_export``, i.e. of the Lean checker ``CompactProofs.MaxOfK``):
for an input x with query token q = x_{K-1} and maximum m, the logit difference
logit_m - logit_y has the sign of

    sum_i exp(score(q, i, x_i)) * coef(q, m, i, x_i, y),
    coef = (direct[q][m] - direct[q][y]) 2^(2 shift) + ovu[i][x_i][m] - ovu[i][x_i][y]

(``CompactProofs.MaxOfK.logit_sub``: attention weights are positive and sum to one). With an
integer enclosure lo <= 2^P exp(score) <= hi, each term is at least
T_i(t, y) = (lo if coef >= 0 else hi) * coef.

Claim per cell (q, m) and gap g in 1..m+1: let A = {m} u {0, ..., m - g}. Every input with
x_{K-1} = q, max m and all other tokens in A is correct if, for every y != m,

    T_{K-1}(q, y) + min_{j < K-1} [ T_j(m, y) + sum_{i < K-1, i != j} min_{t in A} T_i(t, y) ]   (q < m)
    T_{K-1}(m, y) + sum_{i < K-1} min_{t in A} T_i(t, y)                                         (q = m)

is positive: for q < m some non-query position j holds m, and every other term is at least its
minimum over A. The cell then counts (n + 1)^(K-1) - n^(K-1) inputs (q < m) or (n + 1)^(K-1)
(q = m), n = m - g + 1 = |A| - 1; cells are disjoint. The search takes the smallest g that
passes (the largest class); a cell with no passing g counts nothing.

Unlike the paper's cubic and subcubic proofs nothing is pessimised over positions or wrong
logits: the bound is exact for each wrong logit y over the whole class, up to the exp
enclosures. What it gives up is only the inputs with a non-max token in (m - g, m).

The cubic variant (``gap_classes_cubic``) drops the loop over y: each term takes the worst
wrong logit on its own, through the two largest entries of each row of the direct and OV
tables (``WorstLogits``): coef >= (direct[q][m] - max_{y != m} direct[q][y]) 2^(2 shift)
+ ovu[i][t][m] - max_{y != m} ovu[i][t][y], and T is monotone in coef. One test per cell
instead of v - 1, so O(v^3 K) instead of O(v^4 K): the test a kernel can afford (Lean:
``CompactProofs.MaxOfK.GapClassesCubic``). Seed 123: 16,167,555 inputs (0.9637).

Rigour: integers only (exact tables, fixed-point exp enclosures by repeated squaring with
outward rounding, integer bounds on 2^Q / sqrt d_head: ``lean_export``); no floats.
Time: O(v^2 K d_model d_head) for the tables, O(v^4 K) for the cells (v^2/2 cells, each
O(v K v)); about d_vocab times less than brute force's O(v^K v K) for K = 4.
Preconditions: a one-head model (the Lean semantics). Postcondition: the count never exceeds
the exact number of correct inputs (tested against brute force on random models).
Certificate: the gaps, format ``compact-proofs/max-of-k-gap-classes-certificate`` v1;
``checks.gap_classes.check_model`` recomputes every cell from the model.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np

from ..lean_export import AccuracyCertificate, Tops
from ..checks.gap_classes import (  # the checker: the cell test and count this search must meet
    CERTIFICATE_FORMAT,
    CERTIFICATE_VERSION,
    GapTables,
    WorstLogits,
    cell_count,
    cell_passes,
    cell_terms,
    check_model,
    cubic_cell_terms,
    min_below,
)
from ..tables import ModelTables
from .registry import Proof, StrategyResult, register


def cell_gap(terms: np.ndarray, q: int, m: int) -> int | None:
    """Smallest gap g in 1..m+1 whose class passes the cell test, or None (the test is monotone
    in g: a larger gap shrinks A, which can only raise each minimum)."""
    below = min_below(terms, m)
    for g in range(1, m + 2):
        if cell_passes(terms, q, m, g, below):
            return g
    return None


def lean_tops(cert: AccuracyCertificate) -> Tops:
    """The witness ``CompactProofs.MaxOfK.Tops`` of a Lean certificate's tables (unscaled)."""
    ovu, direct = WorstLogits.of(np.array(cert.ovu, dtype=object)), WorstLogits.of(np.array(cert.direct, dtype=object))
    return Tops(*(a.tolist() for a in (ovu.arg, ovu.top1, ovu.top2, direct.arg, direct.top1, direct.top2)))


def gaps(gt: GapTables, cubic: bool = False) -> dict[tuple[int, int], int]:
    """The passing gap of every certified cell (q, m), q <= m; ``cubic``: by the per-term test
    of ``cubic_cell_terms`` (a subset of the cells and gaps of the exact test)."""
    v = gt.em.d_vocab
    if cubic:
        ovu_w, direct_w = WorstLogits.of(gt.ovu), WorstLogits.of(gt.direct)
    found = {}
    for q in range(v):
        for m in range(q, v):
            terms = cubic_cell_terms(gt, ovu_w, direct_w, q, m) if cubic else cell_terms(gt, q, m)
            g = cell_gap(terms, q, m)
            if g is not None:
                found[(q, m)] = g
    return found


def gap_matrix(found: dict[tuple[int, int], int], v: int) -> list[list[int]]:
    """``gaps[q][m]`` of the Lean ``GapCertificate`` (0: the cell claims nothing)."""
    return [[found.get((q, m), 0) for m in range(v)] for q in range(v)]


def unexplained_dimensionality(v: int, k: int) -> int:
    """Exact tables used: direct path v^2, scores and OV-unembed per position 2 K v^2."""
    return v * v + 2 * k * v * v


def table_flops(v: int, k: int, d_model: int, d_head: int) -> int:
    """Multiply-adds of the exact tables: query, key, scores, OV, OV-unembed, direct path."""
    work = v * d_model * d_head + k * v * d_model * d_head + v * k * v * d_head
    return work + 2 * k * v * d_model * d_head + k * v * d_model * v + v * d_model * v


def proof_flops(v: int, k: int, d_model: int, d_head: int, cubic: bool = False) -> int:
    """Multiply-adds of the check: the tables, then per cell (q <= m) the terms and minima
    (for every wrong logit, or once with ``cubic`` after the rows' two largest entries)."""
    per_logit = 1 if cubic else v - 1
    cells = sum(4 * k * (m + 1) * per_logit for m in range(v) for _ in range(m + 1))
    tops = 2 * (k * v * v + v * v) if cubic else 0
    return table_flops(v, k, d_model, d_head) + tops + cells


def _prove(tables: ModelTables, name: str, cubic: bool) -> Proof:
    start = time.perf_counter()
    gt = GapTables.from_exact(tables.exact)
    found = gaps(gt, cubic)
    cfg = tables.cfg
    count = sum(cell_count(cfg.n_ctx, q, m, g) for (q, m), g in found.items())
    total = cfg.d_vocab**cfg.n_ctx
    result = StrategyResult(
        name,
        count,
        Fraction(count, total),
        proof_flops(cfg.d_vocab, cfg.n_ctx, cfg.d_model, cfg.d_head, cubic),
        unexplained_dimensionality(cfg.d_vocab, cfg.n_ctx),
        time.perf_counter() - start,
        {"certified_cells": len(found), "cells": cfg.d_vocab * (cfg.d_vocab + 1) // 2, "squarings": gt.squarings},
    )
    return Proof(result, lambda: certificate(found, cubic, count))


@register("gap_classes", check=check_model)
def prove_gap_classes(tables: ModelTables) -> Proof:
    """Sound lower bound by gap classes, exact for each wrong logit (module docstring).

    Time O(v^4 K) after the tables."""
    return _prove(tables, "gap_classes", cubic=False)


@register("gap_classes_cubic", check=check_model)
def prove_gap_classes_cubic(tables: ModelTables) -> Proof:
    """Sound lower bound by gap classes with the wrong logit pessimised per term (module
    docstring): a subset of ``gap_classes``'s inputs, in time O(v^3 K) after the tables.

    Precondition: one head. Postcondition: count <= ``gap_classes``'s count <= exact count."""
    return _prove(tables, "gap_classes_cubic", cubic=True)


def certificate(found: dict[tuple[int, int], int], cubic: bool, count: int) -> dict[str, Any]:
    """The witness: the gap of every certified cell (``found``: (q, m) -> g), and the claimed count."""
    return {
        "format": CERTIFICATE_FORMAT,
        "version": CERTIFICATE_VERSION,
        "test": "cubic" if cubic else "exact",
        "gaps": [[q, m, g] for (q, m), g in sorted(found.items())],
        "claimed_correct": count,
    }
