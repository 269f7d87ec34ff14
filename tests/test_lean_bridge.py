"""The Lean driver: source audit, import parsing, build order, axiom classification,
and (marker ``lean``, needs the toolchain: ``scripts/install_lean.sh``) end-to-end checks of the library,
including tampered certificates that Lean must reject."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from compact_proofs.lean import bridge as lb
from compact_proofs.lean.axioms import accuracy_statement, nat_literal

REPO = Path(__file__).resolve().parents[1]
GENERATED = Path("CompactProofs/Generated/OvSmall.lean")


def rules(src: str) -> set[str]:
    return {f.rule for f in lb.audit_source(src, "X.lean")}


# ---------------------------------------------------------------------------
# source audit


@pytest.mark.parametrize(
    "snippet, rule",
    [
        ("theorem t : 1 = 2 := sorry", "sorry"),
        ("theorem t : 1 = 2 := by admit", "sorry"),
        ("theorem t : 1 = 2 := sorryAx _ false", "sorry"),
        ("theorem t : 1 = 2 := _root_.sorryAx _ false", "sorry"),
        ("axiom bad : False", "axiom"),
        ("private axiom bad : False", "axiom"),
        ('@[implemented_by foo] def f : Nat := 0', "implemented_by"),
        ('@[extern "c_f"] def f : Nat := 0', "extern"),
        ("unsafe def f : Nat := 0", "unsafe"),
        ("opaque f : Nat", "opaque"),
        ("partial def f : Nat → Nat := fun n => f n", "partial"),
        ("@[csimp] theorem f_eq : @f = @g := rfl", "csimp"),
        ("set_option debug.skipKernelTC true in\ntheorem t : True := trivial", "set_option"),
        ("set_option warningAsError false", "set_option"),
        ("set_option Elab.async true", "set_option"),
        ("run_cmd Lean.logInfo \"hi\"", "meta-command"),
        ("#eval 1", "meta-command"),
        ("elab \"foo\" : term => pure (Lean.mkNatLit 0)", "meta-command"),
        ("initialize registerFoo", "meta-command"),
        ("theorem t : 2 + 2 = 4 := by native_decide", "trusts-compiler"),
        ("theorem t : 2 + 2 = 4 := by decide +native", "trusts-compiler"),
        ("theorem t : 2 + 2 = 4 := by decide (config := { native := true })", "trusts-compiler"),
        ("theorem t : True := Lean.ofReduceBool _ _ rfl", "trusts-compiler"),
        # issue 15's bypasses of a name-only audit: qualified meta-programming API, elaborator
        # attributes, a macro assembling an option name, opening or entering Lean's namespaces
        ("def f := Lean.Kernel.Environment.addDeclWithoutChecking", "name"),
        ("def f := Lean.Kernel.Environment.addDeclWithoutChecking", "meta-command"),
        ("def f := Lean.modifyEnv", "name"),
        ("def f := _root_.Lean.Elab.Command.elabCommand", "name"),
        ("@[tactic foo] def f : Nat := 0", "attribute"),
        ("@[command_elab foo] def f : Nat := 0", "attribute"),
        ("@[expose, term_elab foo] def f : Nat := 0", "attribute"),
        ("attribute [init] f", "attribute"),
        ('macro "opt" : command => `(set_option $(Lean.mkIdent `debug.skipKernelTC) true)', "meta-command"),
        ("syntax \"foo\" : term", "meta-command"),
        ("local notation \"ℝ\" => Nat", "meta-command"),
        ("open Lean Elab Command", "open"),
        ("open Lean.Grind Lean.Meta in", "open"),
        ("namespace Lean.Elab", "namespace"),
        ("def f := «Lean».Elab", "quoted-name"),
    ],
)
def test_banned_constructs_are_rejected(snippet, rule):
    src = f"module\n\n/-! doc -/\n\n{snippet}\n"
    found = lb.audit_source(src, "X.lean")
    assert rule in {f.rule for f in found}, found
    f = next(f for f in found if f.rule == rule)
    assert f.line == 5 and f.path == "X.lean"
    assert rule in str(f)


def test_clean_source_passes():
    src = """module
/-! # Clean

