"""The strategy sweep: selection, caching and resume, failures, outputs, executors; and the plots."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from compact_proofs.core.modelfile import ModelFileError, model_sha256
from compact_proofs.families import FAMILIES
from compact_proofs import sweep
from compact_proofs.maxofk import plots, zoo
from compact_proofs.maxofk.model import MaxOfKConfig, MaxOfKTransformer
from compact_proofs.maxofk.strategies import STRATEGIES, Proof, Strategy, StrategyResult

from .conftest import random_model

SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"
FAST = ["brute_force", "cubic", "cubic_paper"]


@pytest.fixture(scope="module")
def model_paths(tmp_path_factory) -> list[Path]:
    """The shipped small Max-of-3 model and two random small models saved as records."""
    directory = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(7)
    paths = [SMALL]
    for seed, (v, k) in ((11, (5, 3)), (12, (6, 2))):
        model = random_model(MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=4, d_head=4), rng)
        paths.append(zoo.save_model(model, seed, {}, {}, directory))
    return paths


@pytest.fixture(scope="module")
def models(model_paths) -> list[sweep.ModelSpec]:
    return sweep.load_models(paths=model_paths)


class CountingExecutor(sweep.SerialExecutor):
    """Serial, and records which jobs it was given."""

    def __init__(self) -> None:
        self.ran: list[tuple[int, str]] = []

    def imap(self, jobs):
        self.ran += [(j.seed, j.strategy) for j in jobs]
        yield from super().imap(jobs)


class InterruptingExecutor(sweep.SerialExecutor):
    """Serial, but raises KeyboardInterrupt after ``after`` jobs, like Ctrl-C mid-sweep."""

    def __init__(self, after: int) -> None:
        self.after = after

    def imap(self, jobs):
        for n, item in enumerate(super().imap(jobs)):
            if n == self.after:
                raise KeyboardInterrupt
            yield item


def numbers(rows):
    """Rows without the timing column (which differs between runs)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def run(models, strategies, cache_dir, executor=None):
    return sweep.run_sweep(models, strategies, sweep.ResultCache(cache_dir), executor or sweep.SerialExecutor(), say=lambda _: None)


# --------------------------------------------------------------------------------------
# Selection


def test_select_strategies_by_name_and_glob():
    assert sweep.select_strategies(["cubic"], "maxofk") == ["cubic"]
    assert sweep.select_strategies(["cubic*"], "maxofk") == [n for n in STRATEGIES if n.startswith("cubic")]
    assert "cubic_tight" in sweep.select_strategies(["cubic*"], "maxofk")
    # registry order, each name once, whatever the order and overlap of the patterns
    assert sweep.select_strategies(["cubic_paper", "brute_force", "cubic*"], "maxofk") == sweep.select_strategies(["brute_force", "cubic*"], "maxofk")
    assert sweep.select_strategies(["*"], "maxofk") == list(STRATEGIES)
    with pytest.raises(sweep.SweepError, match="'nope:\\*' matches no registered strategy"):
        sweep.select_strategies(["cubic", "nope:*"], "maxofk")


def test_load_models_validates_and_dedupes(model_paths, tmp_path):
    specs = sweep.load_models(paths=[*model_paths, model_paths[0]])
    assert [s.seed for s in specs] == [1, 11, 12]
    assert len({s.model_sha256 for s in specs}) == 3
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelFileError, match="bad.json"):
        sweep.load_models(paths=[bad])


def test_cache_key_depends_on_weights_strategy_and_code(models):
    a, b = models[0], models[1]
    model = MaxOfKTransformer.from_weights(a.config, a.weights)
    assert model_sha256(model) == a.model_sha256
    changed = {k: v.copy() for k, v in a.weights.items()}
    changed["W_U"][0, 0] = np.nextafter(changed["W_U"][0, 0], np.float32(np.inf))  # one ulp
    assert model_sha256(MaxOfKTransformer.from_weights(a.config, changed)) != a.model_sha256
    version = sweep.code_version("cubic", "maxofk")
    keys = {
        sweep.cache_key(a.model_sha256, "cubic", version),
        sweep.cache_key(b.model_sha256, "cubic", version),
        sweep.cache_key(a.model_sha256, "cubic_paper", version),
        sweep.cache_key(a.model_sha256, "cubic", "another version"),
    }
    assert len(keys) == 4
    # cubic_tight builds on cubic, so its code version covers cubic's source too
    registry_module = FAMILIES["maxofk"].registry_module
    closure = sweep._module_closure(sys.modules[STRATEGIES["cubic_tight"].prove.__module__], registry_module)
    assert "compact_proofs.maxofk.strategies.cubic" in closure and registry_module not in closure


