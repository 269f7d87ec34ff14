"""Exact accuracy of a Max-of-K model over its whole input space.

Semantics. The model is the real-number function of its float32 weights (read as exact dyadic
rationals): for an input x_0 .. x_{K-1} with query q = x_{K-1} and true maximum m, it is
correct iff logit(m) > logit(x) for every x != m (a tie counts as wrong).

Reduction. With w_i = exp(s_i / sqrt(d_head) - shift_q) > 0, where s_i is the exact attention
score of position i, the softmax denominator is a positive factor, so

    logit(m) > logit(x)  <=>  sum_i w_i (C_i[x_i, m] - C_i[x_i, x]) > 0,
    C_i[t, x] = V_i[t, x] + D[q, x],  V_i = (W_E + W_pos[i]) W_V W_O W_U,  D = (W_E + W_pos[-1]) W_U.

Every w_i depends only on (q, i, x_i), so for a fixed query the scaled logits are a sum of one
row per position: L[x] = sum_i P_i[x_i, x], with P_i[t, x] = w_i(t) C_i[t, x].

Fast path (float64, rigorous). w is enclosed by mpmath interval arithmetic (rigorous exp and
sqrt), C is rounded from exact values; each input's float margin L(m) - max_{x != m} L(x) gets
an error bound built from the enclosure radius and float64 rounding (IEEE +, -, * only; no libm
is trusted). Inputs whose |margin| exceeds the bound are decided by the sign.

Exact path. For the remaining inputs and each competing x, the sign of
sum_g exp(S_g / sqrt(d_head)) c_g, grouped over equal exact scores S_g, is decided by interval
arithmetic at doubling precision. It is zero only if every c_g is zero: the S_g / sqrt(d_head)
are distinct algebraic numbers and the c_g rational, so by the Lindemann-Weierstrass theorem the
exponentials are linearly independent over the rationals. A zero sum is a tie, hence wrong.

Time: O(v^K * v) float work plus O(v^2 K d) exact setup; no precision assumption is made.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from itertools import product

import mpmath
import numpy as np
import torch

from ..core.exact import Dyadic, iv_precision
from ..core.progress import Progress
from .model import MaxOfKTransformer
from .tables import PathTables

# Relative slack for float64 rounding: far above the ~10 unit roundoffs (1.1e-16 each) that
# the few operations per term can lose.
_REL = 1e-13
# Absolute slack per term covering subnormal underflow (below 2^-1022 ~ 2.2e-308).
_ABS = 1e-300
_MAX_EXACT_PREC = 1 << 16


@dataclass(frozen=True)
class PositionTables:
    """The exact path tables (``tables.PathTables``) laid out per position.

    scores[q, i, t]: attention score (before 1/sqrt(d_head)) of query q on token t at position i.
    values[i, t, x]: logit x contributed through the OV circuit by token t at position i.
    direct[q, x]: direct-path logit x of query token q.
    ``values`` and ``direct`` share the exponent ``value_exp``.
    """

    scores: np.ndarray  # [d_vocab, n_ctx, d_vocab] object ints
    score_exp: int
    values: np.ndarray  # [n_ctx, d_vocab, d_vocab] object ints
    direct: np.ndarray  # [d_vocab, d_vocab] object ints
    value_exp: int
    d_head: int

    @staticmethod
    def from_model(model: MaxOfKTransformer) -> "PositionTables":
        return PositionTables.from_paths(PathTables.from_model(model))

    @staticmethod
    def from_paths(paths: PathTables) -> "PositionTables":
        return PositionTables(paths.scores(), paths.score_exp, paths.values(), paths.eupu, paths.value_exp, paths.d_head)

    def exp_weights(self, prec: int = 80) -> tuple[np.ndarray, np.ndarray]:
        """Float64 enclosures [lo, hi] of w[q, i, t] = exp((s[q,i,t] - max_{i,t} s[q,i,t]) / sqrt(d_head))."""
        v, k, _ = self.scores.shape
        lo = np.empty((v, k, v))
        hi = np.empty((v, k, v))
        bits = max(int(abs(n)).bit_length() for n in self.scores.reshape(-1)) + 2
        with iv_precision(max(prec, bits + 8)):
            inv_sqrt = 1 / mpmath.iv.sqrt(self.d_head)
            scale = mpmath.iv.ldexp(mpmath.iv.mpf(1), self.score_exp) * inv_sqrt
            for q in range(v):
                row = self.scores[q]
                top = max(row.reshape(-1))
                for i in range(k):
                    for t in range(v):
                        enc = mpmath.iv.exp(mpmath.iv.mpf(int(row[i, t] - top)) * scale)
                        lo[q, i, t] = np.nextafter(float(enc.a), -np.inf)
                        hi[q, i, t] = np.nextafter(float(enc.b), np.inf)
        return np.maximum(lo, 0.0), hi

    def margin_sign(self, tokens: tuple[int, ...], x: int) -> int:
        """Exact sign of logit(m) - logit(x) for one input (m its maximum): +1, 0 or -1."""
        q, m = tokens[-1], max(tokens)
        groups: dict[int, int] = {}
        for i, t in enumerate(tokens):
            c = (self.values[i, t, m] + self.direct[q, m]) - (self.values[i, t, x] + self.direct[q, x])
            s = int(self.scores[q, i, t])
            groups[s] = groups.get(s, 0) + int(c)
        terms = [(s, c) for s, c in groups.items() if c != 0]
        if not terms:
            return 0  # every coefficient vanishes: an exact tie (Lindemann-Weierstrass)
        top = max(s for s, _ in terms)
        prec = 64
        while prec <= _MAX_EXACT_PREC:
            with iv_precision(prec + max(int(abs(s - top)).bit_length() for s, _ in terms)):
                scale = mpmath.iv.ldexp(mpmath.iv.mpf(1), self.score_exp) / mpmath.iv.sqrt(self.d_head)
                total = mpmath.iv.mpf(0)
                for s, c in terms:
                    total += mpmath.iv.exp(mpmath.iv.mpf(s - top) * scale) * mpmath.iv.mpf(c)
                if total.a > 0:
                    return 1
                if total.b < 0:
                    return -1
            prec *= 2
        raise ArithmeticError(f"could not decide the sign for input {tokens}, logit {x} at {_MAX_EXACT_PREC} bits")


@dataclass(frozen=True)
class BruteForceResult:
    """Outcome of exact brute force over all d_vocab ** n_ctx inputs."""

    n_inputs: int
    correct: int  # exact count under the real-number semantics
    float_decided: int  # inputs decided by the rigorous float64 fast path
    exact_decided: int  # inputs that needed the exact path
    exact_ties: int  # inputs with an exact tie between logit(m) and another logit
    float32_correct: int | None  # count of the plain float32 forward pass (argmax == max)
    float32_disagreements: int | None  # inputs on which float32 and exact verdicts differ
    seconds: float
    float32_seconds: float | None

    @property
    def accuracy(self) -> float:
        return self.correct / self.n_inputs

    def to_dict(self) -> dict:
        return asdict(self) | {"accuracy": self.accuracy}


def _chunk_split(v: int, k: int, max_inputs: int) -> int:
    """Leading free positions to enumerate in Python so that one chunk holds <= max_inputs inputs."""
    split = 0
    while split < k - 1 and v ** (k - 1 - split) > max_inputs:
        split += 1
    return split


def _float_margins(p: np.ndarray, tokens: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Float margins L(m) - max_{x != m} L(x) for inputs tokens [n, pos] with maxima m [n]."""
    logits = p[0, tokens[:, 0]].copy()  # [n, x]
    for i in range(1, tokens.shape[1]):
        logits += p[i, tokens[:, i]]
    rows = np.arange(len(m))
    right = logits[rows, m].copy()
    logits[rows, m] = -np.inf
    return right - logits.max(axis=1)


