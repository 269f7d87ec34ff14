r"""The "subcubic" proofs of Gross et al. (2024), made sound: 100 variants, O(v^2 (d + K^2))-ish.

Registered names: ``subcubic:<EUPU>/<attention>/<attention_error>`` for every combination of
``EUPU_OPTIONS`` (5, ``subcubic_eupu``), ``ATTENTION_OPTIONS`` (2) and
``ATTENTION_ERROR_OPTIONS`` (10, ``subcubic_eqke``), plus ``subcubic`` = the paper's default
``mean_query+max_diff/mean_query+diff/max_diff``. A variant is a ``Variant``; ``variants()`` lists the 100.

Notation. v = d_vocab, K = n_ctx >= 2, h = d_head. Input x_0..x_{K-1}, query q = x_{K-1},
max m. The model is correct iff logit(y) - logit(m) < 0 for all y != m (ties wrong). Exact
tables (``PathTables``): EVOU[t,y], PVOU[i,y]; D'[q,y] = EUPU[q,y] - EUPU[q,m],
E'[t,y] = EVOU[t,y] - EVOU[t,m], PVOU'[i,y] = PVOU[i,y] - PVOU[i,m]. Scores: K times the
attention score of query q on token t at position i is EQKE_tok[q,t] + pe[q,i] and
EQKE_tok = Ê + R with |row spread of R in row q| <= eps_q (``subcubic_eqke``).

Cells. A cell (q, m, c, j): query q <= m, c in 0..K-1 non-query positions hold a non-max
token, all of them <= j (j < m; the paper's gap is g = m - j); the other K-1-c non-query
positions hold m; c <= K-2 when q < m (the max must appear). c = 0 cells have no j. Every
input lies in exactly one (q, m, c), so the claims of different cells never overlap.

Step 1 (pre-softmax gaps). For t <= j: EQKE_tok[q,m] - EQKE_tok[q,t] = Ê[q,m] - Ê[q,t]
+ (R[q,m] - R[q,t]) lies in [dlo, dhi], dlo = Ê[q,m] - max_{t<=j} Ê[q,t] - eps_q,
dhi = Ê[q,m] - min_{t<=j} Ê[q,t] + eps_q (running max / min: O(v^2) for all (q, j)). The
query token (q < m) gets its own [dq_lo, dq_hi] = Ê[q,m] - Ê[q,q] -/+ eps_q, so it need not
be <= j (a sound refinement: the paper counts it among the gapped tokens).

Step 2 (attention on the max: softmax extremes over arrangements). Divide every softmax
weight by exp(EQKE_tok[q,m] / (K sqrt h)) > 0: a max position i weighs beta_i =
exp(pe[q,i] / (K sqrt h)), a non-max non-query position beta_i lam_i with lam_i in
[lam_lo, lam_hi] = exp(-[dhi, dlo] / (K sqrt h)), the query (q < m) beta_{K-1} lam_q. The
attention on max positions is A = X / (X + Y), X = sum_{max positions} beta_i,
Y = sum_{non-max} beta_i lam_i. A increases with X and decreases with Y, so
A >= X / (X + lam_hi S_N + lam_q,hi beta_{K-1}) (S_N = sum of beta over non-max non-query
positions). With S = sum of beta over the non-query positions and X_M the sum over the
non-query max positions, this is f(X_M) = (X_M + x0) / (X_M + x0 + lam_hi (S - X_M) + y0),
increasing in X_M (derivative numerator (X + Y) - X (1 - lam_hi) = Y + lam_hi X > 0). So
over all arrangements A >= A_lo := f(sum of the K-1-c smallest beta) ("low": max copies on
the lowest positional scores), and symmetrically A <= A_hi with the largest beta and
lam_lo, lam_q,lo. Sorting pe[q, :K-1] is verified with K-2 comparisons. These are the
paper's two extreme arrangements, proved for the ratio directly.

Step 3 (largest wrong logit). Softmax weights a_i >= 0 sum to 1; A = sum over max positions.
For y != m, with P*[y] = max_i PVOU'[i,y] (pessimise position) and EUPU handled as
D'[q,y] <= mu[y] - mu[m] + rho_q (``subcubic_eupu``):

    logit(y) - logit(m) = D'[q,y] + sum_i a_i (E'[x_i,y] + PVOU'[i,y])
                        <= B[m,y] + rho_q + A E'[m,y] + (1 - A) N,
    B[m,y] = mu[y] - mu[m] + P*[y],   N >= E'[t,y] for every non-max token t present.

N = max(Nt[m,q] if q < m, max_{t<=j} Nt[m,t]) with Nt[m,t] = max_{y != m} E'[t,y] (O(v^2)
with top-2 row maxima and running maxima; the paper uses the coarser row range
max_y EVOU[t,y] - min_y EVOU[t,y] >= Nt[m,t]). Hence the largest wrong logit is at most
Psi(A) = h(A) + rho_q + (1 - A) N with h(A) = max_{y != m} (B[m,y] + A E'[m,y]), CONVEX in A
(a max of affine functions); so over A in [A_lo, A_hi] it is at most max(Psi(A_lo),
Psi(A_hi)). The cell is certified when both are < 0.

Attention handling (bounding h at each endpoint A_e):
  mean_query+diff (the mean+diff trick): for any Abar (the certificate's Abar[m,c,e], found
    by search starting from the mean of A_e over the queries, see Step 4),
    B + A E' = (B + Abar E') + (A - Abar) E', so h(A) <= G(Abar) + (A - Abar) E_ext with
    G(Abar) = max_{y != m} (B[m,y] + Abar E'[m,y]) and
    E_ext = max_{y != m} E'[m,y] if A >= Abar else min_{y != m} E'[m,y]. G is computed once
    per (m, c, e): O(v^2 K) instead of O(v^3 K). This is the inequality
    min_{x,y,z}(f_xy + g_yz) >= min_{y,z}(E_x f_xy + g_yz) + min_{x,y}(f_xy - E_x f_xy) of the
    paper with the deviation bounded per query.
  drop_average_query_per_output_logit_reasoning: h(A) <= max_y B[m,y] + A max_y E'[m,y]
    (A >= 0), i.e. no joint reasoning over the output logit.

Step 4 (count). A certified cell (q, m, c, j), c >= 1, claims C(K-1, c) (j + 1)^c inputs:
choose the c non-query positions, then any token in 0..j for each (the bounds of Steps 1-3
hold for every such input and every arrangement). c = 0 cells claim 1 input. The paper
counts (m - g)^c = j^c, one token short (its attention bound covers t <= m - g): fixed here.
Gaps are chosen by a float search (monotone in j: larger j widens [A_lo, A_hi] and raises N).
Abar: three rounds of "mean of A over q at the current gaps" (the paper's centre), then two
rounds choosing, per (m, c), among the current value and quantiles of A over q the pair
(Abar_lo, Abar_hi) that certifies the most inputs (any Abar is sound; on the zoo's seed 50
this lifts the default from 0.625 to 0.769). None of this search is counted.

Differences from the paper's code (gbmi/exp_max_of_n/verification/subcubic.py, quadratic.py,
as summarised in the project's reference notes): (1) the count uses (m - g + 1)^c, not
(m - g)^c (off by one, too conservative); the "dropped" figure reported here is the exact
number of inputs of certified groups left out by the gap (claimed + dropped + the inputs of
uncertified groups = v^K); (2) everything is exact or interval arithmetic (the paper
computes in float32 without rounding control); (3) the svd option's sigma_1 is certified by
a trace-power bound (the paper trusts a float SVD); (4) the query token gets its own
pre-softmax gap instead of being counted among the gapped tokens, and the non-max OV term
uses Nt[m,t] instead of the row range (both sound and of the same cost); (5) svd_query uses
the projection of the mean query embedding on its top singular direction; the paper's
svd_query is vacuous on its seed 50 (3.5e-6), which [inference] fits a centre of the size of
sigma_1 rather than of a typical row; ours is close to the mean and not vacuous.

Rigour. Ê, eps, pe, B, E', N, rho are exact integers / rationals. In the prover the
exponentials are mpmath intervals (outward rounded, prec ``_PREC``) and A_lo / A_hi are
rounded outward to multiples of 2^-64 (minus / plus 4 ulps of that grid) before Psi < 0 is
tested in exact rationals. ``check_certificate`` redoes Steps 1-4 in exact rationals from the
weights and the certificate's directions, with mpmath exp enclosures at 128 bits converted to
rationals, and accepts a claimed A_lo (A_hi) only if it is <= (>=) its own rational bound.

Proof FLOPs (the paper's convention: checker work from shapes only; matmul [a,b]@[b,c]
a c (2b - 1), a reduction of n numbers n - 1, elementwise 1, an exp enclosure 2, a sort
verified with n - 1 comparisons). Counted: the EUPU bound (by option), Ê and eps (by
option), pe and the beta enclosures, EVOU and PVOU (exact, v^2 d), centring, P*, Nt and the
running maxima, and per valid cell (every (q, m, c) a checker must test): the gaps, the two
lam enclosures, the two attention ratios, the two Psi values and the count; per (m, c) the
G values. Excluded: proof search (directions, centres, gaps, Abar) and the rounding work.

Unexplained dimensionality: the paper's formula, EUPU term (mean/svd: v + v d + 2,
max_diff: v d + 2, max_diff_exact: 2v, global: 2) + attention-error term (svd: 2v; the
max_diff families 2v + 2d, + v when the name has "mean"; max_diff_exact: 4v; exact EQKE: v^2)
+ PVOU v + EVOU v^2 (6,466 for the default at v = 64, d = 32).

Certificate: format and checker in ``maxofk.checks.subcubic`` (this module imports it, never the reverse).

Time (prover): exact products O(v d h + d h v + v d v) (the v^2 d of EVOU, and of EUPU / EQKE /
R for the exact options), O(v^2 K) rigorous cells of O(K) interval operations each, and an
O(v^3 K) float search (numpy; not part of the proof).

Preconditions: one head, K >= 2, finite weights. Postcondition: the correct-count is <= the
exact number of correct inputs (``brute_force.exact_verdicts``); the claimed inputs are
``claimed_inputs(...)``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any

import mpmath
import numpy as np

from ...core.exact import Dyadic, fraction_iv, iv_endpoints, iv_precision
from ..tables import ModelTables
from .registry import Proof, StrategyResult, register
from .cubic import FlopCounter, to_float
from ..checks.subcubic_eqke import (
    ATTENTION_ERROR_OPTIONS,
    SVD_LOG2_POWER,
    AttentionError,
    QKFactors,
    attention_error,
    level_of,
)
from ..checks.subcubic import (  # the checker: the cell test and count this search must meet
    ATTENTION_OPTIONS,
    FORMAT,
    VERSION,
    Deltas,
    PsiTable,
    ScoreSide,
    ValueTables,
    arrangement_sums,
    beta_enclosures,
    check_model,
    count_cells,
    dyadic_json,
    valid_cells,
    value_tables,
    weights_json,
)
from ..checks.subcubic_eupu import EUPU_OPTIONS, direct_bound, find_centre

_PREC = 100  # prover's interval precision (bits)
_GRID = 64  # attention claims are multiples of 2^-_GRID
_ABAR_ROUNDS = 3  # rounds of Abar = mean of A over q
_ABAR_PICKS = 2  # rounds of choosing Abar among quantiles of A


@dataclass(frozen=True)
class Variant:
    """One of the 100 subcubic variants: the options bounding the direct path (``eupu``), the
    attention (``attention``) and the attention error (``error``); ValueError on an unknown one."""

    eupu: str
    attention: str
    error: str

    def __post_init__(self) -> None:
        known = (EUPU_OPTIONS, ATTENTION_OPTIONS, ATTENTION_ERROR_OPTIONS)
        if any(option not in options for option, options in zip((self.eupu, self.attention, self.error), known)):
            raise ValueError(f"not a subcubic variant: {self.eupu!r}, {self.attention!r}, {self.error!r}")

    @property
    def name(self) -> str:
        return f"subcubic:{self.eupu}/{self.attention}/{self.error}"

    @staticmethod
    def parse(name: str) -> "Variant":
        """Inverse of ``name`` (``subcubic`` = ``DEFAULT``); ValueError on unknown names."""
        if name == "subcubic":
            return DEFAULT
        prefix = "subcubic:"
        parts = name[len(prefix):].split("/") if name.startswith(prefix) else []
        if len(parts) != 3:
            raise ValueError(f"not a subcubic variant name: {name!r}")
        try:
            return Variant(*parts)
        except ValueError:
            raise ValueError(f"not a subcubic variant name: {name!r}") from None


DEFAULT = Variant("mean_query+max_diff", "mean_query+diff", "max_diff")  # the paper's default


def variants() -> list[Variant]:
    """The 100 variants (5 EUPU x 2 attention x 10 attention-error options)."""
    return [Variant(a, b, c) for a in EUPU_OPTIONS for b in ATTENTION_OPTIONS for c in ATTENTION_ERROR_OPTIONS]


# --------------------------------------------------------------------------------------
# Exact per-model data


class Context:
    """Exact data of one model shared by all 100 variants (cached per option)."""

    def __init__(self, tables: ModelTables):
        cfg = tables.cfg
        if cfg.n_heads != 1:
            raise ValueError(f"the subcubic proofs handle one attention head; this model has {cfg.n_heads}")
        if cfg.n_ctx < 2:
            raise ValueError("the subcubic proofs need n_ctx >= 2")
        self.v, self.k, self.d, self.h = cfg.d_vocab, cfg.n_ctx, cfg.d_model, cfg.d_head
        self.weights = tables.weights
        self.factors = QKFactors.from_weights(self.weights, self.k, self.h)
        self.tables = tables.path
        pe = self.factors.pos_scores()
        self.pe = [[Fraction(int(n)) * Fraction(2) ** pe.exp for n in row] for row in pe.num]  # [q][i]
        self.order = [sorted(range(self.k - 1), key=lambda i: (self.pe[q][i], i)) for q in range(self.v)]
        self._errors: dict[str, AttentionError] = {}
        self._values: dict[str, tuple[ValueTables, Dyadic | None]] = {}

    def error(self, option: str) -> AttentionError:
        if option not in self._errors:
            self._errors[option] = attention_error(self.factors, option)
        return self._errors[option]

    def values(self, option: str) -> tuple[ValueTables, Dyadic | None]:
        if option not in self._values:
            centre = find_centre(self.factors.e_q, option)
            mu, rho = direct_bound(self.factors.e_q, self.weights["W_U"], option, centre)
            self._values[option] = (value_tables(self.tables, mu, rho), centre)
        return self._values[option]


_CACHE: dict[str, Context] = {}


def context(tables: ModelTables) -> Context:
    """The model's context, shared by the variants run on it (a sweep worker runs each variant
    on its own ``ModelTables``, hence a cache by model identity)."""
    key = tables.identity
    if key not in _CACHE:
        if len(_CACHE) >= 2:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = Context(tables)
    return _CACHE[key]


# --------------------------------------------------------------------------------------
# Float proof search


def _float(x, exp: int) -> np.ndarray:
    return to_float(np.asarray(x, dtype=object), exp)


@dataclass
class _Search:
    j: np.ndarray  # [q, m, c] largest certified j (-1: none; c = 0: 0 = certified)
    abar: np.ndarray | None  # [m, c, 2] float


def _search(ctx: Context, err: AttentionError, vt: ValueTables, mean_diff: bool) -> _Search:
    """Float search of gaps and Abar (Steps 1-3 in float64; decides nothing by itself)."""
    v, k = ctx.v, ctx.k
    inv = 1.0 / (k * math.sqrt(ctx.h))
    eh = _float(err.e_hat.num, err.e_hat.exp)  # [q, t]
    eps = np.array([float(e) for e in err.eps])
    pe = np.array([[float(x) for x in row] for row in ctx.pe])  # [q, K]
    beta = np.exp((pe - pe.max(axis=1, keepdims=True)) * inv)
    order = np.array(ctx.order, dtype=np.int64).reshape(v, k - 1)
    bs = np.take_along_axis(beta[:, : k - 1], order, axis=1)
    pre = np.concatenate([np.zeros((v, 1)), np.cumsum(bs, axis=1)], axis=1)  # [q, n]
    s_all, b_q = pre[:, k - 1], beta[:, k - 1]
    pmax, pmin = np.maximum.accumulate(eh, axis=1), np.minimum.accumulate(eh, axis=1)  # [q, j]
    ar = np.arange(v)
    diag = eh[ar, ar]
    is_q = ar[:, None] == ar[None, :]  # [q, m]
    with np.errstate(over="ignore", invalid="ignore"):
        lam_hi = np.exp(-(eh[:, :, None] - pmax[:, None, :] - eps[:, None, None]) * inv)  # [q, m, j]
        lam_lo = np.exp(-(eh[:, :, None] - pmin[:, None, :] + eps[:, None, None]) * inv)
        lq_hi = np.where(is_q, 0.0, np.exp(-(eh - diag[:, None] - eps[:, None]) * inv) * b_q[:, None])  # [q, m]
        lq_lo = np.where(is_q, 0.0, np.exp(-(eh - diag[:, None] + eps[:, None]) * inv) * b_q[:, None])
    xq = np.where(is_q, b_q[:, None], 0.0)  # query counted as a max position when q = m
    e_cen, b = _float(vt.e_cen, vt.exp), _float(vt.b, vt.exp)
    e_max, e_min = _float(np.array(vt.e_max, dtype=object), vt.exp), _float(np.array(vt.e_min, dtype=object), vt.exp)
    nq = np.where(is_q, -np.inf, _float(vt.nt, vt.exp).T)  # [q, m] = nt[m, q]
    pn = _float(vt.pn, vt.exp)  # [m, j]
    rho = _float(np.array(vt.rho, dtype=object), vt.exp)
    tol = 1e-9 * max(np.abs(b).max(), np.abs(e_cen).max(), np.abs(pn).max(), np.abs(rho).max(), 1e-300)
    off = ~np.eye(v, dtype=bool)
    jmask = ar[None, :, None] > ar[None, None, :]  # [1, m, j]: j < m
    valid_qm = ar[:, None] <= ar[None, :]  # [q, m]

    def attention(c: int):
        if c == 0:
            x = s_all[:, None] + xq
            with np.errstate(invalid="ignore", divide="ignore"):
                return x / (x + lq_hi), x / (x + lq_lo)  # [q, m]
        n_m = k - 1 - c
        x_lo = (pre[:, n_m][:, None] + xq)[:, :, None]
        x_hi = (s_all - pre[:, c])[:, None, None] + xq[:, :, None]
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            a_lo = x_lo / (x_lo + lam_hi * (s_all - pre[:, n_m])[:, None, None] + lq_hi[:, :, None])
            a_hi = x_hi / (x_hi + lam_lo * pre[:, c][:, None, None] + lq_lo[:, :, None])
        return np.nan_to_num(a_lo, nan=0.0), np.nan_to_num(a_hi, nan=1.0)  # [q, m, j]

    def psi(a, n, c_end_abar):
        """Psi at endpoint values a ([q, m] or [q, m, j]); c_end_abar: Abar [m] or None."""
        extra = (None,) * (a.ndim - 2)
        m_ax = (None, slice(None)) + extra  # [m] -> [1, m, ...]
        rq = rho[(slice(None), None) + extra]
        if c_end_abar is None:
            g = np.where(off, b, -np.inf).max(axis=1)
            return g[m_ax] + a * e_max[m_ax] + rq + (1 - a) * n
        g = np.where(off, b + c_end_abar[:, None] * e_cen, -np.inf).max(axis=1)
        ab = c_end_abar[m_ax]
        ext = np.where(a >= ab, e_max[m_ax], e_min[m_ax])
        return g[m_ax] + (a - ab) * ext + rq + (1 - a) * n

    att = {c: attention(c) for c in range(k)}
    jstar = np.full((v, v, k), -1, dtype=np.int64)

    def run(abar):
        for c in range(k):
            a_lo, a_hi = att[c]
            ab_lo = abar[:, c, 0] if abar is not None else None
            ab_hi = abar[:, c, 1] if abar is not None else None
            if c == 0:
                n = np.where(is_q, 0.0, nq)
                ok = (np.maximum(psi(a_lo, n, ab_lo), psi(a_hi, n, ab_hi)) < -tol) & valid_qm
                jstar[:, :, 0] = np.where(ok, 0, -1)
                continue
            n = np.maximum(pn[None, :, :], nq[:, :, None])  # [q, m, j]
            ok = (np.maximum(psi(a_lo, n, ab_lo), psi(a_hi, n, ab_hi)) < -tol) & jmask
            run_len = np.cumprod(ok, axis=2).sum(axis=2)  # leading certified j's
            valid = valid_qm & ((ar[:, None] == ar[None, :]) | (c <= k - 2))
            jstar[:, :, c] = np.where(valid & (run_len > 0), run_len - 1, -1)

    if not mean_diff:
        run(None)
        return _Search(jstar.copy(), None)
    abar = np.zeros((v, k, 2))
    for c in range(k):  # start: attention with every non-max token allowed
        a_lo, a_hi = att[c]
        if c > 0:
            a_lo, a_hi = a_lo[:, ar, np.maximum(ar - 1, 0)], a_hi[:, ar, np.maximum(ar - 1, 0)]
        abar[:, c, 0], abar[:, c, 1] = _column_mean(a_lo, valid_qm), _column_mean(a_hi, valid_qm)
    for _ in range(_ABAR_ROUNDS):
        run(abar)
        for c in range(k):
            a_lo, a_hi = att[c]
            if c > 0:
                jj = np.maximum(jstar[:, :, c], 0)
                a_lo = np.take_along_axis(a_lo, jj[:, :, None], axis=2)[:, :, 0]
                a_hi = np.take_along_axis(a_hi, jj[:, :, None], axis=2)[:, :, 0]
            abar[:, c, 0], abar[:, c, 1] = _column_mean(a_lo, valid_qm), _column_mean(a_hi, valid_qm)
    for c in [c for _ in range(_ABAR_PICKS) for c in range(k)]:
        # per (m, c), the candidate pair (Abar_lo, Abar_hi) certifying most inputs
        run(abar)
        a_lo, a_hi = att[c]
        jj = np.maximum(jstar[:, :, c], 0)
        at_j = [a if c == 0 else np.take_along_axis(a, jj[:, :, None], axis=2)[:, :, 0] for a in (a_lo, a_hi)]
        n = np.where(is_q, 0.0, nq) if c == 0 else np.maximum(pn[None, :, :], nq[:, :, None])
        valid = valid_qm & (is_q | (c <= k - 2))
        cands = [_candidates(a, valid, abar[:, c, e]) for e, a in enumerate(at_j)]  # [n_cand, m] each
        ok_lo = [psi(a_lo, n, x) < -tol for x in cands[0]]
        ok_hi = [psi(a_hi, n, x) < -tol for x in cands[1]]
        best = np.full(v, -1.0)
        for i, lo_ok in enumerate(ok_lo):
            for i2, hi_ok in enumerate(ok_hi):
                ok = lo_ok & hi_ok
                if c == 0:
                    score = (ok & valid).sum(axis=0).astype(float)
                else:
                    run_len = np.cumprod(ok & jmask, axis=2).sum(axis=2)
                    score = np.where(valid, run_len.astype(float) ** c, 0.0).sum(axis=0)
                better = score > best
                best = np.where(better, score, best)
                abar[:, c, 0] = np.where(better, cands[0][i], abar[:, c, 0])
                abar[:, c, 1] = np.where(better, cands[1][i2], abar[:, c, 1])
    run(abar)
    return _Search(jstar.copy(), abar)


def _candidates(a: np.ndarray, mask: np.ndarray, current: np.ndarray) -> np.ndarray:
    """[q, m] -> [n, m]: the current Abar and quantiles of A over the masked q (search only)."""
    a = np.where(mask, np.clip(np.nan_to_num(a, nan=0.5), 0.0, 1.0), np.nan)
    a[:, ~mask.any(axis=0)] = 0.5
    qs = np.nanquantile(a, [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0], axis=0)
    return np.concatenate([current[None, :], qs], axis=0)


def _column_mean(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[q, m] -> [m]: mean over the masked q (float search only)."""
    a = np.clip(np.nan_to_num(a, nan=0.5), 0.0, 1.0)
    return (np.where(mask, a, 0.0).sum(axis=0)) / np.maximum(mask.sum(axis=0), 1)


