"""The model families, and what the family-neutral commands (``certify``, ``sweep``) need of each.

A model record names its family by its format tag (``core.modelfile.record_format``), never by
its file name: ``family_of_record(path)`` reads the tag and returns the ``Family``. Each family
gives its strategy registry (``core.strategy.Registry``), its model loader, its exact tables, its
zoo, and its main job (one function per family: ``maxofk.certify.certify``,
``modadd.certify.certify``). Like ``cli``, this module sits above the family packages: it may
import them, they never import it. Everything that loads torch is imported on first use, so that
``compact-proofs --help`` stays light.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .core.modelfile import ModelFileError, model_sha256, record_format
from .core.strategy import Registry
from .lean.render import LeanTheorem
from .maxofk import zoo as maxofk_zoo
from .modadd import zoo as modadd_zoo


class Family(ABC):
    """One model family, as ``certify`` and ``sweep`` see it."""

    name: str  #: the registry's family name: ``maxofk``, ``modadd``
    title: str  #: in reports
    format: str  #: the format tag of its model records
    zoo_dir: Path  #: the shipped zoo
    #: the module holding only the registry, left out of the sweep's code versions (None: none)
    registry_module: str | None = None
    #: whether the paper's published Max-of-4 anchors apply to its strategies (tables and plots)
    paper_anchors: bool = False
    #: the Lean namespace of its accuracy theorems, and whether its ``accuracy`` takes an ``ExpSqrt``
    #: (``lean.axioms.accuracy_statement``: the statement each theorem must have)
    lean_namespace: str
    lean_exp_sqrt: bool

    def workspace_theorem(self, path: Path, model: Any, record: Any, workspace: Path,
                          say: Callable[[str], None]) -> list[LeanTheorem]:
        """The model's theorem, generated into a Lean ``workspace`` (``lean.workspace``) when the
        family can write one for it; none by default."""
        return []

    @abstractmethod
    def registry(self) -> Registry:
        """The family's strategies (importing every strategy module)."""

    @abstractmethod
    def load(self, path: Path | str) -> tuple[Any, Any]:
        """(model, record) from a record path; ``ModelFileError`` naming the file."""

    @abstractmethod
    def from_weights(self, config: dict[str, Any], weights: dict[str, Any]) -> Any:
        """The model of a config dict and float32 arrays (a sweep job's payload)."""

    @abstractmethod
    def tables(self, model: Any) -> Any:
        """The exact tables every strategy of the family proves from."""

    @abstractmethod
    def n_inputs(self, config: Any) -> int:
        """The size of the model's input space."""

    @abstractmethod
    def zoo_records(self, directory: Path) -> list[Path]:
        """Every model record of the zoo in ``directory``."""

    @abstractmethod
    def seed_records(self, seeds: Sequence[int], directory: Path) -> list[Path]:
        """The records of zoo ``seeds`` in ``directory``; ``ModelFileError`` for a seed with none."""

    @abstractmethod
    def default_records(self, directory: Path) -> list[Path]:
        """What a sweep of this family runs on when no seed, model or ``--zoo`` is given."""

    @property
    @abstractmethod
    def default_strategies(self) -> tuple[str, ...]:
        """The main job's strategies (names or globs) when ``--strategies`` is not given."""

    @abstractmethod
    def certify(self, path: Path, strategies: Sequence[str], out_dir: Path, *, lean: bool, say: Callable[[str], None],
                **options: Any) -> dict[str, Any]:
        """The family's main job on one model; returns its report data (``data["lean"]``: None when
        the Lean step was skipped, else its summary, whose ``ok`` is None when there was no theorem
        to check). ``options``: the ``certify`` command's other options
        (``float32``, ``lean_dir``), each family taking those that apply to it."""


