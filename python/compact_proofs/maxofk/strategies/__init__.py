"""Proof strategies: sound lower bounds on a model's exact accuracy, and their checkers.

A strategy (``core.strategy.Strategy``) proves from the model's exact data, ``tables.ModelTables``
(built once per model and shared): ``prove(tables)`` returns a ``Proof``, its
``StrategyResult`` and, for a strategy with a certificate, ``certificate()``, which
``check(tables, certificate)`` re-verifies without the prover. The registry
(``registry.REGISTRY``, a ``core.strategy.Registry``) maps a name to its ``Strategy``; modules register their provers with ``@register("name", check=...)`` and are
imported at the bottom of this file so that ``STRATEGIES`` is complete after
``import compact_proofs.maxofk.strategies``.

Contract of every strategy (soundness): ``correct_lower_bound`` never exceeds the exact number
of inputs the model classifies correctly under the real-number semantics of its float32
weights (``compact_proofs.maxofk.brute_force.exact_verdicts``), ties counted as wrong.
"""

from __future__ import annotations

from .registry import REGISTRY, STRATEGIES, Proof, Strategy, StrategyResult, get_strategy, register, run_strategy, select

__all__ = ["REGISTRY", "STRATEGIES", "Proof", "Strategy", "StrategyResult", "get_strategy", "register", "run_strategy", "select"]

# Strategy modules register themselves on import.
from . import brute_force, cubic, cubic_tight, gap_classes, subcubic  # noqa: E402,F401
