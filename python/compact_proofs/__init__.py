"""compact-proofs: machine-checked accuracy bounds for small transformers.

The Python API (``docs/api.md`` shows it at work). Every name loads on first use, so that
``import compact_proofs`` stays fast and imports neither torch nor the provers.

Models:
    load_maxofk_model    Max-of-K model and its record from a ``.json`` record path or a zoo seed
    load_modadd_model    pizza (modular-addition) model and its record from a ``.json`` record path
    ZOO_DIR              folder of the shipped models (``max_of_4``, ``small_max_of_3``, ``modadd``)
    model_sha256         a model's identity (config and float32 arrays), as Lean theorem tags name it
    ModelFileError       raised for a missing, corrupt or inconsistent model file

Exact accuracy:
    maxofk_brute_force   exact count of correct inputs of a Max-of-K model (real-number semantics)
    modadd_brute_force   the same for a pizza model

Strategies (``prove(tables) -> Proof``, ``check(tables, certificate) -> int``):
    MAXOFK_REGISTRY      Max-of-K strategies: ``.names()``, ``.get(name)``, ``.select(globs)``
    MODADD_REGISTRY      modular-addition strategies, the same interface
    ModelTables          one Max-of-K model's exact tables, shared by its strategies
    ModAddTables         one pizza model's exact tables and verdicts, shared by its strategies
    Registry             a family's strategies by name
    Strategy             a registered strategy: ``name``, ``prove``, ``check``, ``summary``
    Proof                a strategy's result and, on demand, its JSON ``certificate()``
    StrategyResult       a sound lower bound, its proof length in FLOPs and its dimensionality

The main job:
    certify              brute force, strategies, certificates re-checked, Lean check, report
    DEFAULT_STRATEGIES   the strategies ``certify`` runs by default

Lean:
    check_project        audit, build and axiom-audit the Lean library (or some modules of it)
    CheckResult          what ``check_project`` returns
    ToolchainNotInstalled  raised by ``check_project`` when the pinned toolchain is missing
    lean_theorems_for    the generated Lean theorems about a model identity
    lean_generators      the generators of the shipped Lean certificates, by name
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> "module:attribute", imported by __getattr__ on first use
_EXPORTS = {
    "load_maxofk_model": "compact_proofs.maxofk.zoo:load_model",
    "load_modadd_model": "compact_proofs.modadd.zoo:load_model",
    "ZOO_DIR": "compact_proofs.core.modelfile:ZOO_DIR",
    "model_sha256": "compact_proofs.core.modelfile:model_sha256",
    "ModelFileError": "compact_proofs.core.modelfile:ModelFileError",
    "maxofk_brute_force": "compact_proofs.maxofk.brute_force:brute_force",
    "modadd_brute_force": "compact_proofs.modadd.brute_force:brute_force",
    # the package, not .registry: importing it registers every strategy
    "MAXOFK_REGISTRY": "compact_proofs.maxofk.strategies:REGISTRY",
    "MODADD_REGISTRY": "compact_proofs.modadd.strategies:REGISTRY",
    "ModelTables": "compact_proofs.maxofk.tables:ModelTables",
    "ModAddTables": "compact_proofs.modadd.strategies:ModAddTables",
    "Registry": "compact_proofs.core.strategy:Registry",
    "Strategy": "compact_proofs.core.strategy:Strategy",
    "Proof": "compact_proofs.core.strategy:Proof",
    "StrategyResult": "compact_proofs.core.strategy:StrategyResult",
    "certify": "compact_proofs.maxofk.certify:certify",
    "DEFAULT_STRATEGIES": "compact_proofs.maxofk.certify:DEFAULT_STRATEGIES",
    "check_project": "compact_proofs.lean.bridge:check_project",
    "CheckResult": "compact_proofs.lean.bridge:CheckResult",
    "ToolchainNotInstalled": "compact_proofs.lean.bridge:ToolchainNotInstalled",
    "lean_theorems_for": "compact_proofs.lean.render:lean_theorems_for",
    "lean_generators": "compact_proofs.cli:lean_generators",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import an exported name on first use and keep it in the module."""
    try:
        module, attribute = _EXPORTS[name].split(":")
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
