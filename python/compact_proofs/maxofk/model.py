"""The Max-of-K transformer: one layer, attention only, no LayerNorm, zero biases.

Parameter names and shapes follow TransformerLens (``W_E``, ``W_pos``, ``W_Q`` ... ``W_U``,
attention weights carrying a leading ``n_heads`` axis) so that the exact path decomposition of
the Compact Proofs paper reads the same here as in the original code:

    logit(x) = EUPU[q, x] + sum_i a_i (EVOU[x_i, x] + PVOU[i, x]),
    a = softmax_i((EQKE[q, x_i] + EQKP[q, i]) / sqrt(d_head)),

where ``q`` is the token at the last position, which is where the prediction is read.
Biases are not parameters: they are identically zero (frozen at zero in the paper), and the
TransformerLens converters emit and check zero biases.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from .config import PARAMETER_NAMES, MaxOfKConfig


class MaxOfKTransformer(nn.Module):
    """One-layer attention-only transformer; ``forward`` returns logits at every position."""

    def __init__(self, cfg: MaxOfKConfig):
        super().__init__()
        self.cfg = cfg
        for name, shape in cfg.parameter_shapes().items():
            self.register_parameter(name, nn.Parameter(torch.zeros(shape, dtype=torch.float32)))

    def reset_parameters(self, generator: torch.Generator) -> None:
        """TransformerLens GPT-2 style init: every weight ~ N(0, initializer_range^2)."""
        with torch.no_grad():
            for name in PARAMETER_NAMES:
                p = getattr(self, name)
                p.copy_(torch.randn(p.shape, generator=generator, dtype=p.dtype) * self.cfg.initializer_range)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: [batch, pos] int64 -> logits [batch, pos, d_vocab]."""
        n_pos = tokens.shape[-1]
        resid = self.W_E[tokens] + self.W_pos[:n_pos]  # [batch, pos, d_model]
        q = torch.einsum("bpm,hmd->bphd", resid, self.W_Q)  # [batch, pos, head, d_head]
        k = torch.einsum("bpm,hmd->bphd", resid, self.W_K)  # [batch, pos, head, d_head]
        v = torch.einsum("bpm,hmd->bphd", resid, self.W_V)  # [batch, pos, head, d_head]
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.cfg.d_head)  # [batch, head, q, k]
        causal = torch.ones(n_pos, n_pos, dtype=torch.bool, device=tokens.device).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
        pattern = scores.softmax(dim=-1)  # [batch, head, q, k]
        z = torch.einsum("bhqk,bkhd->bqhd", pattern, v)  # [batch, pos, head, d_head]
        attn_out = torch.einsum("bqhd,hdm->bqm", z, self.W_O)  # [batch, pos, d_model]
        return (resid + attn_out) @ self.W_U  # [batch, pos, d_vocab]

    def last_logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits at the last position only, the model's prediction: [batch, d_vocab].

        Same computation as ``forward(tokens)[:, -1]`` with the query formed only at the last
        position and the per-head products flattened into plain matrix products (faster).
        """
        h, dh, dm = self.cfg.n_heads, self.cfg.d_head, self.cfg.d_model
        batch, n_pos = tokens.shape
        resid = self.W_E[tokens] + self.W_pos[:n_pos]  # [batch, pos, d_model]
        w_kv = torch.cat([self.W_K, self.W_V], dim=0).permute(1, 0, 2).reshape(dm, 2 * h * dh)
        kv = (resid.reshape(batch * n_pos, dm) @ w_kv).view(batch, n_pos, 2, h, dh)  # [batch, pos, k|v, head, d_head]
        q = (resid[:, -1] @ self.W_Q.permute(1, 0, 2).reshape(dm, h * dh)).view(batch, 1, h, dh)  # [batch, 1, head, d_head]
        scores = (kv[:, :, 0] * q).sum(-1) / math.sqrt(dh)  # [batch, pos, head]
        pattern = scores.softmax(dim=1)  # [batch, pos, head]
        z = (pattern[..., None] * kv[:, :, 1]).sum(1)  # [batch, head, d_head]
        attn_out = z.reshape(batch, h * dh) @ self.W_O.reshape(h * dh, dm)  # [batch, d_model]
        return (resid[:, -1] + attn_out) @ self.W_U  # [batch, d_vocab]

    def weights(self) -> dict[str, np.ndarray]:
        """The parameters as float32 numpy arrays (copies)."""
        return {name: getattr(self, name).detach().cpu().numpy().astype(np.float32, copy=True) for name in PARAMETER_NAMES}

    @classmethod
    def from_weights(cls, cfg: MaxOfKConfig, weights: dict[str, np.ndarray]) -> "MaxOfKTransformer":
        model = cls(cfg)
        with torch.no_grad():
            for name in PARAMETER_NAMES:
                getattr(model, name).copy_(torch.from_numpy(np.asarray(weights[name], dtype=np.float32)))
        return model


# TransformerLens state-dict names (HookedTransformer, 1 layer, attn_only, no normalisation).
_TL_NAMES = {
    "W_E": "embed.W_E",
    "W_pos": "pos_embed.W_pos",
    "W_Q": "blocks.0.attn.W_Q",
    "W_K": "blocks.0.attn.W_K",
    "W_V": "blocks.0.attn.W_V",
    "W_O": "blocks.0.attn.W_O",
    "W_U": "unembed.W_U",
}
_TL_BIASES = ("blocks.0.attn.b_Q", "blocks.0.attn.b_K", "blocks.0.attn.b_V", "blocks.0.attn.b_O", "unembed.b_U")
# Buffers TransformerLens keeps in the state dict; they carry no learned information.
_TL_BUFFERS = ("blocks.0.attn.mask", "blocks.0.attn.IGNORE")


def _tl_bias_shapes(cfg: MaxOfKConfig) -> dict[str, tuple[int, ...]]:
    h, dh = cfg.n_heads, cfg.d_head
    return {
        "blocks.0.attn.b_Q": (h, dh),
        "blocks.0.attn.b_K": (h, dh),
        "blocks.0.attn.b_V": (h, dh),
        "blocks.0.attn.b_O": (cfg.d_model,),
        "unembed.b_U": (cfg.d_vocab,),
    }


def to_transformer_lens_state_dict(model: MaxOfKTransformer) -> dict[str, torch.Tensor]:
    """State dict loadable by a HookedTransformer built from ``transformer_lens_config``."""
    state = {tl: getattr(model, name).detach().clone() for name, tl in _TL_NAMES.items()}
    for name, shape in _tl_bias_shapes(model.cfg).items():
        state[name] = torch.zeros(shape, dtype=torch.float32)
    return state


def from_transformer_lens_state_dict(cfg: MaxOfKConfig, state: dict[str, torch.Tensor]) -> MaxOfKTransformer:
    """Inverse of ``to_transformer_lens_state_dict``; rejects non-zero biases and stray keys."""
    expected = set(_TL_NAMES.values()) | set(_TL_BIASES)
    missing = expected - set(state)
    extra = set(state) - expected - set(_TL_BUFFERS)
    if missing or extra:
        raise ValueError(f"TransformerLens state dict: missing {sorted(missing)}, unexpected {sorted(extra)}")
    for name, shape in _tl_bias_shapes(cfg).items():
        bias = state[name]
        if tuple(bias.shape) != shape:
            raise ValueError(f"TransformerLens state dict: {name} has shape {tuple(bias.shape)}, expected {shape}")
        if torch.count_nonzero(bias) != 0:
            raise ValueError(f"TransformerLens state dict: {name} is not zero; this model has no biases")
    weights = {}
    for name, tl in _TL_NAMES.items():
        tensor = state[tl]
        if tuple(tensor.shape) != cfg.parameter_shapes()[name]:
            raise ValueError(
                f"TransformerLens state dict: {tl} has shape {tuple(tensor.shape)}, expected {cfg.parameter_shapes()[name]}"
            )
        weights[name] = tensor.detach().cpu().numpy().astype(np.float32)
    return MaxOfKTransformer.from_weights(cfg, weights)


def transformer_lens_config(cfg: MaxOfKConfig) -> dict[str, Any]:
    """Keyword arguments for ``transformer_lens.HookedTransformerConfig`` matching this model."""
    return dict(
        n_layers=1,
        n_heads=cfg.n_heads,
        d_model=cfg.d_model,
        d_head=cfg.d_head,
        d_vocab=cfg.d_vocab,
        d_vocab_out=cfg.d_vocab,
        n_ctx=cfg.n_ctx,
        attn_only=True,
        normalization_type=None,
        positional_embedding_type="standard",
        act_fn=None,
        d_mlp=None,
    )