Mentions sorry, axiom and native_decide in prose only. -/
-- a comment with sorry
/-- docstring: `axiom` /- nested sorry -/ still a comment -/
theorem sorry_free_axiomatic' : "sorry axiom" = "sorry axiom" := rfl
set_option maxRecDepth 10000 in
theorem t : 2 + 2 = 4 := by decide
def c : Char := 'x'
def unsafeish_name := 3
"""
    assert lb.audit_source(src) == []


def test_trust_label_allows_native_decide_only():
    body = "theorem t : 2 + 2 = 4 := by native_decide\n"
    labelled = f"module\n/-! {lb.TRUST_LABEL}: uses the compiler for speed. -/\n{body}"
    assert rules(labelled) == set()
    assert lb.trusts_compiler(labelled)
    # the label must be in a module docstring, not in a plain comment or a string
    assert rules(f"module\n-- {lb.TRUST_LABEL}\n{body}") == {"trusts-compiler"}
    assert rules(f'module\ndef s := "{lb.TRUST_LABEL}"\n{body}') == {"trusts-compiler"}
    # a label does not excuse sorry or axioms
    assert rules(f"{labelled}axiom a : False\ntheorem u : False := sorry\n") == {"axiom", "sorry"}


def test_blanking_keeps_line_numbers():
    src = "a /- x\n y -/ b -- c\n\"s\ntr\" d"
    code, comments = lb.blank_comments_and_strings(src)
    assert len(code) == len(src)
    assert code.count("\n") == src.count("\n")
    assert code.split() == ["a", "b", "d"]
    assert [c[2] for c in comments] == ["/- x\n y -/", "-- c"]


# ---------------------------------------------------------------------------
# imports and build order


def test_parse_imports():
    src = """/- leading comment -/
module  -- the module system

