"""Soundness of the certified quadrature bounds: against brute force over (a, b, c) and over
random real (s, t), for random clusters and for briefly trained small models; the cell integral
and Lipschitz facts the proof relies on; an analytic value."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from compact_proofs.modadd.bound import _cell_terms, actual_error, certify_cluster, fourier_mode_bound
from compact_proofs.modadd.fourier import Cluster, explain
from compact_proofs.modadd.model import ModAddConfig
from compact_proofs.modadd.training import ModAddTrainingConfig, train

EPS0 = 8 / (3 * math.pi)


def worst_error(cluster: Cluster, s: np.ndarray, t: np.ndarray) -> float:
    """max over the given (s, t) pairs of E(s, t) (float, relative to 8/(3 pi))."""
    w = cluster.normalized_widths()
    sums = (np.abs(np.cos(s[:, None] + cluster.phi[None, :])) * w * np.cos(t[:, None] + cluster.psi[None, :])).sum(axis=1)
    return float(np.abs(sums - 4 / 3 * np.cos(2 * s - t)).max() / EPS0)


def random_cluster(rng: np.random.Generator, n: int, jitter: float) -> Cluster:
    phi = rng.uniform(-math.pi, math.pi, n)
    psi = 2 * phi + rng.normal(0, jitter, n) + 2 * math.pi * rng.integers(-2, 3, n)  # any 2 pi representative
    return Cluster(3, np.arange(n), phi, psi, rng.uniform(0.2, 2.0, n), 1.0, 0.0)


def check_sound(cluster: Cluster, p: int, rng: np.random.Generator) -> tuple[float, float]:
    paper = certify_cluster(cluster, grid=64).relative_bound
    paper = max(paper, certify_cluster(cluster, grid=64, sample="half_psi").relative_bound)  # check both
    _, fourier = fourier_mode_bound(cluster, modes=32)
    lattice = actual_error(cluster, p)
    s, t = rng.uniform(-10, 10, 4000), rng.uniform(-10, 10, 4000)
    worst = max(lattice, worst_error(cluster, s, t))
    slack = 1e-12  # float rounding in the measurement only
    assert worst <= paper + slack and worst <= fourier + slack, (worst, paper, fourier)
    return paper, fourier


@pytest.mark.parametrize("p", [7, 11, 13])
@pytest.mark.parametrize("n, jitter", [(1, 0.0), (5, 0.3), (40, 0.05), (200, 0.01)])
def test_bounds_are_sound_for_random_clusters(p, n, jitter):
    rng = np.random.default_rng(1000 * p + n)
    for _ in range(3):
        check_sound(random_cluster(rng, n, jitter), p, rng)


def test_bounds_are_sound_for_briefly_trained_models():
    cfg = ModAddConfig(p=13, d_model=32, d_head=8, n_heads=4, d_mlp=64)
    rng = np.random.default_rng(0)
    checked = 0
    for seed in range(2):
        model, _ = train(cfg, seed, ModAddTrainingConfig(epochs=400, lr=3e-3), progress=False)
        for cluster in explain(model).clusters:
            if len(cluster.neurons) >= 2:
                check_sound(cluster, cfg.p, rng)
                checked += 1
    assert checked >= 2


def test_uniform_cluster_gives_the_analytic_value():
    n = 64
    phi = (np.arange(n) + 0.5) * math.pi / n  # centres of n equal cells tiling [0, pi)
    cluster = Cluster(1, np.arange(n), phi, 2 * phi, np.ones(n), 1.0, 0.0)
    bound = certify_cluster(cluster)
    # each cell: 2 * (pi/(2n))^2 / 2; eps_int = 2 L n (pi/(2n))^2 = pi^2 / n
    assert math.pi**2 / n <= bound.eps_int <= math.pi**2 / n * (1 + 1e-12)
    assert bound.eps_phi == 0.0 and bound.relative_bound < 0.2
    assert actual_error(cluster, 59) < bound.relative_bound


def test_cell_integral_cases():
    """integral_alpha^beta |y| dy: (alpha^2+beta^2)/2 when the sample point is inside the cell,
    |beta^2-alpha^2|/2 outside (the draft's Eqs. 10/19/20 print these swapped)."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        alpha, beta = np.sort(rng.uniform(-2, 2, 2))
        exact = mpmath.quad(abs, [alpha, 0, beta] if alpha < 0 < beta else [alpha, beta])
        assert abs(_cell_terms(np.array([alpha]), np.array([beta]))[0] - float(exact)) < 1e-12
    assert _cell_terms(np.array([-1.0]), np.array([1.0]))[0] == 1.0  # inside: not |1 - 1| / 2 = 0


def test_lipschitz_constant_two():
    rng = np.random.default_rng(4)
    s, t, x = rng.uniform(-5, 5, (3, 100000))
    dx = 1e-6

    def h(y):
        return np.abs(np.cos(s + y)) * np.cos(t + 2 * y)

    slopes = np.abs(h(x + dx) - h(x)) / dx
    assert slopes.max() <= 2 + 1e-5 and slopes.max() > 1.9  # 2 is attained (nearly)


def test_fourier_bound_is_tighter_on_structured_clusters():
    rng = np.random.default_rng(5)
    n = 128
    phi = np.sort(rng.uniform(0, math.pi, n))
    cluster = Cluster(2, np.arange(n), phi, 2 * phi + rng.normal(0, 0.02, n), rng.uniform(0.5, 1.5, n), 1.0, 0.0)
    paper = certify_cluster(cluster).relative_bound
    _, fourier = fourier_mode_bound(cluster)
    assert actual_error(cluster, 59) <= fourier < paper


def test_bounds_reject_degenerate_clusters():
    bad = Cluster(1, np.arange(2), np.array([0.0, 1.0]), np.array([0.0, 2.0]), np.array([1.0, 0.0]), 1.0, 0.0)
    with pytest.raises(ValueError, match="positive finite widths"):
        certify_cluster(bad)
    with pytest.raises(ValueError, match="positive finite widths"):
        fourier_mode_bound(bad)


def test_fourier_series_behind_the_mode_bound():
    """sum_i w'_i |cos(s+phi_i)| cos(t+psi_i) = Re sum_n c_n e^{i(t+2ns)} A_n, and the truncation
    error is within the tail 4/(2N+1) (the facts ``fourier_mode_bound`` adds up)."""
    rng = np.random.default_rng(6)
    cluster = random_cluster(rng, 30, 0.2)
    w = cluster.normalized_widths()
    n_modes = 40
    ns = np.arange(-n_modes, n_modes + 1)
    c = (2 / np.pi) * (-1.0) ** (ns + 1) / (4 * ns**2 - 1)
    a = (w[None, :] * np.exp(1j * (cluster.psi[None, :] + 2 * ns[:, None] * cluster.phi[None, :]))).sum(axis=1)
    for s, t in rng.uniform(-4, 4, (20, 2)):
        direct = (w * np.abs(np.cos(s + cluster.phi)) * np.cos(t + cluster.psi)).sum()
        series = (c * np.exp(1j * (t + 2 * ns * s)) * a).sum().real
        assert abs(direct - series) <= 4 / (2 * n_modes + 1)
        assert abs(direct - series) < 0.02  # and it converges
