"""The theorems of a user's models, generated outside the library.

``compact-proofs certify --model FILE`` on a model the library has no theorem about writes that
model's generated modules into a workspace (default ``results/lean``, ``--lean-dir``): a second
source root, ``<workspace>/Certified/<Name>.lean`` and its parts, which
``bridge.check_project(workspace=...)`` builds together with the library modules they import
(those into the library's own build folder, so every workspace shares them).

A rerun is cheap: a stamp (``<workspace>/build/generated/<module>.json``) records the model's
identity, the digest of the package's code and the sha256 of every module written; when all
three still match, nothing is generated again, and the module builds are cached by content
(``bridge``). Two models whose files have the same name share a module name: the later one
replaces the earlier one's modules (its stamp no longer matches, so it is regenerated when
certified again).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from .modules import WORKSPACE_ROOT
from .render import module_path

DEFAULT_WORKSPACE = Path("results/lean")
#: Namespace (and module prefix) of every workspace theorem: a top-level name of its own.
NAMESPACE = WORKSPACE_ROOT


def module_stem(model_file: str | Path) -> str:
    """An UpperCamelCase module name from a model file's name: ``my-model_2.json`` -> ``MyModel2``
    (prefixed with ``M`` when it would start with a digit)."""
    words = re.findall(r"[A-Za-z0-9]+", Path(model_file).stem)
    name = "".join(w[0].upper() + w[1:] for w in words) or "Model"
    return name if name[0].isalpha() else "M" + name


def lower_camel(stem: str) -> str:
    """``Seed00007`` -> ``seed00007``: the model's constant and theorem names."""
    return stem[0].lower() + stem[1:]


@cache
def code_digest() -> str:
    """sha256 over the sources of the ``compact_proofs`` package: a generator's output can change
    with any of them, and regenerating costs seconds of Python, not Lean work."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(f"\n{path.relative_to(package).as_posix()}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _stamp_path(workspace: Path, root_module: str) -> Path:
    return workspace / "build" / "generated" / f"{root_module}.json"


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_current(workspace: Path, root_module: str, model_sha256: str) -> bool:
    """Whether the modules of ``root_module`` were generated for this model by this code and are
    unchanged on disk."""
    stamp = _stamp_path(workspace, root_module)
    if not stamp.exists():
        return False
    data = json.loads(stamp.read_text(encoding="utf-8"))
    if data.get("model_sha256") != model_sha256 or data.get("code") != code_digest():
        return False
    for name, digest in data.get("modules", {}).items():
        path = module_path(workspace, name)
        if not path.exists() or _text_sha256(path.read_text(encoding="utf-8")) != digest:
            return False
    return bool(data.get("modules"))


def write_theorem(
    workspace: Path,
    root_module: str,
    model_sha256: str,
    render: Callable[[], Mapping[str, str]],
    say: Callable[[str], None] = print,
) -> bool:
    """Write the modules ``render()`` returns (texts by module name, each under ``root_module``)
    into ``workspace``, unless :func:`is_current`. Returns whether anything was written."""
    if is_current(workspace, root_module, model_sha256):
        say(f"Lean: the modules of {root_module} in {workspace} are up to date")
        return False
    texts = render()
    outside = [name for name in texts if name != root_module and not name.startswith(root_module + ".")]
    if outside:
        raise ValueError(f"generated module {outside[0]} is not under {root_module}")
    root_file = module_path(workspace, root_module)
    for stale in [root_file, *sorted(root_file.with_suffix("").rglob("*.lean"))]:  # an earlier generation's parts
        stale.unlink(missing_ok=True)
    for name, text in texts.items():
        path = module_path(workspace, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamp = _stamp_path(workspace, root_module)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    record = {"model_sha256": model_sha256, "code": code_digest(),
              "modules": {name: _text_sha256(text) for name, text in sorted(texts.items())}}
    stamp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    say(f"Lean: wrote {len(texts)} modules of {root_module} into {workspace}")
    return True