public import CompactProofs.Core.Matrix
import all CompactProofs.OvCopying
public meta import Lean.Elab
import Std.Data.HashMap
/-! docstring: import CompactProofs.NotAnImport -/
namespace CompactProofs
def x := 1
"""
    assert lb.parse_imports(src) == [
        "CompactProofs.Core.Matrix",
        "CompactProofs.OvCopying",
        "Lean.Elab",
        "Std.Data.HashMap",
    ]
    assert lb.parse_imports("import Init\ntheorem t : True := trivial\nimport Foo") == ["Init"]


def test_topological_order():
    deps = {"A": [], "B": ["A"], "C": ["A", "B"], "D": [], "E": ["D", "C"]}
    order = lb.topological_order(deps)
    assert sorted(order) == sorted(deps)
    for m, ds in deps.items():
        for d in ds:
            assert order.index(d) < order.index(m)
    assert order == ["A", "B", "C", "D", "E"]


def test_topological_order_rejects_cycles_and_unknown_modules():
    with pytest.raises(lb.LeanCheckError, match="cycle"):
        lb.topological_order({"A": ["C"], "B": ["A"], "C": ["B"], "D": []})
    with pytest.raises(lb.LeanCheckError, match="unknown"):
        lb.topological_order({"A": ["Z"]})


def test_import_closure():
    deps = {"A": [], "B": ["A"], "C": ["A", "B"], "D": [], "E": ["D"]}
    assert lb.import_closure(deps, ["C"]) == {"A", "B", "C"}
    assert lb.import_closure(deps, ["E", "B"]) == {"A", "B", "D", "E"}
    assert lb.import_closure(deps, []) == set()
    with pytest.raises(lb.LeanCheckError, match="no Lean module Z"):
        lb.import_closure(deps, ["Z"])


def test_closure_sizes_decide_which_modules_a_worker_builds():
    from compact_proofs.lean.modules import closure_sizes
    from compact_proofs.lean.worker import MAX_CLOSURE_BYTES

    deps = {"Lib": [], "Data": ["Lib"], "Shard": ["Data"], "Small": ["Lib"]}
    sources = {"Lib": "x" * 1000, "Data": "é" * MAX_CLOSURE_BYTES, "Shard": "y" * 10, "Small": "z" * 10}
    sizes = closure_sizes(deps, sources)
    assert sizes == {"Lib": 1000, "Data": 1000 + 2 * MAX_CLOSURE_BYTES, "Shard": 1010 + 2 * MAX_CLOSURE_BYTES, "Small": 1010}
    # a shard over a full-size model's data gets a process of its own, the library a worker
    assert {name for name, size in sizes.items() if size <= MAX_CLOSURE_BYTES} == {"Lib", "Small"}


def test_cli_lean_check_passes_its_modules_through(monkeypatch):
    from compact_proofs.cli import main as cli_main

    seen = []
    monkeypatch.setattr(lb, "main", lambda argv: seen.append(argv) or 0)
    assert cli_main(["lean-check", "--jobs", "1", "CompactProofs.Generated.OvSmall"]) == 0
    assert cli_main(["lean-check", "--clean"]) == 0
    assert seen == [["check", "--jobs", "1", "CompactProofs.Generated.OvSmall"], ["check", "--jobs", "2", "--clean"]]


def test_discover_modules(tmp_path):
    (tmp_path / "CompactProofs" / "Sub").mkdir(parents=True)
    (tmp_path / "CompactProofs.lean").write_text("module\npublic import CompactProofs.A\npublic import CompactProofs.Sub.B\n")
    (tmp_path / "CompactProofs" / "A.lean").write_text("module\npublic import CompactProofs.Sub.B\n")
    (tmp_path / "CompactProofs" / "Sub" / "B.lean").write_text("module\nimport Init\n")
    mods = lb.discover_modules(tmp_path)
    assert set(mods) == {"CompactProofs", "CompactProofs.A", "CompactProofs.Sub.B"}
    assert mods["CompactProofs.Sub.B"].rel == "CompactProofs/Sub/B.lean"
    deps = {n: lb.local_deps(m, mods) for n, m in mods.items()}
    assert deps["CompactProofs.Sub.B"] == []  # core imports are not local dependencies
    assert lb.topological_order(deps) == ["CompactProofs.Sub.B", "CompactProofs.A", "CompactProofs"]
    (tmp_path / "CompactProofs" / "C.lean").write_text("module\nimport CompactProofs.Missing\n")
    mods = lb.discover_modules(tmp_path)
    with pytest.raises(lb.LeanCheckError, match="CompactProofs.Missing"):
        lb.local_deps(mods["CompactProofs.C"], mods)


def test_repository_library_imports_resolve():
    mods = lb.discover_modules(REPO / "lean")
    deps = {n: lb.local_deps(m, mods) for n, m in mods.items()}
    lb.topological_order(deps)  # no cycle, every import resolved
    generated = {name for name in mods if name.startswith("CompactProofs.Generated.")}
    # the two roots `lake build` builds: the library alone, and the generated certificates
    library = lb.import_closure(deps, ["CompactProofs"])
    assert library == set(mods) - generated - {"CompactProofs.Generated"}, "the root imports the library, no certificate"
    certificates = lb.import_closure(deps, ["CompactProofs.Generated"])
    assert certificates >= generated and library | certificates == set(mods)
    seed123 = lb.import_closure(deps, ["CompactProofs.Generated.Seed123"])
    assert not any(name.startswith("CompactProofs.Generated.ModAdd") for name in seed123)
    for name, mod in mods.items():
        assert lb.audit_source(mod.path.read_text(), mod.rel) == []


# ---------------------------------------------------------------------------
# axiom classification and the audit file


def test_classify_axioms():
    lib = {"CompactProofs.A"}
    found = [("propext", "Init.Core"), ("Nat.le_of_ble_eq_true", "Init.Prelude"), ("Quot.sound", "Init.Core")]
    e = lb.classify_axioms("CompactProofs.A", "t", "theorem", found, lib, False)
    assert e.axioms == ["Quot.sound", "propext"] and e.core_leaves == ["Nat.le_of_ble_eq_true"] and not e.problems
    e = lb.classify_axioms("M", "t", "theorem", [("Lean.ofReduceBool", "Init.Core")], lib, False)
    assert e.problems and lb.TRUST_LABEL in e.problems[0]
    assert not lb.classify_axioms("M", "t", "theorem", [("Lean.ofReduceBool", "Init.Core")], lib, True).problems
    assert lb.classify_axioms("M", "t", "theorem", [("sorryAx", "Init.Prelude")], lib, True).problems
    e = lb.classify_axioms("M", "t", "theorem", [("CompactProofs.bad", "CompactProofs.A")], lib, True)
    assert e.problems and "declared in the library" in e.problems[0]


def test_audit_file_and_output_parsing():
    text = lb.render_audit_file(["CompactProofs.A", "CompactProofs"], ["CompactProofs.A.t"])
    assert "import all CompactProofs.A\n" in text and "auditModule `CompactProofs" in text
    assert "auditStatement `CompactProofs.A.t" in text and "{{" not in text
    assert "#eval show CommandElabM Unit" in text
    out = ("junk\nAXAUDIT\tMODULE\tM\t2\nAXAUDIT\tCONST\tM\ttheorem\tM.t\tpropext@Init.Core \nAXAUDIT\tCONST\tM\tdef\tM.d\t\n"
           "AXAUDIT\tTYPE\tM.t\t(∀ {α : (Sort 0)}, True)\nAXAUDIT\tDONE\n")
    consts, statements, errors, done = lb.parse_audit_output(out)
    assert done and not errors and statements == {"M.t": "(∀ {α : (Sort 0)}, True)"}
    assert consts == [("M", "theorem", "M.t", [("propext", "Init.Core")]), ("M", "def", "M.d", [])]


def test_missing_toolchain_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPACT_PROOFS_LEAN_HOME", str(tmp_path / "nothing"))
    with pytest.raises(lb.ToolchainNotInstalled, match="compact-proofs lean install"):
        lb.find_toolchain(REPO)
    assert lb.main(["check"]) == 2


# ---------------------------------------------------------------------------
# end to end with the real toolchain


def _toolchain_missing() -> str | None:
    try:
        lb.find_toolchain(REPO)
    except lb.ToolchainNotInstalled as exc:
        return str(exc)
    return None


_MISSING = _toolchain_missing()
needs_toolchain = pytest.mark.skipif(
    _MISSING is not None, reason=f"Lean toolchain not installed ({_MISSING}); run scripts/install_lean.sh"
)


@pytest.fixture(scope="module")
def shared_build(tmp_path_factory):
    """One build folder for all end-to-end runs (modules are cached by content hash),
    seeded from the repository's own build when there is one."""
    build = tmp_path_factory.mktemp("lean-build")
    seed = REPO / "build" / "lean" / "olean"
    if seed.is_dir():
        shutil.copytree(seed, build / "olean")
    return build


