module

public import CompactProofs.Core.Packed

/-!
# SIMD within a big integer: ReLU of every field at once

A vector of naturals below `2 ^ w` packs into one natural, `packNat w n g = g 0 + 2^w · g 1 + …`.
The kernel evaluates `&&&`, `*`, `/` and `-` on big naturals with a few reduction steps each,
so a function that acts on every field through them costs a handful of steps for the whole
vector instead of a walk over its entries.

`reluPacked` is ReLU in offset binary: a field holding `x + 2^(w-1)` (with
`-2^(w-1) ≤ x < 2^(w-1)`) becomes `max x 0`. It reads the top bit of every field
(`&&&` with `2^(w-1)` in each field), spreads it over the field (`· (2^w - 1)`), masks, and
subtracts the offsets: five big-integer operations.

## What is proved
* `land_packNat`: `&&&` acts field by field;
* `reluPacked_eq`: `reluPacked` is ReLU on every field;
* `unpack_packNat`: `unpack` reads the fields of an offset-binary pack back;
* `packNat_cast`, `packFn_add`, `packFn_const_mul`: links with the signed packs of
  `CompactProofs.Core.Packed`.
-/

namespace CompactProofs

@[expose] public noncomputable section

/-- The naturals `g 0, …, g (n - 1)` as fields of width `w`, lowest first. -/
def packNat (w : Nat) : Nat → (Nat → Nat) → Nat
  | 0, _ => 0
  | n + 1, g => g 0 + 2 ^ w * packNat w n fun d => g (d + 1)

/-- ReLU of every field of an offset-binary pack; `ones = packNat w n (fun _ => 1)`. -/
def reluPacked (w ones X : Nat) : Nat :=
  let h := 2 ^ (w - 1)
  let ind := (X &&& h * ones) / h
  (X &&& ind * (2 ^ w - 1)) - h * ind

theorem land_block {w x m : Nat} (hx : x < 2 ^ w) (hm : m < 2 ^ w) (X M : Nat) :
    (x + 2 ^ w * X) &&& (m + 2 ^ w * M) = (x &&& m) + 2 ^ w * (X &&& M) := by
  apply Nat.eq_of_testBit_eq
  intro i
  rw [Nat.add_comm x, Nat.add_comm m, Nat.add_comm (x &&& m), Nat.testBit_and,
    Nat.testBit_two_pow_mul_add _ hx, Nat.testBit_two_pow_mul_add _ hm,
    Nat.testBit_two_pow_mul_add _ (Nat.and_lt_two_pow x hm)]
  by_cases hi : i < w
  · simp only [hi, if_true, Nat.testBit_and]
  · simp only [hi, if_false, Nat.testBit_and]

theorem land_packNat {w : Nat} : ∀ (n : Nat) (g h : Nat → Nat), (∀ d, d < n → g d < 2 ^ w) →
    (∀ d, d < n → h d < 2 ^ w) →
    packNat w n g &&& packNat w n h = packNat w n fun d => g d &&& h d
  | 0, _, _, _, _ => by simp [packNat]
  | n + 1, g, h, hg, hh => by
    simp only [packNat]
    rw [land_block (hg 0 (by omega)) (hh 0 (by omega)),
      land_packNat n _ _ (fun d hd => hg (d + 1) (by omega)) (fun d hd => hh (d + 1) (by omega))]

theorem mul_packNat (w c : Nat) : ∀ (n : Nat) (g : Nat → Nat),
    c * packNat w n g = packNat w n fun d => c * g d
  | 0, _ => by simp [packNat]
  | n + 1, g => by
    simp only [packNat]
    rw [← mul_packNat w c n, Nat.mul_add, Nat.mul_left_comm]

theorem packNat_add (w : Nat) : ∀ (n : Nat) (f g : Nat → Nat),
    packNat w n f + packNat w n g = packNat w n fun d => f d + g d
  | 0, _, _ => by simp [packNat]
  | n + 1, f, g => by
    simp only [packNat]
    rw [← packNat_add w n]
    rw [Nat.mul_add]
    omega

