"""A compact accuracy certificate for modular-addition models: the MLP's output path in a few
Fourier modes, with the rest bounded.

Claim. With the exact tables of ``brute_force`` (``pre = q + Q0[a] + Q1[b]``, ``post = ReLU(pre)``,
``logit = lin(a, b) + post M``), input (a, b) with answer y = (a + b) mod p is correct iff for
every c != y

    margin(a, b, c) = lin(a, b)[y] - lin(a, b)[c] + post(a, b) . (M[:, y] - M[:, c]) > 0.

For ANY matrix Mh [d_mlp, p], with R = M - Mh and post >= 0 (ReLU),

    post . (M[:, y] - M[:, c]) >= post . (Mh[:, y] - Mh[:, c]) - err(a, b, c),
    err = min( sum_n post_n (max_c R[n, c] - min_c R[n, c]),      (Hoelder, l1 x l-inf)
               ||post||_2 ||R[:, y] - R[:, c]||_2 )                 (Cauchy-Schwarz)

so the input is certified when the right side plus the linear part is positive for every c.

The explanation. Pizza neurons write a few frequencies to the logits (the key frequencies, their
2k "secondary" images, small others), so the certificate takes Mh = coef @ basis: ``basis``
[2|F|, p] holds the dyadic roundings (``prec`` bits) of cos(2 pi k c / p) and sin(2 pi k c / p)
for the chosen frequencies k in F, and ``coef`` [d_mlp, 2|F|] the neurons' least-squares
coefficients rounded to dyadics. A few neurons the fit explains badly may instead be listed as
``exact_neurons`` X: their contribution post_X . M_X is computed exactly, and the bound above
runs over the other neurons E only (their rows of coef; the rows of X must be zero). Any Mh
and any X give a valid bound, so floats choose F, coef and X; the check is exact integer
arithmetic on the model's float32 weights read as dyadics, and the basis is recomputed by the
checker from (F, prec) alone.

Cost (multiply-adds; the tables q, Q0, Q1, lin, M are shared with brute force and not counted
for either): brute force evaluates post . M for all inputs, p^3 d_mlp. The check evaluates
post_E . coef (2|F| p^2 |E|), the l1 term and ||post_E||^2 (2 p^2 |E|), R and its pair norms
(2|F| p |E| + p^2 |E| / 2), the margins (2|F| p^3) and the exact neurons (p^3 |X|): about
((2|F| + 2.5) |E| / p + |X|) / d_mlp of brute force's multiply-adds.

Preconditions: a ``ModAddTransformer`` with finite float32 weights. Postcondition of
``check``: the returned verdicts are a subset of the exactly correct inputs (tested against
``brute_force.exact_verdicts`` on random and trained models).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from ..core import strategy as core_strategy
from ..core.exact import Dyadic
from ..core.modelfile import model_sha256
from .brute_force import ExactTables, exact_verdicts
from .model import ModAddTransformer

FORMAT = "compact-proofs/modadd-output-fourier-certificate"
VERSION = 1
DEFAULT_PREC = 24


class CertificateError(core_strategy.CertificateError):
    """A certificate file that is malformed, for another model, or claims too much."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem


class CertificateRejected(CertificateError):
    """A well-formed certificate of the model whose exact check certifies fewer inputs than it claims."""


@dataclass(frozen=True)
class OutputFourierCertificate:
    """The witness: frequencies F, basis precision, ``coef * 2**coef_exp`` [d_mlp, 2|F|] and the
    exact neurons X (their coef rows are zero)."""

    model_sha256: str
    p: int
    d_mlp: int
    freqs: tuple[int, ...]
    prec: int
    coef_exp: int
    coef: tuple[tuple[int, ...], ...]
    claimed_correct: int
    exact_neurons: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "model_sha256": self.model_sha256,
            "p": self.p,
            "d_mlp": self.d_mlp,
            "freqs": list(self.freqs),
            "prec": self.prec,
            "coef_exp": self.coef_exp,
            "coef": [list(row) for row in self.coef],
            "exact_neurons": list(self.exact_neurons),
            "claimed_correct": self.claimed_correct,
        }

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")) + "\n")
        return path


