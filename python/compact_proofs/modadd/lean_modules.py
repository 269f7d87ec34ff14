"""Lean modules proving the accuracy of a modular-addition model, in kernel-sized shards.

The certificate of ``lean_certificate`` is checked by ``CompactProofs.ModAdd.Accuracy``
(``accuracy_ge_of_witness``); the kernel evaluates its Boolean parts with ``decide +kernel``, one theorem
each, spread over modules that ``lean check`` builds two at a time:

* ``<Root>/Model.lean``: the exact weights, the subject of the final theorem;
* ``<Root>/Witness.lean``: the packed-product witness (``TableWitness``) and the tables the
  checker reads (``Tabs``);
* ``<Root>/Pre0.lean``, ``<Root>/Pre1.lean``: the certificate's pre-activation packs of each
  operand position (``p0``, ``p1``, about 2 MB of literals each);
* ``<Root>/Certificate.lean``: the rest of the certificate (``Cert``); the data modules
  elaborate in parallel, and no generated file exceeds a few MB;
* ``<Root>/Tables<i>.lean``: the packed products (``tablesOk``), a block of parts each;
* ``<Root>/Global<i>.lean``: the once-only checks (``globalOk``);
* ``<Root>/Rows<i>.lean``: the per-operand counts (``rowOk``), a block of operands each;
* ``<Root>.lean``: combines them into the accuracy theorem.

Every integer table row is one ``Nat`` literal decoded by ``unpack``; the big packs (``p0``,
``p1``, ``la``, ``lb``) are literals of their own. Nothing in the data is trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..lean.render import generated_module, theorem_tag, unpack_literal
from .lean_certificate import LeanCertificate
from .tables import IntModel, IntTables

#: Operands per ``Rows<i>`` module (one theorem, about 12 s of kernel time, each). Kernel memory
#: is given back between a module's declarations, so fuller modules pay the start-up (process,
#: imports: about 10 s) fewer times at the same peak.
ROWS_PER_MODULE = 16
#: Table parts per ``Tables<i>`` module.
TABLE_PARTS_PER_MODULE = 13
#: Neurons per group of ``globalOk`` (one part each, after three others): a group reads about
#: 4 p entries per neuron, and a part of 32 neurons of the p = 59 model peaks at 3.1 GB of the
#: WebAssembly kernel's 3.4.
NEURONS_PER_GROUP = 22
#: Neuron groups per ``Global<i>`` module.
GROUPS_PER_MODULE = 8
#: Rows of the left factor per ``tablesOk`` part (``TableWitness.block``).
BLOCK = 48

_FIELD_BINDERS = (
    "{α : Type} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]\n"
    "    [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α]"
)


@dataclass(frozen=True)
class TableWitness:
    """The packing base and entry bound of ``CompactProofs.ModAdd.TableWitness`` (its tables are
    those of ``IntTables``)."""

    base: int
    bound: int


def table_witness(im: IntModel, tab: IntTables) -> TableWitness:
    """The common entry bound of every factor and an odd base ``B = 2^b + 1`` with
    ``2 k bound² < B`` (``k`` the longest contraction): odd, since the kernel's caches hash a
    literal by its low 64 bits and the multiples of ``2^b`` would all collide there."""
    mats, p = im.mats, im.p
    resid = [[x + y for x, y in zip(mats["wE"][t], mats["wPos"][j])] for j in range(2) for t in range(p)]
    eq = [x + y for x, y in zip(mats["wE"][p], mats["wPos"][2])]
    lin = [x + y for x, y in zip(eq, mats["bOut"][0])]
    factors = [row for m in mats.values() for row in m] + resid + [eq, lin]
    factors += [row for t in tab.value + tab.ov for row in t]
    bound = max(abs(x) for row in factors for x in row)
    longest = max(im.d_model, im.d_heads)
    return TableWitness((1 << (2 * longest * bound * bound).bit_length() + 1) + 1, bound)


def _row(xs: Sequence[int]) -> str:
    return unpack_literal(xs)


def _rows(rows: Sequence[Sequence[int]], indent: str) -> str:
    return "[" + f",\n{indent} ".join(_row(r) for r in rows) + "]"


def _pair(tables: Sequence[Sequence[Sequence[int]]]) -> str:
    """The two operand positions' tables [j][t][.], transposed to [j][.][t]."""
    return "[" + ",\n     ".join(_rows([list(col) for col in zip(*t)], "     ") for t in tables) + "]"


