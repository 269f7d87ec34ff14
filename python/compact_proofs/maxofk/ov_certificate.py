"""Export an exact "OV copying" certificate for Lean.

The OV path of a one-layer, one-head, attention-only model is the matrix
``EVOU = W_E @ W_V @ W_O @ W_U`` (shape ``[d_vocab, d_vocab]``). Row ``t`` *copies* when
``EVOU[t, t] > EVOU[t, x]`` for every ``x != t``.

Every finite float32 is a dyadic rational ``m * 2**e`` with integer ``m`` (at most 24
bits) and ``e``. :func:`float32_to_dyadic` recovers ``(m, e)`` from the bit pattern, and
:func:`matrix_to_dyadic` writes a whole matrix as ``2**e_W * M`` with one exponent per
matrix and an integer matrix ``M``. Lean then recomputes the product of the four integer
matrices itself (``CompactProofs.OvModel.evou``); since the overall scale
``2**(e_E + e_V + e_O + e_U)`` is positive, comparisons of its entries are the
comparisons of the true float32 model's EVOU, computed without rounding.

The generated Lean module holds the model, the certificate (threshold and the claimed
exact EVOU) and a final theorem proved by ``check_sound`` and kernel evaluation
(``decide +kernel``), see ``lean/CompactProofs/OvCopying.lean``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..core.exact import float32_to_dyadic

__all__ = [
    "DyadicMatrix",
    "OvCertificate",
    "exact_evou",
    "export_ov_copying_certificate",
    "float32_to_dyadic",
    "matrix_to_dyadic",
    "copying_threshold",
    "render_lean_module",
]


@dataclass(frozen=True)
class DyadicMatrix:
    """A matrix equal to ``2**exponent * rows`` exactly."""

    rows: tuple[tuple[int, ...], ...]
    exponent: int

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), len(self.rows[0]) if self.rows else 0)

    def value(self, i: int, j: int):
        """The exact entry as a ``fractions.Fraction``."""
        from fractions import Fraction

        return Fraction(self.rows[i][j]) * (Fraction(2) ** self.exponent)


def matrix_to_dyadic(w: np.ndarray) -> DyadicMatrix:
    """Write a float32 matrix exactly as ``2**e * M`` with integer ``M`` (one ``e``).

    ``e`` is the smallest exponent of the nonzero entries, so ``M`` has no common factor
    of two (an all-zero matrix gets ``e = 0``).
    """
    arr = np.asarray(w)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-d matrix, got shape {arr.shape}")
    if arr.dtype != np.float32:
        raise TypeError(f"expected float32 weights, got {arr.dtype}")
    pairs = [[float32_to_dyadic(v) for v in row] for row in arr]
    exps = [e for row in pairs for (m, e) in row if m != 0]
    base = min(exps) if exps else 0
    rows = tuple(tuple(m << (e - base) if m else 0 for (m, e) in row) for row in pairs)
    return DyadicMatrix(rows=rows, exponent=base)


def _matmul(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> list[list[int]]:
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in cols] for row in a]


def exact_evou(wE: DyadicMatrix, wV: DyadicMatrix, wO: DyadicMatrix, wU: DyadicMatrix) -> list[list[int]]:
    """Integer product ``M_E M_V M_O M_U`` (the true EVOU divided by a positive power of two)."""
    return _matmul(_matmul(_matmul(wE.rows, wV.rows), wO.rows), wU.rows)


def row_copies(evou: Sequence[Sequence[int]], t: int) -> bool:
    row = evou[t]
    return all(row[x] < row[t] for x in range(len(row)) if x != t)


def copying_threshold(evou: Sequence[Sequence[int]]) -> int:
    """Smallest ``t0`` such that every row ``t >= t0`` copies (``d_vocab`` if row ``d_vocab-1`` does not)."""
    t0 = len(evou)
    while t0 > 0 and row_copies(evou, t0 - 1):
        t0 -= 1
    return t0


@dataclass(frozen=True)
class OvCertificate:
    module_name: str
    wE: DyadicMatrix
    wV: DyadicMatrix
    wO: DyadicMatrix
    wU: DyadicMatrix
    evou: tuple[tuple[int, ...], ...]
    threshold: int

    @property
    def d_vocab(self) -> int:
        return self.wE.shape[0]

    @property
    def d_model(self) -> int:
        return self.wE.shape[1]

    @property
    def d_head(self) -> int:
        return self.wV.shape[1]

    @property
    def copying_rows(self) -> list[int]:
        return [t for t in range(self.d_vocab) if row_copies(self.evou, t)]


_MODULE_RE = re.compile(r"^CompactProofs(\.[A-Z][A-Za-z0-9]*)+$")


def _lean_int(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


def _lean_matrix(rows: Sequence[Sequence[int]], indent: str) -> str:
    body = f",\n{indent} ".join("[" + ", ".join(_lean_int(v) for v in row) + "]" for row in rows)
    return f"[{body}]"


def render_lean_module(cert: OvCertificate, command: str) -> str:
    """The text of the generated Lean module for ``cert``."""
    short = cert.module_name.rsplit(".", 1)[-1]
    theorem = re.sub(r"(?<!^)(?=[A-Z])", "_", short).lower() + "_copies"
    ind = "    "
    t0, dv = cert.threshold, cert.d_vocab
    claim = (
        f"all rows t with {t0} ≤ t < {dv} copy" if t0 < dv else "no row is claimed (no suffix of rows copies)"
    )
    return f"""\
