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
``check_certificate`` recomputes every cell from the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..lean_export import (
    AccuracyCertificate,
    ExactModel,
    Tops,
    exact_model,
    exp_hi,
    exp_lo,
    inv_sqrt_bounds,
    tables,
)
from ..model import MaxOfKTransformer
from .registry import StrategyResult, register

CERTIFICATE_FORMAT = "compact-proofs/max-of-k-gap-classes-certificate"
CERTIFICATE_VERSION = 2  # 2: the field "test"
EXP_PREC = 60
SQRT_PREC = 64
EXTRA_SQUARINGS = 22  # beyond the fewest that keep (1 - z/2^n) positive: tighter exp bounds


@dataclass(frozen=True)
class GapTables:
    """Exact integer data of the cells (object arrays of Python ints)."""

    em: ExactModel
    squarings: int
    exp_lo: np.ndarray  # [q, i, t]: <= 2^EXP_PREC exp(score)
    exp_hi: np.ndarray  # [q, i, t]: >= 2^EXP_PREC exp(score)
    direct: np.ndarray  # [q, y], directInt * 2^(2 shift): units u^4, like ovu
    ovu: np.ndarray  # [i, t, y], units u^4

    @staticmethod
    def from_model(model: MaxOfKTransformer) -> "GapTables":
        return GapTables.from_exact(exact_model(model))

    @staticmethod
    def from_exact(em: ExactModel) -> "GapTables":
        tab = tables(em)
        lo, hi = inv_sqrt_bounds(em.d_head, SQRT_PREC)
        scale = 4 * em.shift + SQRT_PREC  # 2^scale * score = scoreInt * (2^Q / sqrt d_head)
        scores = np.array(tab.scores, dtype=object)  # [q, i, t]
        z_lo = np.where(scores >= 0, scores * lo, scores * hi)
        z_hi = np.where(scores >= 0, scores * hi, scores * lo)
        largest = max(int(z) for z in z_hi.reshape(-1))
        n = 0
        while largest >= 1 << (scale + n):
            n += 1
        n += EXTRA_SQUARINGS
        elo = np.vectorize(lambda z: exp_lo(EXP_PREC, scale, n, int(z)), otypes=[object])(z_lo)
        ehi = np.vectorize(lambda z: exp_hi(EXP_PREC, scale, n, int(z)), otypes=[object])(z_hi)
        direct = np.array(tab.direct, dtype=object) * (1 << (2 * em.shift))
        return GapTables(em, n, elo, ehi, direct, np.array(tab.ovu, dtype=object))

    @staticmethod
    def from_lean_certificate(em: ExactModel, cert: AccuracyCertificate) -> "GapTables":
        """The tables and enclosures of a Lean ``Certificate`` (``lean_export``), so that the
        gaps found here are the ones ``CompactProofs.MaxOfK.cellsOk`` accepts."""
        direct = np.array(cert.direct, dtype=object) * (1 << (2 * em.shift))
        as_array = lambda t: np.array(t, dtype=object)  # noqa: E731
        return GapTables(em, cert.squarings, as_array(cert.exp_lo), as_array(cert.exp_hi), direct, as_array(cert.ovu))


def cell_terms(gt: GapTables, q: int, m: int) -> np.ndarray:
    """T[i, t, y] for t <= m and the wrong logits y != m (in increasing order): [K, m+1, v-1]."""
    v = gt.em.d_vocab
    ys = np.array([y for y in range(v) if y != m])
    direct = gt.direct[q, m] - gt.direct[q, ys]  # [y]
    ovu = gt.ovu[:, : m + 1, :]  # [i, t, y']
    coef = direct[None, None, :] + (ovu[:, :, m][:, :, None] - ovu[:, :, ys])  # [i, t, y]
    lo = gt.exp_lo[q, :, : m + 1][:, :, None]
    hi = gt.exp_hi[q, :, : m + 1][:, :, None]
    return np.where(coef >= 0, lo * coef, hi * coef)


def _min_below(terms: np.ndarray, m: int) -> np.ndarray | None:
    """below[i, t, y] = min over t' <= t of T_i(t', y), non-query positions, t < m."""
    k = terms.shape[0]
    return np.minimum.accumulate(terms[: k - 1, :m, :], axis=1) if m > 0 else None


