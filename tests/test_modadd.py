"""Modular addition: model semantics, training determinism, the zoo loader, the identity and the
exact brute force (against an independent rational oracle)."""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch

from compact_proofs.modadd import zoo
from compact_proofs.modadd.brute_force import brute_force, exact_verdicts
from compact_proofs.modadd.identity import closed_form, relu_integral, symbolic_residuals
from compact_proofs.modadd.model import ModAddConfig, ModAddTransformer, all_inputs
from compact_proofs.modadd.report import GoodCriteria, analyse
from compact_proofs.modadd.training import ModAddTrainingConfig, split, train
from compact_proofs.core.modelfile import ModelFileError

from . import conftest

SMALL = ModAddConfig(p=7, d_model=8, d_head=4, n_heads=2, d_mlp=12)


def random_model(cfg: ModAddConfig, rng: np.random.Generator, grid: float | None = None) -> ModAddTransformer:
    """Gaussian weights, biases too (see ``conftest.random_model``)."""
    return conftest.random_model(cfg, rng, grid, model_cls=ModAddTransformer)


def oracle_verdicts(model: ModAddTransformer) -> np.ndarray:
    """Straight from the architecture, in Fractions: no shared tables, no floats."""
    cfg = model.cfg
    w = {k: np.vectorize(Fraction, otypes=[object])(v.astype(np.float64)) for k, v in model.weights().items()}
    ov = sum(w["W_V"][h] @ w["W_O"][h] for h in range(cfg.n_heads))
    out = np.zeros((cfg.p, cfg.p), dtype=bool)
    for a in range(cfg.p):
        for b in range(cfg.p):
            x0 = [w["W_E"][t] + w["W_pos"][j] for j, t in enumerate((a, b, cfg.p))]
            x1 = x0[2] + Fraction(1, 2) * ((x0[0] + x0[1]) @ ov)
            post = np.array([max(v, Fraction(0)) for v in x1 @ w["W_in"] + w["b_in"]], dtype=object)
            logits = (x1 + post @ w["W_out"] + w["b_out"]) @ w["W_U"]
            y = (a + b) % cfg.p
            out[a, b] = all(logits[y] > logits[c] for c in range(cfg.p) if c != y)
    return out


# --- model -------------------------------------------------------------------------------------


def test_config_validation():
    assert ModAddConfig().d_vocab == 60 and ModAddConfig().n_ctx == 3
    with pytest.raises(ValueError, match="odd"):
        ModAddConfig(p=8)
    with pytest.raises(ValueError, match="d_mlp"):
        ModAddConfig(d_mlp=0)
    with pytest.raises(ValueError, match="unknown"):
        ModAddConfig.from_dict({"p": 7, "n_ctx": 3})


def test_forward_matches_the_written_formula():
    rng = np.random.default_rng(0)
    model = random_model(SMALL, rng)
    w = {k: v.astype(np.float64) for k, v in model.weights().items()}
    tokens = all_inputs(SMALL.p)
    got = model(tokens).detach().numpy()
    for a, b in [(0, 0), (3, 5), (6, 1)]:
        x0 = [w["W_E"][t] + w["W_pos"][j] for j, t in enumerate((a, b, SMALL.p))]
        ov = sum(w["W_V"][h] @ w["W_O"][h] for h in range(SMALL.n_heads))
        x1 = x0[2] + 0.5 * (x0[0] + x0[1]) @ ov
        logits = (x1 + np.maximum(x1 @ w["W_in"] + w["b_in"], 0) @ w["W_out"] + w["b_out"]) @ w["W_U"]
        np.testing.assert_allclose(got[a * SMALL.p + b], logits, rtol=1e-4, atol=1e-4)


# --- training ----------------------------------------------------------------------------------


def test_training_is_deterministic_and_learns():
    cfg = ModAddConfig(p=7, d_model=16, d_head=4, n_heads=2, d_mlp=32)
    tcfg = ModAddTrainingConfig(epochs=300, eval_every=100, lr=3e-3)
    m1, met1 = train(cfg, 3, tcfg, progress=False)
    m2, _ = train(cfg, 3, tcfg, progress=False)
    for name, array in m1.weights().items():
        np.testing.assert_array_equal(array, m2.weights()[name])
    assert met1["train"]["accuracy"] == 1.0  # 39 training pairs are easily fitted
    train_idx, test_idx = split(7, 3, 0.8)
    assert len(train_idx) == 39 and len(test_idx) == 10 and not set(train_idx.tolist()) & set(test_idx.tolist())


