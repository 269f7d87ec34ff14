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
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np

from .model import PARAMETER_NAMES, MaxOfKConfig, MaxOfKTransformer

FORMAT = "compact-proofs/max-of-k-model"
VERSION = 1
ZOO_DIR = Path(__file__).resolve().parent / "zoo"
MAX_OF_4_DIR = ZOO_DIR / "max_of_4"
DEFAULT_SEED = 123
# A small Max-of-3 model (d_vocab 8, d_model = d_head = 8, seed 1): small enough for
# end-to-end kernel-checked certificates.
SMALL_MAX_OF_3_DIR = ZOO_DIR / "small_max_of_3"


class ModelFileError(ValueError):
    """A model file is missing, corrupt or inconsistent; the message names the file."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem


@dataclass(frozen=True)
class ModelRecord:
    """The JSON record of a shipped model (everything but the weights).

    Subclasses for other model families override ``FORMAT`` and ``VERSION``.
    """

    FORMAT: ClassVar[str] = FORMAT
    VERSION: ClassVar[int] = VERSION

    config: MaxOfKConfig
    seed: int
    training: dict[str, Any]
    metrics: dict[str, Any]
    sha256: str
    weights_file: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.FORMAT,
            "version": self.VERSION,
            "seed": self.seed,
            "config": self.config.to_dict(),
            "training": self.training,
            "metrics": self.metrics,
            "weights_file": self.weights_file,
            "sha256": self.sha256,
        }


def zoo_seeds(directory: Path = MAX_OF_4_DIR) -> list[int]:
    """The seeds of the paper's 151 Max-of-4 models, in the order the paper lists them."""
    path = directory / "seeds.txt"
    return [int(line) for line in path.read_text().split() if line.strip()]


def record_path(seed: int, directory: Path = MAX_OF_4_DIR) -> Path:
    return directory / f"seed-{seed:05d}.json"


def _npz_bytes(weights: dict[str, np.ndarray], names: tuple[str, ...] = PARAMETER_NAMES) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in names:
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            array = io.BytesIO()
            np.lib.format.write_array(array, np.ascontiguousarray(weights[name], dtype="<f4"), allow_pickle=False)
            zf.writestr(info, array.getvalue())
    return buffer.getvalue()


def save_model(
    model: MaxOfKTransformer, seed: int, training: dict[str, Any], metrics: dict[str, Any], directory: Path = MAX_OF_4_DIR
) -> Path:
    """Write ``seed-XXXXX.npz`` and ``seed-XXXXX.json``; returns the JSON path."""
    directory.mkdir(parents=True, exist_ok=True)
    data = _npz_bytes(model.weights())
    weights_file = f"seed-{seed:05d}.npz"
    (directory / weights_file).write_bytes(data)
    record = ModelRecord(model.cfg, seed, training, metrics, hashlib.sha256(data).hexdigest(), weights_file)
    path = record_path(seed, directory)
    path.write_text(json.dumps(record.to_json(), indent=1, sort_keys=True) + "\n")
    return path


def read_record_json(path: Path, fmt: str, version: int, config_from_dict: Callable[[dict], Any]) -> tuple[Any, dict[str, Any]]:
    """Parse and check the JSON record of a shipped model of format ``fmt``; returns (config, data).

    Checks the format tag and version, the types of the common fields (seed, config, training,
    metrics, sha256, weights_file) and the config itself; raises ``ModelFileError`` naming the
    file and the problem.
    """
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ModelFileError(path, "no such model record") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ModelFileError(path, "the record must be a JSON object")
    if data.get("format") != fmt:
        raise ModelFileError(path, f"format is {data.get('format')!r}, expected {fmt!r}")
    if data.get("version") != version:
        raise ModelFileError(path, f"unsupported record version {data.get('version')!r} (this build reads {version})")
    for key, kind in (("seed", int), ("config", dict), ("training", dict), ("metrics", dict), ("sha256", str), ("weights_file", str)):
        if not isinstance(data.get(key), kind):
            raise ModelFileError(path, f"field {key!r} is missing or not a {kind.__name__}")
    if Path(data["weights_file"]).name != data["weights_file"]:
        raise ModelFileError(path, f"weights_file {data['weights_file']!r} must be a bare file name")
    try:
        config = config_from_dict(data["config"])
    except (TypeError, ValueError) as exc:
        raise ModelFileError(path, f"bad config: {exc}") from None
    return config, data


def read_record(path: Path) -> ModelRecord:
    config, data = read_record_json(path, FORMAT, VERSION, MaxOfKConfig.from_dict)
    return ModelRecord(config, data["seed"], data["training"], data["metrics"], data["sha256"], data["weights_file"])


def read_weights(path: Path, config: MaxOfKConfig, sha256: str | None = None) -> dict[str, np.ndarray]:
    """Read and validate a weights ``.npz`` against ``config`` (and its checksum if given).

    ``config`` may be any config with ``parameter_shapes()`` (the modular-addition zoo reuses this).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(path, "weights file does not exist") from None
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise ModelFileError(path, "sha256 mismatch: the weights file is corrupt or was changed after its record")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ModelFileError(path, f"not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    expected = set(config.parameter_shapes())
    if set(arrays) != expected:
        raise ModelFileError(path, f"arrays {sorted(arrays)} do not match the expected {sorted(expected)}")
    for name, shape in config.parameter_shapes().items():
        array = arrays[name]
        if array.dtype != np.dtype("<f4"):
            raise ModelFileError(path, f"{name} has dtype {array.dtype}, expected float32")
        if array.shape != shape:
            raise ModelFileError(path, f"{name} has shape {array.shape}, expected {shape} for config {config}")
        if not np.isfinite(array).all():
            raise ModelFileError(path, f"{name} holds {int((~np.isfinite(array)).sum())} non-finite values (NaN or inf)")
    return arrays


def load_model(path_or_seed: Path | str | int = DEFAULT_SEED, directory: Path = MAX_OF_4_DIR) -> tuple[MaxOfKTransformer, ModelRecord]:
    """Load a model from its JSON record path, or a zoo seed; validates everything."""
    path = record_path(path_or_seed, directory) if isinstance(path_or_seed, int) else Path(path_or_seed)
    record = read_record(path)
    weights = read_weights(path.parent / record.weights_file, record.config, record.sha256)
    return MaxOfKTransformer.from_weights(record.config, weights), record