def cell_passes(terms: np.ndarray, q: int, m: int, g: int, below: np.ndarray | None) -> bool:
    """The cell test of the module docstring for gap g (``below`` from ``_min_below``)."""
    k = terms.shape[0]
    at_max = terms[: k - 1, m, :]  # [i, y]
    low = at_max if g == m + 1 else np.minimum(at_max, below[:, m - g, :])  # [i, y]: min over A
    query = terms[k - 1, q, :]  # [y]
    if q == m:
        bound = query + low.sum(axis=0)
    else:
        total = low.sum(axis=0)
        bound = query + np.min(np.stack([total - low[j] + at_max[j] for j in range(k - 1)]), axis=0)
    return bool((bound > 0).all())


def cell_gap(terms: np.ndarray, q: int, m: int) -> int | None:
    """Smallest gap g in 1..m+1 whose class passes the cell test, or None (the test is monotone
    in g: a larger gap shrinks A, which can only raise each minimum)."""
    below = _min_below(terms, m)
    for g in range(1, m + 2):
        if cell_passes(terms, q, m, g, below):
            return g
    return None


def cell_count(k: int, q: int, m: int, g: int) -> int:
    """Inputs of the class of cell (q, m) with gap g."""
    n = m - g + 1
    return (n + 1) ** (k - 1) - (n ** (k - 1) if q < m else 0)


@dataclass(frozen=True)
class WorstLogits:
    """The two largest entries of each row of a table (last axis), which bound every wrong
    logit at once: max_{y != m} row[y] is ``top2`` where m is the row's ``arg``, else ``top1``."""

    arg: np.ndarray  # [...]: index of a largest entry
    top1: np.ndarray  # [...]: the largest entry
    top2: np.ndarray  # [...]: the largest entry off ``arg``

    @staticmethod
    def of(table: np.ndarray) -> "WorstLogits":
        rows = table.reshape(-1, table.shape[-1])
        arg = [max(range(len(r)), key=lambda y, r=r: (r[y], -y)) for r in rows]  # first largest
        top2 = [max((int(x) for y, x in enumerate(r) if y != a), default=0) for r, a in zip(rows, arg)]
        shape = table.shape[:-1]
        as_array = lambda xs: np.array(xs, dtype=object).reshape(shape)  # noqa: E731
        return WorstLogits(as_array(arg), as_array([int(r[a]) for r, a in zip(rows, arg)]), as_array(top2))

    def bound(self, m: int) -> np.ndarray:
        """Upper bound on max_{y != m} row[y], per row."""
        return np.where(self.arg == m, self.top2, self.top1)


def lean_tops(cert: AccuracyCertificate) -> Tops:
    """The witness ``CompactProofs.MaxOfK.Tops`` of a Lean certificate's tables (unscaled)."""
    ovu, direct = WorstLogits.of(np.array(cert.ovu, dtype=object)), WorstLogits.of(np.array(cert.direct, dtype=object))
    return Tops(*(a.tolist() for a in (ovu.arg, ovu.top1, ovu.top2, direct.arg, direct.top1, direct.top2)))


def cubic_cell_terms(gt: GapTables, ovu_w: WorstLogits, direct_w: WorstLogits, q: int, m: int) -> np.ndarray:
    """T[i, t, 0] for t <= m with the wrong logit pessimised per term (``cell_terms`` takes the
    minimum over y of the whole sum instead): [K, m+1, 1]."""
    direct = gt.direct[q, m] - direct_w.bound(m)[q]  # scalar: direct_w is of the scaled table
    coef = direct + gt.ovu[:, : m + 1, m] - ovu_w.bound(m)[:, : m + 1]  # [i, t]
    lo, hi = gt.exp_lo[q, :, : m + 1], gt.exp_hi[q, :, : m + 1]
    return np.where(coef >= 0, lo * coef, hi * coef)[:, :, None]


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


