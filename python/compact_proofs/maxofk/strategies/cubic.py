r"""The cubic proof of Gross et al. (2024), made sound: O(v^3 K) checker work.

Strategies registered here: ``cubic`` (the paper's argument with two cheap sound
refinements, Step 5) and ``cubic_paper`` (the paper's tables exactly, with its attention bug
fixed, see "Findings"). Both are rigorous: floats only find the proof; every decisive
comparison carries a proven rounding allowance or is exact.

Notation. v = d_vocab, K = n_ctx, s = sqrt(d_head). Input x_0 .. x_{K-1}; the query is
q = x_{K-1} (position K-1), the true maximum m. Exact path tables (integers times a shared
power of two, read exactly from the float32 weights):

    score of query q on token t at position i = (EQKE[q,t] + EQKP[q,i]) / s
    logit(x) = EUPU[q,x] + sum_i a_i (EVOU[x_i,x] + PVOU[i,x]),  a = softmax of the scores.

The input is correct iff Delta(x) := logit(x) - logit(m) < 0 for every x != m (ties wrong).

Attention. w_i = exp((EQKE[q,x_i] + EQKP[q,i] - shift_q) / s) > 0, one shift per query, so
a_i = w_i / Z with Z = sum_i w_i > 0, and w_i = alpha(x_i) beta(i) factorises
(alpha(t) = exp((EQKE[q,t] - shift_q) / s), beta(i) = exp(EQKP[q,i] / s), both for fixed q).

Centred, position-pessimised tables (for each max m; exact integers):

    D'[q,x] = EUPU[q,x] - EUPU[q,m],  E'[t,x] = EVOU[t,x] - EVOU[t,m],
    PVOU'[i,x] = PVOU[i,x] - PVOU[i,m],  P*[x] = max_i PVOU'[i,x]   ("pessimise position"),
    U[q] = max_{x != m} D'[q,x],  V[t] = max_{x != m} (E'[t,x] + P*[x]).

Step 1 (wrong-logit bound; uses w_i > 0). For any input with max m, query q, x != m:

    Z Delta(x) = sum_i w_i (D'[q,x] + E'[x_i,x] + PVOU'[i,x])
              <= sum_i w_i cbar_i(x),   cbar_i(x) = D'[q,x] + E'[x_i,x] + P*[x]   (PVOU' <= P*)

and F(input) := max_{x != m} sum_i w_i cbar_i(x) < 0 certifies the input. Bounding the max of
the sum by the sum of maxes (max_x cbar_i(x) <= U[q] + V[x_i]) gives the paper's quantity

    N(input) = sum_i w_i W(x_i),   W(t) = U[q] + V[t],   F <= N.

The paper's L = U_q + sum_tok A_tok V_tok (A = attention masses) is N / Z: same sign; we test
N < 0 and never divide.

Step 2 (cells and the two arrangements; claim (a)). A cell (m, q, t, c): the K-1 non-query
positions hold c copies of t < m and K-1-c copies of m (c = 0: all hold m). With M the set of
non-query positions holding m, X = sum_{i in M} beta(i), S = sum_{i < K-1} beta(i):

    N = w_{K-1} W(q) + alpha(m) X W(m) + alpha(t) (S - X) W(t),

AFFINE in X. (The paper argues that L = N / Z is linear-fractional in X, hence monotone; for
the sign of N the affine form is the simpler statement.) Over arrangements X ranges within
[X_lo, X_hi], X_lo putting m on the K-1-c positions with the smallest EQKP[q,.] ("low"),
X_hi on the largest ("high"), since beta increases with EQKP. An affine function attains its
maximum over an interval at an endpoint: max over arrangements of N <= max(N_low, N_high).
This holds BECAUSE of the position pessimisation: with the exact PVOU'[i,x] the bracket of a
position depends on the position itself, N is not a function of X alone and the sorted
arrangements need not be extreme. The query position is fixed and causes no problem (its
PVOU may be kept exact, Step 5). The same argument works for any maximum of affine
functions of X (convex), used by ``cubic_tight``.

Step 3 (mixing; claim (b)). Fix (m, q, c), an input whose c non-max non-query tokens t_j sit
at positions j in J (any mix of values), and M its max positions. Split F's sum as
R(x) + sum_{j in J} beta(j) alpha(t_j) g_{t_j}(x), where R collects the query and M terms and
g_t(x) = D'[q,x] + E'[t,x] + P*[x] does not depend on the position (pessimisation again).
With B = sum_{j in J} beta(j):

    R(x) + sum_j beta(j) alpha(t_j) g_{t_j}(x) = sum_j (beta(j) / B) (R(x) + B alpha(t_j) g_{t_j}(x)),

a convex combination, at the same x, of the sums of the PURE inputs (all t_j replaced by one
value t, same M). Taking max over x: F(mixed) <= max_j F(pure t_j, same M). So if every cell
(m, q, t, c) with t in T is certified for all arrangements (by any upper bound of F, e.g.
N), every input of the group whose non-max tokens lie in T is correct: C(K-1, c) |T|^c of
them (choose the c positions, then a token of T for each). The paper's "convexity" comment
is therefore right, and right only because of the pessimisation; with position-exact values
the convex combination above is not one of pure inputs and sets must be certified jointly
(``cubic_tight`` part C).

Step 4 (count). Inputs are partitioned by (m, q, c, positions, tokens):

    count = sum_m sum_{q <= m} ( [c=0 cell certified] + sum_{valid c >= 1} C(K-1,c) G(m,q,c)^c ),

G the number of certified t < m; c ranges over 1..K-1 when q = m and 1..K-2 when q < m (the
max must sit at a non-query position); for K = 1 only q = m exists. c = 0 cells use the joint
maximum over x, as the paper: Z Delta(x) <= X_m a(x) + w_{K-1} b(x) for every x != m, with
a = D'[q,.] + E'[m,.] + P* and b = D'[q,.] + E'[q,.] + P*; when q = m the paper's exact
integer test max_x a(x) < 0 (Z > 0 factors out).

Step 5 (refinements of ``cubic``; both keep Steps 2-3 valid since every role value stays
position independent, and both are O(v^3)): (i) P* is taken over the non-query positions
only; the query position uses its own PVOU'[K-1,x] (in b and in W(q)). (ii) The two roles
whose token is fixed by (m, q) take the maximum jointly with the direct path:
W_m = max_{x != m} a(x), W_q = max_{x != m} b(x) (pointwise <= U + V); the non-max role keeps
W(t) = U[q] + V[t] (its joint maximum would cost v^4). c = 0 cells, including q = m, use the
X_m a + w b test. ``cubic_paper`` uses neither.

Findings about the paper's code (gbmi/exp_max_of_n/verification/cubic.py, versions read at
commits 0e0b0c4 and 285ccd7, and the same code in notebooks_jason/max_of_4.py):
``compute_extreme_softmaxed_right_attention_cubic_simple`` sets the attention on the non-max
token t to the QUERY's attention (``result[:, w_nmx] = result[:, w_qry] = tmp_sm[:, -1] if
q != m else 0``) instead of the sum over the c positions holding t. With q = m the non-max
positions are dropped entirely. This is unsound: on small random models the published
computation claims more correct inputs than exist (e.g. d_vocab 3, K 3, d_model = d_head 4:
18 claimed, 9 correct), and on our Max-of-4 seed 123 it would claim 16,574,673 vs 16,126,105
for the corrected computation. ``cubic_paper`` is the corrected computation, and equals an
independent float re-implementation of the paper's formula with the attention fixed.
All other steps of the paper's argument check out as above (the float32 arithmetic
without rounding control is the other soundness gap, closed here).

Rigour. Integer tables are exact (Python ints). The weights w are enclosed in float64
[lo, hi] by mpmath interval exp (outward rounded; libm is never used). Masses (sums of w)
come from float sums widened by a relative 1e-12 (n <= K nonnegative terms lose at most
(n-1) 2^-53). Every certified inequality has the form sum_r M_r W_r < 0 with M_r in
[lo_r, hi_r] and W_r an exact integer rounded once to float64 (sign kept): each term is
bounded by fl(sel_r W_r) + 1e-13 |.| + 1e-290, sel_r the endpoint matching the sign of W_r,
and the sum by fl(sum) + 1e-13 sum |.| + 1e-290. The slack 1e-13 dwarfs the few unit
roundoffs (1.1e-16) of the correctly rounded IEEE +, * and int -> float conversions; the
absolute slack covers subnormal underflow (masses <= K because w <= 1). NaN or infinity
makes a comparison false, i.e. uncertified.

Time complexity: O(v^2 d (d + K)) exact products, O(v^2 K) exp enclosures, O(v^3) exact
centring and maxima, O(v^3 K) float cell checks (two arrangements per cell).

Preconditions: one attention head (ValueError otherwise), K >= 1, d_vocab >= 2, finite
weights, K <= 1000 (the slack is sized for it).

Postconditions: ``cubic(model).correct_lower_bound`` <= the exact number of correct inputs
(``brute_force.exact_verdicts``); the claimed inputs are exactly ``covered_inputs(...)``;
``maxofk.checks.cubic.check_certificate(certificate(model))`` re-derives the count in exact rationals.

Proof FLOPs (the paper's convention: checker work only, counted from shapes; matmul
[a,b]@[b,c] costs a c (2b - 1), a reduction of n numbers n - 1, elementwise ops 1, an exp
enclosure 2 (lower and upper), sortedness verified with n - 1 comparisons). Counted: the
path tables from the weights, the enclosures, centring and maxima, masses, and for each
cell a checker must test (q <= m, t < m, valid c) both arrangements (3 products, 2 adds, 1
comparison each), and the count. Excluded: proof search and the float rounding allowances
(reported in ``details["allowance_flops"]``; an exact-rational checker does not need them).

Unexplained dimensionality: the paper's code constant for the cubic proof,
EUPU v^2 + PVOU K v + EQKE v^2 + EQKP v K + EVOU v^2 (12,800 for v = 64, K = 4).

Certificate: format and checker in ``maxofk.checks.cubic`` (this module imports it, never the reverse).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from ...core.exact import iv_precision
from ..tables import ModelTables, PathTables
from ..checks.cubic import FORMAT, VERSION, check_model, count_from_sizes
from .registry import Proof, StrategyResult, register

_REL = 1e-13  # relative slack per bounded product / sum (>> a few unit roundoffs)
_ABS = 1e-290  # absolute slack per bound (subnormal underflow)
_SUM_REL = 1e-12  # widening of float sums of nonnegative weights
_MAX_K = 1000  # the slacks above assume at most this many positions


def exp_enclosures(tables: PathTables, prec: int = 80) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Float64 [lo, hi] enclosing w[q, i, t] = exp((score[q,i,t] - shift_q) 2^score_exp / sqrt(d_head)).

    shift_q = max_{i,t} score[q, i, t], so 0 < w <= 1. mpmath interval arithmetic (rigorous
    exp and sqrt) at enough bits to hold the integer exponents exactly; endpoints are rounded
    to float64 and then moved one ulp outward.
    """
    scores = tables.scores()
    v, k, _ = scores.shape
    lo, hi = np.empty((v, k, v)), np.empty((v, k, v))
    shifts = [int(max(scores[q].reshape(-1))) for q in range(v)]
    bits = max(int(abs(int(n))).bit_length() for n in scores.reshape(-1)) + 2
    with iv_precision(max(prec, 2 * bits + 16)):
        scale = mpmath.iv.ldexp(mpmath.iv.mpf(1), tables.score_exp) / mpmath.iv.sqrt(tables.d_head)
        for q in range(v):
            for i in range(k):
                for t in range(v):
                    enc = mpmath.iv.exp(mpmath.iv.mpf(int(scores[q, i, t]) - shifts[q]) * scale)
                    lo[q, i, t] = np.nextafter(float(enc.a), -np.inf)
                    hi[q, i, t] = np.nextafter(float(enc.b), np.inf)
    return np.maximum(lo, 0.0), hi, shifts


