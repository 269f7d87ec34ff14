"""The Max-of-K generated Lean modules (``compact-proofs lean generate NAME``).

- ``maxof4-theorem`` (``--seed``, shipped: 123): ``Generated/Seed<N>.lean`` and its shards, the
  ``gap_classes_cubic`` bound of a zoo model as ``maxOf4_seed<N>_accuracy``
  (``maxofk.lean_shards``). Each model costs about 17 minutes of ``lean check`` on two cores, so
  only seed 123 is shipped. The bound written is the strategy's count, confirmed by its exact
  Python checker.
- ``small-max-of-3``: the three theorems of the small Max-of-3 model (every input on its own,
  gap classes, their cubic variant), each stating the exact brute-force count.
- ``ov-small``: the OV-copying certificate of a synthetic 8-token model built from a fixed numpy
  seed: the unembedding close to the transposed embedding and ``W_V W_O`` close to the identity,
  so EVOU is nearly ``W_E W_E^T`` with embedding rows growing with the token index; the noise
  makes the low tokens fail to copy. A trained model's certificate comes from
  ``maxofk.ov_certificate.export_ov_copying_certificate``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.modelfile import model_sha256
from ..core.provenance import REPO_ROOT
from ..lean.generate import GenerationError, Generated, Generator, Option
from .zoo import DEFAULT_SEED, load_model, record_path

# The provers and exporters (torch, mpmath) are imported by the generators that run them, so
# listing the generators (`compact-proofs lean generate --help`) stays fast.

SMALL_RECORD = "python/compact_proofs/zoo/small_max_of_3/seed-00001.json"
OV_MODULE = "CompactProofs.Generated.OvSmall"
OV_SEED = 20241125
OV_SIZE = 8  # d_vocab = d_model = d_head


def render_maxofk_theorem(command: str, model_path: Path, *, root: str, model_name: str, theorem_name: str) -> Generated:
    """The sharded ``gap_classes_cubic`` theorem of the model record ``model_path``, rooted at
    module ``root``; fails unless the exact Python checker confirms its bound. Time: that of
    the strategy and its exact check (seconds to a minute at d_vocab 64)."""
    from . import lean_shards
    from .strategies import get_strategy
    from .tables import ModelTables

    model, _ = load_model(model_path)
    tables = ModelTables(model)
    proof = lean_shards.sharded_proof(tables.exact)
    strategy = get_strategy("gap_classes_cubic")
    checked = strategy.check(tables, strategy.prove(tables).certificate())
    if checked != proof.bound:
        raise GenerationError(f"{model_path}: the Lean witnesses claim {proof.bound} inputs, the exact Python checker {checked}")
    source = Path(model_path).resolve()
    texts = lean_shards.render_sharded(
        proof,
        root=root,
        model_name=model_name,
        theorem_name=theorem_name,
        command=command,
        source=str(source.relative_to(REPO_ROOT)) if source.is_relative_to(REPO_ROOT) else source.name,
        model_sha256=model_sha256(model),
    )
    return Generated(texts, f"{proof.bound:,} inputs certified")


def render_maxof4_theorem(command: str, seed: int) -> Generated:
    """The sharded theorem of zoo seed ``seed`` (``CompactProofs.Generated.Seed<seed>``)."""
    return render_maxofk_theorem(command, record_path(seed), root=f"CompactProofs.Generated.Seed{seed}",
                                 model_name=f"seed{seed}", theorem_name=f"maxOf4_seed{seed}_accuracy")


def render_small_max_of_3(command: str) -> Generated:
    """The three theorems of the small Max-of-3 model; fails unless all three bounds are the exact count."""
    from . import lean_export
    from .brute_force import brute_force
    from .strategies import gap_classes

    module, gap_module, cubic_module = (f"CompactProofs.Generated.{n}" for n in ("SmallMaxOf3", "GapSmallMaxOf3", "GapCubicSmallMaxOf3"))
    model, _ = load_model(REPO_ROOT / SMALL_RECORD)
    em = lean_export.exact_model(model)
    cert = lean_export.build_certificate(em)
    if not lean_export.check(em, cert):
        raise GenerationError(f"{SMALL_RECORD}: the Python mirror of the Lean checker rejects the certificate")
    exact = brute_force(model, float32=False).correct
    common = {"command": command, "source": SMALL_RECORD, "model_sha256": model_sha256(model), "model_name": "smallModel"}
    tables = gap_classes.GapTables.from_lean_certificate(em, cert)
    found, found_cubic = gap_classes.gaps(tables), gap_classes.gaps(tables, cubic=True)
    gap_bound, cubic_bound = (sum(gap_classes.cell_count(em.n_ctx, q, m, g) for (q, m), g in f.items()) for f in (found, found_cubic))
    if not cert.bound == gap_bound == cubic_bound == exact:
        raise GenerationError(
            f"{SMALL_RECORD}: the certificates verify {cert.bound}, {gap_bound} and {cubic_bound} inputs, brute force finds {exact} correct"
        )
    gap_common = {"base_module": module, "total": em.d_vocab**em.n_ctx, **common}
    texts = {
        module: lean_export.render_lean_module(em, cert, module_name=module, theorem_name="small_max_of_3_accuracy", n_correct=exact, **common),
        gap_module: lean_export.render_gap_module(
            module_name=gap_module,
            theorem_name="small_max_of_3_accuracy_gap",
            gaps=gap_classes.gap_matrix(found, em.d_vocab),
            bound=gap_bound,
            **gap_common,
        ),
        cubic_module: lean_export.render_gap_module(
            module_name=cubic_module,
            theorem_name="small_max_of_3_accuracy_gap_cubic",
            gaps=gap_classes.gap_matrix(found_cubic, em.d_vocab),
            bound=cubic_bound,
            tops=gap_classes.lean_tops(cert),
            **gap_common,
        ),
    }
    return Generated(texts, f"{exact:,} of {em.d_vocab**em.n_ctx:,} inputs certified (the exact count)")


def synthetic_ov_weights(seed: int = OV_SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``W_E, W_V, W_O, W_U`` of an 8-token model whose OV circuit copies most tokens."""
    rng = np.random.default_rng(seed)
    scale = (0.1 + np.arange(OV_SIZE) / OV_SIZE)[:, None]
    W_E = (rng.standard_normal((OV_SIZE, OV_SIZE)) * scale).astype(np.float32)  # [d_vocab, d_model]
    W_V = (np.eye(OV_SIZE) + 0.2 * rng.standard_normal((OV_SIZE, OV_SIZE))).astype(np.float32)  # [d_model, d_head]
    W_O = (np.eye(OV_SIZE) + 0.2 * rng.standard_normal((OV_SIZE, OV_SIZE))).astype(np.float32)  # [d_head, d_model]
    W_U = (W_E.T + 0.3 * rng.standard_normal((OV_SIZE, OV_SIZE))).astype(np.float32)  # [d_model, d_vocab]
    return W_E, W_V, W_O, W_U


def render_ov_small(command: str) -> Generated:
    """The OV-copying certificate of the synthetic model."""
    from .ov_certificate import build_certificate, render_lean_module

    cert = build_certificate(*synthetic_ov_weights(), module_name=OV_MODULE)
    return Generated({OV_MODULE: render_lean_module(cert, command)}, f"threshold {cert.threshold} of d_vocab {cert.d_vocab}; copying rows {cert.copying_rows}")


GENERATORS = (
    Generator(
        "maxof4-theorem",
        "the gap_classes_cubic accuracy theorem of a Max-of-4 zoo model, sharded",
        render_maxof4_theorem,
        (Option("seed", DEFAULT_SEED, f"zoo seed (shipped: {DEFAULT_SEED})"),),
    ),
    Generator("small-max-of-3", "the three accuracy theorems of the small Max-of-3 model", render_small_max_of_3),
    Generator("ov-small", "the OV-copying certificate of a synthetic 8-token model", render_ov_small),
)
