module

/-!
# Finite sums and algebra over an abstract ordered field

`sumTo n f = f 0 + … + f (n - 1)`, the one finite sum of the library (both model families
state their semantics with it), and small lemmas over core's ordered fields (`Lean.Grind.Field` + `Lean.Grind.OrderedRing`)
that `grind` does not find by itself: monotonicity of the integer cast, positivity of
powers of two, cancellation of positive factors, and the laws of `sumTo` (casts,
distributivity, exchange of two sums, termwise comparison), over `α` and over `Int` and `Nat`.

## What is proved
Exactly the lemmas below, for every ordered field `α` (as in the semantics of both model
families) and for `Int` and `Nat`. No facts about `exp` or `sqrt` are used here.
-/

namespace CompactProofs

open Lean.Grind

@[expose] public section

attribute [local instance] Ring.intCast Semiring.natCast

set_option linter.unusedSectionVars false

/-- `sumTo n f = f 0 + f 1 + ... + f (n - 1)`. -/
def sumTo {β : Type} [Add β] [OfNat β 0] : Nat → (Nat → β) → β
  | 0, _ => 0
  | n + 1, f => sumTo n f + f n

/-- `2 ^ k` as an integer, computed through `Nat` (fast in the kernel). -/
def pow2 (k : Nat) : Int := ((2 ^ k : Nat) : Int)

theorem pow2_pos (k : Nat) : 0 < pow2 k := by
  unfold pow2
  have := Nat.two_pow_pos k
  omega

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α]

theorem zero_lt_one' : (0 : α) < 1 := OrderedRing.zero_lt_one

theorem intCast_nonneg {x : Int} (h : 0 ≤ x) : (0 : α) ≤ (x : α) := by
  obtain ⟨n, rfl⟩ := Int.eq_ofNat_of_zero_le h
  rw [Ring.intCast_natCast]
  exact OrderedRing.natCast_nonneg

theorem intCast_le {x y : Int} (h : x ≤ y) : (x : α) ≤ (y : α) := by
  have h2 := intCast_nonneg (α := α) (Int.sub_nonneg_of_le h)
  rw [Ring.intCast_sub] at h2
  grind

theorem intCast_lt {x y : Int} (h : x < y) : (x : α) < (y : α) := by
  have h2 := intCast_le (α := α) (show x + 1 ≤ y by omega)
  rw [Ring.intCast_add, Ring.intCast_one] at h2
  have := zero_lt_one' (α := α)
  grind

theorem intCast_pos {x : Int} (h : 0 < x) : (0 : α) < (x : α) := by
  have := intCast_lt (α := α) h
  rwa [Ring.intCast_zero] at this

theorem two_pow_pos : ∀ n : Nat, (0 : α) < 2 ^ n
  | 0 => by rw [Semiring.pow_zero]; exact zero_lt_one'
  | n + 1 => by
    rw [Semiring.pow_succ]
    have := zero_lt_one' (α := α)
    exact OrderedRing.mul_pos (two_pow_pos n) (by grind)

theorem intCast_pow2 (k : Nat) : ((pow2 k : Int) : α) = 2 ^ k := by
  unfold pow2
  rw [Ring.intCast_natCast, Semiring.natCast_pow]
  grind

theorem le_of_mul_le_mul_right {a b c : α} (hc : 0 < c) (h : a * c ≤ b * c) : a ≤ b :=
  (Field.IsOrdered.mul_le_mul_iff_of_pos_right hc).1 h

theorem mul_self_le_mul_self {a b : α} (ha : 0 ≤ a) (h : a ≤ b) : a * a ≤ b * b := by
  have h1 := OrderedRing.mul_le_mul_of_nonneg_left h ha
  have h2 := OrderedRing.mul_le_mul_of_nonneg_right h (Std.le_trans ha h)
  exact Std.le_trans h1 h2

