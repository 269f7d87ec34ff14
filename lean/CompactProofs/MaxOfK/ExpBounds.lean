module

public import CompactProofs.MaxOfK.Semantics

/-!
# Rational enclosures of `exp` and of `1 / sqrt d`, computed with integers

Fixed-point numbers: an integer `b` stands for `b / 2^P`. From `1 + x ≤ exp x` and
`exp (x + y) = exp x * exp y` alone (the `ExpSqrt` assumptions):

* lower bound: `exp y ≥ 1 + y`, so `exp z = exp (z / 2^n) ^ (2^n) ≥ (1 + z / 2^n) ^ (2^n)`
  (when `1 + z / 2^n ≥ 0`; otherwise the bound `0` is used);
* upper bound: `exp y * (1 - y) ≤ exp y * exp (-y) = 1`, so `exp y ≤ 1 / (1 - y)` for
  `y < 1`, and `exp z ≤ (1 - z / 2^n) ^ (-2^n)`.

The `2^n`-th powers are `n` squarings, each rounded outward to `P` fractional bits
(`sqDown`, `sqUp`), which keeps the integers small; the checks evaluate them on naturals
(`sqDownNat`, `sqUpNat`: the same numbers, `sqDown_natCast`, `sqUp_natCast`), which the kernel
computes in fewer steps. The input `z` is itself only known
through integer bounds `zLo ≤ 2^G z ≤ zHi`.

For `1 / sqrt d`: integers `lo, hi ≥ 0` with `lo² d ≤ 2^(2Q) ≤ hi² d` enclose
`2^Q / sqrt d`.

## What is proved
`ExpSqrt.exp_zero`, `ExpSqrt.exp_pos` (from the two `exp` assumptions); `expLo_sound`,
`expHi_sound`, `invSqrt_bounds`: the integers computed here are such enclosures, for every
`ExpSqrt` structure. Nothing is claimed about their tightness.
-/

namespace CompactProofs.MaxOfK

open Lean.Grind

@[expose] public section

attribute [local instance] Ring.intCast Semiring.natCast

set_option linter.unusedSectionVars false

/-- `j` fixed-point squarings `b ↦ ⌊b² / 2^P⌋` (rounded down). -/
def sqDown (P : Nat) : Nat → Int → Int
  | 0, b => b
  | j + 1, b => sqDown P j (b * b / pow2 P)

/-- `j` fixed-point squarings `b ↦ ⌈b² / 2^P⌉` (rounded up). -/
def sqUp (P : Nat) : Nat → Int → Int
  | 0, b => b
  | j + 1, b => sqUp P j (-(-(b * b) / pow2 P))

/-- `sqDown` on naturals, the form the checks evaluate (`sqDown_natCast`): the kernel
computes a `Nat` operation on literals in one step, an `Int` one through several unfoldings. -/
def sqDownNat (P : Nat) : Nat → Nat → Nat
  | 0, b => b
  | j + 1, b => sqDownNat P j (b * b / 2 ^ P)

/-- `sqUp` on naturals (`sqUp_natCast`). -/
def sqUpNat (P : Nat) : Nat → Nat → Nat
  | 0, b => b
  | j + 1, b => sqUpNat P j ((b * b + (2 ^ P - 1)) / 2 ^ P)

/-- Lower bound on `2^P exp z` given `zLo ≤ 2^G z`: `(1 + z / 2^n) ^ (2^n)`, rounded down. -/
def expLo (P G n : Nat) (zLo : Int) : Int :=
  sqDownNat P n (max 0 ((pow2 (G + n) + zLo) * pow2 P / pow2 (G + n))).toNat

/-- Upper bound on `2^P exp z` given `2^G z ≤ zHi < 2^(G+n)`: `(1 - z / 2^n) ^ (-2^n)`,
rounded up. -/
def expHi (P G n : Nat) (zHi : Int) : Int :=
  sqUpNat P n (-(-(pow2 P * pow2 (G + n)) / (pow2 (G + n) - zHi))).toNat

/-- Ceiling division of naturals, as `Int` computes it. -/
theorem natCast_ceilDiv (a d : Nat) (hd : 0 < d) :
    -(-(a : Int) / (d : Int)) = (((a + (d - 1)) / d : Nat) : Int) := by
  have h := Nat.div_add_mod (a + (d - 1)) d
  have hr := Nat.mod_lt (a + (d - 1)) hd
  generalize (a + (d - 1)) / d = Q at h ⊢
  generalize (a + (d - 1)) % d = R at h hr
  have hq : -(a : Int) / (d : Int) = -(Q : Int) := by
    have := (Int.ediv_emod_unique (a := -(a : Int)) (b := (d : Int)) (q := -(Q : Int))
      (r := (d : Int) - 1 - (R : Int)) (by omega)).2
    refine (this ⟨?_, by omega, by omega⟩).1
    rw [Int.mul_neg, ← Int.natCast_mul]
    omega
  rw [hq, Int.neg_neg]

