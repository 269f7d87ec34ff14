"""The modular-addition strategy registry: its certificate strategy never certifies a wrong input,
its checker rejects tampered certificates without calling the prover, and ``modadd certify`` is
one loop over the chosen strategies (unknown names refused before any work, no proof twice)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.cli import main
from compact_proofs.modadd import strategies as modadd_strategies
from compact_proofs.modadd import zoo
from compact_proofs.modadd.brute_force import exact_verdicts
from compact_proofs.modadd.certificate import CertificateError, CertificateRejected, check, parse_certificate
from compact_proofs.modadd.model import ModAddConfig, ModAddTransformer
from compact_proofs.modadd.strategies import REGISTRY, ModAddTables

from . import conftest


def random_model(p: int, d_mlp: int, seed: int) -> ModAddTransformer:
    cfg = ModAddConfig(p=p, d_model=8, d_head=4, n_heads=2, d_mlp=d_mlp)
    return conftest.random_model(cfg, np.random.default_rng(seed), None, model_cls=ModAddTransformer)


def no_prover(*_args, **_kwargs):
    raise AssertionError("the checker called the prover")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(p=st.sampled_from([5, 7, 11]), d_mlp=st.integers(4, 16), seed=st.integers(0, 10**6), max_freqs=st.integers(1, 3))
def test_output_fourier_never_certifies_a_wrong_input(monkeypatch, p, d_mlp, seed, max_freqs):
    model = random_model(p, d_mlp, seed)
    strategy = REGISTRY.get("output_fourier")
    proof = strategy.prove(ModAddTables(model, max_freqs=max_freqs))
    cert = proof.certificate()
    truth = exact_verdicts(model)[0]
    verdicts = check(model, parse_certificate(cert)).verdicts
    assert not (verdicts & ~truth).any(), "a certified input is wrong"
    bound = proof.result.correct_lower_bound
    assert bound == verdicts.sum() == cert["claimed_correct"] <= truth.sum()
    with monkeypatch.context() as patch:  # the checker re-derives the count from fresh tables alone
        patch.setattr(modadd_strategies, "find_certificate", no_prover)
        assert strategy.check(ModAddTables(model), json.loads(json.dumps(cert))) == bound
    assert REGISTRY.get("brute_force").prove(ModAddTables(model)).result.correct_lower_bound == truth.sum()


def test_tampered_certificates_are_rejected():
    model = random_model(7, 16, 3)
    tables = ModAddTables(model)
    strategy = REGISTRY.get("output_fourier")
    cert = strategy.prove(tables).certificate()
    with pytest.raises(CertificateRejected, match="but certifies only"):
        strategy.check(tables, cert | {"claimed_correct": cert["claimed_correct"] + 1})
    with pytest.raises(CertificateError, match="model_sha256 does not match"):
        strategy.check(tables, cert | {"model_sha256": "0" * 64})
    with pytest.raises(CertificateError, match="not a compact-proofs/modadd-output-fourier-certificate"):
        strategy.check(tables, cert | {"format": "other"})


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    return zoo.save_model(random_model(7, 16, 5), 5, {}, {}, tmp_path_factory.mktemp("model"))


def test_certify_proves_each_strategy_once_and_rechecks_its_certificate(saved_model, tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(modadd_strategies, "exact_verdicts", lambda *a: calls.append(a) or exact_verdicts(*a))
    out = tmp_path / "certs"
    assert main(["modadd", "certify", "--model", str(saved_model), "--out", str(out)]) == 0
    assert len(calls) == 1  # brute force's verdicts serve the certificate search's aim too
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["brute_force:", "output_fourier:"]
    cert_path = out / saved_model.stem / "output_fourier.json"
    assert f"wrote {cert_path}, re-checked exactly: {json.loads(cert_path.read_text())['claimed_correct']}" in lines[1]
    assert sorted(p.name for p in (out / saved_model.stem).iterdir()) == ["output_fourier.json"]  # brute force has none


def test_unknown_strategy_exits_2_before_any_work(tmp_path, capsys):
    missing = tmp_path / "missing.json"  # never read: the name is refused first
    assert main(["modadd", "certify", "--model", str(missing), "--out", str(tmp_path / "out"), "--strategies", "output_fourir"]) == 2
    err = capsys.readouterr().err
    assert "'output_fourir'" in err and "did you mean output_fourier" in err and "missing.json" not in err
    assert not (tmp_path / "out").exists()


def test_check_needs_exactly_one_certificate_strategy(saved_model, tmp_path, capsys):
    argv = ["modadd", "certify", "--model", str(saved_model), "--check", str(tmp_path / "c.json"), "--strategies", "brute_force"]
    assert main(argv) == 2
    assert "exactly one strategy with a certificate, not 0" in capsys.readouterr().err


def test_strategies_lists_the_modadd_family(capsys):
    assert main(["strategies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    modadd = [line.split()[0] for line in lines if "[modadd]" in line]
    assert modadd == REGISTRY.names() and {"brute_force", "output_fourier"} <= set(modadd)
    assert main(["strategies", "output_*"]) == 0
    assert capsys.readouterr().out.split()[:2] == ["output_fourier", "[modadd]"]
