r"""Exact-rational checker of cubic certificates: the spec the search of ``cubic`` must meet.

The argument (Steps 1-5) is stated in ``cubic``'s docstring; this module imports no prover.

Certificate format ``compact-proofs/max-of-k-cubic-certificate``, version 1 (a JSON object):

    format, version, strategy ("cubic" | "cubic_paper"), variant ("refined" | "paper"),
    d_vocab, n_ctx, d_head
    score_exp: int; eqke: v x v ints; eqkp: v x K ints        (score = int * 2^score_exp)
    value_exp: int; evou: v x v; pvou: K x v; eupu: v x v ints (value = int * 2^value_exp)
    exp_shift: v ints (shift_q, same scale as eqke)
    exp_lower, exp_upper: v x K x v pairs [num, den] (den > 0) with, for every q, i, t,
        0 <= lower <= exp((eqke[q][t] + eqkp[q][i] - exp_shift[q]) 2^score_exp / sqrt(d_head))
        <= upper
    position_order: v lists, each a permutation of 0..K-2, eqkp[q][.] nondecreasing along it
    certified[m][q][c]: a list of tokens; [] when q > m, c invalid, or not certified; for
        c = 0 it is [m] when the c = 0 cell is certified; for c >= 1 the certified t < m
    correct_count: the claimed count; n_inputs: v^K

A checker verifies (1) the tables against the weights (outside this format), (2) every exp
enclosure (e.g. rational bounds on the exponent, then on exp), (3) position_order, (4) for
every listed cell the inequalities of Steps 2 and 4 in exact rationals: masses are sums of
``exp_lower`` (resp. ``exp_upper``) over the positions of the arrangement, each role value
multiplies the bound matching its sign, and U, V, P*, a, b, W_m, W_q are recomputed from the
integer tables per ``variant``; (5) the count formula. Only +, *, comparisons and maxima on
integers and rationals are needed. ``check_certificate`` does (2)-(5); ``check_model`` (1)-(5).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from ...core import strategy as core_strategy
from ...core.exact import iv_endpoints, iv_precision
from ..tables import ModelTables, PathTables


FORMAT = "compact-proofs/max-of-k-cubic-certificate"
VERSION = 1


class CertificateError(core_strategy.CertificateError):
    """A cubic certificate is malformed or one of its inequalities fails."""


def check_tables(paths: PathTables, cert: dict[str, Any]) -> None:
    """Step (1): raise CertificateError unless the certificate's integer tables and scales are
    the model's own (``paths``), since the rest of the check trusts them."""
    for key, own in paths.json_fields().items():
        if cert.get(key) != own:
            what = "table " + key if isinstance(own, list) else key
            raise CertificateError(f"{cert.get('strategy', 'cubic')} certificate: {what} is not the model's")


def check_model(tables: ModelTables, cert: dict[str, Any]) -> int:
    """Steps (1)-(5) for the model of ``tables``: the certified count (``registry.Checker``)."""
    check_tables(tables.path, cert)
    return check_certificate(cert)


def count_from_sizes(v: int, k: int, cert0: np.ndarray, sizes: dict[int, np.ndarray]) -> int:
    """sum over (m, q) of [c=0 certified] + sum_{c>=1} C(K-1, c) * sizes[c][m, q]^c (valid cells)."""
    total = 0
    for m in range(v):
        for q in range(m + 1):
            if q < m and k == 1:
                continue  # with one position the query is the max
            total += int(bool(cert0[m, q]))
            for c in range(1, k):
                if q < m and c > k - 2:
                    continue
                total += math.comb(k - 1, c) * int(sizes[c][m, q]) ** c
    return total


def _check_exp(cert: dict[str, Any], lo: list, hi: list) -> None:
    """Rigorously re-check every exp enclosure with mpmath interval arithmetic."""
    v, k, d_head, e = cert["d_vocab"], cert["n_ctx"], cert["d_head"], cert["score_exp"]
    bits = 2 * max(64, max(abs(int(x)).bit_length() for row in cert["eqke"] for x in row) + 40)
    with iv_precision(bits):
        scale = mpmath.iv.ldexp(mpmath.iv.mpf(1), e) / mpmath.iv.sqrt(d_head)
        for q in range(v):
            for i in range(k):
                for t in range(v):
                    s = cert["eqke"][q][t] + cert["eqkp"][q][i] - cert["exp_shift"][q]
                    enc_lo, enc_hi = iv_endpoints(mpmath.iv.exp(mpmath.iv.mpf(s) * scale))
                    a, b = lo[q][i][t], hi[q][i][t]
                    # an infinite endpoint (overflow) verifies nothing
                    lo_ok = a <= 0 or (enc_lo is not None and a <= enc_lo)
                    hi_ok = enc_hi is not None and b >= enc_hi
                    if a < 0 or not lo_ok or not hi_ok:
                        raise CertificateError(f"exp enclosure [{q}][{i}][{t}] is not verified")


