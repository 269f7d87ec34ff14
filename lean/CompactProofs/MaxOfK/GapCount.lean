module

public import CompactProofs.MaxOfK.GapClasses

/-!
# The number of inputs in the gap classes, in closed form

`checkGap_sound` needs a lower bound on the number of inputs `x` with `inClass m gc x`. The
kernel can count them one by one for a small model, but not for the `64 ^ 4` inputs of a
Max-of-4 model. This file proves the count cell by cell instead:

  `countP (inClass m gc) (allSeqs v K) = Σ_q Σ_mx classCount (K - 1) q mx (gapOf gc q mx)`,

where, with `n = mx + 1 - g` tokens `0, ..., mx - g` below the gap and `A` those plus `mx`,
the cell `(q, mx)` holds `(n + 1) ^ (K - 1)` inputs when `q = mx` (every non-query token in
`A`) and `(n + 1) ^ (K - 1) - n ^ (K - 1)` when `q < mx` (in `A`, and one of them `mx`).

## How
The inputs are split by their last (query) token (`countP_allSeqs_snoc`) and by their
maximum (`countP_split`); for a fixed pair the class is a product set, counted by
`countP_allSeqs_all` (`|A| ^ k`).

## What is proved
`countP_inClass`, for every model with `0 < nCtx`. Nothing is assumed about the gaps.
-/

namespace CompactProofs.MaxOfK

@[expose] public noncomputable section

/-- Inputs in the class of cell `(q, mx)` with gap `g` (`0`: none), `k` non-query tokens. -/
def classCount (k q mx g : Nat) : Nat :=
  if g = 0 ∨ mx < q then 0
  else if q = mx then (mx + 1 - g + 1) ^ k
  else (mx + 1 - g + 1) ^ k - (mx + 1 - g) ^ k

/-- The closed-form count of all claimed classes. -/
def gapCount (m : Model) (gc : GapCertificate) : Nat :=
  sumTo m.dVocab fun q => sumTo m.dVocab fun mx => classCount (m.nCtx - 1) q mx (gapOf gc q mx)

/-! ## Sums of naturals -/

theorem sumTo_add_nat (n : Nat) (f g : Nat → Nat) :
    (sumTo n fun i => f i + g i) = sumTo n f + sumTo n g := by
  induction n with
  | zero => rfl
  | succ n ih => simp only [sumTo, ih]; omega

theorem sumTo_comm_nat (n p : Nat) (f : Nat → Nat → Nat) :
    (sumTo n fun i => sumTo p (f i)) = sumTo p fun j => sumTo n fun i => f i j := by
  induction n with
  | zero =>
    simp only [sumTo]
    induction p with
    | zero => rfl
    | succ p ih => simp only [sumTo, ← ih]
  | succ n ih => simp only [sumTo, ih, ← sumTo_add_nat]

theorem sumTo_mul_nat (n c : Nat) (f : Nat → Nat) :
    (sumTo n fun i => f i * c) = sumTo n f * c := by
  induction n with
  | zero => simp [sumTo]
  | succ n ih => simp only [sumTo, ih, Nat.add_mul]

theorem sumTo_congr_nat {n : Nat} {f g : Nat → Nat} (h : ∀ i, i < n → f i = g i) :
    sumTo n f = sumTo n g := by
  induction n with
  | zero => rfl
  | succ n ih =>
    simp only [sumTo]
    rw [ih fun i hi => h i (by omega), h n (by omega)]

/-- The number of `t < n` with `p t`. -/
def countBelow (n : Nat) (p : Nat → Bool) : Nat := sumTo n fun t => if p t then 1 else 0

theorem countBelow_eq_zero {n : Nat} {p : Nat → Bool} (h : ∀ t, t < n → p t = false) :
    countBelow n p = 0 := by
  induction n with
  | zero => rfl
  | succ n ih =>
    simp only [countBelow, sumTo] at ih ⊢
    rw [ih fun t ht => h t (by omega), h n (by omega)]
    rfl

theorem countBelow_eq_one {n c : Nat} (hc : c < n) : countBelow n (· == c) = 1 := by
  induction n with
  | zero => omega
  | succ n ih =>
    simp only [countBelow, sumTo] at ih ⊢
    by_cases hcn : c = n
    · subst hcn
      have h0 := countBelow_eq_zero (n := c) (p := (· == c)) fun t ht => by simp; omega
      simp only [countBelow] at h0
      rw [h0]
      simp
    · rw [ih (by omega)]
      simp only [beq_iff_eq]
      rw [if_neg (Ne.symm hcn)]