# --------------------------------------------------------------------------------------
# Sweeping, caching, resuming


def test_sweep_rows_outputs_and_instant_rerun(models, tmp_path):
    first = run(models, FAST, tmp_path / "cache")
    assert (first.n_jobs, first.n_cached, first.n_run, first.n_failed) == (9, 0, 9, 0)
    assert [(r["seed"], r["strategy"]) for r in first.rows] == [(m.seed, s) for m in models for s in FAST]
    for model in models:
        rows = {r["strategy"]: r for r in first.rows if r["seed"] == model.seed}
        exact = rows["brute_force"]["correct_lower_bound"]
        for name in FAST:
            r = rows[name]
            assert r["correct_lower_bound"] <= exact
            assert Fraction(r["bound"]) == Fraction(r["correct_lower_bound"], model.config.n_inputs)
            assert r["normalised_bound"] == pytest.approx(r["accuracy_bound"] / rows["brute_force"]["accuracy_bound"])
    paths = sweep.write_outputs(first, tmp_path / "out")
    assert set(paths) == {"csv", "png", "svg", "dimensionality_png", "dimensionality_svg", "report", "html"}
    assert sweep.read_csv(paths["csv"]) == first.rows
    report = paths["report"].read_text()
    assert "**failed: 0**" in report and "| cubic_paper | 3 |" in report and "pareto.png" in report and "dimensionality.png" in report
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = {k: p.read_bytes() for k, p in paths.items() if k not in ("report", "html")}  # these carry times

    counting = CountingExecutor()
    second = run(models, FAST, tmp_path / "cache", counting)
    assert counting.ran == [] and (second.n_cached, second.n_run) == (9, 0)
    assert second.rows == first.rows  # seconds included: they come from the cache
    again = sweep.write_outputs(second, tmp_path / "out")
    assert {k: p.read_bytes() for k, p in again.items() if k not in ("report", "html")} == before  # byte-identical CSV, PNG, SVG


