module

public import CompactProofs.ModAdd.Checker

/-!
# Modular addition: soundness of the output-Fourier certificate checker

## What is proved
`globalOk_sound` (the once-only checks of `CompactProofs.ModAdd.Checker` give `GlobalFacts`:
sizes and bounds, the packs of the tables, the residual identity and its intervals) and
`inputOk_sound`: every `b` that `rowCount` counts has `logitInt y > logitInt c` for every
`c ≠ y`, given `GlobalFacts` and `TabsHold`, through `logitInt_scaled`
(`2^t (logit y - logit c) ≥ l y - l c - Σ_n post_n spread_n`).

## What is not proved here
That the tables hold (`CompactProofs.ModAdd.PackedTables`) and the step to `accuracy`
(`CompactProofs.ModAdd.Accuracy`).
-/

namespace CompactProofs.ModAdd

@[expose] public noncomputable section

/-! ## Soundness of the once-only checks -/

section Sound

/-- What the once-only checks establish. -/
structure GlobalFacts (m : Model) (T : Tabs) (c : Cert) : Prop where
  w_pos : 1 ≤ c.w
  wL_pos : 1 ≤ c.wL
  s1 : c.bP + c.bS < 2 ^ (c.w - 1)
  s2 : m.dMlp * (c.bC * (c.bP + c.bS)) < 2 ^ (c.w - 1)
  s3 : c.bLin + c.bLin + c.k * (2 ^ (c.w - 1) * c.bB) < 2 ^ (c.wL - 1)
  colsT_len : c.colsT.length = c.k + 1
  colsT_rows : ∀ row ∈ c.colsT, row.length = m.dMlp ∧ boundedBy c.bC row = true
  basis_len : c.basis.length = c.k
  basis_rows : ∀ row ∈ c.basis, row.length = m.p ∧ boundedBy c.bB row = true
  pc_len : c.pc.length = m.dMlp
  p0_len : c.p0.length = m.dMlp
  p1_len : c.p1.length = m.dMlp
  pc_eq : ∀ n, n < m.dMlp → c.pc.getD n 0 =
    entry T.preC n 0 * pow2 (2 * m.shift + 1) + entry m.bIn 0 n * pow2 (3 * m.shift + 1)
  la_eq : ∀ a, a < m.p → c.la.getD a 0 = packFn (pow2 c.wL) m.p (fun y =>
      pow2 c.t * (entry T.linC 0 y * pow2 (4 * m.shift + 1) + entry T.ovu0T y a * pow2 (2 * m.shift))) ∧
    ∀ y, y < m.p →
      (pow2 c.t * (entry T.linC 0 y * pow2 (4 * m.shift + 1) + entry T.ovu0T y a * pow2 (2 * m.shift))).natAbs ≤ c.bLin
  lb_eq : ∀ b, b < m.p → c.lb.getD b 0 =
    packFn (pow2 c.wL) m.p (fun y => entry T.ovu1T y b * pow2 (c.t + 2 * m.shift)) ∧
    ∀ y, y < m.p → (entry T.ovu1T y b * pow2 (c.t + 2 * m.shift)).natAbs ≤ c.bLin
  p0_eq : ∀ n, n < m.dMlp → c.p0.getD n 0 =
    packFn (pow2 c.w) m.p (fun a => entry T.pre0T n a + half c.w) ∧
    ∀ a, a < m.p → (entry T.pre0T n a).natAbs ≤ c.bP
  p1_eq : ∀ n, n < m.dMlp → c.p1.getD n 0 =
    packFn (pow2 c.w) m.p (fun b => entry T.pre1T n b + half c.w) ∧
    ∀ b, b < m.p → (entry T.pre1T n b).natAbs ≤ c.bP
  resid_eq : ∀ n, n < m.dMlp → ∀ y, y < m.p →
    pow2 c.t * entry T.mT n y =
      (sumTo c.k fun f => entry c.colsT (f + 1) n * entry c.basis f y) + entry c.resid n y ∧
    c.lo.getD n 0 ≤ entry c.resid n y ∧ entry c.resid n y ≤ c.lo.getD n 0 + entry c.colsT 0 n

theorem bound_of_natAbs {x : Int} {N : Nat} {B : Int} (h : x.natAbs ≤ N) (hB : 2 * (N : Int) < B) :
    -B < 2 * x ∧ 2 * x < B := by
  have : (x.natAbs : Int) ≤ N := Int.ofNat_le.2 h
  rcases Int.natAbs_eq x with h5 | h5 <;> omega

theorem pack_rows_eq {B : Int} {M : IntMatrix} {r n : Nat} (h : (M.getD r []).length = n) :
    pack B (M.getD r []) = packFn B n fun d => entry M r d := by
  rw [pack_eq_packFn, h]; rfl

theorem basisPacks_getD {c : Cert} {m : Model}
    (hrows : ∀ row ∈ c.basis, row.length = m.p ∧ boundedBy c.bB row = true) {f : Nat}
    (hf : f < c.basis.length) :
    (basisPacks c).getD f 0 = packFn (pow2 c.wL) m.p fun y => entry c.basis f y := by
  unfold basisPacks
  rw [getD_map_of_lt _ _ hf [], pack_rows_eq]
  exact (hrows _ (by rw [getD_of_lt _ hf]; exact List.getElem_mem hf)).1