theorem countBelow_le_sub {n g mx : Nat} (hmx : mx < n) :
    countBelow n (fun t => decide (t + g ≤ mx)) = mx + 1 - g := by
  suffices h : ∀ n, countBelow n (fun t => decide (t + g ≤ mx)) = min n (mx + 1 - g) by
    rw [h]; omega
  intro n
  induction n with
  | zero => simp [countBelow, sumTo]
  | succ n ih =>
    simp only [countBelow, sumTo] at ih ⊢
    rw [ih]
    by_cases hn : n + g ≤ mx
    · simp only [hn, decide_true, if_true]; omega
    · simp only [hn, decide_false]; simp; omega

theorem countBelow_or {n : Nat} {p r : Nat → Bool} (h : ∀ t, ¬(p t = true ∧ r t = true)) :
    countBelow n (fun t => p t || r t) = countBelow n p + countBelow n r := by
  simp only [countBelow, ← sumTo_add_nat]
  apply sumTo_congr_nat
  intro t _
  have := h t
  by_cases hp : p t = true <;> by_cases hr : r t = true <;> simp_all

/-! ## Counting over `allSeqs` -/

theorem countP_and_add {β : Type} (l : List β) (p r : β → Bool) :
    l.countP p = l.countP (fun a => p a && r a) + l.countP (fun a => p a && !r a) := by
  induction l with
  | nil => rfl
  | cons a l ih =>
    simp only [List.countP_cons, ih]
    cases p a <;> cases r a <;> simp <;> omega

theorem countP_allSeqs_cons (v k : Nat) (p : List Nat → Bool) :
    (allSeqs v (k + 1)).countP p = sumTo v fun t => (allSeqs v k).countP fun y => p (t :: y) := by
  rw [allSeqs, List.countP_flatMap, ← sum_map_range]
  congr 1
  apply List.map_congr_left
  intro t _
  show List.countP p (List.map (fun x => t :: x) (allSeqs v k)) = _
  rw [List.countP_map]
  rfl

/-- Split by the last token. -/
theorem countP_allSeqs_snoc (v : Nat) : ∀ (k : Nat) (p : List Nat → Bool),
    (allSeqs v (k + 1)).countP p = sumTo v fun q => (allSeqs v k).countP fun y => p (y ++ [q])
  | 0, p => by
    rw [countP_allSeqs_cons]
    rfl
  | k + 1, p => by
    rw [countP_allSeqs_cons v (k + 1) p]
    have h : ∀ t, (allSeqs v (k + 1)).countP (fun y => p (t :: y)) =
        sumTo v fun q => (allSeqs v k).countP fun y => p (t :: (y ++ [q])) :=
      fun t => countP_allSeqs_snoc v k _
    simp only [h]
    rw [sumTo_comm_nat]
    apply sumTo_congr_nat
    intro q _
    rw [countP_allSeqs_cons v k]
    rfl