theorem mul_self_lt_mul_self {a b : α} (ha : 0 ≤ a) (h : a < b) : a * a < b * b := by
  have hb : 0 < b := Std.lt_of_le_of_lt ha h
  have h1 := OrderedRing.mul_le_mul_of_nonneg_left (Std.le_of_lt h) ha
  have h2 := OrderedRing.mul_lt_mul_of_pos_right h hb
  exact Std.lt_of_le_of_lt h1 h2

theorem pos_of_mul_pos_left {a b : α} (ha : 0 < a) (h : 0 < a * b) : 0 < b := by
  apply Classical.byContradiction
  intro hb
  have hb' : b ≤ 0 := by grind
  have := OrderedRing.mul_le_mul_of_nonneg_left hb' (Std.le_of_lt ha)
  grind

/-! ## Sums -/

theorem sumTo_zero (n : Nat) : sumTo n (fun _ => (0 : α)) = 0 := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [sumTo, ih]; grind

theorem sumTo_cast (n : Nat) (f : Nat → Int) :
    ((sumTo n f : Int) : α) = sumTo n fun j => (f j : α) := by
  induction n with
  | zero => simp only [sumTo]; exact Ring.intCast_zero
  | succ n ih => simp only [sumTo]; rw [Ring.intCast_add, ih]

theorem sumTo_add (n : Nat) (f g : Nat → α) :
    sumTo n (fun j => f j + g j) = sumTo n f + sumTo n g := by
  induction n with
  | zero => simp only [sumTo]; grind
  | succ n ih => simp only [sumTo]; rw [ih]; grind

theorem sumTo_sub (n : Nat) (f g : Nat → α) :
    sumTo n (fun j => f j - g j) = sumTo n f - sumTo n g := by
  induction n with
  | zero => simp only [sumTo]; grind
  | succ n ih => simp only [sumTo]; rw [ih]; grind

theorem sumTo_mul_right (n : Nat) (f : Nat → α) (k : α) :
    sumTo n (fun j => f j * k) = sumTo n f * k := by
  induction n with
  | zero => simp only [sumTo]; grind
  | succ n ih => simp only [sumTo]; rw [ih]; grind

theorem sumTo_mul_left (n : Nat) (f : Nat → α) (k : α) :
    sumTo n (fun j => k * f j) = k * sumTo n f := by
  induction n with
  | zero => simp only [sumTo]; grind
  | succ n ih => simp only [sumTo]; rw [ih]; grind

theorem sumTo_comm (n p : Nat) (f : Nat → Nat → α) :
    (sumTo n fun a => sumTo p fun b => f a b) = sumTo p fun b => sumTo n fun a => f a b := by
  induction n with
  | zero => simp only [sumTo]; exact (sumTo_zero p).symm
  | succ n ih => simp only [sumTo]; rw [ih, sumTo_add]

theorem sumTo_congr {β : Type} [Add β] [OfNat β 0] {n : Nat} {f g : Nat → β}
    (h : ∀ j, j < n → f j = g j) : sumTo n f = sumTo n g := by
  induction n with
  | zero => rfl
  | succ n ih =>
    simp only [sumTo]
    rw [ih (fun j hj => h j (by omega)), h n (by omega)]

theorem sumTo_le {n : Nat} {f g : Nat → α} (h : ∀ j, j < n → f j ≤ g j) :
    sumTo n f ≤ sumTo n g := by
  induction n with
  | zero => exact Std.le_refl _
  | succ n ih =>
    simp only [sumTo]
    have h1 := ih (fun j hj => h j (by omega))
    have h2 := h n (by omega)
    grind

theorem sumTo_pos {n : Nat} {f : Nat → α} (hn : 0 < n) (h : ∀ j, 0 < f j) : 0 < sumTo n f := by
  induction n with
  | zero => omega
  | succ n ih =>
    simp only [sumTo]
    have h2 := h n
    cases n with
    | zero => simp only [sumTo]; grind
    | succ n => have h1 := ih (by omega); grind