theorem packNat_congr {w n : Nat} {f g : Nat → Nat} (h : ∀ d, d < n → f d = g d) :
    packNat w n f = packNat w n g := by
  induction n generalizing f g with
  | zero => rfl
  | succ n ih =>
    simp only [packNat]
    rw [h 0 (by omega), ih (fun d hd => h (d + 1) (by omega))]

/-- The top bit of a field. -/
theorem land_top {w x : Nat} (hw : 1 ≤ w) (hx : x < 2 ^ w) :
    x &&& 2 ^ (w - 1) = if 2 ^ (w - 1) ≤ x then 2 ^ (w - 1) else 0 := by
  have hsplit : x = 2 ^ (w - 1) * (x / 2 ^ (w - 1)) + x % 2 ^ (w - 1) := (Nat.div_add_mod _ _).symm
  have hpow : 2 ^ w = 2 ^ (w - 1) * 2 := by
    rw [← Nat.pow_succ]; congr 1; omega
  have hq : x / 2 ^ (w - 1) < 2 := by
    rw [Nat.div_lt_iff_lt_mul (Nat.two_pow_pos _)]; rw [Nat.mul_comm]; omega
  have hr : x % 2 ^ (w - 1) < 2 ^ (w - 1) := Nat.mod_lt _ (Nat.two_pow_pos _)
  apply Nat.eq_of_testBit_eq
  intro i
  have htb : x.testBit i =
      if i < w - 1 then (x % 2 ^ (w - 1)).testBit i else (x / 2 ^ (w - 1)).testBit (i - (w - 1)) := by
    conv => lhs; rw [hsplit]
    exact Nat.testBit_two_pow_mul_add _ hr i
  rw [Nat.testBit_and, Nat.testBit_two_pow]
  by_cases hge : 2 ^ (w - 1) ≤ x
  · have hq1 : x / 2 ^ (w - 1) = 1 := by
      have := (Nat.le_div_iff_mul_le (Nat.two_pow_pos (w - 1))).2 (by omega : 1 * 2 ^ (w - 1) ≤ x)
      omega
    rw [if_pos hge, Nat.testBit_two_pow]
    by_cases hie : w - 1 = i
    · subst hie
      rw [htb, hq1]
      simp
    · simp [hie]
  · have hq0 : x / 2 ^ (w - 1) = 0 := by
      rw [Nat.div_eq_zero_iff_lt (Nat.two_pow_pos _)]; omega
    rw [if_neg hge, Nat.zero_testBit]
    by_cases hie : w - 1 = i
    · subst hie
      rw [htb, hq0]
      simp
    · simp [hie]

theorem land_all_ones {w x : Nat} (hx : x < 2 ^ w) : x &&& (2 ^ w - 1) = x := by
  rw [Nat.and_two_pow_sub_one_eq_mod, Nat.mod_eq_of_lt hx]

/-- `reluPacked` maps a field `g` to `g - 2^(w-1)` when the top bit is set, else to `0`. -/
theorem reluPacked_eq {w n : Nat} (hw : 1 ≤ w) {g : Nat → Nat} (hg : ∀ d, d < n → g d < 2 ^ w) :
    reluPacked w (packNat w n fun _ => 1) (packNat w n g) =
      packNat w n fun d => if 2 ^ (w - 1) ≤ g d then g d - 2 ^ (w - 1) else 0 := by
  have hh : 2 ^ (w - 1) < 2 ^ w := Nat.pow_lt_pow_right (by omega) (by omega)
  have hpos : 0 < 2 ^ (w - 1) := Nat.two_pow_pos _
  let ind : Nat → Nat := fun d => if 2 ^ (w - 1) ≤ g d then 1 else 0
  have hS : (packNat w n g &&& 2 ^ (w - 1) * packNat w n fun _ => 1) =
      2 ^ (w - 1) * packNat w n ind := by
    rw [mul_packNat, mul_packNat, land_packNat n _ _ hg (fun d _ => by simp; omega)]
    apply packNat_congr
    intro d hd
    rw [Nat.mul_one, land_top hw (hg d hd)]
    simp only [ind]
    split <;> simp
  have hI : (packNat w n g &&& 2 ^ (w - 1) * packNat w n fun _ => 1) / 2 ^ (w - 1) =
      packNat w n ind := by
    rw [hS, Nat.mul_div_cancel_left _ hpos]
  have hF : packNat w n ind * (2 ^ w - 1) = packNat w n fun d => (2 ^ w - 1) * ind d := by
    rw [Nat.mul_comm, mul_packNat]
  have hmask : (packNat w n g &&& packNat w n fun d => (2 ^ w - 1) * ind d) =
      packNat w n fun d => if 2 ^ (w - 1) ≤ g d then g d else 0 := by
    rw [land_packNat n _ _ hg (fun d _ => by simp only [ind]; split <;> omega)]
    apply packNat_congr
    intro d hd
    simp only [ind]
    split
    · rw [Nat.mul_one, land_all_ones (hg d hd)]
    · simp
  unfold reluPacked
  simp only []
  rw [hI, hF, hmask, mul_packNat]
  apply Nat.sub_eq_of_eq_add
  rw [packNat_add]
  apply packNat_congr
  intro d hd
  simp only [ind]
  split <;> omega

