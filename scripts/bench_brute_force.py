#!/usr/bin/env python3
"""Benchmark exact brute force: seconds per seed and inputs per second, written as a table.

Usage: .venv/bin/python scripts/bench_brute_force.py [--seeds 123 50 ...] [--out benchmarks/brute_force.md]
Runs each seed in this process (torch and numpy on their default threads), exact verdicts
and, separately timed, the plain float32 forward pass over all inputs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from compact_proofs.maxofk.brute_force import exact_verdicts, float32_verdicts
from compact_proofs.core.provenance import provenance, provenance_markdown
from compact_proofs.maxofk.zoo import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[123, 50, 104])
    parser.add_argument("--no-float32", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/brute_force.md"))
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        model, _ = load_model(seed)
        start = time.perf_counter()
        result, verdicts = exact_verdicts(model, progress=False, return_verdicts=True)
        exact_s = time.perf_counter() - start
        f32_s = f32_correct = None
        if not args.no_float32:
            start = time.perf_counter()
            f32 = float32_verdicts(model)
            f32_s = time.perf_counter() - start
            f32_correct = int(f32.sum())
        rows.append((seed, result, exact_s, f32_s, f32_correct))
        print(f"seed {seed}: exact {exact_s:.2f}s, float32 {f32_s}", flush=True)
    lines = [
        "# Exact brute force over all 64^4 inputs (Max-of-4)",
        "",
        provenance_markdown(provenance() | {"torch threads": str(torch.get_num_threads())}),
        "",
        "| seed | exact correct | accuracy | exactly decided inputs | ties | exact s | inputs/s | float32 correct | float32 s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, r, exact_s, f32_s, f32_correct in rows:
        f32 = "-" if f32_s is None else f"{f32_correct} | {f32_s:.1f}"
        lines.append(
            f"| {seed} | {r.correct} | {r.accuracy:.6f} | {r.exact_decided} | {r.exact_ties} | {exact_s:.2f} | {r.n_inputs / exact_s:,.0f} | {f32} |"
        )
    mean = sum(row[2] for row in rows) / len(rows)
    lines += ["", f"Mean exact seconds per seed: {mean:.2f} (target: at most 15 s on a 2-core machine).", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
