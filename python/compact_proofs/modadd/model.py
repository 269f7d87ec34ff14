"""The modular-addition transformer of the "pizza" papers: one layer, constant attention, ReLU MLP.

Input ``(a, b, '=')`` with a, b in 0..p-1 and '=' the token p; the prediction is read at the
'=' position over the p classes 0..p-1. Attention is a fixed pattern by definition, not learned:
the '=' position attends with weight exactly 1/2 to each operand and none to itself (the
"attention rate 1" regime of the pizza papers). There are no W_Q and W_K: a causal
TransformerLens model computes another function whatever its QK weights (its '=' position also
attends to itself, with a softmax weight that is never exactly 0). Names and shapes of the
remaining parameters follow TransformerLens.

    x0_j  = W_E[t_j] + W_pos[j]                                   # [d_model], j = 0, 1, 2
    x1    = x0_2 + 1/2 sum_{j=0,1} sum_h x0_j W_V[h] W_O[h]        # [d_model]
    post  = ReLU(x1 W_in + b_in)                                  # [d_mlp]
    logit = (x1 + post W_out + b_out) W_U                          # [p]

Embed, positional-embedding, attention and unembedding biases are identically zero (as in the
gbmi reproduction); the MLP biases ``b_in`` and ``b_out`` are learned.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

PARAMETER_NAMES = ("W_E", "W_pos", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out", "W_U")


@dataclass(frozen=True)
class ModAddConfig:
    """Hyperparameters of a modular-addition model (defaults: the paper's p = 59 model).

    Attributes:
        p: the modulus; inputs a, b and outputs range over 0..p-1 (59).
        d_model: residual stream width (128).
        d_head: width of each attention head (32).
        n_heads: number of attention heads (4).
        d_mlp: number of MLP neurons (512).
        init_range: standard deviation of the normal initialisation of the weight matrices
            (GPT-2 default 0.8 / sqrt(d_model)); None means that default. Biases start at 0.

    Derived: d_vocab = p + 1 (the '=' token is p), n_ctx = 3, d_vocab_out = p.
    """

    p: int = 59
    d_model: int = 128
    d_head: int = 32
    n_heads: int = 4
    d_mlp: int = 512
    init_range: float | None = None

    def __post_init__(self) -> None:
        for name in ("p", "d_model", "d_head", "n_heads", "d_mlp"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ModAddConfig.{name} must be a positive int, got {value!r}")
        if self.p < 3 or self.p % 2 == 0:
            raise ValueError(f"ModAddConfig.p must be an odd modulus >= 3, got {self.p}")
        if self.init_range is not None and not (math.isfinite(self.init_range) and self.init_range > 0):
            raise ValueError(f"ModAddConfig.init_range must be positive, got {self.init_range!r}")

    @property
    def d_vocab(self) -> int:
        return self.p + 1

    @property
    def n_ctx(self) -> int:
        return 3

    @property
    def equals_token(self) -> int:
        return self.p

    @property
    def initializer_range(self) -> float:
        return self.init_range if self.init_range is not None else 0.8 / math.sqrt(self.d_model)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        h, dm, dh, dmlp = self.n_heads, self.d_model, self.d_head, self.d_mlp
        return {
            "W_E": (self.d_vocab, dm),
            "W_pos": (self.n_ctx, dm),
            "W_V": (h, dm, dh),
            "W_O": (h, dh, dm),
            "W_in": (dm, dmlp),
            "b_in": (dmlp,),
            "W_out": (dmlp, dm),
            "b_out": (dm,),
            "W_U": (dm, self.p),
        }

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModAddConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown ModAddConfig fields: {sorted(unknown)}")
        return cls(**data)


def all_inputs(p: int) -> torch.Tensor:
    """Every input (a, b, '='), a-major: row a * p + b. [p * p, 3] int64."""
    a = torch.arange(p).repeat_interleave(p)
    b = torch.arange(p).repeat(p)
    return torch.stack([a, b, torch.full_like(a, p)], dim=1)


class ModAddTransformer(nn.Module):
    """One-layer transformer with attention fixed at 1/2 on each operand; logits at '='."""

    def __init__(self, cfg: ModAddConfig):
        super().__init__()
        self.cfg = cfg
        for name, shape in cfg.parameter_shapes().items():
            self.register_parameter(name, nn.Parameter(torch.zeros(shape, dtype=torch.float32)))

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Matrices ~ N(0, initializer_range^2), biases 0 (TransformerLens GPT-2 style)."""
        with torch.no_grad():
            for name in PARAMETER_NAMES:
                p = getattr(self, name)
                if name.startswith("b_"):
                    p.zero_()
                else:
                    p.copy_(torch.randn(p.shape, generator=generator, dtype=p.dtype) * self.cfg.initializer_range)

    def ov(self) -> torch.Tensor:
        """Sum over heads of W_V[h] W_O[h]: [d_model, d_model]."""
        return torch.einsum("hmd,hdn->mn", self.W_V, self.W_O)

    def residual(self, tokens: torch.Tensor) -> torch.Tensor:
        """x1, the residual stream at '=' after attention: tokens [batch, 3] -> [batch, d_model]."""
        x0 = self.W_E[tokens] + self.W_pos  # [batch, pos, d_model]
        return x0[:, 2] + 0.5 * (x0[:, 0] + x0[:, 1]) @ self.ov()  # [batch, d_model]

    def neurons(self, tokens: torch.Tensor) -> torch.Tensor:
        """Post-ReLU MLP activations at '=': [batch, d_mlp]."""
        return torch.relu(self.residual(tokens) @ self.W_in + self.b_in)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [batch, 3] (a, b, '=') -> logits at '=' [batch, p]."""
        x1 = self.residual(tokens)  # [batch, d_model]
        post = torch.relu(x1 @ self.W_in + self.b_in)  # [batch, d_mlp]
        return (x1 + post @ self.W_out + self.b_out) @ self.W_U  # [batch, p]

    def weights(self) -> dict[str, np.ndarray]:
        """The parameters as float32 numpy arrays (copies)."""
        return {name: getattr(self, name).detach().cpu().numpy().astype(np.float32, copy=True) for name in PARAMETER_NAMES}

    @classmethod
    def from_weights(cls, cfg: ModAddConfig, weights: dict[str, np.ndarray]) -> "ModAddTransformer":
        model = cls(cfg)
        with torch.no_grad():
            for name in PARAMETER_NAMES:
                getattr(model, name).copy_(torch.from_numpy(np.asarray(weights[name], dtype=np.float32)))
        return model
