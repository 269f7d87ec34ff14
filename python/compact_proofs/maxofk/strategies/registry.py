"""The Max-of-K strategy registry: the core protocol (``core.strategy``) over ``ModelTables``.

Strategy modules import this module (never the package, whose ``__init__`` imports every
strategy), so a strategy's import closure holds only what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...core.strategy import Proof, Registry, Strategy, StrategyResult
from ..tables import ModelTables

__all__ = ["STRATEGIES", "Checker", "Proof", "Prover", "REGISTRY", "Strategy", "StrategyResult",
           "get_strategy", "register", "run_strategy", "select"]

Prover = Callable[[ModelTables], Proof]
Checker = Callable[[ModelTables, dict[str, Any]], int]

REGISTRY: Registry[ModelTables] = Registry("maxofk")
STRATEGIES = REGISTRY.strategies  # the live dict: tests may patch entries in and out
register = REGISTRY.register
get_strategy = REGISTRY.get
select = REGISTRY.select


def run_strategy(name: str, tables: ModelTables) -> StrategyResult:
    """The result of strategy ``name`` on the model of ``tables``."""
    return get_strategy(name).prove(tables).result
