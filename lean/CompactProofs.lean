module

public import CompactProofs.Core.Algebra
public import CompactProofs.Core.Matrix
public import CompactProofs.Core.Packed
public import CompactProofs.Core.Swar
public import CompactProofs.OvCopying
public import CompactProofs.MaxOfK.Semantics
public import CompactProofs.MaxOfK.ExpBounds
public import CompactProofs.MaxOfK.Tables
public import CompactProofs.MaxOfK.Checker
public import CompactProofs.MaxOfK.InputSpace
public import CompactProofs.MaxOfK.GapClasses
public import CompactProofs.MaxOfK.GapCount
public import CompactProofs.MaxOfK.GapClassesCubic
public import CompactProofs.MaxOfK.CubicWalk
public import CompactProofs.MaxOfK.PackedTables
public import CompactProofs.MaxOfK.GapCubicShards
public import CompactProofs.ModAdd.Semantics
public import CompactProofs.ModAdd.InputSpace
public import CompactProofs.ModAdd.Tables
public import CompactProofs.ModAdd.PackedTables
public import CompactProofs.ModAdd.Checker
public import CompactProofs.ModAdd.CheckerSound
public import CompactProofs.ModAdd.Accuracy

/-!
# CompactProofs

Kernel-checked certificates about small transformers, in core Lean only (no Mathlib).

This root is the library alone: semantics, checkers and their soundness theorems. The
certificates the Python generators write, each an accuracy theorem about one shipped model,
are the second library, `CompactProofs.Generated` (some of them take many minutes of kernel
work); the Generated modules named below belong to it.

* `CompactProofs.Core`, used by both model families and naming neither: the finite sum
  `sumTo` and ordered-field lemmas (`Algebra`), exact integer matrices, the row decoder
  `unpack` and the bounded checker `allBelow` (`Matrix`), rows of integers packed into one big
  integer with `productOk`, a matrix-product checker with one big multiply-add per row
  (`Packed`, `productOk_sound`: the kernel's cheap operation is big-number arithmetic on
  literals, its dear one a reduction step), and ReLU of every field of a packed vector at once
  (`Swar`, `reluPacked_eq`).
* `CompactProofs.OvCopying`: the OV-copying checker `check` and its soundness theorem
  `check_sound` for one-head attention-only models with exact (dyadic) weights.
* `CompactProofs.Generated.OvSmall`: a generated certificate for a small model
  (`ov_small_copies`), proved by `check_sound` and kernel evaluation.
* `CompactProofs.MaxOfK`: the real-number semantics of Max-of-K models (`Semantics`; the
  inputs it counts are exactly the `d_vocab ^ K` token sequences, each once: `InputSpace`), a
  per-input accuracy checker (`Checker`, `check_sound`), a per-cell one (`GapClasses`,
  `checkGap_sound`), its cubic-time variant (`GapClassesCubic`, `checkGapCubic_sound`) and the
  closed-form count of the cells' inputs (`GapCount`, `countP_inClass`);
  `CompactProofs.Generated.SmallMaxOf3`, `GapSmallMaxOf3` and `GapCubicSmallMaxOf3` apply them
  to the shipped d_vocab 8, K 3 model.
* The full-size check: the exact tables by packed products (`MaxOfK.PackedTables`,
  `tables_facts`), the cell test in one pass over rows (`MaxOfK.CubicWalk`, `walkCellOk_eq`)
  and the split into kernel-sized parts (`MaxOfK.GapCubicShards`, `shards_sound`);
  `CompactProofs.Generated.Seed123` applies them to the shipped seed-123 Max-of-4 model
  (`maxOf4_seed123_accuracy`).
* `CompactProofs.ModAdd`: the real-number semantics of one-layer modular-addition ("pizza")
  models (`Semantics`; its inputs are exactly the `p²` pairs, each once: `InputSpace`), the
  forward pass in integers (`Tables`, `logit_eq`), the tables by packed products
  (`PackedTables`), the output-Fourier certificate checker (`Checker`), its soundness
  (`CheckerSound`) and the accuracy from it (`Accuracy`, `accuracy_ge_of_witness`);
  `CompactProofs.Generated.ModAddP59Seed1` applies them to the shipped p = 59, seed-1 model
  (`modadd_p59_seed1_accuracy`).

Trust: no `sorry`, no axioms of our own, no `native_decide`; the driver
`python -m compact_proofs.lean.bridge check` audits the sources and lists the axioms
every theorem depends on.
-/