def _bigs(xs: Sequence[int], indent: str) -> str:
    """Integers as one list literal (hexadecimal), one per line."""
    return "[" + f",\n{indent} ".join(f"-0x{-x:x}" if x < 0 else f"0x{x:x}" for x in xs) + "]"


def _chain(name: str, pred: str, facts: list[str]) -> str:
    steps = [f"  have h0 : allBelow {pred} 0 = true := rfl"]
    steps += [f"  have h{n + 1} : allBelow {pred} {n + 1} = true := allBelow_succ h{n} {f}" for n, f in enumerate(facts)]
    return f"theorem {name} : allBelow {pred} {len(facts)} = true := by\n" + "\n".join(steps) + f"\n  exact h{len(facts)}\n"


def n_table_parts(im: IntModel) -> int:
    """``nParts`` of ``CompactProofs.ModAdd.PackedTables``: 3, two per row block of d_heads,
    d_model and d_mlp, one per row block of d_mlp."""
    blocks = [math.ceil(n / BLOCK) for n in (im.d_heads, im.d_model, im.d_mlp)]
    return 3 + 2 * sum(blocks) + blocks[2]


def render_modules(
    im: IntModel,
    tab: IntTables,
    cert: LeanCertificate,
    *,
    root: str,
    model_name: str,
    theorem_name: str,
    command: str,
    source: str,
    model_sha256: str,
) -> dict[str, str]:
    """Module texts by module name (see the module docstring), rooted at module ``root``."""
    p, tw = im.p, table_witness(im, tab)
    common = {"command": command, "source": source, "generator": "compact_proofs.modadd.lean_modules"}
    model_mod, witness_mod, cert_mod = (f"{root}.{x}" for x in ("Model", "Witness", "Certificate"))
    pre_mods = [f"{root}.Pre{j}" for j in range(2)]
    opens_model = f" CompactProofs.ModAdd {model_mod}"
    opens_witness = opens_model + f" {witness_mod}"
    opens_cert = opens_model + f" {cert_mod}"
    opens_data = opens_model + f" {witness_mod} {cert_mod}"
    texts: dict[str, str] = {}

    mats = "\n".join(f"  {name} :=\n    {_rows(im.mats[name], '    ')}" for name in ("wE", "wPos", "wVT", "wOT", "wInT", "bIn", "wOut", "bOut", "wU"))
    texts[model_mod] = generated_module(
        ["CompactProofs.ModAdd.Semantics"], f"The exact weights of `{model_name}`",
        f"\np = {p}, d_model = {im.d_model}, heads side by side = {im.d_heads}, d_mlp = {im.d_mlp}. Every\n"
        f"float32 weight is `mantissa / 2^{im.shift}`; a row of mantissas is one literal decoded by `unpack`.",
        model_mod,
        f"""/-- The exact weights. -/
def {model_name} : ModAdd.Model where
  p := {p}
  dModel := {im.d_model}
  dHeads := {im.d_heads}
  dMlp := {im.d_mlp}
  shift := {im.shift}
{mats}
""", common, opens=opens_model.replace(f" {model_mod}", ""))

    b = cert.bounds
    texts[witness_mod] = generated_module(
        [model_mod, "CompactProofs.ModAdd.Accuracy"], f"Table witness for `{model_name}`",
        "\nThe intermediate tables of the forward pass, for the packed-product check (`tablesOk`);\n"
        "found by Python, re-verified by the kernel in the modules that import this one.",
        witness_mod,
        f"""/-- The tables of the forward pass, for the packed-product check. -/
def tables : ModAdd.TableWitness where
  base := {tw.base}
  bound := {tw.bound}
  valueT :=
    {_pair(tab.value)}
  ovT :=
    {_pair(tab.ov)}
  preT :=
    {_pair(tab.pre)}
  ovuT :=
    {_pair(tab.ovu)}
  preC :=
    {_rows([[x] for x in tab.pre_c], '    ')}
  linC := [{_row(tab.lin_c)}]
  mT :=
    {_rows(tab.m_t, '    ')}
  block := {BLOCK}

/-- The tables the checker reads. -/
def tabs : ModAdd.Tabs := ModAdd.Tabs.ofWitness tables
""", common, opens=opens_model)

    for j, (pre_mod, packs) in enumerate(zip(pre_mods, (cert.p0, cert.p1))):
        texts[pre_mod] = generated_module(
            [], f"Pre-activation packs of operand position {j} for `{model_name}`",
            f"\nThe certificate's `p{j}` (`Cert`): per neuron, the offset-binary pack over the operand of its\n"
            f"pre-activation table at position {j}; re-verified by the kernel (`globalOk`), nothing here is trusted.",
            pre_mod,
            f"""/-- Per neuron, the pack over the operand of its pre-activations at position {j}. -/
def pre{j}Packs : List Int :=
  {_bigs(packs, '  ')}
""", common)

    texts[cert_mod] = generated_module(
        [model_mod, *pre_mods, "CompactProofs.ModAdd.Checker"], f"Certificate for the accuracy of `{model_name}`",
        "\nFound by Python (frequencies "
        + ", ".join(str(k) for k in cert.freqs)
        + f", basis at {cert.prec} bits), re-verified by the kernel in the modules that import\nthis one; nothing here is trusted.",
        cert_mod,
        f"""/-- The certificate. -/
def cert : ModAdd.Cert where
  w := {cert.w}
  wL := {cert.wL}
  t := {cert.t}
  k := {cert.k}
  bP := {b["bP"]}
  bS := {b["bS"]}
  bC := {b["bC"]}
  bB := {b["bB"]}
  bM := {b["bM"]}
  bLin := {b["bLin"]}
  pc := {_row(cert.pc)}
  p0 := pre0Packs
  p1 := pre1Packs
  colsT :=
    {_rows(cert.colsT, '    ')}
  lo := {_row(cert.lo)}
  resid :=
    {_rows(cert.resid, '    ')}
  basis :=
    {_rows(cert.basis, '    ')}
  la :=
    {_bigs(cert.la, '    ')}
  lb :=
    {_bigs(cert.lb, '    ')}
  counts := [{", ".join(str(x) for x in cert.counts)}]
""", common, opens=opens_model + " " + " ".join(pre_mods))

    def decide_modules(kind: str, blocks: list[list[int]], imports: list[str], title: str, body: str,
                       theorem: str, prop: str, opens: str) -> list[str]:
        """One module per block, one ``decide +kernel`` theorem ``theorem.format(i)`` per index."""
        names = []
        for n, block in enumerate(blocks):
            mod = f"{root}.{kind}{n}"
            names.append(mod)
            texts[mod] = generated_module(
                imports, title.format(first=block[0], last=block[-1]), body, mod,
                "\n".join(f"theorem {theorem.format(i)} : {prop.format(i)} = true := by\n  decide +kernel\n" for i in block),
                common, opens=opens)
        return names

    def blocks(start: int, stop: int, size: int) -> list[list[int]]:
        return [list(range(i, min(stop, i + size))) for i in range(start, stop, size)]

    n_parts = n_table_parts(im)
    table_mods = decide_modules(
        "Tables", blocks(0, n_parts, TABLE_PARTS_PER_MODULE), [witness_mod], f"Table parts {{first}}-{{last}} of `{model_name}`",
        "\nPacked products of the forward-pass tables (`tablesOk`).",
        "table_{}", f"ModAdd.tablesOk {model_name} tables {{}}", opens_witness)
    g_parts = 3 + math.ceil(im.d_mlp / NEURONS_PER_GROUP)
    global_mods = decide_modules(
        "Global", [[0], [1], [2]] + blocks(3, g_parts, GROUPS_PER_MODULE), [witness_mod, cert_mod],
        f"Once-only checks {{first}}-{{last}} of `{model_name}`",
        "\nPart 0: sizes and bounds; 1, 2: the packs `la`, `lb` of the direct path; 3 + i: per neuron\n"
        "`n ≡ i`, the packs `p0`, `p1` and the residual identity with its interval (`globalOk`).",
        "global_{}", f"globalOk {model_name} tabs cert {g_parts} {{}}", opens_data)
    row_mods = decide_modules(
        "Rows", blocks(0, p, ROWS_PER_MODULE), [cert_mod], f"Operands {{first}}-{{last}} of `{model_name}`",
        "\nThe certified inputs of each operand `a` (`rowOk`).", "row_{}", f"rowOk {model_name} cert {{}}", opens_cert)

    total = cert.certified
    tag = theorem_tag(f"{root}.{theorem_name}", model_sha256, "output_fourier_hoelder", total, f"{root}.Model.{model_name}")
    body = (
        _chain("tables_ok", f"(ModAdd.tablesOk {model_name} tables)", [f"table_{k}" for k in range(n_parts)]) + "\n"
        + _chain("global_ok", f"(globalOk {model_name} tabs cert {g_parts})", [f"global_{i}" for i in range(g_parts)]) + "\n"
        + _chain("rows_ok", f"(rowOk {model_name} cert)", [f"row_{a}" for a in range(p)])
        + f"""
theorem counts_sum : (sumTo {p} fun a => cert.counts.getD a 0) = {total} := by
  decide +kernel

/-- At least {total} of the {p * p} inputs `(a, b)` are answered correctly: the logit of
`(a + b) mod {p}` is strictly the largest. -/
theorem {theorem_name} {_FIELD_BINDERS} :
    {total} ≤ CompactProofs.ModAdd.accuracy (α := α) {model_mod}.{model_name} := by
  have h := accuracy_ge_of_witness (α := α) (parts := {g_parts}) (by decide)
    (fun i hi => allBelow_sound global_ok i hi)
    (fun k hk => allBelow_sound tables_ok k (by rw [show ModAdd.nParts {model_name} tables = {n_parts} from rfl] at hk; exact hk))
    rows_ok
  rw [show {model_name}.p = {p} from rfl, counts_sum] at h
  exact h

-- Not vacuous: core Lean's rationals are an ordered field, and over them (fixed attention,
-- dyadic weights, no `exp`, no square root) the forward pass is the exact real-number one.
example : {total} ≤ CompactProofs.ModAdd.accuracy (α := Rat) {model_mod}.{model_name} :=
  {theorem_name} (α := Rat)
"""
    )
    imports = table_mods + global_mods + row_mods
    texts[root] = generated_module(
        imports, f"Accuracy of `{model_name}` (modular addition)",
        f"""
Proved here (`{theorem_name}`): at least {total} of the {p * p} inputs are classified correctly by
the exact real-number forward pass of `{model_name}` (`{model_mod}`), over every ordered
field, by the output-Fourier certificate with Hölder's bound (`CompactProofs.ModAdd.Checker`).
The check is split into {n_parts + g_parts + p} kernel evaluations in {len(imports)} modules.
Not proved: anything about the float32 deployment of the model (rounded arithmetic).""",
        root, body, common, opens=opens_data + " " + " ".join(imports), tag=tag)
    return texts
