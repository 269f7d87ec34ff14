"""The package layers (ARCHITECTURE.md): which layer may import which, and no import cycles.

The import graph is read from the sources (every ``import`` statement, function-local ones
included), so a cycle hidden behind a local import fails here too.
"""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "compact_proofs"

# layer -> the layers its modules may import (the top-level modules cli/__main__ may import all)
ALLOWED = {
    "core": {"core"},
    "lean": {"core", "lean"},
    "maxofk": {"core", "lean", "maxofk"},
    "modadd": {"core", "lean", "modadd"},
}


def _module_name(path: Path) -> str:
    parts = ("compact_proofs",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (``from pkg import submodule`` counts the submodule)."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                deps |= {alias.name for alias in node.names if alias.name.startswith("compact_proofs")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if not target.startswith("compact_proofs"):
                    continue
                deps.add(target)
                deps |= {f"{target}.{alias.name}" for alias in node.names if _is_module(f"{target}.{alias.name}")}
        graph[name] = {d for d in deps if d != name}
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


def test_graph_sees_the_packages():
    graph = import_graph()
    assert {"compact_proofs.core.exact", "compact_proofs.maxofk.strategies.cubic", "compact_proofs.lean.bridge",
            "compact_proofs.modadd.certificate"} <= set(graph)
    assert "compact_proofs.core.exact" in graph["compact_proofs.maxofk.brute_force"]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    bad = [
        f"{module} imports {dep}"
        for module, deps in import_graph().items() if _layer(module) == layer
        for dep in sorted(deps) if _layer(dep) not in ALLOWED[layer]
    ]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_cycle_detection_is_live():
    graph = import_graph()
    graph["compact_proofs.core.exact"] = graph["compact_proofs.core.exact"] | {"compact_proofs.maxofk.brute_force"}
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(graph).prepare()


CHECKERS = ("cubic", "cubic_tight", "gap_classes", "subcubic", "subcubic_eqke", "subcubic_eupu")
PROVERS = ("brute_force", "cubic", "cubic_tight", "gap_classes", "subcubic")


def _closure(graph: dict[str, set[str]], module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        for dep in graph.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


@pytest.mark.parametrize("checker", CHECKERS)
def test_checker_imports_no_prover(checker):
    graph = import_graph()
    assert f"compact_proofs.maxofk.checks.{checker}" in graph
    reached = _closure(graph, f"compact_proofs.maxofk.checks.{checker}")
    assert not {m for m in reached if m.startswith("compact_proofs.maxofk.strategies")}


def test_loading_the_checkers_loads_no_prover():
    """At run time too: the ``checks`` package (unlike ``strategies``) imports nothing on load."""
    code = (
        "import sys\n"
        + "".join(f"import compact_proofs.maxofk.checks.{c}\n" for c in CHECKERS)
        + "print(sorted(m for m in sys.modules if m.startswith('compact_proofs.maxofk.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "compact_proofs.maxofk.checks.subcubic" in loaded
    assert "strategies" not in loaded, loaded


LEAN_ROOT = PACKAGE.parents[1] / "lean"

# Lean layer (the folder under CompactProofs/) -> the layers its modules may import, directly or not
LEAN_ALLOWED = {
    "Core": {"Core"},
    "MaxOfK": {"Core", "MaxOfK"},
    "ModAdd": {"Core", "ModAdd"},
}


def _lean_layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""


def test_lean_layers():
    """``Core`` names no model family, and neither family's modules reach the other's (so the
    trusted pizza semantics does not rest on the Max-of-K definitions); the library root and the
    library modules never import a generated certificate."""
    from compact_proofs.lean.modules import discover_modules, import_closure, local_deps

    modules = discover_modules(LEAN_ROOT)
    deps = {name: local_deps(mod, modules) for name, mod in modules.items()}
    assert {_lean_layer(m) for m in modules} >= set(LEAN_ALLOWED)
    for name in modules:
        reached = import_closure(deps, [name]) - {name}
        layer = _lean_layer(name)
        if layer in LEAN_ALLOWED:
            bad = {m for m in reached if _lean_layer(m) not in LEAN_ALLOWED[layer]}
            assert not bad, f"{name} reaches {sorted(bad)}"
        if layer != "Generated" and name != "CompactProofs.Generated":
            assert not {m for m in reached if m.startswith("CompactProofs.Generated")}, name