def to_float(values: np.ndarray, exp: int) -> np.ndarray:
    """Integer object array times 2**exp, rounded to float64 (relative error <= 2^-52)."""

    def one(n: int) -> float:
        n = int(n)
        if n.bit_length() <= 1000:
            return math.ldexp(float(n), exp)  # int -> float correctly rounded, ldexp exact
        s = n.bit_length() - 80
        return math.ldexp(float(n >> s), exp + s)  # floor then round: relative error < 2^-52

    flat = np.fromiter((one(n) for n in values.reshape(-1)), dtype=np.float64, count=values.size)
    return flat.reshape(values.shape)


def _sentinel(*arrays: np.ndarray) -> int:
    """An integer below every entry of the given integer object arrays."""
    bits = max((int(abs(int(n))).bit_length() for a in arrays for n in a.reshape(-1)), default=0)
    return -(1 << (bits + 4))


# --------------------------------------------------------------------------------------
# Rigorous float bounds


def ub_products(lo: np.ndarray, hi: np.ndarray, wf: np.ndarray) -> np.ndarray:
    """Upper bound of M * W over M in [lo, hi] (0 <= lo), W exact with correctly rounded wf."""
    with np.errstate(all="ignore"):
        p = np.where(wf > 0, hi, lo) * wf
        return p + (_REL * np.abs(p) + _ABS)