theorem cols_getD {m : Model} {c : Cert}
    (hrows : ∀ row ∈ c.colsT, row.length = m.dMlp ∧ boundedBy c.bC row = true) {n : Nat}
    (hn : n < m.dMlp) : (cols m c).getD n [] = c.colsT.map fun row => row.getD n 0 :=
  getD_transpose hn fun row hr => (hrows row hr).1

/-- A row of `n` entries packed after adding the offset, as `packFn` of its entries. -/
theorem pack_offset_row {B H : Int} {row : List Int} {n : Nat} (hlen : row.length = n) :
    pack B (row.map (· + H)) = packFn B n fun d => row.getD d 0 + H := by
  rw [pack_eq_packFn, List.length_map, hlen]
  apply packFn_congr
  intro d hd
  rw [getD_map_of_lt _ _ (by omega) 0]

theorem globalOk_sound {m : Model} {T : Tabs} {c : Cert} {parts : Nat} (hparts : 3 < parts)
    (h : ∀ i, i < parts → globalOk m T c parts i = true) : GlobalFacts m T c := by
  have h0 := h 0 (by omega)
  simp only [globalOk, globalBaseOk, sizesOk, Bool.and_eq_true, decide_eq_true_eq,
    beq_iff_eq, List.all_eq_true] at h0
  obtain ⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨hw, hwL⟩, hs1⟩, hs2⟩, hs3⟩, hs4⟩, hcl⟩, hcr⟩, hbl⟩, hbr⟩, hpcl⟩, hp0l⟩,
    hp1l⟩, hpc⟩, hu0l⟩, hu0r⟩, hu1l⟩, hu1r⟩ := h0
  have hla : laOk m T c = true := h 1 (by omega)
  have hlb : lbOk m T c = true := h 2 (by omega)
  have hcr' : ∀ row ∈ c.colsT, row.length = m.dMlp ∧ boundedBy c.bC row = true := fun row hr => by
    simpa only [Bool.and_eq_true, beq_iff_eq] using hcr row hr
  have hbr' : ∀ row ∈ c.basis, row.length = m.p ∧ boundedBy c.bB row = true := fun row hr => by
    simpa only [Bool.and_eq_true, beq_iff_eq] using hbr row hr
  have hu0r' : ∀ row ∈ T.ovu0T, row.length = m.p := fun row hr => by simpa using hu0r row hr
  have hu1r' : ∀ row ∈ T.ovu1T, row.length = m.p := fun row hr => by simpa using hu1r row hr
  -- entry `(y, a)` of a transposed table, read through `transpose`
  have htr : ∀ {U : IntMatrix}, U.length = m.p → (∀ row ∈ U, row.length = m.p) → ∀ a y, a < m.p →
      y < m.p → ((transpose m.p U).getD a []).getD y 0 = entry U y a := by
    intro U hl hr a y ha hy
    rw [getD_transpose ha hr, getD_map_of_lt _ _ (by omega) []]
    rfl
  have hneuron : ∀ n, n < m.dMlp → preRowOk m T c n = true ∧ residRowOk m T c n = true := by
    intro n hn
    have hi := h (n % (parts - 3) + 3) (by have := Nat.mod_lt n (show 0 < parts - 3 by omega); omega)
    have hrow := allBelow_sound hi n hn
    simp only [bne_self_eq_false, Bool.false_or, Bool.and_eq_true] at hrow
    exact hrow
  refine ⟨hw, hwL, hs1, hs2, hs3, hcl, hcr', hbl, hbr', hpcl, hp0l, hp1l, ?_, ?_, ?_, ?_, ?_, ?_⟩
  · intro n hn
    have := walk3_sound hpc n hn
    simp only [beq_iff_eq] at this
    rw [this, getD_map_dflt T.preC (·.headD 0) (a := []) (b := 0) rfl, headD_eq_getD]
    rfl
  · intro a ha
    have := allBelow_sound hla a ha
    simp only [Bool.and_eq_true, beq_iff_eq] at this
    obtain ⟨⟨hlen, hbd⟩, hpk⟩ := this
    have hget : ∀ y, y < m.p → (laRow m T c a).getD y 0 =
        pow2 c.t * (entry T.linC 0 y * pow2 (4 * m.shift + 1) + entry T.ovu0T y a * pow2 (2 * m.shift)) := by
      intro y hy
      have hl := hlen
      unfold laRow at hl ⊢
      rw [List.length_zipWith] at hl
      rw [getD_zipWith_of_lt (by omega) (by omega), htr hu0l hu0r' a y ha hy]
      rfl
    refine ⟨?_, fun y hy => ?_⟩
    · rw [hpk, pack_eq_packFn, hlen]
      exact packFn_congr hget
    · rw [← hget y hy]
      exact boundedBy_get hbd (by omega)
  · intro b hb
    have := allBelow_sound hlb b hb
    simp only [Bool.and_eq_true, beq_iff_eq] at this
    obtain ⟨⟨hlen, hbd⟩, hpk⟩ := this
    have hget : ∀ y, y < m.p → (lbRow m T c b).getD y 0 = entry T.ovu1T y b * pow2 (c.t + 2 * m.shift) := by
      intro y hy
      have hl := hlen
      unfold lbRow at hl ⊢
      rw [List.length_map] at hl
      rw [getD_map_of_lt _ _ (by omega) 0, htr hu1l hu1r' b y hb hy]
    refine ⟨?_, fun y hy => ?_⟩
    · rw [hpk, pack_eq_packFn, hlen]
      exact packFn_congr hget
    · rw [← hget y hy]
      exact boundedBy_get hbd (by omega)
  · intro n hn
    have hpre := (hneuron n hn).1
    simp only [preRowOk, Bool.and_eq_true, beq_iff_eq] at hpre
    obtain ⟨⟨⟨⟨⟨hl0, _⟩, hb0⟩, _⟩, hpk0⟩, _⟩ := hpre
    exact ⟨by rw [hpk0, pack_offset_row hl0]; rfl, fun a ha => boundedBy_get hb0 (by omega)⟩
  · intro n hn
    have hpre := (hneuron n hn).1
    simp only [preRowOk, Bool.and_eq_true, beq_iff_eq] at hpre
    obtain ⟨⟨⟨⟨⟨_, hl1⟩, _⟩, hb1⟩, _⟩, hpk1⟩ := hpre
    exact ⟨by rw [hpk1, pack_offset_row hl1]; rfl, fun b hb => boundedBy_get hb1 (by omega)⟩
  · intro n hn y hy
    have hrow := (hneuron n hn).2
    simp only [residRowOk, Bool.and_eq_true, beq_iff_eq] at hrow
    obtain ⟨⟨⟨⟨⟨hRl, hMl⟩, hMb⟩, hRf⟩, hpk⟩, hwalk⟩ := hrow
    have hcol := cols_getD hcr' hn
    have hB : (0 : Int) < pow2 c.wL := pow2_pos _
    have hcoef : ∀ f, f < c.k → ((cols m c).getD n []).tail.getD f 0 = entry c.colsT (f + 1) n := by
      intro f hf
      have htl : c.colsT.tail.getD f [] = c.colsT.getD (f + 1) [] := by
        cases c.colsT <;> simp
      rw [hcol, ← List.map_tail, getD_map_of_lt _ _ (by simp [hcl]; omega) [], htl]
      rfl
    have htail_len : ((cols m c).getD n []).tail.length = c.k := by
      rw [hcol, List.length_tail, List.length_map, hcl]; rfl
    have hdot : dotL ((cols m c).getD n []).tail (basisPacks c) =
        sumTo c.k fun f => entry c.colsT (f + 1) n * packFn (pow2 c.wL) m.p fun y => entry c.basis f y := by
      rw [dotL_eq _ _ (by rw [htail_len]; simp [basisPacks, hbl]), htail_len]
      apply sumTo_congr
      intro f hf
      rw [hcoef f hf, basisPacks_getD hbr' (by omega)]
    have hlhs : pack (pow2 c.wL) (c.resid.getD n []) = packFn (pow2 c.wL) m.p fun y => entry c.resid n y :=
      pack_rows_eq hRl
    have hrhs : pow2 c.t * pack (pow2 c.wL) (T.mT.getD n []) - dotL ((cols m c).getD n []).tail (basisPacks c) =
        packFn (pow2 c.wL) m.p fun y => pow2 c.t * entry T.mT n y -
          sumTo c.k fun f => entry c.colsT (f + 1) n * entry c.basis f y := by
      rw [hdot, pack_rows_eq hMl, ← packFn_sum, packFn_const_mul, packFn_sub]
    rw [hlhs, hrhs] at hpk
    have hdig := packFn_inj hB m.p _ _ (fun y hy => fits_get hB hRf (by omega)) (fun y hy => by
        refine bound_of_natAbs ?_ hs4
        have hm := boundedBy_get hMb (d := y) (by omega)
        have hsum := sum_mul_le (k := c.k) (A := c.bC) (G := c.bB)
          (a := fun f => entry c.colsT (f + 1) n) (b := fun f => entry c.basis f y)
          (fun f hf => by
            have hmem : c.colsT.getD (f + 1) [] ∈ c.colsT := by
              rw [getD_of_lt _ (by omega)]; exact List.getElem_mem _
            exact boundedBy_get (hcr' _ hmem).2 (by rw [(hcr' _ hmem).1]; exact hn))
          (fun f hf => by
            have hmem : c.basis.getD f [] ∈ c.basis := by
              rw [getD_of_lt _ (by omega)]; exact List.getElem_mem _
            exact boundedBy_get (hbr' _ hmem).2 (by rw [(hbr' _ hmem).1]; exact hy))
        have ht : (pow2 c.t * entry T.mT n y).natAbs ≤ 2 ^ c.t * c.bM := by
          rw [Int.natAbs_mul]; exact Nat.mul_le_mul (by simp [pow2]) hm
        dsimp only at hsum
        have := Int.natAbs_sub_le (pow2 c.t * entry T.mT n y)
          (sumTo c.k fun f => entry c.colsT (f + 1) n * entry c.basis f y)
        omega) hpk y hy
    have hdig' : entry c.resid n y = pow2 c.t * entry T.mT n y -
        sumTo c.k fun f => entry c.colsT (f + 1) n * entry c.basis f y := hdig
    refine ⟨by omega, ?_⟩
    have := walkAll_sound hwalk y hy
    simp only [Bool.and_eq_true, decide_eq_true_eq] at this
    rw [hcol] at this
    have h0 : (c.colsT.map fun row => row.getD n 0).headD 0 = entry c.colsT 0 n := by
      cases hc : c.colsT with
      | nil => simp [hc] at hcl
      | cons r rs => rfl
    rw [h0] at this
    exact this