def test_interrupted_sweep_resumes(models, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run(models, FAST, tmp_path / "cache", InterruptingExecutor(after=4))
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 4  # finished jobs were cached at once
    assert not list((tmp_path / "cache").rglob("*.tmp"))
    counting = CountingExecutor()
    resumed = run(models, FAST, tmp_path / "cache", counting)
    assert (resumed.n_cached, resumed.n_run, resumed.n_failed) == (4, 5, 0)
    assert len(counting.ran) == 5
    assert numbers(resumed.rows) == numbers(run(models, FAST, tmp_path / "fresh").rows)


def test_reference_from_cache_normalises(models, tmp_path):
    run(models, ["brute_force"], tmp_path / "cache")
    rows = run(models, ["cubic"], tmp_path / "cache").rows
    assert all(r["normalised_bound"] is not None for r in rows)


def test_model_with_no_correct_input(tmp_path):
    """All logits tie (zero unembedding): exact count 0, so no normalised bound, and no crash."""
    model = random_model(MaxOfKConfig(d_vocab=4, n_ctx=2, d_model=3, d_head=3), np.random.default_rng(3))
    with __import__("torch").no_grad():
        model.W_U.zero_()
    path = zoo.save_model(model, 5, {}, {}, tmp_path / "m")
    rows = run(sweep.load_models(paths=[path]), ["brute_force", "cubic"], tmp_path / "cache").rows
    assert [(r["correct_lower_bound"], r["normalised_bound"], r["error"]) for r in rows] == [(0, None, ""), (0, None, "")]


@pytest.fixture
def bad_strategies(monkeypatch):
    """Three broken strategies, registered for one test: raising, unsound, inconsistent."""

    def failing(tables):
        raise RuntimeError("boom")

    def unsound(tables):
        n = tables.cfg.n_inputs
        return Proof(StrategyResult("test_unsound", n, Fraction(1), 1, 1, 0.0))

    def inconsistent(tables):
        return Proof(StrategyResult("test_inconsistent", 0, Fraction(1, 2), 1, 1, 0.0))

    for name, fn in (("test_failing", failing), ("test_unsound", unsound), ("test_inconsistent", inconsistent)):
        monkeypatch.setitem(STRATEGIES, name, Strategy(name, fn))
    return ["test_failing", "test_unsound", "test_inconsistent"]


def test_failing_jobs_are_reported_not_fatal(models, bad_strategies, tmp_path):
    models = models[1:]  # the random models: below 100% accuracy, so claiming every input is unsound
    strategies = ["brute_force", "cubic", *bad_strategies]
    outcome = run(models, strategies, tmp_path / "cache")
    assert outcome.n_failed == 3 * len(models)
    by_name = {}
    for r in outcome.rows:
        by_name.setdefault(r["strategy"], []).append(r)
    assert all(not r["error"] for name in ("brute_force", "cubic") for r in by_name[name])
    assert all(r["error"] == "RuntimeError: boom" for r in by_name["test_failing"])
    assert all(r["error"].startswith("UNSOUND: claims") for r in by_name["test_unsound"])  # caught by the reference
    assert all("is not correct_lower_bound / n_inputs" in r["error"] for r in by_name["test_inconsistent"])
    for r in outcome.rows:
        if r["error"]:
            assert r["correct_lower_bound"] is None and r["bound"] is None and r["accuracy_bound"] is None
    paths = sweep.write_outputs(outcome, tmp_path / "out")
    report = paths["report"].read_text()
    assert f"**failed: {outcome.n_failed}**" in report and "## Failed jobs" in report and "RuntimeError: boom" in report
    assert sum(1 for r in sweep.read_csv(paths["csv"]) if r["error"]) == outcome.n_failed
    # errors are not cached: the next run retries exactly the jobs that did not give a sound result
    counting = CountingExecutor()
    run(models, strategies, tmp_path / "cache", counting)
    assert sorted(counting.ran) == sorted((m.seed, s) for m in models for s in ("test_failing", "test_inconsistent"))


def test_corrupt_cache_entry_is_recomputed(models, tmp_path):
    first = run(models[:1], ["cubic"], tmp_path / "cache")
    entries = {json.loads(p.read_text())["strategy"]: p for p in (tmp_path / "cache").rglob("*.json")}
    assert set(entries) == {"cubic", "brute_force"}, "the exact count is always computed (and cached) beside the bounds"
    entry = entries["cubic"]
    data = json.loads(entry.read_text())
    data["result"]["correct_lower_bound"] += 1  # no longer matches its bound
    entry.write_text(json.dumps(data))
    said = []
    again = sweep.run_sweep(models[:1], ["cubic"], sweep.ResultCache(tmp_path / "cache"), sweep.SerialExecutor(), say=said.append)
    assert again.n_run == 1 and numbers(again.rows) == numbers(first.rows)
    assert len(again.cache_problems) == 1 and str(entry) in again.cache_problems[0] and said
    entry.write_text("{")
    assert run(models[:1], ["cubic"], tmp_path / "cache").n_run == 1


def test_read_csv_rejects_a_foreign_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="x.csv: header"):
        sweep.read_csv(path)


# --------------------------------------------------------------------------------------
# Executors and the command line


def test_process_executor_matches_serial(models, tmp_path):
    serial = run(models, FAST, tmp_path / "a")
    with sweep.make_executor(jobs=2) as executor:
        assert isinstance(executor, sweep.ProcessExecutor)
        parallel = run(models, FAST, tmp_path / "b", executor)
    assert numbers(parallel.rows) == numbers(serial.rows)
    assert isinstance(sweep.make_executor(jobs=0), sweep.SerialExecutor)
    with pytest.raises(sweep.SweepError):
        sweep.ProcessExecutor(0)


