"""The packed matrix-product checker ``CompactProofs.productOk`` (``lean/CompactProofs/Core/Packed.lean``),
run by the Lean kernel: an honest product is accepted; a changed entry, and a change that keeps
the packed equation true by carrying between neighbouring entries, are rejected."""

from __future__ import annotations

import random

import pytest

from .test_lean_bridge import copy_tree, needs_toolchain, run_check, shared_build, status  # noqa: F401

MODULE = "CompactProofs.Generated.TinyPacked"


def product(a: list[list[int]], m: list[list[int]]) -> list[list[int]]:
    return [[sum(x * row[d] for x, row in zip(r, m)) for d in range(len(m[0]))] for r in a]


def module_text(a, m, c, base: int, bound_a: int, bound_m: int, module: str = MODULE) -> str:
    lit = lambda rows: "[" + ", ".join("[" + ", ".join(f"({x} : Int)" for x in r) + "]" for r in rows) + "]"  # noqa: E731
    n = len(m[0])
    return f"""module

public import CompactProofs.Core.Packed

namespace {module}

open CompactProofs

@[expose] public noncomputable section

def A : List (List Int) := {lit(a)}
def M : List (List Int) := {lit(m)}
def C : List (List Int) := {lit(c)}

theorem product_ok : productOk {base} {n} {bound_a} {bound_m} A M C = true := by
  decide +kernel

theorem entry_ok : entry C 1 2 = sumTo M.length fun k => entry A 1 k * entry M k 2 :=
  productOk_sound product_ok (by decide) (by decide)

end

end {module}
"""


@pytest.mark.lean
@needs_toolchain
def test_lean_checks_packed_products_and_rejects_tampering(tmp_path, shared_build):  # noqa: F811
    rng = random.Random(5)
    bound = 50
    a = [[rng.randint(-bound, bound) for _ in range(4)] for _ in range(3)]
    m = [[rng.randint(-bound, bound) for _ in range(5)] for _ in range(4)]
    c = product(a, m)
    base = 2 ** 16  # > 2 * 4 * 50 * 50: every entry of the product fits
    changed = [list(r) for r in c]
    changed[1][2] += 1
    carried = [list(r) for r in c]  # same pack: +base at entry 0, -1 at entry 1
    carried[0][0] += base
    carried[0][1] -= 1
    cases = {"honest": (c, True), "one entry changed": (changed, False), "a carry between entries": (carried, False)}
    root = copy_tree(tmp_path)  # every case a module of its own, all in one check
    modules = {name: f"{MODULE}{i}" for i, name in enumerate(cases)}
    for name, (rows, _) in cases.items():
        root.joinpath(*modules[name].split(".")).with_suffix(".lean").write_text(
            module_text(a, m, rows, base, bound, bound, modules[name]), encoding="utf-8"
        )
    res = run_check(root, shared_build, axiom_audit=False, targets=list(modules.values()), keep_going=True)
    for name, (_, accepted) in cases.items():
        assert status(res, modules[name]) == ("built" if accepted else "failed"), name
