"""Shipped modular-addition models: deterministic ``.npz`` plus a JSON record, validated on load.

Same layout and checks as the Max-of-K zoo, through the shared ``core.modelfile`` (deterministic
npz writer, record and weights readers, ``ModelFileError``): ``p59-seed-00000.npz`` holds one
float32 array per parameter of ``ModAddConfig``; ``p59-seed-00000.json`` holds the format tag,
version, seed, model config, training config, metrics and the sha256 of the ``.npz``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.modelfile import ZOO_DIR, ModelRecord, npz_bytes, read_record_json, read_weights

# .model imports torch: imported where a model is handled, so that ``compact-proofs --help`` stays fast
if TYPE_CHECKING:
    from .model import ModAddConfig, ModAddTransformer

FORMAT = "compact-proofs/modadd-model"
VERSION = 1
MODADD_DIR = ZOO_DIR / "modadd"


@dataclass(frozen=True)
class ModAddRecord(ModelRecord):
    """The JSON record of a shipped modular-addition model (everything but the weights)."""

    FORMAT: ClassVar[str] = FORMAT
    VERSION: ClassVar[int] = VERSION

    config: ModAddConfig


def record_path(p: int, seed: int, directory: Path = MODADD_DIR) -> Path:
    return directory / f"p{p}-seed-{seed:05d}.json"


def zoo_records(directory: Path = MODADD_DIR) -> list[Path]:
    """The JSON records shipped in ``directory``, sorted by name."""
    return sorted(directory.glob("p*-seed-*.json"))


def save_model(
    model: ModAddTransformer, seed: int, training: dict[str, Any], metrics: dict[str, Any], directory: Path = MODADD_DIR
) -> Path:
    """Write ``p{p}-seed-XXXXX.npz`` and ``.json``; returns the JSON path."""
    from .model import PARAMETER_NAMES

    directory.mkdir(parents=True, exist_ok=True)
    data = npz_bytes(model.weights(), PARAMETER_NAMES)
    path = record_path(model.cfg.p, seed, directory)
    weights_file = path.with_suffix(".npz").name
    (directory / weights_file).write_bytes(data)
    record = ModAddRecord(model.cfg, seed, training, metrics, hashlib.sha256(data).hexdigest(), weights_file)
    path.write_text(json.dumps(record.to_json(), indent=1, sort_keys=True) + "\n")
    return path


def read_record(path: Path) -> ModAddRecord:
    """Parse and check a JSON record; raises ``ModelFileError`` naming the file."""
    from .model import ModAddConfig

    config, data = read_record_json(path, FORMAT, VERSION, ModAddConfig.from_dict)
    return ModAddRecord(config, data["seed"], data["training"], data["metrics"], data["sha256"], data["weights_file"])


def load_model(path: Path | str) -> tuple[ModAddTransformer, ModAddRecord]:
    """Load a model from its JSON record path; validates record, checksum and every array."""
    from .model import ModAddTransformer

    path = Path(path)
    record = read_record(path)
    weights = read_weights(path.parent / record.weights_file, record.config, record.sha256)
    return ModAddTransformer.from_weights(record.config, weights), record