def exact_verdicts(
    model: MaxOfKTransformer, *, progress: bool | None = None, max_inputs: int = 1 << 22, return_verdicts: bool = False,
    paths: PathTables | None = None,
) -> tuple[BruteForceResult, np.ndarray | None]:
    """Exact correctness of every input; optionally the per-input verdict array [v] * K (C order).
    ``paths``: the model's path tables when the caller has built them already.

    Three tiers, each sound: (1) a separable lower bound on the margin, sum over positions of
    w_i (C_i[x_i, m] - max_{x != m} C_i[x_i, x]), in O(K) per input; (2) the float64 margin
    with its error bound, in O(K v) per input left over; (3) exact arithmetic for inputs whose
    margin is within the error bound.
    """
    start = time.perf_counter()
    cfg = model.cfg
    v, k = cfg.d_vocab, cfg.n_ctx
    tables = PositionTables.from_paths(paths or PathTables.from_model(model))
    wlo, whi = tables.exp_weights()
    wmid = (wlo + whi) / 2
    wrad = np.nextafter(np.maximum(whi - wmid, wmid - wlo), np.inf)
    values = Dyadic(tables.values, tables.value_exp).to_float64()  # [pos, t, x]
    direct = Dyadic(tables.direct, tables.value_exp).to_float64()  # [q, x]
    verdicts = np.zeros((v,) * k, dtype=np.bool_) if return_verdicts else None
    split = _chunk_split(v, k, max_inputs)
    inner = k - 1 - split
    grid = np.indices((v,) * inner, dtype=np.int64).reshape(inner, v**inner).T  # [n, inner]
    grid_max = grid.max(axis=1) if inner else np.zeros(1, dtype=np.int64)  # [n]
    n = grid.shape[0]
    correct = float_decided = exact_decided = ties = 0
    with Progress(v * v**split, "exact brute force", enabled=progress) as bar:
        for q in range(v):
            c = values + direct[q][None, None, :]  # [pos, t, x]
            bound = np.abs(values).max(axis=2) + np.abs(direct[q]).max()  # [pos, t] >= max_x |C|
            p = wmid[q][:, :, None] * c  # [pos, t, x]: scaled logit contributions
            err = (wrad[q] * (1 + 1e-9) + wmid[q] * _REL) * bound + _ABS  # [pos, t]
            # gap[i, t, m] = p[i, t, m] - max_{x != m} p[i, t, x]
            order = np.argsort(p, axis=2)
            top1 = np.take_along_axis(p, order[:, :, -1:], axis=2)
            top2 = np.take_along_axis(p, order[:, :, -2:-1], axis=2)
            best_other = np.where(np.arange(v)[None, None, :] == order[:, :, -1:], top2, top1)
            gap = p - best_other  # [pos, t, m]
            for prefix in product(range(v), repeat=split):
                fixed = prefix + (q,)
                fixed_pos = list(range(split)) + [k - 1]
                m = np.maximum(grid_max, max(fixed))  # [n]
                lower = sum(gap[i, t, m] for i, t in zip(fixed_pos, fixed))
                tol = sum(err[i, t] for i, t in zip(fixed_pos, fixed)) + np.zeros(n)
                for j in range(inner):
                    lower = lower + gap[split + j, grid[:, j], m]
                    tol = tol + err[split + j, grid[:, j]]
                tol *= 2 * (1 + 1e-12)
                sure = lower > tol  # tier 1
                verdict = sure.copy()
                rest = np.nonzero(~sure)[0]
                if len(rest):  # tier 2
                    toks = np.empty((len(rest), k), dtype=np.int64)
                    toks[:, :split] = prefix
                    toks[:, split : k - 1] = grid[rest]
                    toks[:, k - 1] = q
                    margin = _float_margins(p, toks, m[rest])
                    verdict[rest] = margin > tol[rest]
                    unsure = rest[np.abs(margin) <= tol[rest]]
                    for idx in unsure:  # tier 3
                        tokens = prefix + tuple(int(g) for g in grid[idx]) + (q,)
                        mm = int(m[idx])
                        row = p[np.arange(k), list(tokens)].sum(axis=0)
                        rivals = [x for x in range(v) if x != mm and row[mm] - row[x] <= tol[idx] * 1.5]
                        signs = [tables.margin_sign(tokens, x) for x in rivals]
                        verdict[idx] = all(s > 0 for s in signs)
                        ties += int(any(s == 0 for s in signs))
                        exact_decided += 1
                correct += int(verdict.sum())
                if verdicts is not None:
                    verdicts[prefix + (slice(None),) * inner + (q,)] = verdict.reshape((v,) * inner)
                bar.update()
    float_decided = v**k - exact_decided
    seconds = time.perf_counter() - start
    result = BruteForceResult(v**k, correct, float_decided, exact_decided, ties, None, None, seconds, None)
    return result, verdicts


