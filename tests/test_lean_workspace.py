"""A model the library has no theorem about gets one: ``certify`` generates it into a workspace
outside the package (``lean.workspace``) and checks it there with the library modules it imports."""

from __future__ import annotations

import json

import pytest

from compact_proofs.core.modelfile import model_sha256
from compact_proofs.lean import bridge, workspace
from compact_proofs.lean.axioms import AXIOMS_ALLOWED
from compact_proofs.lean.render import module_path
from compact_proofs.maxofk import certify as certify_mod
from compact_proofs.maxofk import zoo

from .test_lean_bridge import REPO, needs_toolchain

SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"


@pytest.mark.parametrize(("file", "stem"), [
    ("seed-00007.json", "Seed00007"), ("my_model-v2.json", "MyModelV2"), ("7up.json", "M7up"), ("___.json", "Model"),
])
def test_module_stem_is_an_upper_camel_case_lean_name(file, stem):
    assert workspace.module_stem(file) == stem


def test_write_theorem_is_cached_and_replaces_an_earlier_generation(tmp_path):
    calls = []

    def render(parts):
        def go():
            calls.append(parts)
            return {"Certified.M": "root\n", **{f"Certified.M.P{i}": f"part {i}\n" for i in range(parts)}}
        return go

    say = lambda _: None  # noqa: E731
    assert workspace.write_theorem(tmp_path, "Certified.M", "ab" * 32, render(2), say)
    assert not workspace.write_theorem(tmp_path, "Certified.M", "ab" * 32, render(2), say)
    assert calls == [2], "a rerun for the same model and code generates nothing"
    module_path(tmp_path, "Certified.M.P1").write_text("edited\n")
    assert workspace.write_theorem(tmp_path, "Certified.M", "ab" * 32, render(1), say)
    assert not module_path(tmp_path, "Certified.M.P1").exists(), "a part of the earlier generation is removed"
    assert workspace.write_theorem(tmp_path, "Certified.M", "cd" * 32, render(1), say), "another model: regenerated"
    with pytest.raises(ValueError, match="not under Certified.M"):
        workspace.write_theorem(tmp_path, "Certified.M", "ef" * 32, lambda: {"Certified.Other": ""}, say)


@pytest.fixture
def new_model(tmp_path):
    """The small Max-of-3 model with its embedding doubled: no library theorem is about it."""
    model, record = zoo.load_model(SMALL)
    weights = model.weights()
    weights["W_E"] = weights["W_E"] * 2
    return zoo.save_model(type(model).from_weights(record.config, weights), 2, {}, {}, tmp_path / "zoo")


@pytest.mark.lean
@needs_toolchain
def test_certify_generates_checks_and_caches_a_new_models_theorem(tmp_path, new_model):
    ws = tmp_path / "lean"
    lines: list[str] = []
    data = certify_mod.certify(new_model, ("gap_classes_cubic",), tmp_path / "out", lean=True, lean_dir=ws, say=lines.append)
    root = "Certified.Seed00002"
    theorem = f"{root}.maxOf3_seed00002_accuracy"
    assert data["lean"]["ok"] and data["lean"]["workspace"] == str(ws), lines
    [thm] = data["lean_theorems"]
    bound = data["strategies"][0]["correct_lower_bound"]
    assert (thm["theorem"], thm["model"], thm["bound"]) == (theorem, f"{root}.Model.seed00002", bound)
    assert thm["statement_ok"] and thm["accepted"] and set(thm["axioms"]) <= AXIOMS_ALLOWED
    assert data["strategies"][0]["lean"][0]["accepted"]
    assert module_path(ws, root).exists() and not (REPO / "lean" / "Certified").exists()
    assert f"`{theorem}`" in (tmp_path / "out" / "report.md").read_text()
    assert json.loads((ws / "build" / "axioms.json").read_text())["ok"]

    lines.clear()  # a rerun generates nothing and builds nothing
    certify_mod.certify(new_model, ("gap_classes_cubic",), tmp_path / "out", lean=True, lean_dir=ws, say=lines.append)
    assert any("are up to date" in line for line in lines)
    assert not any("[built]" in line for line in lines), lines

    # a claimed count one above what the cells give is rejected by the kernel
    data_module = module_path(ws, f"{root}.Data")
    text = data_module.read_text()
    honest = f"def gapCertificate : GapCertificate where\n  bound := {bound}\n"
    assert honest in text
    data_module.write_text(text.replace(honest, honest.replace(f"{bound}", f"{bound + 1}")))
    res = bridge.check_project(REPO, targets=[f"{root}.Base"], workspace=ws, axiom_audit=False, workers=False, log=None)
    assert not res.ok
    assert [m.status for m in res.modules if m.name.startswith(root)] == ["cached", "built", "failed"]
    assert model_sha256(zoo.load_model(new_model)[0]) in module_path(ws, root).read_text()


