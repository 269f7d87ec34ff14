"""Exact dyadic arithmetic on float32 weights, and exact reads of interval enclosures.

Every float32 is a dyadic rational n * 2^e. ``Dyadic`` holds an array of Python ints (numpy
``object`` dtype) with one shared exponent, so sums and matrix products of weights are computed
exactly and can later be compared, rounded to float64 with known error, or written out for Lean.
Transcendental values (exp, sqrt, pi) are enclosed by mpmath interval arithmetic, whose
endpoints are dyadics too: ``iv_precision`` sets its working precision for a block,
``iv_endpoints`` reads an enclosure back as exact Fractions.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np


@contextmanager
def iv_precision(bits: int) -> Iterator[None]:
    """Run the block with mpmath interval arithmetic (``mpmath.iv``) at ``bits`` of precision.

    The previous precision is restored on exit, also on error (``mpmath.iv`` has no
    ``workprec`` of its own)."""
    saved = mpmath.iv.prec
    mpmath.iv.prec = bits
    try:
        yield
    finally:
        mpmath.iv.prec = saved


def fraction_iv(x: Fraction):
    """An ``mpmath.iv`` enclosure of the rational ``x`` (exact when x is a dyadic that fits)."""
    return mpmath.iv.mpf(x.numerator) / mpmath.iv.mpf(x.denominator)


def mpf_fraction(raw: tuple) -> Fraction | None:
    """The exact value of an mpmath ``(sign, mantissa, exponent, bitcount)`` tuple; None for
    infinities and NaN (whose mantissa is 0 with a special exponent)."""
    sign, man, exp, bc = raw
    if man == 0 and (exp, bc) != (0, 0):
        return None
    value = Fraction(int(man)) * Fraction(2) ** int(exp)
    return -value if sign else value


def iv_endpoints(x) -> tuple[Fraction | None, Fraction | None]:
    """The exact endpoints of an ``mpmath.iv`` interval, read from its raw tuples (going
    through ``mpmath.mpf`` would round them to the working precision); None where infinite."""
    lo, hi = x._mpi_
    return mpf_fraction(lo), mpf_fraction(hi)


@dataclass(frozen=True)
class Dyadic:
    """An exact array ``num * 2**exp`` (``num``: object array of Python ints)."""

    num: np.ndarray
    exp: int

    @staticmethod
    def from_float32(array: np.ndarray) -> "Dyadic":
        """Exact value of a float32 array; raises ValueError on NaN or infinity."""
        a = np.asarray(array)
        if a.dtype != np.float32:
            raise ValueError(f"expected a float32 array, got {a.dtype}")
        if not np.isfinite(a).all():
            raise ValueError("cannot convert NaN or infinity to an exact dyadic")
        mant, expo = np.frexp(a.astype(np.float64))  # a = mant * 2**expo, 0.5 <= |mant| < 1
        ints = (mant * 2.0**24).astype(np.int64)  # exact: a float32 carries at most 24 significant bits
        expo = expo.astype(np.int64) - 24
        nonzero = ints != 0
        if not nonzero.any():
            return Dyadic(np.zeros(a.shape, dtype=object), 0)
        base = int(expo[nonzero].min())
        shifts = np.where(nonzero, expo - base, 0)
        num = np.empty(a.shape, dtype=object)
        flat_num, flat_int, flat_shift = num.reshape(-1), ints.reshape(-1), shifts.reshape(-1)
        for j in range(flat_num.size):
            flat_num[j] = int(flat_int[j]) << int(flat_shift[j])
        return Dyadic(num, base).normalized()

    def normalized(self) -> "Dyadic":
        """Same value with the largest exponent that keeps every numerator an integer."""
        nz = [abs(int(n)) for n in self.num.reshape(-1) if n]
        if not nz:
            return Dyadic(self.num, 0)
        tz = min((n & -n).bit_length() - 1 for n in nz)
        if tz == 0:
            return self
        return Dyadic(np.vectorize(lambda n: int(n) >> tz, otypes=[object])(self.num), self.exp + tz)

    def with_exp(self, exp: int) -> "Dyadic":
        """Same value written with exponent ``exp`` (must not exceed the current one)."""
        if exp > self.exp:
            raise ValueError(f"cannot raise exponent {self.exp} to {exp} exactly")
        shift = self.exp - exp
        return Dyadic(self.num * (1 << shift) if shift else self.num, exp)

    def __add__(self, other: "Dyadic") -> "Dyadic":
        e = min(self.exp, other.exp)
        return Dyadic(self.with_exp(e).num + other.with_exp(e).num, e)

    def __sub__(self, other: "Dyadic") -> "Dyadic":
        e = min(self.exp, other.exp)
        return Dyadic(self.with_exp(e).num - other.with_exp(e).num, e)

    def __matmul__(self, other: "Dyadic") -> "Dyadic":
        return Dyadic(np.dot(self.num, other.num), self.exp + other.exp)

    def __getitem__(self, index) -> "Dyadic":
        return Dyadic(self.num[index], self.exp)

    @property
    def T(self) -> "Dyadic":
        return Dyadic(self.num.T, self.exp)

    def to_float64(self) -> np.ndarray:
        """Round to nearest float64 (Python's int -> float is correctly rounded)."""
        flat = np.fromiter((float(n) for n in self.num.reshape(-1)), dtype=np.float64, count=self.num.size)
        return np.ldexp(flat, self.exp).reshape(self.num.shape)


def float32_to_dyadic(x: float | np.floating) -> tuple[int, int]:
    """Exact ``(m, e)`` with ``float32(x) == m * 2**e``; ``(0, 0)`` for both zeros.

    Decodes the IEEE-754 binary32 bit pattern, so subnormals are exact too. The
    mantissa is reduced to be odd (unless zero). NaN and infinities raise ``ValueError``.
    """
    (bits,) = struct.unpack("<I", struct.pack("<f", np.float32(x)))
    sign = -1 if bits >> 31 else 1
    biased = (bits >> 23) & 0xFF
    frac = bits & 0x7FFFFF
    if biased == 0xFF:
        kind = "NaN" if frac else "infinity"
        raise ValueError(f"cannot export a non-finite float32 weight ({kind}): {x!r}")
    if biased == 0:  # zero or subnormal: frac * 2**-149
        mantissa, exponent = frac, -149
    else:  # normal: (2**23 + frac) * 2**(biased - 127 - 23)
        mantissa, exponent = (1 << 23) | frac, biased - 150
    if mantissa == 0:
        return 0, 0
    shift = (mantissa & -mantissa).bit_length() - 1  # trailing zero bits
    return sign * (mantissa >> shift), exponent + shift