module

public import CompactProofs.OvCopying

/-!
# OV copying certificate `{short}` (GENERATED FILE, DO NOT EDIT)

Generated by `{command}`
(`compact_proofs.maxofk.ov_certificate.export_ov_copying_certificate`).

Model: d_vocab = {dv}, d_model = {cert.d_model}, d_head = {cert.d_head}. Each matrix is
its float32 weights written exactly as `2^exp · mantissa` (`OvModel.expE` etc.); see
`CompactProofs.OvCopying` for why comparisons of the integer product `OvModel.evou` are
comparisons of the float32 model's exact EVOU.

Proved here (`{theorem}`): the weights have the declared shapes and {claim}, i.e.
`EVOU[t][x] < EVOU[t][t]` for all `x ≠ t`. Rows copying in Python's exact computation:
{cert.copying_rows}.
-/

namespace CompactProofs.Generated.{short}

@[expose] public noncomputable section

/-- The exact OV-path weights. -/
def model : OvModel where
  dVocab := {dv}
  dModel := {cert.d_model}
  dHead := {cert.d_head}
  expE := {_lean_int(cert.wE.exponent)}
  expV := {_lean_int(cert.wV.exponent)}
  expO := {_lean_int(cert.wO.exponent)}
  expU := {_lean_int(cert.wU.exponent)}
  wE :=
    {_lean_matrix(cert.wE.rows, ind)}
  wV :=
    {_lean_matrix(cert.wV.rows, ind)}
  wO :=
    {_lean_matrix(cert.wO.rows, ind)}
  wU :=
    {_lean_matrix(cert.wU.rows, ind)}

/-- The claim: the exact integer EVOU and the first row from which all rows copy. -/
def certificate : OvCertificate where
  threshold := {t0}
  evou :=
    {_lean_matrix(cert.evou, ind)}

theorem {theorem} :
    model.WellShaped ∧
      ∀ t, {t0} ≤ t → t < {dv} → ∀ x, x < {dv} → x ≠ t → model.evouEntry t x < model.evouEntry t t :=
  check_sound (m := model) (c := certificate) (by decide +kernel)

end

end CompactProofs.Generated.{short}
"""


def build_certificate(
    W_E: np.ndarray,
    W_V: np.ndarray,
    W_O: np.ndarray,
    W_U: np.ndarray,
    module_name: str,
    threshold: int | None = None,
) -> OvCertificate:
    """Convert the weights exactly and choose (or validate) the threshold."""
    mats = [matrix_to_dyadic(w) for w in (W_E, W_V, W_O, W_U)]
    wE, wV, wO, wU = mats
    dv, dm = wE.shape
    dh = wV.shape[1]
    expected = {"W_E": (dv, dm), "W_V": (dm, dh), "W_O": (dh, dm), "W_U": (dm, dv)}
    for (name, shape), mat in zip(expected.items(), mats):
        if mat.shape != shape:
            raise ValueError(f"{name} has shape {mat.shape}, expected {shape}")
    if not _MODULE_RE.match(module_name):
        raise ValueError(f"module name {module_name!r} must look like CompactProofs.Generated.OvSmall")
    evou = exact_evou(wE, wV, wO, wU)
    best = copying_threshold(evou)
    if threshold is None:
        threshold = best
    elif not 0 <= threshold <= dv:
        raise ValueError(f"threshold {threshold} outside 0..{dv}")
    elif threshold < best:
        raise ValueError(f"rows {best - 1} and below do not all copy: the smallest valid threshold is {best}")
    return OvCertificate(module_name, wE, wV, wO, wU, tuple(map(tuple, evou)), threshold)


def export_ov_copying_certificate(
    W_E: np.ndarray,
    W_V: np.ndarray,
    W_O: np.ndarray,
    W_U: np.ndarray,
    module_name: str,
    path: str | Path,
    threshold: int | None = None,
    command: str = "python -m compact_proofs.maxofk.ov_certificate",
) -> OvCertificate:
    """Write the Lean module ``module_name`` to ``path`` and return the certificate.

    ``W_E``: ``[d_vocab, d_model]``, ``W_V``: ``[d_model, d_head]``, ``W_O``:
    ``[d_head, d_model]``, ``W_U``: ``[d_model, d_vocab]``, all float32. With
    ``threshold=None`` the smallest ``t0`` such that every row ``t >= t0`` copies is used;
    an explicit threshold below that is an error. ``command`` is recorded in the header.
    """
    cert = build_certificate(W_E, W_V, W_O, W_U, module_name, threshold)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_lean_module(cert, command), encoding="utf-8")
    return cert

