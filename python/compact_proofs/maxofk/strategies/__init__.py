"""Proof strategies: functions from a model to a sound lower bound on its exact accuracy.

A strategy takes a ``MaxOfKTransformer`` and returns a ``StrategyResult``. The registry maps a
strategy name to its function; modules register themselves with ``@register("name")`` and are
imported at the bottom of this file so that ``STRATEGIES`` is complete after
``import compact_proofs.maxofk.strategies``.

Contract of every strategy (soundness): ``correct_lower_bound`` never exceeds the exact number
of inputs the model classifies correctly under the real-number semantics of its float32
weights (``compact_proofs.maxofk.brute_force.exact_verdicts``), ties counted as wrong.
"""

from __future__ import annotations

from .registry import STRATEGIES, Strategy, StrategyResult, get_strategy, register, run_strategy

__all__ = ["STRATEGIES", "Strategy", "StrategyResult", "get_strategy", "register", "run_strategy"]

# Strategy modules register themselves on import.
from . import brute_force, cubic, cubic_tight, gap_classes, subcubic  # noqa: E402,F401
