"""The main job (``compact-proofs certify``) on the small shipped model, without Lean."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from compact_proofs.maxofk import certify as certify_mod
from compact_proofs.maxofk import zoo
from compact_proofs.cli import main
from compact_proofs.maxofk.strategies import STRATEGIES, Proof, Strategy, StrategyResult, select
from compact_proofs.maxofk.tables import ModelTables
from compact_proofs.lean.render import theorem_tag

SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"


def test_certify_small_model_writes_consistent_report(tmp_path):
    data = certify_mod.certify(SMALL, ("cubic_paper", "cubic"), tmp_path, lean=False, say=lambda _: None)
    exact = data["brute_force"]["correct"]
    assert data["brute_force"]["n_inputs"] == 8**3
    for row in data["strategies"]:
        assert row["correct_lower_bound"] <= exact
        assert row["python_recheck"] == row["correct_lower_bound"]
        cert = json.loads((tmp_path / "certificates" / f"{row['strategy']}.json").read_text())
        assert cert["correct_count"] == row["correct_lower_bound"]
    assert json.loads((tmp_path / "report.json").read_text())["model"]["model_sha256"] == data["model"]["model_sha256"]
    markdown = (tmp_path / "report.md").read_text()
    assert f"**{exact:,}** of 512" in markdown
    assert "Lean check skipped" in markdown
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!doctype html>")
    assert "<title>compact-proofs certify: Max-of-3 seed 1</title>" in page
    assert "<table>" in page and "<td>cubic_paper</td>" in page and f"<strong>{exact:,}</strong> of 512" in page
    assert "<pre" not in page  # rendered, not Markdown shown verbatim
    assert '<img src="bound_vs_flops.svg"' in page


def test_certify_refuses_an_unsound_strategy(tmp_path, monkeypatch):
    def overclaims(tables):  # one more correct input than there are inputs
        n = tables.cfg.n_inputs + 1
        return Proof(StrategyResult("overclaims", n, Fraction(n, n - 1), 0, 0, 0.0))

    monkeypatch.setitem(STRATEGIES, "overclaims", Strategy("overclaims", overclaims))
    with pytest.raises(AssertionError, match="overclaims"):
        certify_mod.certify(SMALL, ("overclaims",), tmp_path, lean=False, say=lambda _: None)


def test_lean_theorems_are_matched_by_weights_hash(tmp_path):
    sha = "ab" * 32
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "B.lean").write_text(
        theorem_tag("Foo.bar_accuracy", sha, "cubic", 42, "Foo.Model.m") + "\n"
        + theorem_tag("Foo.other", "cd" * 32, "cubic", 7, "Foo.Model.n") + "\n"
    )
    found = certify_mod.lean_theorems_for(sha, tmp_path)
    assert [(t.theorem, t.module, t.strategy, t.bound, t.model) for t in found] == [
        ("Foo.bar_accuracy", "A.B", "cubic", 42, "Foo.Model.m")]
    assert certify_mod.lean_theorems_for("ef" * 32, tmp_path) == []


def test_certify_lean_step_checks_only_the_models_theorem_modules(tmp_path, monkeypatch):
    from compact_proofs.lean import bridge as lean_bridge

    asked = []

    def fake_check(project_root=None, *, targets=None, log=None, workspace=None, **kw):
        asked.append((targets, workspace))
        return lean_bridge.CheckResult(ok=True, lean_root="lean", build_dir="unused")

    monkeypatch.setattr(lean_bridge, "check_project", fake_check)
    certify_mod.certify(SMALL, ("cubic",), tmp_path, lean=True, say=lambda _: None)
    assert asked == [([
        "CompactProofs.Generated.GapCubicSmallMaxOf3", "CompactProofs.Generated.GapSmallMaxOf3",
        "CompactProofs.Generated.SmallMaxOf3",
    ], None)]
    model, record = zoo.load_model(SMALL)
    weights = model.weights()
    weights["W_E"] = weights["W_E"] * 2  # another model: no theorem is about it
    other = zoo.save_model(type(model).from_weights(record.config, weights), 2, {}, {}, tmp_path / "zoo")
    lines = []
    certify_mod.certify(other, ("cubic",), tmp_path, lean=True, lean_dir=tmp_path / "lean", say=lines.append)
    assert asked[1:] == [(["Certified.Seed00002"], tmp_path / "lean")], "no library theorem: its own, in the workspace"
    assert (tmp_path / "lean" / "Certified" / "Seed00002.lean").exists()


def test_cli_certify_and_bad_model_file(tmp_path, capsys):
    assert main(["certify", "--model", str(SMALL), "--no-lean", "--strategies", "cubic", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "report.md").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["certify", "--model", str(bad), "--no-lean", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "not valid JSON" in err


@pytest.mark.parametrize("strategy", ["cubic", "cubic_tight", "subcubic"])
def test_certificate_for_another_model_is_refused(tmp_path, monkeypatch, strategy):
    """The certificate must carry this model's data: a proof whose certificate was made for
    another model is refused by the strategy's checker, in the main job."""
    from compact_proofs.maxofk.checks import cubic as cubic_check, subcubic as subcubic_check

    model, _ = zoo.load_model(SMALL)
    other = {name: w.copy() for name, w in model.weights().items()}
    other["W_E"][0, 0] += 1.0
    registered = STRATEGIES[strategy]
    others_proof = registered.prove(ModelTables(type(model).from_weights(model.cfg, other)))
    monkeypatch.setitem(STRATEGIES, strategy, Strategy(strategy, lambda _tables: others_proof, registered.check))
    error = subcubic_check.CertificateError if strategy == "subcubic" else cubic_check.CertificateError
    with pytest.raises(error, match="not the model's"):
        certify_mod.certify(SMALL, (strategy,), tmp_path, lean=False, say=lambda _: None)