def ub_sum(parts: list[np.ndarray]) -> np.ndarray:
    """Upper bound of the exact sum of the given (already upper-bounding) float arrays."""
    with np.errstate(all="ignore"):
        total = sum(parts[1:], parts[0])
        size = sum((np.abs(p) for p in parts[1:]), np.abs(parts[0]))
        return total + (_REL * size + _ABS)


def mass_enclosures(lo: np.ndarray, hi: np.ndarray, order: np.ndarray):
    """Prefix and suffix sums of weights over the sorted non-query positions.

    lo, hi: [q, i, t]; order[q]: non-query positions sorted by eqkp[q, .] ascending.
    Returns (pre_lo, pre_hi, suf_lo, suf_hi), each [q, j, t] for j = 0..K-1: pre sums the
    j smallest-score positions, suf the positions from rank j on.
    """
    v, k, _ = lo.shape
    out = []
    for w in (lo, hi):
        s = np.take_along_axis(w[:, : k - 1, :], order[:, :, None], axis=1)  # [q, j, t]
        zeros = np.zeros((v, 1, v))
        pre = np.concatenate([zeros, np.cumsum(s, axis=1)], axis=1)
        suf = np.concatenate([np.cumsum(s[:, ::-1], axis=1)[:, ::-1], zeros], axis=1)
        out.append((pre, suf))
    (pre_lo, suf_lo), (pre_hi, suf_hi) = out

    def down(a):
        a = a * (1 - _SUM_REL)
        return np.where(a < 1e-280, 0.0, a)

    def up(a):
        return a * (1 + _SUM_REL) + _ABS

    return down(pre_lo), up(pre_hi), down(suf_lo), up(suf_hi)


