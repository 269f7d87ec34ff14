r"""Exact checker of subcubic certificates, and the rigorous cell test it shares with the search.

The argument (Steps 1-4 and the attention-error bounds) is stated in ``subcubic``'s docstring;
the search imports this module, never the reverse. What the checker re-derives itself: the
exact path tables (``tables.PathTables``), the EUPU and attention-error bounds
(``subcubic_eupu``, ``subcubic_eqke``) and every exp enclosure, from the certificate's weights.

Certificate ``compact-proofs/max-of-k-subcubic-certificate`` version 1 (JSON object):
    format, version, strategy, eupu, attention, attention_error, d_vocab, n_ctx, d_model, d_head
    weights: {name: {"exp": e, "num": nested ints}}   (exact float32 weights, value num 2^e)
    directions: null or {"query": [[alpha, qhat], ...], "key": [[beta, shat], ...],
                 "wq_peel": null | [u, w], "wk_peel": null | [u, w]}   (each a dyadic vector
                 {"exp", "num"})
    centres: [dyadic vector, ...]  mean rows of the (MD) steps, in order of use
    eupu_centre: null | dyadic vector
    eps: v rationals [num, den] (claimed; must equal the re-derived eps)
    abar: null | [m][c] -> [[num, den] for A_lo, [num, den] for A_hi] (mean_query+diff)
    cells: list of [q, m, c, j, A_lo, A_hi] (j = -1 when c = 0; A as [num, den])
    correct_count, n_inputs
A checker re-derives Ê, eps, pe, B, E', N, rho from the weights and the listed vectors,
checks each cell's validity, its attention claims and Psi < 0 at both endpoints, and the
count (Step 4). ``check_certificate`` does all of it (trusting the weights as given, but
rejecting any that are not float32 values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from ...core import strategy as core_strategy
from ...core.exact import Dyadic, fraction_iv, iv_endpoints, iv_precision
from ..model import PARAMETER_NAMES, MaxOfKConfig, MaxOfKTransformer
from ..tables import ModelTables, PathTables
from .subcubic_eqke import (
    ATTENTION_ERROR_OPTIONS,
    AttentionError,
    Directions,
    QKFactors,
    attention_error,
    centre_sizes,
    level_of,
)
from .subcubic_eupu import EUPU_OPTIONS, direct_bound


FORMAT = "compact-proofs/max-of-k-subcubic-certificate"


VERSION = 1


ATTENTION_OPTIONS = ("mean_query+diff", "drop_average_query_per_output_logit_reasoning")


_CHECK_PREC = 128  # checker's exp precision (bits)


class CertificateError(core_strategy.CertificateError):
    """A subcubic certificate is malformed or one of its inequalities fails."""


@dataclass
class ValueTables:
    """Value-side exact integers, all in units 2^exp (Step 3). mu / rho by EUPU option."""

    e_cen: np.ndarray  # [m, y] E'[m,y]
    e_max: list[int]  # [m] max_{y != m} E'[m,y]
    e_min: list[int]  # [m] min_{y != m} E'[m,y]
    nt: np.ndarray  # [m, t] max_{y != m} E'[t,y]
    pn: np.ndarray  # [m, j] max_{t <= j} nt[m,t]
    b: np.ndarray  # [m, y] mu[y] - mu[m] + P*[m,y]; the y = m entry is unused
    rho: list[int]  # [q]
    exp: int


def _common(parts: list[Dyadic]) -> tuple[list[np.ndarray], int]:
    e = min(p.exp for p in parts)
    return [p.with_exp(e).num for p in parts], e


def value_tables(tb: PathTables, mu: Dyadic | None, rho: Dyadic) -> ValueTables:
    (v, _), k = tb.evou.shape, tb.pvou.shape[0]
    parts = [Dyadic(tb.evou, tb.value_exp), Dyadic(tb.pvou, tb.value_exp), rho] + ([mu] if mu is not None else [])
    nums, e = _common(parts)
    evou, pvou, rho_n = nums[0], nums[1], nums[2]
    mu_n = nums[3] if mu is not None else np.zeros(v, dtype=object)
    ar = np.arange(v)
    e_cen = evou - evou[ar, ar][:, None]  # [m, y]
    off = ~np.eye(v, dtype=bool)
    e_max = [max(e_cen[m, off[m]]) for m in range(v)]
    e_min = [min(e_cen[m, off[m]]) for m in range(v)]
    nt = np.empty((v, v), dtype=object)  # nt[m, t] = max_{y != m} EVOU[t,y] - EVOU[t,m]
    for t in range(v):
        order = sorted(range(v), key=lambda y: evou[t, y], reverse=True)
        top, second = evou[t, order[0]], evou[t, order[1]]
        for m in range(v):
            nt[m, t] = (second if order[0] == m else top) - evou[t, m]
    pn = np.empty((v, v), dtype=object)
    for m in range(v):
        run = None
        for j in range(v):
            run = nt[m, j] if run is None else max(run, nt[m, j])
            pn[m, j] = run
    pstar = np.empty((v, v), dtype=object)  # [m, y] max_i PVOU[i,y] - PVOU[i,m]
    for m in range(v):
        for y in range(v):
            pstar[m, y] = max(pvou[i, y] - pvou[i, m] for i in range(k))
    b = mu_n[None, :] - mu_n[:, None] + pstar
    return ValueTables(e_cen, e_max, e_min, nt, pn, b, [int(r) for r in rho_n], e)


def valid_cells(v: int, k: int) -> list[tuple[int, int, int]]:
    """Every (q, m, c) a checker tests: q <= m; c <= K-2 if q < m; c >= 1 needs m >= 1."""
    return [
        (q, m, c)
        for m in range(v)
        for q in range(m + 1)
        for c in range(k)
        if (q == m or c <= k - 2) and (c == 0 or m >= 1)
    ]


def arrangement_sums(beta: list, order: list[int], k: int, q: int, m: int, c: int) -> tuple:
    """(X_low, S_N low, X_high, S_N high) of Step 2 for any numeric type (ascending order)."""
    nonq = [beta[i] for i in order]
    n_m = k - 1 - c
    xq = beta[k - 1] if q == m else 0
    return sum(nonq[:n_m], xq), sum(nonq[n_m:], 0), sum(nonq[c:], xq), sum(nonq[:c], 0)


@dataclass(frozen=True)
class Deltas:
    """Exact pre-softmax gap bounds of one cell (Step 1), K-scaled score units."""

    lo: Fraction | None  # dlo (None when c = 0)
    hi: Fraction | None
    q_lo: Fraction | None  # dq_lo (None when q = m)
    q_hi: Fraction | None


class ScoreSide:
    """Ê, eps, running arg-max / arg-min of Ê rows, pe: everything Step 1 needs (exact)."""

    def __init__(self, err: AttentionError, pe: list[list[Fraction]], order: list[list[int]], k: int, h: int):
        self.e_hat, self.eps, self.pe, self.order, self.k, self.h = err.e_hat, err.eps, pe, order, k, h
        self.unit = Fraction(2) ** err.e_hat.exp
        num = err.e_hat.num
        v = num.shape[0]
        self.amax, self.amin = [], []
        for q in range(v):
            bi = si = 0
            amax, amin = [], []
            for j in range(v):
                if num[q, j] > num[q, bi]:
                    bi = j
                if num[q, j] < num[q, si]:
                    si = j
                amax.append(bi)
                amin.append(si)
            self.amax.append(amax)
            self.amin.append(amin)

    def deltas(self, q: int, m: int, c: int, j: int) -> Deltas:
        n, u, e = self.e_hat.num, self.unit, self.eps[q]
        lo = hi = qlo = qhi = None
        if c >= 1:
            lo = Fraction(int(n[q, m] - n[q, self.amax[q][j]])) * u - e
            hi = Fraction(int(n[q, m] - n[q, self.amin[q][j]])) * u + e
        if q != m:
            qlo = Fraction(int(n[q, m] - n[q, q])) * u - e
            qhi = Fraction(int(n[q, m] - n[q, q])) * u + e
        return Deltas(lo, hi, qlo, qhi)


def _n_bound(vt: ValueTables, q: int, m: int, c: int, j: int) -> int:
    """N of Step 3 (0 when there is no non-max token)."""
    parts = ([int(vt.nt[m, q])] if q != m else []) + ([int(vt.pn[m, j])] if c >= 1 else [])
    return max(parts) if parts else 0


class PsiTable:
    """Psi(A) of Step 3 in exact rationals (value units 2^vt.exp; only its sign matters)."""

    def __init__(self, vt: ValueTables, mean_diff: bool):
        self.vt, self.mean_diff, self._g = vt, mean_diff, {}
        v = vt.b.shape[0]
        self.g_drop = [max(int(vt.b[m, y]) for y in range(v) if y != m) for m in range(v)]

    def g(self, m: int, abar: Fraction) -> Fraction:
        key = (m, abar)
        if key not in self._g:
            vt = self.vt
            self._g[key] = max(vt.b[m, y] + abar * vt.e_cen[m, y] for y in range(vt.b.shape[0]) if y != m)
        return self._g[key]

    def psi(self, q: int, m: int, c: int, j: int, a: Fraction, abar: Fraction | None) -> Fraction:
        vt = self.vt
        n = _n_bound(vt, q, m, c, j)
        tail = vt.rho[q] + (1 - a) * n
        if not self.mean_diff:
            return self.g_drop[m] + a * vt.e_max[m] + tail
        ext = vt.e_max[m] if a >= abar else vt.e_min[m]
        return self.g(m, abar) + (a - abar) * ext + tail


def beta_enclosures(side: ScoreSide, inv) -> list[list]:
    """[q][i] enclosures of beta = exp((pe[q][i] - max_i pe[q][i]) inv), inv enclosing 1/sqrt(d_head)."""
    out = []
    for row in side.pe:
        top = max(row)
        out.append([mpmath.iv.exp(fraction_iv(x - top) * inv) for x in row])
    return out


def count_cells(k: int, cells: list[tuple]) -> int:
    """Step 4: sum over certified cells of 1 (c = 0) or C(K-1, c) (j + 1)^c."""
    return sum(1 if c == 0 else math.comb(k - 1, c) * (j + 1) ** c for _, _, c, j, *_ in cells)


def _dy_read(obj: Any, what: str, shape: tuple[int, ...]) -> Dyadic:
    try:
        num = np.array(obj["num"], dtype=object)
        exp = obj["exp"]
    except (TypeError, KeyError, ValueError) as exc:
        raise CertificateError(f"{what}: not a dyadic array ({exc})") from None
    if not isinstance(exp, int) or num.shape != shape or not all(isinstance(n, int) for n in num.reshape(-1)):
        raise CertificateError(f"{what}: expected integers of shape {shape} and an int exponent")
    return Dyadic(num, exp)


def _frac_read(obj: Any, what: str) -> Fraction:
    if not (isinstance(obj, list) and len(obj) == 2 and all(isinstance(n, int) for n in obj) and obj[1] > 0):
        raise CertificateError(f"{what}: expected [num, den] with den > 0")
    return Fraction(obj[0], obj[1])


def _read_directions(obj: Any, level: int, v: int, d: int, h: int) -> Directions:
    if not isinstance(obj, dict):
        raise CertificateError("directions: expected an object")
    n = level
    try:
        query, key = obj["query"], obj["key"]
        if len(query) != n or len(key) != n:
            raise CertificateError(f"directions: expected {n} query and {n} key directions")
        q = tuple((_dy_read(a, "alpha", (v,)), _dy_read(b, "qhat", (d,))) for a, b in query)
        k = tuple((_dy_read(a, "beta", (v,)), _dy_read(b, "shat", (d,))) for a, b in key)
        peels = []
        for nm in ("wq_peel", "wk_peel"):
            p = obj[nm]
            if (p is None) != (level < 2):
                raise CertificateError(f"directions: {nm} must be {'absent' if level < 2 else 'present'}")
            peels.append(None if p is None else (_dy_read(p[0], nm, (d,)), _dy_read(p[1], nm, (h,))))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CertificateError):
            raise
        raise CertificateError(f"directions: malformed ({exc})") from None
    return Directions(q, k, peels[0], peels[1])


def dyadic_json(x: Dyadic) -> dict[str, Any]:
    """A dyadic array as certificates carry it (read back by ``_dy_read``)."""
    return {"exp": int(x.exp), "num": np.vectorize(int, otypes=[object])(x.num).tolist()}


def weights_json(weights: dict[str, Dyadic]) -> dict[str, Any]:
    """The ``weights`` field of a certificate: every parameter as an exact dyadic array."""
    return {name: dyadic_json(weights[name]) for name in PARAMETER_NAMES}


def check_model(tables: ModelTables, cert: dict[str, Any]) -> int:
    """The certified count for the model of ``tables``: the certificate's weights must be the
    model's exact float32 weights, then ``check_certificate`` (``registry.Checker``)."""
    if not isinstance(cert, dict) or cert.get("weights") != weights_json(tables.weights):
        raise CertificateError(f"{cert.get('strategy', 'subcubic') if isinstance(cert, dict) else 'subcubic'} certificate: weights are not the model's")
    return check_certificate(cert)


