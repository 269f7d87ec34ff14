"""Progress output: a dependency-free progress bar on stderr and progress lines on stdout.

By default bars are drawn only when stderr is a terminal (or ``COMPACT_PROOFS_PROGRESS=1``) and
progress lines are always printed; the command line's ``-q`` switches both off and ``-v`` forces
the bars on (``set_progress``). Worker processes started by fork inherit the setting.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")

# None: automatic; True / False: forced by ``-v`` / ``-q``
_forced: bool | None = None


def set_progress(enabled: bool | None) -> None:
    """Force progress output on (``-v``), off (``-q``), or back to automatic (None)."""
    global _forced
    _forced = enabled


def progress_enabled() -> bool:
    """Whether a progress bar with ``enabled=None`` is drawn: as forced, else when stderr is a terminal."""
    if _forced is not None:
        return _forced
    return sys.stderr.isatty() or os.environ.get("COMPACT_PROOFS_PROGRESS") == "1"


def quiet() -> bool:
    """Whether progress output is switched off (``-q``)."""
    return _forced is False


def say(line: str) -> None:
    """Print a progress line (one step of a long command) on stdout, unless progress is switched off."""
    if not quiet():
        print(line, flush=True)


class Progress:
    """Counts work units and redraws one status line at most every ``interval`` seconds."""

    def __init__(self, total: int, desc: str, *, enabled: bool | None = None, interval: float = 0.5):
        self.total, self.desc, self.count = total, desc, 0
        if enabled is None:
            enabled = progress_enabled()
        self.enabled, self.interval = enabled, interval
        self.start = self._last = time.perf_counter()
        self.postfix = ""

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        self.count += n
        if postfix is not None:
            self.postfix = postfix
        now = time.perf_counter()
        if self.enabled and (now - self._last >= self.interval or self.count >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self.start
        frac = self.count / self.total if self.total else 1.0
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        bar = "#" * int(30 * frac)
        sys.stderr.write(
            f"\r{self.desc}: [{bar:<30}] {self.count}/{self.total} {elapsed:6.1f}s eta {eta:6.1f}s {self.postfix}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            sys.stderr.write("\n")
            sys.stderr.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def track(items: Iterable[T], total: int, desc: str, enabled: bool | None = None) -> Iterator[T]:
    with Progress(total, desc, enabled=enabled) as bar:
        for item in items:
            yield item
            bar.update()
