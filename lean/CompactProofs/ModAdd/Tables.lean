module

public import CompactProofs.ModAdd.Semantics

/-!
# Modular addition: the forward pass in exact integers

With `u = 1 / 2 ^ shift`, every quantity of the forward pass is an integer times a power of
`u`. This file defines those integers by the same sums as the semantics (`residInt`, …,
`logitInt`) and proves that the semantics is the integer computation scaled:

* `pre_eq`: `pre a b n = preInt a b n · u⁴ / 2`;
* `logit_eq`: `logit a b y = logitInt a b y · u⁶ / 2`;
* `correct_of_logitInt`: integer margins decide `Correct`.

The integer pre-activation splits into one table per operand and a constant
(`preInt a b n = preTab 0 a n + preTab 1 b n + preConst n`), and the logit into the constant
and per-operand parts of the direct path plus the MLP through `mTab = W_out · W_U`; these are
the tables a checker computes once.

## What is proved
Exactly the statements above, for every ordered field `α`.
-/

namespace CompactProofs.ModAdd

open Lean.Grind

@[expose] public noncomputable section

attribute [local instance] Ring.intCast Semiring.natCast

section Int

variable (m : Model)

/-- Residual stream of token `t` at position `j` (unit `u`). -/
def residInt (j t c : Nat) : Int := entry m.wE t c + entry m.wPos j c

/-- Value of token `t` at position `j` (unit `u²`). -/
def valueInt (j t e : Nat) : Int := sumTo m.dModel fun c => residInt m j t c * entry m.wVT e c

/-- OV circuit of token `t` at position `j` (unit `u³`, before the attention weight `1/2`). -/
def ovInt (j t c : Nat) : Int := sumTo m.dHeads fun e => valueInt m j t e * entry m.wOT c e

/-- The part of the pre-activation due to the operand `t` at position `j` (unit `u⁴ / 2`). -/
def preTab (j t n : Nat) : Int := sumTo m.dModel fun c => ovInt m j t c * entry m.wInT n c

/-- The constant part of the pre-activation: `'='`'s own stream and `b_in` (unit `u⁴ / 2`). -/
def preConst (n : Nat) : Int :=
  (sumTo m.dModel fun c => residInt m 2 m.p c * entry m.wInT n c) * pow2 (2 * m.shift + 1) +
    entry m.bIn 0 n * pow2 (3 * m.shift + 1)

/-- Pre-activation of neuron `n` on input `(a, b)` (unit `u⁴ / 2`). -/
def preInt (a b n : Nat) : Int := preTab m 0 a n + preTab m 1 b n + preConst m n

/-- The direct path's part of logit `y` due to the operand `t` at position `j` (unit `u⁴ / 2`). -/
def ovuTab (j t y : Nat) : Int := sumTo m.dModel fun c => ovInt m j t c * entry m.wU c y

/-- The constant part of logit `y`: `'='`'s own stream and `b_out` (unit `u⁶ / 2`). -/
def linConst (y : Nat) : Int :=
  (sumTo m.dModel fun c => (residInt m 2 m.p c + entry m.bOut 0 c) * entry m.wU c y) *
    pow2 (4 * m.shift + 1)

/-- `W_out · W_U` (unit `u²`). -/
def mTab (n y : Nat) : Int := sumTo m.dModel fun c => entry m.wOut n c * entry m.wU c y

/-- ReLU on integers. -/
def reluInt (x : Int) : Int := if 0 ≤ x then x else 0

/-- Logit `y` of input `(a, b)` (unit `u⁶ / 2`). -/
def logitInt (a b y : Nat) : Int :=
  linConst m y + (ovuTab m 0 a y + ovuTab m 1 b y) * pow2 (2 * m.shift) +
    sumTo m.dMlp fun n => reluInt (preInt m a b n) * mTab m n y

end Int

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (m : Model)

/-- The unit `u = 1 / 2 ^ shift`. -/
abbrev unit : α := ((2 : α) ^ m.shift)⁻¹

/-! ## Helper lemmas -/

set_option linter.unusedSectionVars false

/-- `u · 2 ^ shift = 1`. -/
theorem unit_mul : unit (α := α) m * 2 ^ m.shift = 1 := by
  have := two_pow_pos (α := α) m.shift
  have h : (2 : α) ^ m.shift ≠ 0 := fun h0 => by rw [h0] at this; grind
  have := Field.mul_inv_cancel h
  grind

/-- The unit is positive. -/
theorem unit_pos : 0 < unit (α := α) m :=
  Field.IsOrdered.inv_pos_iff.2 (two_pow_pos m.shift)

