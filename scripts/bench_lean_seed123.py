#!/usr/bin/env python3
"""Benchmark what a kernel check of the seed-123 Max-of-4 model by ``gap_classes_cubic`` costs.

Usage: nice .venv/bin/python scripts/bench_lean_seed123.py [--queries 0 32] [--out benchmarks/lean_seed123.md]

The checker of ``CompactProofs.MaxOfK.GapClassesCubic`` reads tables by index (``entry3``), which
costs the kernel a list walk per read; at d_vocab 64 that dominates. This script measures the
list-walking form a kernel-scale checker needs (one pass over zipped rows, no indexing inside
a cell), on the real seed-123 data, one query token at a time, and extrapolates to the model:

1. the cell tests of one query token q: every claimed cell (q, mx), each a walk of
   ``mx + 1 - g`` steps per non-query position over the rows ``expLo[q][i]``, ``expHi[q][i]``,
   ``ovuT[i][mx]`` (the OV-unembed table transposed: tokens along the row) and the witness rows;
2. the ``exp`` enclosures of one query token (``4 · 64`` scores, ``expLo`` and ``expHi`` of
   ``CompactProofs.MaxOfK.ExpBounds`` each, 28 squarings at 60 bits);
3. exact integer dot products of length 32 (seed-123-sized entries), the unit of the tables.

Each file is checked alone (``decide +kernel``); the same file with every theorem replaced by
``True`` is the baseline (start-up, literal elaboration), and "kernel s" is the difference.
The data are packed hex literals decoded in the kernel, as a generated module would hold them.
These are measurements, not proofs: the theorems are true statements about the data, and no
soundness link to the model is made here.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
from pathlib import Path

from compact_proofs import lean_export as le
from compact_proofs.lean_bridge import find_toolchain, run_measured
from compact_proofs.provenance import REPO_ROOT, provenance, provenance_markdown
from compact_proofs.strategies import gap_classes as gc
from compact_proofs.zoo import load_model

EXP_PREC, SQUARINGS = 60, 28
HEADER = """module
public import CompactProofs.MaxOfK.ExpBounds
open CompactProofs CompactProofs.MaxOfK
noncomputable section

def unpack (w : Nat) : Nat → Nat → List Int
  | 0, _ => []
  | n + 1, N => (((N % 2 ^ w : Nat) : Int) - ((2 ^ (w - 1) : Nat) : Int)) :: unpack w n (N / 2 ^ w)
"""
CELLS = """
def pick (lo hi k : Int) : Int := if 0 ≤ k then lo * k else hi * k

/-- The cubic term of one position holding token `t` (all wrong logits at once). -/
def cterm (D lo hi o a t1 t2 mx : Int) : Int := pick lo hi (D + o - (if mx = a then t2 else t1))

/-- Minimum of `acc` and the terms of the first `n` tokens, walking the zipped rows. -/
def walkMin (D mx : Int) : Nat → List Int → List Int → List Int → List Int → List Int → List Int → Int → Int
  | n + 1, lo :: los, hi :: his, o :: os, a :: as, t1 :: t1s, t2 :: t2s, acc =>
      walkMin D mx n los his os as t1s t2s (min acc (cterm D lo hi o a t1 t2 mx))
  | _, _, _, _, _, _, _, acc => acc

def termAt (D : Int) (i mx t : Nat) : Int :=
  cterm D ((loQ.getD i []).getD t 0) ((hiQ.getD i []).getD t 0) (((ovuT.getD i []).getD mx []).getD t 0)
    ((argT.getD i []).getD t 0) ((top1T.getD i []).getD t 0) ((top2T.getD i []).getD t 0) mx

def lowAt (D : Int) (i mx g : Nat) : Int :=
  walkMin D mx (mx + 1 - g) (loQ.getD i []) (hiQ.getD i []) ((ovuT.getD i []).getD mx [])
    (argT.getD i []) (top1T.getD i []) (top2T.getD i []) (termAt D i mx mx)

def cellOk (q mx g : Nat) : Bool :=
  let D := (directQ.getD mx 0 - (if (mx : Int) = dArg then dTop2 else dTop1)) * shift2
  let query := termAt D 3 mx q
  let l0 := lowAt D 0 mx g
  let l1 := lowAt D 1 mx g
  let l2 := lowAt D 2 mx g
  if q = mx then decide (0 < query + l0 + l1 + l2)
  else decide (0 < query + termAt D 0 mx mx + l1 + l2) && decide (0 < query + l0 + termAt D 1 mx mx + l2) &&
    decide (0 < query + l0 + l1 + termAt D 2 mx mx)

def cellsFrom (q : Nat) : Nat → Bool
  | 0 => true
  | n + 1 => cellsFrom q n && (gapsQ.getD (q + n) 0 == 0 || cellOk q (q + n) (gapsQ.getD (q + n) 0))
