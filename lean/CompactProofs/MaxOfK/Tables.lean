module

public import CompactProofs.MaxOfK.ExpBounds

/-!
# The forward pass as exact integer tables

With `u = 1 / 2^shift`, every quantity of the forward pass at the last position is an
integer times a power of `u`:

* `resid x i c = residInt i (x_i) c · u`,
* `score x i = scoreInt q i (x_i) · u⁴ / sqrt d_head` where `q = x_(K-1)`,
* `logit x y = directInt q y · u² + Σ_i attention x i · ovuInt i (x_i) y · u⁴`.

Since the softmax denominator `Z = Σ_j exp (score x j)` is positive,
`logit x y' - logit x y = (u⁴ / Z) · Σ_i exp (score x i) · coefM x i y' y` with the integer
coefficients `coefM` (`logit_sub`). The checker decides the sign of that sum.

## What is proved
`resid_eq`, `score_eq`, `logit_eq`, `logit_sub`: identities between the real-number
forward pass of `CompactProofs.MaxOfK.Semantics` and the integer tables below, for every
ordered field with an `ExpSqrt` structure. No inequality is proved here.
-/

namespace CompactProofs.MaxOfK

open Lean.Grind

@[expose] public noncomputable section

attribute [local instance] Ring.intCast Semiring.natCast

set_option linter.unusedSectionVars false

/-- Residual stream of token `t` at position `i` (in units of `u`). -/
def residInt (m : Model) (i t c : Nat) : Int := entry m.wE t c + entry m.wPos i c

/-- Query of token `q` at the last position (units of `u²`). -/
def queryInt (m : Model) (q d : Nat) : Int :=
  sumTo m.dModel fun c => residInt m (m.nCtx - 1) q c * entry m.wQ c d

/-- Key of token `t` at position `i` (units of `u²`). -/
def keyInt (m : Model) (i t d : Nat) : Int :=
  sumTo m.dModel fun c => residInt m i t c * entry m.wK c d

/-- Unscaled attention score of query token `q` on token `t` at position `i` (units of
`u⁴`; the real score also carries the factor `1 / sqrt d_head`). -/
def scoreInt (m : Model) (q i t : Nat) : Int :=
  sumTo m.dHead fun d => queryInt m q d * keyInt m i t d

/-- Value of token `t` at position `i` (units of `u²`). -/
def valueInt (m : Model) (i t d : Nat) : Int :=
  sumTo m.dModel fun c => residInt m i t c * entry m.wV c d

/-- Value times `W_O` (units of `u³`). -/
def ovInt (m : Model) (i t c : Nat) : Int :=
  sumTo m.dHead fun d => valueInt m i t d * entry m.wO d c

/-- OV circuit: logit `y` contributed by token `t` at position `i` (units of `u⁴`). -/
def ovuInt (m : Model) (i t y : Nat) : Int :=
  sumTo m.dModel fun c => ovInt m i t c * entry m.wU c y

/-- Direct path: logit `y` of query token `q` (units of `u²`). -/
def directInt (m : Model) (q y : Nat) : Int :=
  sumTo m.dModel fun c => residInt m (m.nCtx - 1) q c * entry m.wU c y

