"""The Lean library's modules and their import graph: every ``CompactProofs`` file under a
source root, the imports read from its header, an import's closure, and a build order."""

from __future__ import annotations

import dataclasses
import graphlib
import heapq
import re
from pathlib import Path
from typing import Iterable, Sequence

from .audit import blank_comments_and_strings
from .toolchain import LeanCheckError

LIBRARY_ROOT = "CompactProofs"
#: Top-level module of a workspace's generated theorems (``lean.workspace``): a library of its own,
#: since Lean finds all the modules under one top-level name in one search-path entry.
WORKSPACE_ROOT = "Certified"
#: Imports from the toolchain's own libraries: not files of ours, never built here.
CORE_PREFIXES = ("Init", "Std", "Lean", "Lake")


@dataclasses.dataclass(frozen=True)
class LeanModule:
    name: str
    path: Path  # absolute
    rel: str  # relative to the source root, e.g. CompactProofs/Matrix.lean
    imports: tuple[str, ...]  # all imports, as written
    root: Path  # the source root (absolute): `lean` runs there, so that `rel` names the module

    def olean(self, olean_dir: Path) -> Path:
        return olean_dir.joinpath(*self.name.split(".")).with_suffix(".olean")


_HEADER_TOKEN = re.compile(r"\S+")


def parse_imports(src: str) -> list[str]:
    """Modules imported in a file's header (``import X``, ``public import X``, ``import all X``...)."""
    code, _ = blank_comments_and_strings(src)
    tokens = _HEADER_TOKEN.findall(code)
    imports: list[str] = []
    i = 0
    if i < len(tokens) and tokens[i] == "module":
        i += 1
    if i < len(tokens) and tokens[i] == "prelude":
        i += 1
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j] in ("public", "meta", "private"):
            j += 1
        if j >= len(tokens) or tokens[j] != "import":
            break
        j += 1
        if j < len(tokens) and tokens[j] == "all":
            j += 1
        if j >= len(tokens) or not re.fullmatch(r"[A-Za-z_\u00C0-\uFFFF][\w.'\u00C0-\uFFFF]*", tokens[j]):
            break
        imports.append(tokens[j])  # one module per `import`
        j += 1
        i = j
    return imports


def module_name_for(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    return ".".join(parts)


def discover_modules(lean_root: Path, library: str = LIBRARY_ROOT) -> dict[str, LeanModule]:
    """Every module of ``library`` under ``lean_root`` (root file and ``<library>/**``)."""
    lean_root = Path(lean_root)
    paths = []
    if (lean_root / f"{library}.lean").exists():
        paths.append(lean_root / f"{library}.lean")
    paths += sorted((lean_root / library).rglob("*.lean"))
    modules: dict[str, LeanModule] = {}
    for path in paths:
        rel = path.relative_to(lean_root)
        name = module_name_for(rel)
        if not all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", p) for p in name.split(".")):
            raise LeanCheckError(f"{rel}: module file names must be UpperCamelCase")
        src = path.read_text(encoding="utf-8")
        modules[name] = LeanModule(name, path.resolve(), rel.as_posix(), tuple(parse_imports(src)), lean_root.resolve())
    if not modules:
        raise LeanCheckError(f"no Lean modules found under {lean_root}")
    return modules


def local_deps(mod: LeanModule, modules: dict[str, LeanModule]) -> list[str]:
    deps = []
    for imp in mod.imports:
        if imp.split(".")[0] in CORE_PREFIXES:
            continue
        if imp not in modules:
            raise LeanCheckError(f"{mod.rel}: imports {imp}, which is neither a core module nor a file under lean/")
        deps.append(imp)
    return deps


def import_closure(deps: dict[str, Sequence[str]], targets: Iterable[str]) -> set[str]:
    """The ``targets`` and every module they import, directly or not."""
    seen: set[str] = set()
    stack = list(targets)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in deps:
            raise LeanCheckError(f"no Lean module {name} in the library")
        seen.add(name)
        stack.extend(deps[name])
    return seen


def topological_order(deps: dict[str, Sequence[str]]) -> list[str]:
    """Modules ordered so that each comes after its dependencies; of the modules ready at a
    time, the alphabetically first comes first."""
    for m, ds in deps.items():
        for d in ds:
            if d not in deps:
                raise LeanCheckError(f"{m} depends on unknown module {d}")
    sorter = graphlib.TopologicalSorter(deps)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise LeanCheckError(f"import cycle among: {', '.join(sorted(set(exc.args[1])))}") from None
    ready: list[str] = []
    order: list[str] = []
    while sorter.is_active():
        for m in sorter.get_ready():
            heapq.heappush(ready, m)
        m = heapq.heappop(ready)
        order.append(m)
        sorter.done(m)
    return order


def closure_sizes(deps: dict[str, Sequence[str]], sources: dict[str, str]) -> dict[str, int]:
    """Bytes of Lean source in each module's import closure (the module itself included): what
    a build of it reads and elaborates or imports."""
    return {name: sum(len(sources[d].encode()) for d in import_closure(deps, [name])) for name in deps}


#: Rough build cost of a module, for the build order only (measured on a 2-core AMD EPYC: a
#: kernel evaluation of a generated certificate's part costs seconds to tens of seconds, a
#: megabyte of literals some ten seconds to elaborate, anything else a few seconds).
SECONDS_PER_KERNEL_EVALUATION = 15.0
SECONDS_PER_MEGABYTE = 8.0
SECONDS_PER_MODULE = 5.0
_KERNEL_EVALUATION = re.compile(r"decide\s*\+kernel")


def estimated_seconds(src: str) -> float:
    """A module's build cost as estimated from its source (see the constants above)."""
    return (SECONDS_PER_MODULE + SECONDS_PER_KERNEL_EVALUATION * len(_KERNEL_EVALUATION.findall(src))
            + SECONDS_PER_MEGABYTE * len(src.encode()) / 2**20)


def critical_path_order(deps: dict[str, Sequence[str]], cost: dict[str, float]) -> list[str]:
    """The modules by decreasing critical path (a module's cost plus the longest chain of
    modules that import it, directly or not), ties in import order. Starting the longest chains
    first keeps the cores busy to the end: built in import order, the long pizza table
    products waited behind a whole library and ran alone at the end."""
    order = topological_order(deps)
    importers: dict[str, list[str]] = {name: [] for name in deps}
    for name, ds in deps.items():
        for d in ds:
            importers[d].append(name)
    path: dict[str, float] = {}
    for name in reversed(order):
        path[name] = cost[name] + max((path[i] for i in importers[name]), default=0.0)
    rank = {name: i for i, name in enumerate(order)}
    return sorted(order, key=lambda name: (-path[name], rank[name]))