# --------------------------------------------------------------------------------------
# The proof


class FlopCounter:
    def __init__(self) -> None:
        self.parts: dict[str, int] = {}

    def add(self, name: str, n: int) -> None:
        self.parts[name] = self.parts.get(name, 0) + int(n)

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def table_flops(flops: FlopCounter, v: int, k: int, d: int, h: int) -> None:
    """Shape-counted cost of computing the path tables and the exp enclosures."""
    mm = lambda a, b, c: a * c * (2 * b - 1)  # noqa: E731
    flops.add("tables", v * d + mm(v, d, h) + mm(v, d, h) + mm(k, d, h) + mm(v, h, v) + mm(v, h, k))
    flops.add("tables", mm(d, h, d) + mm(d, d, v) + mm(v, d, v) + mm(k, d, v) + mm(v, d, v))
    # scores, shift (row max), subtract, scale, exp lower and upper
    flops.add("exp", v * k * v + v * (k * v - 1) + 2 * v * k * v + 2 * v * k * v)


@dataclass
class CentredTables:
    """Exact integer tables for every max m (value scale 2**value_exp).

    ``refined`` False (the paper): P* is the maximum over all K positions and every role value
    is U + V. ``refined`` True: P* is the maximum over the K-1 non-query positions only, the
    query role uses PVOU'[K-1] exactly, and the two roles whose token is fixed by (m, q)
    take the maximum over wrong logits jointly with the direct path.
    """

    ppess: np.ndarray  # [m, x]   P*[x] = max_i PVOU[i,x] - PVOU[i,m]
    ecen: np.ndarray  # [m, t, x] E'[t,x] = EVOU[t,x] - EVOU[t,m]
    dcen: np.ndarray  # [m, q, x] D'[q,x] = EUPU[q,x] - EUPU[q,m]
    V: np.ndarray  # [m, t]  max_{x != m} E'[t,x] + P*[x]
    U: np.ndarray  # [m, q]  max_{x != m} D'[q,x]
    a: np.ndarray  # [m, q, x] bracket of a non-query position holding m
    b: np.ndarray  # [m, q, x] bracket of the query position
    w_m: np.ndarray  # [m, q] role value of a non-query position holding m
    w_q: np.ndarray  # [m, q] role value of the query position
    sentinel: int
    offdiag: np.ndarray = field(repr=False)  # [m, x] bool, x != m