def copy_tree(tmp_path: Path) -> Path:
    dst = tmp_path / "lean"
    shutil.copytree(REPO / "lean", dst)
    return dst


def run_check(lean_root: Path, build: Path, **kw) -> lb.CheckResult:
    return lb.check_project(
        REPO, lean_root=lean_root, build_dir=build, json_out=lean_root.parent / "axioms.json", log=None, **kw
    )


def status(res: lb.CheckResult, name: str) -> str:
    return next(m.status for m in res.modules if m.name == name)


@needs_toolchain
def test_audit_stops_a_bypass_in_a_copy_of_the_library_before_any_build(tmp_path):
    """A qualified call of the kernel's unchecked `addDecl`, slipped into a library module, fails the
    check at the source audit: nothing is built, and the finding names the file and line."""
    root = copy_tree(tmp_path)
    path = root / "CompactProofs" / "Core" / "Matrix.lean"
    path.write_text(path.read_text() + "\ndef sneak := Lean.Kernel.Environment.addDeclWithoutChecking\n")
    res = run_check(root, tmp_path / "build")
    assert not res.ok and not res.modules and "nothing was built" in res.errors[0]
    assert {(f.path, f.rule) for f in res.source_findings} == {
        ("CompactProofs/Core/Matrix.lean", "name"), ("CompactProofs/Core/Matrix.lean", "meta-command")}


@pytest.mark.lean
@needs_toolchain
def test_untampered_library_is_accepted(tmp_path, shared_build):
    root = copy_tree(tmp_path)
    res = run_check(root, shared_build)
    assert res.ok, res.errors + [m.output for m in res.modules]
    assert {m.status for m in res.modules} <= {"built", "cached"}
    thms = res.theorem_axioms
    assert "CompactProofs.Generated.OvSmall.ov_small_copies" in thms
    assert "CompactProofs.check_sound" in thms
    for name, axioms in thms.items():
        assert set(axioms) <= lb.AXIOMS_ALLOWED, (name, axioms)
    assert (tmp_path / "axioms.json").exists()
    # every shipped accuracy theorem states, once elaborated, exactly `bound ≤ accuracy model`
    shipped = {
        "CompactProofs.Generated.Seed123.maxOf4_seed123_accuracy": (16167555, "CompactProofs.Generated.Seed123.Model.seed123"),
        "CompactProofs.Generated.SmallMaxOf3.small_max_of_3_accuracy": (512, "CompactProofs.Generated.SmallMaxOf3.smallModel"),
        "CompactProofs.Generated.GapSmallMaxOf3.small_max_of_3_accuracy_gap": (512, "CompactProofs.Generated.SmallMaxOf3.smallModel"),
        "CompactProofs.Generated.GapCubicSmallMaxOf3.small_max_of_3_accuracy_gap_cubic": (512, "CompactProofs.Generated.SmallMaxOf3.smallModel"),
    }
    for name, (bound, model) in shipped.items():
        assert res.statements[name] == accuracy_statement("CompactProofs.MaxOfK", bound, model, exp_sqrt=True), name
    pizza = "CompactProofs.Generated.ModAddP59Seed1.modadd_p59_seed1_accuracy"
    assert res.statements[pizza] == accuracy_statement(
        "CompactProofs.ModAdd", 3481, "CompactProofs.Generated.ModAddP59Seed1.Model.p59seed1", exp_sqrt=False)