def test_missing_ray_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes ``import ray`` fail
    with pytest.raises(sweep.SweepError, match=r"pip install 'compact-proofs\[ray\]'"):
        sweep.make_executor(ray="local")


@pytest.mark.slow  # starting a local Ray instance takes 5-25 s here
def test_ray_local_instance(models, tmp_path):
    pytest.importorskip("ray", reason="ray is not installed (optional extra: pip install 'compact-proofs[ray]')")
    serial = run(models[:2], ["cubic", "cubic_paper"], tmp_path / "a")
    with sweep.make_executor(jobs=1, ray="local") as executor:
        assert isinstance(executor, sweep.RayExecutor)
        distributed = run(models[:2], ["cubic", "cubic_paper"], tmp_path / "b", executor)
    assert numbers(distributed.rows) == numbers(serial.rows)


def test_command_line(model_paths, tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    sweep.add_sweep_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", "--strategies", "cubic*", "--model", str(model_paths[0]), "--jobs", "0", "--out", str(tmp_path)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "4 jobs: 0 from the cache, 4 run, 0 failed" in out  # 3 strategies and the exact count
    assert (tmp_path / "sweep.csv").exists() and (tmp_path / "report.md").exists() and (tmp_path / "pareto.svg").exists()
    assert list((tmp_path / "cache").rglob("*.json"))
    page = (tmp_path / "report.html").read_text()
    assert "<title>Strategy sweep</title>" in page and "<table>" in page and "<pre" not in page
    assert "<h2>Provenance</h2>" in page and '<img src="pareto.png"' in page
    assert sweep.main(["--strategies", "nothing-like-this", "--model", str(model_paths[0]), "--out", str(tmp_path)]) == 2
    assert "matches no registered strategy" in capsys.readouterr().err
    assert sweep.main(["--model", str(tmp_path / "missing.json"), "--out", str(tmp_path)]) == 2
    assert "missing.json: no such model record" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# Plots and tables


def test_pareto_front():
    points = [(10, 0.5), (5, 0.2), (20, 0.5), (5, 0.3), (40, 0.9), (30, 0.1)]
    assert plots.pareto_front(points) == [3, 0, 4]
    assert plots.pareto_front([]) == []


def _row(seed, strategy, bound, flops, error=""):
    return {"seed": seed, "strategy": strategy, "accuracy_bound": bound, "normalised_bound": None, "proof_flops": flops,
            "unexplained_dimensionality": 7, "seconds": 1.0, "error": error}


def test_markdown_table_statistics_and_anchors():
    rows = [_row(1, "cubic", 0.9, 100), _row(2, "cubic", 0.8, 300), _row(3, "cubic", None, None, "boom"),
            _row(1, "subcubic:x", 0.5, 10)]
    (cubic, sub) = plots.strategy_stats(rows)
    assert (cubic.bound.n, cubic.failed) == (2, 1)
    assert cubic.bound.mean == pytest.approx(0.85) and cubic.bound.std == pytest.approx(0.05)
    assert cubic.flops.mean == 200 and cubic.bound.min == 0.8 and cubic.bound.max == 0.9
    table = plots.markdown_table(rows)
    assert "| cubic | 2 | 0.85000 ± 0.05000 | 0.80000 | 0.90000 |" in table
    assert "0.9531 ± 0.0087, 0.9180, 0.9710" in table  # the authors' cubic anchor beside cubic
    assert table.splitlines()[-1].endswith("| 0 | - |")  # no anchor for a subcubic variant
    assert plots.anchor_for("brute_force").text() == "0.99916 ± 0.00148, 0.99146, 0.99992"


def test_plots_are_deterministic(tmp_path):
    rows = [_row(s, name, b + 0.01 * s, f) for s in range(3) for name, b, f in
            (("brute_force", 0.99, 1e12), ("cubic", 0.95, 7e6), ("subcubic:a", 0.7, 3e6), ("subcubic:b", 0.6, 2e6))]
    first = [p.read_bytes() for p in plots.plot_pareto(rows, tmp_path / "a")]
    second = [p.read_bytes() for p in plots.plot_pareto(rows, tmp_path / "b")]
    assert first == second
    assert first[1].startswith(b"<?xml") and b"<dc:date>" not in first[1]  # no timestamp in the SVG
    results = [StrategyResult("cubic", 90, Fraction(90, 100), 1000, 7, 0.1),
               {"strategy": "cubic_tight", "proof_flops": 5000, "accuracy_bound": 0.95},
               {"strategy": "from_json", "proof_flops": 300, "bound": "1/2"}]
    one = [p.read_bytes() for p in plots.plot_bound_vs_length(results, tmp_path / "m1", exact_accuracy=0.99)]
    two = [p.read_bytes() for p in plots.plot_bound_vs_length(results, tmp_path / "m2", exact_accuracy=0.99)]
    assert one == two and one[0][:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="no successful results"):
        plots.plot_pareto([_row(1, "cubic", None, None, "boom")], tmp_path / "c")


def _figures(monkeypatch) -> list:
    """The figures the plots draw, kept in place of being saved."""
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, out_stem: drawn.append(fig) or (out_stem, out_stem))
    return drawn


