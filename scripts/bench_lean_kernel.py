#!/usr/bin/env python3
"""Benchmark where the Lean kernel's limits bind: elaboration of literals, decoding, dot products.

Usage: nice .venv/bin/python scripts/bench_lean_kernel.py [--out benchmarks/lean_kernel.md] [--timeout 240]

Generates small Lean files in a temporary folder (each imports ``CompactProofs.Core.Matrix`` from
``build/lean/olean``, so the library must have been built), checks each one alone with the
pinned WebAssembly Lean toolchain, one after the other, and writes a table of wall time, time
above the trivial-file baseline, cost per unit of work and peak RSS. Every theorem is true
(the expected values are computed here in Python); a file that Lean rejects (out of memory,
timeout, heartbeats) is recorded as "fails" with its time and memory. The cases:

1. a trivial theorem (the fixed start-up cost of a file);
2. a ``def`` with a list literal of N Ints (elaboration cost per literal number);
3. N Ints packed into one hex Nat literal (offset binary, w-bit fields, low field first):
   the literal alone, then decoded in the kernel and checked by their length and, forcing
   every value, by their sum;
4. Int dot products (``CompactProofs.dot``) of decoded rows with a decoded column;
5. the same with Nat values and a dot product written with ``List.rec`` directly;
6. two and four times as many Int dot products (where per-declaration memory runs out);
7. ``native_decide`` (compiled code, trusting the compiler) on Int dot products defined in the
   same file, and on ``CompactProofs.allBelow`` imported from the library (this toolchain
   cannot evaluate imported project definitions: recorded as "fails").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from compact_proofs.lean.bridge import RunOutput, find_toolchain, run_measured
from compact_proofs.core.provenance import REPO_ROOT, provenance, provenance_markdown

#: Bits per packed field; values are stored as ``v + 2 ** (W - 1)``.
W = 26
#: Magnitude of the random test values (|v| <= VMAX), well inside a W-bit offset field.
VMAX = 2**20
#: Length of every dot product.
DOT_LEN = 32
#: Multiply-adds of the exact v^2 d tables (QK and OV/direct) of a Max-of-4 model with
#: d_vocab 64 and d_model 32, as estimated in the design note.
MAXOF4_MACS = 700_000
SEED = 0

HEADER = """module
public import CompactProofs.Core.Matrix
namespace Bench
open CompactProofs
@[expose] public noncomputable section
"""
FOOTER = """end
end Bench
"""
UNPACK = """def unpack (w : Nat) : Nat → Nat → List Int
  | 0, _ => []
  | n + 1, x => (Int.ofNat (x % 2 ^ w) - Int.ofNat (2 ^ (w - 1))) :: unpack w n (x / 2 ^ w)
"""
UNPACK_N = """def unpackN (w : Nat) : Nat → Nat → List Nat
  | 0, _ => []
  | n + 1, x => x % 2 ^ w :: unpackN w n (x / 2 ^ w)
def dotN : List Nat → List Nat → Nat :=
  fun a => List.rec (motive := fun _ => List Nat → Nat) (fun _ => 0)
    (fun x _ ih b => List.rec (motive := fun _ => Nat) 0 (fun y ys _ => x * y + ih ys) b) a
"""
ROWS = """def rows {β : Type} (c : Nat) : Nat → List β → List (List β)
  | 0, _ => []
  | r + 1, l => l.take c :: rows c r (l.drop c)
