"""The strategy protocol shared by every model family, and a per-family registry.

A strategy proves a sound lower bound on the number of inputs a model gets right from the
family's exact tables of one model (``T``: built once per model, shared by every strategy):
``prove(tables)`` returns a ``Proof`` (its ``StrategyResult`` and, for a strategy with a
certificate, ``certificate()``), and ``check(tables, certificate)`` re-derives the certified
count from the tables and the certificate alone, without the prover. Each family owns one
``Registry``; its certify job is one loop over the strategies it selects.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")  # a family's tables type


@dataclass(frozen=True)
class StrategyResult:
    """Outcome of one proof strategy on one model.

    Attributes:
        strategy: registry name of the strategy.
        correct_lower_bound: exact integer lower bound on the number of correct inputs.
        bound: ``correct_lower_bound`` out of the family's number of inputs, as an exact fraction.
        proof_flops: checker work in floating-point operations, counted from array shapes as the
            strategy's docstring says.
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

    ``witness`` builds the JSON certificate from the proof's own data, on demand (a sweep never
    asks for it); None for a strategy without a certificate.
    """

    result: StrategyResult
    witness: Callable[[], dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def certificate(self) -> dict[str, Any] | None:
        return None if self.witness is None else self.witness()


class CertificateError(ValueError):
    """A certificate its checker refuses: malformed, carrying data that is not the model's, or
    claiming more correct inputs than its checks certify. Each family's checkers raise a subclass."""


def certificate_file(proof: Proof, strategy: str, model_sha256: str) -> dict[str, Any]:
    """The certificate as a file holds it: which strategy wrote it, for which model (its identity,
    ``core.modelfile.model_sha256``) and how many correct inputs it claims, then the strategy's
    own fields, so that ``compact-proofs verify`` can check it against a model on its own."""
    cert = proof.certificate()
    if cert is None:
        raise ValueError(f"strategy {strategy!r} writes no certificate")
    return {"strategy": strategy, "model_sha256": model_sha256, "claimed_correct": proof.result.correct_lower_bound, **cert}


def write_certificate(proof: Proof, strategy: str, model_sha256: str, directory: Path) -> Path:
    """Write :func:`certificate_file` to ``directory/STRATEGY.json`` (``:`` and ``/`` of a variant
    name made file-safe); returns its path."""
    path = directory / (strategy.replace(":", "_").replace("/", "__") + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(certificate_file(proof, strategy, model_sha256), separators=(",", ":")) + "\n")
    return path


@dataclass(frozen=True)
class Strategy(Generic[T]):
    """A registered proof strategy over tables of type ``T``.

    ``prove(tables)`` finds a sound bound; ``check(tables, certificate)`` is None for a strategy
    without a certificate, else it re-derives the certified count from the model's own tables
    and the certificate alone (raising on a certificate that does not hold), never calling the
    prover.
    """

    name: str
    prove: Callable[[T], Proof]
    check: Callable[[T, dict[str, Any]], int] | None = None
    description: str | None = None

    @property
    def summary(self) -> str:
        """``description``, else the first paragraph of the prover's docstring, on one line."""
        doc = self.description or self.prove.__doc__ or ""
        return " ".join(doc.strip().split("\n\n")[0].split())


def no_match(pattern: str, names: Sequence[str]) -> ValueError:
    """The error for a pattern that matches none of ``names``, with the closest of them."""
    close = difflib.get_close_matches(pattern, list(names), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return ValueError(f"no strategy matches {pattern!r}{hint} (`compact-proofs strategies` lists them)")


class Registry(Generic[T]):
    """One family's strategies by name, in registration order (``strategies`` is the live dict)."""

    def __init__(self, family: str):
        self.family = family
        self.strategies: dict[str, Strategy[T]] = {}

    def register(
        self, name: str, check: Callable[[T, dict[str, Any]], int] | None = None, description: str | None = None
    ) -> Callable[[Callable[[T], Proof]], Callable[[T], Proof]]:
        """Decorator: register a prover under ``name``, with the checker of its certificates (and
        a one-line description when its docstring's first paragraph is not one)."""

        def wrap(fn: Callable[[T], Proof]) -> Callable[[T], Proof]:
            if name in self.strategies and self.strategies[name].prove is not fn:
                raise ValueError(f"{self.family} strategy {name!r} is already registered")
            self.strategies[name] = Strategy(name, fn, check, description)
            return fn

        return wrap

    def get(self, name: str) -> Strategy[T]:
        """The strategy registered as ``name``; KeyError naming the known ones otherwise."""
        try:
            return self.strategies[name]
        except KeyError:
            raise KeyError(f"unknown {self.family} strategy {name!r}; known: {sorted(self.strategies)}") from None

    def names(self) -> list[str]:
        """Every registered name, in registration order."""
        return list(self.strategies)

    def matching(self, pattern: str) -> list[str]:
        """Registered names matching ``pattern`` (an exact name or a glob), in registration order."""
        return [name for name in self.strategies if fnmatch.fnmatchcase(name, pattern)]

    def select(self, patterns: Sequence[str]) -> list[str]:
        """Registered names matching ``patterns`` (exact names or globs such as ``subcubic:*``),
        in the patterns' order, each once; ValueError naming the first pattern that matches
        nothing, with the closest registered names."""
        chosen: list[str] = []
        for pattern in patterns:
            hits = self.matching(pattern)
            if not hits:
                raise no_match(pattern, self.names())
            chosen += [name for name in hits if name not in chosen]
        return chosen
