"""Shipped weights load and validate; every kind of bad file gets a clear error naming it."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from compact_proofs.maxofk import zoo
from compact_proofs.maxofk.model import MaxOfKConfig, MaxOfKTransformer
from compact_proofs.core.modelfile import ModelFileError, model_sha256
from compact_proofs.maxofk.zoo import load_model, save_model

from .conftest import random_model


def test_zoo_ships_all_151_paper_seeds():
    seeds = zoo.zoo_seeds()
    assert len(seeds) == 151 and len(set(seeds)) == 151 and 123 in seeds
    for seed in seeds:
        model, record = load_model(seed)
        assert record.seed == seed and record.config == MaxOfKConfig()
        assert record.training["steps"] == 3000 and record.training["batch_size"] == 128


def test_save_is_deterministic(tmp_path, rng):
    model = random_model(MaxOfKConfig(d_vocab=5, n_ctx=2, d_model=3, d_head=3), rng)
    a = save_model(model, 1, {"steps": 0}, {"note": "x"}, tmp_path / "a")
    b = save_model(model, 1, {"steps": 0}, {"note": "x"}, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert (a.parent / "seed-00001.npz").read_bytes() == (b.parent / "seed-00001.npz").read_bytes()
    loaded, record = load_model(a)
    for name, array in model.weights().items():
        np.testing.assert_array_equal(loaded.weights()[name], array)


@pytest.fixture
def saved(tmp_path, rng) -> Path:
    model = random_model(MaxOfKConfig(d_vocab=5, n_ctx=2, d_model=3, d_head=3), rng)
    return save_model(model, 9, {"steps": 0}, {}, tmp_path)


def _rewrite_npz(record: Path, mutate) -> None:
    """Replace the weights with mutate(arrays) and fix the checksum, so only content is wrong."""
    data = json.loads(record.read_text())
    npz = record.parent / data["weights_file"]
    with np.load(npz, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays = mutate(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    npz.write_bytes(buffer.getvalue())
    data["sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    record.write_text(json.dumps(data))


def _npz(record: Path) -> Path:
    return record.parent / "seed-00009.npz"


def _expect(record: Path, pattern: str, culprit: Path | None = None) -> None:
    with pytest.raises(ModelFileError, match=pattern) as info:
        load_model(record)
    assert str(culprit or record) in str(info.value)


def test_rejects_flipped_byte(saved):
    npz = saved.parent / "seed-00009.npz"
    raw = bytearray(npz.read_bytes())
    raw[len(raw) // 2] ^= 1
    npz.write_bytes(bytes(raw))
    _expect(saved, "sha256 mismatch", npz)


def test_rejects_truncated_archive(saved):
    npz = saved.parent / "seed-00009.npz"
    raw = npz.read_bytes()[:300]
    npz.write_bytes(raw)
    data = json.loads(saved.read_text())
    data["sha256"] = hashlib.sha256(raw).hexdigest()
    saved.write_text(json.dumps(data))
    _expect(saved, "not a readable .npz", npz)


def test_rejects_wrong_shape(saved):
    _rewrite_npz(saved, lambda a: {**a, "W_E": np.zeros((6, 3), np.float32)})
    _expect(saved, r"W_E has shape \(6, 3\), expected \(5, 3\)", _npz(saved))


def test_rejects_nan(saved):
    def poison(a):
        w = a["W_U"].copy()
        w[0, 0] = np.nan
        return {**a, "W_U": w}

    _rewrite_npz(saved, poison)
    _expect(saved, "W_U holds 1 non-finite", _npz(saved))


def test_rejects_float64(saved):
    _rewrite_npz(saved, lambda a: {**a, "W_Q": a["W_Q"].astype(np.float64)})
    _expect(saved, "W_Q has dtype float64", _npz(saved))


def test_rejects_big_endian_float32(saved):
    _rewrite_npz(saved, lambda a: {**a, "W_V": a["W_V"].astype(">f4")})
    _expect(saved, r"W_V has dtype >f4 \(>f4\), expected little-endian float32", _npz(saved))


def test_rejects_a_member_that_is_not_an_array(saved):
    """An archive member that is not a .npy file (here a raw pickle) is refused, never unpickled."""
    import pickle
    import zipfile

    npz = _npz(saved)
    with np.load(npz, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array) if name != "W_K" else member.write(pickle.dumps(array))
            archive.writestr(name + ".npy", member.getvalue())
    npz.write_bytes(buffer.getvalue())
    data = json.loads(saved.read_text())
    data["sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    saved.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="member W_K is not a .npy array"):
        load_model(saved)


def test_rejects_a_folder_given_as_the_record(tmp_path):
    folder = tmp_path / "seed-00001.json"
    folder.mkdir()
    _expect(folder, "cannot read the model record")


def test_rejects_missing_and_extra_arrays(saved):
    _rewrite_npz(saved, lambda a: {k: v for k, v in a.items() if k != "W_O"} | {"b_O": np.zeros(3, np.float32)})
    _expect(saved, "do not match the expected", _npz(saved))


def test_rejects_pickled_object_array(saved):
    _rewrite_npz(saved, lambda a: {**a, "W_K": np.array([{"evil": 1}], dtype=object)})
    _expect(saved, "not a readable .npz", _npz(saved))


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (lambda d: d.update(format="other"), "format is 'other'"),
        (lambda d: d.update(version=99), "unsupported record version 99"),
        (lambda d: d.pop("sha256"), "field 'sha256' is missing"),
        (lambda d: d["config"].update(d_vocab=1), "bad config"),
        (lambda d: d["config"].update(d_model=4), r"expected \(5, 4\)"),
        (lambda d: d.update(weights_file="../x.npz"), "bare file name"),
    ],
)
def test_rejects_bad_records(saved, edit, pattern):
    data = json.loads(saved.read_text())
    edit(data)
    saved.write_text(json.dumps(data))
    _expect(saved, pattern, _npz(saved) if "5, 4" in pattern else None)


def test_rejects_non_json_and_missing(saved, tmp_path):
    saved.write_text("{not json")
    _expect(saved, "not valid JSON")
    _expect(tmp_path / "nope.json", "no such model record")


def test_cli_reports_bad_file(saved, capsys):
    from compact_proofs.cli import main

    shutil.copy(saved, saved.with_name("copy.json"))
    (saved.parent / "seed-00009.npz").write_bytes(b"garbage")
    assert main(["brute-force", "--model", str(saved)]) == 2
    err = capsys.readouterr().err
    assert "seed-00009.npz" in err and "sha256 mismatch" in err


def test_model_identity_follows_the_weights_not_the_file(saved):
    """``model_sha256`` is the same for the same weights in another ``.npz`` (reversed arrays,
    another writer: another file checksum), and changes with one weight or the config."""
    model, record = load_model(saved)
    _rewrite_npz(saved, lambda a: dict(reversed(list(a.items()))))
    same, rewritten = load_model(saved)
    assert rewritten.sha256 != record.sha256 and model_sha256(same) == model_sha256(model)
    weights = model.weights()
    weights["W_E"][0, 0] = np.nextafter(weights["W_E"][0, 0], np.float32(np.inf))
    assert model_sha256(MaxOfKTransformer.from_weights(model.cfg, weights)) != model_sha256(model)
    other_cfg = dataclasses.replace(model.cfg, init_range=0.5)
    assert model_sha256(MaxOfKTransformer.from_weights(other_cfg, model.weights())) != model_sha256(model)