def read_enclosures(cert: dict[str, Any], *, verify_exp: bool) -> tuple[list, list]:
    """The certificate's exp enclosures as exact Fractions ``[q][i][t]``, checked.

    Checks the v x K x v shape and 0 <= lower <= upper; with ``verify_exp`` also that each
    interval encloses the true exp (``_check_exp``). Raises CertificateError otherwise.
    """
    v, k = int(cert["d_vocab"]), int(cert["n_ctx"])
    lo = [[[Fraction(n, d) for n, d in row] for row in plane] for plane in cert["exp_lower"]]
    hi = [[[Fraction(n, d) for n, d in row] for row in plane] for plane in cert["exp_upper"]]
    if len(lo) != v or len(hi) != v or any(len(p) != k or any(len(r) != v for r in p) for p in lo + hi):
        raise CertificateError("exp enclosures must be v x K x v")
    for q in range(v):
        for i in range(k):
            for t in range(v):
                if not 0 <= lo[q][i][t] <= hi[q][i][t]:
                    raise CertificateError(f"bad enclosure at [{q}][{i}][{t}]")
    if verify_exp:
        _check_exp(cert, lo, hi)
    return lo, hi


def check_certificate(cert: dict[str, Any], *, verify_exp: bool = True) -> int:
    """Re-verify a cubic certificate in exact rational arithmetic; returns the certified count.

    Trusts only that the integer tables are the model's (checked elsewhere). With
    ``verify_exp`` the exp enclosures are re-checked rigorously; otherwise they are assumed.
    Raises CertificateError on any failure.
    """
    if cert.get("format") != FORMAT or cert.get("version") != VERSION:
        raise CertificateError(f"not a {FORMAT} v{VERSION} certificate")
    v, k = int(cert["d_vocab"]), int(cert["n_ctx"])
    eqkp = cert["eqkp"]
    evou, pvou, eupu = cert["evou"], cert["pvou"], cert["eupu"]
    lo, hi = read_enclosures(cert, verify_exp=verify_exp)
    order = cert["position_order"]
    for q in range(v):
        if sorted(order[q]) != list(range(k - 1)):
            raise CertificateError(f"position_order[{q}] is not a permutation of 0..K-2")
        if any(eqkp[q][order[q][j]] > eqkp[q][order[q][j + 1]] for j in range(k - 2)):
            raise CertificateError(f"position_order[{q}] is not sorted by eqkp")

    def sel(lo_: Fraction, hi_: Fraction, w: int) -> Fraction:
        return (hi_ if w > 0 else lo_) * w

    if cert.get("variant") not in ("refined", "paper"):
        raise CertificateError("variant must be 'refined' or 'paper'")
    refined = cert["variant"] == "refined"
    pess_positions = range(k - 1) if refined and k >= 2 else range(k)
    sizes = {c: np.zeros((v, v), dtype=np.int64) for c in range(1, k)}
    cert0 = np.zeros((v, v), dtype=bool)
    for m in range(v):
        others = [x for x in range(v) if x != m]
        ppess = [max(pvou[i][x] - pvou[i][m] for i in pess_positions) for x in range(v)]
        qpos = [pvou[k - 1][x] - pvou[k - 1][m] for x in range(v)] if refined else ppess
        V = [max(evou[t][x] - evou[t][m] + ppess[x] for x in others) for t in range(v)]
        for q in range(v):
            cells = cert["certified"][m][q]
            if len(cells) != k:
                raise CertificateError(f"certified[{m}][{q}] must have {k} entries")
            if q > m:
                if any(cells):
                    raise CertificateError(f"certified[{m}][{q}]: query above the max")
                continue
            U = max(eupu[q][x] - eupu[q][m] for x in others)
            a = {x: eupu[q][x] - eupu[q][m] + evou[m][x] - evou[m][m] + ppess[x] for x in others}
            b = {x: eupu[q][x] - eupu[q][m] + evou[q][x] - evou[q][m] + qpos[x] for x in others}
            w_m = max(a.values()) if refined else U + V[m]
            w_q = max(b.values()) if refined else U + V[q]
            wq = (lo[q][k - 1][q], hi[q][k - 1][q])
            srt = order[q]
            for c, toks in enumerate(cells):
                if not toks:
                    continue
                if c == 0:
                    if toks != [m] or (k == 1 and q != m):
                        raise CertificateError(f"certified[{m}][{q}][0] must be [] or [{m}] (and [] if K = 1, q < m)")
                    xm = (sum(lo[q][i][m] for i in range(k - 1)), sum(hi[q][i][m] for i in range(k - 1)))
                    for x in others:
                        if q == m and not refined:
                            ok = a[x] < 0
                        else:
                            ok = sel(*xm, a[x]) + sel(*wq, b[x]) < 0
                        if not ok:
                            raise CertificateError(f"cell m={m} q={q} c=0 fails at x={x}")
                    cert0[m, q] = True
                    continue
                if q < m and c > k - 2:
                    raise CertificateError(f"certified[{m}][{q}][{c}]: no room for the max")
                if len(set(toks)) != len(toks) or any(not (0 <= t < m) for t in toks):
                    raise CertificateError(f"certified[{m}][{q}][{c}] must list distinct tokens below {m}")
                n_m = k - 1 - c
                for t in toks:
                    for m_pos, t_pos in ((srt[:n_m], srt[n_m:]), (srt[c:], srt[:c])):  # low, high
                        mm = (sum(lo[q][i][m] for i in m_pos), sum(hi[q][i][m] for i in m_pos))
                        mt = (sum(lo[q][i][t] for i in t_pos), sum(hi[q][i][t] for i in t_pos))
                        n = sel(*mm, w_m) + sel(*mt, U + V[t]) + sel(*wq, w_q)
                        if not n < 0:
                            raise CertificateError(f"cell m={m} q={q} t={t} c={c} fails")
                sizes[c][m, q] = len(toks)
    count = count_from_sizes(v, k, cert0, sizes)
    if count != cert["correct_count"]:
        raise CertificateError(f"count {count} differs from the claimed {cert['correct_count']}")
    return count