def check_certificate(cert: dict[str, Any]) -> int:
    """Re-verify a subcubic certificate in exact rationals; returns the certified count.

    Re-derives Ê, eps, pe, the value tables and the direct-path bound from the weights and the
    certificate's vectors (exact integer code shared with the prover), then for every listed
    cell: validity, the attention claims against rational bounds built from 128-bit mpmath
    exp enclosures, Psi < 0 at both endpoints (exact), and finally the count. Raises
    CertificateError on any failure. The weights are trusted as given.
    """
    try:
        return _check(cert)
    except CertificateError:
        raise
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        raise CertificateError(f"malformed certificate ({type(exc).__name__}: {exc})") from None


def _check(cert: dict[str, Any]) -> int:
    if not isinstance(cert, dict) or cert.get("format") != FORMAT or cert.get("version") != VERSION:
        raise CertificateError(f"not a {FORMAT} v{VERSION} certificate")
    try:
        eupu, attention, error = cert["eupu"], cert["attention"], cert["attention_error"]
        v, k, d, h = (int(cert[x]) for x in ("d_vocab", "n_ctx", "d_model", "d_head"))
    except (KeyError, TypeError, ValueError) as exc:
        raise CertificateError(f"missing header field ({exc})") from None
    if eupu not in EUPU_OPTIONS or attention not in ATTENTION_OPTIONS or error not in ATTENTION_ERROR_OPTIONS:
        raise CertificateError("unknown option in eupu / attention / attention_error")
    if k < 2 or v < 2:
        raise CertificateError("need n_ctx >= 2 and d_vocab >= 2")
    shapes = MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=d, d_head=h).parameter_shapes()
    w = {nm: _dy_read(cert["weights"][nm], nm, shp) for nm, shp in shapes.items()}
    factors = QKFactors.from_weights(w, k, h)
    level = level_of(error)
    dirs = None if level == 0 else _read_directions(cert.get("directions"), level, v, d, h)
    sizes = centre_sizes(error, d, h)
    if not isinstance(cert.get("centres"), list) or len(cert["centres"]) != len(sizes):
        raise CertificateError(f"expected {len(sizes)} centre vectors for {error}")
    centres = tuple(_dy_read(c, "centre", (n,)) for c, n in zip(cert["centres"], sizes))
    err = attention_error(factors, error, dirs, centres) if level else attention_error(factors, error)
    claimed_eps = [_frac_read(e, "eps") for e in cert["eps"]]
    if claimed_eps != err.eps:
        raise CertificateError("eps differs from the value re-derived from the directions")
    centre = None
    if cert.get("eupu_centre") is not None:
        centre = _dy_read(cert["eupu_centre"], "eupu_centre", (d,))
    if (centre is None) != (eupu not in ("mean_query+max_diff", "svd_query+max_diff")):
        raise CertificateError("eupu_centre must be given exactly for the mean/svd EUPU options")
    mu, rho = direct_bound(factors.e_q, w["W_U"], eupu, centre)
    tables = PathTables.from_model(_model_from_dyadics(w, MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=d, d_head=h)))
    vt = value_tables(tables, mu, rho)
    pe_d = factors.pos_scores()
    pe = [[Fraction(int(n)) * Fraction(2) ** pe_d.exp for n in row] for row in pe_d.num]
    order = [sorted(range(k - 1), key=lambda i: (pe[q][i], i)) for q in range(v)]
    side = ScoreSide(err, pe, order, k, h)
    mean_diff = attention == "mean_query+diff"
    abar = None
    if mean_diff:
        try:
            abar = {(m, c, e): _frac_read(cert["abar"][m][c][e], "abar") for m in range(v) for c in range(k) for e in (0, 1)}
        except (TypeError, IndexError, KeyError) as exc:
            raise CertificateError(f"abar: malformed ({exc})") from None
    psi = PsiTable(vt, mean_diff)
    valid = set(valid_cells(v, k))
    seen = set()
    cells = []
    with iv_precision(_CHECK_PREC):
        inv = 1 / (k * mpmath.iv.sqrt(h))
        beta = [[iv_endpoints(b) for b in row] for row in beta_enclosures(side, inv)]  # rational [lo, hi]
        for entry in cert["cells"]:
            if not (isinstance(entry, list) and len(entry) == 6 and all(isinstance(x, int) for x in entry[:4])):
                raise CertificateError(f"cell {entry!r}: expected [q, m, c, j, A_lo, A_hi]")
            q, m, c, j = entry[:4]
            a_lo, a_hi = _frac_read(entry[4], "A_lo"), _frac_read(entry[5], "A_hi")
            if (q, m, c) not in valid or (q, m, c) in seen:
                raise CertificateError(f"cell {(q, m, c)} is invalid or repeated")
            if (c == 0 and j != -1) or (c >= 1 and not 0 <= j < m):
                raise CertificateError(f"cell {(q, m, c)}: bad j {j}")
            seen.add((q, m, c))
            if not 0 <= a_lo <= a_hi <= 1:
                raise CertificateError(f"cell {(q, m, c)}: attention claims out of order")
            dl = side.deltas(q, m, c, j)
            if q == m and c == 0:
                if a_lo != 1:
                    raise CertificateError(f"cell {(q, m, c)}: attention is exactly 1")
            else:
                ok_lo, ok_hi = _check_attention(side, beta, inv, q, m, c, dl, a_lo, a_hi)
                if not (ok_lo and ok_hi):
                    raise CertificateError(f"cell {(q, m, c, j)}: attention claim not verified")
            ab = (abar[(m, c, 0)], abar[(m, c, 1)]) if mean_diff else (None, None)
            if not (psi.psi(q, m, c, j, a_lo, ab[0]) < 0 and psi.psi(q, m, c, j, a_hi, ab[1]) < 0):
                raise CertificateError(f"cell {(q, m, c, j)}: the largest wrong logit is not certified negative")
            cells.append((q, m, c, j))
    count = count_cells(k, cells)
    if count != cert.get("correct_count"):
        raise CertificateError(f"count {count} differs from the claimed {cert.get('correct_count')}")
    return count


