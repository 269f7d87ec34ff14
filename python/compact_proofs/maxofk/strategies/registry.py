"""The strategy protocol: ``StrategyResult``, ``Proof``, ``Strategy``, ``register`` and lookup by name.

Strategy modules import this module (never the package, whose ``__init__`` imports every
strategy), so a strategy's import closure holds only what it uses.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from ..tables import ModelTables


@dataclass(frozen=True)
class StrategyResult:
    """Outcome of one proof strategy on one model.

    Attributes:
        strategy: registry name of the strategy.
        correct_lower_bound: exact integer lower bound on the number of correct inputs.
        bound: ``correct_lower_bound / d_vocab ** n_ctx`` as an exact fraction.
        proof_flops: checker work in floating-point operations, counted from array shapes the
            way the original authors count it (see each strategy's docstring).
        unexplained_dimensionality: the paper's "effective dimension of the unexplained
            parts" for this strategy (a code constant, lower is better).
        seconds: wall-clock seconds the strategy took.
        details: optional strategy-specific extras (JSON-friendly).
    """

    strategy: str
    correct_lower_bound: int
    bound: Fraction
    proof_flops: int
    unexplained_dimensionality: int
    seconds: float
    details: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def accuracy_bound(self) -> float:
        return float(self.bound)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "correct_lower_bound": self.correct_lower_bound,
            "bound": f"{self.bound.numerator}/{self.bound.denominator}",
            "accuracy_bound": self.accuracy_bound,
            "proof_flops": self.proof_flops,
            "unexplained_dimensionality": self.unexplained_dimensionality,
            "seconds": self.seconds,
            "details": self.details,
        }


@dataclass(frozen=True)
class Proof:
    """A strategy's proof on one model: its result, and the certificate its checker re-verifies.

    ``witness`` builds the JSON certificate from the proof's own data, on demand (the sweep
    never asks for it); None for a strategy without a certificate.
    """

    result: StrategyResult
    witness: Callable[[], dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def certificate(self) -> dict[str, Any] | None:
        return None if self.witness is None else self.witness()


Prover = Callable[[ModelTables], Proof]
Checker = Callable[[ModelTables, dict[str, Any]], int]


@dataclass(frozen=True)
class Strategy:
    """A registered proof strategy.

    ``prove(tables)`` finds a sound bound; ``check(tables, certificate)`` is None for a strategy
    without a certificate, else it re-derives the certified count from the model's own tables
    and the certificate alone (raising on a certificate that does not hold), never calling the
    prover.
    """

    name: str
    prove: Prover
    check: Checker | None = None
    description: str | None = None

    @property
    def summary(self) -> str:
        """``description``, else the first paragraph of the prover's docstring, on one line."""
        doc = self.description or self.prove.__doc__ or ""
        return " ".join(doc.strip().split("\n\n")[0].split())


STRATEGIES: dict[str, Strategy] = {}


def register(name: str, check: Checker | None = None, description: str | None = None) -> Callable[[Prover], Prover]:
    """Decorator: register a prover under ``name``, with the checker of its certificates (and a
    one-line description when its docstring's first paragraph is not one)."""

    def wrap(fn: Prover) -> Prover:
        if name in STRATEGIES and STRATEGIES[name].prove is not fn:
            raise ValueError(f"strategy {name!r} is already registered")
        STRATEGIES[name] = Strategy(name, fn, check, description)
        return fn

    return wrap


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise KeyError(f"unknown strategy {name!r}; known: {sorted(STRATEGIES)}") from None


def select(patterns: list[str] | tuple[str, ...]) -> list[str]:
    """Registered names matching ``patterns`` (exact names or globs such as ``subcubic:*``), in
    the patterns' order, each once; ValueError naming the first pattern that matches nothing,
    with the closest registered names."""
    chosen: list[str] = []
    for pattern in patterns:
        hits = [name for name in STRATEGIES if fnmatch.fnmatchcase(name, pattern)]
        if not hits:
            close = difflib.get_close_matches(pattern, list(STRATEGIES), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"no strategy matches {pattern!r}{hint} (`compact-proofs strategies` lists them)")
        chosen += [name for name in hits if name not in chosen]
    return chosen


def run_strategy(name: str, tables: ModelTables) -> StrategyResult:
    """The result of strategy ``name`` on the model of ``tables``."""
    return get_strategy(name).prove(tables).result