def centred_tables(tb: PathTables, refined: bool, flops: FlopCounter | None = None) -> CentredTables:
    v, k = tb.d_vocab, tb.n_ctx
    sent = _sentinel(tb.evou, tb.pvou, tb.eupu) * 4
    offdiag = ~np.eye(v, dtype=bool)
    ar = np.arange(v)
    pv = tb.pvou[:, None, :] - tb.pvou[:, :, None]  # [i, m, x]: PVOU'[i, x] for max m
    n_pess = k - 1 if refined and k >= 2 else k  # positions pessimised over
    ppess = pv[:n_pess].max(axis=0)  # [m, x]
    ecen = tb.evou[None, :, :] - tb.evou.T[:, :, None]  # [m, t, x]
    dcen = tb.eupu[None, :, :] - tb.eupu.T[:, :, None]  # [m, q, x]
    V = np.where(offdiag[:, None, :], ecen + ppess[:, None, :], sent).max(axis=2)
    U = np.where(offdiag[:, None, :], dcen, sent).max(axis=2)
    a = dcen + (ecen[ar, ar, :] + ppess)[:, None, :]  # D'[q,x] + E'[m,x] + P*[x]
    q_pos = pv[k - 1] if refined else ppess  # [m, x]
    b = dcen + ecen[ar[:, None], ar[None, :], :] + q_pos[:, None, :]  # D'[q,x] + E'[q,x] + P(query)[x]
    if refined:
        w_m = np.where(offdiag[:, None, :], a, sent).max(axis=2)
        w_q = np.where(offdiag[:, None, :], b, sent).max(axis=2)
    else:
        w_m = U + V[ar, ar][:, None]
        w_q = U + V[ar[:, None], ar[None, :]]
    if flops is not None:
        flops.add("centre", k * v * v + (n_pess - 1) * v * v)  # PVOU', P*
        flops.add("centre", 2 * v**3 + v * v * (v - 2))  # E' + P*, max over x != m
        flops.add("centre", v**3 + v * v * (v - 2))  # D', max over x != m
        flops.add("centre", 4 * v**3)  # a, b
        flops.add("centre", 2 * v * v * (v - 2) if refined else 2 * v * v)  # role values
    return CentredTables(ppess, ecen, dcen, V, U, a, b, w_m, w_q, sent, offdiag)


@dataclass
class CubicProof:
    """Everything the cubic proof established (for results and certificates)."""

    tables: PathTables
    refined: bool
    shifts: list[int]
    lo: np.ndarray
    hi: np.ndarray
    order: np.ndarray  # [q, K-1]
    cert0: np.ndarray  # [m, q] bool: c = 0 cell certified (q <= m)
    cert: dict[int, np.ndarray]  # c >= 1 -> [m, q, t] bool
    masses: tuple  # (pre_lo, pre_hi, suf_lo, suf_hi), see mass_enclosures
    count: int
    flops: FlopCounter
    allowance_flops: int


def positions_order(tb: PathTables) -> np.ndarray:
    k = tb.n_ctx
    return np.array([sorted(range(k - 1), key=lambda i: (tb.eqkp[q, i], i)) for q in range(tb.d_vocab)],
                    dtype=np.int64).reshape(tb.d_vocab, k - 1)


def valid_cells(v: int, k: int, c: int) -> np.ndarray:
    """[m, q, t] mask of the cells (m, q, t, c), c >= 1, a checker must test."""
    m, q, t = np.indices((v, v, v))
    return (q <= m) & (t < m) & ((q == m) | (c <= k - 2))


def covered_inputs(v: int, k: int, cert0: np.ndarray, sets: dict[int, np.ndarray]) -> np.ndarray:
    """Boolean array [v] * K (C order) of the inputs a certified structure claims correct.

    Input x (query q = x[-1], max m, c = number of non-query tokens below m) is claimed iff
    c = 0 and cert0[m, q], or c >= 1 and every non-query token below m is in sets[c][m, q].
    Enumerates all v^K inputs (for tests and small models); the claimed count equals
    ``count_from_sizes`` (Step 4 of the module docstring).
    """
    toks = np.indices((v,) * k).reshape(k, -1).T  # [n, K]
    m, q = toks.max(axis=1), toks[:, -1]
    below = toks[:, :-1] < m[:, None]  # [n, K-1]
    c = below.sum(axis=1)
    out = np.zeros(len(toks), dtype=bool)
    zero = c == 0
    out[zero] = cert0[m[zero], q[zero]]
    for cc, members in sets.items():
        sel = c == cc
        ok = np.ones(int(sel.sum()), dtype=bool)
        for j in range(k - 1):
            t = toks[sel, j]
            ok &= ~below[sel, j] | members[m[sel], q[sel], t]
        out[sel] = ok
    return out.reshape((v,) * k)


