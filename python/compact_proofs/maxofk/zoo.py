"""Shipped model weights: deterministic ``.npz`` files plus a JSON record, validated on load.

Each model is two files side by side:

* ``seed-00123.npz``: one float32 array per parameter (``W_E`` ... ``W_U``), written with
  fixed zip timestamps so the bytes depend only on the weights. Read with
  ``allow_pickle=False``: no pickle is ever loaded.
* ``seed-00123.json``: format tag and version, model config, training config, seed, metrics,
  and the sha256 of the ``.npz`` file.

``load_model`` checks everything a corrupt or hand-edited file could get wrong (JSON shape,
checksum, array names, shapes, dtype, finiteness, config consistency) and raises
``ModelFileError`` naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.modelfile import ZOO_DIR, ModelRecord, npz_bytes, read_record_json, read_weights
from .config import PARAMETER_NAMES, MaxOfKConfig

if TYPE_CHECKING:
    from .model import MaxOfKTransformer

FORMAT = "compact-proofs/max-of-k-model"
VERSION = 1
MAX_OF_4_DIR = ZOO_DIR / "max_of_4"
DEFAULT_SEED = 123
# A small Max-of-3 model (d_vocab 8, d_model = d_head = 8, seed 1): small enough for
# end-to-end kernel-checked certificates.
SMALL_MAX_OF_3_DIR = ZOO_DIR / "small_max_of_3"


@dataclass(frozen=True)
class MaxOfKRecord(ModelRecord):
    """The JSON record of a shipped Max-of-K model (everything but the weights)."""

    FORMAT: ClassVar[str] = FORMAT
    VERSION: ClassVar[int] = VERSION

    config: MaxOfKConfig


def zoo_seeds(directory: Path = MAX_OF_4_DIR) -> list[int]:
    """The seeds of the paper's 151 Max-of-4 models, in the order the paper lists them."""
    path = directory / "seeds.txt"
    return [int(line) for line in path.read_text().split() if line.strip()]


def record_path(seed: int, directory: Path = MAX_OF_4_DIR) -> Path:
    return directory / f"seed-{seed:05d}.json"


def save_model(
    model: MaxOfKTransformer, seed: int, training: dict[str, Any], metrics: dict[str, Any], directory: Path = MAX_OF_4_DIR
) -> Path:
    """Write ``seed-XXXXX.npz`` and ``seed-XXXXX.json``; returns the JSON path."""
    directory.mkdir(parents=True, exist_ok=True)
    data = npz_bytes(model.weights(), PARAMETER_NAMES)
    weights_file = f"seed-{seed:05d}.npz"
    (directory / weights_file).write_bytes(data)
    record = MaxOfKRecord(model.cfg, seed, training, metrics, hashlib.sha256(data).hexdigest(), weights_file)
    path = record_path(seed, directory)
    path.write_text(json.dumps(record.to_json(), indent=1, sort_keys=True) + "\n")
    return path


def read_record(path: Path) -> MaxOfKRecord:
    config, data = read_record_json(path, FORMAT, VERSION, MaxOfKConfig.from_dict)
    return MaxOfKRecord(config, data["seed"], data["training"], data["metrics"], data["sha256"], data["weights_file"])


def load_model(path_or_seed: Path | str | int = DEFAULT_SEED, directory: Path = MAX_OF_4_DIR) -> tuple[MaxOfKTransformer, MaxOfKRecord]:
    """Load a model from its JSON record path, or a zoo seed; validates everything."""
    from .model import MaxOfKTransformer  # torch: loaded only when a model is, not by ``--help``

    path = record_path(path_or_seed, directory) if isinstance(path_or_seed, int) else Path(path_or_seed)
    record = read_record(path)
    weights = read_weights(path.parent / record.weights_file, record.config, record.sha256)
    return MaxOfKTransformer.from_weights(record.config, weights), record
