"""The main job and the sweep on modular-addition (pizza) models: ``compact-proofs certify
--model FILE`` reads the family from the record, runs the exact brute force and the modadd
strategies, writes each certificate and re-checks it with the independent checker, and reports;
``compact-proofs sweep`` runs pizza models through the same cache, soundness guard and outputs."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction

import pytest

from compact_proofs import sweep
from compact_proofs.cli import main
from compact_proofs.core.strategy import Proof, Strategy, StrategyResult
from compact_proofs.maxofk import zoo as maxofk_zoo
from compact_proofs.modadd import zoo
from compact_proofs.modadd.brute_force import brute_force
from compact_proofs.modadd.strategies import REGISTRY, ModAddTables

PIZZA = zoo.record_path(59, 1)  # the shipped seed-1 model: every input correct, a Lean theorem
SMALL = maxofk_zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"


@pytest.fixture(scope="module")
def pizza(tmp_path_factory):
    """The seed-1 record and weights under a Max-of-K-like file name: the family is read from the
    record, never from the name."""
    directory = tmp_path_factory.mktemp("pizza")
    shutil.copy(PIZZA.with_suffix(".npz"), directory)
    return shutil.copy(PIZZA, directory / "seed-00123.json")


@pytest.fixture(scope="module")
def certified(pizza, tmp_path_factory):
    """``compact-proofs certify`` on the pizza record with its default strategies, without Lean."""
    out = tmp_path_factory.mktemp("certify")
    assert main(["certify", "--model", str(pizza), "--no-lean", "--out", str(out)]) == 0
    return out, json.loads((out / "report.json").read_text())


def test_certify_a_pizza_record_counts_exactly_and_rechecks_its_certificate(pizza, certified):
    out, data = certified
    model, _ = zoo.load_model(pizza)
    exact = brute_force(model).correct  # the stand-alone brute force, computed afresh
    assert data["family"] == "modadd" and data["brute_force"]["correct"] == exact == 59**2
    assert data["brute_force"]["n_inputs"] == 59**2
    assert [row["strategy"] for row in data["strategies"]] == REGISTRY.names()  # default: every modadd strategy
    rows = {row["strategy"]: row for row in data["strategies"]}
    assert rows["brute_force"]["correct_lower_bound"] == exact and rows["brute_force"]["certificate"] is None
    row = rows["output_fourier"]
    assert row["correct_lower_bound"] <= exact and Fraction(row["bound"]) == Fraction(row["correct_lower_bound"], 59**2)
    cert_path = out / "certificates" / "output_fourier.json"
    assert row["certificate"] == str(cert_path) and row["python_recheck"] == row["correct_lower_bound"]
    cert = json.loads(cert_path.read_text())
    assert cert["claimed_correct"] == row["correct_lower_bound"]
    # the checker alone, on fresh tables, re-derives the count from the file
    assert REGISTRY.get("output_fourier").check(ModAddTables(model), cert) == row["correct_lower_bound"]
    markdown = (out / "report.md").read_text()
    assert "# compact-proofs certify: modular addition p = 59 seed 1" in markdown
    assert f"**{exact:,}** of {59**2:,} inputs correct" in markdown and "Lean check skipped (`--no-lean`)" in markdown
    assert "modadd_p59_seed1_accuracy" in markdown  # the library's theorem about this model, named but not checked
    page = (out / "report.html").read_text()
    assert page.startswith("<!doctype html>") and "<td>output_fourier</td>" in page and "<pre" not in page


def test_a_tampered_pizza_certificate_is_rejected(pizza, certified, tmp_path, capsys):
    out, _ = certified
    cert = json.loads((out / "certificates" / "output_fourier.json").read_text())
    check = ["modadd", "certify", "--model", str(pizza), "--strategies", "output_fourier", "--check"]
    overclaims = tmp_path / "overclaims.json"
    overclaims.write_text(json.dumps(cert | {"claimed_correct": cert["claimed_correct"] + 1}))
    assert main([*check, str(overclaims)]) == 1  # the check ran and said no
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(overclaims) in err and "but certifies only" in err
    other = tmp_path / "other_model.json"
    other.write_text(json.dumps(cert | {"model_sha256": "0" * 64}))
    assert main([*check, str(other)]) == 2
    assert "model_sha256 does not match" in capsys.readouterr().err


def test_certify_pizza_lean_step_checks_only_its_theorem_module(tmp_path, monkeypatch, capsys):
    from compact_proofs.lean import bridge

    asked = []

    def fake_check(project_root=None, *, targets=None, log=None, **kw):
        asked.append(targets)
        return bridge.CheckResult(ok=True, lean_root="lean", build_dir="unused")

    monkeypatch.setattr(bridge, "check_project", fake_check)
    assert main(["certify", "--model", str(PIZZA), "--strategies", "brute_force", "--out", str(tmp_path / "a")]) == 0
    assert asked == [["CompactProofs.Generated.ModAddP59Seed1"]]
    data = json.loads((tmp_path / "a" / "report.json").read_text())
    assert data["lean"]["ok"] is True
    (thm,) = data["lean_theorems"]
    assert thm["theorem"].endswith("modadd_p59_seed1_accuracy") and thm["bound"] == 59**2
    assert thm["accepted"] is False  # the fake check audited no axioms: never reported as Lean-checked
    assert main(["certify", "--model", str(zoo.record_path(59, 0)), "--strategies", "brute_force", "--out", str(tmp_path / "b")]) == 0
    assert len(asked) == 1, "no theorem about the model: nothing to build"
    assert "Lean: No theorem of the Lean library is about this model yet" in capsys.readouterr().out
    assert json.loads((tmp_path / "b" / "report.json").read_text())["lean"]["ok"] is None


@pytest.mark.parametrize("name, hint", [("output_fourir", "did you mean output_fourier"), ("cubic", "no strategy matches 'cubic'")])
def test_certify_pizza_refuses_a_strategy_of_no_modadd_name_before_any_work(tmp_path, capsys, name, hint):
    assert main(["certify", "--model", str(PIZZA), "--strategies", f"brute_force,{name}", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --strategies: ") and str(PIZZA) in err and hint in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------
# The sweep


def test_sweep_a_pizza_model_through_the_cache(tmp_path, capsys):
    argv = ["sweep", "--family", "modadd", "--seeds", "1", "--jobs", "0", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    assert "2 jobs: 0 from the cache, 2 run, 0 failed" in capsys.readouterr().out
    rows = sweep.read_csv(tmp_path / "out" / "sweep.csv")
    assert [(r["family"], r["seed"], r["strategy"]) for r in rows] == [("modadd", 1, "brute_force"), ("modadd", 1, "output_fourier")]
    exact = rows[0]["correct_lower_bound"]
    assert exact == 59**2 and all(not r["error"] and r["n_inputs"] == 59**2 for r in rows)
    assert rows[1]["correct_lower_bound"] <= exact and rows[1]["normalised_bound"] == pytest.approx(rows[1]["accuracy_bound"])
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| output_fourier | 1 |" in report and "pareto.png" in report
    assert "0.99916" not in report  # the Max-of-4 anchors are not drawn beside pizza strategies

    assert main(argv) == 0  # again: every job from the cache, the same rows
    assert "2 jobs: 2 from the cache, 0 run, 0 failed" in capsys.readouterr().out
    assert sweep.read_csv(tmp_path / "out" / "sweep.csv") == rows

    # both families in one sweep: each model runs the patterns' strategies of its own family
    mixed = ["sweep", "--model", str(SMALL), "--model", str(PIZZA), "--strategies", "brute_force", "cubic", "--jobs", "0",
             "--out", str(tmp_path / "mixed"), "--cache", str(tmp_path / "out" / "cache")]
    assert main(mixed) == 0
    assert "3 jobs: 1 from the cache, 2 run, 0 failed" in capsys.readouterr().out  # the pizza brute force is cached
    rows = sweep.read_csv(tmp_path / "mixed" / "sweep.csv")
    assert [(r["family"], r["strategy"]) for r in rows] == [("maxofk", "brute_force"), ("maxofk", "cubic"), ("modadd", "brute_force")]
    report = (tmp_path / "mixed" / "report.md").read_text()
    assert "## Max-of-K" in report and "## Modular addition (pizza)" in report
    assert (tmp_path / "mixed" / "pareto_maxofk.png").exists() and (tmp_path / "mixed" / "pareto_modadd.svg").exists()


def test_sweep_refuses_patterns_that_match_no_strategy_of_the_models_families(tmp_path, capsys):
    base = ["sweep", "--family", "modadd", "--seeds", "1", "--jobs", "0", "--out", str(tmp_path)]
    assert main([*base, "--strategies", "cubic"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'cubic' matches no registered strategy of modadd" in err
    assert main([*base, "--model", str(SMALL), "--strategies", "cubic"]) == 2  # the pizza model would run nothing
    assert "matches a modadd strategy" in capsys.readouterr().err
    assert main(["sweep", "--family", "modadd", "--seeds", "99", "--out", str(tmp_path)]) == 2
    assert "no model record of seed 99" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    assert sweep.select_for_families(["brute_force", "cubic*"], ["modadd", "maxofk", "modadd"]) == {
        "modadd": ["brute_force"], "maxofk": ["brute_force", "cubic", "cubic_paper", "cubic_tight"]}


def test_sweep_turns_an_unsound_pizza_bound_into_an_error(tmp_path, monkeypatch):
    """Seed 7 gets 2 inputs wrong: a strategy claiming every input is caught by the exact count."""
    def unsound(tables):
        return Proof(StrategyResult("test_unsound", tables.n_inputs, Fraction(1), 1, 1, 0.0))

    monkeypatch.setitem(REGISTRY.strategies, "test_unsound", Strategy("test_unsound", unsound))
    models = sweep.load_models([7], family="modadd")
    outcome = sweep.run_sweep(models, ["brute_force", "test_unsound"], sweep.ResultCache(tmp_path), sweep.SerialExecutor(), say=lambda _: None)
    exact, claimed = outcome.rows
    assert exact["correct_lower_bound"] < 59**2 and outcome.n_failed == 1
    assert claimed["error"].startswith("UNSOUND: claims 3481 correct inputs") and claimed["correct_lower_bound"] is None


def test_sweep_reads_a_csv_written_before_the_family_column(tmp_path):
    legacy = tmp_path / "old.csv"
    legacy.write_text(",".join(sweep.CSV_COLUMNS[1:]) + "\n" + "123,m.json,cubic,9,10,9/10,0.9,,1,2,0.5,\n")
    (row,) = sweep.read_csv(legacy)
    assert row["family"] == "maxofk" and row["seed"] == 123 and row["correct_lower_bound"] == 9 and list(row) == list(sweep.CSV_COLUMNS)