def _attention_iv(side: ScoreSide, beta: list, inv, q: int, m: int, c: int, d: Deltas):
    """Interval enclosures of the Step 2 bounds' formulas (A_lo formula, A_hi formula)."""
    k = side.k
    x_lo, sn_lo, x_hi, sn_hi = arrangement_sums(beta[q], side.order[q], k, q, m, c)
    y_hi, y_lo = 0, 0
    if c >= 1:
        y_hi = mpmath.iv.exp(-fraction_iv(d.lo) * inv) * sn_lo
        y_lo = mpmath.iv.exp(-fraction_iv(d.hi) * inv) * sn_hi
    if q != m:
        y_hi = y_hi + mpmath.iv.exp(-fraction_iv(d.q_lo) * inv) * beta[q][k - 1]
        y_lo = y_lo + mpmath.iv.exp(-fraction_iv(d.q_hi) * inv) * beta[q][k - 1]
    return x_lo / (x_lo + y_hi), x_hi / (x_hi + y_lo)


# --------------------------------------------------------------------------------------
# The proof


@dataclass
class SubcubicProof:
    """Everything a subcubic variant established (for results and certificates)."""

    variant: Variant
    error: AttentionError
    values: ValueTables
    eupu_centre: Dyadic | None
    abar: dict[tuple[int, int, int], Fraction] | None  # (m, c, endpoint) -> Abar
    cells: list[tuple[int, int, int, int, Fraction, Fraction]]  # (q, m, c, j, A_lo, A_hi)
    count: int
    dropped_by_gap: int
    uncertified_groups: int
    flops: FlopCounter


