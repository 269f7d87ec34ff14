"""A build worker: one Lean process that builds many modules (``build_worker.lean``).

Each ``lean`` process of the WebAssembly toolchain pays about 8-15 s before it reads a line
(Node, the runtime, the first thread, the core imports). A worker pays it once: it runs
``lean --run build_worker.lean QUEUE OPTIONS`` and builds each module appended to QUEUE with
the frontend of ``lean -o`` (``Lean.Elab.runFrontend``, trust level 0), in the same process.

Jobs go through a file, not a pipe: this toolchain cannot read a pipe (a blocking read of
standard input dies with "hardware fault"), and its output goes to a file because a full pipe
crashes it (``toolchain.run_measured``). A worker that dies, times out or cannot start answers
``None``: the caller rebuilds that module in a process of its own, so a module fails only where
``lean -o`` fails too. Modules that need a whole process's memory are not given to a worker
(``MAX_CLOSURE_BYTES``), and a worker that has grown too large is replaced (``RSS_LIMIT_KB``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .toolchain import LEAN_FLAGS, RunOutput, Toolchain

WORKER_PROGRAM = Path(__file__).with_name("build_worker.lean")
_MARKER = "@@build-worker@@ "
#: Seconds a worker may take to elaborate its program (``import Lean.Elab.Frontend``) before it is given up.
STARTUP_TIMEOUT = 300.0
#: A worker keeps every module's imports in memory (``Init`` alone is tens of MB a module:
#: ``Environment.freeRegions`` between modules crashes the next one), and the WebAssembly heap is
#: 2 GiB: a worker whose resident memory passes this after a module is replaced by a fresh one.
RSS_LIMIT_KB = 2_500_000
#: A module whose import closure holds more Lean source than this (a full-size model's generated
#: data, megabytes of literals) gets a process of its own: its generator sized its kernel checks
#: to fill a fresh process's heap (``Seed123.Base`` dies in a worker that holds nothing else).
MAX_CLOSURE_BYTES = 1 << 20


def worker_options() -> list[str]:
    """``LEAN_FLAGS`` (``-DNAME=VALUE``) as the worker's ``NAME=VALUE`` arguments, plus the
    launcher's ``Elab.async=false`` (one thread per theorem would exhaust memory)."""
    opts = [flag.removeprefix("-D") for flag in LEAN_FLAGS]
    assert all("=" in o for o in opts), LEAN_FLAGS
    return [*opts, "Elab.async=false"]


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class BuildWorker:
    """One persistent Lean process; ``build`` is called by one thread at a time."""

    def __init__(self, toolchain: Toolchain, cwd: Path, env: dict[str, str]):
        self._dir = Path(tempfile.mkdtemp(prefix="lean-worker-"))
        self._queue = self._dir / "queue"
        self._queue.write_text("")
        self._out_path = self._dir / "out"
        self._out = open(self._out_path, "wb")  # noqa: SIM115 - closed in close()
        self._reader = open(self._out_path, "rb")  # noqa: SIM115
        self._buffer = ""
        self._jobs = 0
        self.started = time.monotonic()
        self.launched = time.time()  # wall clock, to compare with the output file's modification time
        self.startup_seconds: float | None = None
        self.proc = subprocess.Popen(
            [str(toolchain.lean), "--run", str(WORKER_PROGRAM), str(self._queue), *worker_options()],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _lines(self) -> list[str]:
        """Whole lines written since the last call."""
        self._buffer += self._reader.read().decode("utf-8", errors="replace")
        *lines, self._buffer = self._buffer.split("\n")
        return lines

    def _wait_ready(self) -> bool:
        """Whether the worker has started; waits for it up to ``STARTUP_TIMEOUT`` after its launch.

        The start-up is read from the output file's modification time (the ready line is its
        first write), so a worker first used long after it started reports its own start-up."""
        if self.startup_seconds is not None:
            return True
        while True:
            if any(line == _MARKER + "ready" for line in self._lines()):
                self.startup_seconds = self._out_path.stat().st_mtime - self.launched
                return True
            if self.proc.poll() is not None or time.monotonic() - self.started > STARTUP_TIMEOUT:
                return False
            time.sleep(0.05)

    def build(self, source: str, olean: Path, module: str, timeout: float) -> RunOutput | None:
        """Build ``module`` (``source`` relative to the worker's directory) into ``olean``.

        The output is the module's messages; ``peak_rss_kb`` the worker's resident memory
        sampled while it built (a worker's memory does not shrink between modules). ``None``:
        the worker died, timed out or never started, and is closed.
        """
        if self._out.closed or not self._wait_ready():
            self.close(kill=True)
            return None
        index = self._jobs
        self._jobs += 1
        with open(self._queue, "a", encoding="utf-8") as q:
            q.write(f"build\t{source}\t{olean}\t{module}\n")
        start = time.monotonic()
        captured: list[str] = []
        inside = False
        peak = 0
        while time.monotonic() - start < timeout:
            for line in self._lines():
                if line == f"{_MARKER}start {index}":
                    inside = True
                elif line.startswith(f"{_MARKER}done {index} "):
                    ok = line.split()[3] == "ok"
                    return RunOutput(0 if ok else 1, "\n".join(captured), time.monotonic() - start, peak)
                elif inside:
                    captured.append(line)
            if self.proc.poll() is not None:
                break
            peak = max(peak, _rss_kb(self.proc.pid))
            time.sleep(0.02)
        self.close(kill=True)
        return None

    def close(self, kill: bool = False) -> None:
        """Stop the worker: a ``quit`` job, or (``kill``, or no answer in 10 s) its process group killed."""
        if self._out.closed:
            return
        if self.proc.poll() is None and not kill and self.startup_seconds is not None:
            with open(self._queue, "a", encoding="utf-8") as q:
                q.write("quit\n")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self._out.close()
        self._reader.close()
        for p in (self._queue, self._out_path):
            p.unlink(missing_ok=True)
        self._dir.rmdir()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kb(self) -> int:
        return _rss_kb(self.proc.pid) if self.alive else 0
