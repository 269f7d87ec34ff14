"""``compact-proofs verify CERTIFICATE --model RECORD``: a stored certificate checked on its own.

Every certificate names its strategy and its model's identity; the strategy's exact checker
re-derives the count from the model's own tables. Tampered certificates, another model's
certificate and bad files are refused with one line."""

from __future__ import annotations

import json

import pytest

from compact_proofs.cli import main
from compact_proofs.maxofk import zoo
from compact_proofs.modadd import zoo as modadd_zoo

SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"
PIZZA = modadd_zoo.record_path(59, 1)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """The certificates `certify` writes for the small Max-of-3 model and the shipped pizza model."""
    out = tmp_path_factory.mktemp("certify")
    assert main(["-q", "certify", "--model", str(SMALL), "--strategies", "cubic,subcubic,gap_classes_cubic", "--no-lean",
                 "--out", str(out / "small")]) == 0
    assert main(["-q", "certify", "--model", str(PIZZA), "--strategies", "output_fourier", "--no-lean", "--out", str(out / "pizza")]) == 0
    return out


def verify(capsys, cert, model) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["verify", str(cert), "--model", str(model)])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    assert len(lines) == 1, lines
    return status, lines[0]


@pytest.mark.parametrize(("family", "strategy"), [("small", "cubic"), ("small", "subcubic"), ("small", "gap_classes_cubic"),
                                                  ("pizza", "output_fourier")])
def test_verify_accepts_what_certify_wrote_and_rejects_tampering(certificates, capsys, tmp_path, family, strategy):
    model = SMALL if family == "small" else PIZZA
    path = certificates / family / "certificates" / f"{strategy}.json"
    cert = json.loads(path.read_text())
    assert cert["strategy"] == strategy and len(cert["model_sha256"]) == 64
    status, line = verify(capsys, path, model)
    assert status == 0 and line.startswith("OK: ") and f"(claimed {cert['claimed_correct']:,})" in line

    raised = tmp_path / "raised.json"  # one more input claimed than the checks certify
    raised.write_text(json.dumps({**cert, "claimed_correct": cert["claimed_correct"] + 1}))
    status, line = verify(capsys, raised, model)
    assert status == 1 and line.startswith("REJECTED: ")

    other = SMALL if model == PIZZA else zoo.record_path(123)  # a model of another identity (and family)
    status, line = verify(capsys, path, other)
    assert status == 1 and line.startswith("REJECTED: ") and "is a certificate of model" in line


@pytest.mark.parametrize("table", ["evou", "eupu", "eqke"])
def test_verify_rejects_a_cubic_certificate_whose_model_data_was_changed(certificates, capsys, tmp_path, table):
    """The standalone cubic checker recomputes the tables from the model: a changed entry of a
    table the certificate carries is refused even though the header names the right model."""
    cert = json.loads((certificates / "small" / "certificates" / "cubic.json").read_text())
    rows = cert[table]
    rows[0][0] = rows[0][0] + 1 if isinstance(rows[0][0], int) else rows[0][0]
    assert json.loads((certificates / "small" / "certificates" / "cubic.json").read_text())[table] != rows
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(cert))
    status, line = verify(capsys, changed, SMALL)
    assert status == 1 and line.startswith("REJECTED: ")


def test_verify_refuses_bad_files_with_one_line(certificates, capsys, tmp_path):
    status, line = verify(capsys, tmp_path / "missing.json", SMALL)
    assert status == 2 and "missing.json" in line
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"gaps": []}))
    status, line = verify(capsys, plain, SMALL)
    assert status == 2 and "no 'strategy' field" in line
    cert = json.loads((certificates / "small" / "certificates" / "cubic.json").read_text())
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({**cert, "strategy": "cubik"}))
    status, line = verify(capsys, unknown, SMALL)
    assert status == 2 and "'cubik' is not a Max-of-K strategy" in line
