"""The exact data of a Max-of-K model, built once per model and passed to every proof and checker.

``ModelTables(model)`` holds the exact float32 weights, the path tables below and the Lean
integer model (``lean_export.ExactModel``), each built on first use and then shared: ``certify``
and the sweep build one per model, strategies take it instead of the torch module.

The float32 weights are read as exact dyadic rationals (``core.exact.Dyadic``) and multiplied
out in integers, so every entry is exact: a shared power-of-two exponent per group of tables.
With E = W_E, P = W_pos, E_q = W_E + W_pos[K-1] (the query's residual) and OVU = W_V W_O W_U:

    score of query q on token t at position i = (EQKE[q,t] + EQKP[q,i]) / sqrt(d_head),
        EQKE = E_q W_Q (E W_K)^T, EQKP = E_q W_Q (P W_K)^T                 (times 2^score_exp)
    logit x of an input = EUPU[q,x] + sum_i a_i (EVOU[x_i,x] + PVOU[i,x]), a = softmax,
        EVOU = E OVU, PVOU = P OVU, EUPU = E_q W_U                          (times 2^value_exp)

Time O(v d_model (d_head + v) + K d_model (d_head + v)) exact products; no rounding.
Precondition: one attention head (ValueError otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..core.exact import Dyadic
from ..core.modelfile import model_sha256
from .lean_export import ExactModel, exact_model
from .model import MaxOfKConfig, MaxOfKTransformer


def int_lists(a: np.ndarray) -> list:
    """An integer array as nested lists of Python ints (a certificate's JSON form)."""
    return np.vectorize(int, otypes=[object])(a).tolist() if a.size else [[] for _ in range(a.shape[0])]


@dataclass(frozen=True)
class PathTables:
    """Exact path tables as integer object arrays with shared power-of-two exponents.

    scores (before 1/sqrt(d_head)): eqke[q, t] + eqkp[q, i], times 2**score_exp.
    values: evou[t, x], pvou[i, x], eupu[q, x], times 2**value_exp.
    """

    eqke: np.ndarray  # [q, t]
    eqkp: np.ndarray  # [q, i]
    score_exp: int
    evou: np.ndarray  # [t, x]
    pvou: np.ndarray  # [i, x]
    eupu: np.ndarray  # [q, x]
    value_exp: int
    d_head: int

    @property
    def d_vocab(self) -> int:
        return self.eqke.shape[0]

    @property
    def n_ctx(self) -> int:
        return self.eqkp.shape[1]

    def scores(self) -> np.ndarray:
        """[q, i, t] exact integer scores eqke[q, t] + eqkp[q, i]."""
        return self.eqke[:, None, :] + self.eqkp[:, :, None]

    def values(self) -> np.ndarray:
        """[i, t, x] exact integer OV logits evou[t, x] + pvou[i, x] of token t at position i."""
        return self.evou[None, :, :] + self.pvou[:, None, :]

    def json_fields(self) -> dict[str, Any]:
        """The tables as certificates carry them: exponents, ``d_head`` and integer lists."""
        return {
            "d_head": self.d_head,
            "score_exp": self.score_exp, "eqke": int_lists(self.eqke), "eqkp": int_lists(self.eqkp),
            "value_exp": self.value_exp, "evou": int_lists(self.evou), "pvou": int_lists(self.pvou),
            "eupu": int_lists(self.eupu),
        }

    @staticmethod
    def from_model(model: MaxOfKTransformer) -> "PathTables":
        return PathTables.from_weights(model.cfg, exact_weights(model))

    @staticmethod
    def from_weights(cfg: MaxOfKConfig, w: dict[str, Dyadic]) -> "PathTables":
        """Time O(v d_model (d_head + v) + K d_model (d_head + v)) exact products."""
        if cfg.n_heads != 1:
            raise ValueError(f"exact path tables need one attention head; this model has {cfg.n_heads}")
        e0 = min(w["W_E"].exp, w["W_pos"].exp)
        emb, pos = w["W_E"].with_exp(e0), w["W_pos"].with_exp(e0)
        query_resid = Dyadic(emb.num + pos.num[cfg.n_ctx - 1][None, :], e0)  # E_q = W_E + W_pos[-1]
        qk = query_resid @ w["W_Q"][0]  # [v, d_head]
        eqke = qk @ (emb @ w["W_K"][0]).T  # [q, t]
        eqkp = qk @ (pos @ w["W_K"][0]).T  # [q, i]
        ovu = w["W_V"][0] @ w["W_O"][0] @ w["W_U"]  # [d_model, v]
        evou, pvou, eupu = emb @ ovu, pos @ ovu, query_resid @ w["W_U"]
        ve = min(evou.exp, eupu.exp)
        return PathTables(
            eqke.num, eqkp.num, eqke.exp,
            evou.with_exp(ve).num, pvou.with_exp(ve).num, eupu.with_exp(ve).num, ve, cfg.d_head,
        )


def exact_weights(model: MaxOfKTransformer) -> dict[str, Dyadic]:
    """Every float32 parameter as an exact dyadic array, by parameter name."""
    return {name: Dyadic.from_float32(a) for name, a in model.weights().items()}


class ModelTables:
    """One model's exact data for the proofs: each part is built on first use, then shared.

    Attributes:
        model: the float model (its ``cfg`` and float32 weights; floats only *find* proofs).
        cfg: the model's config.
    """

    def __init__(self, model: MaxOfKTransformer):
        self.model = model
        self.cfg = model.cfg

    @cached_property
    def identity(self) -> str:
        """``core.modelfile.model_sha256`` of the model."""
        return model_sha256(self.model)

    @cached_property
    def weights(self) -> dict[str, Dyadic]:
        """The float32 weights as exact dyadic arrays."""
        return exact_weights(self.model)

    @cached_property
    def path(self) -> PathTables:
        """The exact path tables (module docstring)."""
        return PathTables.from_weights(self.cfg, self.weights)

    @cached_property
    def exact(self) -> ExactModel:
        """The weights as integers over one power of two, as the Lean semantics reads them."""
        return exact_model(self.model)
