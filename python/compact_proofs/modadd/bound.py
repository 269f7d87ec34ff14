"""The sound quadrature bound of the pizza explanation, per key frequency, in interval arithmetic.

Claim bounded (one cluster, parameters phi_i, psi_i, w_i > 0 taken as the exact rationals their
float64 values denote; w'_i = 2 pi w_i / sum_j w_j, so sum_i w'_i = 2 pi): for ALL real s, t,

    E(s, t) = | integral_{-pi}^{pi} h(phi) dphi - sum_i w'_i |cos(s + phi_i)| cos(t + psi_i) |
           <= eps_int + eps_phi,          h(phi) = |cos(s + phi)| cos(t + 2 phi),

in particular for s = pi k (a+b) / p, t = 2 pi k c / p and every input (a, b) and class c.
(The integral is (4/3) cos(2s - t): ``identity.py``.) The bound is reported relative to
eps_0 = 8 / (3 pi), the mean of |(4/3) cos| (the paper's "naive abs baseline" 0.85).

Why it holds.
1. Angle. |cos x - cos y| = 2 |sin((x-y)/2)| |sin((x+y)/2)| <= 2 |sin(d_i / 2)| with
   d_i = psi_i - 2 phi_i (any 2 pi representative) and |cos(s + phi_i)| <= 1, so replacing
   psi_i by 2 phi_i costs at most eps_phi = sum_i w'_i 2 |sin(d_i / 2)| (<= the paper's
   sum_i w'_i |d_i|).
2. Periodicity. h has period pi, so integral_{-pi}^{pi} h = 2 integral_theta^{theta+pi} h for
   every shift theta, and h(phi_i) = h(phi*_i) for phi*_i = phi_i + M_i pi, any integer M_i.
3. Rectangles. Sort the neurons (by phi_i mod pi, from theta) and lay cells of widths w'_i / 2
   end to end from v_0 = theta; they tile [theta, theta + pi]. Then
       |integral_theta^{theta+pi} h - sum_i (w'_i/2) h(phi*_i)| <= sum_i integral_cell_i |h(x) - h(phi*_i)| dx
                                                               <= L sum_i integral_{v_{i-1}}^{v_i} |x - phi*_i| dx,
   with L = 2: h is continuous and piecewise C^1 with |h'| = |-sgn(cos u) sin u cos v - 2 |cos u| sin v|
   <= sqrt(sin^2 u + 4 cos^2 u) sqrt(cos^2 v + sin^2 v) <= 2 (Cauchy-Schwarz). With
   alpha = v_{i-1} - phi*, beta = v_i - phi*, the cell integral integral_alpha^beta |y| dy is
   (alpha^2 + beta^2)/2 if alpha <= 0 <= beta (phi* inside the cell), and |beta^2 - alpha^2|/2
   otherwise; the first is an upper bound of the second, used when an interval cannot decide.
   Hence eps_int = 2 L sum_i cell_i (the paper's "integral_0^pi" refinement, its Eq. 20 with
   the two cases the right way round and the factor 1/2 kept).
   Variant (``sample="half_psi"``): sample at x_i = psi_i / 2 instead of phi_i; then the output
   phase is exact, and ||cos(s + phi_i)| - |cos(s + x_i)|| <= 2 |sin(d_i / 4)| replaces step 1.
theta and the M_i change only how tight the bound is, never its validity, so floats choose them
(a grid search over theta); every number that enters the bound is then recomputed with mpmath
interval arithmetic (outward rounding, rigorous pi, sin, cos), and the reported value is the
upper end of the final interval, rounded up to a float.

Time: O(d_mlp log d_mlp) per shift for the float search (G shifts), O(d_mlp) interval
operations for the certified bound: linear in d_mlp after the Fourier extraction.

A second certified bound (beyond the paper), ``fourier_mode_bound``, bounds the same E(s, t)
without a Lipschitz constant or the 2 phi_i approximation. With the Fourier series
|cos x| = sum_{n in Z} c_n exp(2 i n x), c_n = (2/pi) (-1)^(n+1) / (4n^2 - 1), and
A_n = sum_i w'_i exp(i (psi_i + 2 n phi_i)):

    sum_i w'_i |cos(s + phi_i)| cos(t + psi_i) = Re sum_n c_n exp(i (t + 2 n s)) A_n,
    integral_{-pi}^{pi} h = Re sum_n c_n exp(i (t + 2 n s)) 2 pi [n = -1]      (= (4/3) cos(2s - t)),

so E(s, t) <= sum_{|n| <= N} |c_n| |A_n - 2 pi [n = -1]| + sum_{|n| > N} |c_n| 2 pi
           <= sum_{|n| <= N} |c_n| |A_n - 2 pi [n = -1]| + 4 / (2N + 1),
using |A_n| <= sum_i w'_i = 2 pi and sum_{n > N} 1/(4n^2 - 1) = 1/(2(2N + 1)) (telescoping).
Time O(N d_mlp) interval operations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import mpmath
import numpy as np

from ..core.exact import iv_precision
from .fourier import Cluster, Explanation

LIPSCHITZ = 2


def _float_up(x: mpmath.mpf) -> float:
    """The least float >= x (x an mpf)."""
    f = float(x)
    return f if mpmath.mpf(f) >= x else float(np.nextafter(f, np.inf))


def _checked(cluster: Cluster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(phi, psi, width) as float64 arrays; ValueError unless non-empty, finite, widths > 0."""
    phi, psi, width = (np.asarray(a, dtype=np.float64) for a in (cluster.phi, cluster.psi, cluster.width))
    if len(phi) == 0 or not (np.isfinite(phi).all() and np.isfinite(psi).all() and np.isfinite(width).all() and (width > 0).all()):
        raise ValueError(f"cluster k={cluster.freq}: need finite phases and positive finite widths")
    return phi, psi, width