def _spread_rows() -> list[dict]:
    """Bounds whose ±std bars would pass 1 unclipped, beside variants crowding one spot."""
    return [_row(s, name, b, f) | {"unexplained_dimensionality": int(f) // 1000}
            for s, b1 in ((1, 1.0), (2, 0.99), (3, 0.96)) for name, b, f in
            (("brute_force", b1, 1e12), ("cubic", b1 - 0.02, 7e6), ("subcubic:a", 0.7, 3e6), ("subcubic:b", 0.7, 3e6),
             ("subcubic:c", 0.71, 3.1e6))]


def test_clipped_error_bars():
    assert plots.clipped_yerr(0.99, 0.05) == (0.05, pytest.approx(0.01))
    assert plots.clipped_yerr(0.02, 0.05) == (0.02, 0.05)
    assert plots.clipped_yerr(1.0, 0.0) == (0.0, 0.0)


@pytest.mark.parametrize("plot", [plots.plot_pareto, plots.plot_bound_vs_dimensionality])
def test_plots_over_models(plot, monkeypatch):
    from matplotlib.collections import LineCollection

    drawn = _figures(monkeypatch)
    plot(_spread_rows(), Path("unused"))
    (fig,) = drawn
    full, zoom = fig.axes  # bounds below and inside 0.95-1.0: a zoomed panel
    assert zoom.get_ylim()[0] == plots.ZOOM_BAND[0]
    legend = {t.get_text() for t in full.get_legend().get_texts()}
    assert "brute_force" in legend and "subcubic (3 variants)" in legend
    assert "authors' published bound (mean ± std, 151 models)" in legend  # the brute-force and cubic anchors
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        bars = [seg for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]
        assert bars and all(0 <= y <= 1 for seg in bars for _, y in seg)  # no ±std bar outside [0, 1]
        labels = [t for t in ax.texts if t.get_visible()]
        assert not {t.get_text() for t in labels} & legend  # labels never repeat the legend
        boxes = [t.get_window_extent(renderer) for t in labels]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert {t.get_text() for t in full.texts} == {"a", "b", "c"}  # the crowded variants all found a spot


def test_dimensionality_plot_is_written(tmp_path):
    png, svg = plots.plot_bound_vs_dimensionality(_spread_rows(), tmp_path / "dimensionality")
    assert png.read_bytes()[:4] == b"\x89PNG" and svg.read_bytes().startswith(b"<?xml")
    with pytest.raises(ValueError, match="no successful results"):
        plots.plot_bound_vs_dimensionality([_row(1, "cubic", None, None, "boom")], tmp_path / "none")


def test_one_model_plot_draws_the_authors_anchor(monkeypatch):
    drawn = _figures(monkeypatch)
    plots.plot_bound_vs_length([{"strategy": "cubic_tight", "proof_flops": 5000, "accuracy_bound": 0.9}], Path("unused"))
    (fig,) = drawn
    assert len(fig.axes) == 2 and not fig.axes[0].texts  # the anchor 0.9531 is in the band; the legend names the point
    assert "authors' published bound (mean ± std, 151 models)" in {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