"""


def lean_file(body: str) -> str:
    return HEADER + body + FOOTER


def pack(values: list[int], w: int = W, offset: bool = True) -> str:
    """One hex literal holding ``values`` as w-bit fields, low field first (offset binary if ``offset``)."""
    bias = 2 ** (w - 1) if offset else 0
    x = 0
    for i, v in enumerate(values):
        f = v + bias
        assert 0 <= f < 2**w, v
        x |= f << (w * i)
    return hex(x)


def int_values(rng: random.Random, n: int) -> list[int]:
    return [rng.randint(-VMAX, VMAX) for _ in range(n)]


def nat_values(rng: random.Random, n: int) -> list[int]:
    return [rng.randint(0, VMAX) for _ in range(n)]


def int_literal(values: list[int], per_line: int = 16) -> str:
    items = [f"({v})" if v < 0 else str(v) for v in values]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ",\n  ".join(lines) + "]"


# ---------------------------------------------------------------------------
# the cases


@dataclasses.dataclass
class Case:
    name: str
    units: int  # amount of work, in `unit`s (0 for the baseline)
    unit: str  # "literal number", "number", "MAC"
    text: str  # the Lean file
    work: str = ""  # the "work" column, when not derived from units and unit


def case_baseline() -> Case:
    return Case("baseline: trivial theorem", 0, "", lean_file("theorem t : 1 + 1 = 2 := by decide +kernel\n"))


def case_literal(rng: random.Random, n: int) -> Case:
    body = (
        f"set_option maxHeartbeats 0 in\ndef lst : List Int := {int_literal(int_values(rng, n))}\n"
        f"theorem t : lst.length = {n} := by decide +kernel\n"
    )
    return Case(f"list literal, {n} Ints", n, "literal number", lean_file(body))


def case_packed(rng: random.Random, n: int, check: str) -> Case:
    """``check``: "parse" (the literal in a ``def``, nothing evaluated), "length" or "sum" (forces every value)."""
    values = int_values(rng, n)
    if check == "parse":
        body = f"def big : Nat := {pack(values)}\ntheorem t : 1 + 1 = 2 := by decide +kernel\n"
        return Case(f"packed hex literal, {n} Ints, parse only", n, "number", lean_file(body), f"{n} packed Ints")
    if check == "sum":
        claim = f"((unpack {W} {n} {pack(values)}).foldl (· + ·) 0 == {sum(values)}) = true"
    else:
        claim = f"(unpack {W} {n} {pack(values)}).length = {n}"
    body = UNPACK + f"theorem t : {claim} := by decide +kernel\n"
    return Case(f"packed hex literal, {n} Ints, check {check}", n, "number", lean_file(body))


def case_dot(rng: random.Random, count: int, nat: bool = False) -> Case:
    """``count`` dot products of length DOT_LEN: Int values with ``CompactProofs.dot``, or Nat
    values with ``dotN`` (written with ``List.rec``)."""
    values = nat_values if nat else int_values
    col, mat = values(rng, DOT_LEN), values(rng, count * DOT_LEN)
    expected = sum(sum(a * b for a, b in zip(mat[r * DOT_LEN : (r + 1) * DOT_LEN], col)) for r in range(count))
    ty, unpack, dot = ("Nat", "unpackN", "dotN") if nat else ("Int", "unpack", "dot")
    body = (
        (UNPACK_N if nat else UNPACK)
        + ROWS
        + f"def col : List {ty} := {unpack} {W} {DOT_LEN} {pack(col, offset=not nat)}\n"
        + f"theorem t : ((rows {DOT_LEN} {count} ({unpack} {W} {count * DOT_LEN} {pack(mat, offset=not nat)})).foldl "
        + f"(fun s r => s + {dot} r col) 0 == {expected}) = true := by decide +kernel\n"
    )
    name = f"Nat dot (List.rec), {count} x length {DOT_LEN}" if nat else f"Int dot (CompactProofs.dot), {count} x length {DOT_LEN}"
    return Case(name, count * DOT_LEN, "MAC", lean_file(body))


NATIVE_COUNT = 100_000  # dot products of length DOT_LEN evaluated by native_decide


def case_native_local() -> Case:
    """native_decide on a loop of Int dot products, every definition in this file."""
    total = sum(n * 3 * DOT_LEN for n in range(NATIVE_COUNT))
    body = f"""def rep : Nat → Int → List Int
  | 0, _ => []
  | n + 1, x => x :: rep n x
def dotI : List Int → List Int → Int
  | a :: as, b :: bs => a * b + dotI as bs
  | _, _ => 0
def loop : Nat → Int → Int
  | 0, acc => acc
  | n + 1, acc => loop n (acc + dotI (rep {DOT_LEN} (Int.ofNat n)) (rep {DOT_LEN} 3))
