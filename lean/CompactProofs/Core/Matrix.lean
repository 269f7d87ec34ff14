module

/-!
# Exact integer matrices

Matrices are row-major lists of rows of integers (`List (List Int)`). Everything here is
plain structural recursion over lists and naturals, so the kernel can evaluate it on
concrete literals (`decide +kernel`), which is how the certificates of this library are
checked. No floating point is involved anywhere.

## What is proved
* `allBelow_sound`: the bounded checker `allBelow p n` implies `p i` for every `i < n`;
  `allBelow_succ` extends it by one.
* `shapeOk_sound`: the Boolean shape check implies the `IsShape` proposition.
* `walkAll_sound`, `walk3_sound`: the one-pass row checks imply their statements entry by
  entry.
* `getD_of_lt`, `getD_map_dflt`, `getD_map_of_lt`, `getD_zipWith_of_lt`, `getD_zipWith_add`:
  reading an entry of a mapped or zipped list.

## What is not proved
Nothing about `mul` beyond its definition: no algebraic laws (associativity etc.) are
needed, since every statement in this library is phrased in terms of the very same
product function that the checker evaluates.
-/

namespace CompactProofs

@[expose] public noncomputable section

/-- A matrix of integers, as a list of rows. -/
abbrev IntMatrix := List (List Int)

/-- Dot product of two integer vectors (extra entries of the longer one are ignored). -/
def dot : List Int → List Int → Int
  | a :: as, b :: bs => a * b + dot as bs
  | _, _ => 0

/-- Entry `(i, j)` of a matrix, `0` outside its rows and columns. -/
def entry (m : IntMatrix) (i j : Nat) : Int :=
  (m.getD i []).getD j 0

/-- Column `j` of a matrix (missing entries read as `0`). -/
def column (m : IntMatrix) (j : Nat) : List Int :=
  m.map fun row => row.getD j 0

/-- The first `k` columns of a matrix, each as a list. -/
def columns (m : IntMatrix) : Nat → List (List Int)
  | 0 => []
  | k + 1 => columns m k ++ [column m k]

/-- Exact matrix product `a · b`, where `b` has `k` columns. -/
def mulCols (a b : IntMatrix) (k : Nat) : IntMatrix :=
  let cols := columns b k
  a.map fun row => cols.map fun c => dot row c

/-- Exact matrix product `a · b`; the number of columns is read off the first row of `b`. -/
def mul (a b : IntMatrix) : IntMatrix :=
  mulCols a b (b.headD []).length

/-- `allBelow p n = true` iff `p i = true` for all `i < n` (see `allBelow_sound`). -/
def allBelow (p : Nat → Bool) : Nat → Bool
  | 0 => true
  | n + 1 => allBelow p n && p n

theorem allBelow_sound {p : Nat → Bool} :
    ∀ {n : Nat}, allBelow p n = true → ∀ i, i < n → p i = true
  | 0, _, i, hi => absurd hi (Nat.not_lt_zero i)
  | n + 1, h, i, hi => by
    simp only [allBelow, Bool.and_eq_true] at h
    by_cases hin : i < n
    · exact allBelow_sound h.1 i hin
    · have hieq : i = n := by omega
      subst hieq
      exact h.2

theorem allBelow_succ {p : Nat → Bool} {n : Nat} (h : allBelow p n = true) (hn : p n = true) :
    allBelow p (n + 1) = true := by
  simp only [allBelow, h, hn, Bool.and_self]

/-- `p (i + t) (xs.getD t 0)` for every `t < n`, in one pass over `xs` (no indexing: the
kernel pays per reduction step, and `getD t` costs `t` of them). -/
def walkAll (p : Nat → Int → Bool) : Nat → Nat → List Int → Bool
  | 0, _, _ => true
  | n + 1, i, xs => p i (xs.headD 0) && walkAll p n (i + 1) xs.tail

/-- `p (a.getD t 0) (b.getD t 0) (c.getD t 0)` for every `t < n`, in one pass. -/
def walk3 (p : Int → Int → Int → Bool) : Nat → List Int → List Int → List Int → Bool
  | 0, _, _, _ => true
  | n + 1, a, b, c => p (a.headD 0) (b.headD 0) (c.headD 0) && walk3 p n a.tail b.tail c.tail

theorem headD_eq_getD (xs : List Int) : xs.headD 0 = xs.getD 0 0 := by cases xs <;> rfl

theorem getD_succ_eq_tail (xs : List Int) (t : Nat) : xs.getD (t + 1) 0 = xs.tail.getD t 0 := by
  cases xs <;> simp

theorem walkAll_sound {p : Nat → Int → Bool} : ∀ {n i : Nat} {xs : List Int},
    walkAll p n i xs = true → ∀ t, t < n → p (i + t) (xs.getD t 0) = true
  | n + 1, i, xs, h, 0, _ => by
    simp only [walkAll, Bool.and_eq_true, headD_eq_getD] at h
    simpa using h.1
  | n + 1, i, xs, h, t + 1, ht => by
    simp only [walkAll, Bool.and_eq_true] at h
    rw [getD_succ_eq_tail, show i + (t + 1) = i + 1 + t by omega]
    exact walkAll_sound h.2 t (by omega)