/-- The cast of an integer dot product, with one scale factor per side. -/
theorem sumTo_scaled_dot (n : Nat) (f g : Nat → Int) (a b : α) :
    (sumTo n fun c => ((f c : α) * a) * ((g c : α) * b)) =
      ((sumTo n fun c => f c * g c : Int) : α) * (a * b) := by
  rw [sumTo_cast, ← sumTo_mul_right]
  apply sumTo_congr
  intro j _
  rw [Ring.intCast_mul]
  grind

/-! ## Sums of integers and naturals -/

theorem pow2_add (a b : Nat) : pow2 (a + b) = pow2 a * pow2 b := by
  simp only [pow2, Nat.pow_add]; rfl

theorem sumTo_add_int (n : Nat) (f g : Nat → Int) :
    (sumTo n fun i => f i + g i) = sumTo n f + sumTo n g := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [sumTo, ih]; omega

theorem sumTo_mul_int (n : Nat) (B : Int) (f : Nat → Int) :
    (sumTo n fun i => B * f i) = B * sumTo n f := by
  induction n with
  | zero => simp [sumTo]
  | succ n ih => simp only [sumTo, ih, Int.mul_add]

theorem sumTo_zero_int (n : Nat) : (sumTo n fun _ => (0 : Int)) = 0 := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [sumTo, ih, Int.add_zero]

theorem sumTo_succ_left (n : Nat) (f : Nat → Int) :
    sumTo (n + 1) f = f 0 + sumTo n fun i => f (i + 1) := by
  induction n with
  | zero => simp [sumTo]
  | succ n ih =>
    rw [sumTo, ih, sumTo]
    omega

theorem sumTo_sub_int (n : Nat) (f g : Nat → Int) :
    (sumTo n fun i => f i - g i) = sumTo n f - sumTo n g := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [sumTo, ih]; omega

theorem sumTo_comm_int (n k : Nat) (f : Nat → Nat → Int) :
    (sumTo n fun a => sumTo k fun b => f a b) = sumTo k fun b => sumTo n fun a => f a b := by
  induction n with
  | zero => exact (sumTo_zero_int k).symm
  | succ n ih => simp only [sumTo]; rw [ih, ← sumTo_add_int]

theorem sumTo_le_int {n : Nat} {f g : Nat → Int} (h : ∀ i, i < n → f i ≤ g i) :
    sumTo n f ≤ sumTo n g := by
  induction n with
  | zero => exact Int.le_refl _
  | succ n ih =>
    simp only [sumTo]
    have := ih (fun i hi => h i (by omega))
    have := h n (by omega)
    omega

theorem sumTo_neg_int (n : Nat) (f : Nat → Int) : (sumTo n fun i => -f i) = -sumTo n f := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [sumTo, ih]; omega

theorem sumTo_mul_right_int (n : Nat) (f : Nat → Int) (B : Int) :
    (sumTo n fun i => f i * B) = sumTo n f * B := by
  rw [Int.mul_comm, ← sumTo_mul_int]
  exact sumTo_congr fun i _ => Int.mul_comm _ _

theorem sumTo_mul_comm (k : Nat) (f g : Nat → Int) :
    (sumTo k fun j => f j * g j) = sumTo k fun j => g j * f j :=
  sumTo_congr fun _ _ => Int.mul_comm _ _

theorem sum_append_nat (b : List Nat) : ∀ a : List Nat, (a ++ b).sum = a.sum + b.sum
  | [] => by simp
  | x :: a => by
    simp only [List.cons_append, List.sum_cons, sum_append_nat b a]
    omega

theorem sum_map_range (g : Nat → Nat) : ∀ n, ((List.range n).map g).sum = sumTo n g
  | 0 => rfl
  | n + 1 => by
    rw [List.range_succ, List.map_append, sum_append_nat, sum_map_range g n]
    simp [sumTo]

theorem sumTo_le_nat {n : Nat} {f g : Nat → Nat} (h : ∀ j, j < n → f j ≤ g j) :
    sumTo n f ≤ sumTo n g := by
  induction n with
  | zero => exact Nat.le_refl 0
  | succ n ih =>
    simp only [sumTo]
    have := ih (fun j hj => h j (by omega))
    have := h n (by omega)
    omega

end

end CompactProofs