def read_json(path: Path | str) -> Any:
    """The JSON value in a certificate file; raises ``CertificateError`` naming an unreadable one."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CertificateError(path, f"cannot read JSON: {exc}") from exc


def read_certificate(path: Path | str) -> OutputFourierCertificate:
    """Parse and validate a certificate file (JSON only); raises ``CertificateError`` naming it."""
    return parse_certificate(read_json(path), path)


def parse_certificate(data: Any, path: Path | str = "certificate") -> OutputFourierCertificate:
    """Validate a certificate's JSON value; raises ``CertificateError`` naming ``path``, its source."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise CertificateError(path, f"not a {FORMAT} version {VERSION} file")

    def integer(key: str, low: int | None = None) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or (low is not None and value < low):
            raise CertificateError(path, f"field {key!r} must be an integer" + (f" >= {low}" if low is not None else ""))
        return value

    p, d_mlp, prec, claimed = integer("p", 3), integer("d_mlp", 1), integer("prec", 1), integer("claimed_correct", 0)
    coef_exp = integer("coef_exp")
    if prec > 256:
        raise CertificateError(path, "field 'prec' must be at most 256")
    freqs = data.get("freqs")
    if not isinstance(freqs, list) or not all(isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= (p - 1) // 2 for k in freqs):
        raise CertificateError(path, f"field 'freqs' must be a list of integers in 1..{(p - 1) // 2}")
    if len(set(freqs)) != len(freqs):
        raise CertificateError(path, "field 'freqs' repeats a frequency")
    coef = data.get("coef")
    if (
        not isinstance(coef, list)
        or len(coef) != d_mlp
        or not all(isinstance(row, list) and len(row) == 2 * len(freqs) for row in coef)
        or not all(isinstance(v, int) and not isinstance(v, bool) for row in coef for v in row)
    ):
        raise CertificateError(path, f"field 'coef' must be {d_mlp} rows of {2 * len(freqs)} integers")
    exact = data.get("exact_neurons")
    if (
        not isinstance(exact, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < d_mlp for n in exact)
        or exact != sorted(set(exact))
    ):
        raise CertificateError(path, f"field 'exact_neurons' must be a sorted list of distinct integers in 0..{d_mlp - 1}")
    if any(v for n in exact for v in coef[n]):
        raise CertificateError(path, "the coef rows of exact neurons must be zero")
    sha = data.get("model_sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        raise CertificateError(path, "field 'model_sha256' must be a sha256 hex digest")
    return OutputFourierCertificate(
        sha, p, d_mlp, tuple(freqs), prec, coef_exp, tuple(tuple(r) for r in coef), claimed, tuple(exact)
    )


def fourier_basis(p: int, freqs: tuple[int, ...], prec: int) -> Dyadic:
    """[2|F|, p]: round(2^prec cos(2 pi k c / p)), then the sines, exactly reproducible (mpmath
    at 2 prec + 32 bits; only determinism matters for soundness, not accuracy)."""
    rows = []
    with mpmath.workprec(2 * prec + 32):
        for trig in (mpmath.cos, mpmath.sin):
            for k in freqs:
                rows.append([int(mpmath.nint(trig(2 * mpmath.pi * k * c / p) * 2**prec)) for c in range(p)])
    num = np.empty((2 * len(freqs), p), dtype=object)
    for i, row in enumerate(rows):
        num[i, :] = row
    return Dyadic(num, -prec)


@dataclass(frozen=True)
class CertificateCheck:
    """Outcome of ``check``: per-input verdicts [p, p] (a, b) and the operation counts."""

    verdicts: np.ndarray
    multiply_adds: int
    brute_force_multiply_adds: int
    seconds: float

    @property
    def certified(self) -> int:
        return int(self.verdicts.sum())

    @property
    def cost_ratio(self) -> float:
        return self.multiply_adds / self.brute_force_multiply_adds


def _exact_post(tables: ExactTables, p: int) -> Dyadic:
    """post(a, b) for every input, row a * p + b: [p^2, d_mlp], exact."""
    e = min(tables.q.exp, tables.Q0.exp, tables.Q1.exp)
    q, q0, q1 = tables.q.with_exp(e).num, tables.Q0.with_exp(e).num, tables.Q1.with_exp(e).num
    pre = q[None, None, :] + q0[:, None, :] + q1[None, :, :]  # [a, b, d_mlp]
    post = np.where(pre > 0, pre, 0).astype(object)
    return Dyadic(post.reshape(p * p, -1), e)


def multiply_adds(p: int, d_mlp: int, n_freqs: int, n_exact: int) -> int:
    """Multiply-adds of ``check`` (module docstring) with |F| = n_freqs and |X| = n_exact."""
    n_f, fitted = 2 * n_freqs, d_mlp - n_exact
    return n_f * p * p * fitted + 2 * p * p * fitted + n_f * p * fitted + p * p * fitted // 2 + n_f * p**3 + p**3 * n_exact


def _positive(d: Dyadic) -> np.ndarray:
    """Elementwise ``d > 0`` as a bool array."""
    return np.asarray(d.num > 0, dtype=bool)


def check(
    model: ModAddTransformer, cert: OutputFourierCertificate, *, tables: ExactTables | None = None, source: Path | str = "certificate"
) -> CertificateCheck:
    """Exact per-input verdicts of the certificate (module docstring). Raises ``CertificateError``
    (naming ``source``) if the certificate belongs to another model, ``CertificateRejected`` if it
    claims more inputs than it certifies.

    Time: O(|F| p^2 d_mlp + p^2 d_mlp + |F| p^3) exact integer operations."""
    start = time.perf_counter()
    p, d_mlp = model.cfg.p, model.cfg.d_mlp
    if cert.model_sha256 != model_sha256(model):
        raise CertificateError(source, "model_sha256 does not match the model's weights (a certificate of another model?)")
    if (cert.p, cert.d_mlp) != (p, d_mlp):
        raise CertificateError(source, f"shape p={cert.p}, d_mlp={cert.d_mlp} does not match the model's p={p}, d_mlp={d_mlp}")
    exact = np.array(cert.exact_neurons, dtype=np.int64)
    if len(exact) and (exact.min() < 0 or exact.max() >= d_mlp or len(set(exact.tolist())) != len(exact)):
        raise CertificateError(source, "exact_neurons must be distinct neurons of the model")
    if any(v for n in cert.exact_neurons for v in cert.coef[n]):
        raise CertificateError(source, "the coef rows of exact neurons must be zero")
    tables = tables or ExactTables.from_model(model)
    fitted = np.setdiff1d(np.arange(d_mlp), exact)  # E: the neurons the fit and the bound cover
    basis = fourier_basis(p, cert.freqs, cert.prec)  # [2F, p]
    coef = Dyadic(np.array(cert.coef, dtype=object).reshape(d_mlp, 2 * len(cert.freqs))[fitted], cert.coef_exp)  # [E, 2F]
    m_hat = coef @ basis  # [E, p]
    resid = tables.M[fitted] - m_hat  # [E, p]
    spread = Dyadic(resid.num.max(axis=1) - resid.num.min(axis=1), resid.exp)  # [E]
    pair = resid.num[:, :, None] - resid.num[:, None, :]  # [E, y, c]
    pair_sq = Dyadic(np.einsum("nyc,nyc->yc", pair, pair), 2 * resid.exp)  # [y, c]: ||R[:, y] - R[:, c]||^2

    post_all = _exact_post(tables, p)  # [p^2, d_mlp]
    post = post_all[:, fitted]  # [p^2, E]
    explained = (post @ coef) @ basis  # [p^2, p]: post_E . Mh
    l1 = post @ spread  # [p^2]
    post_sq = Dyadic(np.einsum("in,in->i", post.num, post.num), 2 * post.exp)  # [p^2]
    a = np.repeat(np.arange(p), p)
    b = np.tile(np.arange(p), p)
    lin = Dyadic(tables.r.num[None, :], tables.r.exp) + tables.R0[a] + tables.R1[b]  # [p^2, p]
    score = lin + explained  # [p^2, p]
    if len(exact):
        score = score + post_all[:, exact] @ tables.M[exact]  # the exact neurons' logits
    y = (a + b) % p
    gap = Dyadic(score.num[np.arange(p * p), y][:, None] - score.num, score.exp)  # [p^2, c]: margin before the residual
    ok_l1 = _positive(gap - Dyadic(l1.num[:, None], l1.exp))
    gap_sq = Dyadic(gap.num * gap.num, 2 * gap.exp)
    ok_cs = _positive(gap) & _positive(gap_sq - Dyadic(post_sq.num[:, None] * pair_sq.num[y, :], post_sq.exp + pair_sq.exp))
    rival = np.arange(p)[None, :] != y[:, None]
    verdicts = np.where(rival, ok_l1 | ok_cs, True).all(axis=1).reshape(p, p)
    mads = multiply_adds(p, d_mlp, len(cert.freqs), len(exact))
    result = CertificateCheck(verdicts, mads, p**3 * d_mlp, time.perf_counter() - start)
    if cert.claimed_correct > result.certified:
        raise CertificateRejected(source, f"claims {cert.claimed_correct} correct inputs but certifies only {result.certified}")
    return result


def _float_verdicts(post: np.ndarray, lin: np.ndarray, m: np.ndarray, m_hat: np.ndarray, p: int) -> np.ndarray:
    """Float64 estimate of ``check``'s verdicts for a candidate Mh over the fitted neurons, with
    the exact neurons already in ``lin`` (search only, never a proof)."""
    resid = m - m_hat
    spread = resid.max(axis=1) - resid.min(axis=1)
    pair = np.sqrt(((resid[:, :, None] - resid[:, None, :]) ** 2).sum(axis=0))  # [y, c]
    score = lin + post @ m_hat
    y = (np.repeat(np.arange(p), p) + np.tile(np.arange(p), p)) % p
    gap = score[np.arange(p * p), y][:, None] - score
    err = np.minimum((post @ spread)[:, None], np.linalg.norm(post, axis=1)[:, None] * pair[y])
    ok = np.where(np.arange(p)[None, :] != y[:, None], gap > err, True)
    return ok.all(axis=1)


#: Numbers of exact neurons the search tries (those below d_mlp).
EXACT_NEURON_GRID = (0, 8, 16, 32, 64, 128)


def find_certificate(
    model: ModAddTransformer,
    *,
    target_fraction: float = 1.0,
    max_freqs: int | None = None,
    prec: int = DEFAULT_PREC,
    tables: ExactTables | None = None,
    n_correct: int | None = None,
) -> tuple[OutputFourierCertificate, CertificateCheck]:
    """Proof search (floats). Frequencies of M's rows in order of total power; for each prefix F
    and each size in ``EXACT_NEURON_GRID``, the exact neurons X are those with the largest fit
    residual (spread times largest activation). The cheapest pair (``multiply_adds``) whose float
    estimate certifies ``target_fraction`` of the exactly correct inputs wins (else the pair
    certifying most); coefficients are least squares rounded to dyadics, and
    ``claimed_correct`` is what the exact ``check`` then certifies. ``n_correct``, the model's
    exact number of correct inputs, is computed by brute force when not given. Returns the
    certificate and that check's result. Time: O(max_freqs |grid| (p^2 d_mlp + p^3)) floats
    plus one check."""
    if not 0.0 < target_fraction <= 1.0:
        raise ValueError(f"target_fraction must be in (0, 1], got {target_fraction}")
    p, d_mlp = model.cfg.p, model.cfg.d_mlp
    tables = tables or ExactTables.from_model(model)
    f = {name: getattr(tables, name).to_float64() for name in ("q", "Q0", "Q1", "r", "R0", "R1", "M")}
    post = np.maximum(f["q"][None, None, :] + f["Q0"][:, None, :] + f["Q1"][None, :, :], 0).reshape(p * p, d_mlp)
    lin = f["r"][None, :] + np.repeat(f["R0"], p, axis=0) + np.tile(f["R1"], (p, 1))  # [p^2, p]
    c = np.arange(p)
    ks = np.arange(1, (p - 1) // 2 + 1)
    spec = f["M"] @ np.exp(-2j * np.pi * np.outer(ks, c) / p).T  # [d_mlp, k]
    order = [int(k) for k in ks[np.argsort(-(np.abs(spec) ** 2).sum(axis=0), kind="stable")]]
    if n_correct is None:
        n_correct = int(exact_verdicts(model, tables)[0].sum())
    target = int(np.ceil(target_fraction * n_correct))
    limit = len(order) if max_freqs is None else min(max_freqs, len(order))
    best: tuple[bool, int, int, tuple[int, ...], np.ndarray, np.ndarray] | None = None  # reached, count, cost, F, coef, X
    for n in range(1, limit + 1):
        if best is not None and best[0] and multiply_adds(p, d_mlp, n, 0) >= best[2]:
            break  # every candidate from here on costs more than the best one found
        freqs = tuple(order[:n])
        basis = fourier_basis(p, freqs, prec).to_float64()  # [2F, p]
        coef = np.linalg.lstsq(basis.T, f["M"].T, rcond=None)[0].T  # [d_mlp, 2F]
        m_hat = coef @ basis
        resid = f["M"] - m_hat
        badness = (resid.max(axis=1) - resid.min(axis=1)) * post.max(axis=0)
        for n_exact in (x for x in EXACT_NEURON_GRID if x < d_mlp):
            exact = np.sort(np.argsort(-badness, kind="stable")[:n_exact])
            fitted = np.setdiff1d(np.arange(d_mlp), exact)
            count = int(_float_verdicts(post[:, fitted], lin + post[:, exact] @ f["M"][exact], f["M"][fitted], m_hat[fitted], p).sum())
            cost = multiply_adds(p, d_mlp, n, n_exact)
            key = (count >= target, count if count < target else 0, -cost)
            if best is None or key > (best[0], best[1] if not best[0] else 0, -best[2]):
                best = (count >= target, count, cost, freqs, coef, exact)
    assert best is not None
    _, _, _, freqs, coef, exact = best
    coef = coef.copy()
    coef[exact] = 0.0
    scale = max(float(np.abs(coef).max()), 1e-300)
    coef_exp = int(np.floor(np.log2(scale))) - prec
    coef_int = tuple(tuple(int(v) for v in row) for row in np.rint(np.ldexp(coef, -coef_exp)))
    exact_t = tuple(int(n) for n in exact)
    sha = model_sha256(model)
    cert = OutputFourierCertificate(sha, p, d_mlp, freqs, prec, coef_exp, coef_int, 0, exact_t)
    result = check(model, cert, tables=tables)
    return OutputFourierCertificate(sha, p, d_mlp, freqs, prec, coef_exp, coef_int, result.certified, exact_t), result
