"""``compact-proofs modadd {train,analyse,bound,brute-force,certify,report}``.

Wire into the main parser with ``add_modadd_command(subparsers)``; each subcommand sets
``args.func`` (returns an exit code).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..core.modelfile import ModelFileError, model_sha256
from . import zoo


def _paths(args: argparse.Namespace) -> list[Path]:
    paths = list(args.model) if args.model else zoo.zoo_records(args.directory)
    if not paths:
        raise ModelFileError(args.directory, "no model records (p*-seed-*.json) here; pass --model")
    return paths


def cmd_train(args: argparse.Namespace) -> int:
    from .model import ModAddConfig
    from .training import ModAddTrainingConfig, train

    cfg = ModAddConfig(p=args.p, d_model=args.d_model, d_head=args.d_head, n_heads=args.n_heads, d_mlp=args.d_mlp)
    tcfg = ModAddTrainingConfig(epochs=args.epochs, weight_decay=args.weight_decay, lr=args.lr)
    for seed in args.seed:
        start = time.perf_counter()
        model, metrics = train(cfg, seed, tcfg, progress=None)
        metrics["train_seconds"] = round(time.perf_counter() - start, 1)
        path = zoo.save_model(model, seed, tcfg.to_dict(), metrics, args.directory)
        print(f"seed {seed}: held-out accuracy {metrics['test']['accuracy']:.4f}, all pairs {metrics['all']['accuracy']:.4f} -> {path}", flush=True)
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from .fourier import explain

    tables = {}
    for path in _paths(args):
        model, _ = zoo.load_model(path)
        ex = explain(model)
        print(json.dumps({"model": str(path), **ex.summary()}, indent=1), flush=True)
        tables[str(path)] = ex.neuron_table()
    if args.neurons:
        args.neurons.parent.mkdir(parents=True, exist_ok=True)
        args.neurons.write_text(json.dumps(tables, indent=0) + "\n")
        print(f"wrote {args.neurons}")
    return 0


def cmd_bound(args: argparse.Namespace) -> int:
    from .report import analyse

    for path in _paths(args):
        model, _ = zoo.load_model(path)
        result = analyse(model, grid=args.grid, modes=args.modes, with_brute_force=False)
        for c in result["clusters"]:
            print(
                f"{path.name} k={c['freq']:3d} n={c['neurons']:3d}: actual {c['actual_error']:.3f}, "
                f"paper's bound {c['relative_bound']:.3f} (eps_int {c['eps_int']:.3f}, eps_phi {c['eps_phi']:.3f}), "
                f"Fourier-mode bound {c['fourier_relative_bound']:.3f}  (relative to 8/(3 pi))",
                flush=True,
            )
    return 0


def cmd_brute_force(args: argparse.Namespace) -> int:
    from .brute_force import brute_force

    for path in _paths(args):
        model, _ = zoo.load_model(path)
        print(json.dumps({"model": str(path), **brute_force(model).to_dict()}), flush=True)
    return 0


def certificate_dir(out: Path, model_path: Path) -> Path:
    """Where ``modadd certify`` writes the certificates of the model of ``model_path``: one
    ``STRATEGY.json`` per strategy with a certificate."""
    return out / model_path.stem


def _details(details: dict | None) -> str:
    """A result's extras on one line: ``; frequencies [3, 7]; cost ratio 0.231``."""
    return "".join(f"; {key.replace('_', ' ')} {f'{value:.3f}' if isinstance(value, float) else value}" for key, value in (details or {}).items())


def cmd_certify(args: argparse.Namespace) -> int:
    """One loop over the chosen strategies per model (``certify.prove_and_check``, shared with the
    main job): prove once, write the certificate, read it back and re-check it exactly (or, with
    ``--check``, only re-check the given file)."""
    from ..lean.toolchain import library_root
    from ..lean.render import lean_theorems_for
    from .certificate import CertificateError, CertificateRejected
    from .certify import prove_and_check, recheck
    from .strategies import REGISTRY, ModAddTables

    try:  # an unknown name fails before any model is read
        chosen = [REGISTRY.get(name) for name in REGISTRY.select([s for s in args.strategies.split(",") if s])]
    except ValueError as exc:
        print(f"error: --strategies: {exc}", file=sys.stderr)
        return 2
    paths = _paths(args)
    if args.check:
        chosen = [strategy for strategy in chosen if strategy.check is not None]
        if len(paths) != 1:
            raise CertificateError(args.check, "--check needs exactly one --model, the certificate's own")
        if len(chosen) != 1:
            raise CertificateError(args.check, f"--check needs --strategies to choose exactly one strategy with a certificate, not {len(chosen)}")
    try:
        for path in paths:
            model, _ = zoo.load_model(path)
            tables = ModAddTables(model, target_fraction=args.target_fraction, max_freqs=args.max_freqs)
            if args.check:
                (strategy,) = chosen
                count = recheck(strategy, tables, args.check)
                print(f"{path.name}: {strategy.name}: certified {count}/{tables.n_inputs} inputs correct by {args.check} (exact check)", flush=True)
                continue
            for outcome in prove_and_check(tables, chosen, certificate_dir(args.out, path)):
                result = outcome.result
                line = f"{path.name}: {result.strategy}: certified {result.correct_lower_bound}/{tables.n_inputs} inputs correct"
                if outcome.certificate is not None:
                    line += f"; wrote {outcome.certificate}, re-checked exactly: {outcome.python_recheck}"
                print(f"{line}{_details(result.details)}; {result.seconds:.1f} s", flush=True)
            for thm in lean_theorems_for(model_sha256(model), library_root()):
                print(f"{path.name}: Lean theorem {thm.theorem} ({thm.module}): at least {thm.bound}/{tables.n_inputs} inputs "
                      f"correct by {thm.strategy}; `compact-proofs lean check` has the kernel check it", flush=True)
    except CertificateRejected as exc:  # a check that ran and said no: exit status 1, not bad input
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import GoodCriteria, analyse, plot_model, write_report

    criteria = GoodCriteria()
    rows, plots = [], []
    for path in _paths(args):
        model, record = zoo.load_model(path)
        analysis = analyse(model, grid=args.grid, modes=args.modes)
        failures = criteria.failures(analysis)
        rows.append({"name": path.stem, "model": str(path), "seed": record.seed, "good": not failures, "failures": failures, "analysis": analysis})
        if not args.no_plots:
            plots += plot_model(model, args.out, path.stem)
        print(f"{path.name}: {'good' if not failures else '; '.join(failures)}", flush=True)
    for p in write_report(rows, args.out, plots):
        print(p)
    return 0