/-- Integer coefficient of `exp (score x i)` in `(logit x y' - logit x y) · Z / u⁴`. -/
def coefM (m : Model) (x : List Nat) (i y' y : Nat) : Int :=
  (directInt m (tok x (m.nCtx - 1)) y' - directInt m (tok x (m.nCtx - 1)) y) *
      pow2 (2 * m.shift) +
    (ovuInt m i (tok x i) y' - ovuInt m i (tok x i) y)

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (F : ExpSqrt α) (m : Model)

/-- The unit `u = 1 / 2^shift`. -/
abbrev unit : α := ((2 : α) ^ m.shift)⁻¹

theorem unit_mul : unit (α := α) m * 2 ^ m.shift = 1 := by
  have := two_pow_pos (α := α) m.shift
  have h : (2 : α) ^ m.shift ≠ 0 := fun h0 => by rw [h0] at this; grind
  have := Field.mul_inv_cancel h
  grind

theorem unit_pos : 0 < unit (α := α) m :=
  Field.IsOrdered.inv_pos_iff.2 (two_pow_pos m.shift)

theorem weight_eq (M : IntMatrix) (i j : Nat) :
    weight (α := α) m M i j = (entry M i j : α) * unit m := Field.div_eq_mul_inv _ _

theorem resid_eq (x : List Nat) (i c : Nat) :
    resid (α := α) m x i c = (residInt m i (tok x i) c : α) * unit m := by
  unfold resid residInt
  rw [weight_eq, weight_eq, Ring.intCast_add]
  grind

theorem query_eq (x : List Nat) (d : Nat) :
    query (α := α) m x d = (queryInt m (tok x (m.nCtx - 1)) d : α) * (unit m * unit m) := by
  unfold query queryInt
  simp only [resid_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

theorem key_eq (x : List Nat) (i d : Nat) :
    key (α := α) m x i d = (keyInt m i (tok x i) d : α) * (unit m * unit m) := by
  unfold key keyInt
  simp only [resid_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

theorem value_eq (x : List Nat) (i d : Nat) :
    value (α := α) m x i d = (valueInt m i (tok x i) d : α) * (unit m * unit m) := by
  unfold value valueInt
  simp only [resid_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

theorem score_eq (x : List Nat) (i : Nat) :
    score F m x i = (scoreInt m (tok x (m.nCtx - 1)) i (tok x i) : α) *
      ((unit m * unit m) * (unit m * unit m)) / F.sqrt (m.dHead : α) := by
  unfold score scoreInt
  simp only [query_eq, key_eq]
  rw [sumTo_scaled_dot]

theorem ov_eq (x : List Nat) (i c : Nat) :
    (sumTo m.dHead fun d => value (α := α) m x i d * weight m m.wO d c) =
      (ovInt m i (tok x i) c : α) * ((unit m * unit m) * unit m) := by
  unfold ovInt
  simp only [value_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

theorem direct_eq (x : List Nat) (y : Nat) :
    (sumTo m.dModel fun c => resid (α := α) m x (m.nCtx - 1) c * weight m m.wU c y) =
      (directInt m (tok x (m.nCtx - 1)) y : α) * (unit m * unit m) := by
  unfold directInt
  simp only [resid_eq, weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

theorem ovu_eq (i t y : Nat) :
    (sumTo m.dModel fun c => (ovInt m i t c : α) * ((unit m * unit m) * unit m) *
        weight m m.wU c y) =
      (ovuInt m i t y : α) * (((unit m * unit m) * unit m) * unit m) := by
  unfold ovuInt
  simp only [weight_eq]
  exact sumTo_scaled_dot _ _ _ _ _

theorem logit_eq (x : List Nat) (y : Nat) :
    logit F m x y = (directInt m (tok x (m.nCtx - 1)) y : α) * (unit m * unit m) +
      sumTo m.nCtx fun i => attention F m x i *
        ((ovuInt m i (tok x i) y : α) * (((unit m * unit m) * unit m) * unit m)) := by
  unfold logit
  rw [sumTo_congr (g := fun c => resid (α := α) m x (m.nCtx - 1) c * weight m m.wU c y +
      sumTo m.nCtx fun i => attention F m x i *
        ((ovInt m i (tok x i) c : α) * ((unit m * unit m) * unit m) * weight m m.wU c y))]
  · rw [sumTo_add, direct_eq, sumTo_comm]
    congr 1
    apply sumTo_congr
    intro i _
    rw [sumTo_mul_left, ovu_eq]
  · intro c _
    unfold headOut
    simp only [ov_eq]
    rw [Semiring.right_distrib, ← sumTo_mul_right]
    congr 1
    apply sumTo_congr
    intro i _
    grind

theorem logit_sub (hK : 0 < m.nCtx) (x : List Nat) (y' y : Nat) :
    logit F m x y' - logit F m x y =
      ((sumTo m.nCtx fun j => F.exp (score F m x j))⁻¹ *
          (((unit m * unit m) * unit m) * unit m)) *
        sumTo m.nCtx fun i => F.exp (score F m x i) * (coefM m x i y' y : α) := by
  have hZ : 0 < sumTo m.nCtx fun j => F.exp (score F m x j) :=
    sumTo_pos hK fun j => F.exp_pos _
  have hcoef : (sumTo m.nCtx fun i => F.exp (score F m x i) * (coefM m x i y' y : α)) =
      (sumTo m.nCtx fun j => F.exp (score F m x j) *
          (((directInt m (tok x (m.nCtx - 1)) y' : α) - (directInt m (tok x (m.nCtx - 1)) y : α)) *
            (2 ^ m.shift * 2 ^ m.shift))) +
        sumTo m.nCtx fun i => F.exp (score F m x i) *
          ((ovuInt m i (tok x i) y' : α) - (ovuInt m i (tok x i) y : α)) := by
    rw [← sumTo_add]
    apply sumTo_congr
    intro i _
    unfold coefM
    simp only [Ring.intCast_add, Ring.intCast_sub, Ring.intCast_mul, intCast_pow2]
    rw [show 2 * m.shift = m.shift + m.shift by omega, Semiring.pow_add]
    grind
  rw [hcoef, sumTo_mul_right, logit_eq, logit_eq]
  unfold attention
  have hs : ((sumTo m.nCtx fun i => F.exp (score F m x i) / (sumTo m.nCtx fun j => F.exp (score F m x j)) *
        ((ovuInt m i (tok x i) y' : α) * (((unit m * unit m) * unit m) * unit m))) -
      sumTo m.nCtx fun i => F.exp (score F m x i) / (sumTo m.nCtx fun j => F.exp (score F m x j)) *
        ((ovuInt m i (tok x i) y : α) * (((unit m * unit m) * unit m) * unit m))) =
      ((sumTo m.nCtx fun j => F.exp (score F m x j))⁻¹ * (((unit m * unit m) * unit m) * unit m)) *
        sumTo m.nCtx fun i => F.exp (score F m x i) *
          ((ovuInt m i (tok x i) y' : α) - (ovuInt m i (tok x i) y : α)) := by
    rw [← sumTo_sub, ← sumTo_mul_left]
    apply sumTo_congr
    intro i _
    grind
  have hu := unit_mul (α := α) m
  generalize (sumTo m.nCtx fun j => F.exp (score F m x j)) = Z at hZ hs ⊢
  generalize (sumTo m.nCtx fun i => F.exp (score F m x i) / Z *
        ((ovuInt m i (tok x i) y' : α) * (((unit m * unit m) * unit m) * unit m))) = S1 at hs ⊢
  generalize (sumTo m.nCtx fun i => F.exp (score F m x i) / Z *
        ((ovuInt m i (tok x i) y : α) * (((unit m * unit m) * unit m) * unit m))) = S2 at hs ⊢
  generalize (sumTo m.nCtx fun i => F.exp (score F m x i) *
          ((ovuInt m i (tok x i) y' : α) - (ovuInt m i (tok x i) y : α))) = A at hs ⊢
  have hZ0 : Z ≠ 0 := fun h0 => by rw [h0] at hZ; grind
  have hZi : Z * Z⁻¹ = 1 := Field.mul_inv_cancel hZ0
  grind

end

end CompactProofs.MaxOfK
