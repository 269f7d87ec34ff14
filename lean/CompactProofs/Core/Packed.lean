module

public import CompactProofs.Core.Algebra
public import CompactProofs.Core.Matrix

/-!
# Packed integer vectors: one big integer per table row

The kernel multiplies big `Nat`/`Int` literals with GMP, at about the cost of one small
multiplication, but pays dearly for every reduction step (measured before this file existed: about
0.5 ms per multiply-add of a dot product). Packing a row of integers into one integer,
`pack B [x₀, x₁, …] = x₀ + B · x₁ + B² · x₂ + …`, turns a vector-matrix product into one big
multiply-add per matrix row: `pack B (a · M) = Σ_c a_c · pack B (M_c)` (`packFn_sum`). The
entries are read back by uniqueness: two rows of entries in `(-B/2, B/2)` with equal packs are
equal (`packFn_inj`), and `sum_mul_le` bounds the entries of a product from bounds on its
factors.

## The checker
`productOk B n bA bM A M C` checks that the rows `C` are the product of the rows `A` and the
`n`-entry rows `M`, with one packed equation per row of `C` (walks only, no indexing), and
`productOk_sound` reads every entry back. The packed rows of `M` are computed once and passed
to the row walk `rowsOk`; `pack` and `dotL` call `Int.add`/`Int.mul` directly and the bound
checks use `Nat.ble` on `natAbs`, which saves the kernel the instance unfoldings (measured on
a `64 × 32 · 32 × 64` product: 12.1 s before, 7.7 s after).

Choose an odd base `B` (e.g. `2^k + 1`). The kernel's caches hash a `Nat` literal by its low
64 bits, so with `B` a multiple of `2^64` all the numbers `B · p` of a packing collide and the
caches degrade to linear scans (measured: a 64-row product 3-5 times slower).

## What is proved
`pack_eq_packFn`, `packFn_sum`, `packFn_sub`, `packFn_inj`, `sum_mul_le`, `productOk_sound`;
`transpose` (one linear pass) with `length_transpose`, `entry_transpose`. Nothing here is
specific to a model.
-/

namespace CompactProofs

@[expose] public noncomputable section

/-- The integers `xs` as digits in base `B` (digits may be negative): `x₀ + B · (x₁ + …)`. -/
def pack (B : Int) : List Int → Int
  | [] => 0
  | x :: xs => Int.add x (Int.mul B (pack B xs))

/-- `packFn B n f = pack B [f 0, …, f (n - 1)]`. -/
def packFn (B : Int) : Nat → (Nat → Int) → Int
  | 0, _ => 0
  | n + 1, f => f 0 + B * packFn B n fun d => f (d + 1)

theorem pack_cons (B x : Int) (xs : List Int) : pack B (x :: xs) = x + B * pack B xs := rfl

/-- Every entry has absolute value at most `b`. -/
def boundedBy (b : Nat) (xs : List Int) : Bool := xs.all fun x => Nat.ble x.natAbs b

/-- `|x| < B / 2` for every entry, i.e. `-B < 2x < B` (for `0 < B`). -/
def fits (B : Int) (xs : List Int) : Bool := boundedBy ((B.toNat - 1) / 2) xs

theorem pack_eq_packFn (B : Int) : ∀ xs : List Int, pack B xs = packFn B xs.length fun d => xs.getD d 0
  | [] => rfl
  | x :: xs => by
    simp only [pack_cons, packFn, List.length_cons, List.getD_cons_zero, List.getD_cons_succ]
    rw [pack_eq_packFn B xs]

/-- Packing is linear: the pack of a vector-matrix product is a combination of packed rows. -/
theorem packFn_sum (B : Int) (k : Nat) (a : Nat → Int) :
    ∀ (n : Nat) (g : Nat → Nat → Int),
      (packFn B n fun d => sumTo k fun c => a c * g c d) = sumTo k fun c => a c * packFn B n (g c)
  | 0, _ => by
    simp only [packFn, Int.mul_zero]
    exact (sumTo_zero_int k).symm
  | n + 1, g => by
    simp only [packFn]
    rw [packFn_sum B k a n fun c d => g c (d + 1)]
    rw [← sumTo_mul_int, ← sumTo_add_int]
    apply sumTo_congr
    intro c _
    rw [Int.mul_add, Int.mul_left_comm]

