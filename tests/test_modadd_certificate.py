"""The modular-addition accuracy certificate: every certified input is exactly correct (random
and trained models, any coefficients), the shipped default model is fully certified below brute
force's cost, and tampered, foreign or malformed certificates are rejected with the file named."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.core.modelfile import model_sha256
from compact_proofs.modadd import zoo
from compact_proofs.modadd.brute_force import exact_verdicts
from compact_proofs.modadd.certificate import (
    CertificateError,
    OutputFourierCertificate,
    check,
    find_certificate,
    read_certificate,
)
from compact_proofs.modadd.model import ModAddConfig, ModAddTransformer
from compact_proofs.modadd.training import ModAddTrainingConfig, train

from . import conftest

DEFAULT = zoo.MODADD_DIR / "p59-seed-00000.json"


def random_model(cfg: ModAddConfig, seed: int) -> ModAddTransformer:
    return conftest.random_model(cfg, np.random.default_rng(seed), None, model_cls=ModAddTransformer)


def assert_sound(model: ModAddTransformer, cert: OutputFourierCertificate) -> np.ndarray:
    verdicts = check(model, cert).verdicts
    truth = exact_verdicts(model)[0]
    assert not (verdicts & ~truth).any(), "a certified input is wrong"
    return verdicts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=st.sampled_from([5, 7, 11]), d_mlp=st.integers(4, 24), seed=st.integers(0, 10**6), n_freqs=st.integers(1, 5))
def test_certified_inputs_are_correct_for_random_models_and_coefficients(p, d_mlp, seed, n_freqs):
    model = random_model(ModAddConfig(p=p, d_model=8, d_head=4, n_heads=2, d_mlp=d_mlp), seed)
    searched, _ = find_certificate(model, max_freqs=n_freqs)
    assert_sound(model, searched)
    rng = np.random.default_rng(seed)
    freqs = tuple(int(k) for k in rng.permutation(np.arange(1, (p - 1) // 2 + 1))[: min(n_freqs, (p - 1) // 2)])
    exact = tuple(sorted(int(n) for n in rng.choice(d_mlp, size=int(rng.integers(0, d_mlp + 1)), replace=False)))
    coef = rng.integers(-(2**20), 2**20, size=(d_mlp, 2 * len(freqs)))
    coef[list(exact)] = 0
    coef = tuple(tuple(int(v) for v in row) for row in coef)
    arbitrary = OutputFourierCertificate(model_sha256(model), p, d_mlp, freqs, 16, int(rng.integers(-40, -10)), coef, 0, exact)
    assert_sound(model, arbitrary)


def test_exact_neurons_lower_the_cost_on_a_model_with_spread_output():
    """Seed 3 writes many weak frequencies: exact neurons make its full certificate cheaper
    than the frequencies alone (measured 0.96 of brute force without them)."""
    model, _ = zoo.load_model(zoo.MODADD_DIR / "p59-seed-00003.json")
    cert, _ = find_certificate(model)
    result = check(model, cert)
    assert result.certified == cert.claimed_correct == 59 * 59
    assert cert.exact_neurons and result.cost_ratio < 0.7


def test_all_frequencies_certify_what_is_correct():
    """With every frequency Mh can equal M up to rounding: the bound is then nearly exact."""
    model = random_model(ModAddConfig(p=7, d_model=8, d_head=4, n_heads=2, d_mlp=16), 3)
    cert, _ = find_certificate(model, prec=40)
    assert cert.freqs and sorted(cert.freqs) == sorted(set(cert.freqs))
    verdicts = assert_sound(model, cert)
    assert verdicts.sum() == exact_verdicts(model)[0].sum() > 0


def test_trained_small_model_is_certified():
    cfg = ModAddConfig(p=13, d_model=32, d_head=8, n_heads=4, d_mlp=64)
    model, _ = train(cfg, 0, ModAddTrainingConfig(epochs=400, lr=3e-3), progress=False)
    cert, _ = find_certificate(model)
    verdicts = assert_sound(model, cert)
    assert verdicts.sum() == cert.claimed_correct > 0


@pytest.fixture(scope="module")
def default_certificate():
    model, _ = zoo.load_model(DEFAULT)
    return model, find_certificate(model)[0]


def test_default_pizza_model_is_fully_certified_below_brute_force_cost(default_certificate):
    model, cert = default_certificate
    result = check(model, cert)
    assert result.certified == cert.claimed_correct == 59 * 59
    assert len(cert.freqs) <= 8 and result.cost_ratio < 0.5


def test_tampered_and_foreign_certificates_are_rejected(default_certificate, tmp_path):
    model, cert = default_certificate
    with pytest.raises(CertificateError, match="claims 3482 correct inputs but certifies only 3481"):
        check(model, dataclasses.replace(cert, claimed_correct=cert.claimed_correct + 1))
    other, _ = zoo.load_model(zoo.MODADD_DIR / "p59-seed-00001.json")
    with pytest.raises(CertificateError, match="model_sha256 does not match"):
        check(other, cert)
    # A changed coefficient keeps the check sound but no longer certifies everything claimed.
    coef = [list(row) for row in cert.coef]
    coef[0][0] += 2**40
    with pytest.raises(CertificateError, match="but certifies only"):
        check(model, dataclasses.replace(cert, coef=tuple(tuple(r) for r in coef)))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(format="other"), "not a compact-proofs/modadd-output-fourier-certificate"),
        (lambda d: d.update(p=2.5), "field 'p' must be an integer"),
        (lambda d: d.update(freqs=[1, 1]), "repeats a frequency"),
        (lambda d: d.update(freqs=[40]), "field 'freqs' must be a list of integers in 1..29"),
        (lambda d: d["coef"].pop(), "field 'coef' must be 512 rows"),
        (lambda d: d["coef"][3].__setitem__(0, 1.5), "field 'coef' must be 512 rows"),
        (lambda d: d.update(model_sha256="x"), "field 'model_sha256'"),
        (lambda d: d.update(exact_neurons=[3, 1]), "field 'exact_neurons' must be a sorted list"),
        (lambda d: d.update(exact_neurons=[512]), "field 'exact_neurons' must be a sorted list"),
        (lambda d: (d.update(exact_neurons=[0]), d["coef"][0].__setitem__(0, 1)), "rows of exact neurons must be zero"),
    ],
)
def test_malformed_certificate_files_are_named(default_certificate, tmp_path, edit, message):
    _, cert = default_certificate
    data = cert.to_json()
    edit(data)
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CertificateError, match=message) as info:
        read_certificate(path)
    assert str(path) in str(info.value)


def test_cli_certify_and_recheck(tmp_path, capsys):
    from compact_proofs.cli import main

    cfg = ModAddConfig(p=7, d_model=16, d_head=4, n_heads=2, d_mlp=32)
    model, metrics = train(cfg, 0, ModAddTrainingConfig(epochs=300, eval_every=100, lr=3e-3), progress=False)
    path = zoo.save_model(model, 0, {}, metrics, tmp_path)
    out = tmp_path / "certs"
    assert main(["modadd", "certify", "--model", str(path), "--out", str(out)]) == 0
    cert_path = out / path.stem / "output_fourier.json"
    claimed = read_certificate(cert_path).claimed_correct
    assert f"certified {claimed}/49" in capsys.readouterr().out
    assert main(["modadd", "certify", "--model", str(path), "--check", str(cert_path)]) == 0
    data = json.loads(cert_path.read_text())
    data["claimed_correct"] = claimed + 1
    cert_path.write_text(json.dumps(data))
    assert main(["modadd", "certify", "--model", str(path), "--check", str(cert_path)]) == 1  # rejected
    assert f"{cert_path}: claims {claimed + 1}" in capsys.readouterr().err
    data["model_sha256"] = "0" * 64
    cert_path.write_text(json.dumps(data))
    assert main(["modadd", "certify", "--model", str(path), "--check", str(cert_path)]) == 2  # another model's: bad input
    assert "model_sha256 does not match" in capsys.readouterr().err