def float32_verdicts(model: MaxOfKTransformer, batch: int = 4096) -> np.ndarray:
    """Verdicts of the plain float32 forward pass (``last_logits``, argmax == max), C order."""
    v, k = model.cfg.d_vocab, model.cfg.n_ctx
    n = v**k
    out = np.empty(n, dtype=np.bool_)
    powers = torch.tensor([v ** (k - 1 - i) for i in range(k)])
    with torch.no_grad():
        for lo in range(0, n, batch):
            idx = torch.arange(lo, min(n, lo + batch))
            tokens = (idx[:, None] // powers) % v  # [batch, pos]
            logits = model.last_logits(tokens)  # [batch, d_vocab]
            out[lo : lo + len(idx)] = (logits.argmax(dim=-1) == tokens.max(dim=-1).values).numpy()
    return out


def brute_force(
    model: MaxOfKTransformer, *, progress: bool | None = None, float32: bool = True, paths: PathTables | None = None
) -> BruteForceResult:
    """Exact accuracy, plus the float32 forward pass's count and disagreements when ``float32``."""
    result, verdicts = exact_verdicts(model, progress=progress, return_verdicts=float32, paths=paths)
    if not float32:
        return result
    start = time.perf_counter()
    f32 = float32_verdicts(model)
    f32_seconds = time.perf_counter() - start
    disagree = int((f32 != verdicts.reshape(-1)).sum())
    return BruteForceResult(
        **{**asdict(result), "float32_correct": int(f32.sum()), "float32_disagreements": disagree, "float32_seconds": f32_seconds}
    )