/-- Split by the value of `f`, which is below `n` on the list. -/
theorem countP_split {β : Type} (f : β → Nat) (p : β → Bool) (n : Nat) :
    ∀ (l : List β), (∀ a ∈ l, f a < n) →
      l.countP p = sumTo n fun j => l.countP fun a => p a && f a == j
  | [], _ => by
    simp only [List.countP_nil]
    exact (countBelow_eq_zero (n := n) (p := fun _ => false) fun _ _ => rfl).symm
  | a :: l, h => by
    rw [List.countP_cons, countP_split f p n l fun b hb => h b (by simp [hb])]
    simp only [List.countP_cons]
    rw [sumTo_add_nat]
    congr 1
    have hfa := h a (by simp)
    cases hp : p a
    · simp only [Bool.false_and, Bool.false_eq_true, if_false]
      exact (countBelow_eq_zero (p := fun _ => false) fun _ _ => rfl).symm
    · simp only [Bool.true_and, if_true]
      have := countBelow_eq_one hfa
      simp only [countBelow] at this
      refine Eq.trans this.symm (sumTo_congr_nat fun j _ => ?_)
      by_cases hj : j = f a
      · simp [hj]
      · have hj' : f a ≠ j := fun e => hj e.symm
        simp [hj, hj']

theorem countP_allSeqs_all (v : Nat) (r : Nat → Bool) :
    ∀ k, (allSeqs v k).countP (fun y => y.all r) = countBelow v r ^ k
  | 0 => rfl
  | k + 1 => by
    rw [countP_allSeqs_cons, Nat.pow_succ, ← countP_allSeqs_all v r k, Nat.mul_comm, countBelow,
      ← sumTo_mul_nat]
    apply sumTo_congr_nat
    intro t _
    simp only [List.all_cons]
    cases r t
    · simp
    · simp

/-! ## Tokens of `y ++ [q]` -/

theorem maxTok_snoc (q : Nat) : ∀ y : List Nat, maxTok (y ++ [q]) = max (maxTok y) q
  | [] => show max q 0 = max 0 q by omega
  | a :: l => by
    show max a (maxTok (l ++ [q])) = max (max a (maxTok l)) q
    rw [maxTok_snoc q l]
    omega

theorem maxTok_le {b : Nat} : ∀ {y : List Nat}, (∀ t ∈ y, t ≤ b) → maxTok y ≤ b
  | [], _ => Nat.zero_le _
  | a :: l, h => by
    simp only [maxTok]
    have := h a (by simp)
    have := maxTok_le (y := l) fun t ht => h t (by simp [ht])
    omega

theorem le_maxTok {t : Nat} : ∀ {y : List Nat}, t ∈ y → t ≤ maxTok y
  | a :: l, h => by
    simp only [List.mem_cons] at h
    simp only [maxTok]
    rcases h with h | h
    · omega
    · have := le_maxTok h; omega

theorem tok_snoc_last (q : Nat) : ∀ y : List Nat, tok (y ++ [q]) y.length = q
  | [] => rfl
  | _ :: l => by simp only [tok, List.cons_append, List.length_cons, List.getD_cons_succ]; exact tok_snoc_last q l

theorem tok_snoc_lt (q : Nat) : ∀ (y : List Nat) {i : Nat}, i < y.length → tok (y ++ [q]) i = tok y i
  | [], _, h => absurd h (Nat.not_lt_zero _)
  | _ :: _, 0, _ => rfl
  | _ :: l, i + 1, h => by
    simp only [tok, List.cons_append, List.getD_cons_succ]
    exact tok_snoc_lt q l (by simp at h; omega)

theorem allBelow_tok (r : Nat → Bool) (y : List Nat) :
    allBelow (fun i => r (tok y i)) y.length = y.all r := by
  apply Bool.eq_iff_iff.2
  simp only [List.all_eq_true]
  constructor
  · intro h t ht
    obtain ⟨i, hi, rfl⟩ := List.mem_iff_getElem.1 ht
    have := allBelow_sound h i hi
    simpa [tok, List.getD_eq_getElem?_getD, List.getElem?_eq_getElem hi] using this
  · intro h
    apply allBelow_of_forall
    intro i hi
    have := h (y[i]'hi) (List.getElem_mem hi)
    simpa [tok, List.getD_eq_getElem?_getD, List.getElem?_eq_getElem hi] using this

/-! ## One cell -/

/-- The inputs `y ++ [q]` of the class of cell `(q, mx)` with gap `g ≥ 1`, `q ≤ mx`. -/
theorem count_cell (v k q mx g : Nat) (hmx : mx < v) (hg : 0 < g) (hq : q ≤ mx) :
    (allSeqs v k).countP (fun y => y.all (fun t => t == mx || decide (t + g ≤ mx)) &&
      max (maxTok y) q == mx) = classCount k q mx g := by
  have hA : countBelow v (fun t => t == mx || decide (t + g ≤ mx)) = mx + 1 - g + 1 := by
    rw [countBelow_or (fun t h => by simp at h; omega), countBelow_eq_one hmx,
      countBelow_le_sub hmx]
    omega
  have hall := countP_allSeqs_all v (fun t => t == mx || decide (t + g ≤ mx)) k
  have hlow := countP_allSeqs_all v (fun t => decide (t + g ≤ mx)) k
  rw [hA] at hall
  rw [countBelow_le_sub hmx] at hlow
  unfold classCount
  rw [if_neg (by omega)]
  by_cases hqm : q = mx
  · subst hqm
    rw [if_pos rfl, ← hall]
    apply List.countP_congr
    intro y _
    simp only [Bool.and_eq_true, beq_iff_eq, List.all_eq_true, Bool.or_eq_true,
      decide_eq_true_eq]
    constructor
    · exact fun h => h.1
    · intro h
      refine ⟨h, Nat.max_eq_right ?_⟩
      exact maxTok_le fun t ht => by have := h t ht; omega
  · rw [if_neg hqm, ← hall, ← hlow]
    -- in `A` = in `A` with the maximum `mx` + in `A` without it, i.e. below the gap
    rw [countP_and_add (allSeqs v k) (fun y => y.all fun t => t == mx || decide (t + g ≤ mx))
      (fun y => max (maxTok y) q == mx)]
    have hcongr : (allSeqs v k).countP (fun y => y.all (fun t => t == mx || decide (t + g ≤ mx)) &&
        !(max (maxTok y) q == mx)) = (allSeqs v k).countP (fun y => y.all fun t => decide (t + g ≤ mx)) := by
      apply List.countP_congr
      intro y _
      simp only [Bool.and_eq_true, Bool.not_eq_true', beq_eq_false_iff_ne, List.all_eq_true,
        Bool.or_eq_true, beq_iff_eq, decide_eq_true_eq]
      constructor
      · intro ⟨hA, hne⟩ t ht
        rcases hA t ht with h | h
        · subst h
          have := le_maxTok ht
          have := maxTok_le (b := t) (y := y) fun s hs => by have := hA s hs; omega
          omega
        · exact h
      · intro h
        refine ⟨fun t ht => Or.inr (h t ht), ?_⟩
        have := maxTok_lt (v := mx) (by omega) (x := y) fun t ht => by have := h t ht; omega
        omega
    rw [hcongr]
    omega

theorem allBelow_congr {p r : Nat → Bool} : ∀ {n : Nat}, (∀ i, i < n → p i = r i) →
    allBelow p n = allBelow r n
  | 0, _ => rfl
  | n + 1, h => by
    simp only [allBelow]
    rw [allBelow_congr fun i hi => h i (by omega), h n (by omega)]

/-- The closed-form count of the gap classes (module docstring). -/
theorem countP_inClass (m : Model) (gc : GapCertificate) (hK : 0 < m.nCtx) :
    (allSeqs m.dVocab m.nCtx).countP (inClass m gc) = gapCount m gc := by
  obtain ⟨k, hk⟩ : ∃ k, m.nCtx = k + 1 := ⟨m.nCtx - 1, by omega⟩
  unfold gapCount
  rw [hk, Nat.add_sub_cancel, countP_allSeqs_snoc]
  apply sumTo_congr_nat
  intro q hq
  have hv : 0 < m.dVocab := by omega
  rw [countP_split (fun y => max (maxTok y) q) _ m.dVocab _ fun y hy => by
    have := maxTok_lt hv (mem_allSeqs hy); simp only; omega]
  apply sumTo_congr_nat
  intro mx hmx
  -- the tokens of `y ++ [q]` for `y` of length `k`
  have hx : ∀ y ∈ allSeqs m.dVocab k, inClass m gc (y ++ [q]) =
      ((gapOf gc q (max (maxTok y) q) != 0) && y.all fun t =>
        t == max (maxTok y) q || decide (t + gapOf gc q (max (maxTok y) q) ≤ max (maxTok y) q)) := by
    intro y hy
    have hlen := length_of_mem_allSeqs hy
    unfold inClass
    rw [hk, Nat.add_sub_cancel, ← hlen, tok_snoc_last, maxTok_snoc, ← allBelow_tok]
    congr 1
    exact allBelow_congr fun i hi => by rw [tok_snoc_lt q y hi]
  by_cases h0 : gapOf gc q mx = 0 ∨ mx < q
  · rw [classCount, if_pos h0]
    apply List.countP_eq_zero.2
    intro y hy
    rw [hx y hy]
    simp only [Bool.and_eq_true, bne_iff_ne, ne_eq, beq_iff_eq, not_and]
    intro ⟨hg, _⟩ hmax
    rw [hmax] at hg
    omega
  · rw [← count_cell m.dVocab k q mx (gapOf gc q mx) hmx (by omega) (by omega)]
    apply List.countP_congr
    intro y hy
    rw [hx y hy]
    by_cases hmax : max (maxTok y) q = mx
    · simp only [hmax, Bool.and_eq_true, bne_iff_ne, ne_eq, beq_self_eq_true, and_true]
      constructor
      · exact fun h => h.2
      · exact fun h => ⟨by omega, h⟩
    · simp [hmax]

end

end CompactProofs.MaxOfK