def _cell_terms(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """integral_alpha^beta |y| dy for alpha <= beta (float, for the search)."""
    inside = (alpha <= 0) & (beta >= 0)
    return np.where(inside, (alpha**2 + beta**2) / 2, np.abs(beta**2 - alpha**2) / 2)


def _layout(phi: np.ndarray, half: np.ndarray, theta: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Float layout for one shift: (order, M [n] ints so phi*_i = phi_i + M_i pi, cell sum)."""
    key = np.mod(phi - theta, np.pi)
    order = np.argsort(key, kind="stable")
    ends = theta + np.cumsum(half[order])
    starts = ends - half[order]
    mids = (starts + ends) / 2
    m = np.rint((mids - phi[order]) / np.pi)
    reps = phi[order] + m * np.pi
    total = _cell_terms(starts - reps, ends - reps).sum()
    return order, m.astype(np.int64), float(total)


def search_shift(phi: np.ndarray, width: np.ndarray, grid: int = 256) -> tuple[float, np.ndarray, np.ndarray]:
    """Float search over theta on a grid of ``grid`` points in [0, pi): (theta, order, M) of the
    smallest cell sum. Untrusted. O(grid n log n). (On the shipped models, adding every phase as
    a candidate, which would make the search quadratic, changes the bound by < 1e-4.)"""
    half = np.pi * width / width.sum()
    best = None
    for theta in np.arange(grid) * (np.pi / grid):
        order, m, total = _layout(phi, half, float(theta))
        if best is None or total < best[0]:
            best = (total, float(theta), order, m)
    return best[1], best[2], best[3]


@dataclass(frozen=True)
class ClusterBound:
    """Certified upper bounds for one key frequency (absolute, and relative to 8/(3 pi))."""

    freq: int
    neurons: int
    eps_int: float  # 2 L sum of cell integrals (upper end)
    eps_phi: float  # sum_i w'_i 2|sin((psi_i - 2 phi_i)/2)| (upper end)
    bound: float  # eps_int + eps_phi (upper end)
    relative_bound: float  # bound / (8 / (3 pi)) (upper end)
    theta: float  # the shift used (exact float)
    sample: str  # "phi" (the paper's) or "half_psi": the sample points used

    def to_dict(self) -> dict:
        return asdict(self)


def certify_cluster(cluster: Cluster, *, grid: int = 256, prec: int = 96, sample: str = "phi") -> ClusterBound:
    """Interval-certified eps_int + eps_phi for one cluster; see the module docstring.

    ``sample="phi"`` is the paper's choice (sample points phi_i, output phases replaced by
    2 phi_i). ``sample="half_psi"`` samples at x_i = psi_i / 2 instead, so the output phase is
    exact and the approximation moves to the input: ||cos(s + phi_i)| - |cos(s + x_i)|| <=
    2 |sin(d_i / 4)| (|cos| has period pi, so the 2 pi representative of d_i is irrelevant),
    which halves eps_phi to first order.
    """
    phi_in, psi, width = _checked(cluster)
    if sample not in ("phi", "half_psi"):
        raise ValueError(f"sample must be 'phi' or 'half_psi', got {sample!r}")
    phi = phi_in if sample == "phi" else psi / 2  # exact: halving a float64 is exact here
    theta, order, m = search_shift(phi, width, grid)
    turns = np.rint((psi - 2 * phi_in) / (2 * np.pi))  # d_i = psi_i - 2 phi_i - 2 pi turns_i, small
    divisor = 2 if sample == "phi" else 4
    iv = mpmath.iv
    with iv_precision(prec):
        pi = iv.pi
        total_w = iv.mpf(0)
        for w in width:
            total_w += iv.mpf(float(w))
        cells = iv.mpf(0)
        v = iv.mpf(theta)
        for j, i in enumerate(order):
            start = v
            v = v + pi * iv.mpf(float(width[i])) / total_w  # cell width w'_i / 2
            rep = iv.mpf(float(phi[i])) + int(m[j]) * pi
            alpha, beta = start - rep, v - rep
            if alpha.a >= 0 or beta.b <= 0:  # phi* certainly left or right of the cell
                term = abs(beta * beta - alpha * alpha) / 2
            else:  # inside, or undecided: (alpha^2 + beta^2)/2 bounds every case
                term = (alpha * alpha + beta * beta) / 2
            cells += iv.mpf(term.b)
        eps_int = 2 * LIPSCHITZ * cells
        eps_phi = iv.mpf(0)
        for i in range(len(phi)):
            d = iv.mpf(float(psi[i])) - 2 * iv.mpf(float(phi_in[i])) - 2 * int(turns[i]) * pi
            sin_half = iv.sin(d / divisor)
            eps_phi += 2 * pi * iv.mpf(float(width[i])) / total_w * 2 * max(abs(sin_half.a), abs(sin_half.b))
        bound = eps_int + eps_phi
        relative = bound / (8 / (3 * pi))
        return ClusterBound(
            cluster.freq, len(phi), _float_up(eps_int.b), _float_up(eps_phi.b), _float_up(bound.b), _float_up(relative.b), theta, sample
        )


def fourier_mode_bound(cluster: Cluster, *, modes: int = 96, prec: int = 64) -> tuple[float, float]:
    """Certified (E bound, E bound / (8/(3 pi))) by the Fourier-mode argument of the module
    docstring with N = ``modes``; upper ends of interval enclosures, rounded up to floats."""
    phis, psis, raw_widths = _checked(cluster)
    iv = mpmath.iv
    with iv_precision(prec):
        pi = iv.pi
        widths = [iv.mpf(float(w)) for w in raw_widths]
        total_w = sum(widths, iv.mpf(0))
        # term_i(n) = w'_i exp(i (psi_i + 2 n phi_i)) as (re, im) intervals, from n = -1 outwards.
        step_re, step_im, start_re, start_im = [], [], [], []
        for phi, psi, w in zip(phis, psis, widths):
            two_phi = 2 * iv.mpf(float(phi))
            step_re.append(iv.cos(two_phi))
            step_im.append(iv.sin(two_phi))
            d = iv.mpf(float(psi)) - two_phi
            scale = 2 * pi * w / total_w
            start_re.append(scale * iv.cos(d))
            start_im.append(scale * iv.sin(d))

        def magnitude_up(re: list, im: list, minus: object = 0) -> mpmath.mpf:
            x, y = sum(re, iv.mpf(0)) - minus, sum(im, iv.mpf(0))
            mx, my = max(abs(x.a), abs(x.b)), max(abs(y.a), abs(y.b))
            return iv.sqrt(iv.mpf(mx) ** 2 + iv.mpf(my) ** 2).b

        def coef(n: int) -> object:
            return 2 / (pi * (4 * n * n - 1))

        total = coef(-1) * magnitude_up(start_re, start_im, 2 * pi)
        for sign in (1, -1):  # n = 0, 1, ..., N (multiply by z) and n = -2, ..., -N (by conj z)
            re, im = list(start_re), list(start_im)
            for n in (range(0, modes + 1) if sign == 1 else range(-2, -modes - 1, -1)):
                for i in range(len(re)):
                    zr, zi = step_re[i], sign * step_im[i]
                    re[i], im[i] = re[i] * zr - im[i] * zi, re[i] * zi + im[i] * zr
                total += abs(coef(n)) * magnitude_up(re, im)
        bound = total + iv.mpf(4) / (2 * modes + 1)
        relative = bound / (8 / (3 * pi))
        return _float_up(bound.b), _float_up(relative.b)


def actual_error(cluster: Cluster, p: int, use_psi: bool = True) -> float:
    """Brute force (float, a measurement, not a proof): max over (a+b mod p, c) of E(s, t),
    relative to 8/(3 pi). With ``use_psi=False`` the sum uses 2 phi_i (pure quadrature error)."""
    k = 2 * np.pi * cluster.freq / p
    n = np.arange(p)
    s = k * n / 2  # [m]; s mod pi depends only on (a+b) mod p since k p / 2 = pi k_int
    t = k * np.arange(p)  # [c]
    w = cluster.normalized_widths()
    out_phase = cluster.psi if use_psi else 2 * cluster.phi
    amp = np.abs(np.cos(s[:, None] + cluster.phi[None, :])) * w  # [m, i]
    sums = amp @ np.cos(t[None, :] + out_phase[:, None])  # [m, c]
    exact = (4 / 3) * np.cos(2 * s[:, None] - t[None, :])
    return float(np.abs(sums - exact).max() / (8 / (3 * np.pi)))


def certify(explanation: Explanation, **kwargs) -> list[ClusterBound]:
    """``certify_cluster`` for every cluster of the explanation."""
    return [certify_cluster(c, **kwargs) for c in explanation.clusters]

