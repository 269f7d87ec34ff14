/-
For a Mathlib user; NOT BUILT HERE (this network reaches no Mathlib, and `lean check` builds only
`lean/CompactProofs*`), so it is untested: a template to check with `lake build` in a project that
depends on both Mathlib and this library.

The Max-of-K theorems hold for every ordered field with an `ExpSqrt` structure. This file builds
that structure from `Real.exp` and `Real.sqrt` (Mathlib gives `ℝ` core's `Lean.Grind` ordered-field
classes), so the seed-123 theorem becomes a statement about the model's exact real-number forward
pass, with no hypothesis left.
-/
import Mathlib.Analysis.SpecialFunctions.Exp
import Mathlib.Analysis.SpecialFunctions.Sqrt
import CompactProofs.Generated.Seed123

/-- `Real.exp` and `Real.sqrt` satisfy the assumptions of `CompactProofs.MaxOfK.ExpSqrt`. -/
noncomputable def realExpSqrt : CompactProofs.MaxOfK.ExpSqrt ℝ where
  exp := Real.exp
  sqrt := Real.sqrt
  exp_add := Real.exp_add
  one_add_le_exp := fun x => by linarith [Real.add_one_le_exp x]
  sqrt_pos := fun _ hx => Real.sqrt_pos.2 hx
  sqrt_mul_self := fun _ hx => Real.mul_self_sqrt hx.le

/-- At least 16,167,555 of the 64⁴ inputs are classified correctly by the exact real-number
forward pass of the shipped seed-123 model. -/
theorem maxOf4_seed123_accuracy_real :
    16167555 ≤ CompactProofs.MaxOfK.accuracy realExpSqrt CompactProofs.Generated.Seed123.Model.seed123 :=
  CompactProofs.Generated.Seed123.maxOf4_seed123_accuracy realExpSqrt