STATEMENT_MODULE = """module
{imports}
-- compact-proofs-theorem: CompactProofs.Generated.{name}.t model-sha256={sha} strategy=test bound=2 model=CompactProofs.Generated.{name}.m
namespace CompactProofs.Generated.{name}
open CompactProofs
@[expose] public section
theorem t : 2 ≤ 3 := {proof}
end
end CompactProofs.Generated.{name}
"""


@pytest.mark.lean
@needs_toolchain
def test_statement_shows_an_instance_slipped_into_an_opened_namespace(tmp_path):
    """The audit prints each tagged theorem's elaborated statement: an honest `2 ≤ 3` reads
    `instLENat`; the same text under `open CompactProofs`, after a scoped instance of `LE Nat` was
    slipped into that namespace, elaborates to that instance, and the statement shows it."""
    gen = tmp_path / "lean" / "CompactProofs" / "Generated"
    gen.mkdir(parents=True)
    (gen.parent / "Sneaky.lean").write_text(
        "module\nnamespace CompactProofs\n@[expose] public section\n"
        "scoped instance sneakyLE : LE Nat := ⟨fun _ _ => True⟩\nend\nend CompactProofs\n")
    (gen / "Honest.lean").write_text(STATEMENT_MODULE.format(
        imports="", name="Honest", sha="0" * 64, proof="by decide"))
    (gen / "Slipped.lean").write_text(STATEMENT_MODULE.format(
        imports="public import CompactProofs.Sneaky\n", name="Slipped", sha="1" * 64, proof="True.intro"))
    res = run_check(tmp_path / "lean", tmp_path / "build")
    assert res.ok, res.errors + [m.output for m in res.modules]
    honest = f"((((LE.le Nat) instLENat) {nat_literal(2)}) {nat_literal(3)})"
    assert res.statements["CompactProofs.Generated.Honest.t"] == honest
    slipped = res.statements["CompactProofs.Generated.Slipped.t"]
    assert slipped != honest and "CompactProofs.sneakyLE" in slipped


@pytest.mark.lean
@needs_toolchain
def test_targets_check_only_their_import_closure(tmp_path, shared_build):
    root = copy_tree(tmp_path)
    res = run_check(root, shared_build, targets=["CompactProofs.Generated.OvSmall"])
    assert res.ok, res.errors + [m.output for m in res.modules]
    assert {m.name for m in res.modules} == {"CompactProofs.Core.Matrix", "CompactProofs.OvCopying", "CompactProofs.Generated.OvSmall"}
    assert "CompactProofs.Generated.OvSmall.ov_small_copies" in res.theorem_axioms
    assert not any(name.startswith("CompactProofs.Generated.Seed123") for name in res.theorem_axioms)
    res = run_check(root, shared_build, targets=["CompactProofs.Generated.NoSuchModule"])
    assert not res.ok and res.modules == []
    assert any("no Lean module CompactProofs.Generated.NoSuchModule" in e for e in res.errors)


def _tamper_first_weight(text: str) -> str:
    start = text.index("wE :=")
    m = re.compile(r"\(?(-?\d+)\)?").search(text, start + len("wE :="))
    v = int(m.group(1)) + 1
    return text[: m.start()] + (f"({v})" if v < 0 else str(v)) + text[m.end() :]


def _lower_threshold(text: str) -> str:
    t0 = int(re.search(r"threshold := (\d+)", text).group(1))
    assert t0 > 0
    text = text.replace(f"threshold := {t0}", f"threshold := {t0 - 1}")
    return text.replace(f"∀ t, {t0} ≤ t", f"∀ t, {t0 - 1} ≤ t")


