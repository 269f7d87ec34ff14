"""The modular-addition accuracy certificate in the form the Lean checker reads.

``CompactProofs.ModAdd.Checker`` checks a variant of ``certificate.OutputFourierCertificate``
made for the kernel: the MLP's output path ``2^t W_out W_U = coef . basis + resid`` with
``basis`` the dyadic Fourier rows of the chosen frequencies, bounded by Hoelder's inequality
only (``lo_n <= resid[n, c] <= lo_n + spread_n``; no Cauchy-Schwarz term, no square roots) and
with no exact neurons. This module computes, in exact Python integers from the tables of
``tables`` (``IntModel``, ``IntTables``):

* ``LeanCertificate``: coefficients, residuals, intervals, the packs and their field widths;
* ``lean_verdicts``: the exact per-input verdicts of the Lean check (a mirror of
  ``rowCount``), which the generated theorems claim.

Floats choose the frequencies; the least-squares coefficients are solved exactly (the same bits
on every machine); nothing else is a float.
Time: O(p^2 d_mlp (k + 1)) integer operations for the mirror, plus the tables'
O(p d_model (d_model + d_mlp)).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .certificate import fourier_basis
from .tables import IntModel, IntTables, Matrix

@dataclass(frozen=True)
class LeanCertificate:
    """The Lean ``Cert``: field widths, scale, bounds, rows and packs (see the Lean docstrings)."""

    freqs: tuple[int, ...]
    prec: int
    w: int
    wL: int
    t: int
    k: int
    bounds: dict[str, int]  # bP, bS, bC, bB, bM, bLin
    pc: list[int]
    p0: list[int]
    p1: list[int]
    colsT: Matrix  # [0] spread, [1 + f] coef column f
    lo: list[int]
    resid: Matrix
    basis: Matrix
    la: list[int]
    lb: list[int]
    counts: list[int]

    @property
    def certified(self) -> int:
        return sum(self.counts)


def _pack(digits: list[int], width: int) -> int:
    """sum_i digits[i] 2^(width i) (signed digits allowed: Lean's ``pack``)."""
    total = 0
    for d in reversed(digits):
        total = (total << width) + d
    return total


def _floor_log2(x: Fraction) -> int:
    """The e with 2^e <= x < 2^(e+1), for x > 0."""
    e = x.numerator.bit_length() - x.denominator.bit_length()
    return e if Fraction(2) ** e <= x else e - 1


def _fit_coefficients(tab: IntTables, im: IntModel, freqs: tuple[int, ...], prec: int, coef_bits: int) -> tuple[Matrix, Matrix, int]:
    """Least-squares coefficients of each row of W_out W_U on the basis, as integers, the basis,
    and t with 2^t m_t ~ coef . basis (the residual is exact, so any coefficients are sound).

    The normal equations are solved in exact rationals, not by LAPACK, so the certificate is
    the same bits on every machine (LAPACK's rounding differs between CPU types).
    Time: O(d_mlp k p) big-integer products plus O(k^3 + d_mlp k^2) rational ones, k = 2|freqs|.
    """
    basis = fourier_basis(im.p, freqs, prec)  # [k, p] ints / 2^prec
    b = basis.num.tolist()
    k, p = len(b), im.p
    gram = [[Fraction(sum(b[i][c] * b[j][c] for c in range(p))) for j in range(k)] for i in range(k)]  # [k, k]
    inverse = _inverse(gram)
    # coef . basis ~ m_t 2^(-2 shift) in real units: coef = (m_t b^T) gram^-1 2^(prec - 2 shift)
    scale = Fraction(2) ** (prec - 2 * im.shift)
    coef = []  # [d_mlp, k]
    for row in tab.m_t:
        rhs = [sum(row[c] * b[i][c] for c in range(p)) for i in range(k)]
        coef.append([scale * sum(rhs[i] * inverse[i][j] for i in range(k)) for j in range(k)])
    top = max((abs(x) for row in coef for x in row), default=Fraction(0))
    q = coef_bits - (_floor_log2(top) if top else 0)
    t = q + prec - 2 * im.shift
    if t < 0:
        q, t = q - t, 0
    coef_int = [[round(x * Fraction(2) ** q) for x in row] for row in coef]  # ties to even, as np.rint
    return coef_int, b, t


def _inverse(a: list[list[Fraction]]) -> list[list[Fraction]]:
    """Exact inverse of a nonsingular square matrix (Gauss-Jordan over the rationals)."""
    n = len(a)
    m = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if m[r][col] != 0), None)
        if pivot is None:
            raise ValueError("the Fourier basis is degenerate (singular Gram matrix)")
        m[col], m[pivot] = m[pivot], m[col]
        inv = 1 / m[col][col]
        m[col] = [x * inv for x in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [row[n:] for row in m]


def build_certificate(im: IntModel, tab: IntTables, freqs: tuple[int, ...], *, prec: int = 24, coef_bits: int = 24) -> LeanCertificate:
    """The certificate for frequencies ``freqs``: exact residuals and intervals, minimal field
    widths, and the per-operand counts of ``lean_verdicts``."""
    p, d_mlp = im.p, im.d_mlp
    coef, basis, t = _fit_coefficients(tab, im, freqs, prec, coef_bits)
    k = len(basis)
    resid = [[(tab.m_t[n][c] << t) - sum(coef[n][f] * basis[f][c] for f in range(k)) for c in range(p)] for n in range(d_mlp)]
    lo = [min(row) for row in resid]
    spread = [max(row) - min(row) for row in resid]
    colsT = [spread] + [[coef[n][f] for n in range(d_mlp)] for f in range(k)]
    la, lb_rows = direct_rows(im, tab, t)
    bounds = {
        "bP": max(abs(x) for j in range(2) for row in tab.pre[j] for x in row),
        "bS": max(abs(tab.pre[0][a][n] + tab.pre_const[n]) for a in range(p) for n in range(d_mlp)),
        "bC": max(abs(x) for row in colsT for x in row),
        "bB": max(abs(x) for row in basis for x in row),
        "bM": max(abs(x) for row in tab.m_t for x in row),
        "bLin": max(abs(x) for rows in (la, lb_rows) for row in rows for x in row),
    }
    b = bounds
    w = 2
    while not (b["bP"] + b["bS"] < 2 ** (w - 1) and d_mlp * b["bC"] * (b["bP"] + b["bS"]) < 2 ** (w - 1)):
        w += 1
    wL = 2
    while not (2 * b["bLin"] + k * 2 ** (w - 1) * b["bB"] < 2 ** (wL - 1) and 2 * (2**t * b["bM"] + k * b["bC"] * b["bB"]) < 2**wL):
        wL += 1
    half = 1 << (w - 1)
    p0, p1 = ([_pack([tab.pre[j][x][n] + half for x in range(p)], w) for n in range(d_mlp)] for j in range(2))
    cert = LeanCertificate(freqs, prec, w, wL, t, k, bounds, list(tab.pre_const), p0, p1, colsT, lo, resid, basis,
                           [_pack(row, wL) for row in la], [_pack(row, wL) for row in lb_rows], [])
    return dataclasses.replace(cert, counts=[int(x) for x in lean_verdicts(im, tab, cert).sum(axis=1)])


def direct_rows(im: IntModel, tab: IntTables, t: int) -> tuple[Matrix, Matrix]:
    """The direct path scaled by 2^t, per operand: [a][c] ``2^t (linConst c + 2^(2s) ovuTab 0 a c)``
    and [b][c] ``2^(t + 2s) ovuTab 1 b c`` (the Lean ``laRow``, ``lbRow``)."""
    p, s = im.p, im.shift
    la = [[(tab.lin_c[c] * 2 ** (4 * s + 1) + tab.ovu[0][a][c] * 2 ** (2 * s)) << t for c in range(p)] for a in range(p)]
    lb = [[tab.ovu[1][b][c] << (t + 2 * s) for c in range(p)] for b in range(p)]
    return la, lb


def lean_verdicts(im: IntModel, tab: IntTables, cert: LeanCertificate) -> np.ndarray:
    """[a, b]: what the Lean ``inputOk`` decides (exact integers; the same sums, unpacked)."""
    p = im.p
    la, lb_rows = direct_rows(im, tab, cert.t)
    d_mlp = len(cert.pc)
    spread, coef_cols = cert.colsT[0], cert.colsT[1:]
    out = []
    for a in range(p):
        row = []
        for b in range(p):
            post = [max(tab.pre_int(a, b, n), 0) for n in range(d_mlp)]
            hold = sum(x * y for x, y in zip(spread, post))
            us = [sum(x * y for x, y in zip(col, post)) for col in coef_cols]
            ell = [la[a][c] + lb_rows[b][c] + sum(u * cert.basis[f][c] for f, u in enumerate(us)) for c in range(p)]
            y = (a + b) % p
            row.append(all(c == y or ell[y] - ell[c] > hold for c in range(p)))
        out.append(row)
    return np.array(out, dtype=bool)


def output_frequencies(tab: IntTables, im: IntModel) -> tuple[int, ...]:
    """The frequencies 1..(p-1)/2 by decreasing total power in the rows of W_out W_U (floats:
    they only choose the basis)."""
    p = im.p
    m = np.array([[float(x) for x in row] for row in tab.m_t])  # [d_mlp, p], scale irrelevant
    ks = np.arange(1, (p - 1) // 2 + 1)
    spec = m @ np.exp(-2j * np.pi * np.outer(ks, np.arange(p)) / p).T  # [d_mlp, k]
    return tuple(int(k) for k in ks[np.argsort(-(np.abs(spec) ** 2).sum(axis=0), kind="stable")])
