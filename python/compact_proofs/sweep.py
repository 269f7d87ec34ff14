"""Run proof strategies over many models of any family, cached per job, and tabulate and plot the results.

Family-neutral: a model's family (``families.family_of_record``: Max-of-K or modular addition)
is read from its record; its strategies, model and exact tables come from its ``families.Family``.
One sweep may mix families: each model runs the chosen strategies of its own family's registry.

A *job* is one (model, strategy) pair. Its cache key is the model's identity
(``core.modelfile.model_sha256``: the config and the float32 weights), the strategy name and the strategy's code
version (``code_version``: a hash of the source of the strategy's module and of every
``compact_proofs`` module it uses). Finished jobs are stored as JSON under the cache folder as
soon as they finish, so an interrupted sweep resumes where it stopped and a re-run is instant.
Failed jobs are never cached: they are reported (an ``error`` row, counted in the summary) and
retried by the next run.

Jobs run through an ``Executor``: ``SerialExecutor`` (this process), ``ProcessExecutor``
(local worker processes, the default) or ``RayExecutor`` (a Ray cluster, or a local Ray
instance; ``ray`` is the optional ``[ray]`` extra, imported only when asked for).

Soundness guard: every result is checked for internal consistency (integer count within the
input space, ``bound == count / n_inputs``) and compared with the model's exact count: the
family's ``brute_force`` job runs for every model (through the cache) even when it is not
selected; a count above the exact one turns the row into an error, and so does a bound whose
exact count could not be had: no unsound or unchecked bound is ever reported.

Outputs (``write_outputs``): ``sweep.csv`` (one row per model x strategy, ``CSV_COLUMNS``, each
row tagged with its model's family), ``report.md`` (summary, the per-strategy table of each
family, failures, provenance), its HTML rendering ``report.html``, ``pareto.png`` /
``pareto.svg`` (``maxofk.plots.plot_pareto``) and ``dimensionality.png`` / ``dimensionality.svg``
(``maxofk.plots.plot_bound_vs_dimensionality``); in a sweep of several families, one pair of
plots per family (``pareto_FAMILY.png``, ...). The paper's Max-of-4 anchors are drawn for
Max-of-K rows only.

Time complexity: one run of each uncached strategy per model, plus O(jobs) cache reads.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import inspect
import json
import math
import os
import sys
import time
import traceback
from abc import ABC, abstractmethod
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from .core.modelfile import ModelFileError, model_sha256
from .core.progress import Progress

if TYPE_CHECKING:
    import numpy as np

CACHE_FORMAT = "compact-proofs/sweep-result"
CACHE_VERSION = 1
DEFAULT_OUT = Path("results/sweep")
CSV_COLUMNS = (
    "family", "seed", "model", "strategy", "correct_lower_bound", "n_inputs", "bound", "accuracy_bound",
    "normalised_bound", "proof_flops", "unexplained_dimensionality", "seconds", "error",
)
# The columns before the family tag was added (Max-of-K rows only): ``read_csv`` still reads them.
_LEGACY_CSV_COLUMNS = CSV_COLUMNS[1:]
# Every family's exact strategy: the reference a bound is compared with and normalised by.
REFERENCE = "brute_force"


class SweepError(ValueError):
    """Bad sweep input (unknown strategy pattern, unusable option); the message says which."""


# --------------------------------------------------------------------------------------
# Selection


def _family(name: str):
    from .families import FAMILIES

    try:
        return FAMILIES[name]
    except KeyError:
        raise SweepError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}") from None


def select_strategies(patterns: Sequence[str], family: str) -> list[str]:
    """The strategies of ``family``'s registry matching any of ``patterns`` (exact names or globs like ``subcubic:*``).

    Order: registry order, each name once. Raises SweepError naming a pattern that matches nothing.
    """
    return select_for_families(patterns, [family])[family]


def select_for_families(patterns: Sequence[str], families: Sequence[str]) -> dict[str, list[str]]:
    """Per family (each of ``families`` once, in order), its registered strategies matching any of
    ``patterns``, in registry order.

    A pattern need only match in one of the families (``brute_force`` and ``cubic`` over Max-of-K
    and pizza models: the pizza models run ``brute_force`` alone); SweepError naming a pattern
    that matches in none of them, or a family that none of the patterns matches.
    """
    registries = {name: _family(name).registry() for name in dict.fromkeys(families)}
    for pattern in patterns:
        if not any(registry.matching(pattern) for registry in registries.values()):
            where = " or ".join(registries)
            known = [name for registry in registries.values() for name in registry.names()]
            raise SweepError(f"strategy pattern {pattern!r} matches no registered strategy of {where}; known: {known}")
    chosen = {}
    for name, registry in registries.items():
        hits = {hit for pattern in patterns for hit in registry.matching(pattern)}
        if not hits:
            raise SweepError(f"no strategy pattern of {list(patterns)} matches a {name} strategy; known: {registry.names()}")
        chosen[name] = [n for n in registry.names() if n in hits]
    return chosen


@dataclass(frozen=True)
class ModelSpec:
    """A loaded, validated model: its family, where it came from and its identity (``core.modelfile.model_sha256``)."""

    family: str
    seed: int
    path: str
    config: Any  # the family's config dataclass
    weights: dict[str, np.ndarray] = field(repr=False, compare=False)
    model_sha256: str
    n_inputs: int


def load_models(
    seeds: Sequence[int] = (), paths: Sequence[Path | str] = (), directory: Path | None = None, family: str = "maxofk"
) -> list[ModelSpec]:
    """Load zoo ``seeds`` of ``family`` (from ``directory``, default its shipped zoo) then model
    record ``paths`` of any family (read from each record's format tag); each file once, in order.

    Raises ``ModelFileError`` naming the file for a missing or corrupt model.
    """
    from .core.provenance import repo_relative
    from .families import family_of_record

    fam = _family(family)
    records = fam.seed_records(list(seeds), directory or fam.zoo_dir) + [Path(p) for p in paths]
    out, seen = [], set()
    for path in records:
        key = Path(path).resolve()
        if key in seen:
            continue
        seen.add(key)
        of = family_of_record(path)
        model, record = of.load(path)
        out.append(ModelSpec(of.name, record.seed, repo_relative(path), record.config, model.weights(), model_sha256(model),
                             of.n_inputs(record.config)))
    return out


# --------------------------------------------------------------------------------------
# Cache keys


def _module_closure(root: ModuleType, registry_module: str | None = None) -> dict[str, ModuleType]:
    """``root`` and every ``compact_proofs`` module reachable through its globals (except ``registry_module``)."""
    found = {root.__name__: root}
    todo = [root]
    while todo:
        module = todo.pop()
        for value in vars(module).values():
            name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            if not isinstance(name, str) or not name.startswith("compact_proofs") or name == registry_module:
                continue
            if name not in found and name in sys.modules:
                found[name] = sys.modules[name]
                todo.append(sys.modules[name])
    return found


def code_version(strategy: str, family: str) -> str:
    """sha256 over the sources of the strategy's module and the project modules it depends on.

    The family's registry-only module (``Family.registry_module``) is left out: adding a strategy
    module to its import line keeps every cache valid.
    """
    fam = _family(family)
    prove = fam.registry().get(strategy).prove
    module = inspect.getmodule(getattr(prove, "func", prove))  # ``func``: a functools.partial
    if module is None:
        raise SweepError(f"cannot find the module that defines strategy {strategy!r}")
    h = hashlib.sha256()
    for name, mod in sorted(_module_closure(module, fam.registry_module).items()):
        source = getattr(mod, "__file__", None)
        h.update(f"\n{name}\n".encode())
        if source:
            h.update(Path(source).read_bytes())
    return h.hexdigest()


def cache_key(model_sha256: str, strategy: str, version: str) -> str:
    """The job's content hash: model identity, strategy name, code version, cache format."""
    text = json.dumps([CACHE_FORMAT, CACHE_VERSION, model_sha256, strategy, version])
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------
# Jobs


@dataclass(frozen=True)
class Job:
    """Everything a worker needs (weights travel with the job: no shared file system needed)."""

    key: str
    family: str
    strategy: str
    seed: int
    model: str
    config: dict[str, Any]
    weights: dict[str, np.ndarray] = field(repr=False)


def check_result(data: dict[str, Any], strategy: str, n_inputs: int) -> None:
    """Raise ValueError unless ``data`` is a consistent result of ``strategy`` on ``n_inputs`` inputs."""
    count = data.get("correct_lower_bound")
    if data.get("strategy") != strategy:
        raise ValueError(f"result names strategy {data.get('strategy')!r}, expected {strategy!r}")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= n_inputs:
        raise ValueError(f"correct_lower_bound {count!r} is not an integer in [0, {n_inputs}]")
    if data.get("n_inputs") != n_inputs:
        raise ValueError(f"n_inputs {data.get('n_inputs')!r} differs from the model's {n_inputs}")
    try:
        bound_ok = isinstance(data.get("bound"), str) and Fraction(data["bound"]) == Fraction(count, n_inputs)
    except (ValueError, ZeroDivisionError):
        bound_ok = False
    if not bound_ok:
        raise ValueError(f"bound {data.get('bound')!r} is not correct_lower_bound / n_inputs = {count}/{n_inputs}")
    for key in ("proof_flops", "unexplained_dimensionality"):
        if not isinstance(data.get(key), int) or data[key] < 0:
            raise ValueError(f"{key} {data.get(key)!r} is not a non-negative integer")
    seconds = data.get("seconds")
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds {seconds!r} is not a finite non-negative number")


def run_job(job: Job) -> dict[str, Any]:
    """Run one job; never raises. Returns ``{"result": {...}}`` or ``{"error": msg, "traceback": text}``."""
    try:
        family = _family(job.family)
        model = family.from_weights(job.config, job.weights)
        n_inputs = family.n_inputs(model.cfg)
        result = family.registry().get(job.strategy).prove(family.tables(model)).result
        bound = Fraction(result.bound)
        data = {
            "strategy": result.strategy,
            "correct_lower_bound": result.correct_lower_bound,
            "n_inputs": n_inputs,
            "bound": f"{bound.numerator}/{bound.denominator}",
            "proof_flops": result.proof_flops,
            "unexplained_dimensionality": result.unexplained_dimensionality,
            "seconds": float(result.seconds),
            # default=str: strategy extras are informative only and may hold non-JSON values
            "details": json.loads(json.dumps(result.details, default=str)),
        }
        check_result(data, job.strategy, n_inputs)
        return {"result": data}
    except Exception as exc:  # a failing job is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}


# --------------------------------------------------------------------------------------
# Executors


class Executor(ABC):
    """Runs ``run_job`` on jobs and yields ``(index, outcome)`` in completion order.

    Implementations must yield exactly one outcome per job (an ``{"error": ...}`` outcome
    when the job could not run) and stop their workers in ``close``.
    """

    @abstractmethod
    def imap(self, jobs: Sequence[Job]) -> Iterator[tuple[int, dict[str, Any]]]: ...

    def close(self) -> None:
        """Release workers (default: nothing to release)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs jobs one after another in this process (tests, benchmarks, debugging)."""

    def imap(self, jobs: Sequence[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, job in enumerate(jobs):
            yield i, run_job(job)


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)  # worker processes share the cores


class ProcessExecutor(Executor):
    """Local worker processes; at most ``2 * jobs`` jobs are queued at a time."""

    def __init__(self, jobs: int):
        if jobs < 1:
            raise SweepError(f"--jobs must be at least 1 for worker processes, got {jobs}")
        self.jobs = jobs
        self.pool = ProcessPoolExecutor(jobs, initializer=_worker_init)

    def imap(self, jobs: Sequence[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        todo = iter(enumerate(jobs))
        pending: dict[Any, int] = {}

        def fill() -> None:
            while len(pending) < 2 * self.jobs:
                nxt = next(todo, None)
                if nxt is None:
                    return
                pending[self.pool.submit(run_job, nxt[1])] = nxt[0]

        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # e.g. a worker killed by the OS
                    outcome = {"error": f"worker failed: {type(exc).__name__}: {exc}", "traceback": ""}
                yield i, outcome
            fill()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def import_ray() -> ModuleType:
    """Import ray, or raise SweepError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise SweepError(
            "--ray needs the optional 'ray' package: pip install 'compact-proofs[ray]' (or .venv/bin/pip install -c constraints.txt ray)"
        ) from None
    return ray


class RayExecutor(Executor):
    """Ray tasks: ``address`` "local" starts a local instance with ``num_cpus`` CPUs, else connects to it.

    At most ``window`` tasks are in flight; the Ray connection is shut down on ``close`` when
    this executor opened it. Cluster workers need ``compact_proofs`` importable (the same
    environment); model weights travel inside each task, so no shared file system is needed.
    """

    def __init__(self, address: str, num_cpus: int | None = None, window: int = 256):
        self.ray = import_ray()
        self.window = window
        self.owned = not self.ray.is_initialized()
        if self.owned:
            if address == "local":
                self.ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
            else:
                self.ray.init(address=address, log_to_driver=False)
        self.remote = self.ray.remote(run_job)

    def imap(self, jobs: Sequence[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        todo = iter(enumerate(jobs))
        pending: dict[Any, int] = {}
        while True:
            while len(pending) < self.window:
                nxt = next(todo, None)
                if nxt is None:
                    break
                pending[self.remote.remote(nxt[1])] = nxt[0]
            if not pending:
                return
            done, _ = self.ray.wait(list(pending), num_returns=1)
            for ref in done:
                i = pending.pop(ref)
                try:
                    outcome = self.ray.get(ref)
                except Exception as exc:  # a task lost with its worker
                    outcome = {"error": f"ray task failed: {type(exc).__name__}: {exc}", "traceback": ""}
                yield i, outcome

    def close(self) -> None:
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()


def make_executor(jobs: int = 1, ray: str | None = None) -> Executor:
    """``ray`` address (or "local") -> RayExecutor; ``jobs`` 0 -> SerialExecutor; else ProcessExecutor(jobs)."""
    if ray:
        return RayExecutor(ray, num_cpus=jobs if ray == "local" and jobs > 0 else None)
    if jobs == 0:
        return SerialExecutor()
    return ProcessExecutor(jobs)


# --------------------------------------------------------------------------------------
# Cache


class ResultCache:
    """JSON results by cache key under ``directory`` (``<key[:2]>/<key>.json``), written atomically."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, strategy: str, n_inputs: int) -> dict[str, Any] | None:
        """The cached result, or None if absent. Raises ValueError naming the file if it is unusable."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: unreadable cache entry ({exc})") from None
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT or entry.get("version") != CACHE_VERSION:
            raise ValueError(f"{path}: not a {CACHE_FORMAT} v{CACHE_VERSION} entry")
        if entry.get("key") != key or not isinstance(entry.get("result"), dict):
            raise ValueError(f"{path}: entry is for another job or has no result")
        try:
            check_result(entry["result"], strategy, n_inputs)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return entry["result"]

    def put(self, key: str, job: Job, result: dict[str, Any]) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"format": CACHE_FORMAT, "version": CACHE_VERSION, "key": key, "family": job.family, "strategy": job.strategy,
                 "seed": job.seed, "model": job.model, "result": result}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)  # atomic: an interrupted write never leaves a half entry


# --------------------------------------------------------------------------------------
# The sweep


@dataclass
class SweepOutcome:
    """Rows in (model, strategy) order and the run's counts."""

    rows: list[dict[str, Any]]
    n_jobs: int
    n_cached: int
    n_run: int
    n_failed: int
    cache_problems: list[str]
    seconds: float
    strategies: list[str]  # every family's, each name once
    models: list[ModelSpec] = field(repr=False)

    @property
    def families(self) -> list[str]:
        """The models' families, each once, in order."""
        return list(dict.fromkeys(m.family for m in self.models))


def _row(model: ModelSpec, strategy: str, result: dict[str, Any] | None, error: str) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in CSV_COLUMNS}
    row.update(family=model.family, seed=model.seed, model=model.path, strategy=strategy, n_inputs=model.n_inputs, error=error)
    if result is not None and not error:
        bound = Fraction(result["bound"])
        row.update(
            correct_lower_bound=result["correct_lower_bound"], bound=result["bound"], accuracy_bound=float(bound),
            proof_flops=result["proof_flops"], unexplained_dimensionality=result["unexplained_dimensionality"],
            seconds=result["seconds"],
        )
    return row


def run_sweep(
    models: Sequence[ModelSpec],
    strategies: Sequence[str] | Mapping[str, Sequence[str]],
    cache: ResultCache,
    executor: Executor,
    *,
    progress: bool | None = None,
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> SweepOutcome:
    """Run every (model, strategy) job not in ``cache`` on ``executor``; returns all rows.

    ``strategies``: names of each model's family's registry, by family (``select_for_families``),
    or one list for every model.

    Each finished job is cached before the next is awaited, so an interruption (any
    exception, e.g. KeyboardInterrupt, propagates) loses at most the jobs in flight.
    Postcondition: one row per (model, strategy); a row with a non-empty ``error`` has no
    numbers; every other row is a consistent result that does not exceed the brute-force
    count when that is known.
    """
    start = time.perf_counter()
    if not isinstance(strategies, Mapping):
        strategies = {m.family: list(strategies) for m in models}
    by_family = {family: list(strategies[family]) for family in dict.fromkeys(m.family for m in models)}
    versions = {
        (family, s): code_version(s, family)
        for family, names in by_family.items()
        for s in {*names, *([REFERENCE] if REFERENCE in _family(family).registry().strategies else [])}
    }
    results: dict[tuple[int, str], dict[str, Any]] = {}
    errors: dict[tuple[int, str], str] = {}
    problems: list[str] = []
    todo: list[tuple[tuple[int, str], Job]] = []
    for mi, model in enumerate(models):
        names = by_family[model.family]
        # the exact count every bound is compared with: run (or read from the cache) even when not selected
        reference = [REFERENCE] if REFERENCE not in names and (model.family, REFERENCE) in versions else []
        for strategy in [*names, *reference]:
            key = cache_key(model.model_sha256, strategy, versions[model.family, strategy])
            try:
                hit = cache.get(key, strategy, model.n_inputs)
            except ValueError as exc:  # recompute and overwrite, but say so
                problems.append(str(exc))
                say(f"warning: {exc}; recomputing")
                hit = None
            if hit is not None:
                results[mi, strategy] = hit
            else:
                todo.append(((mi, strategy), Job(key, model.family, strategy, model.seed, model.path, model.config.to_dict(), model.weights)))
    n_cached = len(results)
    with Progress(len(todo), "sweep", enabled=progress) as bar:
        for i, outcome in executor.imap([job for _, job in todo]):
            where, job = todo[i]
            if "result" in outcome:
                cache.put(job.key, job, outcome["result"])
                results[where] = outcome["result"]
            else:
                errors[where] = outcome["error"]
                say(f"job failed: {job.family} seed {job.seed} strategy {job.strategy}: {outcome['error']}")
            bar.update(postfix=f"{len(errors)} failed" if errors else "")
    rows = []
    for mi, model in enumerate(models):
        names = by_family[model.family]
        reference = results.get((mi, REFERENCE))
        for strategy in names:
            result, error = results.get((mi, strategy)), errors.get((mi, strategy), "")
            if result is not None and reference is not None and result["correct_lower_bound"] > reference["correct_lower_bound"]:
                error = (f"UNSOUND: claims {result['correct_lower_bound']} correct inputs, brute force counts "
                         f"{reference['correct_lower_bound']}")
            elif result is not None and reference is None and not error:  # never a bound no exact count has confirmed
                error = f"unchecked: the {REFERENCE} job that gives the exact count failed"
            row = _row(model, strategy, result, error)
            if reference is not None and reference["correct_lower_bound"] > 0 and not error:
                row["normalised_bound"] = row["accuracy_bound"] / float(Fraction(reference["bound"]))
            rows.append(row)
    n_failed = sum(1 for r in rows if r["error"])
    every = list(dict.fromkeys(s for names in by_family.values() for s in names))
    # jobs: every (model, strategy) run or read, the unselected exact counts included
    return SweepOutcome(rows, n_cached + len(todo), n_cached, len(todo), n_failed, problems, time.perf_counter() - start, every, list(models))


# --------------------------------------------------------------------------------------
# Outputs


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([_csv_value(row[c]) for c in CSV_COLUMNS])
    return path


def read_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a sweep CSV with their types restored; raises ValueError naming the file and line."""
    types: dict[str, Callable[[str], Any]] = {
        "seed": int, "correct_lower_bound": int, "n_inputs": int, "accuracy_bound": float, "normalised_bound": float,
        "proof_flops": int, "unexplained_dimensionality": int, "seconds": float,
    }
    rows = []
    with Path(path).open(newline="") as fh:
        reader = csv.DictReader(fh)
        legacy = tuple(reader.fieldnames or ()) == _LEGACY_CSV_COLUMNS  # written before the family column: Max-of-K
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS and not legacy:
            raise ValueError(f"{path}: header {reader.fieldnames} is not {list(CSV_COLUMNS)}")
        def parse(key: str, text: str) -> Any:
            if key == "error":
                return text
            if text == "":
                return None
            return types[key](text) if key in types else text

        for line, raw in enumerate(reader, start=2):
            try:
                rows.append(({"family": "maxofk"} if legacy else {}) | {k: parse(k, v) for k, v in raw.items()})
            except ValueError as exc:
                raise ValueError(f"{path}:{line}: {exc}") from None
    return rows


def _plot_stems(outcome: SweepOutcome, plot_stem: str | None, dimensionality_stem: str | None) -> dict[str, tuple[str | None, str | None]]:
    """Per family, the stems of its two plots (None: not drawn: no successful row, or none with a
    positive dimensionality for the log axis); a sweep of several families names them by family."""
    several = len(outcome.families) > 1
    stems = {}
    for family in outcome.families:
        ok = [r for r in outcome.rows if r["family"] == family and not r["error"]]
        suffix = f"_{family}" if several else ""
        stems[family] = (
            f"{plot_stem}{suffix}" if plot_stem and ok else None,
            f"{dimensionality_stem}{suffix}" if dimensionality_stem and any(int(r["unexplained_dimensionality"]) > 0 for r in ok) else None,
        )
    return stems


def report_markdown(
    outcome: SweepOutcome, title: str = "Strategy sweep", plot_stem: str | None = "pareto", dimensionality_stem: str | None = None
) -> str:
    """The sweep report: counts, each family's per-strategy table and plots (named by their file
    stems, suffixed ``_FAMILY`` in a sweep of several families), failures and provenance."""
    from .core.provenance import provenance, provenance_markdown
    from .families import FAMILIES
    from .maxofk.plots import markdown_table

    several = len(outcome.families) > 1
    seeds = ", ".join(
        (f"{family} " if several else "") + ", ".join(map(str, (s := [m.seed for m in outcome.models if m.family == family])[:12]))
        + (", ..." if len(s) > 12 else "")
        for family in outcome.families
    )
    lines = [
        f"# {title}",
        "",
        f"- models: {len(outcome.models)} (seeds {seeds})",
        f"- strategies: {len(outcome.strategies)} ({', '.join(outcome.strategies[:12])}{', ...' if len(outcome.strategies) > 12 else ''})",
        f"- jobs: {outcome.n_jobs}; from the cache: {outcome.n_cached}; run now: {outcome.n_run}; **failed: {outcome.n_failed}**",
        f"- wall-clock seconds of this run: {outcome.seconds:.1f}",
        "",
        "Bounds are exact counts of certified inputs over the model's input space (d_vocab^n_ctx for Max-of-K,",
        "p^2 for modular addition); the normalised bound divides by the model's brute-force accuracy (when known).",
        "Proof FLOPs count checker work from array shapes (the paper's convention); seconds are wall-clock per",
        "job on the machine below.",
        "",
    ]
    for family, (pareto, dimensionality) in _plot_stems(outcome, plot_stem, dimensionality_stem).items():
        fam = FAMILIES[family]
        if several:
            lines += [f"## {fam.title}", ""]
        lines.append(markdown_table([r for r in outcome.rows if r["family"] == family], anchors=fam.paper_anchors))
        if pareto:
            lines += [f"![bound against proof length]({pareto}.png)", "", f"Vector version: [{pareto}.svg]({pareto}.svg).", ""]
        if dimensionality:
            lines += [f"![bound against unexplained dimensionality]({dimensionality}.png)", "",
                      f"Vector version: [{dimensionality}.svg]({dimensionality}.svg).", ""]
    failed = [r for r in outcome.rows if r["error"]]
    if failed:
        lines += ["## Failed jobs", "", "| family | seed | strategy | error |", "|---|---|---|---|"]
        lines += [f"| {r['family']} | {r['seed']} | {r['strategy']} | {str(r['error']).replace('|', '/')} |" for r in failed]
        lines.append("")
    if outcome.cache_problems:
        lines += ["## Cache entries recomputed", "", *[f"- {p}" for p in outcome.cache_problems], ""]
    lines += ["## Provenance", "", provenance_markdown(provenance()), ""]
    return "\n".join(lines)


def write_outputs(outcome: SweepOutcome, out_dir: Path) -> dict[str, Path]:
    """Write sweep.csv, report.md, report.html and, per family with a successful job, pareto.png / .svg
    and dimensionality.png / .svg into ``out_dir`` (keys ``png``, ``svg``, ``dimensionality_png``,
    ``dimensionality_svg``; in a sweep of several families, stems and keys end in ``_FAMILY``)."""
    from .core.report_html import markdown_to_html
    from .families import FAMILIES
    from .maxofk.plots import plot_bound_vs_dimensionality, plot_pareto

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": write_csv(outcome.rows, out_dir / "sweep.csv")}
    stems = _plot_stems(outcome, "pareto", "dimensionality")
    for family, (pareto, dimensionality) in stems.items():
        rows = [r for r in outcome.rows if r["family"] == family]
        fam, suffix = FAMILIES[family], f"_{family}" if len(stems) > 1 else ""
        title = "" if fam.paper_anchors else f"{fam.title}: "
        if pareto:
            paths[f"png{suffix}"], paths[f"svg{suffix}"] = plot_pareto(
                rows, out_dir / pareto, anchors=fam.paper_anchors, title=f"{title}Accuracy bound against proof length ({{n_models}} models)")
        if dimensionality:
            paths[f"dimensionality_png{suffix}"], paths[f"dimensionality_svg{suffix}"] = plot_bound_vs_dimensionality(
                rows, out_dir / dimensionality, anchors=fam.paper_anchors,
                title=f"{title}Accuracy bound against unexplained dimensionality ({{n_models}} models)")
    markdown = report_markdown(outcome, plot_stem="pareto", dimensionality_stem="dimensionality")
    paths["report"] = out_dir / "report.md"
    paths["report"].write_text(markdown)
    paths["html"] = out_dir / "report.html"
    paths["html"].write_text(markdown_to_html(markdown))
    return paths


# --------------------------------------------------------------------------------------
# Command line


def model_records(args: argparse.Namespace) -> list[Path]:
    """The records a ``sweep`` command line names: ``--zoo``, ``--seeds`` or (neither, and no
    ``--model``) the default models of ``--family``'s zoo, then every ``--model``."""
    family = _family(args.family)
    directory = args.directory or family.zoo_dir
    if args.zoo:
        paths = family.zoo_records(directory)
    elif args.seeds:
        paths = family.seed_records(args.seeds, directory)
    else:
        paths = [] if args.model else family.default_records(directory)
    return [*paths, *(args.model or [])]


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep subcommand; exit status 0 when every job succeeded, 1 when some failed."""
    from .families import family_of_record

    try:
        paths = model_records(args)
        # the families from the records alone: a pattern is refused before any model is loaded
        strategies = select_for_families(args.strategies, [family_of_record(p).name for p in paths])
        models = load_models(paths=paths)
        cache = ResultCache(args.cache or Path(args.out) / "cache")
        with make_executor(args.jobs, args.ray) as executor:
            outcome = run_sweep(models, strategies, cache, executor, progress=None)
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paths = write_outputs(outcome, Path(args.out))
    print(f"{outcome.n_jobs} jobs: {outcome.n_cached} from the cache, {outcome.n_run} run, {outcome.n_failed} failed")
    for kind, path in paths.items():
        print(f"wrote {kind}: {path}")
    return 1 if outcome.n_failed else 0


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The options that select model records (read by :func:`model_records`): ``--family``,
    ``--seeds``, ``--zoo``, ``--model``, ``--directory``."""
    from .families import FAMILIES

    p.add_argument("--family", choices=list(FAMILIES), default="maxofk",
                   help="the zoo that --seeds, --zoo and --directory name: Max-of-K or modular addition (pizza) models")
    p.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                   help="zoo seeds (default unless --zoo or --model: seed 123 of the Max-of-4 zoo; every model of the modadd zoo)")
    p.add_argument("--zoo", action="store_true", help="every model of --family's zoo (Max-of-4: 151 seeds)")
    p.add_argument("--model", type=Path, action="append", help="a model record (.json) of any family, repeatable")
    p.add_argument("--directory", type=Path, help="zoo folder (default: the shipped zoo of --family)")


def add_sweep_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Define the ``sweep`` subcommand on an argparse subparsers object; returns its parser."""
    p = subparsers.add_parser("sweep", help="run proof strategies over zoo models of any family (cached, resumable)")
    p.add_argument("--strategies", nargs="+", default=["*"], metavar="NAME",
                   help="strategy names or glob patterns, e.g. cubic 'subcubic:*'; each model runs those of its own family "
                        "(default: all registered)")
    add_model_options(p)
    p.add_argument("--jobs", type=int, default=1, help="worker processes (0: run in this process; with --ray local: CPUs)")
    p.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster at ADDRESS ('local' starts a local instance)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    p.add_argument("--cache", type=Path, help="cache folder (default: OUT/cache)")
    p.set_defaults(func=cmd_sweep)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compact_proofs.sweep")
    sub = parser.add_subparsers(dest="command", required=True)
    add_sweep_command(sub)
    args = parser.parse_args(["sweep", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
