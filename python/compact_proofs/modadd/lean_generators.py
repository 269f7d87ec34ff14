"""The modular-addition generated Lean modules (``compact-proofs lean generate NAME``).

- ``modadd-theorem`` (``--seed``, shipped: 1; ``--freqs``, shipped: 3): ``Generated/ModAddP59Seed<N>.lean``
  and its shards (``modadd.lean_modules``), the output-Fourier certificate's count of a p = 59
  zoo model as ``modadd_p59_seed<N>_accuracy``. The frequencies are the first ``--freqs`` of the
  model's output spectrum, in the order of ``certificate.find_certificate``. Only seed 1 is
  shipped and checked in CI; the generator fails unless the certificate certifies all p² inputs.
"""

from __future__ import annotations

from ..core.modelfile import model_sha256
from ..core.provenance import REPO_ROOT
from ..lean.generate import GenerationError, Generated, Generator, Option
from .zoo import load_model, record_path

P = 59


def render_modadd_theorem(command: str, seed: int, freqs: int) -> Generated:
    """The sharded theorem of the p = 59 zoo model ``seed``, certifying every input."""
    from . import lean_certificate, lean_modules, tables  # imported when run: `--help` stays fast

    path = record_path(P, seed)
    model, _ = load_model(path)
    im = tables.int_model(model)
    tab = tables.int_tables(im)
    cert = lean_certificate.build_certificate(im, tab, lean_certificate.output_frequencies(tab, im)[:freqs])
    if cert.certified < P * P:
        raise GenerationError(f"{path}: the certificate with {freqs} frequencies certifies {cert.certified} inputs, fewer than all {P * P}")
    texts = lean_modules.render_modules(
        im, tab, cert,
        root=f"CompactProofs.Generated.ModAddP{P}Seed{seed}",
        model_name=f"p{P}seed{seed}",
        theorem_name=f"modadd_p{P}_seed{seed}_accuracy",
        command=command,
        source=str(path.relative_to(REPO_ROOT)),
        model_sha256=model_sha256(model),
    )
    return Generated(texts, f"{cert.certified:,} inputs certified")


GENERATORS = (
    Generator(
        "modadd-theorem",
        "the output-Fourier accuracy theorem of a p = 59 pizza model, sharded",
        render_modadd_theorem,
        (Option("seed", 1, "zoo seed (shipped: 1)"), Option("freqs", 3, "output frequencies of the certificate (shipped: 3)")),
    ),
)
