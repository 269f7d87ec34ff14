"""The exact tables of a modular-addition model, built once (the one builder of the family).

* ``IntModel``: the weights as integers over one power of two ``2^shift``, laid out as the Lean
  ``Model`` (``W_V``, ``W_O``, ``W_in`` transposed, heads side by side);
* ``IntTables``: the tables of ``CompactProofs.ModAdd.Tables`` (pre-activation parts, direct
  path, ``W_out W_U``) in those integers, which the kernel re-verifies by packed products;
* ``ExactTables``: the same numbers as exact dyadics ``q, Q0, Q1, r, R0, R1, M`` (the reduction
  of ``brute_force``'s docstring), for the brute force and the float certificates.

Time: O(p d_model (d_model + d_mlp) + d_mlp d_model p) exact integer operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.exact import Dyadic
from .model import ModAddTransformer

Matrix = list[list[int]]


def _transpose(a: Matrix) -> Matrix:
    return [list(col) for col in zip(*a)]


def _matmul(a: Matrix, b: Matrix) -> Matrix:
    """Exact integer product (object arrays of Python ints)."""
    return np.dot(np.array(a, dtype=object), np.array(b, dtype=object)).tolist()


@dataclass(frozen=True)
class IntModel:
    """Weights ``W = entry / 2^shift`` laid out as the Lean ``Model`` (heads side by side)."""

    p: int
    shift: int
    mats: dict[str, Matrix]  # wE, wPos, wVT, wOT, wInT, bIn, wOut, bOut, wU (Lean layout)

    @property
    def d_model(self) -> int:
        return len(self.mats["wU"])

    @property
    def d_heads(self) -> int:
        return len(self.mats["wVT"])

    @property
    def d_mlp(self) -> int:
        return len(self.mats["wOut"])


def int_model(model: ModAddTransformer) -> IntModel:
    """The exact weights over one common power of two, with W_V, W_O and W_in transposed (one
    row per output coordinate) and the heads side by side, as the Lean ``Model`` holds them."""
    w = model.weights()
    h = model.cfg.n_heads
    arrays = {
        "wE": w["W_E"],
        "wPos": w["W_pos"],
        "wVT": np.concatenate([w["W_V"][i] for i in range(h)], axis=1).T,  # [h d_head, d_model]
        "wOT": np.concatenate([w["W_O"][i] for i in range(h)], axis=0).T,  # [d_model, h d_head]
        "wInT": w["W_in"].T,  # [d_mlp, d_model]
        "bIn": w["b_in"][None, :],
        "wOut": w["W_out"],
        "bOut": w["b_out"][None, :],
        "wU": w["W_U"],
    }
    exact = {name: Dyadic.from_float32(np.ascontiguousarray(a, dtype=np.float32)) for name, a in arrays.items()}
    shift = max(0, *(-d.exp for d in exact.values()))
    mats = {name: [[int(x) << (d.exp + shift) for x in row] for row in d.num.tolist()] for name, d in exact.items()}
    return IntModel(model.cfg.p, shift, mats)


@dataclass(frozen=True)
class IntTables:
    """The integer tables of ``CompactProofs.ModAdd.Tables``, by operand position j = 0, 1."""

    value: list[Matrix]  # [j][t][e]
    ov: list[Matrix]  # [j][t][c]
    pre: list[Matrix]  # [j][t][n]   preTab
    ovu: list[Matrix]  # [j][t][y]   ovuTab
    pre_c: list[int]  # [n] sum_c residInt 2 p c W_in[c][n]
    lin_c: list[int]  # [y] sum_c (residInt 2 p c + b_out[c]) W_U[c][y]
    m_t: Matrix  # [n][y]  W_out W_U
    pre_const: list[int]  # [n] preConst

    def pre_int(self, a: int, b: int, n: int) -> int:
        return self.pre[0][a][n] + self.pre[1][b][n] + self.pre_const[n]


def int_tables(im: IntModel) -> IntTables:
    """Exact tables (the same sums as the Lean definitions)."""
    mats, p, s = im.mats, im.p, im.shift
    resid = [[[x + y for x, y in zip(mats["wE"][t], mats["wPos"][j])] for t in range(p)] for j in range(2)]
    w_v, w_o, w_in = (_transpose(mats[name]) for name in ("wVT", "wOT", "wInT"))
    value = [_matmul(resid[j], w_v) for j in range(2)]
    ov = [_matmul(value[j], w_o) for j in range(2)]
    pre = [_matmul(ov[j], w_in) for j in range(2)]
    ovu = [_matmul(ov[j], mats["wU"]) for j in range(2)]
    eq = [x + y for x, y in zip(mats["wE"][p], mats["wPos"][2])]
    pre_c = _matmul([eq], w_in)[0]
    lin_c = _matmul([[x + y for x, y in zip(eq, mats["bOut"][0])]], mats["wU"])[0]
    pre_const = [c * 2 ** (2 * s + 1) + b * 2 ** (3 * s + 1) for c, b in zip(pre_c, mats["bIn"][0])]
    return IntTables(value, ov, pre, ovu, pre_c, lin_c, _matmul(mats["wOut"], mats["wU"]), pre_const)


@dataclass(frozen=True)
class ExactTables:
    """The exact dyadic tables of ``brute_force`` (each a ``Dyadic``): the integer tables over
    their powers of two, so the brute force and the Lean certificate read the same numbers."""

    q: Dyadic  # [d_mlp]
    Q0: Dyadic  # [p, d_mlp]
    Q1: Dyadic  # [p, d_mlp]
    r: Dyadic  # [p]
    R0: Dyadic  # [p, p]
    R1: Dyadic  # [p, p]
    M: Dyadic  # [d_mlp, p]

    @staticmethod
    def from_int(im: IntModel, tab: IntTables) -> "ExactTables":
        """Every weight is ``entry / 2^s``: a product of ``f`` weights is its integer over
        ``2^(f s)``, and the attention's ``1/2`` on each operand is one more factor 2."""
        s = im.shift

        def dy(rows, exp: int) -> Dyadic:
            return Dyadic(np.array(rows, dtype=object), exp)

        half_path = -(4 * s + 1)  # 1/2 (W_E + W_pos) W_V W_O W_x: four weights and the 1/2
        return ExactTables(
            q=dy(tab.pre_const, half_path),
            Q0=dy(tab.pre[0], half_path),
            Q1=dy(tab.pre[1], half_path),
            r=dy(tab.lin_c, -2 * s),
            R0=dy(tab.ovu[0], half_path),
            R1=dy(tab.ovu[1], half_path),
            M=dy(tab.m_t, -2 * s),
        )

    @staticmethod
    def from_model(model: ModAddTransformer) -> "ExactTables":
        im = int_model(model)
        return ExactTables.from_int(im, int_tables(im))

    def logits(self, a: int, b: int) -> tuple[list[int], int]:
        """Exact logits of input (a, b) as integers times 2**exp: (numerators, exp)."""
        e_pre = min(self.q.exp, self.Q0.exp, self.Q1.exp)
        pre = self.q.with_exp(e_pre).num + self.Q0[a].with_exp(e_pre).num + self.Q1[b].with_exp(e_pre).num
        post = np.array([max(int(x), 0) for x in pre], dtype=object)
        mlp = Dyadic(np.dot(post, self.M.num), e_pre + self.M.exp)  # [p]
        e = min(mlp.exp, self.r.exp, self.R0.exp, self.R1.exp)
        total = mlp.with_exp(e).num + self.r.with_exp(e).num + self.R0[a].with_exp(e).num + self.R1[b].with_exp(e).num
        return [int(x) for x in total], e
