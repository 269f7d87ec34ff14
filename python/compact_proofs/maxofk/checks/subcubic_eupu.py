r"""Direct-path (EUPU) handling of the subcubic proofs: D'[q,x] <= mu[x] - mu[m] + rho_q.

EUPU[q,x] = E_q W_U[:, x] with E_q = W_E + W_pos[K-1] (exact dyadic). For a max m and a wrong
logit x the proof needs an upper bound on D'[q,x] = EUPU[q,x] - EUPU[q,m] of the form
mu[x] - mu[m] + rho_q, mu a query-independent v-vector (exactly computed), rho_q a scalar.

Options (``EUPU_OPTIONS``):
    mean_query+max_diff   centre c = (rounded) mean of the rows E_q; mu = c W_U and
                          rho_q = sum_j |E_q[j] - c_j| range_j(W_U)                  O(v d)
    svd_query+max_diff    the same with c = (mean_q <E_q, r>) r, r the top right singular
                          vector of E_q (the projection of the mean on the dominant
                          direction of the query embeddings)                         O(v d)
    max_diff              c = 0: mu = 0, rho_q = sum_j |E_q[j]| range_j(W_U)          O(v d)
    max_diff_exact        EUPU exact, mu = 0, rho_q = max_x EUPU[q,x] - min_x EUPU[q,x]  O(v^2 d)
    global_max_diff_exact EUPU exact, mu = 0, rho = max_q of the above (one number)   O(v^2 d)

Proof of the max_diff forms (row-diff inequality): for any c in Q^d, EUPU[q,x] = (c W_U)[x]
+ (E_q - c) W_U[:,x], so D'[q,x] = mu[x] - mu[m] + sum_j (E_q[j] - c_j)(W_U[j,x] - W_U[j,m])
and each bracket W_U[j,x] - W_U[j,m] lies in [-range_j, range_j]. The exact forms are
immediate. The centre c is found with floats (rounded to float32) and is sound for any value.
"""

from __future__ import annotations

import numpy as np

from ...core.exact import Dyadic

EUPU_OPTIONS = ("mean_query+max_diff", "svd_query+max_diff", "max_diff", "max_diff_exact", "global_max_diff_exact")


def find_centre(e_q: Dyadic, option: str) -> Dyadic | None:
    """Proof search (floats): the centre c of the max_diff options (None where unused)."""
    if option not in EUPU_OPTIONS:
        raise ValueError(f"unknown EUPU option {option!r}; known: {EUPU_OPTIONS}")
    eq = e_q.to_float64()
    if option == "mean_query+max_diff":
        c = eq.mean(axis=0)
    elif option == "svd_query+max_diff":
        r = np.linalg.svd(eq, full_matrices=False)[2][0]
        c = (eq @ r).mean() * r
    else:
        return None
    return Dyadic.from_float32(c.astype(np.float32))


def direct_bound(e_q: Dyadic, w_u: Dyadic, option: str, centre: Dyadic | None) -> tuple[Dyadic | None, Dyadic]:
    """(mu [v] or None for mu = 0, rho [v]) with D'[q,x] <= mu[x] - mu[m] + rho[q] exactly."""
    if option not in EUPU_OPTIONS:
        raise ValueError(f"unknown EUPU option {option!r}; known: {EUPU_OPTIONS}")
    if option in ("max_diff_exact", "global_max_diff_exact"):
        eupu = e_q @ w_u  # [q, x]
        rho = eupu.num.max(axis=1) - eupu.num.min(axis=1)
        if option == "global_max_diff_exact":
            rho = np.full(rho.shape, rho.max(), dtype=object)
        return None, Dyadic(rho, eupu.exp)
    w_range = Dyadic(w_u.num.max(axis=1) - w_u.num.min(axis=1), w_u.exp)  # [d]
    if option == "max_diff":
        return None, Dyadic(np.abs(e_q.num), e_q.exp) @ w_range
    if centre is None:
        raise ValueError(f"EUPU option {option!r} needs a centre vector")
    shifted = e_q - Dyadic(np.broadcast_to(centre.num, e_q.num.shape).copy(), centre.exp)
    return centre @ w_u, Dyadic(np.abs(shifted.num), shifted.exp) @ w_range