# --- zoo ---------------------------------------------------------------------------------------


def test_zoo_round_trip_and_determinism(tmp_path):
    model = random_model(SMALL, np.random.default_rng(1))
    a = zoo.save_model(model, 4, {"epochs": 0}, {"note": "x"}, tmp_path / "a")
    b = zoo.save_model(model, 4, {"epochs": 0}, {"note": "x"}, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes() and a.with_suffix(".npz").read_bytes() == b.with_suffix(".npz").read_bytes()
    loaded, record = zoo.load_model(a)
    assert record.config == SMALL and record.seed == 4
    for name, array in model.weights().items():
        np.testing.assert_array_equal(loaded.weights()[name], array)


def _corrupt(tmp_path, how):
    model = random_model(SMALL, np.random.default_rng(2))
    path = zoo.save_model(model, 1, {}, {}, tmp_path)
    data = json.loads(path.read_text())
    npz = path.with_suffix(".npz")
    if how == "sha":
        raw = bytearray(npz.read_bytes())
        raw[-30] ^= 1
        npz.write_bytes(bytes(raw))
    elif how == "format":
        data["format"] = "compact-proofs/max-of-k-model"
    elif how == "config":
        data["config"]["p"] = 8
    elif how == "shape":
        data["config"]["d_mlp"] = 13
    elif how == "json":
        path.write_text("{not json")
        return path
    elif how == "missing":
        npz.unlink()
    elif how == "path":
        data["weights_file"] = "../x.npz"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "how, message",
    [("sha", "sha256 mismatch"), ("format", "format is"), ("config", "bad config"), ("shape", "has shape"),
     ("json", "not valid JSON"), ("missing", "does not exist"), ("path", "bare file name")],
)
def test_loader_rejects_bad_files(tmp_path, how, message):
    path = _corrupt(tmp_path, how)
    with pytest.raises(ModelFileError, match=message) as info:
        zoo.load_model(path)
    assert str(tmp_path) in str(info.value)


def test_loader_rejects_nan_weights(tmp_path):
    model = random_model(SMALL, np.random.default_rng(3))
    with torch.no_grad():
        model.W_in[0, 0] = float("nan")
    path = zoo.save_model(model, 1, {}, {}, tmp_path)
    with pytest.raises(ModelFileError, match="non-finite"):
        zoo.load_model(path)


def test_shipped_models_load():
    paths = zoo.zoo_records()
    assert paths, "no shipped modadd models"
    good = 0
    for path in paths:
        model, record = zoo.load_model(path)
        assert record.config == ModAddConfig() and record.training["weight_decay"] > 0
        if record.metrics["good"]:
            assert record.metrics["exact_brute_force"]["correct"] == 59**2
        good += record.metrics["good"]
    assert 2 <= good < len(paths)  # the zoo shows the filter both ways


def _check_record(path):
    """Re-derive the shipped verdicts: exact accuracy, the good flag, and bound >= actual error."""
    model, record = zoo.load_model(path)
    analysis = analyse(model)  # the defaults the records were made with
    assert analysis["brute_force"]["correct"] == record.metrics["exact_brute_force"]["correct"]
    assert (GoodCriteria().failures(analysis) == []) == record.metrics["good"]
    for c in analysis["clusters"]:
        assert c["actual_error"] <= min(c["relative_bound"], c["fourier_relative_bound"])


# One case per record, so that pytest-xdist spreads them; all but the first are `slow`.
@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.stem, marks=() if n == 0 else pytest.mark.slow) for n, p in enumerate(zoo.zoo_records())],
)
def test_shipped_model_record_holds(path):
    _check_record(path)


# --- identity ----------------------------------------------------------------------------------


def test_identity_symbolically():
    assert all(expr == 0 for expr in symbolic_residuals().values())


@pytest.mark.parametrize("sigma", [1, -1])
def test_identity_numerically(sigma):
    rnd = random.Random(5)
    for _ in range(6):
        s, t = rnd.uniform(-7, 7), rnd.uniform(-7, 7)
        with mpmath.workdps(30):
            assert abs(relu_integral(s, t, sigma) - closed_form(s, t)) < mpmath.mpf(10) ** -25
    # sign convention: with s = k(a+b)/2, t = kc the integral peaks at c = a + b mod p
    p, k, a, b = 11, 3, 4, 9
    values = [closed_form(math.pi * k * (a + b) / p, 2 * math.pi * k * c / p) for c in range(p)]
    assert max(range(p), key=lambda c: values[c]) == (a + b) % p