def _drop_claimed_row(text: str) -> str:
    start = text.index("def certificate")
    body = text[start:]
    rows = list(re.finditer(r",\n\s+\[[^\[\]]*\]\]", body))
    last = rows[-1]  # ",\n     [last row]]" -> "]"
    body = body[: last.start()] + "]" + body[last.end() :]
    return text[:start] + body


@pytest.mark.lean
@needs_toolchain
@pytest.mark.parametrize("tamper", [_tamper_first_weight, _lower_threshold, _drop_claimed_row])
def test_tampered_certificate_is_rejected(tmp_path, shared_build, tamper):
    root = copy_tree(tmp_path)
    path = root / GENERATED
    original = path.read_text()
    tampered = tamper(original)
    assert tampered != original
    path.write_text(tampered)
    res = run_check(root, shared_build)
    assert not res.ok
    assert status(res, "CompactProofs.Generated.OvSmall") == "failed"
    out = next(m.output for m in res.modules if m.name == "CompactProofs.Generated.OvSmall")
    assert "error" in out
    assert status(res, "CompactProofs.Generated") == "skipped"  # the root of the certificates imports it


BAD_MODULE = """module

public import CompactProofs.Core.Matrix

/-! Deliberately untrustworthy declarations, for testing the axiom audit. -/

namespace CompactProofs.Bad

public axiom bad_ax : (1 : Nat) = 2

public theorem uses_bad : (1 : Nat) = 2 := bad_ax

theorem hidden_uses_bad : (2 : Nat) = 1 := bad_ax.symm

public def mySum : Nat → Nat
  | 0 => 0
  | n + 1 => n + 1 + mySum n

public theorem uses_native : mySum 10 = 55 := by native_decide

end CompactProofs.Bad
"""

TRUSTED_MODULE = f"""module

/-! {lb.TRUST_LABEL}: this file may use `native_decide`. -/

namespace CompactProofs.Trusted

public def mySum : Nat → Nat
  | 0 => 0
  | n + 1 => n + 1 + mySum n

public theorem labelled_native : mySum 10 = 55 := by native_decide

end CompactProofs.Trusted
"""


@pytest.mark.lean
@needs_toolchain
def test_axiom_audit_catches_what_the_source_audit_would(tmp_path, shared_build):
    root = copy_tree(tmp_path)
    (root / "CompactProofs" / "Bad.lean").write_text(BAD_MODULE)
    (root / "CompactProofs" / "Trusted.lean").write_text(TRUSTED_MODULE)
    assert {f.rule for f in lb.audit_source(BAD_MODULE)} == {"axiom", "trusts-compiler"}
    assert lb.audit_source(TRUSTED_MODULE) == []
    # with the source audit on, nothing is built
    res = run_check(root, shared_build)
    assert not res.ok and res.source_findings and not res.modules
    # with it off, the build passes and the kernel-level audit of their closure must catch both
    res = run_check(root, shared_build, source_audit=False, targets=["CompactProofs.Bad", "CompactProofs.Trusted"])
    assert all(m.status in ("built", "cached") for m in res.modules), [m.output for m in res.modules]
    assert not res.ok
    problems = "\n".join(res.axiom_problems)
    assert "CompactProofs.Bad.uses_bad: CompactProofs.Bad.bad_ax (axiom declared in the library)" in problems
    assert "hidden_uses_bad" in problems  # private declarations are audited too
    assert "CompactProofs.Bad.uses_native: Lean.ofReduceBool" in problems
    assert "labelled_native" not in problems
    assert "Lean.ofReduceBool" in res.theorem_axioms["CompactProofs.Trusted.labelled_native"]


def _worker_tree(tmp_path: Path) -> Path:
    """Three modules importing only core: two that build, one with a type error."""
    root = tmp_path / "lean"
    (root / "CompactProofs").mkdir(parents=True)
    for name, statement in [("WorkerA", "(1 : Nat) + 1 = 2"), ("WorkerB", "(2 : Nat) * 2 = 4"), ("WorkerBad", "(1 : Nat) = 2")]:
        (root / "CompactProofs" / f"{name}.lean").write_text(
            f"module\n\nnamespace CompactProofs.{name}\n\npublic theorem t : {statement} := by decide\n\nend CompactProofs.{name}\n"
        )
    return root


