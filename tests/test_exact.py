"""Exact dyadic conversion and arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from compact_proofs.core.exact import Dyadic

finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


def _value(d: Dyadic, index) -> Fraction:
    return Fraction(int(d.num[index])) * Fraction(2) ** d.exp


@given(hnp.arrays(np.float32, hnp.array_shapes(max_dims=2, max_side=5), elements=finite32))
def test_float32_round_trips_exactly(a):
    d = Dyadic.from_float32(a)
    for index in np.ndindex(a.shape):
        assert _value(d, index) == Fraction(float(a[index]))
    np.testing.assert_array_equal(d.to_float64(), a.astype(np.float64))


def test_subnormals_and_signed_zero():
    tiny = np.float32(np.nextafter(np.float32(0), np.float32(1)))  # 2^-149
    d = Dyadic.from_float32(np.array([tiny, -tiny, -0.0, 0.0, 3.0], dtype=np.float32))
    assert _value(d, (0,)) == Fraction(1, 2**149)
    assert _value(d, (1,)) == -Fraction(1, 2**149)
    assert _value(d, (2,)) == 0 and _value(d, (3,)) == 0
    assert _value(d, (4,)) == 3


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="NaN or infinity"):
        Dyadic.from_float32(np.array([1.0, bad], dtype=np.float32))


def test_rejects_float64():
    with pytest.raises(ValueError, match="float32"):
        Dyadic.from_float32(np.zeros(3))


@given(
    hnp.arrays(np.float32, (3, 4), elements=finite32.filter(lambda x: abs(x) < 1e18)),
    hnp.arrays(np.float32, (4, 2), elements=finite32.filter(lambda x: abs(x) < 1e18)),
)
def test_matmul_and_add_are_exact(a, b):
    da, db = Dyadic.from_float32(a), Dyadic.from_float32(b)
    prod = da @ db
    fa = [[Fraction(float(x)) for x in row] for row in a]
    fb = [[Fraction(float(x)) for x in row] for row in b]
    for i in range(3):
        for j in range(2):
            assert _value(prod, (i, j)) == sum(fa[i][k] * fb[k][j] for k in range(4))
    total = da[:2, :2] + db[:2, :]
    diff = da[:2, :2] - db[:2, :]
    for i in range(2):
        for j in range(2):
            assert _value(total, (i, j)) == fa[i][j] + fb[i][j]
            assert _value(diff, (i, j)) == fa[i][j] - fb[i][j]