/-- A weight is its integer entry times the unit. -/
theorem weight_eq (M : IntMatrix) (i j : Nat) :
    weight (α := α) m M i j = (entry M i j : α) * unit m := Field.div_eq_mul_inv _ _

/-- A sum of products of scaled terms, with the scales pulled out. -/
theorem sumTo_mul_mul (n : Nat) (x w : Nat → α) (k l : α) :
    (sumTo n fun c => (x c * k) * (w c * l)) = (sumTo n fun c => x c * w c) * (k * l) := by
  rw [← sumTo_mul_right]
  apply sumTo_congr
  intro j _
  grind

/-- Exchange of sums in `Σ_c (Σ_n f n · g n c) · h c`. -/
theorem sumTo_sum_mul (N C : Nat) (f : Nat → α) (g : Nat → Nat → α) (h : Nat → α) :
    (sumTo C fun c => (sumTo N fun n => f n * g n c) * h c) =
      sumTo N fun n => f n * sumTo C fun c => g n c * h c := by
  rw [sumTo_congr (g := fun c => sumTo N fun n => f n * g n c * h c)
    (fun c _ => (sumTo_mul_right _ _ _).symm), sumTo_comm]
  apply sumTo_congr
  intro j _
  rw [← sumTo_mul_left]
  apply sumTo_congr
  intro c _
  grind

/-- ReLU commutes with a positive scale. -/
theorem relu_intCast_mul {k : α} (hk : 0 < k) (z : Int) :
    relu ((z : α) * k) = (reluInt z : α) * k := by
  unfold relu reluInt
  by_cases hz : 0 ≤ z
  · rw [if_pos hz]
    have := OrderedRing.mul_le_mul_of_nonneg_right (intCast_nonneg (α := α) hz) (Std.le_of_lt hk)
    rw [if_pos (by grind)]
  · rw [if_neg hz, Ring.intCast_zero]
    have h1 := intCast_lt (α := α) (show z < 0 by omega)
    rw [Ring.intCast_zero] at h1
    have := OrderedRing.mul_lt_mul_of_pos_right h1 hk
    rw [if_neg (by grind)]
    grind

/-- The residual stream is `residInt` times `u`. -/
theorem resid_eq (a b j c : Nat) :
    resid (α := α) m a b j c = (residInt m j (tok m a b j) c : α) * unit m := by
  unfold resid residInt
  rw [weight_eq, weight_eq, Ring.intCast_add]
  grind

