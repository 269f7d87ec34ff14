"""The modular-addition strategies: the core protocol (``core.strategy``) over ``ModAddTables``.

``REGISTRY`` holds ``brute_force`` (the exact count, no certificate) and ``output_fourier`` (the
certificate of ``certificate.py``, re-verified by ``certificate.check``). Every strategy proves
from one ``ModAddTables`` per model, which builds the exact tables and the exact verdicts once,
on first use, so that no work runs twice within one certify loop.

Contract of every strategy (soundness): ``correct_lower_bound`` never exceeds the exact number
of inputs (a, b) the model gets right under the real-number semantics of its float32 weights
(``brute_force.exact_verdicts``), ties counted as wrong.
"""

from __future__ import annotations

import time
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from ..core.strategy import Proof, Registry, StrategyResult
from .brute_force import exact_verdicts
from .certificate import check, find_certificate, parse_certificate
from .model import ModAddTransformer
from .tables import ExactTables


class ModAddTables:
    """One model, its exact tables and its exact verdicts, each built on first use and kept.

    ``target_fraction`` and ``max_freqs`` are the aims of ``output_fourier``'s search (the
    ``--target-fraction`` and ``--max-freqs`` of ``compact-proofs modadd certify``).
    """

    def __init__(self, model: ModAddTransformer, *, target_fraction: float = 1.0, max_freqs: int | None = None):
        self.model = model
        self.target_fraction = target_fraction
        self.max_freqs = max_freqs

    @property
    def n_inputs(self) -> int:
        return self.model.cfg.p ** 2

    @cached_property
    def exact(self) -> ExactTables:
        return ExactTables.from_model(self.model)

    @cached_property
    def _verdicts(self) -> tuple[np.ndarray, int]:
        return exact_verdicts(self.model, self.exact)

    @property
    def verdicts(self) -> np.ndarray:
        """Exact verdicts [p, p] (a, b) under the real-number semantics."""
        return self._verdicts[0]

    @property
    def exact_decided(self) -> int:
        """Inputs the exact verdicts needed exact integer arithmetic for."""
        return self._verdicts[1]

    @property
    def n_correct(self) -> int:
        return int(self.verdicts.sum())


REGISTRY: Registry[ModAddTables] = Registry("modadd")


@REGISTRY.register("brute_force")
def brute_force(tables: ModAddTables) -> Proof:
    """Exact accuracy as a strategy result (the reference every sound bound stays below).

    Time complexity: that of ``exact_verdicts``, O(p^3 d_mlp) float work plus the exact tables
    and O(d_mlp p) exact work per input the float path cannot decide.
    Preconditions: a ``ModAddTransformer`` with finite float32 weights.
    Postconditions: the bound is the exact number of correct inputs. Proof FLOPs: two per
    multiply-add of post . M over all inputs (the tables, shared by every strategy, are not
    counted); unexplained dimensionality p^3 (every logit of
    every input is evaluated).
    """
    start = time.perf_counter()
    correct = tables.n_correct
    p, d_mlp = tables.model.cfg.p, tables.model.cfg.d_mlp
    return Proof(StrategyResult(
        "brute_force", correct, Fraction(correct, tables.n_inputs), 2 * p**3 * d_mlp, p**3,
        time.perf_counter() - start, {"exact_decided": tables.exact_decided},
    ))


def check_output_fourier(tables: ModAddTables, certificate: dict[str, Any]) -> int:
    """The count an output-Fourier certificate certifies for the model of ``tables``, from the
    model's own tables and the certificate alone; ``CertificateError`` if it is malformed or of
    another model, ``CertificateRejected`` if it claims more than it certifies."""
    return check(tables.model, parse_certificate(certificate), tables=tables.exact).certified


@REGISTRY.register("output_fourier", check=check_output_fourier)
def output_fourier(tables: ModAddTables) -> Proof:
    """The MLP's output path in a few Fourier modes, the rest bounded by Hoelder or Cauchy-Schwarz.

    Time complexity: ``find_certificate``'s search, O(max_freqs |grid| (p^2 d_mlp + p^3)) float
    work, the exact verdicts (for its aim) and one exact check, O(|F| p^2 d_mlp + |F| p^3).
    Preconditions: a ``ModAddTransformer`` with finite float32 weights.
    Postconditions: every certified input is exactly correct; the certificate's
    ``claimed_correct`` equals the bound. Proof FLOPs: two per multiply-add of the check
    (``certificate.multiply_adds``); unexplained dimensionality |X| p + |E|: the rows of M of the
    exact neurons X, and one residual spread per fitted neuron in E.
    """
    start = time.perf_counter()
    cert, result = find_certificate(
        tables.model, target_fraction=tables.target_fraction, max_freqs=tables.max_freqs,
        tables=tables.exact, n_correct=tables.n_correct,
    )
    n_exact = len(cert.exact_neurons)
    details = {
        "frequencies": list(cert.freqs),
        "exact_neurons": n_exact,
        "multiply_adds": result.multiply_adds,
        "cost_ratio": result.cost_ratio,
    }
    unexplained = n_exact * cert.p + cert.d_mlp - n_exact
    return Proof(
        StrategyResult(
            "output_fourier", result.certified, Fraction(result.certified, tables.n_inputs), 2 * result.multiply_adds,
            unexplained, time.perf_counter() - start, details,
        ),
        cert.to_json,
    )