/-! ## Soundness of one operand -/

theorem length_postsOf (w p : Nat) : ∀ (S Q X : List Int),
    (postsOf w p S Q X).length = min (min S.length Q.length) X.length
  | s :: S, q :: Q, x :: X => by simp [postsOf, length_postsOf w p S Q X]
  | [], _, _ => by simp [postsOf]
  | _ :: _, [], _ => by simp [postsOf]
  | _ :: _, _ :: _, [] => by simp [postsOf]

theorem getD_postsOf (w p : Nat) : ∀ (S Q X : List Int) (i : Nat),
    i < S.length → i < Q.length → i < X.length →
    (postsOf w p S Q X).getD i 0 = postOf w p (S.getD i 0 + Q.getD i 0) (X.getD i 0)
  | s :: S, q :: Q, x :: X, 0, _, _, _ => rfl
  | s :: S, q :: Q, x :: X, i + 1, h1, h2, h3 => by
    simp only [postsOf, List.getD_cons_succ]
    exact getD_postsOf w p S Q X i (by simp at h1; omega) (by simp at h2; omega) (by simp at h3; omega)

theorem ones_cast (w n : Nat) : ((ones w n : Nat) : Int) = packFn (pow2 w) n fun _ => 1 := by
  unfold ones; rw [packNat_cast]; rfl

