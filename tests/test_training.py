"""Training is deterministic per seed and actually learns."""

from __future__ import annotations

import torch

from compact_proofs.maxofk.model import MaxOfKConfig
from compact_proofs.maxofk.training import TrainingConfig, train
from compact_proofs.core.seeds import derive_seed

SMALL = MaxOfKConfig(d_vocab=8, n_ctx=3, d_model=8, d_head=8)
SHORT = TrainingConfig(steps=60, eval_every=30)


def test_same_seed_same_bits():
    a, ma = train(SMALL, 7, SHORT, progress=False)
    b, mb = train(SMALL, 7, SHORT, progress=False)
    for name, array in a.weights().items():
        assert array.tobytes() == b.weights()[name].tobytes(), name
    assert ma == mb


def test_different_seeds_differ():
    a, _ = train(SMALL, 1, SHORT, progress=False)
    b, _ = train(SMALL, 2, SHORT, progress=False)
    assert a.weights()["W_E"].tobytes() != b.weights()["W_E"].tobytes()


def test_streams_are_independent_and_stable():
    assert derive_seed(123, "model") != derive_seed(123, "train")
    assert derive_seed(123, "model") == derive_seed(123, "model") < 2**63


def test_learns_max_of_3():
    model, metrics = train(SMALL, 3, TrainingConfig(steps=1500, eval_every=500), progress=False)
    assert metrics["history"][0]["test_loss"] > metrics["history"][-1]["test_loss"]
    assert metrics["test"]["accuracy"] > 0.9
    assert torch.get_num_threads() >= 1


def test_cli_train_never_writes_into_the_shipped_zoo(capsys):
    from pathlib import Path

    from compact_proofs.cli import build_parser, main
    from compact_proofs.maxofk import zoo

    assert build_parser().parse_args(["train"]).out == Path("results/train")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in zoo.SMALL_MAX_OF_3_DIR.iterdir())
    assert main(["train", "--seed", "1", "--out", str(zoo.SMALL_MAX_OF_3_DIR)]) == 2
    assert "shipped zoo" in capsys.readouterr().err
    assert sorted((p.name, p.stat().st_mtime_ns) for p in zoo.SMALL_MAX_OF_3_DIR.iterdir()) == before