theorem walk3_sound {p : Int → Int → Int → Bool} : ∀ {n : Nat} {a b c : List Int},
    walk3 p n a b c = true → ∀ t, t < n → p (a.getD t 0) (b.getD t 0) (c.getD t 0) = true
  | n + 1, a, b, c, h, 0, _ => by
    simp only [walk3, Bool.and_eq_true, headD_eq_getD] at h
    exact h.1
  | n + 1, a, b, c, h, t + 1, ht => by
    simp only [walk3, Bool.and_eq_true] at h
    rw [getD_succ_eq_tail, getD_succ_eq_tail, getD_succ_eq_tail]
    exact walk3_sound h.2 t (by omega)

/-- The proposition that `m` has `r` rows, each of length `c`. -/
def IsShape (m : IntMatrix) (r c : Nat) : Prop :=
  m.length = r ∧ ∀ row ∈ m, row.length = c

/-- Boolean version of `IsShape`. -/
def shapeOk (m : IntMatrix) (r c : Nat) : Bool :=
  m.length == r && m.all fun row => row.length == c

theorem shapeOk_sound {m : IntMatrix} {r c : Nat} (h : shapeOk m r c = true) :
    IsShape m r c := by
  simp only [shapeOk, Bool.and_eq_true, beq_iff_eq, List.all_eq_true] at h
  exact ⟨h.1, h.2⟩

/-- `n` naturals stored as the `w`-bit fields of `N`, lowest field first. One `Nat` literal
per row keeps generated data cheap to elaborate; the kernel decodes it with its built-in `Nat`
operations (in this WebAssembly build they are Lean's own big numbers, not GMP). -/
def unpackNat (w : Nat) : Nat → Nat → List Nat
  | 0, _ => []
  | n + 1, N => N % 2 ^ w :: unpackNat w n (N / 2 ^ w)

/-- The fields of `N` from the lowest, each read as `(N &&& mask) - h` by `Int.subNatNat`
and `N` shifted right by `w`: the body of `unpack`, with `mask` and `h` computed once. -/
def unpackFields (w mask h : Nat) : Nat → Nat → List Int
  | 0, _ => []
  | n + 1, N => Int.subNatNat (N &&& mask) h :: unpackFields w mask h n (N >>> w)

/-- `n` integers stored as the `w`-bit fields of `N`, lowest field first, each offset by
`2 ^ (w - 1)` (so a field holds `x + 2 ^ (w - 1)` for an entry `x`). A mask and a shift per
field, not `%` and `/` by `2 ^ w`: decoding costs the kernel about half the time and memory. -/
def unpack (w n N : Nat) : List Int := unpackFields w (2 ^ w - 1) (2 ^ (w - 1)) n N

theorem unpack_zero (w N : Nat) : unpack w 0 N = [] := rfl

theorem unpack_succ (w n N : Nat) : unpack w (n + 1) N =
    (((N % 2 ^ w : Nat) : Int) - ((2 ^ (w - 1) : Nat) : Int)) :: unpack w n (N / 2 ^ w) := by
  simp only [unpack, unpackFields, Nat.and_two_pow_sub_one_eq_mod, Nat.shiftRight_eq_div_pow,
    Int.subNatNat_eq_coe]

theorem length_unpack (w : Nat) : ∀ (n N : Nat), (unpack w n N).length = n
  | 0, _ => rfl
  | n + 1, N => by rw [unpack_succ, List.length_cons, length_unpack w n]

/-! ## Reading lists -/

theorem getD_map_dflt {α β : Type} (l : List α) (f : α → β) {a : α} {b : β} (hf : f a = b)
    (t : Nat) : (l.map f).getD t b = f (l.getD t a) := by
  rw [List.getD_eq_getElem?_getD, List.getElem?_map, List.getD_eq_getElem?_getD]
  cases l[t]? <;> simp [hf]

theorem getD_of_lt {α : Type} {l : List α} {t : Nat} (d : α) (h : t < l.length) :
    l.getD t d = l[t] := by
  rw [List.getD_eq_getElem?_getD, List.getElem?_eq_getElem h]
  rfl

theorem getD_map_of_lt {α β : Type} (l : List α) (f : α → β) {d : Nat} (hd : d < l.length)
    (x : α) (y : β) : (l.map f).getD d y = f (l.getD d x) := by
  rw [getD_of_lt _ (by simpa using hd), List.getElem_map, getD_of_lt _ hd]

theorem getD_zipWith_of_lt {f : Int → Int → Int} {l1 l2 : List Int} {i : Nat} (h1 : i < l1.length)
    (h2 : i < l2.length) : (List.zipWith f l1 l2).getD i 0 = f (l1.getD i 0) (l2.getD i 0) := by
  rw [getD_of_lt _ (by simp; omega), List.getElem_zipWith, getD_of_lt _ h1, getD_of_lt _ h2]

theorem getD_zipWith_add {a b : List Int} {c : Nat} (ha : c < a.length) (hb : c < b.length) :
    (List.zipWith Int.add a b).getD c 0 = a.getD c 0 + b.getD c 0 := by
  rw [getD_of_lt _ (by rw [List.length_zipWith]; exact Nat.lt_min.2 ⟨ha, hb⟩), List.getElem_zipWith, getD_of_lt _ ha, getD_of_lt _ hb]
  rfl

end

end CompactProofs
