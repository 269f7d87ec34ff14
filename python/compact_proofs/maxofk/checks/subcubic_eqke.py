r"""The EQKE split of the subcubic proofs: directions, an exact low-rank part, residual bounds.

Notation as in ``subcubic``: v = d_vocab, K = n_ctx, d = d_model, h = d_head. All matrices
here are exact dyadic arrays (``Dyadic``: Python ints times a shared power of two), so every
identity below holds exactly; floats are used only to FIND directions and centre vectors.

K-scaled scores. The key-side embedding of the paper is the mean over positions,
W_E + mean_p W_pos, whose entries have denominator K. We use K times it instead:

    E_q = W_E + W_pos[K-1]              [v, d]   (query side)
    E_k = K W_E + sum_p W_pos[p]        [v, d]   (key side, K times the mean-position key)
    P_k = K W_pos[p] - sum_p' W_pos[p'] [K, d]   (K times the position error)
    EQKE_tok = E_q W_Q W_K^T E_k^T      [v, v],   pe = E_q W_Q W_K^T P_k^T   [v, K]

so that EQKE_tok[q, t] + pe[q, i] = K (E_q W_Q W_K^T (W_E[t] + W_pos[i])^T) = K times the
attention score (before 1 / sqrt(h)) of query q on token t at position i. ``pe`` is kept
exactly (O(v d h + v h d + v d K)); EQKE_tok is split as Ê + R.

Decomposition (an algebraic identity for ANY choice of the vectors below). Choose query
directions (alpha_j in Q^v, qhat_j in Q^d), key directions (beta_j, shat_j), and optionally
rank-one peels W_Q ~ u_Q w_Q^T, W_K ~ u_K w_K^T. Put

    A = E_q - sum_j alpha_j qhat_j^T        [v, d]
    B = W_Q - u_Q w_Q^T                      [d, h]     (B = W_Q without a peel)
    C = (W_K - u_K w_K^T)^T                  [h, d]     (C = W_K^T without a peel)
    D = E_k^T - sum_j shat_j beta_j^T        [d, v]
    R = A B C D,    Ê = EQKE_tok - R.

With M = W_Q W_K^T: M - B C = B w_K u_K^T + u_Q (W_K w_Q)^T, and telescoping
E_q M E_k^T - A B C D = (E_q - A) M E_k^T + A (M - B C) E_k^T + A B C (E_k^T - D) gives

    Ê = sum_j alpha_j (E_k W_K W_Q^T qhat_j)^T + (A u_Q)(E_k W_K w_Q)^T
        + (A B w_K)(E_k u_K)^T + sum_j (A B C shat_j) beta_j^T,

a sum of outer products of v-vectors, each from matrix-vector chains: O(v d h) work and
O(v^2) per outer product, never a v x v x d product. Level 1 (the paper's "size direction /
query direction" split; options svd, max_diff, mean+max_diff, max_diff_exact) uses one
direction each side and no peels; level 2 (the ``*_subproduct*`` options) adds the second
singular directions of the embeddings and the rank-one parts of W_Q and W_K.

The proof needs eps_q >= max_{i,j} (R[q,i] - R[q,j]) (the row spread of R). Bounds:

(RD) Row-diff. For R = L X (L [v, r], X [r, v]) and any row q,
     R[q,i] - R[q,j] = sum_l L[q,l] (X[l,i] - X[l,j]) <= sum_l |L[q,l]| range_l(X),
     range_l(X) = max_i X[l,i] - min_i X[l,i].
(MD) Mean+diff row-diff. For any vector a in Q^r, L = 1 a^T + (L - 1 a^T), so
     R[q,i] - R[q,j] = (a^T X)_i - (a^T X)_j + sum_l (L[q,l] - a_l)(X[l,i] - X[l,j])
                    <= range(a^T X) + sum_l |L[q,l] - a_l| range_l(X).
     a is the (rounded) mean row of L; any a is sound.
(REC) Recursive, for X = Y Z: range_l(Y Z) is the row spread of a product, so (RD) / (MD)
     apply again: range_l(Y Z) <= sum_k |Y[l,k]| range_k(Z) (or its (MD) form). Applied down
     the chain A, B, C, D this never multiplies two matrices: O(v d + d h + h d + d v).
(SVD) For any real matrix R and i != j: R[q,i] - R[q,j] = e_q^T R (e_i - e_j)
     <= ||R||_2 ||e_i - e_j||_2 = sqrt(2) sigma_1(R). With R = L D (L = A B C [v, d]),
     sigma_1(R)^2 = lambda_max(R^T R); the nonzero eigenvalues of R^T R = D^T (L^T L) D equal
     those of H = (L^T L)(D D^T) [d, d] (XY and YX share nonzero spectra), which are
     nonnegative (similar to the PSD G2^(1/2) G1 G2^(1/2) on the nonzero part). Hence for
     p >= 1, tr(H^p) = sum_i lambda_i^p >= lambda_max^p, and
         eps = sqrt(2) sigma_1(R) <= (2^p tr(H^p))^(1/(2p)).
     tr(H^p) is an exact integer (p = 2^SVD_LOG2_POWER by repeated squaring, d^3 per
     squaring); eps is the least integer (in the units of R) whose 2p-th power is at least
     2^p tr(H^p): certified by one integer comparison. (The paper trusts a float sigma_1.)

Options and their eps_q (``ATTENTION_ERROR_OPTIONS``):
    svd                         level 1, (SVD)
    max_diff                    level 1, min over the three split points L X of (RD)
    mean+max_diff               level 1, min over split points of (MD)
    max_diff_subproduct         level 2, min over split points of (RD)
    mean+max_diff_subproduct    level 2, min over split points of (MD)
    max_diff_subproduct_recursive              level 2, (REC) with (RD) at every level
    mean+max_diff_subproduct_recursive         level 2, (MD) at the top, (RD) below
    mean_recursive+max_diff_subproduct_recursive  level 2, (MD) at every level
    max_diff_exact              level 1, R multiplied out (v^2 d), exact row spread
    exact_EQKE+max_diff_exact   Ê = EQKE_tok exactly, eps = 0

Preconditions: one head; finite float32 weights. Postcondition of ``attention_error``: Ê
is exact and every returned eps_q is >= the row spread of EQKE_tok - Ê in row q.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ...core.exact import Dyadic
from ..model import MaxOfKTransformer

ATTENTION_ERROR_OPTIONS = (
    "svd",
    "max_diff",
    "mean+max_diff",
    "max_diff_subproduct",
    "mean+max_diff_subproduct",
    "max_diff_subproduct_recursive",
    "mean+max_diff_subproduct_recursive",
    "mean_recursive+max_diff_subproduct_recursive",
    "max_diff_exact",
    "exact_EQKE+max_diff_exact",
)
SVD_LOG2_POWER = 4  # p = 16 in the (SVD) bound


def level_of(option: str) -> int:
    """Decomposition level an attention-error option uses (0: exact EQKE, no split)."""
    if option not in ATTENTION_ERROR_OPTIONS:
        raise ValueError(f"unknown attention-error option {option!r}; known: {ATTENTION_ERROR_OPTIONS}")
    if option == "exact_EQKE+max_diff_exact":
        return 0
    return 2 if "subproduct" in option else 1


@dataclass(frozen=True)
class QKFactors:
    """Exact query/key-side factors of one model (see the module docstring)."""

    e_q: Dyadic  # [v, d]
    e_k: Dyadic  # [v, d] K-scaled
    p_k: Dyadic  # [K, d] K-scaled position error
    w_q: Dyadic  # [d, h]
    w_k: Dyadic  # [d, h]
    n_ctx: int
    d_head: int

    @staticmethod
    def from_weights(w: dict[str, Dyadic], n_ctx: int, d_head: int) -> "QKFactors":
        e0 = min(w["W_E"].exp, w["W_pos"].exp)
        emb, pos = w["W_E"].with_exp(e0).num, w["W_pos"].with_exp(e0).num
        pos_sum = pos.sum(axis=0)  # [d]
        e_q = Dyadic(emb + pos[n_ctx - 1][None, :], e0)
        e_k = Dyadic(emb * n_ctx + pos_sum[None, :], e0)
        p_k = Dyadic(pos * n_ctx - pos_sum[None, :], e0)
        return QKFactors(e_q, e_k, p_k, w["W_Q"][0], w["W_K"][0], n_ctx, d_head)

    @staticmethod
    def from_model(model: MaxOfKTransformer) -> "QKFactors":
        if model.cfg.n_heads != 1:
            raise ValueError(f"the subcubic proofs handle one attention head; this model has {model.cfg.n_heads}")
        w = {name: Dyadic.from_float32(a) for name, a in model.weights().items()}
        return QKFactors.from_weights(w, model.cfg.n_ctx, model.cfg.d_head)

    def qk(self) -> Dyadic:
        """E_q W_Q W_K^T  [v, d]."""
        return (self.e_q @ self.w_q) @ self.w_k.T

    def pos_scores(self) -> Dyadic:
        """pe = E_q W_Q W_K^T P_k^T  [v, K], K-scaled."""
        return self.qk() @ self.p_k.T

    def eqke_tok(self) -> Dyadic:
        """EQKE_tok = E_q W_Q W_K^T E_k^T  [v, v], K-scaled (exact, v^2 d work)."""
        return (self.e_q @ self.w_q) @ (self.e_k @ self.w_k).T


@dataclass(frozen=True)
class Directions:
    """Vectors defining the split (any values are sound; floats found them)."""

    query: tuple[tuple[Dyadic, Dyadic], ...]  # (alpha [v], qhat [d])
    key: tuple[tuple[Dyadic, Dyadic], ...]  # (beta [v], shat [d])
    wq_peel: tuple[Dyadic, Dyadic] | None  # (u_Q [d], w_Q [h])
    wk_peel: tuple[Dyadic, Dyadic] | None  # (u_K [d], w_K [h])


def _dy(x: np.ndarray) -> Dyadic:
    """Round a float vector to float32 and read it exactly."""
    return Dyadic.from_float32(np.asarray(x, dtype=np.float64).astype(np.float32))


def _f(x: Dyadic) -> np.ndarray:
    return x.to_float64()


def _top_right(x: np.ndarray) -> np.ndarray:
    return np.linalg.svd(x, full_matrices=False)[2][0]


def find_directions(f: QKFactors, level: int) -> Directions:
    """Proof search (floats): the size/query directions, and at level 2 the second ones.

    Level 1: with EQKE_tok ~ s u v^T (top singular triple), qhat = unit(M E_k^T v) and
    shat = unit(M^T E_q^T u) (M = W_Q W_K^T): then A M E_k^T v = 0 and u^T E_q M D = 0, so the
    residual loses the top singular pair. alpha = E_q qhat, beta = E_k shat.
    Level 2: also the top right singular vectors of A and of D^T, and the top singular
    triples of W_Q and W_K as peels.
    """
    eq, ek, wq, wk = _f(f.e_q), _f(f.e_k), _f(f.w_q), _f(f.w_k)
    m = wq @ wk.T
    u, _, vt = np.linalg.svd(eq @ m @ ek.T)
    qh = m @ ek.T @ vt[0]
    sh = m.T @ eq.T @ u[:, 0]
    qh, sh = qh / (np.linalg.norm(qh) or 1.0), sh / (np.linalg.norm(sh) or 1.0)
    query = [(_dy(eq @ qh), _dy(qh))]
    key = [(_dy(ek @ sh), _dy(sh))]
    if level < 2:
        return Directions(tuple(query), tuple(key), None, None)
    a = eq - np.outer(_f(query[0][0]), _f(query[0][1]))
    dt = ek - np.outer(_f(key[0][0]), _f(key[0][1]))
    qh2, sh2 = _top_right(a), _top_right(dt)
    query.append((_dy(a @ qh2), _dy(qh2)))
    key.append((_dy(dt @ sh2), _dy(sh2)))
    peels = []
    for w in (wq, wk):
        uu, ss, vv = np.linalg.svd(w, full_matrices=False)
        peels.append((_dy(uu[:, 0] * ss[0]), _dy(vv[0])))
    return Directions(tuple(query), tuple(key), peels[0], peels[1])


def _outer(a: Dyadic, b: Dyadic) -> Dyadic:
    return Dyadic(np.multiply.outer(a.num, b.num), a.exp + b.exp)


def _sum(parts: list[Dyadic]) -> Dyadic:
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def decompose(f: QKFactors, dirs: Directions) -> tuple[Dyadic, list[Dyadic]]:
    """(Ê [v, v], [A, B, C, D]) with Ê + A B C D = EQKE_tok exactly (module docstring)."""
    a = _sum([f.e_q] + [Dyadic(-_outer(al, qh).num, al.exp + qh.exp) for al, qh in dirs.query])
    b = f.w_q if dirs.wq_peel is None else f.w_q - _outer(*dirs.wq_peel)
    c = (f.w_k if dirs.wk_peel is None else f.w_k - _outer(*dirs.wk_peel)).T
    d = _sum([f.e_k.T] + [Dyadic(-_outer(sh, be).num, sh.exp + be.exp) for be, sh in dirs.key])
    parts = [_outer(al, f.e_k @ (f.w_k @ (f.w_q.T @ qh))) for al, qh in dirs.query]
    if dirs.wq_peel is not None:
        u_q, w_q = dirs.wq_peel
        parts.append(_outer(a @ u_q, f.e_k @ (f.w_k @ w_q)))
    if dirs.wk_peel is not None:
        u_k, w_k = dirs.wk_peel
        parts.append(_outer(a @ (b @ w_k), f.e_k @ u_k))
    parts += [_outer(a @ (b @ (c @ sh)), be) for be, sh in dirs.key]
    return _sum(parts), [a, b, c, d]


def _range_rows(x: Dyadic) -> Dyadic:
    return Dyadic(x.num.max(axis=1) - x.num.min(axis=1), x.exp)


def _abs(x: Dyadic) -> Dyadic:
    return Dyadic(np.abs(x.num), x.exp)


def _mean_row(x: Dyadic) -> Dyadic:
    return _dy(_f(x).mean(axis=0))


def _chain(mats: list[Dyadic]) -> Dyadic:
    out = mats[0]
    for mtx in mats[1:]:
        out = out @ mtx
    return out


def _vec_range(x: Dyadic) -> Fraction:
    return Fraction(int(x.num.max()) - int(x.num.min())) * Fraction(2) ** x.exp


def _fractions(x: Dyadic) -> list[Fraction]:
    scale = Fraction(2) ** x.exp
    return [Fraction(int(n)) * scale for n in x.num]


def _mean_diff(left: Dyadic, right_range: Dyadic, centre: Dyadic | None, right_chain: list[Dyadic]) -> list[Fraction]:
    """(RD) (centre None) or (MD) bound, per row of left, of the row spread of left @ right."""
    if centre is None:
        return _fractions(_abs(left) @ right_range)
    shifted = left - Dyadic(np.broadcast_to(centre.num, left.num.shape).copy(), centre.exp)
    const = _vec_range(_chain([centre] + right_chain))
    return [const + e for e in _fractions(_abs(shifted) @ right_range)]


@dataclass(frozen=True)
class AttentionError:
    """Ê, per-row spread bounds eps, and the data a checker needs to re-derive them."""

    option: str
    e_hat: Dyadic  # [v, v] K-scaled
    eps: list[Fraction]  # [v]
    directions: Directions | None
    centres: tuple[Dyadic, ...]  # mean rows used by the (MD) steps, in order of use


def centre_sizes(option: str, d: int, h: int) -> tuple[int, ...]:
    """Lengths of the mean rows an option uses, in order of use (checkers validate these)."""
    if option.startswith("mean_recursive"):
        return (d, h, d)  # levels of C, B, then the top (A)
    if option.startswith("mean+") and option.endswith("_recursive"):
        return (d,)
    if option.startswith("mean+"):
        return (d, h, d)  # split points A | BCD, AB | CD, ABC | D
    return ()


def _eps_splits(chain: list[Dyadic], centres: list[Dyadic] | None) -> tuple[list[Fraction], list[Dyadic]]:
    best: list[Fraction] | None = None
    used = []
    for s in (1, 2, 3):
        left, right = _chain(chain[:s]), chain[s:]
        centre = None
        if centres is not None:
            centre = centres[s - 1] if centres else _mean_row(left)
            used.append(centre)
        e = _mean_diff(left, _range_rows(_chain(right)), centre, right)
        best = e if best is None else [min(x, y) for x, y in zip(best, e)]
    return best, used


def _eps_recursive(chain: list[Dyadic], mode: str, centres: list[Dyadic] | None) -> tuple[list[Fraction], list[Dyadic]]:
    """mode: 'plain' (RD everywhere), 'top' (MD at the top), 'all' (MD at every level)."""
    given = list(centres) if centres else None
    used: list[Dyadic] = []

    def centre_for(x: Dyadic) -> Dyadic:
        c = given.pop(0) if given else _mean_row(x)
        used.append(c)
        return c

    r = _range_rows(chain[3])  # [d]
    for lvl in (2, 1):  # C, then B
        mat, tail = chain[lvl], chain[lvl + 1:]
        if mode == "all":
            c = centre_for(mat)
            shifted = mat - Dyadic(np.broadcast_to(c.num, mat.num.shape).copy(), c.exp)
            const = _chain([c] + tail)
            cr = Dyadic(np.array([int(const.num.max()) - int(const.num.min())], dtype=object), const.exp)
            r = (_abs(shifted) @ r) + Dyadic(np.repeat(cr.num, mat.num.shape[0]), cr.exp)
        else:
            r = _abs(mat) @ r
    top = centre_for(chain[0]) if mode in ("top", "all") else None
    return _mean_diff(chain[0], r, top, chain[1:]), used


def _iroot_ceil(n: int, k: int) -> int:
    """Least integer x >= 0 with x^k >= n (n >= 0)."""
    if n <= 0:
        return 0
    lo, hi = 0, 1 << (n.bit_length() // k + 1)
    while lo < hi:
        mid = (lo + hi) // 2
        if mid**k >= n:
            hi = mid
        else:
            lo = mid + 1
    return lo


def svd_trace_power(chain: list[Dyadic], log2_power: int = SVD_LOG2_POWER) -> tuple[int, int]:
    """(tr(H^p) as an integer, the exponent of R's units): (SVD) of the module docstring."""
    left = _chain(chain[:3])  # [v, d]
    d = chain[3]  # [d, v]
    h = np.dot(np.dot(left.num.T, left.num), np.dot(d.num, d.num.T))  # [d, d] integers
    for _ in range(log2_power - 1):
        h = np.dot(h, h)
    trace = int(np.sum(h * h.T))
    return trace, left.exp + d.exp


def eps_svd(chain: list[Dyadic], log2_power: int = SVD_LOG2_POWER) -> Fraction:
    """sqrt(2) sigma_1(A B C D) <= this (an integer in R's units), via tr(H^p)."""
    p = 1 << log2_power
    trace, exp = svd_trace_power(chain, log2_power)
    return Fraction(_iroot_ceil(trace << p, 2 * p)) * Fraction(2) ** exp


def attention_error(
    f: QKFactors, option: str, dirs: Directions | None = None, centres: tuple[Dyadic, ...] | None = None
) -> AttentionError:
    """Ê and eps for one option. ``dirs`` / ``centres`` None: found by float search; given:
    used as is (the checker's path; any values are sound)."""
    level = level_of(option)
    if level == 0:
        v = f.e_q.num.shape[0]
        return AttentionError(option, f.eqke_tok(), [Fraction(0)] * v, None, ())
    if dirs is None:
        dirs = find_directions(f, level)
    e_hat, chain = decompose(f, dirs)
    given = list(centres) if centres is not None else []
    used: list[Dyadic] = []
    if option == "svd":
        eps = [eps_svd(chain)] * e_hat.num.shape[0]
    elif option == "max_diff_exact":
        eps = _fractions(_range_rows(_chain(chain)))
    elif option.endswith("_recursive"):
        mode = {"max_diff_subproduct_recursive": "plain", "mean+max_diff_subproduct_recursive": "top"}.get(option, "all")
        eps, used = _eps_recursive(chain, mode, given)
    else:
        eps, used = _eps_splits(chain, given if option.startswith("mean+") else None)
    return AttentionError(option, e_hat, eps, dirs, tuple(used))