def prove(tables: ModelTables, variant: Variant) -> SubcubicProof:
    """Run one subcubic variant (see the module docstring)."""
    ctx = context(tables)
    err = ctx.error(variant.error)
    vt, centre = ctx.values(variant.eupu)
    mean_diff = variant.attention == "mean_query+diff"
    found = _search(ctx, err, vt, mean_diff)
    v, k = ctx.v, ctx.k
    abar = None
    if mean_diff:
        found_abar = np.clip(np.nan_to_num(found.abar, nan=0.5), 0.0, 1.0)
        abar = {(m, c, e): Fraction(float(found_abar[m, c, e])) for m in range(v) for c in range(k) for e in (0, 1)}
    side = ScoreSide(err, ctx.pe, ctx.order, k, ctx.h)
    psi = PsiTable(vt, mean_diff)
    cells = []
    unc = dropped = 0
    grid = 1 << _GRID
    with iv_precision(_PREC):
        inv = 1 / (k * mpmath.iv.sqrt(ctx.h))
        beta = beta_enclosures(side, inv)
        for q, m, c in valid_cells(v, k):
            j0 = int(found.j[q, m, c])
            tries = [-1] if c == 0 and j0 == 0 else list(range(j0, max(j0 - 4, -1), -1)) if c >= 1 else []
            done = False
            for j in tries:
                d = side.deltas(q, m, c, j)
                if q == m and c == 0:
                    a_lo = a_hi = Fraction(1)
                else:
                    lo_iv, hi_iv = _attention_iv(side, beta, inv, q, m, c, d)
                    lo, hi = iv_endpoints(lo_iv)[0], iv_endpoints(hi_iv)[1]
                    if lo is None or hi is None:
                        continue
                    a_lo = max(Fraction(0), Fraction(math.floor(lo * grid) - 4, grid))
                    a_hi = min(Fraction(1), Fraction(math.ceil(hi * grid) + 4, grid))
                ab = (abar[(m, c, 0)], abar[(m, c, 1)]) if mean_diff else (None, None)
                if psi.psi(q, m, c, j, a_lo, ab[0]) < 0 and psi.psi(q, m, c, j, a_hi, ab[1]) < 0:
                    cells.append((q, m, c, j, a_lo, a_hi))
                    if c >= 1:
                        dropped += math.comb(k - 1, c) * (m**c - (j + 1) ** c)
                    done = True
                    break
            unc += int(not done)
    flops = proof_flops(v, k, ctx.d, ctx.h, variant)
    return SubcubicProof(variant, err, vt, centre, abar, cells, count_cells(k, cells), dropped, unc, flops)


