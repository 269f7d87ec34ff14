"""The main job: exact accuracy, proof strategies, certificates, Lean check and a report.

``certify(path)`` on one Max-of-K model (the shipped seed-123 model by default):

1. exact brute force over the whole input space (the truth every bound is compared with);
2. each chosen proof strategy, giving a sound lower bound on the number of correct inputs;
3. for strategies with a checker, the proof's certificate written as JSON, read back and
   re-verified by the strategy's independent exact checker (``Strategy.check``), which also
   checks that the model data inside the certificate is the model's own; no proof runs twice;
4. the Lean check with the pinned toolchain (``lean.bridge.check_project``): the accuracy
   theorems whose generated modules name this model (by its identity ``core.modelfile.model_sha256``,
   see :func:`lean_theorems_for`) are built with the library modules they import, and reported
   with their axioms and elaborated statements. When the library has none, this model's
   ``gap_classes_cubic`` theorem is generated into a workspace outside the package
   (``lean.workspace``, default ``results/lean``) and checked there (:func:`workspace_theorem`);
5. ``report.json``, ``report.md``, ``report.html`` and the bound-vs-proof-length plot.

A bound is reported as *Lean-checked* only when a theorem for this very model (same weights
hash) was built by the kernel in this run, depends on the allowed axioms only, and its
elaborated statement is exactly ``bound ≤ accuracy F model`` about this model's constant
(``lean.axioms.accuracy_statement``); otherwise the report says which check it passed
(Python exact re-check) and that no Lean theorem covers it yet.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.modelfile import ModelFileError, model_sha256
from ..core.strategy import write_certificate
from ..core.provenance import provenance, repo_relative
from ..lean import workspace as lean_workspace
from ..lean.render import LeanTheorem, lean_theorems_for
from ..lean.toolchain import library_root
from . import zoo
from .plots import plot_bound_vs_length
from .report import write_report

# The provers load torch; they are imported by certify() so that the command line reads
# DEFAULT_STRATEGIES without them.
if TYPE_CHECKING:
    from .strategies import StrategyResult

DEFAULT_STRATEGIES = (
    "subcubic",  # the paper's default subcubic variant
    "subcubic:max_diff_exact/mean_query+diff/exact_EQKE+max_diff_exact",  # our best subcubic
    "cubic_paper",
    "cubic",
    "cubic_tight",
    "gap_classes",
    "gap_classes_cubic",
)


@dataclass
class StrategyOutcome:
    result: StrategyResult
    certificate: Path | None = None
    python_recheck: int | None = None  # count re-derived by the exact checker
    lean: list[LeanTheorem] = field(default_factory=list)


def brute_force_point(config, accuracy: float) -> dict[str, Any]:
    """Brute force as a point of the bound-vs-length plot (its FLOPs counted as the paper does)."""
    from .strategies.brute_force import brute_force_flops

    return {"strategy": "brute_force", "proof_flops": brute_force_flops(config), "accuracy_bound": accuracy}


def workspace_theorem(model_path: Path, identity: str, config_k: int, workspace: Path, say=print) -> list[LeanTheorem]:
    """Generate (unless current) the ``gap_classes_cubic`` theorem of the model record
    ``model_path`` into ``workspace``, named after the file (``seed-00007.json``:
    ``Certified.Seed00007.maxOf4_seed00007_accuracy``); returns it as the
    workspace's tag declares it, or nothing when the certificate proves no input correct."""
    from .lean_generators import render_maxofk_theorem

    stem = lean_workspace.module_stem(model_path)
    root = f"{lean_workspace.NAMESPACE}.{stem}"
    name = lean_workspace.lower_camel(stem)
    command = f"compact-proofs certify --model {model_path} --lean-dir {workspace}"
    lean_workspace.write_theorem(
        workspace, root, identity,
        lambda: render_maxofk_theorem(command, model_path, root=root, model_name=name,
                                      theorem_name=f"maxOf{config_k}_{name}_accuracy").modules,
        say=say,
    )
    theorems = [t for t in lean_theorems_for(identity, workspace) if t.module == root]
    if theorems and theorems[0].bound == 0:
        say("Lean: the gap_classes_cubic certificate proves no input correct; no theorem to check")
        return []
    return theorems


