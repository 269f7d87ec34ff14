"""The command line's conventions: fast help, -q / -v, defaults in help, exit statuses."""

from __future__ import annotations

import argparse
import inspect
import subprocess
import sys

import pytest

from compact_proofs.cli import build_parser, main
from compact_proofs.core import progress
from compact_proofs.maxofk import zoo

SMALL = zoo.SMALL_MAX_OF_3_DIR / "seed-00001.json"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every parser below ``parser``, by its command words (``"modadd certify"``), built ones only."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found |= {f"{name} {words}": p for words, p in _subparsers(sub).items()}
    return found


@pytest.fixture(autouse=True)
def automatic_progress(monkeypatch):
    """main() sets the process-wide progress switch; put it back after each test."""
    monkeypatch.setattr(progress, "_forced", None)


def test_help_imports_neither_torch_nor_matplotlib_nor_mpmath():
    """Building the parser and every subcommand's help stays light (the generators and provers
    import torch and mpmath when they run): in a fresh interpreter, as other tests import torch."""
    code = (
        "import argparse, inspect, sys\n"
        "from compact_proofs.cli import build_parser\n"
        + inspect.getsource(_subparsers)
        + "parser = build_parser()\n"
        "helps = [parser.format_help()] + [p.format_help() for p in _subparsers(parser).values()]\n"
        "assert len(helps) > 15, len(helps)\n"
        "print(sorted(m for m in ('torch', 'matplotlib', 'mpmath') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_top_level_help_documents_exit_statuses_and_verbosity():
    text = build_parser().format_help()
    assert "-q, --quiet" in text and "-v, --verbose" in text
    for line in ("0  success", "1  a check rejected", "2  bad input"):
        assert line in text


def test_help_shows_defaults():
    subs = _subparsers(build_parser())
    certify = subs["certify"].format_help()
    assert "(default: results/certify)" in certify and "(default: 123)" in certify
    assert "(default: subcubic," in " ".join(certify.split())  # the default strategy list
    assert "(default: 4)" in subs["train"].format_help()  # n_ctx, read from MaxOfKConfig
    assert "(default: 59)" in subs["modadd train"].format_help()
    assert "(default: False)" not in certify and "(default: None)" not in certify  # flags and unset options


def test_lean_generate_lists_its_generators():
    assert "ov-small" in _subparsers(build_parser())["lean generate"].format_help()


def test_quiet_suppresses_progress_lines(tmp_path, capsys):
    args = ["certify", "--model", str(SMALL), "--no-lean", "--strategies", "cubic"]
    assert main([*args, "--out", str(tmp_path / "loud")]) == 0
    assert "brute force:" in capsys.readouterr().out
    assert main(["-q", *args, "--out", str(tmp_path / "quiet")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert (tmp_path / "quiet" / "report.md").exists()


def test_verbose_forces_progress_bars_and_quiet_stops_them(capsys):
    main(["-v", "strategies", "cubic"])
    assert progress.Progress(1, "x").enabled  # stderr is captured here: not a terminal
    main(["-q", "strategies", "cubic"])
    assert not progress.Progress(1, "x").enabled
    with pytest.raises(SystemExit) as exc:
        main(["-q", "-v", "strategies"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["brute-force", "--jobs", "0"], "must be at least 1, got 0"),
    (["train", "--jobs", "two"], "'two' is not an integer"),
    (["lean", "check", "--jobs", "-1"], "must be at least 1, got -1"),
    (["no-such-command"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_a_one_line_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.strip().splitlines()[-1].startswith("compact-proofs")


def test_missing_model_exits_2(tmp_path, capsys):
    missing = tmp_path / "missing.json"
    assert main(["brute-force", "--model", str(missing), "--out", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(missing) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.json").exists()


def test_quiet_lean_check_prints_the_verdict_and_failures_only(monkeypatch, capsys):
    from compact_proofs.lean import bridge

    def fake_check(root, *, log, **kwargs):
        log("[1/2] [built] CompactProofs.A (1.0 s)")
        return bridge.CheckResult(
            ok=False, lean_root="lean", build_dir="build/lean", wall_seconds=2.0, errors=["build failed: CompactProofs.B"],
            modules=[bridge.ModuleBuild("CompactProofs.A", "CompactProofs/A.lean", "built"),
                     bridge.ModuleBuild("CompactProofs.B", "CompactProofs/B.lean", "failed", output="B.lean:1:0: error: boom")],
        )

    monkeypatch.setattr(bridge, "check_project", fake_check)
    assert main(["lean", "check"]) == 1
    assert "[1/2] [built] CompactProofs.A" in capsys.readouterr().out
    assert main(["-q", "lean", "check"]) == 1
    out, err = capsys.readouterr()
    assert out == "FAILED: Lean check of lean in 2.0 s\n"
    assert "CompactProofs.B failed" in err and "boom" in err and "[built]" not in err


def test_a_model_of_the_other_family_names_its_command(tmp_path, capsys):
    """A command of one family given the other's record says which command reads it: the main
    job, which reads both (``certify`` itself takes either: tests/test_certify_modadd.py)."""
    pizza = zoo.ZOO_DIR / "modadd" / "p59-seed-00001.json"
    assert main(["brute-force", "--model", str(pizza), "--out", str(tmp_path / "bf.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(pizza) in err and "run `compact-proofs certify --model FILE`" in err
    assert main(["modadd", "certify", "--model", str(zoo.record_path(123))]) == 2
    assert "run `compact-proofs certify --model FILE`" in capsys.readouterr().err