def prove_cubic(tables: ModelTables, refined: bool = True) -> CubicProof:
    """Run the cubic proof (``refined``: the sound tightenings of Step 5; else the paper's tables)."""
    tb = tables.path
    cfg = tables.cfg
    v, k = tb.d_vocab, tb.n_ctx
    if k > _MAX_K:
        raise ValueError(f"n_ctx {k} exceeds the {_MAX_K} positions the rounding slack is sized for")
    flops = FlopCounter()
    allowance = 0
    table_flops(flops, v, k, cfg.d_model, cfg.d_head)
    lo, hi, shifts = exp_enclosures(tb)
    ct = centred_tables(tb, refined, flops)
    order = positions_order(tb)
    flops.add("sort-verify", v * max(k - 2, 0))
    pre_lo, pre_hi, suf_lo, suf_hi = mass_enclosures(lo, hi, order)
    flops.add("masses", 2 * v * v * max(k - 1, 0))
    allowance += 4 * v * v * max(k - 1, 0)
    ar = np.arange(v)
    wq_lo, wq_hi = lo[ar, k - 1, ar], hi[ar, k - 1, ar]  # [q] query-position weight
    tri = ar[None, :] <= ar[:, None]  # [m, q]: q <= m
    n_qm = v * (v + 1) // 2

    # c = 0 cells: Z Delta(x) <= X_m a(x) + w_{K-1} b(x) for every x != m.
    cert0 = np.zeros((v, v), dtype=bool)
    if not refined:  # the paper's exact integer test when every token is m
        a_max = np.where(ct.offdiag[:, None, :], ct.a, ct.sentinel).max(axis=2)  # [m, q]
        cert0[ar, ar] = a_max[ar, ar] < 0
        flops.add("cells-c0", v * (v - 2) + v)
    af, bf = to_float(ct.a, tb.value_exp), to_float(ct.b, tb.value_exp)
    xm_lo, xm_hi = suf_lo[:, 0, :].T, suf_hi[:, 0, :].T  # [m, q]: every non-query position holds m
    n_ub = ub_sum([
        ub_products(xm_lo[:, :, None], xm_hi[:, :, None], af),
        ub_products(wq_lo[None, :, None], wq_hi[None, :, None], bf),
    ])
    ok = np.where(ct.offdiag[:, None, :], n_ub < 0, True).all(axis=2)
    mass_cells = tri if refined else ar[None, :] < ar[:, None]
    if k == 1:  # a single position: the query is the max
        mass_cells = mass_cells & (ar[None, :] == ar[:, None])
    cert0[mass_cells] = ok[mass_cells]
    n_mass = int(mass_cells.sum())
    flops.add("cells-c0", n_mass * (v - 1) * 4)  # two products, add, compare
    allowance += n_mass * (v - 1) * 8

    # c >= 1 cells: role values w_m, w_q (fixed by (m, q)) and w_t = U[q] + V[t].
    cert: dict[int, np.ndarray] = {}
    if k >= 2:
        w_t = to_float(ct.U[:, :, None] + ct.V[:, None, :], tb.value_exp)  # [m, q, t]
        w_m, w_q = to_float(ct.w_m, tb.value_exp), to_float(ct.w_q, tb.value_exp)  # [m, q]
        flops.add("cells", v**3)  # U + V
        for c in range(1, k):
            n_m = k - 1 - c
            ok_all = np.ones((v, v, v), dtype=bool)
            for mass_m, mass_t in (
                ((pre_lo[:, n_m, :].T, pre_hi[:, n_m, :].T), (suf_lo[:, n_m, :], suf_hi[:, n_m, :])),  # low
                ((suf_lo[:, c, :].T, suf_hi[:, c, :].T), (pre_lo[:, c, :], pre_hi[:, c, :])),  # high
            ):
                n_ub = ub_sum([
                    ub_products(mass_m[0][:, :, None], mass_m[1][:, :, None], w_m[:, :, None]),
                    ub_products(mass_t[0][None], mass_t[1][None], w_t),
                    ub_products(wq_lo[None, :, None], wq_hi[None, :, None], w_q[:, :, None]),
                ])
                ok_all &= n_ub < 0
            valid = valid_cells(v, k, c)
            cert[c] = ok_all & valid
            n_valid = int(valid.sum())
            flops.add("cells", n_valid * 2 * 6)  # per arrangement: 3 products, 2 adds, 1 compare
            allowance += n_valid * 2 * 12
    sizes = {c: cert[c].sum(axis=2) for c in cert}
    count = count_from_sizes(v, k, cert0, sizes)
    flops.add("count", n_qm * max(k - 1, 0) * (v + 2 + max(k - 2, 0)) + n_qm)
    return CubicProof(tb, refined, shifts, lo, hi, order, cert0, cert, (pre_lo, pre_hi, suf_lo, suf_hi), count, flops, allowance)


