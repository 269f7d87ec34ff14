"""An independent, slow exact evaluator of Max-of-K models, for testing only.

It runs the full forward pass per input (residual stream, per-head Q/K/V with the softmax
division, W_O, W_U; no path decomposition) with exact ``Fraction`` weights and scores, and
evaluates the logits at 300 bits with mpmath. A logit difference below 1e-60 in size is
settled symbolically with sympy, which collects equal exponentials, so an exact tie is
recognised as the expression 0.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import numpy as np
import sympy


def _frac(a: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda x: Fraction(float(x)), otypes=[object])(a)


def _rat(f: Fraction) -> sympy.Rational:
    return sympy.Rational(f.numerator, f.denominator)


def exact_correct(weights: dict[str, np.ndarray], d_head: int) -> np.ndarray:
    """Boolean verdict per input (C order over [d_vocab] * n_ctx) under exact semantics."""
    W = {name: _frac(a) for name, a in weights.items()}
    v, k = W["W_E"].shape[0], W["W_pos"].shape[0]
    n_heads = W["W_Q"].shape[0]
    out = np.zeros((v,) * k, dtype=bool)
    mp = mpmath.mp.clone()
    mp.prec = 300
    for tokens in itertools.product(range(v), repeat=k):
        resid = [W["W_E"][t] + W["W_pos"][i] for i, t in enumerate(tokens)]
        direct = resid[-1].dot(W["W_U"])  # Fractions [x]
        heads = []  # per head: (scores, per-position OV logit rows)
        for h in range(n_heads):
            q = resid[-1].dot(W["W_Q"][h])
            scores = [q.dot(r.dot(W["W_K"][h])) for r in resid]
            rows = [r.dot(W["W_V"][h]).dot(W["W_O"][h]).dot(W["W_U"]) for r in resid]
            heads.append((scores, rows))

        def numeric(x: int):
            total = mp.mpf(direct[x].numerator) / direct[x].denominator
            for scores, rows in heads:
                e = [mp.exp(mp.mpf(s.numerator) / s.denominator / mp.sqrt(d_head)) for s in scores]
                total += sum(ei * mp.mpf(r[x].numerator) / r[x].denominator for ei, r in zip(e, rows)) / sum(e)
            return total

        def symbolic(x: int) -> sympy.Expr:
            total = _rat(direct[x])
            for scores, rows in heads:
                e = [sympy.exp(_rat(s) / sympy.sqrt(d_head)) for s in scores]
                total += sympy.Add(*[ei * _rat(r[x]) for ei, r in zip(e, rows)]) / sympy.Add(*e)
            return total

        m = max(tokens)
        lm = numeric(m)
        ok = True
        for x in range(v):
            if x == m:
                continue
            diff = lm - numeric(x)
            if abs(diff) < mp.mpf(10) ** -60:
                exact = sympy.simplify(symbolic(m) - symbolic(x))
                if exact == 0:
                    ok = False
                    break
                diff = sympy.N(exact, 200)
            if diff <= 0:
                ok = False
                break
        out[tokens] = ok
    return out