def test_lean_zoo_checks_every_models_theorem_in_one_run_and_keeps_earlier_rows(tmp_path, new_model, monkeypatch):
    """`lean zoo` over a model with library theorems and one without: one check over all their
    modules, each theorem judged by its statement, the CSV merged with an earlier run's rows."""
    from compact_proofs import lean_zoo
    from compact_proofs.lean.axioms import accuracy_statement
    from compact_proofs.lean.render import lean_theorems_for

    calls = []

    def fake_check(project_root=None, *, targets, workspace, **kw):
        calls.append((targets, workspace))
        modules = [bridge.ModuleBuild(t, t, "built", 10.0 + i, 2**20 * (i + 1)) for i, t in enumerate(targets)]
        thms = [t for root in (REPO / "lean", workspace) for t in
                lean_theorems_for(model_sha256(zoo.load_model(new_model)[0]), root) + lean_theorems_for(
                    model_sha256(zoo.load_model(SMALL)[0]), root)]
        statements = {t.theorem: accuracy_statement("CompactProofs.MaxOfK", t.bound, t.model, exp_sqrt=True) for t in thms}
        statements["CompactProofs.Generated.GapSmallMaxOf3.small_max_of_3_accuracy_gap"] = "something else"
        axioms = [bridge.AxiomEntry("M", "theorem", t.theorem, ["propext"], [], []) for t in thms]
        return bridge.CheckResult(ok=True, lean_root="lean", build_dir="build", toolchain="tc", modules=modules,
                                  axioms=axioms, statements=statements)

    monkeypatch.setattr(bridge, "check_project", fake_check)
    out = tmp_path / "lean_zoo.csv"
    earlier = dict.fromkeys(lean_zoo.COLUMNS, "")
    out.write_text(",".join(lean_zoo.COLUMNS) + "\n" + ",".join(
        {**earlier, "model": "other.json", "family": "maxofk", "model_sha256": "ab" * 32, "theorem": "T.t", "bound": "1",
         "exact": "2", "n_inputs": "4", "accepted": "True"}.values()) + "\n")
    ok, rows = lean_zoo.run([SMALL, new_model], workspace=tmp_path / "lean", csv_path=out, say=lambda _: None)
    assert len(calls) == 1 and calls[0][1] == tmp_path / "lean"
    assert "Certified.Seed00002" in calls[0][0] and "CompactProofs.Generated.SmallMaxOf3" in calls[0][0]
    by_theorem = {r["theorem"]: r for r in rows}
    assert not ok and by_theorem["CompactProofs.Generated.GapSmallMaxOf3.small_max_of_3_accuracy_gap"]["accepted"] is False
    new = by_theorem["Certified.Seed00002.maxOf3_seed00002_accuracy"]
    assert new["accepted"] is True and new["exact"] == 512 and new["bound"] == 512 and new["axioms"] == "propext"
    assert new["kernel_seconds"] == 10.0 + calls[0][0].index("Certified.Seed00002")
    written = lean_zoo.read_rows(out)
    assert {r["theorem"] for r in written} == {*by_theorem, "T.t"}, "the earlier run's row is kept"
    assert "| `other.json` |" in out.with_suffix(".md").read_text() and out.with_suffix(".svg").exists()
    assert out.with_suffix(".html").read_text().startswith("<!doctype html>")