theorem sqDown_natCast (P : Nat) : ∀ (j b : Nat), sqDown P j (b : Int) = (sqDownNat P j b : Int)
  | 0, _ => rfl
  | j + 1, b => by
    simp only [sqDown, sqDownNat]
    rw [← sqDown_natCast P j, Int.natCast_ediv, Int.natCast_mul]
    rfl

theorem sqUp_natCast (P : Nat) : ∀ (j b : Nat), sqUp P j (b : Int) = (sqUpNat P j b : Int)
  | 0, _ => rfl
  | j + 1, b => by
    simp only [sqUp, sqUpNat]
    rw [← sqUp_natCast P j, ← natCast_ceilDiv (b * b) (2 ^ P) (Nat.two_pow_pos P),
      Int.natCast_mul]
    rfl

theorem le_ceilDiv_mul (a : Int) {d : Int} (hd : 0 < d) : a ≤ -(-a / d) * d := by
  have h := Int.ediv_mul_le (-a) (show d ≠ 0 by omega)
  rw [Int.neg_mul]
  generalize -a / d * d = k at h ⊢
  omega

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (F : ExpSqrt α)

/-- `exp 0 = 1` follows from `exp 0 = exp 0 * exp 0` and `1 ≤ exp 0`. -/
theorem ExpSqrt.exp_zero (F : ExpSqrt α) : F.exp 0 = 1 := by
  have h1 := F.exp_add 0 0
  have h2 := F.one_add_le_exp 0
  rw [show (0 : α) + 0 = 0 by grind] at h1
  have hpos : (0 : α) < F.exp 0 := Std.lt_of_lt_of_le (by grind [zero_lt_one']) h2
  have h3 : F.exp 0 * F.exp 0 ≤ 1 * F.exp 0 := by rw [← h1]; grind
  exact Std.le_antisymm (le_of_mul_le_mul_right hpos h3) (by grind)

/-- `0 < exp x`: `exp x = exp (x / 2) ^ 2 ≥ 0`, and `exp x * exp (-x) = 1`. -/
theorem ExpSqrt.exp_pos (F : ExpSqrt α) (x : α) : 0 < F.exp x := by
  have h1 := F.exp_add (x / 2) (x / 2)
  rw [show x / 2 + x / 2 = x by grind] at h1
  have h2 := F.exp_add x (-x)
  rw [show x + -x = 0 by grind, ExpSqrt.exp_zero F] at h2
  have hne : F.exp x ≠ 0 := by
    intro h
    rw [h] at h2
    grind
  have hnn : 0 ≤ F.exp x := by
    rw [h1]
    rcases Std.le_total (a := (0 : α)) (b := F.exp (x / 2)) with h | h
    · exact OrderedRing.mul_nonneg h h
    · have := OrderedRing.mul_le_mul_of_nonpos_left h h
      grind
  exact Std.lt_of_le_of_ne hnn (Ne.symm hne)

theorem two_pow_mul_exp_pos (P : Nat) (t : α) : 0 < 2 ^ P * F.exp t :=
  OrderedRing.mul_pos (two_pow_pos P) (F.exp_pos t)

theorem sqDown_sound (P : Nat) : ∀ (j : Nat) (b : Int) (t : α), 0 ≤ b →
    (b : α) ≤ 2 ^ P * F.exp t → (sqDown P j b : α) ≤ 2 ^ P * F.exp (2 ^ j * t)
  | 0, b, t, _, h => by
    simp only [sqDown]
    rw [Semiring.pow_zero, Semiring.one_mul]
    exact h
  | j + 1, b, t, h0, h => by
    have hd := pow2_pos P
    have hP := two_pow_pos (α := α) P
    have h0' : 0 ≤ b * b / pow2 P := Int.ediv_nonneg (Int.mul_nonneg h0 h0) (by omega)
    have h1 := intCast_le (α := α) (Int.ediv_mul_le (b * b) (show pow2 P ≠ 0 by omega))
    rw [Ring.intCast_mul, Ring.intCast_mul, intCast_pow2] at h1
    have h2 := mul_self_le_mul_self (intCast_nonneg (α := α) h0) h
    have h' : ((b * b / pow2 P : Int) : α) ≤ 2 ^ P * F.exp (t + t) := by
      rw [F.exp_add]
      apply le_of_mul_le_mul_right hP
      grind
    have := sqDown_sound P j _ (t + t) h0' h'
    simp only [sqDown]
    have e : (2 : α) ^ (j + 1) * t = 2 ^ j * (t + t) := by rw [Semiring.pow_succ]; grind
    rw [e]
    exact this

theorem sqUp_sound (P : Nat) : ∀ (j : Nat) (b : Int) (t : α),
    2 ^ P * F.exp t ≤ (b : α) → 2 ^ P * F.exp (2 ^ j * t) ≤ (sqUp P j b : α)
  | 0, b, t, h => by
    simp only [sqUp]
    rw [Semiring.pow_zero, Semiring.one_mul]
    exact h
  | j + 1, b, t, h => by
    have hd := pow2_pos P
    have hP := two_pow_pos (α := α) P
    have h1 := intCast_le (α := α) (le_ceilDiv_mul (b * b) hd)
    rw [Ring.intCast_mul, Ring.intCast_mul, intCast_pow2] at h1
    have h2 := mul_self_le_mul_self (Std.le_of_lt (two_pow_mul_exp_pos F P t)) h
    have h' : 2 ^ P * F.exp (t + t) ≤ ((-(-(b * b) / pow2 P) : Int) : α) := by
      rw [F.exp_add]
      apply le_of_mul_le_mul_right hP
      grind
    have := sqUp_sound P j _ (t + t) h'
    simp only [sqUp]
    have e : (2 : α) ^ (j + 1) * t = 2 ^ j * (t + t) := by rw [Semiring.pow_succ]; grind
    rw [e]
    exact this

theorem expLo_sound (P G n : Nat) (zLo : Int) (z : α) (h : (zLo : α) ≤ 2 ^ G * z) :
    (expLo P G n zLo : α) ≤ 2 ^ P * F.exp z := by
  have hn := two_pow_pos (α := α) n
  have hP := two_pow_pos (α := α) P
  have hGn := two_pow_pos (α := α) (G + n)
  have hdGn := pow2_pos (G + n)
  have hpow : (2 : α) ^ (G + n) = 2 ^ G * 2 ^ n := Semiring.pow_add 2 G n
  have hy : 2 ^ n * (z / 2 ^ n) = z := by grind
  have hz : (zLo : α) ≤ 2 ^ (G + n) * (z / 2 ^ n) := by
    rw [hpow, Semiring.mul_assoc, hy]; exact h
  generalize z / 2 ^ n = y at hy hz
  subst hy
  have hbase : 0 ≤ max 0 ((pow2 (G + n) + zLo) * pow2 P / pow2 (G + n)) ∧
      ((max 0 ((pow2 (G + n) + zLo) * pow2 P / pow2 (G + n)) : Int) : α) ≤ 2 ^ P * F.exp y := by
    generalize hv : (pow2 (G + n) + zLo) * pow2 P / pow2 (G + n) = v
    cases Int.le_total v 0 with
    | inl hv0 =>
      rw [Int.max_eq_left hv0, Ring.intCast_zero]
      exact ⟨Int.le_refl 0, Std.le_of_lt (two_pow_mul_exp_pos F P y)⟩
    | inr hv0 =>
      rw [Int.max_eq_right hv0]
      refine ⟨hv0, ?_⟩
      have h1 := intCast_le (α := α)
        (Int.ediv_mul_le ((pow2 (G + n) + zLo) * pow2 P) (show pow2 (G + n) ≠ 0 by omega))
      rw [hv, Ring.intCast_mul, Ring.intCast_mul, Ring.intCast_add, intCast_pow2, intCast_pow2] at h1
      have e1 := OrderedRing.mul_le_mul_of_nonneg_right hz (Std.le_of_lt hP)
      have e2 := OrderedRing.mul_le_mul_of_nonneg_right (F.one_add_le_exp y)
        (Std.le_of_lt (OrderedRing.mul_pos hGn hP))
      apply le_of_mul_le_mul_right hGn
      grind
  unfold expLo
  rw [← sqDown_natCast, Int.toNat_of_nonneg hbase.1]
  exact sqDown_sound F P n _ y hbase.1 hbase.2

theorem expHi_sound (P G n : Nat) (zHi : Int) (z : α) (h : 2 ^ G * z ≤ (zHi : α))
    (hlt : zHi < pow2 (G + n)) : 2 ^ P * F.exp z ≤ (expHi P G n zHi : α) := by
  have hn := two_pow_pos (α := α) n
  have hP := two_pow_pos (α := α) P
  have hGn := two_pow_pos (α := α) (G + n)
  have hpow : (2 : α) ^ (G + n) = 2 ^ G * 2 ^ n := Semiring.pow_add 2 G n
  have hy : 2 ^ n * (z / 2 ^ n) = z := by grind
  have hz : 2 ^ (G + n) * (z / 2 ^ n) ≤ (zHi : α) := by
    rw [hpow, Semiring.mul_assoc, hy]; exact h
  generalize z / 2 ^ n = y at hy hz
  subst hy
  have hδ : 0 < pow2 (G + n) - zHi := by omega
  have hδ' := intCast_pos (α := α) hδ
  rw [Ring.intCast_sub, intCast_pow2] at hδ'
  have h1 := intCast_le (α := α) (le_ceilDiv_mul (pow2 P * pow2 (G + n)) hδ)
  rw [Ring.intCast_mul, Ring.intCast_mul, Ring.intCast_sub, intCast_pow2, intCast_pow2] at h1
  -- exp y * (1 - y) ≤ exp y * exp (-y) = 1
  have e1 : F.exp y * (1 + -y) ≤ 1 := by
    have := OrderedRing.mul_le_mul_of_nonneg_left (F.one_add_le_exp (-y)) (Std.le_of_lt (F.exp_pos y))
    rw [← F.exp_add, show y + -y = 0 by grind, F.exp_zero] at this
    exact this
  have e2 : (2 : α) ^ (G + n) - (zHi : α) ≤ 2 ^ (G + n) * (1 + -y) := by grind
  have e3 := OrderedRing.mul_le_mul_of_nonneg_left e2 (Std.le_of_lt (F.exp_pos y))
  have e4 := OrderedRing.mul_le_mul_of_nonneg_left e1 (Std.le_of_lt hGn)
  have e5 : F.exp y * ((2 : α) ^ (G + n) - (zHi : α)) ≤ 2 ^ (G + n) := by grind
  have e6 := OrderedRing.mul_le_mul_of_nonneg_left e5 (Std.le_of_lt hP)
  have hbase : 2 ^ P * F.exp y ≤
      ((-(-(pow2 P * pow2 (G + n)) / (pow2 (G + n) - zHi)) : Int) : α) := by
    apply le_of_mul_le_mul_right hδ'
    grind
  have hstart : 0 ≤ -(-(pow2 P * pow2 (G + n)) / (pow2 (G + n) - zHi)) := by
    rw [show pow2 (G + n) - zHi = ((pow2 (G + n) - zHi).toNat : Int) from
        (Int.toNat_of_nonneg (by omega)).symm,
      show pow2 P * pow2 (G + n) = ((2 ^ P * 2 ^ (G + n) : Nat) : Int) from
        (Int.natCast_mul _ _).symm, natCast_ceilDiv _ _ (by omega)]
    exact Int.natCast_nonneg _
  unfold expHi
  rw [← sqUp_natCast, Int.toNat_of_nonneg hstart]
  exact sqUp_sound F P n _ y hbase

theorem invSqrt_bounds {d : Nat} (hd : 0 < d) (Q : Nat) {lo hi : Int}
    (hlo : lo * lo * (d : Int) ≤ pow2 Q * pow2 Q) (hhi0 : 0 ≤ hi)
    (hhi : pow2 Q * pow2 Q ≤ hi * hi * (d : Int)) :
    (lo : α) ≤ 2 ^ Q * (F.sqrt (d : α))⁻¹ ∧ 2 ^ Q * (F.sqrt (d : α))⁻¹ ≤ (hi : α) := by
  have hd' : (0 : α) < (d : α) := by
    have := intCast_pos (α := α) (show (0 : Int) < (d : Int) by omega)
    rwa [Ring.intCast_natCast] at this
  have hs := F.sqrt_pos _ hd'
  have hss := F.sqrt_mul_self _ hd'
  have hr : 0 < (F.sqrt (d : α))⁻¹ := Field.IsOrdered.inv_pos_iff.2 hs
  have hQ := two_pow_pos (α := α) Q
  have hR : 0 < 2 ^ Q * (F.sqrt (d : α))⁻¹ := OrderedRing.mul_pos hQ hr
  have hRR : (2 ^ Q * (F.sqrt (d : α))⁻¹) * (2 ^ Q * (F.sqrt (d : α))⁻¹) * (d : α) =
      2 ^ Q * 2 ^ Q := by
    have hs0 : F.sqrt (d : α) ≠ 0 := fun h0 => by rw [h0] at hs; grind
    rw [← hss]
    grind
  generalize 2 ^ Q * (F.sqrt (d : α))⁻¹ = R at hR hRR
  have clo := intCast_le (α := α) hlo
  have chi := intCast_le (α := α) hhi
  simp only [Ring.intCast_mul, Ring.intCast_natCast, intCast_pow2] at clo chi
  constructor
  · apply Classical.byContradiction
    intro hn
    have hlt : R < (lo : α) := by grind
    have e1 := mul_self_lt_mul_self (Std.le_of_lt hR) hlt
    have e2 := OrderedRing.mul_lt_mul_of_pos_right e1 hd'
    grind
  · apply Classical.byContradiction
    intro hn
    have hlt : (hi : α) < R := by grind
    have e1 := mul_self_lt_mul_self (intCast_nonneg (α := α) hhi0) hlt
    have e2 := OrderedRing.mul_lt_mul_of_pos_right e1 hd'
    grind

end

end CompactProofs.MaxOfK