def _model_from_dyadics(w: dict[str, Dyadic], cfg: MaxOfKConfig) -> MaxOfKTransformer:
    """The model whose float32 weights are exactly ``w``; CertificateError if one is not float32."""
    arrays = {}
    for name in PARAMETER_NAMES:
        flat = [math.ldexp(int(n), w[name].exp) for n in w[name].num.reshape(-1)]
        arr = np.array(flat, dtype=np.float64).astype(np.float32).reshape(w[name].num.shape)
        if not np.isfinite(arr).all() or any(int(n) for n in (Dyadic.from_float32(arr) - w[name]).num.reshape(-1)):
            raise CertificateError(f"weight {name} is not an array of float32 values")
        arrays[name] = arr
    return MaxOfKTransformer.from_weights(cfg, arrays)


def _check_attention(side, beta, inv, q, m, c, d: Deltas, a_lo: Fraction, a_hi: Fraction) -> tuple[bool, bool]:
    """Exact-rational Step 2 bounds from rational exp enclosures; claims must lie outside them.

    A_lo's formula X/(X+Y) is increasing in X and decreasing in Y, so it is >= the value at
    X's lower and Y's upper enclosure ends; symmetrically for A_hi.
    """
    k = side.k
    lo_b, hi_b = [b[0] for b in beta[q]], [b[1] for b in beta[q]]
    x_low, _, _, sn_high = arrangement_sums(lo_b, side.order[q], k, q, m, c)  # lower ends
    _, sn_low, x_high, _ = arrangement_sums(hi_b, side.order[q], k, q, m, c)  # upper ends

    def ex(z: Fraction) -> tuple[Fraction, Fraction]:
        lo, hi = iv_endpoints(mpmath.iv.exp(-fraction_iv(z) * inv))
        if lo is None or hi is None:
            raise CertificateError("exp enclosure failed")
        return lo, hi

    y_up = y_dn = Fraction(0)
    if c >= 1:
        y_up += ex(d.lo)[1] * sn_low
        y_dn += ex(d.hi)[0] * sn_high
    if q != m:
        y_up += ex(d.q_lo)[1] * hi_b[k - 1]
        y_dn += ex(d.q_hi)[0] * lo_b[k - 1]
    lower = x_low / (x_low + y_up) if x_low + y_up > 0 else Fraction(0)
    upper = x_high / (x_high + y_dn) if x_high + y_dn > 0 else Fraction(1)
    return a_lo <= lower, a_hi >= upper
