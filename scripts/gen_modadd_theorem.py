#!/usr/bin/env python3
"""Generate the kernel-checked accuracy theorem of a shipped modular-addition model (default:
p = 59, seed 1): lean/CompactProofs/Generated/ModAddP59Seed<N>.lean and its shards
(`compact_proofs.modadd.lean_modules`), proving the output-Fourier certificate's count as
`modadd_p59_seed<N>_accuracy`.

Usage (from the repository root):

    .venv/bin/python scripts/gen_modadd_theorem.py                 # write the seed-1 modules
    .venv/bin/python scripts/gen_modadd_theorem.py --check         # fail if any is out of date
    .venv/bin/python scripts/gen_modadd_theorem.py --seed 6 --freqs 3

Only seed 1 is shipped and checked in CI. The frequencies are the first `--freqs` of the
model's output spectrum, in the order of `certificate.find_certificate`; the script fails if
the certificate does not certify `--min-count` inputs (default: all p²).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "python"))

from compact_proofs.lean.render import module_path, write_generated_module  # noqa: E402
from compact_proofs.modadd import lean_certificate, lean_modules  # noqa: E402
from compact_proofs.modadd.certificate import weights_sha256  # noqa: E402
from compact_proofs.modadd.zoo import load_model, record_path  # noqa: E402

COMMAND = "python scripts/gen_modadd_theorem.py"


def render(seed: int, n_freqs: int, p: int = 59) -> tuple[dict[str, str], int]:
    """The module texts by module name, and the certified count."""
    path = record_path(p, seed)
    model, _ = load_model(path)
    im = lean_certificate.int_model(model)
    tab = lean_certificate.int_tables(im)
    freqs = lean_certificate.output_frequencies(tab, im)[:n_freqs]
    cert = lean_certificate.build_certificate(im, tab, freqs)
    texts = lean_modules.render_modules(
        im, tab, cert,
        root=f"CompactProofs.Generated.ModAddP{p}Seed{seed}",
        model_name=f"p{p}seed{seed}",
        theorem_name=f"modadd_p{p}_seed{seed}_accuracy",
        command=COMMAND + ("" if seed == 1 else f" --seed {seed} --freqs {n_freqs}"),
        source=str(path.relative_to(REPO_ROOT)),
        model_sha256=weights_sha256(model),
    )
    return texts, cert.certified


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the tracked files")
    parser.add_argument("--seed", type=int, default=1, help="zoo seed (default 1)")
    parser.add_argument("--freqs", type=int, default=3, help="output frequencies of the certificate (default 3)")
    parser.add_argument("--min-count", type=int, default=None, help="fail below this many certified inputs (default p²)")
    parser.add_argument("--lean-root", type=Path, default=REPO_ROOT / "lean")
    args = parser.parse_args(argv)
    texts, count = render(args.seed, args.freqs)
    need = 59 * 59 if args.min_count is None else args.min_count
    if count < need:
        print(f"the certificate certifies {count} inputs, fewer than {need}", file=sys.stderr)
        return 1
    ok = [write_generated_module(module_path(args.lean_root, name), text, COMMAND, check=args.check) for name, text in texts.items()]
    if not all(ok):
        return 1
    if not args.check:
        print(f"{count} inputs certified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
