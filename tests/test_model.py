"""Model shapes, the fast last-position path, and the TransformerLens conversion."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from compact_proofs.maxofk.model import (
    MaxOfKConfig,
    MaxOfKTransformer,
    from_transformer_lens_state_dict,
    to_transformer_lens_state_dict,
    transformer_lens_config,
)

from .conftest import random_model


def test_default_config_is_the_papers():
    cfg = MaxOfKConfig()
    assert (cfg.d_vocab, cfg.n_ctx, cfg.d_model, cfg.d_head, cfg.n_heads) == (64, 4, 32, 32, 1)
    assert cfg.n_inputs == 16_777_216
    model = MaxOfKTransformer(cfg)
    assert sum(p.numel() for p in model.parameters()) == 8320  # the paper's trainable count


def test_shapes_follow_transformer_lens():
    cfg = MaxOfKConfig(d_vocab=7, n_ctx=3, d_model=6, d_head=4, n_heads=2)
    model = MaxOfKTransformer(cfg)
    assert model.W_Q.shape == (2, 6, 4) and model.W_O.shape == (2, 4, 6) and model.W_U.shape == (6, 7)
    logits = model(torch.zeros(5, 3, dtype=torch.long))
    assert logits.shape == (5, 3, 7)


@pytest.mark.parametrize("n_heads", [1, 3])
def test_last_logits_equals_forward(rng, n_heads):
    cfg = MaxOfKConfig(d_vocab=9, n_ctx=4, d_model=8, d_head=5, n_heads=n_heads)
    model = random_model(cfg, rng)
    tokens = torch.from_numpy(rng.integers(0, 9, (200, 4)))
    torch.testing.assert_close(model.last_logits(tokens), model(tokens)[:, -1], rtol=1e-4, atol=1e-3)


def test_attention_is_causal(rng):
    """Changing a later token must not change earlier positions' logits."""
    model = random_model(MaxOfKConfig(d_vocab=6, n_ctx=4, d_model=4, d_head=4), rng)
    a = torch.tensor([[1, 2, 3, 4]])
    b = torch.tensor([[1, 2, 3, 0]])
    torch.testing.assert_close(model(a)[:, :3], model(b)[:, :3])
    assert not torch.allclose(model(a)[:, 3], model(b)[:, 3])


def test_config_validation():
    with pytest.raises(ValueError, match="d_vocab"):
        MaxOfKConfig(d_vocab=1)
    with pytest.raises(ValueError, match="n_ctx"):
        MaxOfKConfig(n_ctx=0)
    with pytest.raises(ValueError, match="unknown"):
        MaxOfKConfig.from_dict({"d_vocab": 4, "bogus": 1})


def test_transformer_lens_round_trip(rng):
    cfg = MaxOfKConfig(d_vocab=5, n_ctx=3, d_model=4, d_head=2, n_heads=2)
    model = random_model(cfg, rng)
    state = to_transformer_lens_state_dict(model)
    assert state["blocks.0.attn.W_Q"].shape == (2, 4, 2)
    assert float(state["unembed.b_U"].abs().sum()) == 0.0
    back = from_transformer_lens_state_dict(cfg, state)
    for name, array in model.weights().items():
        np.testing.assert_array_equal(back.weights()[name], array)


def test_transformer_lens_rejects_nonzero_bias_and_bad_shapes(rng):
    cfg = MaxOfKConfig(d_vocab=5, n_ctx=3, d_model=4, d_head=2)
    state = to_transformer_lens_state_dict(random_model(cfg, rng))
    biased = dict(state, **{"blocks.0.attn.b_O": torch.ones(4)})
    with pytest.raises(ValueError, match="b_O is not zero"):
        from_transformer_lens_state_dict(cfg, biased)
    wrong = dict(state, **{"embed.W_E": torch.zeros(6, 4)})
    with pytest.raises(ValueError, match="embed.W_E has shape"):
        from_transformer_lens_state_dict(cfg, wrong)
    with pytest.raises(ValueError, match="missing"):
        from_transformer_lens_state_dict(cfg, {k: v for k, v in state.items() if k != "unembed.W_U"})


@pytest.mark.skipif(importlib.util.find_spec("transformer_lens") is None, reason="transformer-lens extra not installed")
def test_hooked_transformer_agrees(rng):  # pragma: no cover - optional extra
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    cfg = MaxOfKConfig(d_vocab=8, n_ctx=4, d_model=6, d_head=3, n_heads=2)
    model = random_model(cfg, rng)
    tl = HookedTransformer(HookedTransformerConfig(**transformer_lens_config(cfg)))
    tl.load_state_dict(to_transformer_lens_state_dict(model), strict=False)
    tokens = torch.from_numpy(rng.integers(0, 8, (50, 4)))
    torch.testing.assert_close(tl(tokens), model(tokens), rtol=1e-5, atol=1e-5)
    back = from_transformer_lens_state_dict(cfg, tl.state_dict())
    torch.testing.assert_close(back(tokens), model(tokens))