# --- brute force -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_brute_force_matches_rational_oracle(seed):
    model = random_model(SMALL, np.random.default_rng(10 + seed))
    verdicts, _ = exact_verdicts(model)
    np.testing.assert_array_equal(verdicts, oracle_verdicts(model))


def test_brute_force_exact_path_on_ties():
    zero = ModAddTransformer(SMALL)  # every logit equal: every input is an exact tie, hence wrong
    result = brute_force(zero)
    assert result.correct == 0 and result.exact_decided == SMALL.p**2
    for seed in range(3):  # small-integer weights and two equal unembedding columns: exact ties
        grid = random_model(SMALL, np.random.default_rng(7 + seed), grid=0.25)
        with torch.no_grad():
            grid.W_U[:, 1] = grid.W_U[:, 0]
        verdicts, _ = exact_verdicts(grid)
        np.testing.assert_array_equal(verdicts, oracle_verdicts(grid))


def test_brute_force_of_a_trained_model_agrees_with_float32():
    cfg = ModAddConfig(p=7, d_model=16, d_head=4, n_heads=2, d_mlp=32)
    model, metrics = train(cfg, 0, ModAddTrainingConfig(epochs=300, eval_every=100, lr=3e-3), progress=False)
    result = brute_force(model)
    assert result.correct == round(metrics["all"]["accuracy"] * 49) and result.float32_disagreements == 0
    np.testing.assert_array_equal(exact_verdicts(model)[0], oracle_verdicts(model))


def test_cli_subcommands(tmp_path, capsys):
    from compact_proofs.modadd.cli import main

    cfg = ModAddConfig(p=7, d_model=16, d_head=4, n_heads=2, d_mlp=32)
    model, metrics = train(cfg, 0, ModAddTrainingConfig(epochs=300, eval_every=100, lr=3e-3), progress=False)
    path = zoo.save_model(model, 0, {}, metrics, tmp_path)
    assert main(["modadd", "brute-force", "--model", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["correct"] == round(metrics["all"]["accuracy"] * 49)
    assert main(["modadd", "analyse", "--directory", str(tmp_path), "--neurons", str(tmp_path / "n.json")]) == 0
    assert len(json.loads((tmp_path / "n.json").read_text())[str(path)]) == 32
    assert main(["modadd", "bound", "--model", str(path), "--modes", "8", "--grid", "8"]) == 0
    assert "Fourier-mode bound" in capsys.readouterr().out
    out = tmp_path / "report"
    assert main(["modadd", "report", "--model", str(path), "--out", str(out), "--modes", "8", "--grid", "8"]) == 0
    report = (out / "report.md").read_text()
    assert "paper's bound" in report and "Accuracy certificates" in report
    page = (out / "report.html").read_text()
    assert "<title>Modular addition (pizza): certified quadrature bounds and exact accuracy</title>" in page
    assert "<table>" in page and "<pre" not in page
    with pytest.raises(SystemExit):
        main(["modadd", "bound", "--model", str(tmp_path / "missing.json")])
    assert "missing.json: no such model record" in capsys.readouterr().err


def test_good_criteria_reasons():
    analysis = {
        "brute_force": {"accuracy": 1.0},
        "explanation": {"matched_width_fraction": 0.99, "median_input_share": 0.97, "median_output_share": 0.99},
        "clusters": [{"best_relative_bound": 0.3}, {"best_relative_bound": 0.9}],
    }
    assert GoodCriteria().failures(analysis) == []
    bad = {
        "brute_force": {"accuracy": 0.999},
        "explanation": {"matched_width_fraction": 0.9, "median_input_share": 0.5, "median_output_share": 0.99},
        "clusters": [{"best_relative_bound": 1.2}],
    }
    reasons = GoodCriteria().failures(bad)
    assert len(reasons) == 3 and "exact accuracy" in reasons[0] and "matched width" in reasons[1]
    assert "1.200" in GoodCriteria(max_relative_bound=1.0).failures(bad)[3]
    assert GoodCriteria().failures({**analysis, "clusters": []}) == ["no key frequency"]
