r"""Exact-rational checker of ``cubic_tight`` certificates (parts A-D of its docstring).

The certificate is written by ``cubic_tight.certificate`` (the prover imports this checker's
format; this module imports no prover).

Format ``compact-proofs/max-of-k-cubic-tight-certificate``, version 1 (a JSON object). The
fields shared with ``cubic``'s format (read its docstring) have the same meaning:

    format, version, strategy ("cubic_tight"), d_vocab, n_ctx, d_head,
    score_exp, eqke, eqkp, value_exp, evou, pvou, eupu      (exact integer path tables)
    exp_shift, exp_lower, exp_upper                           (exp enclosures, [num, den] pairs)
    position_order                                            (non-query positions by eqkp)
    correct_count, n_inputs

and in addition

    n_grid: int >= 1, the chord grid of part B (lam_g = g / n_grid)
    chord_phi: {"U": P, "D": P}, P[g][m][t] (g = 0..n_grid) a pair [num, den] or null: an
        upper bound of phi_g = max_{x != m} (lam_g e_m(x) + (1 - lam_g) e_t(x) [+ D'[m,x]
        for "D"]), e_r(x) = E'[r,x] + P*[x]; null where no part-B claim uses it
    groups[m][q][c] (c = 0..K-1): null (nothing certified) or an object
        {"part": "A" | "B" | "C" | "D", "tokens": T} (+ "alt": list, one "U" or "D" per
        token of T, for part B). For c = 0, T = [m] and part is A or D; for c >= 1, T is
        the certified set of non-max tokens t < m and part is A, B or C.

Every denominator (enclosures, chord_phi) must be a power of two (float64 values are), so
the checker works in integers: all value tables are shifted to one common power-of-two scale
and all weights to another, and every inequality below is an exact integer comparison.

What the checker verifies (``check_certificate``), with the notation of ``cubic`` /
``cubic_tight`` (D', E', PVOU', P* over the K-1 non-query positions, U, V, delta[m,q] =
max_{x != m} D'[q,x] - D'[m,x]); "sel(M, W)" is hi(M) W if W > 0 else lo(M) W, an upper bound
of M W for every M in [lo(M), hi(M)], lo >= 0; masses are sums of enclosures over the
positions of an arrangement (low: m on the K-1-c smallest-eqkp positions, high: on the
largest):

    (0) format, shapes, 0 <= lower <= upper, every exp enclosure (mpmath interval exp read
        with exact endpoints, ``cubic._check_exp``), position_order a sorted permutation.
    A, c = 0:  sel(X_m, a(x)) + sel(w_{K-1}, b(x)) < 0 for every x != m (``cubic`` Step 4).
    A, c >= 1: for every t in T and both arrangements,
               sel(M_m, W_m) + sel(M_t, U[q] + V[t]) + sel(w_{K-1}, W_q) < 0 (``cubic``).
    B: for every t in T (with its alt) every g < n_grid and both arrangements,
               sel(M_q, Jq) + sel(M_m, p_g + B) + sel(M_t, r_g + B) < 0,
       B = U[q] (alt U) or delta[m,q] (alt D), p_g = (n - g) phi_{g+1} - (n - g - 1) phi_g,
       r_g = (g + 1) phi_g - g phi_{g+1} from the certificate's phi, after verifying
       n phi_g >= g e_m(x) + (n - g) e_t(x) [+ n D'[m,x]] for every x != m and g = 0..n
       (so phi_g bounds the convex phi at the grid points and its chords bound phi).
    C: with a_i = sel(w_i(m), Jm[i]), H_i = max_{t in T} sel(w_i(t), Jt[i,t]) and
       Q = sel(w_{K-1}, Jq):  Q + sum_i H_i + (sum of the K-1-c largest a_i - H_i) < 0.
    D, c = 0: sum_{i < K-1} sel(w_i(m), D'[q,x] + E'[m,x] + PVOU'[i,x]) + sel(w_{K-1}, b(x)) < 0
       for every x != m.
    Validity of every entry (q <= m, c valid for q, tokens distinct and < m, T non-empty),
    and the count  sum_{m, q <= m} [c = 0 certified] + sum_c C(K-1, c) |T(m,q,c)|^c
    (``cubic.count_from_sizes``) equal to correct_count.

That these inequalities imply correctness of the claimed inputs is the content of
``cubic_tight``'s docstring (parts A-D) and ``cubic``'s Steps 1-4; the checker verifies
every inequality exactly, so none of the float rounding allowances of the proof search are
trusted. The checker trusts that the integer tables are the model's (``certify`` compares
them before checking).

All four parts are certified and checked: the checked count equals
``cubic_tight(model).correct_lower_bound`` (the float proof's bounds include slack, so each
exact inequality holds whenever the float one did: chords are re-derived from the stored
phi upper bounds, and sum_i H_i + top-k(a_i - H_i) is monotone in H).

Time complexity: the certificate O(v^3 (n_grid + K^2 log K)) float work as ``cubic_tight``;
the checker O(v^3 K) exact integer maxima plus O(v^3 (n_grid + K)) exact integer products,
plus O(v^2 K) interval exps. Size: O(v^2 K) enclosures + O(v^2 n_grid) phi pairs + the sets.
Preconditions: as ``cubic``. Postconditions: ``check_certificate(certificate(model)) ==
cubic_tight(model).correct_lower_bound``; any failed check raises ``CertificateError``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..tables import ModelTables
from .cubic import CertificateError, check_tables, count_from_sizes, read_enclosures

FORMAT = "compact-proofs/max-of-k-cubic-tight-certificate"
VERSION = 1


# --------------------------------------------------------------------------------------
# Checker


def _log2_den(f: Fraction, where: str) -> int:
    d = f.denominator
    if d & (d - 1):
        raise CertificateError(f"{where}: denominator {d} is not a power of two")
    return d.bit_length() - 1


def _table(cert: dict, key: str, shape: tuple[int, int]) -> np.ndarray:
    rows = cert[key]
    if len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
        raise CertificateError(f"table {key} must be {shape[0]} x {shape[1]}")
    if any(type(x) is not int for r in rows for x in r):
        raise CertificateError(f"table {key} must hold integers")
    out = np.empty(shape, dtype=object)
    for i, r in enumerate(rows):
        out[i, :] = r
    return out


def _sel(lo: int, hi: int, w: int) -> int:
    """Upper bound of M w over M in [lo, hi] (0 <= lo), exactly."""
    return (hi if w > 0 else lo) * w


def _max_off(arr: np.ndarray, m: int) -> np.ndarray:
    """Max over the last axis excluding index m (exact, object arrays)."""
    return np.delete(arr, m, axis=-1).max(axis=-1)


def check_model(tables: ModelTables, cert: dict[str, Any]) -> int:
    """The certified count for the model of ``tables``: its integer tables are checked to be the
    model's (``cubic.check_tables``), then the certificate (``registry.Checker``)."""
    check_tables(tables.path, cert)
    return check_certificate(cert)


