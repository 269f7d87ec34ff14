"""Export a Max-of-K model and an accuracy certificate for the Lean checker.

The Lean side (``lean/CompactProofs/MaxOfK/``) defines the real-number semantics of a
one-layer, one-head, attention-only Max-of-K transformer, a Boolean checker ``check`` over
``Int``/``Nat``, and its soundness theorem ``check_sound : check m c = true →
c.bound ≤ accuracy F m``. This module produces ``m`` and ``c`` and writes them as a Lean
module whose final theorem is proved by ``check_sound_split`` (the same check, evaluated by
the kernel in ``d_vocab + 1`` parts to bound its memory).

* :func:`exact_model`: the float32 weights written exactly as integers over one common
  power of two (``Model.shift``), via the IEEE bit pattern (no rounding anywhere).
* :func:`build_certificate`: the witnesses. Every integer the checker compares with is
  computed here by the *same* integer algorithm as in Lean (tables of exact integer
  products, fixed-point exp bounds by repeated squaring with outward rounding, integer
  bounds on ``2^Q / sqrt d_head``), so what Lean checks is what Python found.
* :func:`check`: a Python mirror of the Lean checker (same integers, same decisions), used
  to choose parameters and in tests; the Lean kernel re-does all of it.
* :func:`render_lean_module`: the generated Lean file (deterministic text).

Python floats are not used. Time: O(v^K · v · K) integer operations for the inputs plus
O(v · K · v · (d_model · d_head + squarings)) for the tables and enclosures.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from ..core.exact import float32_to_dyadic
from ..lean.render import theorem_tag
from .model import MaxOfKTransformer

__all__ = [
    "AccuracyCertificate",
    "ExactModel",
    "build_certificate",
    "certificate_tables",
    "certified_inputs",
    "check",
    "exact_model",
    "exp_hi",
    "exp_lo",
    "inv_sqrt_bounds",
    "render_gap_module",
    "Tops",
    "render_lean_module",
    "tables",
]

Matrix = tuple[tuple[int, ...], ...]
Table3 = tuple[tuple[tuple[int, ...], ...], ...]

#: Lean field name -> parameter name of ``MaxOfKTransformer`` (head axis dropped).
LEAN_MATRICES = {"wE": "W_E", "wPos": "W_pos", "wQ": "W_Q", "wK": "W_K", "wV": "W_V", "wO": "W_O", "wU": "W_U"}


@dataclass(frozen=True)
class ExactModel:
    """``CompactProofs.MaxOfK.Model``: weight ``W[i][j] = matrices[W][i][j] / 2**shift``."""

    d_vocab: int
    n_ctx: int
    d_model: int
    d_head: int
    shift: int
    matrices: dict[str, Matrix]

    def entry(self, name: str, i: int, j: int) -> int:
        """``CompactProofs.entry``: 0 outside the matrix."""
        rows = self.matrices[name]
        return rows[i][j] if i < len(rows) and j < len(rows[i]) else 0

    @cached_property
    def tables(self) -> "Tables":
        """The integer tables of the Lean semantics (``tables``), built once per model."""
        return tables(self)


def exact_model(model: MaxOfKTransformer) -> ExactModel:
    """The float32 weights of a one-head model as integers over one common power of two."""
    cfg = model.cfg
    if cfg.n_heads != 1:
        raise ValueError(f"the Lean Max-of-K semantics has one attention head; this model has {cfg.n_heads}")
    weights = model.weights()
    arrays = {lean: np.asarray(weights[name][0] if name in ("W_Q", "W_K", "W_V", "W_O") else weights[name])
              for lean, name in LEAN_MATRICES.items()}
    pairs = {lean: [[float32_to_dyadic(v) for v in row] for row in a] for lean, a in arrays.items()}
    exps = [e for rows in pairs.values() for row in rows for (mant, e) in row if mant]
    shift = max([0] + [-e for e in exps])
    matrices = {
        lean: tuple(tuple(mant << (e + shift) if mant else 0 for (mant, e) in row) for row in rows)
        for lean, rows in pairs.items()
    }
    return ExactModel(cfg.d_vocab, cfg.n_ctx, cfg.d_model, cfg.d_head, shift, matrices)


@dataclass(frozen=True)
class Tables:
    """``scoreInt``, ``ovInt``, ``ovuInt``, ``directInt`` of ``CompactProofs.MaxOfK.Tables``, and
    the ``queryInt``, ``keyInt``, ``valueInt`` they are built from."""

    scores: Table3  # [q][i][t]
    ov: Table3  # [i][t][c]
    ovu: Table3  # [i][t][y]
    direct: Matrix  # [q][y]
    query: Matrix  # [q][d]
    key: Table3  # [i][t][d]
    value: Table3  # [i][t][d]


def tables(em: ExactModel) -> Tables:
    """Exact integer tables, by the definitions of the Lean file (same sums, same order)."""
    v, k, dm, dh = em.d_vocab, em.n_ctx, em.d_model, em.d_head
    e = em.entry

    def resid(i: int, t: int) -> list[int]:  # [d_model]
        return [e("wE", t, c) + e("wPos", i, c) for c in range(dm)]

    def times(vec: Sequence[int], name: str, cols: int) -> list[int]:  # vec @ matrix
        return [sum(vec[c] * e(name, c, d) for c in range(len(vec))) for d in range(cols)]

    last = k - 1
    query = tuple(tuple(times(resid(last, q), "wQ", dh)) for q in range(v))
    key = tuple(tuple(tuple(times(resid(i, t), "wK", dh)) for t in range(v)) for i in range(k))
    value = tuple(tuple(tuple(times(resid(i, t), "wV", dh)) for t in range(v)) for i in range(k))
    scores = tuple(
        tuple(tuple(sum(a * b for a, b in zip(query[q], key[i][t])) for t in range(v)) for i in range(k)) for q in range(v)
    )
    ov = tuple(tuple(tuple(times(value[i][t], "wO", dm)) for t in range(v)) for i in range(k))
    ovu = tuple(tuple(tuple(times(ov[i][t], "wU", v)) for t in range(v)) for i in range(k))
    direct = tuple(tuple(times(resid(last, q), "wU", v)) for q in range(v))
    return Tables(scores, ov, ovu, direct, query, key, value)


# --- fixed-point exp and 1/sqrt bounds (mirrors CompactProofs.MaxOfK.ExpBounds) ----------


def _ceil_div(a: int, d: int) -> int:
    return -((-a) // d)


def exp_lo(P: int, G: int, n: int, z_lo: int) -> int:
    """``expLo``: b <= 2^P exp(z) whenever z_lo <= 2^G z; (1 + z/2^n)^(2^n), rounded down."""
    b = max(0, ((1 << (G + n)) + z_lo) * (1 << P) // (1 << (G + n)))
    for _ in range(n):
        b = b * b >> P
    return b


def exp_hi(P: int, G: int, n: int, z_hi: int) -> int:
    """``expHi``: 2^P exp(z) <= b whenever 2^G z <= z_hi < 2^(G+n); (1 - z/2^n)^(-2^n), rounded up."""
    delta = (1 << (G + n)) - z_hi
    if delta <= 0:
        raise ValueError("expHi needs z_hi < 2^(G+n): use more squarings")
    b = _ceil_div((1 << P) << (G + n), delta)
    for _ in range(n):
        b = _ceil_div(b * b, 1 << P)
    return b


def inv_sqrt_bounds(d: int, Q: int) -> tuple[int, int]:
    """Integers lo, hi >= 0 with lo^2 d <= 2^(2Q) <= hi^2 d, i.e. lo <= 2^Q/sqrt(d) <= hi."""
    lo = math.isqrt((1 << (2 * Q)) // d)
    hi = lo if lo * lo * d == 1 << (2 * Q) else lo + 1
    assert lo * lo * d <= 1 << (2 * Q) <= hi * hi * d
    return lo, hi


# --- the certificate and the checker mirror ------------------------------------------------


@dataclass(frozen=True)
class AccuracyCertificate:
    """``CompactProofs.MaxOfK.Certificate``."""

    bound: int
    exp_prec: int
    squarings: int
    sqrt_prec: int
    inv_sqrt_lo: int
    inv_sqrt_hi: int
    scores: Table3
    ov: Table3
    ovu: Table3
    direct: Matrix
    exp_lo: Table3
    exp_hi: Table3


def _score_scale(em: ExactModel, sqrt_prec: int) -> int:
    return 4 * em.shift + sqrt_prec


def _z_bounds(s: int, lo: int, hi: int) -> tuple[int, int]:
    return (s * lo, s * hi) if s >= 0 else (s * hi, s * lo)


def all_seqs(v: int, k: int) -> list[tuple[int, ...]]:
    """``allSeqs v k``, in the same (lexicographic) order."""
    return list(itertools.product(range(v), repeat=k))


def _get3(t: Table3, a: int, b: int, c: int) -> int:
    try:
        return t[a][b][c]
    except IndexError:
        return 0


def _get2(t: Matrix, a: int, b: int) -> int:
    try:
        return t[a][b]
    except IndexError:
        return 0


def certified_inputs(em: ExactModel, cert: AccuracyCertificate) -> list[bool]:
    """``inputOk`` for every input of ``all_seqs`` (trusting the certificate's tables)."""
    v, k = em.d_vocab, em.n_ctx
    scale = 1 << (2 * em.shift)
    out = []
    for x in all_seqs(v, k):
        q, mx = x[-1], max(x)
        ok = True
        for y in range(v):
            if y == mx:
                continue
            total = 0
            for i, t in enumerate(x):
                coef = (_get2(cert.direct, q, mx) - _get2(cert.direct, q, y)) * scale + (
                    _get3(cert.ovu, i, t, mx) - _get3(cert.ovu, i, t, y)
                )
                w = _get3(cert.exp_lo, q, i, t) if coef >= 0 else _get3(cert.exp_hi, q, i, t)
                total += w * coef
            if total <= 0:
                ok = False
                break
        out.append(ok)
    return out


def check(em: ExactModel, cert: AccuracyCertificate) -> bool:
    """Python mirror of the Lean ``check``: tables, 1/sqrt bounds, enclosures, count."""
    v, k, dh = em.d_vocab, em.n_ctx, em.d_head
    if not (k > 0 and v > 0 and dh > 0):
        return False
    tab = em.tables
    for q, i, t in itertools.product(range(v), range(k), range(v)):
        if _get3(cert.scores, q, i, t) != tab.scores[q][i][t]:
            return False
    for i, t, c in itertools.product(range(k), range(v), range(em.d_model)):
        if _get3(cert.ov, i, t, c) != tab.ov[i][t][c]:
            return False
    for i, t, y in itertools.product(range(k), range(v), range(v)):
        expect = sum(_get3(cert.ov, i, t, c) * em.entry("wU", c, y) for c in range(em.d_model))
        if _get3(cert.ovu, i, t, y) != expect:
            return False
    if any(_get2(cert.direct, q, y) != tab.direct[q][y] for q in range(v) for y in range(v)):
        return False
    lo, hi, Q = cert.inv_sqrt_lo, cert.inv_sqrt_hi, cert.sqrt_prec
    if not (lo * lo * dh <= 1 << (2 * Q) and hi >= 0 and 1 << (2 * Q) <= hi * hi * dh):
        return False
    G, P, n = _score_scale(em, Q), cert.exp_prec, cert.squarings
    for q, i, t in itertools.product(range(v), range(k), range(v)):
        z_lo, z_hi = _z_bounds(_get3(cert.scores, q, i, t), lo, hi)
        if z_hi >= 1 << (G + n):
            return False
        if not (_get3(cert.exp_lo, q, i, t) <= exp_lo(P, G, n, z_lo) and exp_hi(P, G, n, z_hi) <= _get3(cert.exp_hi, q, i, t)):
            return False
    return cert.bound <= sum(certified_inputs(em, cert))


def certificate_tables(em: ExactModel, *, exp_prec: int, squarings: int, sqrt_prec: int = 64) -> AccuracyCertificate | None:
    """The witnesses of ``check`` except the bound (left 0): tables, ``1/sqrt`` bounds and
    enclosures; None if ``squarings`` are too few for the largest score. Time O(v^2 K d^2)."""
    tab = em.tables
    lo, hi = inv_sqrt_bounds(em.d_head, sqrt_prec)
    G, n = _score_scale(em, sqrt_prec), squarings
    if any(_z_bounds(s, lo, hi)[1] >= 1 << (G + n) for q in tab.scores for row in q for s in row):
        return None
    elo, ehi = (
        tuple(tuple(tuple(exp(exp_prec, G, n, _z_bounds(s, lo, hi)[end]) for s in row) for row in q_rows) for q_rows in tab.scores)
        for exp, end in ((exp_lo, 0), (exp_hi, 1))
    )
    return AccuracyCertificate(0, exp_prec, n, sqrt_prec, lo, hi, tab.scores, tab.ov, tab.ovu, tab.direct, elo, ehi)


def build_certificate(
    em: ExactModel, *, exp_prec: int = 32, squarings: int | None = None, sqrt_prec: int = 64, bound: int | None = None
) -> AccuracyCertificate:
    """Witnesses for ``check``; ``bound`` defaults to the number of inputs certified.

    ``squarings=None`` picks the smallest count in 4..40 that certifies the most inputs
    (fewer squarings means less work for the kernel). Counts input by input: small models only.
    """
    v, k = em.d_vocab, em.n_ctx
    if squarings is None:
        best, best_count = None, -1
        for n in range(4, 41):
            cand = certificate_tables(em, exp_prec=exp_prec, squarings=n, sqrt_prec=sqrt_prec)
            if cand is None:
                continue
            count = sum(certified_inputs(em, cand))
            if count > best_count:
                best, best_count = cand, count
            if count == v**k:
                break
        cert = best
    else:
        cert = certificate_tables(em, exp_prec=exp_prec, squarings=squarings, sqrt_prec=sqrt_prec)
        if cert is None:
            raise ValueError(f"{squarings} squarings are too few for the largest score")
    assert cert is not None
    count = sum(certified_inputs(em, cert))
    if bound is None:
        bound = count
    elif bound > count:
        raise ValueError(f"bound {bound} exceeds the {count} inputs this certificate verifies")
    return dataclasses.replace(cert, bound=bound)


# --- the generated Lean module -------------------------------------------------------------


def _lean_int(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


def _lean_list(items: Sequence, indent: str) -> str:
    """Nested lists of ints as Lean list literals, one innermost list per line."""
    if items and isinstance(items[0], (tuple, list)):
        if items[0] and isinstance(items[0][0], (tuple, list)):
            inner = f",\n{indent} ".join(_lean_list(it, indent + " ") for it in items)
        else:
            inner = f",\n{indent} ".join("[" + ", ".join(_lean_int(x) for x in it) + "]" for it in items)
        return f"[{inner}]"
    return "[" + ", ".join(_lean_int(x) for x in items) + "]"


def render_lean_module(
    em: ExactModel,
    cert: AccuracyCertificate,
    *,
    module_name: str,
    model_name: str,
    theorem_name: str,
    command: str,
    source: str,
    model_sha256: str,
    n_correct: int | None = None,
) -> str:
    """Text of the generated module: the exact model, the certificate and the theorem
    ``bound ≤ accuracy F model``, proved by ``check_sound_split`` from ``d_vocab + 1``
    separate kernel evaluations (``core_ok`` for tables and enclosures, ``count_t`` for
    the inputs starting with token ``t``), which bounds the kernel's memory per evaluation.
    ``model_sha256`` (the model record's weights hash) goes into the header line that lets
    ``compact-proofs certify`` find the theorem for a model (``lean.render.theorem_tag``)."""
    short = module_name.rsplit(".", 1)[-1]
    certified = certified_inputs(em, cert)
    counts = [sum(ok for x, ok in zip(all_seqs(em.d_vocab, em.n_ctx), certified) if x[0] == t) for t in range(em.d_vocab)]
    parts = "\n\n".join(
        f"theorem count_{t} : counts.getD {t} 0 ≤ countFrom {model_name} certificate {t} := by\n  decide +kernel"
        for t in range(em.d_vocab)
    )
    cases = "\n".join(f"  | {t}, _ => count_{t}" for t in range(em.d_vocab))
    ind = "    "
    mats = "\n".join(f"  {name} :=\n{ind}{_lean_list(em.matrices[name], ind)}" for name in LEAN_MATRICES)
    tables3 = "\n".join(
        f"  {lean} :=\n{ind}{_lean_list(getattr(cert, py), ind)}"
        for lean, py in (("scores", "scores"), ("ov", "ov"), ("ovu", "ovu"), ("direct", "direct"), ("expLo", "exp_lo"), ("expHi", "exp_hi"))
    )
    total = em.d_vocab**em.n_ctx
    exact_line = (
        f"Exact brute force (`compact_proofs.maxofk.brute_force`) finds {n_correct} of {total} inputs correct."
        if n_correct is not None
        else ""
    )
    return f"""\
module

public import CompactProofs.MaxOfK.Checker

{theorem_tag(f"{module_name}.{theorem_name}", model_sha256, "brute_force", cert.bound, f"{module_name}.{model_name}")}

/-!
# Accuracy of `{model_name}` (GENERATED FILE, DO NOT EDIT)

Generated by `{command}` from `{source}`
(`compact_proofs.maxofk.lean_export`).

Model: d_vocab = {em.d_vocab}, K = {em.n_ctx}, d_model = {em.d_model}, d_head = {em.d_head}; every
float32 weight is written exactly as `mantissa / 2^{em.shift}`.

Proved here (`{theorem_name}`): for every ordered field `α` with an exponential and a
square root as in `CompactProofs.MaxOfK.ExpSqrt` (the real numbers among them), at least
{cert.bound} of the {total} inputs are classified correctly by the model's exact real-number
forward pass (`CompactProofs.MaxOfK.accuracy`). {exact_line}
Certificate parameters: {cert.squarings} squarings at {cert.exp_prec} fractional bits for
`exp`, {cert.sqrt_prec} bits for `1 / sqrt d_head`. The kernel evaluates the checker in
{em.d_vocab + 1} parts (`core_ok`, `count_0` ...), combined by `check_sound_split`. Not proved:
anything about the float32 deployment of the model (rounded arithmetic).
-/

namespace CompactProofs.Generated.{short}

open CompactProofs.MaxOfK

@[expose] public noncomputable section

/-- The exact weights. -/
def {model_name} : Model where
  dVocab := {em.d_vocab}
  nCtx := {em.n_ctx}
  dModel := {em.d_model}
  dHead := {em.d_head}
  shift := {em.shift}
{mats}

/-- Witnesses for `check`: exact tables, `exp` and `1 / sqrt d_head` enclosures, the bound. -/
def certificate : Certificate where
  bound := {cert.bound}
  expPrec := {cert.exp_prec}
  squarings := {cert.squarings}
  sqrtPrec := {cert.sqrt_prec}
  invSqrtLo := {_lean_int(cert.inv_sqrt_lo)}
  invSqrtHi := {_lean_int(cert.inv_sqrt_hi)}
{tables3}

/-- Certified inputs per first token (`countFrom`). -/
def counts : List Nat := {_lean_list(counts, "")}

theorem core_ok : checkCore {model_name} certificate = true := by
  decide +kernel

{parts}

theorem parts : ∀ t0, t0 < {em.d_vocab} → counts.getD t0 0 ≤ countFrom {model_name} certificate t0
{cases}
  | _ + {em.d_vocab}, h => absurd h (by omega)

/-- At least {cert.bound} of the {total} inputs are answered correctly. -/
theorem {theorem_name} {{α : Type}} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]
    [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α] (F : CompactProofs.MaxOfK.ExpSqrt α) :
    {cert.bound} ≤ CompactProofs.MaxOfK.accuracy F {module_name}.{model_name} :=
  check_sound_split F counts core_ok parts (by decide +kernel)

end

end CompactProofs.Generated.{short}
"""


@dataclass(frozen=True)
class Tops:
    """``CompactProofs.MaxOfK.Tops``: per row of the OV-unembed table (``[i][t]``) and of the
    direct table (``[q]``), where the largest entry is, the largest and the second largest
    (``strategies.gap_classes.lean_tops``)."""

    ovu_arg: list[list[int]]
    ovu_top1: list[list[int]]
    ovu_top2: list[list[int]]
    direct_arg: list[int]
    direct_top1: list[int]
    direct_top2: list[int]


def render_gap_module(
    *,
    module_name: str,
    base_module: str,
    model_name: str,
    theorem_name: str,
    command: str,
    source: str,
    model_sha256: str,
    gaps: Sequence[Sequence[int]],
    bound: int,
    total: int,
    tops: Tops | None = None,
) -> str:
    """Text of a generated module proving ``bound ≤ accuracy F model`` by gap classes. The
    model, its ``Certificate`` and ``core_ok`` (tables and enclosures) come from ``base_module``
    (``render_lean_module``); this module adds the gaps and the kernel evaluations of the cell
    tests and of the count. Without ``tops``: the exact test (``GapClasses.cellsOk``,
    ``checkGap_sound``) and the count input by input; with ``tops``: the cubic test
    (``GapClassesCubic.cubicCellsOk``, ``checkGapCubic_sound``) and the closed-form count."""
    short = module_name.rsplit(".", 1)[-1]
    base_short = base_module.rsplit(".", 1)[-1]
    if tops is None:
        strategy, lean_module, argument = "gap_classes", "GapClasses", "one test per cell (query token, maximum) and wrong logit"
        witness, cells_ok = "", f"cellsOk {model_name} certificate gapCertificate"
        count = f"(allSeqs {model_name}.dVocab {model_name}.nCtx).countP (inClass {model_name} gapCertificate)"
        count_doc, proof = "the inputs of the claimed classes, one by one", "checkGap_sound F core_ok cells_ok count_ok"
    else:
        strategy, lean_module, argument = "gap_classes_cubic", "GapClassesCubic", "one test per cell (query token, maximum) for all wrong logits at once"
        witness = f"""
/-- The two largest entries of every row of the OV-unembed and direct tables. -/
def tops : Tops where
  ovuArg := {_lean_list(tops.ovu_arg, "    ")}
  ovuTop1 := {_lean_list(tops.ovu_top1, "    ")}
  ovuTop2 := {_lean_list(tops.ovu_top2, "    ")}
  directArg := {_lean_list(tops.direct_arg, "    ")}
  directTop1 := {_lean_list(tops.direct_top1, "    ")}
  directTop2 := {_lean_list(tops.direct_top2, "    ")}

theorem tops_ok : topsOk {model_name} certificate tops = true := by
  decide +kernel
"""
        cells_ok = f"cubicCellsOk {model_name} certificate tops gapCertificate"
        count = f"gapCount {model_name} gapCertificate"
        count_doc = "the closed form of `CompactProofs.MaxOfK.GapCount`"
        proof = "checkGapCubic_sound F core_ok tops_ok cells_ok count_ok"
    return f"""\
module

public import {base_module}
public import CompactProofs.MaxOfK.{lean_module}

{theorem_tag(f"{module_name}.{theorem_name}", model_sha256, strategy, bound, f"{base_module}.{model_name}")}

/-!
# Accuracy of `{model_name}` by gap classes (GENERATED FILE, DO NOT EDIT)

Generated by `{command}` from `{source}`
(`compact_proofs.maxofk.lean_export`, `compact_proofs.maxofk.strategies.gap_classes`).

Proved here (`{theorem_name}`): at least {bound} of the {total} inputs are classified correctly by
the model's exact real-number forward pass, for every ordered field with an `ExpSqrt`
structure, by the compact argument of `CompactProofs.MaxOfK.{lean_module}`: {argument}
instead of one per input. The model, the tables and the `exp`
enclosures (`core_ok`) are those of `{base_module}`; the gaps were found by Python and are
re-checked here by the kernel (`cells_ok`), which also evaluates the count (`count_ok`):
{count_doc}.
-/

namespace CompactProofs.Generated.{short}

open CompactProofs.MaxOfK CompactProofs.Generated.{base_short}

@[expose] public noncomputable section

/-- The gap of every cell `(q, mx)` (`0`: no claim) and the claimed count. -/
def gapCertificate : GapCertificate where
  bound := {bound}
  gaps := {_lean_list([list(r) for r in gaps], "    ")}
{witness}
theorem cells_ok : {cells_ok} = true := by
  decide +kernel

theorem count_ok : gapCertificate.bound ≤ {count} := by
  decide +kernel

/-- At least {bound} of the {total} inputs are answered correctly ({strategy.replace("_", " ")}). -/
theorem {theorem_name} {{α : Type}} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]
    [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α] (F : CompactProofs.MaxOfK.ExpSqrt α) :
    {bound} ≤ CompactProofs.MaxOfK.accuracy F {base_module}.{model_name} :=
  {proof}

end

end CompactProofs.Generated.{short}
"""
