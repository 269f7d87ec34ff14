module

public import CompactProofs.Generated.OvSmall
public import CompactProofs.Generated.SmallMaxOf3
public import CompactProofs.Generated.GapSmallMaxOf3
public import CompactProofs.Generated.GapCubicSmallMaxOf3
public import CompactProofs.Generated.Seed123
public import CompactProofs.Generated.ModAddP59Seed1

/-!
# CompactProofs.Generated

The certificate library: every module under `CompactProofs/Generated/`, written by
`compact-proofs lean generate` (never by hand; `--check` compares them with what the
generators render) and checked by the kernel against the library `CompactProofs`. Each root
states one accuracy theorem about one shipped model, in the model's own semantics:

* `OvSmall`: `ov_small_copies`, OV copying of a small attention-only model;
* `SmallMaxOf3`, `GapSmallMaxOf3`, `GapCubicSmallMaxOf3`: the d_vocab 8, K 3 Max-of-3 model;
* `Seed123`: `maxOf4_seed123_accuracy`, the shipped seed-123 Max-of-4 model;
* `ModAddP59Seed1`: `modadd_p59_seed1_accuracy`, the shipped p = 59, seed-1 pizza model.

What is proved is each theorem's statement; the generated data (weights as packed literals,
witnesses) is checked, not trusted.
-/