def claimed_inputs(v: int, k: int, cells: list[tuple]) -> np.ndarray:
    """Boolean array [v] * K (C order) of the inputs the certified cells claim (Step 4)."""
    toks = np.indices((v,) * k, dtype=np.int16 if v < 1 << 15 else np.int64).reshape(k, -1).T  # [n, K]
    m, q = toks.max(axis=1), toks[:, -1]
    below = toks[:, :-1] < m[:, None]  # [n, K-1]
    c = below.sum(axis=1)
    top = np.where(below, toks[:, :-1], -1).max(axis=1)  # largest non-max non-query token
    jmax = np.full((v, v, k), -2, dtype=np.int64)  # -2: not claimed
    for cq, cm, cc, cj, *_ in cells:
        jmax[cq, cm, cc] = cj
    j = jmax[q, m, c]
    out = np.where(c == 0, j == -1, (j >= 0) & (top <= j))
    return out.reshape((v,) * k)


# --------------------------------------------------------------------------------------
# Cost accounting


def _mm(a: int, b: int, c: int) -> int:
    return a * c * (2 * b - 1)


def proof_flops(v: int, k: int, d: int, h: int, variant: Variant) -> FlopCounter:
    """Shape-counted checker work (module docstring, "Proof FLOPs")."""
    eupu, attention, error = variant.eupu, variant.attention, variant.error
    f = FlopCounter()
    rng = 2 * v - 1  # max, min and difference of a length-v row
    f.add("tables", v * d + _mm(d, h, d) + _mm(d, d, v) + _mm(v, d, v) + _mm(k, d, v))  # E_q, EVOU, PVOU
    f.add("positions", _mm(v, d, h) + _mm(v, h, d) + 3 * k * d + _mm(v, d, k) + v * k + 2 * v * k + v * max(k - 2, 0))
    f.add("positions", 2 * v * (k - 1))  # prefix sums of beta
    f.add("values", v * v + 2 * v * (v - 2) + v * rng + v * v + v * (v - 1) + (2 * k - 1) * v * v + 2 * v * v)
    # direct path
    if eupu in ("max_diff_exact", "global_max_diff_exact"):
        f.add("eupu", _mm(v, d, v) + v * rng + (v - 1 if eupu.startswith("global") else 0))
    else:
        f.add("eupu", d * rng + v * d + _mm(v, d, 1))
        if eupu != "max_diff":
            f.add("eupu", v * d + _mm(1, d, v))
    # EQKE split and eps
    level = level_of(error)
    if level == 0:
        f.add("eqke", 2 * v * d + _mm(v, d, h) + _mm(v, h, v))
    else:
        n_dir = level
        f.add("eqke", 2 * v * d + 2 * n_dir * 2 * v * d)  # E_k, A, D
        f.add("eqke", n_dir * (_mm(h, d, 1) + _mm(d, h, 1) + _mm(v, d, 1) + 2 * v * v))  # query terms
        f.add("eqke", n_dir * (_mm(h, d, 1) + _mm(d, h, 1) + _mm(v, d, 1) + 2 * v * v))  # key terms
        if level == 2:  # peels of W_Q and W_K
            f.add("eqke", 2 * 2 * d * h + _mm(v, d, 1) + _mm(d, h, 1) + _mm(v, d, 1) + 2 * v * v)
            f.add("eqke", _mm(d, h, 1) + _mm(v, d, 1) + _mm(v, d, 1) + 2 * v * v)
        if error == "svd":
            p_log = SVD_LOG2_POWER
            f.add("eps", _mm(v, d, h) + _mm(v, h, d) + 2 * _mm(d, v, d) + p_log * _mm(d, d, d) + 2 * d * d + (2 << p_log))
        elif error == "max_diff_exact":
            f.add("eps", _mm(v, d, h) + _mm(v, h, d) + _mm(v, d, v) + v * rng)
        elif error.endswith("_recursive"):
            f.add("eps", d * rng + h * d + _mm(h, d, 1) + d * h + _mm(d, h, 1) + v * d + _mm(v, d, 1))
            if error.startswith("mean"):  # top level
                f.add("eps", v * d + _mm(1, d, h) + _mm(1, h, d) + _mm(1, d, v) + rng + v)
            if error.startswith("mean_recursive"):  # the levels of C and B
                f.add("eps", h * d + _mm(1, d, v) + rng + h + d * h + _mm(1, h, d) + _mm(1, d, v) + rng + d)
        else:
            f.add("eps", _mm(v, d, h) + _mm(v, h, d) + _mm(h, d, v) + _mm(d, h, v) + (2 * d + h) * rng)
            f.add("eps", v * (2 * d + h) + _mm(v, d, 1) + _mm(v, h, 1) + _mm(v, d, 1) + 2 * v)
            if error.startswith("mean"):
                f.add("eps", v * (2 * d + h) + _mm(1, d, v) + _mm(1, h, v) + _mm(1, d, v) + 3 * rng + 3 * v)
    # cells
    f.add("gaps", 2 * v * (v - 1) + 4 * v * v)
    f.add("cells", 39 * len(valid_cells(v, k)))
    f.add("G", 2 * v * k * 3 * v if attention == "mean_query+diff" else v * (v - 2))
    return f


