"""Exact checker of gap-classes certificates: the cell test and the count of a cell.

This is the spec the search of ``gap_classes`` must meet (the claim and test are stated in
that module's docstring); the search imports it, never the reverse. ``check_certificate``
rebuilds the exact tables and enclosures from the model itself and re-runs the test of every
claimed cell; it trusts nothing in the certificate but the cells it names.

Time: that of the tables, O(v^2 K d_model d_head), plus O(v K v) per claimed cell (O(v K)
with the cubic test). Postcondition: the returned count never exceeds the exact number of
correct inputs; any malformed or failing claim raises ``GapCertificateError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import strategy as core_strategy
from ..lean_export import AccuracyCertificate, ExactModel, exp_hi, exp_lo, inv_sqrt_bounds
from ..tables import ModelTables


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
    def from_exact(em: ExactModel) -> "GapTables":
        tab = em.tables
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


def min_below(terms: np.ndarray, m: int) -> np.ndarray | None:
    """below[i, t, y] = min over t' <= t of T_i(t', y), non-query positions, t < m."""
    k = terms.shape[0]
    return np.minimum.accumulate(terms[: k - 1, :m, :], axis=1) if m > 0 else None


def cell_passes(terms: np.ndarray, q: int, m: int, g: int, below: np.ndarray | None) -> bool:
    """The cell test of the module docstring for gap g (``below`` from ``min_below``)."""
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


def cubic_cell_terms(gt: GapTables, ovu_w: WorstLogits, direct_w: WorstLogits, q: int, m: int) -> np.ndarray:
    """T[i, t, 0] for t <= m with the wrong logit pessimised per term (``cell_terms`` takes the
    minimum over y of the whole sum instead): [K, m+1, 1]."""
    direct = gt.direct[q, m] - direct_w.bound(m)[q]  # scalar: direct_w is of the scaled table
    coef = direct + gt.ovu[:, : m + 1, m] - ovu_w.bound(m)[:, : m + 1]  # [i, t]
    lo, hi = gt.exp_lo[q, :, : m + 1], gt.exp_hi[q, :, : m + 1]
    return np.where(coef >= 0, lo * coef, hi * coef)[:, :, None]


class GapCertificateError(core_strategy.CertificateError):
    """A gap-classes certificate that is malformed or claims a cell that does not pass."""


def check_model(tables: ModelTables, cert: dict[str, Any]) -> int:
    """The certified count for the model of ``tables`` (``registry.Checker``)."""
    return check_certificate(tables.exact, cert)


def check_certificate(em: ExactModel, cert: dict[str, Any]) -> int:
    """Recompute every claimed cell from the model's exact weights ``em`` and return the certified
    count; raises ``GapCertificateError`` on a malformed certificate, a failing cell, a repeated
    cell, or a claimed count above the certified one."""
    if not isinstance(cert, dict) or cert.get("format") != CERTIFICATE_FORMAT or cert.get("version") != CERTIFICATE_VERSION:
        raise GapCertificateError(f"not a {CERTIFICATE_FORMAT} version {CERTIFICATE_VERSION} certificate")
    if cert.get("test") not in ("exact", "cubic"):
        raise GapCertificateError(f"field 'test' must be 'exact' or 'cubic', not {cert.get('test')!r}")
    cubic = cert["test"] == "cubic"
    v, k = em.d_vocab, em.n_ctx
    cells = cert.get("gaps")
    if not isinstance(cells, list) or not all(
        isinstance(c, list) and len(c) == 3 and all(isinstance(x, int) and not isinstance(x, bool) for x in c) for c in cells
    ):
        raise GapCertificateError("field 'gaps' must be a list of [q, m, g] integer triples")
    gt = GapTables.from_exact(em)
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
        if not cell_passes(terms, q, m, g, min_below(terms, m)):
            raise GapCertificateError(f"cell ({q}, {m}) with gap {g} does not pass")
        count += cell_count(k, q, m, g)
    claimed = cert.get("claimed_correct")
    if not isinstance(claimed, int) or isinstance(claimed, bool) or claimed > count:
        raise GapCertificateError(f"claimed_correct {claimed!r} exceeds the {count} inputs the cells certify")
    return count