def _prove(model: MaxOfKTransformer, name: str, cubic: bool) -> StrategyResult:
    start = time.perf_counter()
    gt = GapTables.from_model(model)
    found = gaps(gt, cubic)
    cfg = model.cfg
    count = sum(cell_count(cfg.n_ctx, q, m, g) for (q, m), g in found.items())
    total = cfg.d_vocab**cfg.n_ctx
    return StrategyResult(
        name,
        count,
        Fraction(count, total),
        proof_flops(cfg.d_vocab, cfg.n_ctx, cfg.d_model, cfg.d_head, cubic),
        unexplained_dimensionality(cfg.d_vocab, cfg.n_ctx),
        time.perf_counter() - start,
        {"certified_cells": len(found), "cells": cfg.d_vocab * (cfg.d_vocab + 1) // 2, "squarings": gt.squarings},
    )


@register("gap_classes")
def prove_gap_classes(model: MaxOfKTransformer) -> StrategyResult:
    """Sound lower bound by gap classes, exact for each wrong logit (module docstring).

    Time O(v^4 K) after the tables."""
    return _prove(model, "gap_classes", cubic=False)


@register("gap_classes_cubic")
def prove_gap_classes_cubic(model: MaxOfKTransformer) -> StrategyResult:
    """Sound lower bound by gap classes with the wrong logit pessimised per term (module
    docstring): a subset of ``gap_classes``'s inputs, in time O(v^3 K) after the tables.

    Precondition: one head. Postcondition: count <= ``gap_classes``'s count <= exact count."""
    return _prove(model, "gap_classes_cubic", cubic=True)


def certificate(model: MaxOfKTransformer, cubic: bool = False) -> dict[str, Any]:
    """The witness: the gap of every certified cell, and the claimed count."""
    gt = GapTables.from_model(model)
    found = gaps(gt, cubic)
    k = model.cfg.n_ctx
    return {
        "format": CERTIFICATE_FORMAT,
        "version": CERTIFICATE_VERSION,
        "test": "cubic" if cubic else "exact",
        "gaps": [[q, m, g] for (q, m), g in sorted(found.items())],
        "claimed_correct": sum(cell_count(k, q, m, g) for (q, m), g in found.items()),
    }


class GapCertificateError(ValueError):
    """A gap-classes certificate that is malformed or claims a cell that does not pass."""


def check_certificate(model: MaxOfKTransformer, cert: dict[str, Any]) -> int:
    """Recompute every claimed cell from the model (exact integers) and return the certified
    count; raises ``GapCertificateError`` on a malformed certificate, a failing cell, a repeated
    cell, or a claimed count above the certified one."""
    if not isinstance(cert, dict) or cert.get("format") != CERTIFICATE_FORMAT or cert.get("version") != CERTIFICATE_VERSION:
        raise GapCertificateError(f"not a {CERTIFICATE_FORMAT} version {CERTIFICATE_VERSION} certificate")
    if cert.get("test") not in ("exact", "cubic"):
        raise GapCertificateError(f"field 'test' must be 'exact' or 'cubic', not {cert.get('test')!r}")
    cubic = cert["test"] == "cubic"
    v, k = model.cfg.d_vocab, model.cfg.n_ctx
    cells = cert.get("gaps")
    if not isinstance(cells, list) or not all(
        isinstance(c, list) and len(c) == 3 and all(isinstance(x, int) and not isinstance(x, bool) for x in c) for c in cells
    ):
        raise GapCertificateError("field 'gaps' must be a list of [q, m, g] integer triples")
    gt = GapTables.from_model(model)
    if cubic:
        ovu_w, direct_w = WorstLogits.of(gt.ovu), WorstLogits.of(gt.direct)
    seen, count = set(), 0
    for q, m, g in cells:
        if not (0 <= q <= m < v and 1 <= g <= m + 1):
            raise GapCertificateError(f"cell {[q, m, g]} out of range (0 <= q <= m < {v}, 1 <= g <= m + 1)")
        if (q, m) in seen:
            raise GapCertificateError(f"cell ({q}, {m}) is claimed twice")
        seen.add((q, m))
        terms = cubic_cell_terms(gt, ovu_w, direct_w, q, m) if cubic else cell_terms(gt, q, m)
        if not cell_passes(terms, q, m, g, _min_below(terms, m)):
            raise GapCertificateError(f"cell ({q}, {m}) with gap {g} does not pass")
        count += cell_count(k, q, m, g)
    claimed = cert.get("claimed_correct")
    if not isinstance(claimed, int) or isinstance(claimed, bool) or claimed > count:
        raise GapCertificateError(f"claimed_correct {claimed!r} exceeds the {count} inputs the cells certify")
    return count