def add_modadd_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``modadd`` and its subcommands to a ``compact-proofs`` subparsers object."""
    parser = subparsers.add_parser("modadd", help="modular addition (pizza) models: train, explain, bound, brute force")
    sub = parser.add_subparsers(dest="modadd_command", required=True)

    def with_models(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--model", type=Path, action="append", help="JSON record (repeatable); default: every model in --directory")
        p.add_argument("--directory", type=Path, default=zoo.MODADD_DIR, help="model folder (default: the shipped zoo)")
        return p

    def with_bound(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--grid", type=int, default=256, help="shifts theta tried by the float search")
        p.add_argument("--modes", type=int, default=96, help="Fourier modes N of the Fourier-mode bound")
        return p

    train = sub.add_parser("train", help="train models (single-threaded; run under nice)")
    train.add_argument("--seed", type=int, action="append", required=True, help="training seed (repeatable)")
    train.add_argument("--p", type=int, default=59, help="the modulus")
    train.add_argument("--d-model", type=int, default=128, help="residual stream width")
    train.add_argument("--d-head", type=int, default=32, help="attention head width")
    train.add_argument("--n-heads", type=int, default=4, help="attention heads")
    train.add_argument("--d-mlp", type=int, default=512, help="MLP neurons")
    train.add_argument("--epochs", type=int, default=4000, help="full-batch training epochs")
    train.add_argument("--weight-decay", type=float, default=1.0, help="AdamW weight decay")
    train.add_argument("--lr", type=float, default=1e-3, help="AdamW learning rate")
    train.add_argument("--directory", type=Path, default=zoo.MODADD_DIR, help="folder the models are written to (default: the shipped zoo)")
    train.set_defaults(func=cmd_train)
    analyse = with_models(sub.add_parser("analyse", help="Fourier explanation per neuron and cluster"))
    analyse.add_argument("--neurons", type=Path, help="also write the per-neuron table (JSON) here")
    analyse.set_defaults(func=cmd_analyse)
    with_bound(with_models(sub.add_parser("bound", help="certified quadrature bounds per key frequency"))).set_defaults(func=cmd_bound)
    with_models(sub.add_parser("brute-force", help="exact accuracy over all p^2 inputs")).set_defaults(func=cmd_brute_force)
    certify = with_models(sub.add_parser(
        "certify", help="prove with each strategy, write its certificate and re-check it exactly, over many models "
                        "(`compact-proofs certify --model FILE` is the main job on one: brute force, report, Lean)"))
    certify.add_argument("--strategies", default="*",
                         help="comma-separated modadd strategy names or globs (`compact-proofs strategies` lists them)")
    certify.add_argument("--out", type=Path, default=Path("build/modadd-certificates"), help="where certificates are written")
    certify.add_argument("--target-fraction", type=float, default=1.0, help="stop adding frequencies once this share of the correct inputs is certified")
    certify.add_argument("--max-freqs", type=int, default=None, help="largest number of output frequencies tried")
    certify.add_argument("--check", type=Path, help="re-check this certificate file instead of searching (with one --model)")
    certify.set_defaults(func=cmd_certify)
    report = with_bound(with_models(sub.add_parser("report", help="everything, Markdown + HTML + JSON + PNG plots")))
    report.add_argument("--out", type=Path, default=Path("build/modadd-report"), help="report folder")
    report.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m compact_proofs.modadd.cli``) until the lead wires it in."""
    parser = argparse.ArgumentParser(prog="compact-proofs")
    add_modadd_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    from .certificate import CertificateError

    try:
        return args.func(args)
    except (ModelFileError, CertificateError) as exc:
        parser.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    raise SystemExit(main())