def unexplained_dimensionality(v: int, d: int, eupu: str, error: str) -> int:
    """The paper's formula (module docstring)."""
    eupu_term = {"mean_query+max_diff": v + v * d + 2, "svd_query+max_diff": v + v * d + 2, "max_diff": v * d + 2,
                 "max_diff_exact": 2 * v, "global_max_diff_exact": 2}[eupu]
    if error == "svd":
        err_term = 2 * v
    elif error == "max_diff_exact":
        err_term = 4 * v
    elif error == "exact_EQKE+max_diff_exact":
        err_term = v * v
    else:
        err_term = 2 * v + 2 * d + (v if error.startswith("mean") else 0)
    return eupu_term + err_term + v + v * v


def prove_variant(tables: ModelTables, variant: Variant, name: str) -> Proof:
    """Run a subcubic variant and package it under its registered ``name``."""
    start = time.perf_counter()
    proof = prove(tables, variant)
    seconds = time.perf_counter() - start
    cfg = tables.cfg
    v, k = cfg.d_vocab, cfg.n_ctx
    eps = proof.error.eps
    details = {
        "n_inputs": v**k,
        "certified_cells": len(proof.cells),
        "uncertified_groups": proof.uncertified_groups,
        "dropped_sequences": proof.dropped_by_gap,
        "eps_max": float(max(eps)),
        "eps_mean": float(sum(eps) / len(eps)),
        "flops_breakdown": dict(proof.flops.parts),
    }
    result = StrategyResult(
        name, proof.count, Fraction(proof.count, v**k), proof.flops.total,
        unexplained_dimensionality(v, cfg.d_model, variant.eupu, variant.error), seconds, details,
    )
    ctx = context(tables)
    return Proof(result, lambda: certificate(proof, ctx))