/-- The offset-binary pack of a vector of integers in `[-2^(w-1), 2^(w-1))`. -/
theorem packNat_cast (w : Nat) : ∀ (n : Nat) (g : Nat → Nat),
    ((packNat w n g : Nat) : Int) = packFn (pow2 w) n fun d => (g d : Int)
  | 0, _ => rfl
  | n + 1, g => by
    simp only [packNat, packFn]
    rw [← packNat_cast w n]
    simp [pow2]

theorem packFn_add (B : Int) : ∀ (n : Nat) (f g : Nat → Int),
    packFn B n f + packFn B n g = packFn B n fun d => f d + g d
  | 0, _, _ => by simp [packFn]
  | n + 1, f, g => by
    simp only [packFn]
    rw [← packFn_add B n, Int.mul_add]
    omega

theorem packFn_const_mul (B c : Int) : ∀ (n : Nat) (f : Nat → Int),
    c * packFn B n f = packFn B n fun d => c * f d
  | 0, _ => by simp [packFn]
  | n + 1, f => by
    simp only [packFn]
    rw [← packFn_const_mul B c n, Int.mul_add, Int.mul_left_comm]

theorem packFn_congr {B : Int} {n : Nat} {f g : Nat → Int} (h : ∀ d, d < n → f d = g d) :
    packFn B n f = packFn B n g := by
  induction n generalizing f g with
  | zero => rfl
  | succ n ih =>
    simp only [packFn]
    rw [h 0 (by omega), ih (fun d hd => h (d + 1) (by omega))]

/-- `unpack` reads back the fields of an offset-binary pack. -/
theorem unpack_packNat {w : Nat} : ∀ {n : Nat} {g : Nat → Nat}, (∀ d, d < n → g d < 2 ^ w) →
    ∀ d, d < n → (unpack w n (packNat w n g)).getD d 0 = (g d : Int) - ((2 ^ (w - 1) : Nat) : Int)
  | n + 1, g, hg, d, hd => by
    have h0 := hg 0 (by omega)
    have hmod : (g 0 + 2 ^ w * packNat w n fun d => g (d + 1)) % 2 ^ w = g 0 := by
      rw [Nat.add_mul_mod_self_left, Nat.mod_eq_of_lt h0]
    have hdiv : (g 0 + 2 ^ w * packNat w n fun d => g (d + 1)) / 2 ^ w =
        packNat w n fun d => g (d + 1) := by
      rw [Nat.add_mul_div_left _ _ (Nat.two_pow_pos w), Nat.div_eq_of_lt h0, Nat.zero_add]
    simp only [packNat]
    rw [unpack_succ, hmod, hdiv]
    cases d with
    | zero => rfl
    | succ d =>
      rw [List.getD_cons_succ]
      exact unpack_packNat (fun d hd => hg (d + 1) (by omega)) d (by omega)

end

end CompactProofs
