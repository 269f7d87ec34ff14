"""The source audit of the Lean library, checked on the text with comments and string literals
blanked (offsets and line numbers kept).

Allow-lists: a file may use only the attributes of :data:`ALLOWED_ATTRIBUTES`, ``open`` only this
library's namespaces and ``Lean.Grind`` (:data:`ALLOWED_OPENS`), declare no namespace rooted
outside this library's (:data:`FOREIGN_ROOTS`), name nothing under ``Lean`` but ``Lean.Grind``
(so the meta-programming API, ``Lean.Elab``, ``Lean.Meta``, ``Lean.Environment``,
``Lean.Kernel``, is out of reach qualified or not), and set only harmless options
(:data:`SAFE_OPTIONS`: ``debug.skipKernelTC`` or ``warningAsError false`` are refused).

Rejected besides: ``sorry``/``admit``, ``axiom`` declarations, ``implemented_by``, ``extern``,
``unsafe``, ``opaque``, ``partial``, ``@[csimp]``, every command that defines syntax, macros or
elaborators or runs code (``macro``, ``syntax``, ``notation``, ``elab``, ``#eval``, ``run_cmd``,
``initialize``, ...), guillemet-quoted names, and compiler-trusting proofs (``native_decide``,
``decide +native``, ``Lean.ofReduceBool``, ...) outside files whose module docstring
(``/-! ... -/``) contains the label ``TRUSTS_COMPILER`` (:data:`TRUST_LABEL`).

What the text cannot show (a declaration that never went through the kernel) the axiom audit
re-checks on the built environment (``lean.axioms``).
"""

from __future__ import annotations

import dataclasses
import re

#: Module-docstring label that allows compiler-trusting proofs (``native_decide``) in a file.
TRUST_LABEL = "TRUSTS_COMPILER"

# Lexing: blank comments and string literals, keeping offsets and line numbers.

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
            r"(?<![\w'])(#eval|#exit|#print|run_cmd|run_elab|run_meta|elab|elab_rules|initialize|builtin_initialize|"
            r"macro|macro_rules|syntax|declare_syntax_cat|notation|infix|infixl|infixr|prefix|postfix|deriving|"
            r"register_option|register_builtin_option|simproc|dsimproc|"
            r"addDeclWithoutChecking|addDeclCore|replayConsts|setEnv|modifyEnv)(?![\w'!?])"
        ),
        "syntax, macros, elaborators and code run at elaboration time are not allowed in the library",
    ),
    ("quoted-name", re.compile("\u00ab"), "guillemet-quoted names are not allowed (they can spell any name)"),
]
#: Attributes a file may use (``@[...]``, ``attribute [...]``): none runs code or adds elaborators.
ALLOWED_ATTRIBUTES = frozenset({"expose", "local instance", "instance", "simp", "reducible", "irreducible", "inline", "grind"})
#: ``open`` may name this library's namespaces, a workspace's (``Certified``, ``lean.workspace``)
#: and ``Lean.Grind`` (core's ordered-field classes).
ALLOWED_OPENS = re.compile(r"^((CompactProofs|Certified)(\.[\w']+)*|OvModel|Lean\.Grind)$")
#: Namespace roots a file may not declare into (their API is the meta-programming one).
FOREIGN_ROOTS = frozenset({"Lean", "Std", "Init", "IO", "_root_"})
_IDENT = re.compile(r"(?<![\w.'!?\u00C0-\uFFFF])[A-Za-z_\u00C0-\uFFFF][\w'!?\u00C0-\uFFFF]*(?:\.[A-Za-z_\u00C0-\uFFFF][\w'!?\u00C0-\uFFFF]*)*")
_ATTRIBUTES = re.compile(r"@\[([^\]]*)\]|(?<![\w.'])attribute\s*\[([^\]]*)\]")
_OPEN = re.compile(r"(?<![\w.'])open\s+([^\n]*)")
_NAMESPACE = re.compile(r"(?<![\w.'])namespace\s+([\w.']+)")
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
    for m in _ATTRIBUTES.finditer(code):
        for item in (m.group(1) or m.group(2) or "").split(","):
            attr = " ".join(item.split()[:2]) if item.split()[:1] == ["local"] else " ".join(item.split()[:1])
            if attr not in ALLOWED_ATTRIBUTES:
                add(m.start(), "attribute", f"attribute `{item.strip()}` is not on the allow-list {sorted(ALLOWED_ATTRIBUTES)}")
    for m in _OPEN.finditer(code):
        words = re.split(r"\s+", m.group(1).split(" in ")[0].strip())
        for word in words:
            if word and not ALLOWED_OPENS.match(word):
                add(m.start(), "open", f"`open {word}`: only this library's namespaces and Lean.Grind may be opened")
    for m in _NAMESPACE.finditer(code):
        if m.group(1).split(".")[0] in FOREIGN_ROOTS:
            add(m.start(), "namespace", f"`namespace {m.group(1)}` declares into a namespace outside this library")
    for m in _IDENT.finditer(code):
        parts = m.group(0).split(".")
        parts = parts[1:] if parts[0] == "_root_" else parts
        if parts[:1] == ["Lean"] and parts[1:2] != ["Grind"]:
            add(m.start(), "name", f"`{m.group(0)}`: only `Lean.Grind` may be named under `Lean` (no meta-programming API)")
    for m in _SET_OPTION.finditer(code):
        if not SAFE_OPTIONS.match(m.group(1)):
            add(m.start(), "set_option", f"`set_option {m.group(1)}` is not on the list of harmless options")
    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return findings