theorem half_eq (w : Nat) : half w = ((2 ^ (w - 1) : Nat) : Int) := rfl

theorem pow2_eq_two_half {w : Nat} (hw : 1 ≤ w) : pow2 w = 2 * half w := by
  unfold half pow2
  have : 2 ^ w = 2 * 2 ^ (w - 1) := by rw [← Nat.pow_succ']; congr 1; omega
  rw [this]; rfl

theorem shiftRight_packNat {w : Nat} : ∀ (a n : Nat) (g : Nat → Nat), (∀ d, d < n → g d < 2 ^ w) →
    a ≤ n → packNat w n g >>> (w * a) = packNat w (n - a) fun d => g (d + a)
  | 0, n, g, _, _ => by simp
  | a + 1, n + 1, g, hg, ha => by
    have h0 := hg 0 (by omega)
    rw [Nat.mul_succ, Nat.add_comm (w * a) w, Nat.shiftRight_add]
    have : packNat w (n + 1) g >>> w = packNat w n fun d => g (d + 1) := by
      simp only [packNat]
      rw [Nat.shiftRight_eq_div_pow, Nat.add_mul_div_left _ _ (Nat.two_pow_pos w), Nat.div_eq_of_lt h0,
        Nat.zero_add]
    rw [this, shiftRight_packNat a n _ (fun d hd => hg (d + 1) (by omega)) (by omega)]
    rw [show n + 1 - (a + 1) = n - a by omega]
    apply packNat_congr
    intro d _
    rw [show d + a + 1 = d + (a + 1) by omega]

/-- `digitAt` reads field `a` of an offset-binary pack. -/
theorem digitAt_packFn {w p a : Nat} (hw : 1 ≤ w) (ha : a < p) {v : Nat → Int}
    (hv : ∀ t, t < p → -half w ≤ v t ∧ v t < half w) :
    digitAt w a (packFn (pow2 w) p fun t => v t + half w) = v a := by
  have h2 := pow2_eq_two_half hw
  have hg : ∀ t, t < p → (v t + half w).toNat < 2 ^ w := fun t ht => by
    have := hv t ht
    have h3 : ((v t + half w).toNat : Int) = v t + half w := Int.toNat_of_nonneg (by omega)
    have : ((v t + half w).toNat : Int) < ((2 ^ w : Nat) : Int) := by unfold pow2 at h2; omega
    exact Int.ofNat_lt.1 this
  have hN : (packFn (pow2 w) p fun t => v t + half w) =
      ((packNat w p fun t => (v t + half w).toNat : Nat) : Int) := by
    rw [packNat_cast]
    apply packFn_congr
    intro t ht
    have := hv t ht
    rw [Int.toNat_of_nonneg (by omega)]
  unfold digitAt
  rw [hN, Int.toNat_natCast, shiftRight_packNat a p _ hg (by omega), Nat.and_two_pow_sub_one_eq_mod]
  obtain ⟨q, rfl⟩ : ∃ q, p = a + 1 + q := ⟨p - a - 1, by omega⟩
  rw [show a + 1 + q - a = q + 1 by omega]
  simp only [packNat, Nat.zero_add]
  rw [Nat.add_mul_mod_self_left, Nat.mod_eq_of_lt (hg a (by omega)), Int.subNatNat_eq_coe]
  have := hv a (by omega)
  rw [Int.toNat_of_nonneg (by omega), ← half_eq]
  omega

/-- `postOf` is ReLU of every field. -/
theorem postOf_eq {w p : Nat} (hw : 1 ≤ w) {s x1 : Int} {v : Nat → Int}
    (hx : x1 + s * (ones w p : Int) = packFn (pow2 w) p fun b => v b + half w)
    (hv : ∀ b, b < p → -half w ≤ v b ∧ v b < half w) :
    postOf w p s x1 = packFn (pow2 w) p fun b => reluInt (v b) := by
  simp only [half_eq] at hx hv
  have h2 : ((2 ^ w : Nat) : Int) = 2 * ((2 ^ (w - 1) : Nat) : Int) := by
    have : 2 ^ w = 2 * 2 ^ (w - 1) := by rw [← Nat.pow_succ']; congr 1; omega
    rw [this, Int.natCast_mul]; rfl
  have hN : x1 + s * (ones w p : Int) =
      ((packNat w p fun b => (v b + ((2 ^ (w - 1) : Nat) : Int)).toNat : Nat) : Int) := by
    rw [hx, packNat_cast]
    apply packFn_congr
    intro b hb
    have := hv b hb
    rw [Int.toNat_of_nonneg (by omega)]
  unfold postOf
  rw [hN, Int.toNat_natCast, show ones w p = packNat w p (fun _ => 1) from rfl, reluPacked_eq hw (fun b hb => by
      have := hv b hb
      have h3 : ((v b + ((2 ^ (w - 1) : Nat) : Int)).toNat : Int) = v b + ((2 ^ (w - 1) : Nat) : Int) :=
        Int.toNat_of_nonneg (by omega)
      have : ((v b + ((2 ^ (w - 1) : Nat) : Int)).toNat : Int) < ((2 ^ w : Nat) : Int) := by omega
      exact Int.ofNat_lt.1 this), packNat_cast]
  apply packFn_congr
  intro b hb
  have := hv b hb
  have h3 : ((v b + ((2 ^ (w - 1) : Nat) : Int)).toNat : Int) = v b + ((2 ^ (w - 1) : Nat) : Int) :=
    Int.toNat_of_nonneg (by omega)
  unfold reluInt
  split <;> split <;> omega

theorem natAbs_reluInt_le (x : Int) : (reluInt x).natAbs ≤ x.natAbs := by
  unfold reluInt; split <;> omega

theorem reluInt_nonneg (x : Int) : 0 ≤ reluInt x := by
  unfold reluInt; split <;> omega

/-- The sum `f` over neurons for input `(a, b)`: `Σ_n colsT[f][n] · ReLU(pre a b n)`. -/
def neuronSum (m : Model) (c : Cert) (a b f : Nat) : Int :=
  sumTo m.dMlp fun n => entry c.colsT f n * reluInt (preInt m a b n)

section Row

variable {m : Model} {T : Tabs} {c : Cert} {a : Nat}

theorem colsT_row {f : Nat} (hG : GlobalFacts m T c) (hf : f < c.k + 1) :
    (c.colsT.getD f []).length = m.dMlp ∧ boundedBy c.bC (c.colsT.getD f []) = true := by
  apply hG.colsT_rows
  rw [getD_of_lt _ (by rw [hG.colsT_len]; exact hf)]
  exact List.getElem_mem _

theorem neuronSum_bound (hG : GlobalFacts m T c) (hS : ∀ b n, b < m.p → n < m.dMlp →
    (preInt m a b n).natAbs ≤ c.bP + c.bS) {b f : Nat} (hb : b < m.p) (hf : f < c.k + 1) :
    (neuronSum m c a b f).natAbs ≤ m.dMlp * (c.bC * (c.bP + c.bS)) :=
  sum_mul_le (fun n hn => boundedBy_get (colsT_row hG hf).2 (by rw [(colsT_row hG hf).1]; exact hn))
    (fun n hn => Nat.le_trans (natAbs_reluInt_le _) (hS b n hb hn))

/-- The constant of neuron `n` for operand `a`, read from the pack `p0`. -/
theorem digit_p0 (hG : GlobalFacts m T c) (hT : TabsHold m T) (ha : a < m.p) {n : Nat}
    (hn : n < m.dMlp) : (c.p0.map (digitAt c.w a)).getD n 0 = preTab m 0 a n := by
  rw [getD_map_of_lt _ _ (by rw [hG.p0_len]; exact hn) 0, (hG.p0_eq n hn).1, digitAt_packFn hG.w_pos ha]
  · exact hT.1 a n ha hn
  · intro t ht
    have h1 := (hG.p0_eq n hn).2 t ht
    have hs1 := hG.s1
    rw [half_eq]
    have : ((c.bP : Nat) : Int) < ((2 ^ (c.w - 1) : Nat) : Int) := Int.ofNat_lt.2 (by omega)
    omega

theorem pre_bound (hG : GlobalFacts m T c) (hT : TabsHold m T) (ha : a < m.p)
    (hwalk : walk3 (fun s q _ => Nat.ble (s + q).natAbs c.bS) m.dMlp (c.p0.map (digitAt c.w a))
      c.pc c.pc = true) :
    ∀ b n, b < m.p → n < m.dMlp → (preInt m a b n).natAbs ≤ c.bP + c.bS := by
  obtain ⟨_, hT1, _, _, hTc, _, _⟩ := id hT
  intro b n hb hn
  have h1 := (hG.p1_eq n hn).2 b hb
  have h3 := walk3_sound hwalk n hn
  simp only [Nat.ble_eq] at h3
  rw [hG.pc_eq n hn, hTc n hn, digit_p0 hG hT ha hn] at h3
  rw [hT1 b n hb hn] at h1
  unfold preInt
  omega

theorem sums_entry (hG : GlobalFacts m T c) (hT : TabsHold m T) (ha : a < m.p)
    (hbase : rowBaseOk m c a = true) {b f : Nat} (hb : b < m.p) (hf : f < c.k + 1) :
    ((sums m c a).getD b []).getD f 0 = neuronSum m c a b f ∧
      ((sums m c a).getD b []).length = c.k + 1 := by
  obtain ⟨_, hT1, _, _, hTc, _, _⟩ := id hT
  have hwalk : walk3 (fun s q _ => Nat.ble (s + q).natAbs c.bS) m.dMlp (c.p0.map (digitAt c.w a))
      c.pc c.pc = true := hbase
  have hw := hG.w_pos
  have h2 := pow2_eq_two_half hw
  have hs1 := hG.s1
  have hs2 := hG.s2
  have hS := pre_bound hG hT ha hwalk
  have hlen0 : (c.p0.map (digitAt c.w a)).length = m.dMlp := by rw [List.length_map, hG.p0_len]
  -- one neuron's ReLU pack
  have hpost : ∀ n, n < m.dMlp → (postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1).getD n 0 =
      packFn (pow2 c.w) m.p fun b => reluInt (preInt m a b n) := by
    intro n hn
    rw [getD_postsOf _ _ _ _ _ _ (by omega) (by rw [hG.pc_len]; exact hn) (by rw [hG.p1_len]; exact hn)]
    apply postOf_eq hw
    · rw [(hG.p1_eq n hn).1, ones_cast, packFn_const_mul, packFn_add]
      apply packFn_congr
      intro b hb
      rw [digit_p0 hG hT ha hn, hG.pc_eq n hn, hTc n hn, hT1 b n hb hn]
      unfold preInt
      omega
    · intro b hb
      have := hS b n hb hn
      rw [half_eq]
      have : ((c.bP + c.bS : Nat) : Int) < ((2 ^ (c.w - 1) : Nat) : Int) := Int.ofNat_lt.2 hs1
      omega
  have hposts_len : (postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1).length = m.dMlp := by
    rw [length_postsOf, hlen0, hG.pc_len, hG.p1_len]; simp
  -- one accumulated pack, read back
  have hacc : ∀ f, f < c.k + 1 →
      (unpack c.w m.p (dotL (c.colsT.getD f []) (postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1) +
        half c.w * (ones c.w m.p : Int)).toNat).getD b 0 = neuronSum m c a b f := by
    intro f hf
    have hrow := colsT_row hG hf
    have hdot : dotL (c.colsT.getD f []) (postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1) =
        packFn (pow2 c.w) m.p fun b => neuronSum m c a b f := by
      rw [dotL_eq _ _ (by rw [hrow.1, hposts_len]), hrow.1]
      unfold neuronSum
      rw [packFn_sum]
      apply sumTo_congr
      intro n hn
      rw [hpost n hn]
      rfl
    have hbd : ∀ b, b < m.p → (neuronSum m c a b f).natAbs < 2 ^ (c.w - 1) := fun b hb =>
      Nat.lt_of_le_of_lt (neuronSum_bound hG hS hb hf) hs2
    have hN : dotL (c.colsT.getD f []) (postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1) +
        half c.w * (ones c.w m.p : Int) =
        ((packNat c.w m.p fun b => (neuronSum m c a b f + half c.w).toNat : Nat) : Int) := by
      rw [hdot, ones_cast, packFn_const_mul, packFn_add, packNat_cast]
      apply packFn_congr
      intro b hb
      have := hbd b hb
      rw [half_eq]
      rw [Int.toNat_of_nonneg (by omega)]
      omega
    rw [hN, Int.toNat_natCast, unpack_packNat (fun b hb => by
        have := hbd b hb
        have h2' : (2 ^ c.w : Nat) = 2 * 2 ^ (c.w - 1) := by rw [← Nat.pow_succ']; congr 1; omega
        have : ((neuronSum m c a b f + half c.w).toNat : Int) < ((2 ^ c.w : Nat) : Int) := by
          rw [Int.toNat_of_nonneg (by rw [half_eq]; omega), h2']; rw [half_eq]; omega
        exact Int.ofNat_lt.1 this) b hb]
    have := hbd b hb
    rw [half_eq]
    rw [Int.toNat_of_nonneg (by omega)]
    omega
  -- the transpose
  have hrows : ∀ row ∈ c.colsT.map (fun col => unpack c.w m.p (dotL col
      (postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1) + half c.w * (ones c.w m.p : Int)).toNat),
      row.length = m.p := by
    intro row hr
    obtain ⟨col, _, rfl⟩ := List.mem_map.1 hr
    exact length_unpack _ _ _
  refine ⟨?_, ?_⟩
  · show entry (sums m c a) b f = _
    unfold sums
    rw [entry_transpose hrows hb]
    unfold entry
    rw [getD_map_of_lt _ _ (by rw [hG.colsT_len]; exact hf) []]
    exact hacc f hf
  · unfold sums
    simp only []
    rw [getD_transpose hb hrows, List.length_map, List.length_map, hG.colsT_len]

/-- The values `l x` of input `(a, b)` that `lRow` reads back. -/
def lVal (m : Model) (c : Cert) (a b x : Nat) : Int :=
  pow2 c.t * (linConst m x + ovuTab m 0 a x * pow2 (2 * m.shift)) +
    pow2 (c.t + 2 * m.shift) * ovuTab m 1 b x +
    sumTo c.k fun f => neuronSum m c a b (f + 1) * entry c.basis f x

theorem lRow_entry (hG : GlobalFacts m T c) (hT : TabsHold m T) (ha : a < m.p)
    (hbase : rowBaseOk m c a = true) {b x : Nat} (hb : b < m.p) (hx : x < m.p) :
    (lRow m c a b ((sums m c a).getD b [])).getD x 0 = lVal m c a b x := by
  have hwalk : walk3 (fun s q _ => Nat.ble (s + q).natAbs c.bS) m.dMlp (c.p0.map (digitAt c.w a))
      c.pc c.pc = true := hbase
  obtain ⟨_, _, hT2, hT3, _, hT5, _⟩ := id hT
  have hS := pre_bound hG hT ha hwalk
  have hsum := fun f (hf : f < c.k + 1) => sums_entry hG hT ha hbase hb hf
  have hwL := hG.wL_pos
  have hs3 := hG.s3
  have hs2 := hG.s2
  generalize hrow : (sums m c a).getD b [] = row at hsum
  have hlen : row.length = c.k + 1 := (hsum 0 (by omega)).2
  -- the three packs
  have hlaE : ∀ x, x < m.p → pow2 c.t * (entry T.linC 0 x * pow2 (4 * m.shift + 1) +
      entry T.ovu0T x a * pow2 (2 * m.shift)) = pow2 c.t * (linConst m x + ovuTab m 0 a x * pow2 (2 * m.shift)) :=
    fun x hx => by rw [hT5 x hx, hT2 a x ha hx]
  have hla : c.la.getD a 0 = packFn (pow2 c.wL) m.p fun x =>
      pow2 c.t * (linConst m x + ovuTab m 0 a x * pow2 (2 * m.shift)) := by
    rw [(hG.la_eq a ha).1]
    exact packFn_congr hlaE
  have hlb : c.lb.getD b 0 = packFn (pow2 c.wL) m.p fun x => pow2 (c.t + 2 * m.shift) * ovuTab m 1 b x := by
    rw [(hG.lb_eq b hb).1]
    apply packFn_congr
    intro x hx
    rw [hT3 b x hb hx, Int.mul_comm]
  have htail : ∀ f, f < c.k → row.tail.getD f 0 = neuronSum m c a b (f + 1) := fun f hf => by
    rw [← getD_succ_eq_tail]; exact (hsum (f + 1) (by omega)).1
  have hdot : dotL row.tail (basisPacks c) = packFn (pow2 c.wL) m.p fun x =>
      sumTo c.k fun f => neuronSum m c a b (f + 1) * entry c.basis f x := by
    rw [dotL_eq _ _ (by simp [basisPacks, hlen, hG.basis_len]), List.length_tail, hlen,
      show c.k + 1 - 1 = c.k by omega, packFn_sum]
    apply sumTo_congr
    intro f hf
    rw [htail f hf, basisPacks_getD hG.basis_rows (by rw [hG.basis_len]; exact hf)]
  have hbd : ∀ x, x < m.p → (lVal m c a b x).natAbs < 2 ^ (c.wL - 1) := by
    intro x hx
    have h1 : (pow2 c.t * (linConst m x + ovuTab m 0 a x * pow2 (2 * m.shift))).natAbs ≤ c.bLin := by
      rw [← hlaE x hx]
      exact (hG.la_eq a ha).2 x hx
    have h2 := (hG.lb_eq b hb).2 x hx
    rw [hT3 b x hb hx, Int.mul_comm] at h2
    have h3 : (sumTo c.k fun f => neuronSum m c a b (f + 1) * entry c.basis f x).natAbs ≤
        c.k * (2 ^ (c.w - 1) * c.bB) :=
      sum_mul_le (fun f hf => Nat.le_of_lt (Nat.lt_of_le_of_lt
          (neuronSum_bound hG hS hb (by omega)) hs2))
        (fun f hf => by
          have hmem : c.basis.getD f [] ∈ c.basis := by
            rw [getD_of_lt _ (by rw [hG.basis_len]; exact hf)]; exact List.getElem_mem _
          exact boundedBy_get (hG.basis_rows _ hmem).2 (by rw [(hG.basis_rows _ hmem).1]; exact hx))
    unfold lVal
    have := Int.natAbs_add_le (pow2 c.t * (linConst m x + ovuTab m 0 a x * pow2 (2 * m.shift)) +
      pow2 (c.t + 2 * m.shift) * ovuTab m 1 b x) (sumTo c.k fun f => neuronSum m c a b (f + 1) * entry c.basis f x)
    have := Int.natAbs_add_le (pow2 c.t * (linConst m x + ovuTab m 0 a x * pow2 (2 * m.shift)))
      (pow2 (c.t + 2 * m.shift) * ovuTab m 1 b x)
    omega
  have hN : c.la.getD a 0 + c.lb.getD b 0 + dotL row.tail (basisPacks c) +
      half c.wL * (ones c.wL m.p : Int) =
      ((packNat c.wL m.p fun x => (lVal m c a b x + half c.wL).toNat : Nat) : Int) := by
    rw [hla, hlb, hdot, ones_cast, packFn_const_mul, packFn_add, packFn_add, packFn_add, packNat_cast]
    apply packFn_congr
    intro x hx
    have := hbd x hx
    rw [half_eq, Int.toNat_of_nonneg (by omega)]
    unfold lVal
    omega
  unfold lRow
  rw [hN, Int.toNat_natCast, unpack_packNat (fun x hx => by
      have := hbd x hx
      have h2' : (2 ^ c.wL : Nat) = 2 * 2 ^ (c.wL - 1) := by rw [← Nat.pow_succ']; congr 1; omega
      have : ((lVal m c a b x + half c.wL).toNat : Int) < ((2 ^ c.wL : Nat) : Int) := by
        rw [half_eq, Int.toNat_of_nonneg (by omega), h2']; omega
      exact Int.ofNat_lt.1 this) x hx]
  have := hbd x hx
  rw [half_eq, Int.toNat_of_nonneg (by omega)]
  omega

/-- The logit, scaled by `2^t`, through the certificate: `l x` plus the residual term. -/
theorem logitInt_scaled (hG : GlobalFacts m T c) (hT : TabsHold m T) (b : Nat) {x : Nat}
    (hx : x < m.p) : pow2 c.t * logitInt m a b x =
      lVal m c a b x + sumTo m.dMlp fun n => reluInt (preInt m a b n) * entry c.resid n x := by
  obtain ⟨_, _, _, _, _, _, hT6⟩ := id hT
  have hM : ∀ n, n < m.dMlp → reluInt (preInt m a b n) * (pow2 c.t * mTab m n x) =
      (sumTo c.k fun f => entry c.colsT (f + 1) n * reluInt (preInt m a b n) * entry c.basis f x) +
        reluInt (preInt m a b n) * entry c.resid n x := by
    intro n hn
    rw [← hT6 n x hn hx, (hG.resid_eq n hn x hx).1, Int.mul_add, ← sumTo_mul_int]
    congr 1
    apply sumTo_congr
    intro f _
    ac_rfl
  have hmlp : pow2 c.t * (sumTo m.dMlp fun n => reluInt (preInt m a b n) * mTab m n x) =
      (sumTo c.k fun f => neuronSum m c a b (f + 1) * entry c.basis f x) +
        sumTo m.dMlp fun n => reluInt (preInt m a b n) * entry c.resid n x := by
    rw [← sumTo_mul_int, sumTo_congr (g := fun n => (sumTo c.k fun f => entry c.colsT (f + 1) n *
        reluInt (preInt m a b n) * entry c.basis f x) + reluInt (preInt m a b n) * entry c.resid n x)
      (fun n hn => by rw [Int.mul_left_comm, hM n hn]), sumTo_add_int, sumTo_comm_int]
    congr 1
    apply sumTo_congr
    intro f _
    unfold neuronSum
    rw [sumTo_mul_right_int]
  unfold logitInt lVal
  rw [pow2_add, Int.mul_add, hmlp]
  generalize (sumTo c.k fun f => neuronSum m c a b (f + 1) * entry c.basis f x) = A
  generalize (sumTo m.dMlp fun n => reluInt (preInt m a b n) * entry c.resid n x) = R
  grind

/-- A counted input is correct in integers. -/
theorem inputOk_sound (hG : GlobalFacts m T c) (hT : TabsHold m T) (ha : a < m.p)
    (hbase : rowBaseOk m c a = true) {b : Nat} (hb : b < m.p)
    (hok : inputOk m c a b ((sums m c a).getD b []) = true) :
    ∀ x, x < m.p → x ≠ (a + b) % m.p → logitInt m a b x < logitInt m a b ((a + b) % m.p) := by
  intro x hx hne
  have hp : 0 < m.p := by omega
  have hy : (a + b) % m.p < m.p := Nat.mod_lt _ hp
  have hlen : (lRow m c a b ((sums m c a).getD b [])).length = m.p := length_unpack _ _ _
  have hw := walkAll_sound hok x hx
  simp only [Nat.zero_add, Bool.or_eq_true, beq_iff_eq, hne, false_or, decide_eq_true_eq] at hw
  rw [lRow_entry hG hT ha hbase hb hy, lRow_entry hG hT ha hbase hb hx, headD_eq_getD,
    (sums_entry hG hT ha hbase hb (f := 0) (by omega)).1] at hw
  -- the residual term is at least `-Σ_n post_n spread_n`
  have hterm : ∀ n, n < m.dMlp → -(entry c.colsT 0 n * reluInt (preInt m a b n)) ≤
      reluInt (preInt m a b n) * entry c.resid n ((a + b) % m.p) -
        reluInt (preInt m a b n) * entry c.resid n x := by
    intro n hn
    have h1 := (hG.resid_eq n hn _ hy).2
    have h2 := (hG.resid_eq n hn x hx).2
    have h0 := reluInt_nonneg (preInt m a b n)
    have : reluInt (preInt m a b n) * (-entry c.colsT 0 n) ≤
        reluInt (preInt m a b n) * (entry c.resid n ((a + b) % m.p) - entry c.resid n x) :=
      Int.mul_le_mul_of_nonneg_left (by omega) h0
    rw [Int.mul_sub, Int.mul_neg, Int.mul_comm (reluInt _) (entry c.colsT 0 n)] at this
    exact this
  have hres := sumTo_le_int hterm
  rw [sumTo_sub_int, sumTo_neg_int] at hres
  unfold neuronSum at hw
  have h1 := logitInt_scaled hG hT b hy (a := a)
  have h2 := logitInt_scaled hG hT b hx (a := a)
  have hpos : 0 < pow2 c.t * (logitInt m a b ((a + b) % m.p) - logitInt m a b x) := by
    rw [Int.mul_sub]; omega
  rcases Int.lt_or_le 0 (logitInt m a b ((a + b) % m.p) - logitInt m a b x) with h | h
  · omega
  · have := Int.mul_le_mul_of_nonneg_left h (Int.le_of_lt (pow2_pos c.t))
    rw [Int.mul_zero] at this
    omega

end Row

end Sound

end

end CompactProofs.ModAdd