"""
DOTS = """
def dotW : List Int → List Int → Int → Int
  | a :: as, b :: bs, acc => dotW as bs (acc + a * b)
  | _, _, acc => acc

/-- Row `a` times every row of `B` is the row `c`. -/
def rowOk : List Int → List (List Int) → List Int → Bool
  | a, b :: bs, c :: cs => (dotW a b 0 == c) && rowOk a bs cs
  | _, [], [] => true
  | _, _, _ => false
"""


def pack(xs) -> str:
    """``unpack w n 0x…``: offset-binary fields of the smallest width that holds them."""
    xs = [int(x) for x in xs]
    w = max(abs(x).bit_length() for x in xs) + 2
    n = 0
    for x in reversed(xs):
        n = (n << w) | (x + (1 << (w - 1)))
    return f"(unpack {w} {len(xs)} 0x{n:x})"


def rows_def(name: str, rows) -> str:
    return f"def {name} : List (List Int) := [" + ",\n  ".join(pack(r) for r in rows) + "]\n"


def seed123():
    model, _ = load_model(123)
    em = le.exact_model(model)
    cert = le.certificate_tables(em, exp_prec=EXP_PREC, squarings=SQUARINGS)
    found = gc.gaps(gc.GapTables.from_lean_certificate(em, cert), cubic=True)
    return em, cert, found, gc.lean_tops(cert)


def cells_file(em, cert, found, tops, q: int) -> tuple[str, str, int]:
    v, k = em.d_vocab, em.n_ctx
    assert k == 4, "the walk below is written for K = 4"
    ovu_t = [[[cert.ovu[i][t][y] for t in range(v)] for y in range(v)] for i in range(k)]
    gaps = [found.get((q, m), 0) for m in range(v)]
    data = (
        rows_def("loQ", cert.exp_lo[q]) + rows_def("hiQ", cert.exp_hi[q])
        + "def ovuT : List (List (List Int)) := [" + ",\n ".join("[" + ",\n  ".join(pack(r) for r in ovu_t[i]) + "]" for i in range(k)) + "]\n"
        + rows_def("argT", tops.ovu_arg) + rows_def("top1T", tops.ovu_top1) + rows_def("top2T", tops.ovu_top2)
        + f"def directQ : List Int := {pack(cert.direct[q])}\n"
        + f"def dArg : Int := {tops.direct_arg[q]}\ndef dTop1 : Int := {tops.direct_top1[q]}\ndef dTop2 : Int := {tops.direct_top2[q]}\n"
        + f"def gapsQ : List Nat := {gaps}\ndef shift2 : Int := {1 << (2 * em.shift)}\n"
    )
    text = HEADER + data + CELLS
    claimed = sum(1 for g in gaps[q:] if g)
    return text + f"\ntheorem cells : cellsFrom {q} {v - q} = true := by decide +kernel\n", text + "\ntheorem cells : True := trivial\n", claimed


def enclosures_file(em, cert, q: int) -> tuple[str, str, int]:
    scale = 4 * em.shift + cert.sqrt_prec
    text = HEADER + rows_def("scoresQ", cert.scores[q]) + rows_def("loQ", cert.exp_lo[q]) + rows_def("hiQ", cert.exp_hi[q]) + f"""
def zLo (S : Int) : Int := if 0 ≤ S then S * {cert.inv_sqrt_lo} else S * {cert.inv_sqrt_hi}
def zHi (S : Int) : Int := if 0 ≤ S then S * {cert.inv_sqrt_hi} else S * {cert.inv_sqrt_lo}
def encWalk : List Int → List Int → List Int → Bool
  | s :: ss, lo :: los, hi :: his =>
      (decide (lo ≤ expLo {EXP_PREC} {scale} {SQUARINGS} (zLo s)) && decide (zHi s < pow2 ({scale} + {SQUARINGS})) &&
        decide (expHi {EXP_PREC} {scale} {SQUARINGS} (zHi s) ≤ hi)) && encWalk ss los his
  | _, _, _ => true