theorem packFn_inj {B : Int} (hB : 0 < B) : ∀ (n : Nat) (f g : Nat → Int),
    (∀ d, d < n → -B < 2 * f d ∧ 2 * f d < B) → (∀ d, d < n → -B < 2 * g d ∧ 2 * g d < B) →
    packFn B n f = packFn B n g → ∀ d, d < n → f d = g d
  | 0, _, _, _, _, _, d, hd => absurd hd (Nat.not_lt_zero d)
  | n + 1, f, g, hf, hg, h, d, hd => by
    simp only [packFn] at h
    have h0f := hf 0 (by omega)
    have h0g := hg 0 (by omega)
    -- the lowest digits differ by a multiple of `B` smaller than `B`: they are equal
    generalize hp : packFn B n (fun d => f (d + 1)) = p at h
    generalize hq : packFn B n (fun d => g (d + 1)) = p' at h
    have hmul : B * (p' - p) = f 0 - g 0 := by rw [Int.mul_sub]; omega
    have hpq : p = p' := by
      by_cases h1 : 1 ≤ p' - p
      · have := Int.mul_le_mul_of_nonneg_left h1 (Int.le_of_lt hB)
        omega
      · by_cases h2 : p' - p ≤ -1
        · have := Int.mul_le_mul_of_nonneg_left h2 (Int.le_of_lt hB)
          omega
        · omega
    cases d with
    | zero =>
      rw [hpq, Int.sub_self, Int.mul_zero] at hmul
      omega
    | succ d =>
      exact packFn_inj hB n (fun d => f (d + 1)) (fun d => g (d + 1))
        (fun d hd => hf (d + 1) (by omega)) (fun d hd => hg (d + 1) (by omega))
        (by rw [hp, hq, hpq]) d (by omega)

theorem mul_le_of_natAbs {a b : Int} {A G : Nat} (ha : a.natAbs ≤ A) (hb : b.natAbs ≤ G) :
    (a * b).natAbs ≤ A * G := by
  rw [Int.natAbs_mul]
  exact Nat.mul_le_mul ha hb

/-- A sum of `k` products with factors bounded by `A` and `G` is at most `k · A · G`. -/
theorem sum_mul_le {k A G : Nat} {a b : Nat → Int} (ha : ∀ c, c < k → (a c).natAbs ≤ A)
    (hb : ∀ c, c < k → (b c).natAbs ≤ G) : (sumTo k fun c => a c * b c).natAbs ≤ k * (A * G) := by
  induction k with
  | zero => simp [sumTo]
  | succ k ih =>
    simp only [sumTo]
    have h1 := ih (fun c hc => ha c (by omega)) (fun c hc => hb c (by omega))
    have h2 := mul_le_of_natAbs (ha k (by omega)) (hb k (by omega))
    have := Int.natAbs_add_le (sumTo k fun c => a c * b c) (a k * b k)
    rw [Nat.succ_mul]
    omega

/-! ## A verified matrix product -/

/-- `Σ_c a_c · p_c` over two lists. -/
def dotL : List Int → List Int → Int
  | a :: as, p :: ps => Int.add (Int.mul a p) (dotL as ps)
  | _, _ => 0

/-- The rows `A` and `C` pair up, and each pair `(a, c)` has `a` of length `k` with entries
at most `bA`, `c` of length `n` fitting base `B`, and `pack B c = Σ_j a_j · PM_j`. -/
def rowsOk (B : Int) (n bA k : Nat) (PM : List Int) : List (List Int) → List (List Int) → Bool
  | [], [] => true
  | a :: A, c :: C =>
    (a.length == k && boundedBy bA a && c.length == n && fits B c && pack B c == dotL a PM) &&
      rowsOk B n bA k PM A C
  | _, _ => false

/-- The rows `C` are the product of the rows `A` (entries at most `bA`, each of length
`M.length`) and the rows `M` (`n` entries each, at most `bM`): one packed equation per row.
The packed rows of `M` are computed once and passed down (`rowsOk`). -/
def productOk (B : Int) (n bA bM : Nat) (A M C : List (List Int)) : Bool :=
  decide (2 * ((M.length * (bA * bM) : Nat) : Int) < B) &&
    M.all (fun row => row.length == n && boundedBy bM row) &&
    rowsOk B n bA M.length (M.map (pack B)) A C

theorem dotL_eq : ∀ (a p : List Int), a.length = p.length →
    dotL a p = sumTo a.length fun c => a.getD c 0 * p.getD c 0
  | [], [], _ => rfl
  | x :: a, y :: p, h => by
    rw [dotL, List.length_cons, sumTo_succ_left, dotL_eq a p (by simp at h; omega)]
    rfl

theorem getD_mem_of_lt {xs : List Int} {d : Nat} (hd : d < xs.length) : xs.getD d 0 ∈ xs := by
  rw [List.getD_eq_getElem?_getD, List.getElem?_eq_getElem hd]
  exact List.getElem_mem hd

theorem boundedBy_get {b : Nat} {xs : List Int} (h : boundedBy b xs = true) {d : Nat}
    (hd : d < xs.length) : (xs.getD d 0).natAbs ≤ b := by
  have := List.all_eq_true.1 h _ (getD_mem_of_lt hd)
  simpa only [Nat.ble_eq] using this

theorem fits_get {B : Int} (hB : 0 < B) {xs : List Int} (h : fits B xs = true) {d : Nat}
    (hd : d < xs.length) : -B < 2 * xs.getD d 0 ∧ 2 * xs.getD d 0 < B := by
  have := boundedBy_get h hd
  generalize xs.getD d 0 = x at this ⊢
  omega

theorem rowsOk_sound {B : Int} {n bA k : Nat} {PM : List Int} :
    ∀ {A C : List (List Int)}, rowsOk B n bA k PM A C = true →
      A.length = C.length ∧ ∀ r, r < A.length →
        (A.getD r []).length = k ∧ boundedBy bA (A.getD r []) = true ∧
          (C.getD r []).length = n ∧ fits B (C.getD r []) = true ∧
          pack B (C.getD r []) = dotL (A.getD r []) PM
  | [], [], _ => ⟨rfl, fun r hr => absurd hr (Nat.not_lt_zero r)⟩
  | a :: A, c :: C, h => by
    simp only [rowsOk, Bool.and_eq_true, beq_iff_eq] at h
    obtain ⟨⟨⟨⟨⟨ha, hba⟩, hc⟩, hfc⟩, hpack⟩, hrest⟩ := h
    obtain ⟨hlen, hrows⟩ := rowsOk_sound hrest
    refine ⟨by simp [hlen], fun r hr => ?_⟩
    cases r with
    | zero => exact ⟨ha, hba, hc, hfc, hpack⟩
    | succ r =>
      simp only [List.getD_cons_succ]
      exact hrows r (by simp at hr; omega)
  | [], _ :: _, h => by simp [rowsOk] at h
  | _ :: _, [], h => by simp [rowsOk] at h

/-- `productOk` gives `A.length = C.length`. -/
theorem productOk_length {B : Int} {n bA bM : Nat} {A M C : List (List Int)}
    (h : productOk B n bA bM A M C = true) : A.length = C.length := by
  simp only [productOk, Bool.and_eq_true] at h
  exact (rowsOk_sound h.2).1

/-- Every entry of `C` is the corresponding entry of the product `A · M`. -/
theorem productOk_sound {B : Int} {n bA bM : Nat} {A M C : List (List Int)}
    (h : productOk B n bA bM A M C = true) {r d : Nat} (hr : r < A.length) (hd : d < n) :
    entry C r d = sumTo M.length fun c => entry A r c * entry M c d := by
  simp only [productOk, Bool.and_eq_true, decide_eq_true_eq, beq_iff_eq, List.all_eq_true] at h
  obtain ⟨⟨hB, hM⟩, hrowsOk⟩ := h
  obtain ⟨ha, hba, hc, hfc, hpack⟩ := (rowsOk_sound hrowsOk).2 r hr
  have hget : ∀ c (hc : c < M.length), M.getD c [] = M[c]'hc := fun c hc => by
    rw [List.getD_eq_getElem?_getD, List.getElem?_eq_getElem hc]; rfl
  have hMrow : ∀ c, c < M.length → (M.getD c []).length = n ∧ boundedBy bM (M.getD c []) = true := by
    intro c hc
    rw [hget c hc]
    simpa only [Bool.and_eq_true, beq_iff_eq] using hM _ (List.getElem_mem hc)
  have hB0 : 0 < B := by omega
  -- both sides of the packed equation as `packFn` of the entries
  have hlhs : pack B (C.getD r []) = packFn B n fun d => entry C r d := by
    rw [pack_eq_packFn, hc]
    rfl
  have hrhs : dotL (A.getD r []) (M.map (pack B)) =
      packFn B n fun d => sumTo M.length fun c => entry A r c * entry M c d := by
    rw [dotL_eq _ _ (by rw [List.length_map, ha]), packFn_sum, ha]
    apply sumTo_congr
    intro c hc
    have hcM : c < M.length := hc
    have hlenc : (M.getD c []).length = n := (hMrow c hcM).1
    simp only [entry]
    congr 1
    rw [List.getD_eq_getElem?_getD, List.getElem?_map, List.getElem?_eq_getElem hcM]
    simp only [Option.map_some, Option.getD_some]
    rw [← hget c hcM, pack_eq_packFn, hlenc]
    rfl
  rw [hlhs, hrhs] at hpack
  refine packFn_inj hB0 n _ _ (fun d hd => ?_) (fun d hd => ?_) hpack d hd
  · exact fits_get hB0 hfc (d := d) (by omega)
  · have hsum := sum_mul_le (k := M.length) (A := bA) (G := bM)
      (a := fun c => entry A r c) (b := fun c => entry M c d)
      (fun c hc => boundedBy_get hba (by omega))
      (fun c hc => by
        have := hMrow c hc
        exact boundedBy_get this.2 (by omega))
    simp only [] at hsum
    generalize (sumTo M.length fun c => entry A r c * entry M c d) = x at hsum ⊢
    have hcast : ((x.natAbs : Nat) : Int) ≤ ((M.length * (bA * bM) : Nat) : Int) := Int.ofNat_le.2 hsum
    rcases Int.natAbs_eq x with h | h <;> omega

/-! ## Transposes and differences of packs -/

/-- The transpose of a matrix whose rows have `n` entries (one pass, no indexing). -/
def transpose (n : Nat) : IntMatrix → IntMatrix
  | [] => List.replicate n []
  | row :: rows => List.zipWith List.cons row (transpose n rows)

theorem length_transpose {n : Nat} : ∀ {M : IntMatrix}, (∀ row ∈ M, row.length = n) →
    (transpose n M).length = n
  | [], _ => by simp [transpose]
  | row :: rows, h => by
    simp only [transpose, List.length_zipWith]
    rw [h row (by simp), length_transpose fun r hr => h r (by simp [hr])]
    exact Nat.min_self n

theorem getD_transpose {n j : Nat} (hj : j < n) : ∀ {M : IntMatrix}, (∀ row ∈ M, row.length = n) →
    (transpose n M).getD j [] = M.map fun row => row.getD j 0
  | [], _ => by
    simp [transpose, List.getD_eq_getElem?_getD, hj]
  | row :: rows, h => by
    have hrow : row.length = n := h row (by simp)
    have hrows : ∀ r ∈ rows, r.length = n := fun r hr => h r (by simp [hr])
    have hT := length_transpose hrows
    have ih := getD_transpose hj hrows
    simp only [transpose, List.map_cons]
    rw [getD_of_lt _ (by simp [hrow, hT, hj]), List.getElem_zipWith, ← getD_of_lt [] (by omega),
      ih, getD_of_lt 0 (by omega)]

/-- Entry `(j, r)` of the transpose is entry `(r, j)`. -/
theorem entry_transpose {n : Nat} {M : IntMatrix} (h : ∀ row ∈ M, row.length = n) {j : Nat}
    (hj : j < n) (r : Nat) : entry (transpose n M) j r = entry M r j := by
  unfold entry
  rw [getD_transpose hj h, getD_map_dflt M (fun row => row.getD j 0) (a := []) (by simp)]

theorem packFn_sub (B : Int) : ∀ (n : Nat) (f g : Nat → Int),
    packFn B n f - packFn B n g = packFn B n fun d => f d - g d
  | 0, _, _ => by simp [packFn]
  | n + 1, f, g => by
    simp only [packFn]
    rw [← packFn_sub B n, Int.mul_sub]
    omega

/-- `productOk_sound`, with the factors' entries rewritten to `f` and `g` over `k` terms. -/
theorem productOk_eq {B : Int} {n bA bM : Nat} {A M C : IntMatrix} {k : Nat}
    (h : productOk B n bA bM A M C = true) (hM : M.length = k) {r d : Nat} (hr : r < A.length)
    (hd : d < n) {f g : Nat → Int} (hf : ∀ j, j < k → entry A r j = f j)
    (hg : ∀ j, j < k → entry M j d = g j) : entry C r d = sumTo k fun j => f j * g j := by
  rw [productOk_sound h hr hd, hM]
  apply sumTo_congr
  intro j hj
  rw [hf j hj, hg j hj]

end

end CompactProofs
