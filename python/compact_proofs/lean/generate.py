"""Generated Lean modules as package commands: ``compact-proofs lean generate [NAME] [--check]``.

A family declares its generators (``maxofk.lean_generators``, ``modadd.lean_generators``); each
renders the module texts of one shipped theorem from the model files, checking its certificate
exactly on the way. This module names no family: the command line collects the families'
generators and runs them here. With ``--check`` nothing is written; a module missing or
different from what the generator renders fails the check, naming the file and the command
that regenerates it (CI runs ``compact-proofs lean generate --check``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .render import module_path, write_generated_module

COMMAND = "compact-proofs lean generate"


class GenerationError(RuntimeError):
    """A generator's certificate does not confirm the bound it would write."""


@dataclasses.dataclass(frozen=True)
class Option:
    """An integer option of a generator (``--seed``), with the value of the shipped modules."""

    name: str
    default: int
    help: str


@dataclasses.dataclass(frozen=True)
class Generated:
    """What a generator renders: module texts by module name, and a one-line summary."""

    modules: Mapping[str, str]
    summary: str


@dataclasses.dataclass(frozen=True)
class Generator:
    """One theorem's generated modules. ``render(command, **options)`` returns them, ``command``
    being the command line that regenerates them (written into each module's header)."""

    name: str
    description: str
    render: Callable[..., Generated]
    options: tuple[Option, ...] = ()

    def command(self, **options: int) -> str:
        """The command that regenerates the modules for ``options`` (shipped values left out)."""
        flags = "".join(f" --{o.name} {options[o.name]}" for o in self.options if options.get(o.name, o.default) != o.default)
        return f"{COMMAND} {self.name}{flags}"

    def run(self, lean_root: Path, *, check: bool, say: Callable[[str], None] = print, **options: int) -> bool:
        """Write the modules under ``lean_root`` (or with ``check`` only compare them); False when
        the check finds one missing or out of date."""
        values = {o.name: options.get(o.name, o.default) for o in self.options}
        command = self.command(**values)
        say(f"{self.name}: rendering ({self.description})")
        generated = self.render(command, **values)
        ok = [write_generated_module(module_path(lean_root, name), text, command, check=check) for name, text in generated.modules.items()]
        if not check:
            say(f"{self.name}: {generated.summary}")
        return all(ok)


def run_all(generators: Iterable[Generator], lean_root: Path, *, check: bool, say: Callable[[str], None] = print) -> bool:
    """Every generator with its shipped options; False when any check fails (all are run)."""
    return all([g.run(lean_root, check=check, say=say) for g in generators])
