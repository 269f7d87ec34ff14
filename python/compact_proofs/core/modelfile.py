"""Model files of every family: a JSON record beside a deterministic float32 ``.npz``, validated on load.

The family modules (``maxofk.zoo``, ``modadd.zoo``) add their config, format tag and model class;
this module holds what they share: the error type, the record and weights readers, the writer of
byte-reproducible ``.npz`` files. Weights are read with ``allow_pickle=False``: no pickle is ever
loaded.
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

ZOO_DIR = Path(__file__).resolve().parents[1] / "zoo"


class ModelFileError(ValueError):
    """A model file is missing, corrupt or inconsistent; the message names the file."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem


def npz_bytes(weights: dict[str, np.ndarray], names: tuple[str, ...]) -> bytes:
    """The arrays ``names`` of ``weights`` as an uncompressed ``.npz`` whose bytes depend only on the weights."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in names:
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            array = io.BytesIO()
            np.lib.format.write_array(array, np.ascontiguousarray(weights[name], dtype="<f4"), allow_pickle=False)
            zf.writestr(info, array.getvalue())
    return buffer.getvalue()


def model_sha256(model: Any) -> str:
    """The one identity of a model of any family: sha256 of its config (canonical JSON) and of
    every parameter's name, shape and little-endian float32 bytes, in the config's parameter
    order. Lean theorem tags, the sweep cache, certificates and reports name a model by it;
    unlike the record's ``sha256`` (a checksum of the ``.npz`` file), it does not depend on how
    the weights were stored. ``model``: anything with ``cfg`` (``to_dict``, ``parameter_shapes``)
    and ``weights()``."""
    weights = model.weights()
    h = hashlib.sha256(json.dumps(model.cfg.to_dict(), sort_keys=True).encode())
    for name in model.cfg.parameter_shapes():
        array = np.ascontiguousarray(weights[name], dtype="<f4")
        h.update(f"\n{name}{array.shape}\n".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def _read_record_object(path: Path) -> dict[str, Any]:
    """The JSON object of a model record; ``ModelFileError`` naming the file otherwise."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ModelFileError(path, "no such model record") from None
    except OSError as exc:  # a folder, no permission
        raise ModelFileError(path, f"cannot read the model record ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ModelFileError(path, "the record must be a JSON object")
    return data


def record_format(path: Path | str) -> str:
    """The format tag of the model record at ``path`` (which family wrote it), read without
    loading the model; ``ModelFileError`` naming the file if it is unreadable or has no tag."""
    fmt = _read_record_object(Path(path)).get("format")
    if not isinstance(fmt, str):
        raise ModelFileError(path, f"format is {fmt!r}: not a compact-proofs model record")
    return fmt


def read_record_json(path: Path, fmt: str, version: int, config_from_dict: Callable[[dict], Any]) -> tuple[Any, dict[str, Any]]:
    """Parse and check the JSON record of a shipped model of format ``fmt``; returns (config, data).

    Checks the format tag and version, the types of the common fields (seed, config, training,
    metrics, sha256, weights_file) and the config itself; raises ``ModelFileError`` naming the
    file and the problem.
    """
    data = _read_record_object(path)
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


def read_weights(path: Path, config: Any, sha256: str | None = None) -> dict[str, np.ndarray]:
    """Read and validate a weights ``.npz`` against ``config`` (and its checksum if given).

    ``config`` is any family's config dataclass with ``parameter_shapes()``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(path, "weights file does not exist") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the weights file ({exc.strerror})") from None
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
        if not isinstance(array, np.ndarray):  # np.load hands back a non-.npy member as raw bytes
            raise ModelFileError(path, f"member {name} is not a .npy array")
        if array.dtype != np.dtype("<f4"):
            raise ModelFileError(path, f"{name} has dtype {array.dtype} ({array.dtype.str}), expected little-endian float32 (<f4)")
        if array.shape != shape:
            raise ModelFileError(path, f"{name} has shape {array.shape}, expected {shape} for config {config}")
        if not np.isfinite(array).all():
            raise ModelFileError(path, f"{name} holds {int((~np.isfinite(array)).sum())} non-finite values (NaN or inf)")
    return arrays


@dataclass(frozen=True)
class ModelRecord:
    """The JSON record of a shipped model (everything but the weights).

    Each family subclasses it, setting ``FORMAT``, ``VERSION`` and the type of ``config`` (a
    config dataclass with ``to_dict``).
    """

    FORMAT: ClassVar[str]
    VERSION: ClassVar[int]

    config: Any
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