theorem t : (loop {NATIVE_COUNT} 0 == {total}) = true := by native_decide
"""
    text = HEADER.replace("noncomputable section", "section") + body + FOOTER
    return Case(f"native_decide, Int dot defined in the file, {NATIVE_COUNT} x length {DOT_LEN}", NATIVE_COUNT * DOT_LEN, "compiled MAC", text)


def case_native_imported() -> Case:
    """native_decide on a definition imported from the library."""
    body = "theorem t : allBelow (fun i => decide (i < 5)) 5 = true := by native_decide\n"
    text = HEADER.replace("noncomputable section", "section") + body + FOOTER
    return Case("native_decide, CompactProofs.allBelow imported from the library", 0, "", text, "1 call")


def all_cases() -> list[Callable[[], Case]]:
    rng = random.Random(SEED)
    return [
        case_baseline,
        lambda: case_literal(rng, 256),
        lambda: case_literal(rng, 1024),
        lambda: case_packed(rng, 8192, "parse"),
        lambda: case_packed(rng, 8192, "length"),
        lambda: case_packed(rng, 8192, "sum"),
        lambda: case_dot(rng, 256),
        lambda: case_dot(rng, 256, nat=True),
        lambda: case_dot(rng, 512),
        lambda: case_dot(rng, 1024),
        case_native_local,
        case_native_imported,
    ]


# ---------------------------------------------------------------------------
# running and reporting


@dataclasses.dataclass
class Result:
    case: Case
    run: RunOutput

    @property
    def ok(self) -> bool:
        return self.run.returncode == 0 and not self.run.timed_out

    def status(self) -> str:
        if self.ok:
            return "ok"
        return "fails (timeout)" if self.run.timed_out else f"fails (exit {self.run.returncode})"

    def first_error(self) -> str:
        for line in self.run.output.splitlines():
            if "error" in line.lower() or "memory" in line.lower() or "abort" in line.lower():
                return line.strip()[:200]
        tail = self.run.output.strip().splitlines()
        return tail[-1][:200] if tail else "(no output)"


def work_label(c: Case) -> str:
    if c.work or not c.units:
        return c.work or "-"
    labels = {"MAC": "MACs", "compiled MAC": "MACs (compiled)", "literal number": "literal Ints", "number": "decoded Ints"}
    return f"{c.units} {labels[c.unit]}"


def run_case(case: Case, folder: Path, lean: Path, env: dict[str, str], timeout: float, index: int) -> Result:
    path = folder / f"Case{index}.lean"
    path.write_text(case.text, encoding="utf-8")
    run = run_measured([str(lean), "-DautoImplicit=false", path.name], folder, env, timeout)
    res = Result(case, run)
    print(
        f"{case.name}: {res.status()}, {run.seconds:.1f} s, {run.peak_rss_kb / 1024:.0f} MB, "
        f"file {len(case.text) / 1024:.0f} KiB",
        flush=True,
    )
    if not res.ok:
        print("  " + res.first_error(), flush=True)
    return res


def meaning(results: list[Result], baseline: float) -> list[str]:
    """The "What this means" paragraph, computed from the measured numbers."""
    out = []
    lits = [r for r in results if r.case.unit == "literal number" and r.ok]
    if lits:
        costs = " and ".join(f"{(r.run.seconds - baseline) / r.case.units * 1e3:.0f} ms" for r in lits)
        sizes = " and ".join(str(r.case.units) for r in lits)
        out.append(f"Elaborating list literals costs {costs} per number for {sizes} numbers (growing with the size), so")
        out[-1] += " certificate data must be packed into Nat literals and decoded in the kernel."
    dots = [r for r in results if r.case.unit == "MAC"]
    ok_int = sorted((r for r in dots if r.ok and r.case.name.startswith("Int")), key=lambda r: r.case.units)
    ok_nat = [r for r in dots if r.ok and r.case.name.startswith("Nat")]
    if not ok_int:
        return out + ["No Int dot-product case passed, so no per-multiply-add cost could be measured."]
    ref = ok_int[0]
    per_mac = (ref.run.seconds - baseline) / ref.case.units
    decode = [r for r in results if r.ok and r.case.name.endswith("check sum")]
    text = (
        f"The smallest Int dot-product case ({ref.case.units} multiply-adds) costs {per_mac * 1e3:.2f} ms per multiply-add "
        f"above the {baseline:.1f} s start-up"
    )
    if decode:
        d = decode[0].run.seconds - baseline
        text += (
            f", decoding of the packed inputs included (decoding {decode[0].case.units} Ints alone: {d:.1f} s, "
            f"so the multiply-adds themselves cost about {(ref.run.seconds - baseline - d) / ref.case.units * 1e3:.2f} ms each, "
            "a difference of two noisy times)"
        )
    text += (
        f". At that rate the exact v^2 d tables of a Max-of-4 model (d_vocab 64, d_model 32; about "
        f"{MAXOF4_MACS:,} multiply-adds for the QK and OV/direct tables) take "
        f"{MAXOF4_MACS * per_mac / 3600:.2f} h of kernel time"
    )
    if ok_nat:
        nat = min(ok_nat, key=lambda r: r.case.units)
        per_nat = (nat.run.seconds - baseline) / nat.case.units
        text += f" ({MAXOF4_MACS * per_nat / 3600:.2f} h with Nat values and `List.rec`, {per_nat * 1e3:.2f} ms per multiply-add)"
    out.append(text + ", if a single declaration could hold them.")
    growth = ", ".join(
        f"{r.case.units} multiply-adds: {(r.run.seconds - baseline) / r.case.units * 1e3:.2f} ms each, "
        f"{r.run.peak_rss_kb / 1024**2:.1f} GB" for r in ok_int
    )
    text = f"It cannot: time per multiply-add and memory grow with the size of one declaration ({growth} peak RSS"
    failed = [r for r in dots if not r.ok]
    if failed:
        f = min(failed, key=lambda r: r.case.units)
        text += f"; {f.case.units} multiply-adds {f.status()} after {f.run.seconds:.0f} s at {f.run.peak_rss_kb / 1024**2:.1f} GB"
    text += f"; the trivial file: {results[0].run.peak_rss_kb / 1024**2:.1f} GB)."
    plans = [(math.ceil(MAXOF4_MACS / r.case.units), r) for r in ok_int]
    best_n, best = min(plans, key=lambda p: p[0] * p[1].run.seconds)
    text += (
        " So a certificate must be sharded into theorems of at most a few thousand multiply-adds, one module each: "
        + "; ".join(f"shards of {r.case.units} give {n} files, {n * r.run.seconds / 3600:.2f} h" for n, r in plans)
        + f" on one core (measured wall time per file, start-up included). Shards of {best.case.units} are the cheapest of these;"
        f" the start-up cost ({baseline:.1f} s per file) is then {baseline / best.run.seconds:.0%} of the total."
    )
    out.append(text)
    native = [r for r in results if r.case.unit == "compiled MAC"]
    if native and native[0].ok:
        r = native[0]
        per = (r.run.seconds - baseline) / r.case.units
        text = (
            f"`native_decide` evaluates compiled code instead: {r.case.units:,} multiply-adds defined in the same file take "
            f"{r.run.seconds - baseline:.1f} s above the start-up ({per * 1e6:.2f} us each, {per_mac / per:,.0f}x the kernel's rate), "
            "at the price of trusting the compiler (`Lean.ofReduceBool`)"
        )
        imported = [x for x in results if x.case.name.startswith("native_decide, CompactProofs")]
        if imported and not imported[0].ok:
            text += f"; but on a definition imported from the library it {imported[0].status()}: {imported[0].first_error()}"
        out.append(text + ".")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks/lean_kernel.md")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per Lean file")
    args = parser.parse_args()
    toolchain = find_toolchain(REPO_ROOT)
    olean = REPO_ROOT / "build/lean/olean"
    if not (olean / "CompactProofs/Matrix.olean").exists():
        raise SystemExit(f"{olean}/CompactProofs/Matrix.olean missing: build the library first (python -m compact_proofs.lean.bridge check)")
    results: list[Result] = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        # a private copy of the library's oleans: a concurrent rebuild of build/ must not break a case
        shutil.copytree(olean, Path(tmp) / "olean")
        env = dict(os.environ, LEAN_PATH=str(Path(tmp) / "olean"))
        for i, make in enumerate(all_cases()):
            results.append(run_case(make(), Path(tmp), toolchain.lean, env, args.timeout, i))
    base = results[0]
    if not base.ok:
        raise SystemExit("the trivial baseline file failed:\n" + base.run.output)
    baseline = base.run.seconds
    rows = []
    for r in results:
        above = r.run.seconds - baseline
        per_unit = f"{above / r.case.units * 1e3:.3g} per {r.case.unit}" if r.case.units and r.ok else "-"
        rows.append(
            f"| {r.case.name} | {work_label(r.case)} | {r.run.seconds:.1f} | {above if r.case.units else 0:.1f} | "
            f"{per_unit} | {r.run.peak_rss_kb / 1024:.0f} | {r.status()} |"
        )
    failures = [f"- {r.case.name}: {r.first_error()}" for r in results if not r.ok]
    load = f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (1-minute load average)"
    lines = [
        "# Where the Lean kernel's limits bind",
        "",
        provenance_markdown(provenance() | {"lean": toolchain.version().splitlines()[0], "machine load": load}),
        "",
        "Generated by `scripts/bench_lean_kernel.py`: each case is one generated Lean file importing",
        "`CompactProofs.Core.Matrix`, checked alone (WebAssembly Lean under Node, 2 GiB wasm heap), one at a",
        f"time, with a {args.timeout:.0f} s limit. Checks use `decide +kernel`. Packed inputs are one hex Nat",
        f"literal of {W}-bit offset-binary fields, values |v| <= 2^{VMAX.bit_length() - 1}. \"above baseline\" subtracts",
        "the trivial file's wall time; \"per unit\" divides that by the work. Wall times are noisy when",
        "other jobs share the machine.",
        "",
        "| case | work | wall s | above baseline s | per unit ms | peak RSS MB | ok/fails |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    if failures:
        lines += ["Failures (first error line of Lean's output):", "", *failures, ""]
    lines += ["## What this means", "", " ".join(meaning(results, baseline)), ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    print(json.dumps({r.case.name: [round(r.run.seconds, 1), r.run.peak_rss_kb // 1024, r.ok] for r in results}))


if __name__ == "__main__":
    main()