for _name in ["subcubic"] + [variant.name for variant in variants()]:
    _variant = Variant.parse(_name)
    register(_name, check=check_model, description=(
        ("the paper's default: " if _variant == DEFAULT else "")
        + f"{'s' if _variant == DEFAULT else 'S'}ubcubic proof, direct path by {_variant.eupu}, attention by {_variant.attention}, its error by {_variant.error}"
    ))(partial(prove_variant, variant=_variant, name=_name))


# --------------------------------------------------------------------------------------
# Certificates


def _frac_json(x: Fraction) -> list[int]:
    return [x.numerator, x.denominator]


def certificate(proof: SubcubicProof, ctx: Context) -> dict[str, Any]:
    """The certificate of a subcubic proof on the model of ``ctx`` (format in the module docstring)."""
    variant = proof.variant
    dirs = proof.error.directions
    directions = None
    if dirs is not None:
        directions = {
            "query": [[dyadic_json(a), dyadic_json(b)] for a, b in dirs.query],
            "key": [[dyadic_json(a), dyadic_json(b)] for a, b in dirs.key],
            "wq_peel": None if dirs.wq_peel is None else [dyadic_json(x) for x in dirs.wq_peel],
            "wk_peel": None if dirs.wk_peel is None else [dyadic_json(x) for x in dirs.wk_peel],
        }
    abar = None
    if proof.abar is not None:
        abar = [[[_frac_json(proof.abar[(m, c, e)]) for e in (0, 1)] for c in range(ctx.k)] for m in range(ctx.v)]
    return {
        "format": FORMAT,
        "version": VERSION,
        "strategy": "subcubic" if variant == DEFAULT else variant.name,
        "eupu": variant.eupu,
        "attention": variant.attention,
        "attention_error": variant.error,
        "d_vocab": ctx.v,
        "n_ctx": ctx.k,
        "d_model": ctx.d,
        "d_head": ctx.h,
        "weights": weights_json(ctx.weights),
        "directions": directions,
        "centres": [dyadic_json(x) for x in proof.error.centres],
        "eupu_centre": None if proof.eupu_centre is None else dyadic_json(proof.eupu_centre),
        "eps": [_frac_json(e) for e in proof.error.eps],
        "abar": abar,
        "cells": [[q, m, c, j, _frac_json(lo), _frac_json(hi)] for q, m, c, j, lo, hi in proof.cells],
        "correct_count": proof.count,
        "n_inputs": ctx.v**ctx.k,
    }


