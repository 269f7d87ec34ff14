#!/usr/bin/env python3
"""Benchmark proof strategies on the seed-123 model and over zoo seeds; write tables and the Pareto plot.

Usage: .venv/bin/python scripts/bench_strategies.py [--strategies cubic 'subcubic:*' ...]
           [--seeds 123 50 ...] [--no-reference] [--cache DIR] [--out benchmarks/strategies.md] [--docs docs]

Runs every (model, strategy) job in this one process (``sweep.SerialExecutor``) on the seeds
given (default: all 151 zoo seeds; seed 123 is always run for its own row), plus the
``brute_force`` reference unless ``--no-reference``. Writes ``--out`` (per strategy: the
seed-123 bound, FLOPs, unexplained dimensionality and seconds; over the seeds: bound mean,
std, min, max, FLOPs, seconds; provenance) and, with ``--docs``, ``zoo_sweep.md`` (the paper's
table with the authors' anchors), ``zoo_sweep.csv`` and ``pareto.png`` / ``pareto.svg``.
Without ``--cache`` every job runs afresh (a temporary cache), so the seconds are this run's.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from compact_proofs import sweep
from compact_proofs.maxofk import plots, zoo
from compact_proofs.core.provenance import provenance, provenance_markdown


def strategy_lines(all_rows: list[dict], zoo_rows: list[dict], strategies: list[str], n_seeds: int) -> list[str]:
    """Benchmark table: the seed-123 row from ``all_rows``, statistics over ``zoo_rows``."""
    lines = [
        f"| strategy | seed 123 bound | seed 123 FLOPs | unexplained dim. | seed 123 s | {n_seeds} seeds: bound mean ± std "
        "| min | max | FLOPs mean | s mean ± std | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in strategies:
        base = next((r for r in all_rows if r["strategy"] == name and r["seed"] == zoo.DEFAULT_SEED and not r["error"]), None)
        stats = plots.strategy_stats([r for r in zoo_rows if r["strategy"] == name])[0]
        b = stats.bound
        seed_part = "- | - | - | -" if base is None else (
            f"{base['accuracy_bound']:.5f} | {base['proof_flops']:,} | {base['unexplained_dimensionality']:,} | {base['seconds']:.2f}"
        )
        zoo_part = "- | - | - | - | -" if b is None else (
            f"{b.mean:.5f} ± {b.std:.5f} | {b.min:.5f} | {b.max:.5f} | {stats.flops.mean:.4g} | "
            f"{stats.seconds.mean:.2f} ± {stats.seconds.std:.2f}"
        )
        lines.append(f"| {name} | {seed_part} | {zoo_part} | {stats.failed} |")
    return lines


def zoo_doc(outcome: sweep.SweepOutcome, zoo_rows: list[dict], command: str, prov: dict[str, str]) -> str:
    n = len({r["seed"] for r in zoo_rows})
    return "\n".join([
        f"# Proof strategies over the Max-of-4 zoo ({n} models)",
        "",
        "Every bound is a sound, exactly counted lower bound on the number of inputs (out of 64^4) the model",
        "classifies correctly under the real-number semantics of its float32 weights; `brute_force` is the exact",
        "count. The normalised bound divides by the model's brute-force accuracy. Proof FLOPs count checker",
        "work from array shapes, the paper's convention (brute force: one forward pass per input). The last",
        "column gives the authors' numbers from their per-seed CSVs (reference notes, section 3.2); their cubic",
        "numbers come from float32 code with the attention-mass issue described in `strategies/cubic.py`, which",
        "`cubic_paper` corrects. The zoo's models were trained by this project with the paper's recipe and seeds",
        "(the authors' weights do not reproduce bit for bit), so only the statistics are comparable.",
        "Every row is checked against the model's exact brute-force count; a bound above it would count as failed.",
        "",
        plots.markdown_table(zoo_rows),
        "![accuracy bound against proof length](pareto.png)",
        "",
        "Vector version: [pareto.svg](pareto.svg); per-model rows: [zoo_sweep.csv](zoo_sweep.csv).",
        "",
        f"Produced by `{command}` ({outcome.n_jobs} jobs, {outcome.n_failed} failed).",
        "",
        "## Provenance",
        "",
        provenance_markdown(prov),
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strategies", nargs="+", help="names or glob patterns (default: every registered strategy)")
    parser.add_argument("--seeds", type=int, nargs="+", help="zoo seeds (default: all 151)")
    parser.add_argument("--no-reference", action="store_true", help="do not run brute_force as the reference")
    parser.add_argument("--cache", type=Path, help="reuse and fill this sweep cache (default: run everything afresh)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/strategies.md"))
    parser.add_argument("--docs", type=Path, help="also write zoo_sweep.md, zoo_sweep.csv, pareto.png/.svg here")
    args = parser.parse_args()

    strategies = sweep.select_strategies(args.strategies or ["*"], "maxofk")
    if args.no_reference:
        strategies = [s for s in strategies if s != sweep.REFERENCE]
    elif sweep.REFERENCE not in strategies:
        strategies = [sweep.REFERENCE, *strategies]
    seeds = args.seeds or zoo.zoo_seeds()
    run_seeds = seeds if zoo.DEFAULT_SEED in seeds else [zoo.DEFAULT_SEED, *seeds]
    models = sweep.load_models(run_seeds)
    with tempfile.TemporaryDirectory() as tmp:
        cache = sweep.ResultCache(args.cache or Path(tmp))
        outcome = sweep.run_sweep(models, strategies, cache, sweep.SerialExecutor())
    zoo_rows = [r for r in outcome.rows if r["seed"] in set(seeds)]
    prov = provenance() | {"torch threads": str(torch.get_num_threads())}
    command = "scripts/bench_strategies.py " + " ".join(
        ([f"--strategies {' '.join(args.strategies)}"] if args.strategies else [])
        + ([f"--seeds {' '.join(map(str, args.seeds))}"] if args.seeds else [])
        + (["--no-reference"] if args.no_reference else [])
    )
    lines = [
        "# Proof strategies: bound, proof length and time (Max-of-4 zoo)",
        "",
        provenance_markdown(prov),
        f"- jobs: {outcome.n_jobs} ({outcome.n_cached} from the cache), failed: {outcome.n_failed}",
        "",
        "Seconds are wall-clock per job, one process, on a shared machine (other work was running), so",
        "they are indicative. Bounds are exact counts over 64^4 inputs; FLOPs are shape-counted checker work.",
        "",
        *strategy_lines(outcome.rows, zoo_rows, strategies, len(seeds)),
        "",
        f"Command: `{command.strip()}`",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")
    if args.docs:
        args.docs.mkdir(parents=True, exist_ok=True)
        sweep.write_csv(zoo_rows, args.docs / "zoo_sweep.csv")
        png, svg = plots.plot_pareto(zoo_rows, args.docs / "pareto", title=f"Max-of-4 zoo: accuracy bound against proof length ({len(seeds)} models)")
        (args.docs / "zoo_sweep.md").write_text(zoo_doc(outcome, zoo_rows, command.strip(), prov))
        print(f"wrote {args.docs / 'zoo_sweep.md'}, {args.docs / 'zoo_sweep.csv'}, {png}, {svg}")


if __name__ == "__main__":
    main()
