"""Lean modules proving a ``gap_classes_cubic`` bound for a full-size Max-of-K model, in shards.

The kernel cannot check the cubic gap-classes certificate of a d_vocab-64 model in one
declaration (its caches live as long as a declaration and the WebAssembly heap is 2 GiB), so
the check is split into the Boolean parts of ``CompactProofs.MaxOfK.GapCubicShards``, one
``decide +kernel`` theorem each, spread over modules that ``lean check`` builds two at a time:

* ``<Root>/Model.lean``: the exact weights, the subject of the final theorem;
* ``<Root>/Data.lean``: the certificate (tables, ``exp`` enclosures), the packed-product
  witness (``TableWitness``), the top-2 witness (``Tops``), the block bounds (``Blocks``) and
  the gaps;
* ``<Root>/Base.lean``: shapes, the query and direct products, ``1/sqrt`` bounds, the count;
* ``<Root>/Tables<i>.lean``: the three packed-product parts, the witness rows and the block
  bounds of position i;
* ``<Root>/Queries<j>.lean``: enclosures and cells of a block of query tokens;
* ``<Root>.lean``: combines the parts with ``shards_sound`` into the accuracy theorem.

Every table row is one ``Nat`` literal (``unpack``/``unpackNat`` of ``CompactProofs.Core.Matrix``),
which keeps elaboration cheap. Python computes all witnesses with exact integers; the kernel
re-verifies every one of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..lean.render import generated_module, theorem_tag, unpack_literal, unpack_nat_literal
from .lean_export import AccuracyCertificate, ExactModel, Tops, certificate_tables
from .checks import gap_classes as gap_classes_check
from .strategies import gap_classes

#: Query tokens per ``Queries<j>`` module (each token: two kernel evaluations). The kernel gives its
#: memory back between declarations (seed 123: 2.30 GB peak with 4, 8 or 16 tokens a module), so
#: fuller modules pay the start-up (process and imports, about 10 s) fewer times.
QUERIES_PER_MODULE = 16


def _rows(rows: Sequence[Sequence[int]], indent: str, nat: bool = False) -> str:
    lit = unpack_nat_literal if nat else unpack_literal
    return "[" + f",\n{indent} ".join(lit(r) for r in rows) + "]"


def _rows3(table: Sequence[Sequence[Sequence[int]]], indent: str) -> str:
    return "[" + f",\n{indent} ".join(_rows(block, indent + " ") for block in table) + "]"


def _transpose(rows: Sequence[Sequence[int]]) -> list[list[int]]:
    return [list(col) for col in zip(*rows)]


@dataclass(frozen=True)
class TableWitness:
    """``CompactProofs.MaxOfK.TableWitness``: the intermediate products, for packed checks."""

    base: int
    bound: int
    query: list[list[int]]  # [q][d]
    key_t: list[list[list[int]]]  # [i][d][t]
    value: list[list[list[int]]]  # [i][t][d]
    value_t: list[list[list[int]]]  # [i][d][t]
    ov_t: list[list[list[int]]]  # [i][c][t]
    ovu_t: list[list[list[int]]]  # [i][y][t]


def table_witness(em: ExactModel) -> TableWitness:
    """Exact intermediate tables, the common entry bound of every factor, and a packing base
    ``B = 2^b + 1`` with ``2 · k · bound² < B`` for the longest contraction ``k``. Time O(v K d²)."""
    tab = em.tables
    wpos = em.matrices["wPos"]
    residual = [[e + p for e, p in zip(row, wpos[i])] for i in range(em.n_ctx) for row in em.matrices["wE"]]
    factors = [row for m in em.matrices.values() for row in m] + residual + list(tab.query)
    factors += [row for t in tab.key + tab.value + tab.ov for row in t]
    bound = max(abs(x) for row in factors for x in row)
    longest = max(em.d_model, em.d_head)
    # odd: the kernel's caches hash a literal by its low 64 bits, and the multiples of a base
    # 2^b would all collide there
    base = (1 << (2 * longest * bound * bound).bit_length() + 1) + 1
    return TableWitness(
        base=base,
        bound=bound,
        query=[list(r) for r in tab.query],
        key_t=[_transpose(t) for t in tab.key],
        value=[[list(r) for r in t] for t in tab.value],
        value_t=[_transpose(t) for t in tab.value],
        ov_t=[_transpose(t) for t in tab.ov],
        ovu_t=[_transpose(t) for t in tab.ovu],
    )


#: Tokens per block of ``CompactProofs.MaxOfK.Blocks`` (``benchmarks/cell_blocks.md``: the fewest
#: terms on seed 123).
BLOCK_SIZE = 8


@dataclass(frozen=True)
class CellBlocks:
    """``CompactProofs.MaxOfK.Blocks``: per block of ``size`` tokens, the least ``exp`` lower
    enclosure and the largest upper one of each query token and position, and the least
    OV-unembed part ``ovu[i][t][mx] - rowBound(top-2 of row (i, t), mx)`` of each position and
    maximum, so that one ``pick`` term bounds the terms of a whole block."""

    size: int
    lo: list[list[list[int]]]  # [q][i][b]
    hi: list[list[list[int]]]  # [q][i][b]
    off: list[list[list[int]]]  # [i][mx][b]


def cell_blocks(cert: AccuracyCertificate, tops: Tops, size: int = BLOCK_SIZE) -> CellBlocks:
    """The block bounds of ``CellBlocks``, exact. Time O(v^2 K)."""
    v, k = len(cert.exp_lo), len(cert.exp_lo[0])
    starts = range(0, v, size)

    def blocks(row: Sequence[int], reduce) -> list[int]:
        return [reduce(row[b:b + size]) for b in starts]

    def off(i: int, mx: int, t: int) -> int:
        bound = tops.ovu_top2[i][t] if mx == tops.ovu_arg[i][t] else tops.ovu_top1[i][t]
        return cert.ovu[i][t][mx] - bound

    return CellBlocks(
        size=size,
        lo=[[blocks(cert.exp_lo[q][i], min) for i in range(k)] for q in range(v)],
        hi=[[blocks(cert.exp_hi[q][i], max) for i in range(k)] for q in range(v)],
        off=[[blocks([off(i, mx, t) for t in range(v)], min) for mx in range(v)] for i in range(k)],
    )


@dataclass(frozen=True)
class ShardedProof:
    """Everything a sharded theorem needs, found (not trusted) by Python."""

    em: ExactModel
    cert: AccuracyCertificate
    witness: TableWitness
    tops: Tops
    blocks: CellBlocks
    gaps: list[list[int]]  # [q][mx], 0 = no claim
    bound: int


def sharded_proof(em: ExactModel) -> ShardedProof:
    """The ``gap_classes_cubic`` proof of ``em`` with the strategy's enclosure parameters, so the
    bound equals the strategy's. Time: that of the strategy plus O(v K d²) for the witness."""
    squarings = gap_classes.GapTables.from_exact(em).squarings
    cert = certificate_tables(em, exp_prec=gap_classes_check.EXP_PREC, squarings=squarings, sqrt_prec=gap_classes_check.SQRT_PREC)
    if cert is None:
        raise AssertionError("internal error: the strategy's squarings do not cover the scores")
    found = gap_classes.gaps(gap_classes.GapTables.from_lean_certificate(em, cert), cubic=True)
    bound = sum(gap_classes.cell_count(em.n_ctx, q, m, g) for (q, m), g in found.items())
    cert = dataclasses.replace(cert, bound=bound)
    tops = gap_classes.lean_tops(cert)
    return ShardedProof(em, cert, table_witness(em), tops, cell_blocks(cert, tops),
                        gap_classes.gap_matrix(found, em.d_vocab), bound)