"""
    k = em.n_ctx
    proofs = "".join(f"theorem enc{i} : encWalk (scoresQ.getD {i} []) (loQ.getD {i} []) (hiQ.getD {i} []) = true := by decide +kernel\n" for i in range(k))
    trivial = "".join(f"theorem enc{i} : True := trivial\n" for i in range(k))
    return text + proofs, text + trivial, k * em.d_vocab


def dots_file(rows: int = 64, cols: int = 64, length: int = 32, per_theorem: int = 8) -> tuple[str, str, int]:
    rng = random.Random(0)
    a = [[rng.randint(-(2**37), 2**37) for _ in range(length)] for _ in range(rows)]
    b = [[rng.randint(-(2**37), 2**37) for _ in range(length)] for _ in range(cols)]
    c = [[sum(x * y for x, y in zip(r, s)) for s in b] for r in a]
    text = HEADER + rows_def("A", a) + rows_def("B", b) + rows_def("C", c) + DOTS
    proofs, trivial = "", ""
    for j in range(0, rows, per_theorem):
        goal = " && ".join(f"rowOk (A.getD {r} []) B (C.getD {r} [])" for r in range(j, j + per_theorem))
        proofs += f"theorem r{j} : ({goal}) = true := by decide +kernel\n"
        trivial += f"theorem r{j} : True := trivial\n"
    return text + proofs, text + trivial, rows * cols * length


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, nargs="+", default=[0, 32], help="query tokens to measure")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks/lean_seed123.md")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    toolchain = find_toolchain(REPO_ROOT)
    olean = REPO_ROOT / "build/lean/olean"
    if not (olean / "CompactProofs/MaxOfK/ExpBounds.olean").exists():
        raise SystemExit(f"{olean} lacks the library: run `compact-proofs lean-check` first")
    em, cert, found, tops = seed123()
    cases = []
    for q in args.queries:
        cases.append((f"cell tests, query token {q}", "cell", *cells_file(em, cert, found, tops, q)))
        cases.append((f"exp enclosures, query token {q}", "enclosure", *enclosures_file(em, cert, q)))
    cases.append(("dot products of length 32 (64 x 64)", "multiply-add", *dots_file()))
    rows, per_unit = [], {}
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(olean, Path(tmp) / "olean")
        env = dict(os.environ, LEAN_PATH=str(Path(tmp) / "olean"))
        for n, (name, unit, text, baseline_text, units) in enumerate(cases):
            runs = []
            for suffix, body in (("base", baseline_text), ("check", text)):
                path = Path(tmp) / f"Case{n}{suffix.capitalize()}.lean"
                path.write_text(body, encoding="utf-8")
                runs.append(run_measured([str(toolchain.lean), "-DautoImplicit=false", path.name], Path(tmp), env, args.timeout))
            base, run = runs
            ok = base.returncode == 0 and run.returncode == 0
            kernel = run.seconds - base.seconds
            per_unit.setdefault(unit, []).append(kernel / units)
            print(f"{name}: {'ok' if ok else 'FAILS'}, {run.seconds:.1f} s ({kernel:.1f} s kernel), {run.peak_rss_kb / 1024:.0f} MB", flush=True)
            if not ok:
                print(run.output[-2000:], flush=True)
            rows.append(f"| {name} | {units} {unit}s | {base.seconds:.1f} | {run.seconds:.1f} | {kernel:.1f} | "
                        f"{kernel / units * 1e3:.3g} | {run.peak_rss_kb / 1024:.0f} | {'ok' if ok else 'fails'} |")
    mean = {u: sum(xs) / len(xs) for u, xs in per_unit.items()}
    v, k, dm, dh = em.d_vocab, em.n_ctx, em.d_model, em.d_head
    cells = len(found)
    table_macs = gc.table_flops(v, k, dm, dh)
    estimate = [
        ("cell tests", f"{cells} claimed cells", cells * mean["cell"]),
        ("exp enclosures", f"{v * k * v} scores", v * k * v * mean["enclosure"]),
        ("exact tables, unpacked dot products", f"{table_macs:,} multiply-adds", table_macs * mean["multiply-add"]),
    ]
    load = f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (1-minute load average)"
    lines = [
        "# Kernel cost of a seed-123 theorem by `gap_classes_cubic` (measured, extrapolated)",
        "",
        provenance_markdown(provenance() | {"lean": toolchain.version().splitlines()[0], "machine load": load}),
        "",
        "Generated by `scripts/bench_lean_seed123.py` (see its docstring): real seed-123 data, packed",
        "literals decoded in the kernel, `decide +kernel`, one file at a time, WebAssembly Lean.",
        "\"kernel s\" is the file's wall time minus that of the same file with the theorems replaced by `True`.",
        "",
        "| case | work | baseline s | wall s | kernel s | kernel ms per unit | peak RSS MB | ok |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Extrapolated to the whole model (one core, kernel time only)",
        "",
        "| part | work | kernel s |",
        "|---|---|---|",
        *(f"| {part} | {work} | {secs:.0f} |" for part, work, secs in estimate),
        f"| total | | {sum(s for _, _, s in estimate):.0f} |",
        "",
        "Start-up adds about 10 s per file. The cells and enclosures shard by query token (64 files,",
        "two at a time on CI's two cores). Unpacked, the exact tables are the largest part; packing a",
        "row of the table into one integer (one big multiplication per row instead of one per entry)",
        "is the planned remedy (`docs/lean_roadmap.md`).",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