def check_certificate(cert: dict[str, Any], *, verify_exp: bool = True) -> int:
    """Re-verify a ``cubic_tight`` certificate exactly; returns the certified count.

    Inequalities and steps: see the module docstring. Only integer +, -, *, comparisons and
    maxima are used after the enclosures are read (weights scaled by a common 2^S, values by
    a common 2^E0). Raises CertificateError on any failure. With ``verify_exp`` False the exp
    enclosures are assumed (never in ``certify``).
    """
    if cert.get("format") != FORMAT or cert.get("version") != VERSION:
        raise CertificateError(f"not a {FORMAT} v{VERSION} certificate")
    try:
        return _check(cert, verify_exp)
    except CertificateError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError) as err:
        raise CertificateError(f"malformed certificate: {err!r}") from err


def _check(cert: dict[str, Any], verify_exp: bool) -> int:
    v, k, n = int(cert["d_vocab"]), int(cert["n_ctx"]), int(cert["n_grid"])
    if v < 2 or k < 1 or n < 1:
        raise CertificateError("need d_vocab >= 2, n_ctx >= 1, n_grid >= 1")
    eqkp = _table(cert, "eqkp", (v, k))
    _table(cert, "eqke", (v, v))
    evou, pvou, eupu = _table(cert, "evou", (v, v)), _table(cert, "pvou", (k, v)), _table(cert, "eupu", (v, v))
    value_exp = int(cert["value_exp"])

    # (0) enclosures, as exact fractions, verified, then scaled to integers LO, HI (* 2^S).
    lo, hi = read_enclosures(cert, verify_exp=verify_exp)
    s_exp = max(_log2_den(f, "exp enclosure") for plane in lo + hi for row in plane for f in row)
    LO = [[[int(f * (1 << s_exp)) for f in row] for row in plane] for plane in lo]
    HI = [[[int(f * (1 << s_exp)) for f in row] for row in plane] for plane in hi]
    order = cert["position_order"]
    if len(order) != v:
        raise CertificateError("position_order must have v rows")
    for q in range(v):
        if sorted(order[q]) != list(range(k - 1)):
            raise CertificateError(f"position_order[{q}] is not a permutation of 0..K-2")
        if any(eqkp[q, order[q][j]] > eqkp[q, order[q][j + 1]] for j in range(k - 2)):
            raise CertificateError(f"position_order[{q}] is not sorted by eqkp")

    # chord_phi: exact fractions with power-of-two denominators; common scale E0.
    phi_raw = cert["chord_phi"]
    phi_frac: dict[str, list] = {}
    f_exp = 0
    for alt in ("U", "D"):
        planes = phi_raw[alt]
        if planes and len(planes) != n + 1:
            raise CertificateError(f"chord_phi[{alt}] must have n_grid + 1 planes")
        phi_frac[alt] = [[[None if p is None else Fraction(p[0], p[1]) for p in row] for row in plane]
                         for plane in planes]
        for plane in phi_frac[alt]:
            if len(plane) != v or any(len(r) != v for r in plane):
                raise CertificateError("chord_phi planes must be v x v")
            for row in plane:
                for f in row:
                    if f is not None:
                        f_exp = max(f_exp, _log2_den(f, "chord_phi"))
    e0 = min(value_exp, -f_exp)  # every value is an integer times 2^e0
    sh = value_exp - e0
    evou, pvou, eupu = evou * (1 << sh), pvou * (1 << sh), eupu * (1 << sh)
    phi_sh = -f_exp - e0

    def phi_int(alt: str, g: int, m: int, t: int) -> int:
        planes = phi_frac[alt]
        f = planes[g][m][t] if len(planes) == n + 1 else None
        if f is None:
            raise CertificateError(f"chord_phi[{alt}][{g}][{m}][{t}] is needed but missing")
        return int(f * (1 << f_exp)) << phi_sh

    # masses over sorted positions: pre[q][j][t] (j smallest), suf[q][j][t] (rank j on).
    def prefix(W, q):
        srt = order[q]
        pre = [[0] * v]
        for j in range(k - 1):
            pre.append([pre[-1][t] + W[q][srt[j]][t] for t in range(v)])
        total = pre[-1]
        return pre, [[total[t] - pre[j][t] for t in range(v)] for j in range(k)]

    masses = [(prefix(LO, q), prefix(HI, q)) for q in range(v)]

    def arrangements(q: int, c: int):
        """(m-mass lo, hi, t-mass lo, hi) as functions of (m, t), low then high."""
        (pre_l, suf_l), (pre_h, suf_h) = masses[q]
        n_m = k - 1 - c
        return (
            lambda m, t: (pre_l[n_m][m], pre_h[n_m][m], suf_l[n_m][t], suf_h[n_m][t]),  # low
            lambda m, t: (suf_l[c][m], suf_h[c][m], pre_l[c][t], pre_h[c][t]),  # high
        )

    groups = cert["groups"]
    if len(groups) != v or any(len(r) != v or any(len(cl) != k for cl in r) for r in groups):
        raise CertificateError("groups must be v x v x K")
    cert0 = np.zeros((v, v), dtype=bool)
    sizes = {c: np.zeros((v, v), dtype=np.int64) for c in range(1, k)}
    n_pess = k - 1 if k >= 2 else k  # positions pessimised over for P* (refined, as cubic)
    for m in range(v):
        if all(groups[m][q][c] is None for q in range(v) for c in range(k)):
            continue
        # exact centred tables for max m (value scale 2^e0)
        dcen = eupu - eupu[:, m:m + 1]  # [q, x]
        ecen = evou - evou[:, m:m + 1]  # [t, x]
        pc = pvou - pvou[:, m:m + 1]  # [i, x]
        ppess = pc[:n_pess].max(axis=0)  # [x]
        a_tab = dcen + (ecen[m] + ppess)[None, :]  # [q, x]
        b_tab = dcen + ecen + pc[k - 1][None, :]  # [q, x] (query's token is q)
        U = _max_off(dcen, m)  # [q]
        V = _max_off(ecen + ppess[None, :], m)  # [t]
        w_m, w_q = _max_off(a_tab, m), _max_off(b_tab, m)  # [q]; w_q is Jq
        delta = _max_off(dcen - dcen[m][None, :], m)  # [q]
        lazy: dict[str, Any] = {}

        def joint():
            if not lazy:
                pos = pc[: k - 1]  # [i, x]
                lazy["jm"] = _max_off((dcen + ecen[m][None, :])[:, None, :] + pos[None], m)  # [q, i]
                lazy["vp"] = _max_off(ecen[None, :, :] + pos[:, None, :], m)  # [i, t]
                lazy["vdp"] = _max_off(dcen[m][None, None, :] + ecen[None, :, :] + pos[:, None, :], m)
            return lazy

        for q in range(v):
            cells = groups[m][q]
            for c in range(k):
                entry = cells[c]
                if entry is None:
                    continue
                where = f"group m={m} q={q} c={c}"
                if q > m:
                    raise CertificateError(f"{where}: query above the max")
                if q < m and (k == 1 or (c >= 1 and c > k - 2)):
                    raise CertificateError(f"{where}: no room for the max")
                part, toks = entry["part"], entry["tokens"]
                wq_lo, wq_hi = LO[q][k - 1][q], HI[q][k - 1][q]
                if c == 0:
                    if toks != [m] or part not in ("A", "D") or (part == "D" and k < 2):
                        raise CertificateError(f"{where}: c = 0 needs tokens [m] and part A or D (D needs K >= 2)")
                    for x in range(v):
                        if x == m:
                            continue
                        total = _sel(wq_lo, wq_hi, b_tab[q, x])
                        if part == "A":
                            xm_lo = sum(LO[q][i][m] for i in range(k - 1))
                            xm_hi = sum(HI[q][i][m] for i in range(k - 1))
                            total += _sel(xm_lo, xm_hi, a_tab[q, x])
                        else:
                            for i in range(k - 1):
                                total += _sel(LO[q][i][m], HI[q][i][m], dcen[q, x] + ecen[m, x] + pc[i, x])
                        if not total < 0:
                            raise CertificateError(f"{where} part {part} fails at x={x}")
                    cert0[m, q] = True
                    continue
                if (not isinstance(toks, list) or not toks or len(set(toks)) != len(toks)
                        or any(type(t) is not int or not 0 <= t < m for t in toks)):
                    raise CertificateError(f"{where}: tokens must be distinct integers below {m}, non-empty")
                n_m = k - 1 - c
                if part == "A":
                    for t in toks:
                        for arr in arrangements(q, c):
                            ml, mh, tl, th = arr(m, t)
                            val = _sel(ml, mh, w_m[q]) + _sel(tl, th, U[q] + V[t]) + _sel(wq_lo, wq_hi, w_q[q])
                            if not val < 0:
                                raise CertificateError(f"{where} part A fails for t={t}")
                elif part == "B":
                    alts = entry["alt"]
                    if not isinstance(alts, list) or len(alts) != len(toks) or any(a not in ("U", "D") for a in alts):
                        raise CertificateError(f"{where}: part B needs one alt 'U'/'D' per token")
                    for t, alt in zip(toks, alts):
                        phis = [phi_int(alt, g, m, t) for g in range(n + 1)]
                        _verify_phi(phis, ecen[m] + ppess, ecen[t] + ppess, dcen[m] if alt == "D" else None,
                                    n, m, f"{where} t={t} alt {alt}")
                        base = U[q] if alt == "U" else delta[q]
                        q_term = _sel(wq_lo, wq_hi, w_q[q])
                        for g in range(n):
                            p_g = (n - g) * phis[g + 1] - (n - g - 1) * phis[g]
                            r_g = (g + 1) * phis[g] - g * phis[g + 1]
                            for arr in arrangements(q, c):
                                ml, mh, tl, th = arr(m, t)
                                val = q_term + _sel(ml, mh, p_g + base) + _sel(tl, th, r_g + base)
                                if not val < 0:
                                    raise CertificateError(f"{where} part B fails for t={t} g={g}")
                elif part == "C":
                    tab = joint()
                    jm, vp, vdp = tab["jm"], tab["vp"], tab["vdp"]
                    q_term = _sel(wq_lo, wq_hi, w_q[q])
                    hs, ds = [], []
                    for i in range(k - 1):
                        h_i = max(_sel(LO[q][i][t], HI[q][i][t], min(U[q] + vp[i, t], delta[q] + vdp[i, t]))
                                  for t in toks)
                        hs.append(h_i)
                        ds.append(_sel(LO[q][i][m], HI[q][i][m], jm[q, i]) - h_i)
                    val = q_term + sum(hs) + sum(sorted(ds, reverse=True)[:n_m])
                    if not val < 0:
                        raise CertificateError(f"{where} part C fails")
                else:
                    raise CertificateError(f"{where}: part must be A, B or C for c >= 1")
                sizes[c][m, q] = len(toks)
    count = count_from_sizes(v, k, cert0, sizes)
    if count != cert["correct_count"]:
        raise CertificateError(f"count {count} differs from the claimed {cert['correct_count']}")
    if cert.get("n_inputs") != v**k:
        raise CertificateError("n_inputs must be d_vocab ** n_ctx")
    return count


def _verify_phi(phis: list[int], em: np.ndarray, et: np.ndarray, dm, n: int, m: int, where: str) -> None:
    """n phi_g >= g e_m(x) + (n - g) e_t(x) [+ n D'[m,x]] for every x != m and g = 0..n (exact)."""
    for g in range(n + 1):
        rhs = g * em + (n - g) * et
        if dm is not None:
            rhs = rhs + n * dm
        if not n * phis[g] >= _max_off(rhs, m):
            raise CertificateError(f"{where}: chord_phi[{g}] is not an upper bound")