_FIELD_BINDERS = (
    "{α : Type} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]\n"
    "    [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α] (F : CompactProofs.MaxOfK.ExpSqrt α)"
)


def render_sharded(
    proof: ShardedProof,
    *,
    root: str,
    model_name: str,
    theorem_name: str,
    command: str,
    source: str,
    model_sha256: str,
    queries_per_module: int = QUERIES_PER_MODULE,
) -> dict[str, str]:
    """Module texts by module name (see the module docstring), rooted at module ``root``."""
    em, cert, tw, tops = proof.em, proof.cert, proof.witness, proof.tops
    v, k = em.d_vocab, em.n_ctx
    common = {"command": command, "source": source, "generator": "compact_proofs.maxofk.lean_shards"}
    model_mod, data_mod, base_mod = f"{root}.Model", f"{root}.Data", f"{root}.Base"
    opens_model = f" CompactProofs.MaxOfK {model_mod}"
    opens_data = f"{opens_model} {data_mod}"
    texts: dict[str, str] = {}

    mats = "\n".join(f"  {name} :=\n    {_rows(em.matrices[name], '    ')}" for name in ("wE", "wPos", "wQ", "wK", "wV", "wO", "wU"))
    texts[model_mod] = generated_module(
        ["CompactProofs.MaxOfK.Semantics"], f"The exact weights of `{model_name}`",
        f"\nd_vocab = {v}, K = {k}, d_model = {em.d_model}, d_head = {em.d_head}. Every float32 weight is\n"
        f"`mantissa / 2^{em.shift}`; a row of mantissas is one literal decoded by `unpack`.",
        model_mod,
        f"""/-- The exact weights. -/
def {model_name} : Model where
  dVocab := {v}
  nCtx := {k}
  dModel := {em.d_model}
  dHead := {em.d_head}
  shift := {em.shift}
{mats}
""", common, opens=" CompactProofs.MaxOfK")

    ind = "    "
    gaps_nat = _rows(proof.gaps, ind, nat=True)
    texts[data_mod] = generated_module(
        [model_mod, "CompactProofs.MaxOfK.GapCubicShards"], f"Witnesses for the accuracy of `{model_name}`",
        "\nFound by Python, re-verified by the kernel in the modules that import this one; nothing here\nis trusted.",
        data_mod,
        f"""/-- Tables of the forward pass and `2^{cert.exp_prec} exp` enclosures of every score. -/
def certificate : Certificate where
  bound := {proof.bound}
  expPrec := {cert.exp_prec}
  squarings := {cert.squarings}
  sqrtPrec := {cert.sqrt_prec}
  invSqrtLo := {cert.inv_sqrt_lo}
  invSqrtHi := {cert.inv_sqrt_hi}
  scores :=
    {_rows3(cert.scores, ind)}
  ov :=
    {_rows3(cert.ov, ind)}
  ovu :=
    {_rows3(cert.ovu, ind)}
  direct :=
    {_rows(cert.direct, ind)}
  expLo :=
    {_rows3(cert.exp_lo, ind)}
  expHi :=
    {_rows3(cert.exp_hi, ind)}

/-- Intermediate products, checked one packed row at a time. -/
def tables : TableWitness where
  base := {tw.base}
  bound := {tw.bound}
  query :=
    {_rows(tw.query, ind)}
  keyT :=
    {_rows3(tw.key_t, ind)}
  value :=
    {_rows3(tw.value, ind)}
  valueT :=
    {_rows3(tw.value_t, ind)}
  ovT :=
    {_rows3(tw.ov_t, ind)}
  ovuT :=
    {_rows3(tw.ovu_t, ind)}

/-- The two largest entries of every row of the OV-unembed and direct tables. -/
def tops : Tops where
  ovuArg := {_rows(tops.ovu_arg, ind, nat=True)}
  ovuTop1 := {_rows(tops.ovu_top1, ind)}
  ovuTop2 := {_rows(tops.ovu_top2, ind)}
  directArg := {unpack_nat_literal(tops.direct_arg)}
  directTop1 := {unpack_literal(tops.direct_top1)}
  directTop2 := {unpack_literal(tops.direct_top2)}

/-- One `pick` term per block of {proof.blocks.size} tokens (`blockCellOk`). -/
def blocks : Blocks where
  size := {proof.blocks.size}
  lo :=
    {_rows3(proof.blocks.lo, ind)}
  hi :=
    {_rows3(proof.blocks.hi, ind)}
  off :=
    {_rows3(proof.blocks.off, ind)}

/-- The gap of every cell `(q, mx)` (`0`: no claim) and the claimed count. -/
def gapCertificate : GapCertificate where
  bound := {proof.bound}
  gaps := {gaps_nat}
""", common, opens=opens_model)

    texts[base_mod] = generated_module(
        [data_mod], f"Base checks for `{model_name}`",
        "\nShapes and the query and direct products (`tablesBaseOk`), the `1 / sqrt d_head` bounds and\n"
        "the closed-form count of the claimed cells.",
        base_mod,
        f"""theorem base_ok : tablesBaseOk {model_name} certificate tables = true := by
  decide +kernel

theorem sqrt_ok : sqrtOk {model_name} certificate = true := by
  decide +kernel

theorem count_ok : gapCertificate.bound ≤ gapCount {model_name} gapCertificate := by
  decide +kernel
""", common, opens=opens_data)

    table_mods = [f"{root}.Tables{i}" for i in range(k)]
    for i, mod in enumerate(table_mods):
        parts = "\n".join(
            f"theorem part_{i}_{p} : tablesPartOk {model_name} certificate tables {i} {p} = true := by\n  decide +kernel\n"
            for p in range(3)
        )
        texts[mod] = generated_module(
            [data_mod], f"Tables of position {i} for `{model_name}`",
            f"\nThe packed products of position {i} (`tablesPartOk`: keys and scores; values, OV and\n"
            f"OV-unembed; the same transposed), the top-2 witness of its OV-unembed rows and its block\n"
            f"bounds (`blocksOk`).",
            mod,
            parts + f"\ntheorem tops_{i} : ovuTopsOk {model_name} certificate tops {i} = true := by\n  decide +kernel\n"
            + f"\ntheorem blocks_{i} : blocksOk {model_name} certificate tables tops blocks {i} = true := by\n  decide +kernel\n",
            common, opens=opens_data)

    query_mods = []
    for start in range(0, v, queries_per_module):
        qs = range(start, min(v, start + queries_per_module))
        mod = f"{root}.Queries{start // queries_per_module:02d}"
        query_mods.append((mod, qs))
        body = "\n".join(
            f"theorem enclosures_{q} : queryEnclosuresOk {model_name} certificate tops {q} = true := by\n  decide +kernel\n\n"
            f"theorem cells_{q} : queryCellsOk {model_name} certificate tables tops blocks gapCertificate {q} = true := by\n"
            "  decide +kernel\n"
            for q in qs
        )
        texts[mod] = generated_module(
            [data_mod], f"Query tokens {qs[0]}-{qs[-1]} of `{model_name}`",
            "\nFor each query token: its `exp` enclosures, their signs and its direct-row witness\n"
            "(`queryEnclosuresOk`), and its claimed cells, with block terms where they suffice (`queryCellsOk`).",
            mod, body, common, opens=opens_data)

    def chain(name: str, pred: str, facts: list[str]) -> str:
        steps = [f"  have h0 : allBelow {pred} 0 = true := rfl"]
        steps += [f"  have h{n + 1} : allBelow {pred} {n + 1} = true := allBelow_succ h{n} {f}" for n, f in enumerate(facts)]
        return f"theorem {name} : allBelow {pred} {len(facts)} = true := by\n" + "\n".join(steps) + f"\n  exact h{len(facts)}\n"

    part_facts = [f"part_{n // 3}_{n % 3}" for n in range(3 * k)]
    body = (
        f"/-- The table parts, numbered `3 i + k`. -/\ndef tablePart (n : Nat) : Bool :=\n"
        f"  tablesPartOk {model_name} certificate tables (n / 3) (n % 3)\n\n"
        + chain("parts_ok", "tablePart", part_facts) + "\n"
        + chain("tops_ok", f"(ovuTopsOk {model_name} certificate tops)", [f"tops_{i}" for i in range(k)]) + "\n"
        + chain("enclosures_ok", f"(queryEnclosuresOk {model_name} certificate tops)", [f"enclosures_{q}" for q in range(v)]) + "\n"
        + chain("blocks_ok", f"(blocksOk {model_name} certificate tables tops blocks)", [f"blocks_{i}" for i in range(k)]) + "\n"
        + chain("cells_ok", f"(queryCellsOk {model_name} certificate tables tops blocks gapCertificate)", [f"cells_{q}" for q in range(v)])
        + f"""
/-- At least {proof.bound} of the {v ** k} inputs are answered correctly. -/
theorem {theorem_name} {_FIELD_BINDERS} :
    {proof.bound} ≤ CompactProofs.MaxOfK.accuracy F {model_mod}.{model_name} :=
  shards_sound F (by decide) (by decide) base_ok parts_ok tops_ok sqrt_ok enclosures_ok blocks_ok cells_ok count_ok
"""
    )
    opens_all = opens_data + f" {base_mod} " + " ".join(table_mods + [m for m, _ in query_mods])
    tag = theorem_tag(f"{root}.{theorem_name}", model_sha256, "gap_classes_cubic", proof.bound, f"{model_mod}.{model_name}")
    texts[root] = generated_module(
        [base_mod, *table_mods, *(m for m, _ in query_mods)], f"Accuracy of `{model_name}` by gap classes",
        f"""
Proved here (`{theorem_name}`): at least {proof.bound} of the {v ** k} inputs are classified correctly by
the exact real-number forward pass of `{model_name}` (`{model_mod}`), for every ordered field with an
`ExpSqrt` structure, by the cubic gap-classes argument (`CompactProofs.MaxOfK.GapClassesCubic`).
The check is split into {3 * k + 2 * k + 2 * v + 3} kernel evaluations in {1 + k + len(query_mods)} modules
(`CompactProofs.MaxOfK.GapCubicShards`), combined here by `shards_sound`. Parameters: {cert.squarings}
squarings at {cert.exp_prec} fractional bits for `exp`, {cert.sqrt_prec} bits for `1 / sqrt d_head`.
Not proved: anything about the float32 deployment of the model (rounded arithmetic).""",
        root, body, common, opens=opens_all, tag=tag)
    return texts