/-- The value is `valueInt` times `u²`. -/
theorem value_eq (a b j e : Nat) :
    value (α := α) m a b j e = (valueInt m j (tok m a b j) e : α) * (unit m * unit m) := by
  unfold value valueInt
  simp only [resid_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

/-- The OV circuit of one position is `ovInt` times `u³`. -/
theorem ov_eq (a b j c : Nat) :
    (sumTo m.dHeads fun e => value (α := α) m a b j e * weight m m.wOT c e) =
      (ovInt m j (tok m a b j) c : α) * ((unit m * unit m) * unit m) := by
  unfold ovInt
  simp only [value_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

/-- The stream at `'='`: `'='`'s own residual (unit `u`) plus the two OV terms (unit `u³ / 2`). -/
theorem stream_eq (a b c : Nat) :
    stream (α := α) m a b c =
      (residInt m 2 m.p c : α) * unit m +
        (ovInt m 0 a c : α) * ((unit m * unit m) * unit m / 2) +
        (ovInt m 1 b c : α) * ((unit m * unit m) * unit m / 2) := by
  unfold stream
  rw [resid_eq, sumTo_congr (g := fun e =>
      value (α := α) m a b 0 e * weight m m.wOT c e * 2⁻¹ +
        value (α := α) m a b 1 e * weight m m.wOT c e * 2⁻¹) (fun e _ => by grind),
    sumTo_add, sumTo_mul_right, sumTo_mul_right, ov_eq, ov_eq]
  show (residInt m 2 m.p c : α) * unit m + _ = _
  simp only [tok]
  grind

theorem pre_eq (a b n : Nat) :
    pre (α := α) m a b n = (preInt m a b n : α) * ((unit m * unit m) * (unit m * unit m) / 2) := by
  unfold pre preInt preTab preConst
  simp only [stream_eq, weight_eq, Semiring.right_distrib, sumTo_add, sumTo_mul_mul,
    Ring.intCast_add, Ring.intCast_mul, sumTo_cast, intCast_pow2]
  have hu := unit_mul (α := α) m
  rw [show 2 * m.shift + 1 = (m.shift + m.shift) + 1 by omega,
    show 3 * m.shift + 1 = ((m.shift + m.shift) + m.shift) + 1 by omega]
  simp only [Semiring.pow_add, Semiring.pow_one]
  generalize (2 : α) ^ m.shift = P at hu ⊢
  generalize unit (α := α) m = u at hu ⊢
  generalize (sumTo m.dModel fun c => (residInt m 2 m.p c : α) * (entry m.wInT n c : α)) = X at ⊢
  generalize (sumTo m.dModel fun c => (ovInt m 0 a c : α) * (entry m.wInT n c : α)) = Y at ⊢
  generalize (sumTo m.dModel fun c => (ovInt m 1 b c : α) * (entry m.wInT n c : α)) = Z at ⊢
  grind

/-- The scale `u⁴ / 2` of the pre-activations is positive. -/
theorem pre_scale_pos : (0 : α) < (unit m * unit m) * (unit m * unit m) / 2 := by
  have hu := unit_pos (α := α) m
  have h2 : (0 : α) < 2 := by
    have := two_pow_pos (α := α) 1
    rwa [Semiring.pow_one] at this
  have hu2 := OrderedRing.mul_pos hu hu
  rw [Field.div_eq_mul_inv]
  exact OrderedRing.mul_pos (OrderedRing.mul_pos hu2 hu2) (Field.IsOrdered.inv_pos_iff.2 h2)

/-- The MLP output: the ReLU part (unit `u⁵ / 2`) plus `b_out` (unit `u`). -/
theorem mlpOut_eq (a b c : Nat) :
    mlpOut (α := α) m a b c =
      (sumTo m.dMlp fun n => (reluInt (preInt m a b n) : α) * (entry m.wOut n c : α)) *
          ((unit m * unit m) * (unit m * unit m) / 2 * unit m) +
        (entry m.bOut 0 c : α) * unit m := by
  unfold mlpOut
  simp only [pre_eq, relu_intCast_mul (pre_scale_pos m), weight_eq, sumTo_mul_mul]

theorem logit_eq (a b y : Nat) :
    logit (α := α) m a b y =
      (logitInt m a b y : α) * ((unit m * unit m) * ((unit m * unit m) * (unit m * unit m)) / 2) := by
  unfold logit logitInt linConst ovuTab mTab
  simp only [stream_eq, mlpOut_eq, weight_eq, Semiring.right_distrib, sumTo_add, sumTo_mul_mul,
    sumTo_sum_mul, Ring.intCast_add, Ring.intCast_mul, sumTo_cast, intCast_pow2]
  have hu := unit_mul (α := α) m
  rw [show 2 * m.shift = m.shift + m.shift by omega,
    show 4 * m.shift + 1 = (((m.shift + m.shift) + m.shift) + m.shift) + 1 by omega]
  simp only [Semiring.pow_add, Semiring.pow_one]
  generalize (2 : α) ^ m.shift = P at hu ⊢
  generalize unit (α := α) m = u at hu ⊢
  generalize (sumTo m.dModel fun c => (residInt m 2 m.p c : α) * (entry m.wU c y : α)) = X at ⊢
  generalize (sumTo m.dModel fun c => (ovInt m 0 a c : α) * (entry m.wU c y : α)) = Y at ⊢
  generalize (sumTo m.dModel fun c => (ovInt m 1 b c : α) * (entry m.wU c y : α)) = Z at ⊢
  generalize (sumTo m.dModel fun c => (entry m.bOut 0 c : α) * (entry m.wU c y : α)) = B at ⊢
  generalize (sumTo m.dMlp fun n => (reluInt (preInt m a b n) : α) *
    sumTo m.dModel fun c => (entry m.wOut n c : α) * (entry m.wU c y : α)) = M at ⊢
  grind

/-- Integer margins decide `Correct`. -/
theorem correct_of_logitInt (a b : Nat)
    (h : ∀ c, c < m.p → c ≠ (a + b) % m.p → logitInt m a b c < logitInt m a b ((a + b) % m.p)) :
    Correct (α := α) m a b := by
  intro c hc hne
  rw [logit_eq, logit_eq]
  have hu2 := pre_scale_pos (α := α) m
  have hu := unit_pos (α := α) m
  have hk : (0 : α) < (unit m * unit m) * ((unit m * unit m) * (unit m * unit m)) / 2 := by
    have h := OrderedRing.mul_pos (OrderedRing.mul_pos hu hu) hu2
    grind
  exact OrderedRing.mul_lt_mul_of_pos_right (intCast_lt (h c hc hne)) hk

end

end CompactProofs.ModAdd
