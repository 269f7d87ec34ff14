"""The Max-of-K hyperparameters, kept free of torch so that the command line can read their defaults cheaply."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

PARAMETER_NAMES = ("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_U")


@dataclass(frozen=True)
class MaxOfKConfig:
    """Hyperparameters of a Max-of-K model (defaults: the paper's Max-of-4 setting).

    Attributes:
        d_vocab: number of input tokens, which are also the output classes (64).
        n_ctx: sequence length K (4); the label is the maximum of the K tokens.
        d_model: residual stream width (32).
        d_head: width of each attention head (32).
        n_heads: number of attention heads (1).
        init_range: standard deviation of the normal initialisation of every weight
            (TransformerLens's GPT-2 default, 0.8 / sqrt(d_model)); None means that default.
    """

    d_vocab: int = 64
    n_ctx: int = 4
    d_model: int = 32
    d_head: int = 32
    n_heads: int = 1
    init_range: float | None = None

    def __post_init__(self) -> None:
        for name in ("d_vocab", "n_ctx", "d_model", "d_head", "n_heads"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MaxOfKConfig.{name} must be a positive int, got {value!r}")
        if self.d_vocab < 2:
            raise ValueError("MaxOfKConfig.d_vocab must be at least 2")
        if self.init_range is not None and not (math.isfinite(self.init_range) and self.init_range > 0):
            raise ValueError(f"MaxOfKConfig.init_range must be positive, got {self.init_range!r}")

    @property
    def initializer_range(self) -> float:
        return self.init_range if self.init_range is not None else 0.8 / math.sqrt(self.d_model)

    @property
    def n_inputs(self) -> int:
        """Size of the input space, d_vocab ** n_ctx."""
        return self.d_vocab**self.n_ctx

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        h, dm, dh, v, k = self.n_heads, self.d_model, self.d_head, self.d_vocab, self.n_ctx
        return {
            "W_E": (v, dm),
            "W_pos": (k, dm),
            "W_Q": (h, dm, dh),
            "W_K": (h, dm, dh),
            "W_V": (h, dm, dh),
            "W_O": (h, dh, dm),
            "W_U": (dm, v),
        }

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MaxOfKConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown MaxOfKConfig fields: {sorted(unknown)}")
        return cls(**data)
