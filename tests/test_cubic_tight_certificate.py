"""Certificates of ``cubic_tight``: exact round trips and tamper detection.

The checker must return exactly the ``cubic_tight`` proof's ``correct_lower_bound`` on honest
certificates (small shipped model, random and briefly trained small models with parts A-D all
in use) and raise ``CertificateError`` on every tampered one.
"""

from __future__ import annotations

import copy
import functools
import json

import pytest

from compact_proofs.maxofk import zoo
from compact_proofs.maxofk.brute_force import exact_verdicts
from compact_proofs.maxofk.checks.cubic import CertificateError
from compact_proofs.maxofk.checks.cubic_tight import FORMAT, check_certificate, check_model
from compact_proofs.maxofk.tables import ModelTables

from .conftest import prove
from .test_cubic import small_model

SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"
# (d_vocab, K, d_model, seed, training steps, weight scale); chosen so that parts A, B, C, D occur
MODELS = [
    (6, 3, 4, 1, 0, 1.0),
    (7, 2, 4, 3, 0, 2.0),
    (8, 4, 8, 2, 0, 1.0),
    (8, 4, 4, 6, 150, 1.0),
    (10, 3, 8, 5, 300, 1.0),
]


@functools.lru_cache(maxsize=None)
def _cert(args: tuple) -> tuple[dict, int]:
    model = zoo.load_model(SMALL)[0] if args == () else small_model(*args)
    proof = prove("cubic_tight", model)
    cert = json.loads(json.dumps(proof.certificate()))  # through JSON, as certify writes it
    return cert, proof.result.correct_lower_bound


def _entries(cert: dict):
    for m, row in enumerate(cert["groups"]):
        for q, cells in enumerate(row):
            for c, entry in enumerate(cells):
                if entry is not None:
                    yield m, q, c, entry


def test_round_trip_on_shipped_small_model():
    cert, bound = _cert(())
    assert cert["format"] == FORMAT and cert["version"] == 1
    assert check_certificate(cert) == bound == cert["correct_count"]
    assert check_model(ModelTables(zoo.load_model(SMALL)[0]), cert) == bound  # the registered checker


@pytest.mark.parametrize("args", MODELS)
def test_round_trip_on_random_models(args):
    cert, bound = _cert(args)
    assert check_certificate(cert) == bound
    exact, _ = exact_verdicts(small_model(*args), progress=False)
    assert bound <= exact.correct


def test_all_parts_occur():
    parts = {entry["part"] for args in MODELS for *_, entry in _entries(_cert(args)[0])}
    assert parts == {"A", "B", "C", "D"}


def _tampered(args, edit) -> dict:
    cert = copy.deepcopy(_cert(args)[0])
    edit(cert)
    return cert


def _raises(cert: dict) -> None:
    with pytest.raises(CertificateError):
        check_certificate(cert)


@pytest.mark.parametrize("args", [()] + MODELS)
def test_count_plus_one_is_rejected(args):
    _raises(_tampered(args, lambda c: c.update(correct_count=c["correct_count"] + 1)))


@pytest.mark.parametrize("part", ["A", "B", "C"])
def test_token_added_to_a_certified_set_is_rejected(part):
    done = 0
    for args in MODELS:
        cert = _cert(args)[0]
        for m, q, c, entry in _entries(cert):
            extra = [t for t in range(m) if t not in entry["tokens"]]
            if c == 0 or entry["part"] != part or not extra:
                continue

            def edit(ct, m=m, q=q, c=c, t=extra[0]):
                e = ct["groups"][m][q][c]
                e["tokens"].append(t)
                if "alt" in e:
                    e["alt"].append("U")

            with pytest.raises(CertificateError, match="fails|differs|missing"):
                check_certificate(_tampered(args, edit))
            done += 1
    assert done > 0


def test_group_claimed_with_the_wrong_part_is_rejected():
    # B, C and D are only used where A certifies fewer tokens, so relabelling them A must fail
    # (except D with K = 2: one non-query position, so D's exact inequality is A's, and only
    # the float proof's mass widening made A fail).
    done = set()
    for args in MODELS:
        for m, q, c, entry in _entries(_cert(args)[0]):
            if entry["part"] == "A" or (entry["part"] == "D" and args[1] == 2):
                continue

            def edit(ct, m=m, q=q, c=c):
                e = ct["groups"][m][q][c]
                e["part"] = "A"
                e.pop("alt", None)

            _raises(_tampered(args, edit))
            done.add(entry["part"])
    assert done == {"B", "C", "D"}
    m, q, c, _ = next(_entries(_cert(())[0]))
    _raises(_tampered((), lambda ct: ct["groups"][m][q][c].update(part="E")))


def test_moved_enclosure_is_rejected():
    def lower_up(ct):  # a lower bound above the true weight
        n, d = ct["exp_upper"][0][0][1]
        ct["exp_lower"][0][0][1] = [n, d]
        ct["exp_upper"][0][0][1] = [2 * n, d]

    def upper_down(ct):  # an upper bound below the true weight
        n, d = ct["exp_lower"][1][0][0]
        ct["exp_upper"][1][0][0] = [n, d]

    _raises(_tampered((), lower_up))
    _raises(_tampered((), upper_down))


def test_changed_table_entry_is_rejected():
    def eupu_up(ct):  # makes wrong logit 0 huge for every query 7: no group with q = 7, m > 0 holds
        ct["eupu"][7][0] += 1 << 200

    def eqke(ct):  # the exp enclosures no longer match the scores (score moved by 4)
        ct["eqke"][3][2] += 1 << (2 - ct["score_exp"])

    _raises(_tampered((), eupu_up))
    _raises(_tampered((), eqke))


def test_chord_witness_is_checked():
    for args in MODELS:
        cert = _cert(args)[0]
        for m, q, c, entry in _entries(cert):
            if entry["part"] == "B":
                t, alt = entry["tokens"][0], entry["alt"][0]

                def edit(ct, m=m, t=t, alt=alt):  # phi_0 below the true maximum
                    n, d = ct["chord_phi"][alt][0][m][t]
                    ct["chord_phi"][alt][0][m][t] = [n - (1 << 300) * d, d]

                _raises(_tampered(args, edit))
                return
    pytest.fail("no part-B group in MODELS")


@pytest.mark.slow
def test_round_trip_on_seed_123_max_of_4():
    model, _ = zoo.load_model(zoo.MAX_OF_4_DIR / "seed-00123.json")
    proof = prove("cubic_tight", model)
    assert check_certificate(json.loads(json.dumps(proof.certificate()))) == proof.result.correct_lower_bound
