"""The main job on one modular-addition (pizza) model, and the prove-write-recheck loop it shares
with ``compact-proofs modadd certify``.

``certify(path)`` (what ``compact-proofs certify --model FILE`` runs on a pizza record):

1. exact brute force over all p^2 inputs (``ModAddTables``: the exact verdicts, built once and
   shared with every strategy), with the plain float32 pass's count beside it;
2. each chosen strategy of ``strategies.REGISTRY``, a sound lower bound on the number of correct
   inputs (never above the exact count: a soundness bug stops the job);
3. for strategies with a checker, the proof's certificate written as JSON
   (``OUT/certificates/STRATEGY.json``), read back and re-checked exactly by the strategy's
   checker (``certificate.check``), which never calls the prover;
4. the Lean library's theorems about this model (matched by ``core.modelfile.model_sha256``,
   ``lean.render.lean_theorems_for``) checked by the kernel (``lean.bridge.check_project`` on
   their modules only): one is accepted when it was built, its axioms were audited and its
   elaborated statement is ``bound ≤ accuracy model`` of this model's constant
   (``lean.axioms.accuracy_statement``); ``lean=False`` skips it. No theorem is generated for
   a pizza model the library has none about (``compact-proofs lean generate modadd-theorem``
   writes one into the library);
5. ``report.json``, ``report.md`` and ``report.html`` (``report.write_certify_report``).

Time: the exact verdicts (about 1 s for p = 59) plus each strategy's own search and check; the
Lean step, when it builds, dominates (about half an hour for the shipped seed-1 theorem).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.modelfile import model_sha256
from ..core.strategy import write_certificate
from ..core.provenance import provenance, repo_relative
from ..lean.render import LeanTheorem, lean_theorems_for
from ..lean.toolchain import library_root
from . import zoo

if TYPE_CHECKING:
    from ..core.strategy import Strategy, StrategyResult
    from .strategies import ModAddTables

#: Every registered strategy (``brute_force``, ``output_fourier``): each is cheap at p = 59.
DEFAULT_STRATEGIES = ("*",)


@dataclass
class StrategyOutcome:
    """One strategy's result on one model, with its certificate file and the checker's count."""

    result: StrategyResult
    certificate: Path | None = None
    python_recheck: int | None = None  # the count the exact checker re-derived from the file


def recheck(strategy: Strategy, tables: ModAddTables, path: Path) -> int:
    """The count ``strategy``'s checker re-derives from the certificate file ``path`` (read back
    as written); its ``CertificateError`` names the file."""
    from .certificate import CertificateError, read_json

    data = read_json(path)
    try:
        return strategy.check(tables, data)
    except CertificateError as exc:
        raise type(exc)(path, exc.problem) from None


def prove_and_check(tables: ModAddTables, strategies: Sequence[Strategy], certificate_dir: Path) -> Iterator[StrategyOutcome]:
    """Prove with each strategy once, in order; write each certificate to
    ``certificate_dir/STRATEGY.json`` and re-check it exactly from the file.

    Raises AssertionError for a bound above the exact count (a soundness bug: never reported),
    ``CertificateRejected`` when a checker certifies less than its certificate claims.
    """
    for strategy in strategies:
        result = (proof := strategy.prove(tables)).result
        if result.correct_lower_bound > tables.n_correct:
            raise AssertionError(f"{strategy.name} claims {result.correct_lower_bound} > exact {tables.n_correct}")
        outcome = StrategyOutcome(result)
        if strategy.check is not None:
            outcome.certificate = write_certificate(proof, strategy.name, model_sha256(tables.model), certificate_dir)
            outcome.python_recheck = recheck(strategy, tables, outcome.certificate)
        yield outcome


def brute_force_of(tables: ModAddTables) -> dict[str, Any]:
    """Exact brute force (``brute_force.ModAddBruteForce``) from the tables' exact verdicts, so that
    they are computed once per job; the float32 pass is counted beside them."""
    from .brute_force import ModAddBruteForce, float32_verdicts

    start = time.perf_counter()
    verdicts = tables.verdicts
    f32 = float32_verdicts(tables.model)
    n = tables.n_inputs
    return ModAddBruteForce(
        n, int(verdicts.sum()), n - tables.exact_decided, tables.exact_decided, int(f32.sum()), int((f32 != verdicts).sum()),
        time.perf_counter() - start,
    ).to_dict()


def lean_step(identity: str, *, lean: bool, say: Callable[[str], None]) -> tuple[list[LeanTheorem], dict[str, Any] | None]:
    """The Lean library's theorems about the model ``identity`` and, when ``lean``, the kernel
    check of their modules (and the modules they import) only: (theorems, check data or None)."""
    theorems = lean_theorems_for(identity, library_root())
    if not lean:
        return theorems, None
    if not theorems:
        note = "No theorem of the Lean library is about this model yet (matched by model sha256); nothing to check."
        say(f"Lean: {note}")
        return theorems, {"ok": None, "note": note}
    from ..lean.bridge import check_theorems

    return theorems, check_theorems(theorems, "CompactProofs.ModAdd", exp_sqrt=False, log=say)


def certify(
    model_path: Path,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    out_dir: Path = Path("results/certify"),
    *,
    lean: bool = True,
    target_fraction: float = 1.0,
    max_freqs: int | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the main job on one pizza model (see the module docstring); writes the report into
    ``out_dir`` and returns its data. ``strategies``: names or globs of ``strategies.REGISTRY``
    (ValueError naming the first that matches nothing, before the model is read)."""
    from .report import write_certify_report
    from .strategies import REGISTRY, ModAddTables

    chosen = [REGISTRY.get(name) for name in REGISTRY.select(list(strategies))]  # an unknown name fails before any work
    start = time.perf_counter()
    model, record = zoo.load_model(model_path)
    cfg = model.cfg
    say(f"model {model_path} (modular addition, p {cfg.p}, seed {record.seed}, d_mlp {cfg.d_mlp})")
    tables = ModAddTables(model, target_fraction=target_fraction, max_freqs=max_freqs)
    bf = brute_force_of(tables)
    say(f"brute force: {bf['correct']:,} / {bf['n_inputs']:,} correct (exact), {bf['exact_decided']} decided in exact arithmetic, "
        f"{bf['seconds']:.1f} s")
    outcomes = []
    for outcome in prove_and_check(tables, chosen, out_dir / "certificates"):
        result = outcome.result
        say(f"{result.strategy}: bound {result.correct_lower_bound:,} ({float(result.bound):.4f}), {result.proof_flops:,} FLOPs, "
            f"{result.seconds:.1f} s" + (f"; certificate re-checked exactly: {outcome.python_recheck:,}" if outcome.certificate else ""))
        outcomes.append(outcome)
    identity = model_sha256(model)
    theorems, lean_data = lean_step(identity, lean=lean, say=say)
    for thm in theorems:
        say(f"Lean theorem {thm.theorem} ({thm.module}): at least {thm.bound:,}/{tables.n_inputs:,} inputs correct by {thm.strategy}"
            + ("" if lean_data is None else f": {'accepted' if thm.accepted else 'NOT accepted'}"))
    data = {
        "family": "modadd",
        "model": {"path": repo_relative(model_path), "seed": record.seed, "model_sha256": identity,
                  "weights_file_sha256": record.sha256, "config": cfg.to_dict()},
        "brute_force": bf,
        "strategies": [o.result.to_dict() | {"certificate": str(o.certificate) if o.certificate else None,
                                             "python_recheck": o.python_recheck} for o in outcomes],
        "lean_theorems": [vars(t) for t in theorems],
        "lean": lean_data,
        "seconds": time.perf_counter() - start,
        "provenance": provenance(),
    }
    paths = write_certify_report(out_dir, data)
    say("report: " + ", ".join(str(p) for p in paths))
    return data
