"""The integral identity behind the pizza algorithm, checked symbolically (sympy) and numerically.

For real s, t and sigma in {+1, -1}:

    integral_{-pi}^{pi} ReLU[sigma cos(s + phi)] cos(t + 2 phi) dphi = (2/3) cos(2s - t),   (*)
    integral_{-pi}^{pi} |cos(s + phi)| cos(t + 2 phi) dphi         = (4/3) cos(2s - t),
    integral_{-pi}^{pi} cos(s + phi) cos(t + 2 phi) dphi           = 0.

Convention: with s = k(a+b)/2 and t = kc (k = 2 pi k_int / p) the right side of (*) is
(2/3) cos(k(a+b-c)), largest at c = a+b mod p, which is why the output phase must be psi = +2 phi.
Proof of (*): substitute u = s + phi (the integrand is 2 pi-periodic, so the limits may stay
[-pi, pi]); ReLU(sigma cos u) is supported on |u| <= pi/2 (sigma = 1) or |u - pi| <= pi/2
(sigma = -1, then shift u by pi, which changes 2u by 2 pi); cos(t - 2s + 2u) = cos(t - 2s) cos 2u
- sin(t - 2s) sin 2u, the sin 2u part is odd and integrates to 0, and
integral_{-pi/2}^{pi/2} cos u cos 2u du = 2/3. ReLU(x) = (x + |x|)/2 gives the other two lines.
"""

from __future__ import annotations

import mpmath
import sympy


def symbolic_residuals() -> dict[str, sympy.Expr]:
    """Each identity as (integral - closed form), simplified by sympy; all must be 0.

    The ReLU and |.| integrals are split at the zeros of cos(s + phi) after the substitution
    u = s + phi over one period [-pi/2, 3pi/2] (the integrand is 2 pi-periodic in u).
    """
    u, s, t = sympy.symbols("u s t", real=True)
    out = sympy.cos(t - 2 * s + 2 * u)  # cos(t + 2 phi) with phi = u - s
    pos = sympy.integrate(sympy.cos(u) * out, (u, -sympy.pi / 2, sympy.pi / 2))  # where cos u >= 0
    neg = sympy.integrate(-sympy.cos(u) * out, (u, sympy.pi / 2, 3 * sympy.pi / 2))  # where cos u <= 0
    closed = sympy.cos(2 * s - t)
    residuals = {
        "relu_plus": pos - sympy.Rational(2, 3) * closed,
        "relu_minus": neg - sympy.Rational(2, 3) * closed,
        "abs": pos + neg - sympy.Rational(4, 3) * closed,
        "identity": sympy.integrate(sympy.cos(u) * out, (u, -sympy.pi / 2, 3 * sympy.pi / 2)),
    }
    return {name: sympy.simplify(sympy.expand_trig(sympy.expand(expr))) for name, expr in residuals.items()}


def relu_integral(s: float, t: float, sigma: int = 1, dps: int = 30) -> mpmath.mpf:
    """Numerical integral_{-pi}^{pi} ReLU[sigma cos(s + phi)] cos(t + 2 phi) dphi (mpmath quad,
    split at the kinks phi = +-pi/2 - s mod 2 pi so each piece is smooth)."""
    with mpmath.workdps(dps):
        f = lambda x: max(sigma * mpmath.cos(s + x), 0) * mpmath.cos(t + 2 * x)  # noqa: E731
        kinks = sorted(((k * mpmath.pi / 2 - s + mpmath.pi) % (2 * mpmath.pi)) - mpmath.pi for k in (1, -1))
        return mpmath.quad(f, [-mpmath.pi, *kinks, mpmath.pi])


def closed_form(s: float, t: float, dps: int = 30) -> mpmath.mpf:
    """(2/3) cos(2s - t) at ``dps`` decimal digits."""
    with mpmath.workdps(dps):
        return mpmath.mpf(2) / 3 * mpmath.cos(2 * mpmath.mpf(s) - t)