def unexplained_dimensionality(v: int, k: int) -> int:
    """The paper's constant: EUPU v^2 + PVOU K v + EQKE v^2 + EQKP v K + EVOU v^2."""
    return v * v + k * v + v * v + v * k + v * v


def _proof(name: str, tables: ModelTables, refined: bool) -> Proof:
    start = time.perf_counter()
    proof = prove_cubic(tables, refined)
    seconds = time.perf_counter() - start
    v, k = tables.cfg.d_vocab, tables.cfg.n_ctx
    details = {
        "n_inputs": v**k,
        "flops_breakdown": dict(proof.flops.parts),
        "allowance_flops": proof.allowance_flops,
        "certified_c0": int(proof.cert0.sum()),
        "certified_cells": {c: int(a.sum()) for c, a in proof.cert.items()},
    }
    result = StrategyResult(
        name, proof.count, Fraction(proof.count, v**k), proof.flops.total,
        unexplained_dimensionality(v, k), seconds, details,
    )
    return Proof(result, lambda: certificate(proof))


@register("cubic", check=check_model)
def cubic(tables: ModelTables) -> Proof:
    """The sound cubic proof with the Step 5 refinements (see the module docstring)."""
    return _proof("cubic", tables, refined=True)


@register("cubic_paper", check=check_model)
def cubic_paper(tables: ModelTables) -> Proof:
    """The paper's cubic proof with its attention bug fixed, made rigorous (no refinements)."""
    return _proof("cubic_paper", tables, refined=False)


# --------------------------------------------------------------------------------------
# Certificates


def _ratio(x: float) -> list[int]:
    n, d = float(x).as_integer_ratio()
    return [n, d]


def certificate(proof: CubicProof) -> dict[str, Any]:
    """The certificate of a cubic proof (format: ``maxofk.checks.cubic``'s docstring). Time O(v^2 K)."""
    refined = proof.refined
    tb = proof.tables
    v, k = tb.d_vocab, tb.n_ctx
    certified = []
    for m in range(v):
        row = []
        for q in range(v):
            cells = []
            for c in range(k):
                if q > m or (q < m and c > k - 2 and c >= 1):
                    cells.append([])
                elif c == 0:
                    cells.append([m] if proof.cert0[m, q] else [])
                else:
                    cells.append([int(t) for t in np.nonzero(proof.cert[c][m, q])[0]])
            row.append(cells)
        certified.append(row)
    return {
        "format": FORMAT,
        "version": VERSION,
        "strategy": "cubic" if refined else "cubic_paper",
        "variant": "refined" if refined else "paper",
        **table_fields(proof),
        "certified": certified,
        "correct_count": proof.count,
        "n_inputs": v**k,
    }


def table_fields(proof: CubicProof) -> dict[str, Any]:
    """The certificate fields shared by the cubic-family formats: shapes, exact integer path
    tables, exp shifts and enclosures (exact pairs [num, den]), and the position order."""
    tb = proof.tables
    to_pairs = np.vectorize(_ratio, otypes=[object])
    return {
        "d_vocab": tb.d_vocab,
        "n_ctx": tb.n_ctx,
        **tb.json_fields(),
        "exp_shift": [int(s) for s in proof.shifts],
        "exp_lower": to_pairs(proof.lo).tolist(),
        "exp_upper": to_pairs(proof.hi).tolist(),
        "position_order": proof.order.tolist(),
    }