class MaxOfK(Family):
    name = "maxofk"
    title = "Max-of-K"
    format = maxofk_zoo.FORMAT
    zoo_dir = maxofk_zoo.MAX_OF_4_DIR
    registry_module = "compact_proofs.maxofk.strategies"  # the package: its registry and its imports
    paper_anchors = True
    lean_namespace = "CompactProofs.MaxOfK"
    lean_exp_sqrt = True

    def workspace_theorem(self, path, model, record, workspace, say):
        from .maxofk.certify import workspace_theorem

        return workspace_theorem(path, model_sha256(model), record.config.n_ctx, workspace, say)

    def registry(self) -> Registry:
        from .maxofk.strategies import REGISTRY

        return REGISTRY

    def load(self, path):
        return maxofk_zoo.load_model(path)

    def from_weights(self, config, weights):
        from .maxofk.config import MaxOfKConfig
        from .maxofk.model import MaxOfKTransformer

        return MaxOfKTransformer.from_weights(MaxOfKConfig.from_dict(config), weights)

    def tables(self, model):
        from .maxofk.tables import ModelTables

        return ModelTables(model)

    def n_inputs(self, config) -> int:
        return config.n_inputs

    def zoo_records(self, directory: Path) -> list[Path]:
        return [maxofk_zoo.record_path(seed, directory) for seed in maxofk_zoo.zoo_seeds(directory)]

    def seed_records(self, seeds, directory):
        return [maxofk_zoo.record_path(seed, directory) for seed in seeds]

    def default_records(self, directory):
        return self.seed_records([maxofk_zoo.DEFAULT_SEED], directory)

    @property
    def default_strategies(self) -> tuple[str, ...]:
        from .maxofk.certify import DEFAULT_STRATEGIES

        return DEFAULT_STRATEGIES

    def certify(self, path, strategies, out_dir, *, lean, say, **options):
        from .maxofk.certify import certify

        return certify(path, tuple(strategies), out_dir, lean=lean, say=say, **options)


class ModAdd(Family):
    name = "modadd"
    title = "Modular addition (pizza)"
    format = modadd_zoo.FORMAT
    zoo_dir = modadd_zoo.MODADD_DIR
    lean_namespace = "CompactProofs.ModAdd"
    lean_exp_sqrt = False

    def registry(self) -> Registry:
        from .modadd.strategies import REGISTRY

        return REGISTRY

    def load(self, path):
        return modadd_zoo.load_model(path)

    def from_weights(self, config, weights):
        from .modadd.model import ModAddConfig, ModAddTransformer

        return ModAddTransformer.from_weights(ModAddConfig.from_dict(config), weights)

    def tables(self, model):
        from .modadd.strategies import ModAddTables

        return ModAddTables(model)

    def n_inputs(self, config) -> int:
        return config.p**2

    def zoo_records(self, directory: Path) -> list[Path]:
        paths = modadd_zoo.zoo_records(directory)
        if not paths:
            raise ModelFileError(directory, "no model records (p*-seed-*.json) here")
        return paths

    def seed_records(self, seeds, directory):
        out = []
        for seed in seeds:
            found = sorted(directory.glob(f"p*-seed-{seed:05d}.json"))
            if not found:
                raise ModelFileError(directory / f"p*-seed-{seed:05d}.json", f"no model record of seed {seed}")
            out += found
        return out

    def default_records(self, directory):
        return self.zoo_records(directory)  # as every `modadd` command: the whole (small) zoo

    @property
    def default_strategies(self) -> tuple[str, ...]:
        return ("*",)

    def certify(self, path, strategies, out_dir, *, lean, say, **options):
        # float32: the pizza brute force always counts the plain float32 pass (it is cheap);
        # lean_dir: the library's theorems only, none is generated for a pizza model here
        from .modadd.certify import certify

        return certify(path, strategies, out_dir, lean=lean, say=say)


#: Every family, by name.
FAMILIES: dict[str, Family] = {family.name: family for family in (MaxOfK(), ModAdd())}


def family_of_record(path: Path | str) -> Family:
    """The family whose format tag the record at ``path`` carries (reads only the JSON record);
    ``ModelFileError`` naming the file if it is unreadable or of no known family."""
    fmt = record_format(path)
    for family in FAMILIES.values():
        if family.format == fmt:
            return family
    known = [family.format for family in FAMILIES.values()]
    raise ModelFileError(path, f"format is {fmt!r}, expected one of {known}")