WORKER_TARGETS = ["CompactProofs.WorkerA", "CompactProofs.WorkerB", "CompactProofs.WorkerBad"]


@pytest.mark.lean
@needs_toolchain
def test_build_workers_reject_what_lean_rejects(tmp_path):
    """Modules built by persistent workers: the good ones built, the bad one failed with Lean's
    message, and (keep going) the failure stops nothing else."""
    root = _worker_tree(tmp_path)
    res = run_check(root, tmp_path / "build", axiom_audit=False, targets=WORKER_TARGETS, keep_going=True)
    assert [m.status for m in res.modules] == ["built", "built", "failed"], [m.output for m in res.modules]
    assert len(res.worker_startup_seconds) == 2
    bad = res.modules[2].output
    assert "CompactProofs/WorkerBad.lean:5:" in bad and "error" in bad
    assert (tmp_path / "build" / "olean" / "CompactProofs" / "WorkerA.olean").exists()
    assert not (tmp_path / "build" / "olean" / "CompactProofs" / "WorkerBad.olean").exists()


@pytest.mark.lean
@needs_toolchain
def test_a_lost_worker_s_module_is_rebuilt_in_a_process_of_its_own(tmp_path, monkeypatch):
    from compact_proofs.lean import worker

    real_build = worker.BuildWorker.build

    def dies_on_a(self, source, olean, module, timeout):
        if module == "CompactProofs.WorkerA":  # dies after its start-up, before its answer
            assert self._wait_ready()
            self.close(kill=True)
            return None
        return real_build(self, source, olean, module, timeout)

    monkeypatch.setattr(worker.BuildWorker, "build", dies_on_a)
    root = _worker_tree(tmp_path)
    res = run_check(root, tmp_path / "build", axiom_audit=False, targets=WORKER_TARGETS, keep_going=True)
    assert [m.status for m in res.modules] == ["built", "built", "failed"], [m.output for m in res.modules]
    assert (tmp_path / "build" / "olean" / "CompactProofs" / "WorkerA.olean").exists()


@pytest.mark.lean
@needs_toolchain
def test_a_worker_first_used_long_after_its_start_still_builds(tmp_path, monkeypatch):
    """A worker started early and first used after its start-up timeout (heavy modules in
    processes of their own ran meanwhile) builds, and reports its own start-up."""
    import os
    import time

    from compact_proofs.lean import worker

    root = _worker_tree(tmp_path)
    olean = tmp_path / "build" / "CompactProofs" / "WorkerA.olean"
    olean.parent.mkdir(parents=True)
    w = worker.BuildWorker(lb.find_toolchain(REPO), root, dict(os.environ, LEAN_PATH=str(tmp_path / "build")))
    try:
        while not w._out_path.read_text().startswith("@@build-worker@@ ready"):
            assert w.alive
            time.sleep(0.1)
        waited = time.monotonic() - w.started
        monkeypatch.setattr(worker, "STARTUP_TIMEOUT", waited / 2)
        run = w.build("CompactProofs/WorkerA.lean", olean, "CompactProofs.WorkerA", timeout=300)
        assert run is not None and run.returncode == 0, run
        assert olean.exists()
        assert 0 < w.startup_seconds <= waited + 1
    finally:
        w.close()


def test_critical_path_order_starts_the_longest_chain_first():
    """Of two chains off one library module, the one leading to the costly module is built first,
    whatever the import order says; every module still comes after its imports."""
    deps = {"Lib": [], "A.Small": ["Lib"], "A.Root": ["A.Small"], "Z.Data": ["Lib"], "Z.Heavy": ["Z.Data"], "Z.Root": ["Z.Heavy"]}
    cost = {"Lib": 5, "A.Small": 5, "A.Root": 5, "Z.Data": 5, "Z.Heavy": 200, "Z.Root": 5}
    assert lb.topological_order(deps).index("A.Small") < lb.topological_order(deps).index("Z.Data")
    order = lb.critical_path_order(deps, cost)
    assert order[:3] == ["Lib", "Z.Data", "Z.Heavy"]
    assert all(order.index(d) < order.index(m) for m, ds in deps.items() for d in ds)
    assert lb.estimated_seconds("theorem t : x := by\n  decide +kernel\n") > lb.estimated_seconds("theorem t : x := rfl\n")
