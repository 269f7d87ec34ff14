r"""A tightened cubic proof: joint wrong-logit chords, exact positions, joint token sets.

Same cells, notation and rigour conventions as ``cubic`` (read its docstring first, in
particular Step 3: mixing holds for ANY upper bound of the position-pessimised exact
quantity F). The result is the best of four sound certifications, chosen per group
(m, q, c) (each claims a set of inputs of that group; any one sound claim may be counted):

A. The ``cubic`` (refined) certified sets.

B. Joint chords (the main gain). The paper bounds max_x of a sum of role terms by the sum of
   per-role maxima, losing the coupling between the max token's and the non-max token's
   preferred wrong logit. With pessimised positions (P* over non-query positions, the
   query's own PVOU'), masses M_m, M_t, M_q of the three roles and lam = M_m / (M_m + M_t):

       F <= M_q Jq + (M_m + M_t) max_{x != m} (D'[q,x] + lam e_m(x) + (1 - lam) e_t(x)),
       e_r(x) = E'[r,x] + P*[x],  Jq = max_{x != m} (D'[q,x] + E'[q,x] + PVOU'[K-1,x])

   (max of a sum <= sum of maxes, applied to the query role and the rest). Then either
   D'[q,x] <= U[q] (alternative U), or D'[q,x] <= D'[m,x] + delta[m,q] with
   delta[m,q] = max_{x != m} (D'[q,x] - D'[m,x]) (alternative D, D'[m,.] folded into e).
   phi(lam) = max_x (lam e_m(x) + (1 - lam) e_t(x) [+ D'[m,x]]) is convex (a max of affine
   functions), tabulated exactly on the grid lam_g = g / n_grid (v^3 n_grid work): on segment
   g it lies below the chord lam p_g + (1 - lam) r_g through (lam_g, phi_g), (lam_g+1, phi_g+1),
   so phi(lam) <= max_g (lam p_g + (1 - lam) r_g) for all lam in [0, 1]. Multiplying by
   M_m + M_t (the perspective of a line is linear):

       F <= max_g  N_g,   N_g = M_q Jq + M_m (p_g + B) + M_t (r_g + B),   B = U[q] or delta[m,q].

   Each N_g is affine in X (cubic Step 2), so their maximum is convex in X and its maximum
   over all arrangements is at X_lo or X_hi: the cell is certified when N_g < 0 for every g
   at both sorted arrangements (with one alternative throughout). Mixing follows from cubic
   Step 3 (N_g bound the pessimised F). With n_grid = 1 this is the paper's bound.

C. Exact positions and joint token sets. Each non-query position keeps its own
   PVOU'[i,x]; Z Delta(x) <= sum_i w_i max_{y != m} c_i(y), with the direct path taken
   jointly for the query (Jq) and for positions holding m
   (Jm[i] = max_y D'[q,y] + E'[m,y] + PVOU'[i,y]), and for a position holding t
   Jt[i,t] = min(U[q] + max_y (E'[t,y] + PVOU'[i,y]), delta[m,q] + max_y (D'[m,y] + E'[t,y]
   + PVOU'[i,y])) (v^3 K work). Values now depend on the position, so the mixing argument
   fails (position j1 may favour t1 and j2 t2); instead a SET T is certified directly: with
   a_i = w_i(m) Jm[i], H_i(T) = max_{t in T} w_i(t) Jt[i,t], Q = w_{K-1} Jq, every input of
   the group whose non-max non-query tokens lie in T has

       Z Delta(x) <= Q + sum_i H_i(T) + max_{|M| = K-1-c} sum_{i in M} (a_i - H_i(T)),

   the last maximum being the sum of the K-1-c largest a_i - H_i(T) (exact over every
   arrangement, no sorting argument). T is grown greedily (tokens by single-token bound);
   soundness depends only on the final check, which is monotone in T.

D. c = 0 cells: the exact joint bound sum_i w_i c_i(x) < 0 for every x != m (positions
   exact, no maximum over positions), or the ``cubic`` test.

Rigour: as in ``cubic``. Grid values phi_g are upper bounds (float value plus 1e-13 times
the absolute terms); p_g = (n - g) phi_{g+1} - (n - g - 1) phi_g and
r_g = (g + 1) phi_g - g phi_{g+1} are evaluated with the same slack, which is enough since
the chord through upper-bounding points bounds the true chord on its segment and
lam p + (1 - lam) r is monotone in (p, r) for lam in [0, 1]. Differences a_i - H_i are
bounded by fl(a - H) + 1e-13 (|a| + |H|) + 1e-290; top-k of upper bounds bounds the top-k.

Time complexity: O(v^3 K) exact integer work; O(v^3 (n_grid + K^2 log K)) float work.
Preconditions: as ``cubic``. Postconditions: count >= the ``cubic`` count and <= the exact
count. Certificate: ``certificate`` below (the proof's ``certificate()``), format
``compact-proofs/max-of-k-cubic-tight-certificate`` v1, documented and checked in
``maxofk.checks.cubic_tight``. FLOPs counted as in ``cubic`` (the ``cubic`` part is
included); unexplained dimensionality is the same constant.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np

from ..tables import ModelTables
from .registry import Proof, StrategyResult, register
from .cubic import (
    _ABS,
    _REL,
    FlopCounter,
    _ratio,
    centred_tables,
    prove_cubic,
    ub_products,
    table_fields,
    ub_sum,
    unexplained_dimensionality,
    valid_cells,
)
from ..checks.cubic import count_from_sizes
from ..checks.cubic_tight import FORMAT, VERSION, check_model


def fast_float(values: np.ndarray, exp: int) -> np.ndarray:
    """Integer object array times 2**exp as float64 (int -> float correctly rounded)."""
    from .cubic import to_float

    try:
        f = values.astype(np.float64)
    except OverflowError:
        return to_float(values, exp)
    return np.ldexp(f, exp)


def _max_off(arr: np.ndarray, offdiag_mx: np.ndarray, sentinel: int) -> np.ndarray:
    """Max over the last axis x of an object array [m, ..., x], excluding x == m."""
    shape = (arr.shape[0],) + (1,) * (arr.ndim - 2) + (arr.shape[-1],)
    return np.where(offdiag_mx.reshape(shape), arr, sentinel).max(axis=-1)


def _group_bound(q_ub: np.ndarray, a_ub: np.ndarray, h: np.ndarray, n_m: int) -> np.ndarray:
    """Upper bound of Q + sum_i H_i + (sum of the n_m largest a_i - H_i); position axis last."""
    with np.errstate(all="ignore"):
        parts = [q_ub] + [h[..., i] for i in range(h.shape[-1])]
        if n_m > 0:
            d = (a_ub - h) + (_REL * (np.abs(a_ub) + np.abs(h)) + _ABS)
            top = np.sort(d, axis=-1)[..., -n_m:]
            parts += [top[..., j] for j in range(n_m)]
        return ub_sum(parts)


def joint_chord_sets(base, refined_tables, n_grid: int, flops: FlopCounter,
                     record: dict | None = None) -> dict[int, np.ndarray]:
    """Part B of the module docstring: c -> [m, q, t] cells certified by joint chords.

    ``refined_tables`` must be ``centred_tables(tb, refined=True)`` (P* over non-query
    positions, w_q = Jq). Time: O(v^3 n_grid) float work. With ``record`` (a dict), stores
    the grid upper bounds ``record["phi"][alt][g]`` ([m, t] float64, alt "U" or "D") and
    ``record["chord_u"][c]`` ([m, q, t] bool: the cell passes with alternative U), the
    witnesses of the certificate (``maxofk.checks.cubic_tight``).
    """
    tb, ct = base.tables, refined_tables
    v, k = tb.d_vocab, tb.n_ctx
    ar = np.arange(v)
    e = tb.value_exp
    ef = fast_float(ct.ecen + ct.ppess[:, None, :], e)  # [m, t, x]: e_t(x) for max m
    em = ef[ar, ar, :]  # [m, x]
    dref = fast_float(ct.dcen[ar, ar, :], e)  # [m, x]: D'[m, x]
    delta = fast_float(_max_off(ct.dcen - ct.dcen[ar, ar, :][:, None, :], ct.offdiag, ct.sentinel), e)  # [m, q]
    uf = fast_float(ct.U, e)  # [m, q]
    jq = fast_float(ct.w_q, e)  # [m, q]: max_x D'[q,x] + E'[q,x] + PVOU'[K-1,x]
    off = ct.offdiag[:, None, :]
    with np.errstate(all="ignore"):
        phis = {"U": [], "D": []}
        for g in range(n_grid + 1):
            lam = g / n_grid
            val = lam * em[:, None, :] + (1 - lam) * ef
            err = _REL * (lam * np.abs(em)[:, None, :] + (1 - lam) * np.abs(ef)) + _ABS
            phis["U"].append(np.where(off, val + err, -np.inf).max(axis=2))
            val_d = val + dref[:, None, :]
            phis["D"].append(np.where(off, val_d + (err + _REL * np.abs(dref)[:, None, :]), -np.inf).max(axis=2))
    flops.add("joint-phi", 2 * (n_grid + 1) * (3 * v**3 + v * v * (v - 2)))
    if record is not None:
        record["phi"] = phis
    wq_lo, wq_hi = base.lo[ar, k - 1, ar], base.hi[ar, k - 1, ar]
    pre_lo, pre_hi, suf_lo, suf_hi = base.masses
    out = {}
    for c in range(1, k):
        n_m = k - 1 - c
        valid = valid_cells(v, k, c)
        arrangements = (
            ((pre_lo[:, n_m, :].T, pre_hi[:, n_m, :].T), (suf_lo[:, n_m, :], suf_hi[:, n_m, :])),  # low
            ((suf_lo[:, c, :].T, suf_hi[:, c, :].T), (pre_lo[:, c, :], pre_hi[:, c, :])),  # high
        )
        q_term = ub_products(wq_lo[None, :, None], wq_hi[None, :, None], jq[:, :, None])  # [m, q, 1]
        cert_c = np.zeros((v, v, v), dtype=bool)
        for alt, base_val in (("U", uf), ("D", delta)):
            ok = valid.copy()
            phi = phis[alt]
            for g in range(n_grid):
                with np.errstate(all="ignore"):
                    a1, a0 = (n_grid - g) * phi[g + 1], (n_grid - g - 1) * phi[g]
                    p_g = a1 - a0 + (_REL * (np.abs(a1) + np.abs(a0)) + _ABS)  # [m, t]
                    b1, b0 = (g + 1) * phi[g], g * phi[g + 1]
                    r_g = b1 - b0 + (_REL * (np.abs(b1) + np.abs(b0)) + _ABS)
                    wm = p_g[:, None, :] + base_val[:, :, None]  # [m, q, t]: role m value for token t
                    wm = wm + (_REL * (np.abs(p_g[:, None, :]) + np.abs(base_val[:, :, None])) + _ABS)
                    wt = r_g[:, None, :] + base_val[:, :, None]
                    wt = wt + (_REL * (np.abs(r_g[:, None, :]) + np.abs(base_val[:, :, None])) + _ABS)
                for mass_m, mass_t in arrangements:
                    n_ub = ub_sum([
                        ub_products(mass_m[0][:, :, None], mass_m[1][:, :, None], wm),
                        ub_products(mass_t[0][None], mass_t[1][None], wt),
                        q_term,
                    ])
                    ok &= n_ub < 0
            cert_c |= ok
            if record is not None and alt == "U":
                record.setdefault("chord_u", {})[c] = ok.copy()
        out[c] = cert_c
        n_valid = int(valid.sum())
        flops.add("joint-cells", 2 * n_grid * n_valid * (4 + 2 * 6))  # role values, 2 arrangements
    return out


def prove_tight(tables: ModelTables, n_grid: int = 4, record: dict | None = None):
    """Returns (count, flops, cert0 [m, q], sets: c -> [m, q, t] certified token sets).

    With ``record`` (a dict) it also stores what a certificate needs: ``base`` (the cubic
    proof: tables, enclosures, order), ``n_grid``, ``part0`` ([m, q] str array: "A" or "D"
    for the c = 0 cell), ``part`` (c -> [m, q] str array: "A", "B" or "C", the part whose set
    is ``sets[c][m, q]``) and part B's witnesses (see ``joint_chord_sets``).
    """
    base = prove_cubic(tables)  # part A
    tb = base.tables
    v, k = tb.d_vocab, tb.n_ctx
    flops = FlopCounter()
    for name, n in base.flops.parts.items():
        flops.add("cubic-" + name, n)
    lo, hi = base.lo, base.hi
    ct = centred_tables(tb, refined=False)
    ct_ref = centred_tables(tb, refined=True)
    ar = np.arange(v)
    e = tb.value_exp
    pcen = (tb.pvou[:, None, :] - tb.pvou[:, :, None]).transpose(1, 0, 2)  # [m, i, x]
    de_m = ct.dcen + ct.ecen[ar, ar][:, None, :]  # [m, q, x]: D'[q,x] + E'[m,x]
    cq = ct.dcen + ct.ecen[ar[:, None], ar[None, :], :] + pcen[:, None, k - 1, :]  # [m, q, x]
    jq = _max_off(cq, ct.offdiag, ct.sentinel)  # [m, q]
    wq_lo, wq_hi = lo[ar, k - 1, ar], hi[ar, k - 1, ar]
    flops.add("tight-centre", 3 * v**3 + v * v * (v - 2))
    cert0 = base.cert0.copy()
    sets = {c: base.cert[c].copy() for c in base.cert}  # [m, q, t] certified token sets
    part0 = np.full((v, v), "A")
    part = {c: np.full((v, v), "A") for c in sets}
    if k >= 2:
        cm = de_m[:, :, None, :] + pcen[:, None, : k - 1, :]  # [m, q, i, x]
        jm = _max_off(cm, ct.offdiag, ct.sentinel)  # [m, q, i]
        vp = _max_off(ct.ecen[:, None, :, :] + pcen[:, : k - 1, None, :], ct.offdiag, ct.sentinel)  # [m, i, t]
        # Direct path re-based on the query m: D'[q,y] = D'[m,y] + (D'[q,y] - D'[m,y]).
        d_ref = ct.dcen[ar, ar, :]  # [m, y]: D'[m, y]
        vdp = _max_off(d_ref[:, None, None, :] + ct.ecen[:, None, :, :] + pcen[:, : k - 1, None, :],
                       ct.offdiag, ct.sentinel)  # [m, i, t]
        delta = _max_off(ct.dcen - d_ref[:, None, :], ct.offdiag, ct.sentinel)  # [m, q]
        jt = np.minimum(ct.U[:, :, None, None] + vp[:, None, :, :],
                        delta[:, :, None, None] + vdp[:, None, :, :])  # [m, q, i, t]
        flops.add("tight-centre", 2 * v**3 * (k - 1) + v * v * (k - 1) * (v - 2))  # Jm
        flops.add("tight-centre", v**3 * (k - 1) + v * v * (k - 1) * (v - 2))  # Vp
        flops.add("tight-centre", 2 * v**3 * (k - 1) + v * v * (k - 1) * (v - 2))  # Vdp
        flops.add("tight-centre", v**3 + v * v * (v - 2))  # delta
        flops.add("tight-centre", 3 * v**3 * (k - 1))  # Jt: two sums and a min

        # D. c = 0: exact joint bound sum_i w_i c_i(x) < 0 for all x != m.
        lo_m = lo[:, : k - 1, :].transpose(2, 0, 1)  # [m, q, i]: weight of m at position i
        hi_m = hi[:, : k - 1, :].transpose(2, 0, 1)
        cmf, cqf = fast_float(cm, e), fast_float(cq, e)
        parts = [ub_products(lo_m[..., i, None], hi_m[..., i, None], cmf[:, :, i, :]) for i in range(k - 1)]
        parts.append(ub_products(wq_lo[None, :, None], wq_hi[None, :, None], cqf))
        ok0 = np.where(ct.offdiag[:, None, :], ub_sum(parts) < 0, True).all(axis=2)
        tri = ar[None, :] <= ar[:, None]
        part0[~cert0 & ok0 & tri] = "D"
        cert0 |= ok0 & tri
        n_qm = v * (v + 1) // 2
        flops.add("tight-cells-c0", n_qm * (v - 1) * (2 * k))  # K products, K-1 adds, compare

        # C. c >= 1: greedy joint sets with exact positions.
        q_ub = ub_products(wq_lo[None, :], wq_hi[None, :], fast_float(jq, e))  # [m, q]
        a_ub = ub_products(lo_m, hi_m, fast_float(jm, e))  # [m, q, i]
        h_ub = ub_products(lo[None, :, : k - 1, :], hi[None, :, : k - 1, :], fast_float(jt, e))  # [m, q, i, t]
        h_ub = np.moveaxis(h_ub, 3, 2)  # [m, q, t, i]
        flops.add("tight-cells", v**3 * (k - 1) + v * v * k)
        for c in range(1, k):
            n_m = k - 1 - c
            valid = valid_cells(v, k, c)  # [m, q, t]
            single = _group_bound(q_ub[:, :, None], a_ub[:, :, None, :], h_ub, n_m)  # [m, q, t]
            single = np.where(valid, single, np.inf)
            order = np.argsort(single, axis=2, kind="stable")  # tokens by single-token bound
            h_cur = np.full((v, v, k - 1), -np.inf)
            member = np.zeros((v, v, v), dtype=bool)
            for r in range(v - 1):
                t = order[:, :, r]  # [m, q]
                cand = np.take_along_axis(h_ub, t[:, :, None, None], axis=2)[:, :, 0, :]  # [m, q, i]
                h_new = np.maximum(h_cur, cand)
                ok = _group_bound(q_ub, a_ub, h_new, n_m) < 0
                ok &= np.take_along_axis(valid, t[:, :, None], axis=2)[:, :, 0]
                h_cur = np.where(ok[:, :, None], h_new, h_cur)
                np.put_along_axis(member, t[:, :, None], ok[:, :, None] | np.take_along_axis(member, t[:, :, None], 2), 2)
            # a checker, given T, takes the max over T per position and checks the set once
            n_groups = int(valid.any(axis=2).sum())
            flops.add("tight-cells", n_groups * (k - 1) * v + n_groups * (4 * (k - 1) + max(k - 2, 0) + 2))
            better = member.sum(axis=2) > sets[c].sum(axis=2)
            sets[c] = np.where(better[:, :, None], member, sets[c])
            part[c][better] = "C"
        for c, joint in joint_chord_sets(base, ct_ref, n_grid, flops, record).items():  # B
            better = joint.sum(axis=2) > sets[c].sum(axis=2)
            sets[c] = np.where(better[:, :, None], joint, sets[c])
            part[c][better] = "B"
    count = count_from_sizes(v, k, cert0, {c: a.sum(axis=2) for c, a in sets.items()})
    if record is not None:
        record.update(base=base, n_grid=n_grid, part0=part0, part=part)
    return count, flops, cert0, sets


@register("cubic_tight", check=check_model)
def cubic_tight(tables: ModelTables, n_grid: int = 4) -> Proof:
    """Tightened cubic proof (see module docstring); the count is >= the ``cubic`` count."""
    start = time.perf_counter()
    record: dict = {}
    count, flops, cert0, sets = prove_tight(tables, n_grid, record)
    seconds = time.perf_counter() - start
    v, k = tables.cfg.d_vocab, tables.cfg.n_ctx
    details = {"n_inputs": v**k, "flops_breakdown": dict(flops.parts), "certified_c0": int(cert0.sum())}
    result = StrategyResult(
        "cubic_tight", count, Fraction(count, v**k), flops.total, unexplained_dimensionality(v, k), seconds, details
    )
    return Proof(result, lambda: certificate(count, cert0, sets, record))


def _pair(x: float) -> list[int] | None:
    return _ratio(x) if np.isfinite(x) else None


def certificate(count: int, cert0: np.ndarray, sets: dict[int, np.ndarray], record: dict) -> dict[str, Any]:
    """The certificate of a ``cubic_tight`` proof from ``prove_tight``'s outputs and ``record``
    (format: ``maxofk.checks.cubic_tight``'s docstring). Time O(v^3) to list the sets.
    """
    base = record["base"]
    n_grid = record["n_grid"]
    tb = base.tables
    v, k = tb.d_vocab, tb.n_ctx
    part0, part, chord_u = record["part0"], record["part"], record.get("chord_u", {})
    used: dict[str, set] = {"U": set(), "D": set()}
    groups = []
    for m in range(v):
        row = []
        for q in range(v):
            cells = []
            for c in range(k):
                entry = None
                if q <= m and c == 0 and cert0[m, q]:
                    entry = {"part": str(part0[m, q]), "tokens": [m]}
                elif q <= m and c >= 1 and sets[c][m, q].any():
                    toks = [int(t) for t in np.nonzero(sets[c][m, q])[0]]
                    entry = {"part": str(part[c][m, q]), "tokens": toks}
                    if entry["part"] == "B":
                        alts = ["U" if chord_u[c][m, q, t] else "D" for t in toks]
                        entry["alt"] = alts
                        for t, a in zip(toks, alts):
                            used[a].add((m, t))
                cells.append(entry)
            row.append(cells)
        groups.append(row)
    phi = record.get("phi", {"U": [], "D": []})
    chord_phi = {
        alt: [[[_pair(phi[alt][g][m, t]) if (m, t) in used[alt] else None for t in range(v)]
               for m in range(v)] for g in range(len(phi[alt]))]
        for alt in ("U", "D")
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "strategy": "cubic_tight",
        "n_grid": n_grid,
        **table_fields(base),
        "chord_phi": chord_phi,
        "groups": groups,
        "correct_count": count,
        "n_inputs": v**k,
    }