def test_certify_proves_each_strategy_once_and_checks_what_it_wrote(tmp_path, monkeypatch):
    registered = STRATEGIES["cubic_tight"]
    proved, checked = [], []

    def prove(tables):
        proved.append(tables)
        return registered.prove(tables)

    def check(tables, cert):
        checked.append(cert)
        return registered.check(tables, cert)

    monkeypatch.setitem(STRATEGIES, "cubic_tight", Strategy("cubic_tight", prove, check))
    data = certify_mod.certify(SMALL, ("cubic_tight",), tmp_path, lean=False, say=lambda _: None)
    assert len(proved) == 1 and len(checked) == 1
    assert checked[0] == json.loads((tmp_path / "certificates" / "cubic_tight.json").read_text())
    assert data["strategies"][0]["python_recheck"] == data["strategies"][0]["correct_lower_bound"]


def test_cli_certify_rejects_an_unknown_strategy_before_any_work(tmp_path, capsys):
    assert main(["certify", "--seed", "123", "--strategies", "cubic,cubik", "--no-lean", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "'cubik'" in err and "did you mean cubic" in err
    assert not (tmp_path / "report.json").exists()


def test_strategies_are_selected_by_name_or_glob_in_the_order_asked():
    assert select(["gap_classes", "cubic*", "cubic"]) == ["gap_classes", "cubic", "cubic_paper", "cubic_tight"]
    assert len(select(["subcubic:*"])) == 100
    with pytest.raises(ValueError, match="did you mean cubic"):
        select(["cubik"])


def test_cli_lists_strategies_with_their_descriptions(capsys):
    assert main(["strategies", "cubic*", "brute_force"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["cubic", "cubic_paper", "cubic_tight", "brute_force", "brute_force"]
    assert "Step 5 refinements" in lines[0] and "(no certificate)" in lines[3]
    assert "[maxofk]" in lines[3] and "[modadd]" in lines[4]  # each family's brute force
    assert main(["strategies", "nothing*"]) == 2


def test_cli_certify_takes_globs(tmp_path):
    assert main(["certify", "--model", str(SMALL), "--no-lean", "--strategies", "cubic_p*", "--out", str(tmp_path)]) == 0
    assert [row["strategy"] for row in json.loads((tmp_path / "report.json").read_text())["strategies"]] == ["cubic_paper"]


def test_cli_certify_refuses_a_two_head_model_before_any_work(tmp_path, rng, capsys):
    from compact_proofs.maxofk.model import MaxOfKConfig
    from compact_proofs.maxofk.zoo import save_model

    from .conftest import random_model

    record = save_model(random_model(MaxOfKConfig(d_vocab=4, n_ctx=2, d_model=4, d_head=2, n_heads=2), rng), 3, {}, {}, tmp_path)
    assert main(["certify", "--model", str(record), "--no-lean", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(record) in err and "one attention head" in err
    assert not (tmp_path / "out").exists()


def test_cli_version(capsys):
    import compact_proofs
    from compact_proofs.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"compact-proofs {compact_proofs.__version__}"
