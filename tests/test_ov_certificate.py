"""Exact float32 -> dyadic conversion and the OV copying certificate exporter."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from compact_proofs.maxofk.ov_certificate import (
    build_certificate,
    copying_threshold,
    exact_evou,
    export_ov_copying_certificate,
    matrix_to_dyadic,
)
from compact_proofs.core.exact import float32_to_dyadic

from .conftest import generated_modules_up_to_date

def as_fraction(m: int, e: int) -> Fraction:
    return Fraction(m) * Fraction(2) ** e


@pytest.mark.parametrize(
    "x, expected",
    [
        (1.0, (1, 0)),
        (0.75, (3, -2)),
        (-2.5, (-5, -1)),
        (6.0, (3, 1)),
        (0.0, (0, 0)),
        (-0.0, (0, 0)),
        (2.0**-149, (1, -149)),  # smallest subnormal
        (-(2.0**-149) * 3, (-3, -149)),
        ((2**23 - 1) * 2.0**-149, (2**23 - 1, -149)),  # largest subnormal
        (2.0**-126, (1, -126)),  # smallest normal
        (float(np.finfo(np.float32).max), (2**24 - 1, 104)),
    ],
)
def test_float32_to_dyadic_known_values(x, expected):
    assert float32_to_dyadic(np.float32(x)) == expected


def test_float32_to_dyadic_is_exact_on_random_bit_patterns():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, size=20000, dtype=np.uint64).astype(np.uint32)
    values = bits.view(np.float32)
    for v in values[np.isfinite(values)]:
        m, e = float32_to_dyadic(v)
        assert as_fraction(m, e) == Fraction(float(v))
        assert m == 0 or m % 2 == 1  # reduced
        assert abs(m) < 2**24


def test_negative_zero_and_subnormal_matrix():
    w = np.array([[-0.0, 2.0**-149], [1.0, -(2.0**-140)]], dtype=np.float32)
    d = matrix_to_dyadic(w)
    assert d.exponent == -149
    assert d.rows == ((0, 1), (2**149, -(2**9)))
    for i in range(2):
        for j in range(2):
            assert d.value(i, j) == Fraction(float(w[i, j]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="non-finite"):
        float32_to_dyadic(np.float32(bad))
    w = np.ones((2, 2), dtype=np.float32)
    w[1, 0] = bad
    with pytest.raises(ValueError, match="non-finite"):
        matrix_to_dyadic(w)


def test_rejects_non_float32_and_non_matrix():
    with pytest.raises(TypeError, match="float32"):
        matrix_to_dyadic(np.ones((2, 2), dtype=np.float64))
    with pytest.raises(ValueError, match="2-d"):
        matrix_to_dyadic(np.ones(3, dtype=np.float32))


def test_zero_matrix():
    d = matrix_to_dyadic(np.zeros((2, 3), dtype=np.float32))
    assert d.exponent == 0 and d.rows == ((0, 0, 0), (0, 0, 0))


def random_weights(rng, dv=5, dm=4, dh=3):
    return (
        rng.standard_normal((dv, dm)).astype(np.float32),
        rng.standard_normal((dm, dh)).astype(np.float32),
        rng.standard_normal((dh, dm)).astype(np.float32),
        rng.standard_normal((dm, dv)).astype(np.float32),
    )


def test_exact_evou_matches_rational_product():
    rng = np.random.default_rng(1)
    ws = random_weights(rng)
    ds = [matrix_to_dyadic(w) for w in ws]
    evou = exact_evou(*ds)
    scale = Fraction(2) ** sum(d.exponent for d in ds)
    frac = [[Fraction(float(v)) for v in row] for row in ws[0]]
    for w in ws[1:]:
        wf = [[Fraction(float(v)) for v in row] for row in w]
        frac = [[sum(a * b for a, b in zip(row, col)) for col in zip(*wf)] for row in frac]
    assert [[scale * v for v in row] for row in evou] == frac
    # and it agrees with float64 up to rounding
    approx = (ws[0].astype(np.float64) @ ws[1] @ ws[2] @ ws[3])
    assert np.allclose(np.array(frac, dtype=np.float64), approx)


def test_copying_threshold():
    assert copying_threshold([[1, 0], [0, 1]]) == 0
    assert copying_threshold([[0, 1], [0, 1]]) == 1
    assert copying_threshold([[1, 0], [1, 0]]) == 2
    assert copying_threshold([[1, 1], [0, 1]]) == 1  # ties do not copy
    assert copying_threshold([[1, 0, 0], [5, 0, 0], [0, 0, 1]]) == 2


def test_export_writes_module(tmp_path):
    rng = np.random.default_rng(2)
    dv = 4
    W_E = np.eye(dv, dtype=np.float32) * np.arange(1, dv + 1, dtype=np.float32)[:, None]
    W_E[0, 1] = 3.0  # row 0 prefers token 1
    W_V = np.eye(dv, dtype=np.float32)
    W_O = np.eye(dv, dtype=np.float32)
    W_U = np.eye(dv, dtype=np.float32) + np.float32(0.125) * rng.standard_normal((dv, dv)).astype(np.float32)
    path = tmp_path / "CompactProofs" / "Generated" / "OvTiny.lean"
    cert = export_ov_copying_certificate(W_E, W_V, W_O, W_U, "CompactProofs.Generated.OvTiny", path)
    text = path.read_text()
    assert "GENERATED FILE" in text and "export_ov_copying_certificate" in text
    assert text.startswith("module\n")
    assert f"threshold := {cert.threshold}" in text
    assert "theorem ov_tiny_copies" in text
    assert "native_decide" not in text and "sorry" not in text
    assert cert.threshold == copying_threshold(cert.evou)
    assert 0 not in cert.copying_rows


def test_threshold_validation():
    rng = np.random.default_rng(3)
    ws = random_weights(rng, 4, 4, 4)
    cert = build_certificate(*ws, module_name="CompactProofs.Generated.OvX")
    if cert.threshold > 0:
        with pytest.raises(ValueError, match="smallest valid threshold"):
            build_certificate(*ws, module_name="CompactProofs.Generated.OvX", threshold=cert.threshold - 1)
    assert build_certificate(*ws, module_name="CompactProofs.Generated.OvX", threshold=4).threshold == 4
    with pytest.raises(ValueError, match="module name"):
        build_certificate(*ws, module_name="ovx")
    with pytest.raises(ValueError, match="shape"):
        build_certificate(ws[0], ws[1], ws[2], ws[3][:, :2], module_name="CompactProofs.Generated.OvX")


def test_generated_module_is_up_to_date():
    assert generated_modules_up_to_date("ov-small"), "run compact-proofs lean generate ov-small"
