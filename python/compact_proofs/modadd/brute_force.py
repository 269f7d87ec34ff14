"""Exact accuracy of a modular-addition model over all p^2 inputs.

Semantics. The model is the real-number function of its float32 weights (read as exact dyadic
rationals); input (a, b) is correct iff logit(y) > logit(c) for every c != y, y = (a + b) mod p
(a tie counts as wrong). There is no softmax and no exp: every logit is an exact dyadic rational.

Reduction. The attention is constant, so with exact dyadic tables

    pre(a, b)   = q + Q0[a] + Q1[b]                     [d_mlp]  (q = (W_E[=] + W_pos[2]) W_in + b_in,
                                                                  Qj[x] = 1/2 (W_E[x] + W_pos[j]) OV W_in)
    logit(a, b) = r + R0[a] + R1[b] + ReLU(pre(a, b)) M  [p]      (M = W_out W_U, r = (W_E[=] + W_pos[2] + b_out) W_U,
                                                                  Rj[x] = 1/2 (W_E[x] + W_pos[j]) OV W_U)

the exact tables cost O(p d_model (d_model + d_mlp) + d_mlp d_model p) integer operations.

Fast path (float64, rigorous). The tables are rounded to float64 (relative error <= u = 2^-53
each). With S = |q| + |Q0[a]| + |Q1[b]| (float), the float pre-activation is within
e_pre = 8 u S of the exact one (three roundings of inputs, two additions: <= 5u S (1 + u));
ReLU is 1-Lipschitz, so the same holds after it. For the float product P = post_f M_f,
|P - post M| <= e_pre |M| + u |post| |M| + gamma_n |post_f| |M_f| (gamma_n = n u / (1 - n u),
any summation order, FMA or not), and |M| <= (1 + u) |M_f|, |post| <= |post_f| + e_pre; the final
additions of r, R0, R1 and the margin subtraction add <= 8 u times the sum of absolute values.
All error terms are sums of non-negative floats computed in float64, hence within gamma_n of
their true values; a factor 1.01 and an absolute 1e-290 (subnormals) cover that. Inputs whose
every margin logit(y) - logit(c) exceeds its error bound are correct; one margin below minus its
bound makes the input wrong.

Exact path. Inputs the fast path cannot decide are evaluated in exact integer arithmetic.

Time: O(p^2 d_mlp p) float work plus the exact setup and O(d_mlp p) per undecided input.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from .model import ModAddTransformer, all_inputs
from .tables import ExactTables

_U = 2.0**-53


def exact_correct(tables: ExactTables, a: int, b: int, p: int) -> bool:
    """Exact verdict for one input: logit(y) > logit(c) for all c != y."""
    logits, _ = tables.logits(a, b)
    y = (a + b) % p
    return all(logits[y] > logits[c] for c in range(p) if c != y)


@dataclass(frozen=True)
class ModAddBruteForce:
    """Outcome of exact brute force over all p^2 inputs."""

    n_inputs: int
    correct: int  # exact count under the real-number semantics
    float_decided: int  # inputs decided by the rigorous float64 fast path
    exact_decided: int  # inputs that needed exact integer arithmetic
    float32_correct: int  # count of the plain float32 forward pass
    float32_disagreements: int  # inputs on which the float32 and exact verdicts differ
    seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.n_inputs

    def to_dict(self) -> dict:
        return asdict(self) | {"accuracy": self.accuracy}


def exact_verdicts(model: ModAddTransformer, tables: ExactTables | None = None) -> tuple[np.ndarray, int]:
    """Exact verdicts [p, p] (a, b) and the number of inputs that needed exact arithmetic."""
    p = model.cfg.p
    tables = tables or ExactTables.from_model(model)
    f = {name: getattr(tables, name).to_float64() for name in ("q", "Q0", "Q1", "r", "R0", "R1", "M")}
    pre = f["q"][None, None, :] + f["Q0"][:, None, :] + f["Q1"][None, :, :]  # [a, b, d_mlp]
    size = np.abs(f["q"])[None, None, :] + np.abs(f["Q0"])[:, None, :] + np.abs(f["Q1"])[None, :, :]
    e_pre = 8 * _U * size  # [a, b, d_mlp]
    post = np.maximum(pre, 0.0)
    m_abs = np.abs(f["M"])  # [d_mlp, p]
    n = model.cfg.d_mlp + 4
    gamma = n * _U / (1 - n * _U)
    prod = post @ f["M"]  # [a, b, p]
    t1 = e_pre @ m_abs
    t2 = post @ m_abs
    err_dot = (1 + 4 * _U) * t1 + (gamma + 3 * _U) * (1 + 2 * _U) * t2
    lin = f["r"][None, None, :] + f["R0"][:, None, :] + f["R1"][None, :, :]
    logits = prod + lin
    lin_abs = np.abs(f["r"])[None, None, :] + np.abs(f["R0"])[:, None, :] + np.abs(f["R1"])[None, :, :]
    err = (err_dot + 8 * _U * (lin_abs + np.abs(prod) + err_dot)) * 1.01 + 1e-290  # [a, b, p]
    a_idx, b_idx = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    y = (a_idx + b_idx) % p  # [a, b]
    right = np.take_along_axis(logits, y[..., None], axis=2)  # [a, b, 1]
    right_err = np.take_along_axis(err, y[..., None], axis=2)
    margin = right - logits  # [a, b, p]
    tol = (right_err + err + 4 * _U * (np.abs(right) + np.abs(logits))) * 1.01 + 1e-290
    rival = np.arange(p)[None, None, :] != y[..., None]
    sure_ok = np.where(rival, margin > tol, True).all(axis=2)
    sure_bad = (rival & (margin < -tol)).any(axis=2)
    verdicts = sure_ok.copy()
    undecided = np.argwhere(~sure_ok & ~sure_bad)
    for a, b in undecided:
        verdicts[a, b] = exact_correct(tables, int(a), int(b), p)
    return verdicts, len(undecided)


def float32_verdicts(model: ModAddTransformer) -> np.ndarray:
    """Verdicts [p, p] of the plain float32 forward pass (argmax == (a+b) mod p)."""
    p = model.cfg.p
    tokens = all_inputs(p)
    with torch.no_grad():
        pred = model(tokens).argmax(dim=-1)
    return (pred == (tokens[:, 0] + tokens[:, 1]) % p).numpy().reshape(p, p)


def brute_force(model: ModAddTransformer) -> ModAddBruteForce:
    """Exact accuracy over all p^2 inputs, with the float32 pass's count and disagreements."""
    start = time.perf_counter()
    verdicts, n_exact = exact_verdicts(model)
    f32 = float32_verdicts(model)
    p = model.cfg.p
    return ModAddBruteForce(
        p * p, int(verdicts.sum()), p * p - n_exact, n_exact, int(f32.sum()), int((f32 != verdicts).sum()), time.perf_counter() - start
    )