def certify(
    model_path: Path,
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES,
    out_dir: Path = Path("results/certify"),
    *,
    lean: bool = True,
    lean_dir: Path = lean_workspace.DEFAULT_WORKSPACE,
    float32: bool = False,
    progress: bool | None = None,
    say=print,
) -> dict[str, Any]:
    """Run the main job on one model; writes the report into ``out_dir`` and returns its data."""
    from .brute_force import brute_force
    from .strategies import get_strategy
    from .tables import ModelTables

    start = time.perf_counter()
    model, record = zoo.load_model(model_path)
    if record.config.n_heads != 1:
        raise ModelFileError(model_path, f"n_heads is {record.config.n_heads}: the exact semantics and the proofs handle one attention head")
    say(f"model {model_path} (seed {record.seed}, d_vocab {record.config.d_vocab}, K {record.config.n_ctx})")
    chosen = [get_strategy(name) for name in strategies]  # an unknown name fails before any work
    tables = ModelTables(model)
    bf = brute_force(model, progress=progress, float32=float32, paths=tables.path)
    say(f"brute force: {bf.correct:,} / {bf.n_inputs:,} correct (exact), {bf.seconds:.1f} s")
    outcomes: list[StrategyOutcome] = []
    for strategy in chosen:
        proof = strategy.prove(tables)
        result = proof.result
        if result.correct_lower_bound > bf.correct:  # a soundness bug: never report it as a bound
            raise AssertionError(f"{strategy.name} claims {result.correct_lower_bound} > exact {bf.correct}")
        outcome = StrategyOutcome(result)
        if strategy.check is not None:
            outcome.certificate = write_certificate(proof, strategy.name, tables.identity, out_dir / "certificates")
            # the checker's count, from the model's tables and the certificate read back as written
            outcome.python_recheck = strategy.check(tables, json.loads(outcome.certificate.read_text()))
        say(
            f"{strategy.name}: bound {result.correct_lower_bound:,} ({float(result.bound):.4f}), "
            f"{result.proof_flops:,} FLOPs, {result.seconds:.1f} s"
            + (f"; certificate re-checked exactly: {outcome.python_recheck:,}" if outcome.certificate else "")
        )
        outcomes.append(outcome)

    identity = model_sha256(model)
    theorems = lean_theorems_for(identity, library_root())
    workspace = None
    if lean and not theorems:
        say(f"Lean: the library has no theorem about this model; generating its gap_classes_cubic theorem in {lean_dir}")
        workspace = Path(lean_dir)
        theorems = workspace_theorem(model_path, identity, record.config.n_ctx, workspace, say)
    lean_data = None
    if lean and not theorems:
        lean_data = {"ok": None, "note": "No Lean theorem: the gap_classes_cubic certificate proves no input correct."}
    elif lean:
        from ..lean.bridge import check_theorems

        lean_data = check_theorems(theorems, "CompactProofs.MaxOfK", exp_sqrt=True, workspace=workspace, log=say)
    by_strategy = {o.result.strategy: o for o in outcomes}
    for thm in theorems:
        if thm.strategy in by_strategy:
            by_strategy[thm.strategy].lean.append(thm)

    data = {
        "model": {"path": repo_relative(model_path), "seed": record.seed, "model_sha256": identity, "weights_file_sha256": record.sha256, "config": record.config.to_dict()},
        "brute_force": bf.to_dict(),
        "strategies": [
            o.result.to_dict()
            | {
                "certificate": str(o.certificate) if o.certificate else None,
                "python_recheck": o.python_recheck,
                "lean": [vars(t) for t in o.lean],
            }
            for o in outcomes
        ],
        "lean_theorems": [vars(t) for t in theorems],
        "lean": lean_data,
        "seconds": time.perf_counter() - start,
        "provenance": provenance(),
    }
    paths = write_report(out_dir, data)
    paths += plot_bound_vs_length(
        [o.result for o in outcomes] + [brute_force_point(record.config, bf.accuracy)],
        out_dir / "bound_vs_flops",
        exact_accuracy=bf.accuracy,
        title=f"Max-of-{record.config.n_ctx} seed {record.seed}: accuracy bound against proof length",
    )
    say("report: " + ", ".join(str(p) for p in paths))
    return data
