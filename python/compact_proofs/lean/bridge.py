"""Check the Lean library under ``lean/`` with the pinned WebAssembly Lean toolchain: the driver.

Usage::

    compact-proofs lean install                  # once: the pinned toolchain (scripts/install_lean.sh in a checkout)
    compact-proofs lean check [--jobs N] [MODULE ...]
    python -m compact_proofs.lean.bridge check [--jobs N] [--json OUT] [MODULE ...]

or ``check_project(...)`` from Python. Standard library only. What a check does, in order:

1. **Source audit** of every ``.lean`` file (``lean.audit``); nothing is built if it finds
   anything.
2. **Build** of every module (``CompactProofs`` and ``CompactProofs.*``, source root ``lean/``;
   ``lean.modules`` reads the import graph) in dependency order, as
   ``LEAN_PATH=build/lean/olean lean -DwarningAsError=true -DautoImplicit=false ... -o build/lean/olean/X/Y.olean X/Y.lean``
   or the same frontend in a persistent build worker (``lean.worker``), up to ``jobs`` files at
   a time. A module is rebuilt only when
   the hash of its source, of its dependencies' hashes and of the toolchain changed. Any error
   or warning fails.
3. **Axiom audit** in the kernel environment (``lean.axioms``); the table theorem -> axioms is
   printed and written as JSON (``build/lean/axioms.json`` by default).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import queue
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from ..core.progress import quiet, say
from .audit import TRUST_LABEL, Finding, audit_source, blank_comments_and_strings, trusts_compiler
from .axioms import (
    AXIOMS_ALLOWED,
    AXIOMS_COMPILER,
    CORE_AXIOMS,
    AxiomEntry,
    accuracy_statement,
    classify_axioms,
    is_internal,
    parse_audit_output,
    render_audit_file,
    run_axiom_audit,
)
from .modules import (
    WORKSPACE_ROOT,
    LeanModule,
    closure_sizes,
    critical_path_order,
    discover_modules,
    estimated_seconds,
    import_closure,
    local_deps,
    parse_imports,
    topological_order,
)
from .render import LeanTheorem
from .worker import MAX_CLOSURE_BYTES, RSS_LIMIT_KB, BuildWorker
from .toolchain import (
    DRIVER_VERSION,
    LEAN_FLAGS,
    LeanCheckError,
    RunOutput,
    ToolchainNotInstalled,
    build_root,
    content_key,
    find_toolchain,
    library_root,
    run_measured,
)

__all__ = [  # the driver's API; the pieces live in lean.audit, lean.axioms, lean.modules, lean.toolchain
    "AXIOMS_ALLOWED",
    "AXIOMS_COMPILER",
    "CORE_AXIOMS",
    "TRUST_LABEL",
    "CheckResult",
    "Finding",
    "LeanCheckError",
    "LeanModule",
    "ModuleBuild",
    "RunOutput",
    "ToolchainNotInstalled",
    "audit_source",
    "blank_comments_and_strings",
    "accept_theorems",
    "check_project",
    "check_theorems",
    "classify_axioms",
    "discover_modules",
    "find_toolchain",
    "import_closure",
    "local_deps",
    "main",
    "parse_audit_output",
    "parse_imports",
    "render_audit_file",
    "run_measured",
    "topological_order",
    "critical_path_order",
    "estimated_seconds",
    "trusts_compiler",
]


@dataclasses.dataclass
class ModuleBuild:
    name: str
    rel: str
    status: str  # "built", "cached", "failed", "skipped"
    seconds: float = 0.0
    peak_rss_kb: int = 0
    output: str = ""


_DIAGNOSTIC = re.compile(r"^[^\n:]+:\d+:\d+: (error|warning)", re.M)


@dataclasses.dataclass
class CheckResult:
    ok: bool
    lean_root: str
    build_dir: str
    toolchain: str = ""
    modules: list[ModuleBuild] = dataclasses.field(default_factory=list)
    source_findings: list[Finding] = dataclasses.field(default_factory=list)
    axioms: list[AxiomEntry] = dataclasses.field(default_factory=list)
    #: the elaborated type of every tagged accuracy theorem, by name (``lean.axioms``)
    statements: dict[str, str] = dataclasses.field(default_factory=dict)
    axiom_problems: list[str] = dataclasses.field(default_factory=list)
    axiom_audit_cached: bool = False
    axiom_audit_seconds: float = 0.0
    axiom_audit_peak_rss_kb: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    wall_seconds: float = 0.0
    #: start-up of each build worker (``lean.worker``), paid once per worker, not per module
    worker_startup_seconds: list[float] = dataclasses.field(default_factory=list)

    @property
    def peak_rss_kb(self) -> int:
        return max([m.peak_rss_kb for m in self.modules] + [self.axiom_audit_peak_rss_kb, 0])

    @property
    def theorem_axioms(self) -> dict[str, list[str]]:
        return {a.name: a.axioms for a in self.axioms if a.kind == "theorem" and not is_internal(a.name)}

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "lean_root": self.lean_root,
            "build_dir": self.build_dir,
            "toolchain": self.toolchain,
            "wall_seconds": round(self.wall_seconds, 2),
            "peak_rss_kb": self.peak_rss_kb,
            "modules": [dataclasses.asdict(m) for m in self.modules],
            "source_findings": [dataclasses.asdict(f) for f in self.source_findings],
            "axiom_policy": {
                "allowed": sorted(AXIOMS_ALLOWED),
                "allowed_with_label": sorted(AXIOMS_COMPILER),
                "label": TRUST_LABEL,
                "core_leaves": "core theorems whose proofs the shipped core oleans omit; trusted with the toolchain",
            },
            "theorems": self.theorem_axioms,
            "statements": self.statements,
            "constants": [dataclasses.asdict(a) for a in self.axioms],
            "axiom_problems": self.axiom_problems,
            "axiom_audit_cached": self.axiom_audit_cached,
            "axiom_audit_seconds": round(self.axiom_audit_seconds, 2),
            "errors": self.errors,
            "worker_startup_seconds": self.worker_startup_seconds,
        }


def check_project(
    project_root: str | Path | None = None,
    *,
    lean_root: str | Path | None = None,
    build_dir: str | Path | None = None,
    jobs: int = 2,
    json_out: str | Path | None = None,
    source_audit: bool = True,
    axiom_audit: bool = True,
    targets: Sequence[str] | None = None,
    workspace: str | Path | None = None,
    timeout: float = 900.0,
    workers: bool = True,
    keep_going: bool = False,
    log: Callable[[str], None] | None = print,
) -> CheckResult:
    """Audit, build and axiom-audit the Lean library; see the module docstring.

    With ``workers`` (the default), modules are built by ``jobs`` persistent Lean processes
    (``lean.worker``) when more than one module suited to them needs building, so that the
    toolchain's start-up is paid once per worker; a module that imports a full-size model's
    data (``worker.MAX_CLOSURE_BYTES``), and one whose worker dies, is built in a process of its
    own. Without, every module is one ``lean -o`` process. With ``keep_going``, a failed
    module stops only the modules that import it (as ``make -k``); otherwise every build.

    With ``targets`` (module names), only those modules and what they import are audited,
    built and axiom-audited; otherwise every module under ``lean_root``.
    A ``workspace`` is a second source root outside the library (the generated theorems of a
    user's models, ``lean.workspace``): its modules may import the library's, are built into
    ``<workspace>/build/olean`` (the library's still into ``build_dir``, so both share the
    library's cache), and the report and the axiom audit's cache go to ``<workspace>/build``.
    ``lean_root`` defaults to ``<project_root>/lean`` and ``build_dir`` to
    ``<project_root>/build/lean`` when a ``project_root`` is given, else to the library's
    sources and build folder where this package runs (``toolchain.library_root``,
    ``toolchain.build_root``: a checkout's or an installed wheel's). The JSON
    report goes to ``json_out`` (default ``<build_dir>/axioms.json``). Raises
    :class:`ToolchainNotInstalled` when the toolchain is missing; every other problem is
    reported in the result (``ok`` false).
    """
    t_start = time.monotonic()
    say = log or (lambda _msg: None)
    root = Path(project_root).resolve() if project_root else None
    lean_root = Path(lean_root).resolve() if lean_root else (root / "lean" if root else library_root())
    build = Path(build_dir).resolve() if build_dir else (root / "build" / "lean" if root else build_root())
    olean_dir = build / "olean"
    ws_root = Path(workspace).resolve() if workspace else None
    if ws_root:
        build = ws_root / "build"
    ws_olean_dir = build / "olean"
    json_path = Path(json_out) if json_out else build / "axioms.json"
    toolchain = find_toolchain(root)
    result = CheckResult(ok=False, lean_root=str(lean_root), build_dir=str(build), toolchain=toolchain.stamp)

    def finish() -> CheckResult:
        result.ok = not (
            result.errors
            or result.source_findings
            or result.axiom_problems
            or any(m.status in ("failed", "skipped") for m in result.modules)
        )
        result.wall_seconds = time.monotonic() - t_start
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
        say(f"report written to {json_path}")
        say(("OK" if result.ok else "FAILED") + f": Lean check of {lean_root}{f' and {ws_root}' if ws_root else ''} in {result.wall_seconds:.1f} s")
        return result

    try:
        modules = discover_modules(lean_root)
        ws_modules = discover_modules(ws_root, WORKSPACE_ROOT) if ws_root else {}
        if clash := sorted(set(modules) & set(ws_modules)):
            raise LeanCheckError(f"{ws_root}: module {clash[0]} is also a library module under {lean_root}")
        modules |= ws_modules
        deps = {name: local_deps(mod, modules) for name, mod in modules.items()}
        if targets is not None:
            deps = {name: deps[name] for name in import_closure(deps, targets)}
        order = topological_order(deps)
    except LeanCheckError as exc:
        result.errors.append(str(exc))
        say(f"error: {exc}")
        return finish()
    sources = {name: modules[name].path.read_text(encoding="utf-8") for name in order}
    scope = f"the import closure of {', '.join(targets)}" if targets else "the whole library"
    roots = f"{lean_root} and {ws_root}" if ws_root else f"{lean_root}"
    say(f"{len(order)} modules under {roots} ({scope}); each line below is one module done, [done/total]")

    # 1. source audit
    if source_audit:
        for name in order:
            result.source_findings += audit_source(sources[name], modules[name].rel)
        for f in result.source_findings:
            say(f"source audit: {f}")
        if result.source_findings:
            result.errors.append(f"source audit: {len(result.source_findings)} finding(s); nothing was built")
            return finish()
        say("source audit: clean")

    # 2. build
    keys: dict[str, str] = {}
    for name in order:
        keys[name] = content_key(
            DRIVER_VERSION, toolchain.stamp, " ".join(LEAN_FLAGS), name, sources[name], *(keys[d] for d in deps[name])
        )
    env = dict(os.environ)
    env["LEAN_PATH"] = os.pathsep.join(dict.fromkeys(map(str, (ws_olean_dir, olean_dir))))
    builds: dict[str, ModuleBuild] = {}
    pending = critical_path_order(deps, {name: estimated_seconds(sources[name]) for name in order})
    running: dict[concurrent.futures.Future, str] = {}

    def olean_of(name: str) -> Path:
        return modules[name].olean(ws_olean_dir if name in ws_modules else olean_dir)

    def is_cached(name: str) -> bool:
        stamp = olean_of(name).with_suffix(".hash")
        return stamp.exists() and olean_of(name).exists() and stamp.read_text().strip() == keys[name]

    closure_bytes = closure_sizes(deps, sources)
    to_build = [name for name in order if not is_cached(name)]
    for_workers = {name for name in to_build if closure_bytes[name] <= MAX_CLOSURE_BYTES}
    n_workers = min(max(1, jobs), len(for_workers)) if workers and len(for_workers) > 1 else 0
    idle: queue.Queue[BuildWorker] = queue.Queue()
    all_workers: list[BuildWorker] = []
    for _ in range(n_workers):  # started together: their start-up overlaps the first builds' waits
        all_workers.append(BuildWorker(toolchain, lean_root, env))
        idle.put(all_workers[-1])

    def run_module(mod: LeanModule, olean: Path) -> RunOutput:
        if n_workers and mod.name in for_workers:
            worker = idle.get()
            source = mod.rel if mod.root == lean_root else str(mod.path)  # workers run in lean_root
            run = worker.build(source, olean, mod.name, timeout) if worker.alive else None
            if worker.alive and worker.rss_kb() > RSS_LIMIT_KB:  # replaced before it runs out of heap
                worker.close()
                all_workers.append(BuildWorker(toolchain, lean_root, env))
                idle.put(all_workers[-1])
            elif worker.alive:
                idle.put(worker)
            elif worker.startup_seconds is None:  # cannot start: this slot builds one process per module
                idle.put(worker)
            else:  # a fresh worker for later modules; this module is rebuilt in a process of its own
                all_workers.append(BuildWorker(toolchain, lean_root, env))
                idle.put(all_workers[-1])
            if run is not None:
                return run
            say(f"build worker lost while building {mod.name}; rebuilding it in a process of its own")
        return run_measured([str(toolchain.lean), *LEAN_FLAGS, "-o", str(olean), mod.rel], mod.root, env, timeout)

    def build_one(name: str) -> ModuleBuild:
        mod = modules[name]
        olean = olean_of(name)
        stamp = olean.with_suffix(".hash")
        if is_cached(name):
            return ModuleBuild(name, mod.rel, "cached")
        olean.parent.mkdir(parents=True, exist_ok=True)
        for stale in (stamp, olean):
            stale.unlink(missing_ok=True)
        run = run_module(mod, olean)
        output = run.output.strip()
        failed = run.returncode != 0 or run.timed_out or bool(_DIAGNOSTIC.search(output)) or not olean.exists()
        if run.timed_out:
            output += f"\n(timed out after {timeout:.0f} s)"
        if not failed:
            stamp.write_text(keys[name] + "\n")
        return ModuleBuild(name, mod.rel, "failed" if failed else "built", run.seconds, run.peak_rss_kb, output)

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            failed_any = False
            while pending or running:
                if keep_going:  # a module whose import failed will not build: skip it now
                    for name in list(pending):
                        if any(builds.get(d) and builds[d].status in ("failed", "skipped") for d in deps[name]):
                            pending.remove(name)
                            builds[name] = ModuleBuild(name, modules[name].rel, "skipped", output="not built: an import failed")
                if keep_going or not failed_any:
                    for name in list(pending):
                        if len(running) >= max(1, jobs):
                            break
                        if all(builds.get(d) and builds[d].status in ("built", "cached") for d in deps[name]):
                            pending.remove(name)
                            running[pool.submit(build_one, name)] = name
                if not running:
                    break
                done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for fut in done:
                    name = running.pop(fut)
                    try:
                        b = fut.result()
                    except Exception as exc:  # noqa: BLE001 - reported, not raised
                        b = ModuleBuild(name, modules[name].rel, "failed", output=f"driver error: {exc!r}")
                    builds[name] = b
                    count = f"[{len(builds)}/{len(order)}]"
                    if b.status == "cached":
                        say(f"{count} [cached] {b.name}")
                    else:
                        still = ", ".join(running.values())
                        say(f"{count} [{b.status}] {b.name} ({b.seconds:.1f} s, peak RSS {b.peak_rss_kb / 1024:.0f} MB)"
                            f"; {time.monotonic() - t_start:.0f} s so far" + (f"; building {still}" if still else ""))
                    if b.output:
                        say("\n".join("    " + line for line in b.output.splitlines()))
                    if b.status == "failed":
                        failed_any = True
            for name in pending:
                builds[name] = ModuleBuild(name, modules[name].rel, "skipped", output="not built: an earlier module failed")
    finally:  # no worker outlives the check, whatever stopped it
        for worker in all_workers:
            if worker.startup_seconds is not None:
                result.worker_startup_seconds.append(round(worker.startup_seconds, 2))
            worker.close()
    if all_workers:
        say(f"build workers: {len(all_workers)}, start-up " +
            ", ".join(f"{s:.1f} s" for s in result.worker_startup_seconds))
    result.modules = [builds[name] for name in order]
    if any(b.status != "built" and b.status != "cached" for b in result.modules):
        result.errors.append("build failed: " + ", ".join(b.name for b in result.modules if b.status == "failed"))
        return finish()

    # 3. axiom audit
    if axiom_audit:
        audit = run_axiom_audit(order, sources, keys, build, env, toolchain, timeout, say)
        result.axioms, result.axiom_problems, result.errors = audit.entries, audit.problems, result.errors + audit.errors
        result.statements = audit.statements
        result.axiom_audit_cached, result.axiom_audit_seconds = audit.cached, audit.seconds
        result.axiom_audit_peak_rss_kb = audit.peak_rss_kb
    return finish()


def accept_theorems(theorems: Sequence[LeanTheorem], res: CheckResult, namespace: str, *, exp_sqrt: bool,
                    log: Callable[[str], None] | None = print) -> None:
    """Fill in, from the check ``res``, each theorem's axioms, whether its elaborated statement is
    ``accuracy_statement(namespace, bound, model, exp_sqrt=...)`` (the family whose Lean
    namespace is ``namespace``), and ``accepted``: built, axioms allowed, statement as expected."""
    axioms = res.theorem_axioms
    for thm in theorems:
        thm.axioms = axioms.get(thm.theorem)
        thm.statement_ok = res.statements.get(thm.theorem) == accuracy_statement(namespace, thm.bound, thm.model, exp_sqrt=exp_sqrt)
        if thm.axioms is not None and not thm.statement_ok and log:
            log(f"Lean: {thm.theorem} does not state `{thm.bound} ≤ accuracy … {thm.model}`; not accepted")
        thm.accepted = res.ok and thm.axioms is not None and thm.statement_ok


def check_theorems(
    theorems: Sequence[LeanTheorem],
    namespace: str,
    *,
    exp_sqrt: bool,
    workspace: Path | None = None,
    log: Callable[[str], None] | None = print,
) -> dict:
    """Kernel-check the modules of ``theorems`` (about one model) and what they import, as
    ``certify`` does, and judge each (:func:`accept_theorems`). Returns the check's summary for
    the report. ``workspace``: see :func:`check_project`."""
    if log:
        log("Lean: checking this model's theorems and the library modules they import (pinned WebAssembly toolchain)")
    res = check_project(targets=sorted({thm.module for thm in theorems}), workspace=workspace, log=log)
    accept_theorems(theorems, res, namespace, exp_sqrt=exp_sqrt, log=log)
    return {
        "workspace": str(workspace) if workspace else None,
        "ok": res.ok,
        "seconds": res.wall_seconds,
        "peak_rss_mb": res.peak_rss_kb // 1024,
        "theorems": res.theorem_axioms,
        "messages": res.errors + res.axiom_problems,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compact_proofs.lean.bridge", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    chk = sub.add_parser("check", help="audit, build and axiom-audit the Lean library")
    chk.add_argument("--jobs", "-j", type=int, default=2, help="files built in parallel (default 2)")
    chk.add_argument("--json", type=Path, default=None, help="report path (default build/lean/axioms.json)")
    chk.add_argument("--lean-root", type=Path, default=None, help="source root (default lean/)")
    chk.add_argument("--build-dir", type=Path, default=None, help="build folder (default build/lean)")
    chk.add_argument("--project-root", type=Path, default=None)
    chk.add_argument("--no-axiom-audit", action="store_true")
    chk.add_argument("--clean", action="store_true", help="remove the build folder first")
    chk.add_argument("--one-process-per-module", action="store_true",
                     help="one lean process per module instead of persistent build workers (lean.worker)")
    chk.add_argument(
        "targets", nargs="*", metavar="MODULE", help="check only these modules and their imports (default: all)"
    )
    args = parser.parse_args(argv)
    root = args.project_root
    if args.clean:
        shutil.rmtree(args.build_dir or (Path(root) / "build" / "lean" if root else build_root()), ignore_errors=True)
    try:
        res = check_project(
            root,
            lean_root=args.lean_root,
            build_dir=args.build_dir,
            jobs=args.jobs,
            json_out=args.json,
            axiom_audit=not args.no_axiom_audit,
            targets=args.targets or None,
            workers=not args.one_process_per_module,
            log=say,  # per-module lines are progress: `compact-proofs -q` silences them
        )
    except ToolchainNotInstalled as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if quiet():  # the verdict and what went wrong are printed whatever the verbosity
        for mod in res.modules:
            if mod.status == "failed":
                print(f"{mod.name} failed:\n{mod.output}", file=sys.stderr)
        for error in res.errors:
            print(f"error: {error}", file=sys.stderr)
        print(("OK" if res.ok else "FAILED") + f": Lean check of {res.lean_root} in {res.wall_seconds:.1f} s")
    return 0 if res.ok else 1


if __name__ == "__main__":
    sys.exit(main())
