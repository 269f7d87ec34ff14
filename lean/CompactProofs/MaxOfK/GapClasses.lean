module

public import CompactProofs.MaxOfK.Checker

/-!
# Gap classes: a compact accuracy checker for Max-of-K models, and its soundness

The checker of `CompactProofs.MaxOfK.Checker` decides every input on its own. This one
decides whole classes of inputs at once (Python: `compact_proofs.maxofk.strategies.gap_classes`).

## The argument
For an input `x` with query token `q = x_(K-1)` and maximum `mx`, `inputOk` asks
`0 < marginLower x y` for every wrong logit `y`; `marginLower x y` is the sum over positions
`i` of `gapTerm q mx i (x_i) y` (the enclosure-picked term). A cell `(q, mx)` with gap `g`
claims every input whose query token is `q`, whose maximum is `mx`, and whose other tokens lie
in `A = {mx} ∪ {0, ..., mx - g}`. Its test (`cellOk`) asks, for every `y ≠ mx` and every
position `j` that can hold the maximum (`j < K - 1`, or `j = K - 1` when `q = mx`),

  `0 < cellSum q mx g y j = Σ_i (query term at i = K-1; the term of mx at i = j;
                                 otherwise the least term over A, lowTerm)`.

Every input of the class has some position `j` holding `mx` (`exists_tok_eq_maxTok`), and
each of its terms is at least the corresponding summand, so `marginLower x y ≥ cellSum > 0`.
The count is that of the per-input predicate `inClass` over all inputs.

## What is proved
`checkGap_sound_of_facts` (from `CoreFacts`) and `checkGap_sound`: `checkCore` (tables, square root, exp enclosures, as for `check`),
`cellsOk` and the count imply `bound ≤ accuracy F m`, for every ordered field with an
`ExpSqrt` structure. The gaps come from Python; nothing about them is trusted.

## What is not proved
A closed form of the count: the kernel counts `inClass` over the `d_vocab ^ K` inputs, which is
cheap per input but does not scale to the Max-of-4 models (`docs/lean_roadmap.md`).
-/

namespace CompactProofs.MaxOfK

open Lean.Grind

@[expose] public noncomputable section

set_option linter.unusedSectionVars false

/-- The witness: `gaps[q][mx]` is the gap `g ≥ 1` of cell `(q, mx)`, `0` for a cell that
claims nothing; `bound` is the claimed number of correct inputs. -/
structure GapCertificate where
  bound : Nat
  gaps : List (List Nat)

section Check

variable (m : Model) (c : Certificate) (gc : GapCertificate)

/-- The gap of cell `(q, mx)` (`0`: no claim). -/
def gapOf (q mx : Nat) : Nat := (gc.gaps.getD q []).getD mx 0

/-- The term of position `i` holding token `t` in `marginLower`, for query token `q`,
maximum `mx` and wrong logit `y`. -/
def gapTerm (q mx i t y : Nat) : Int :=
  pick (entry3 c.expLo q i t) (entry3 c.expHi q i t)
    ((entry c.direct q mx - entry c.direct q y) * pow2 (2 * m.shift) +
      (entry3 c.ovu i t mx - entry3 c.ovu i t y))

/-- `min d (f 0) ... (f (n - 1))`. -/
def minBelow (f : Nat → Int) (d : Int) : Nat → Int
  | 0 => d
  | n + 1 => min (minBelow f d n) (f n)

/-- The least term of position `i` over the tokens `mx` and `0, ..., mx - g`. -/
def lowTerm (q mx g i y : Nat) : Int :=
  minBelow (fun t => gapTerm m c q mx i t y) (gapTerm m c q mx i mx y) (mx + 1 - g)

/-- Lower bound on `marginLower` over the class of cell `(q, mx)` when position `j` holds the
maximum. -/
def cellSum (q mx g y j : Nat) : Int :=
  sumTo m.nCtx fun i =>
    if i = m.nCtx - 1 then gapTerm m c q mx i q y
    else if i = j then gapTerm m c q mx i mx y
    else lowTerm m c q mx g i y

/-- The test of cell `(q, mx)` with gap `g`. -/
def cellOk (q mx g : Nat) : Bool :=
  allBelow (fun y => y == mx || allBelow (fun j =>
    (j + 1 == m.nCtx && q != mx) || decide (0 < cellSum m c q mx g y j)) m.nCtx) m.dVocab

/-- Every claimed cell passes its test. -/
def cellsOk : Bool :=
  all2 m.dVocab m.dVocab fun q mx => gapOf gc q mx == 0 || cellOk m c q mx (gapOf gc q mx)

/-- Input `x` lies in the class of a claimed cell. -/
def inClass (x : List Nat) : Bool :=
  gapOf gc (tok x (m.nCtx - 1)) (maxTok x) != 0 &&
    allBelow (fun i => tok x i == maxTok x ||
      decide (tok x i + gapOf gc (tok x (m.nCtx - 1)) (maxTok x) ≤ maxTok x)) (m.nCtx - 1)

end Check

/-! ## Soundness -/

theorem allBelow_of_forall {p : Nat → Bool} : ∀ {n : Nat}, (∀ i, i < n → p i = true) →
    allBelow p n = true
  | 0, _ => rfl
  | n + 1, h => by
    simp only [allBelow, Bool.and_eq_true]
    exact ⟨allBelow_of_forall fun i hi => h i (by omega), h n (by omega)⟩

theorem minBelow_le_init (f : Nat → Int) (d : Int) : ∀ n, minBelow f d n ≤ d
  | 0 => Int.le_refl d
  | n + 1 => by
    simp only [minBelow]
    have := minBelow_le_init f d n
    omega

theorem minBelow_le (f : Nat → Int) (d : Int) : ∀ {n t : Nat}, t < n → minBelow f d n ≤ f t
  | n + 1, t, h => by
    simp only [minBelow]
    by_cases ht : t = n
    · subst ht
      omega
    · have := minBelow_le f d (n := n) (t := t) (by omega)
      omega

theorem length_of_mem_allSeqs {v : Nat} : ∀ {k : Nat} {x : List Nat}, x ∈ allSeqs v k →
    x.length = k
  | 0, x, h => by
    simp only [allSeqs, List.mem_singleton] at h
    subst h
    rfl
  | k + 1, x, h => by
    simp only [allSeqs, List.mem_flatMap, List.mem_range, List.mem_map] at h
    obtain ⟨_, _, x', hx', rfl⟩ := h
    simp [length_of_mem_allSeqs hx']

/-- Some position of a non-empty input holds its maximum. -/
theorem exists_tok_eq_maxTok : ∀ {x : List Nat}, x ≠ [] → ∃ i, i < x.length ∧ tok x i = maxTok x
  | [], h => absurd rfl h
  | a :: l, _ => by
    by_cases ha : maxTok l ≤ a
    · refine ⟨0, by simp, ?_⟩
      simp only [tok, List.getD_cons_zero, maxTok]
      omega
    · have hl : l ≠ [] := by
        intro hl
        subst hl
        simp [maxTok] at ha
      obtain ⟨i, hi, hti⟩ := exists_tok_eq_maxTok hl
      refine ⟨i + 1, by simp; omega, ?_⟩
      simp only [tok, List.getD_cons_succ, maxTok] at hti ⊢
      omega

/-- `marginLower` is the sum of the `gapTerm`s of the input's own tokens. -/
theorem marginLower_eq (m : Model) (c : Certificate) (x : List Nat) (y : Nat) :
    marginLower m c x y =
      sumTo m.nCtx fun i => gapTerm m c (tok x (m.nCtx - 1)) (maxTok x) i (tok x i) y :=
  rfl

/-- An input in the class of a passing cell passes `inputOk`. -/
theorem inputOk_of_inClass {m : Model} {c : Certificate} {gc : GapCertificate}
    (hK : 0 < m.nCtx) (hv : 0 < m.dVocab) (hcells : cellsOk m c gc = true) {x : List Nat}
    (hx : x ∈ allSeqs m.dVocab m.nCtx) (hin : inClass m gc x = true) : inputOk m c x = true := by
  have hxv := mem_allSeqs hx
  have hlen := length_of_mem_allSeqs hx
  generalize hq : tok x (m.nCtx - 1) = q at hin
  generalize hmx : maxTok x = mx at hin
  generalize hg : gapOf gc q mx = g at hin
  simp only [inClass, hq, hmx, hg, Bool.and_eq_true, bne_iff_ne, ne_eq] at hin
  obtain ⟨hg0, hcls⟩ := hin
  have hqv : q < m.dVocab := hq ▸ tok_lt hv hxv _
  have hmxv : mx < m.dVocab := hmx ▸ maxTok_lt hv hxv
  have hcell := all2_sound hcells q hqv mx hmxv
  simp only [hg, Bool.or_eq_true, beq_iff_eq, hg0, false_or] at hcell
  -- a position holding the maximum, the query position when q = mx
  obtain ⟨j, hjK, hjx, hjq⟩ : ∃ j, j < m.nCtx ∧ tok x j = mx ∧ (j + 1 = m.nCtx → q = mx) := by
    by_cases hqm : q = mx
    · exact ⟨m.nCtx - 1, by omega, by rw [hq, hqm], fun _ => hqm⟩
    · obtain ⟨i, hi, hti⟩ := exists_tok_eq_maxTok (x := x) (by intro h; subst h; simp at hlen; omega)
      refine ⟨i, by omega, by rw [hti, hmx], fun h => ?_⟩
      have : i = m.nCtx - 1 := by omega
      subst this
      rw [← hq, hti, hmx]
  unfold inputOk
  apply allBelow_of_forall
  intro y hy
  simp only [Bool.or_eq_true, beq_iff_eq, decide_eq_true_eq]
  by_cases hymx : y = maxTok x
  · exact Or.inl hymx
  refine Or.inr ?_
  have hyc := allBelow_sound hcell y hy
  simp only [Bool.or_eq_true, beq_iff_eq, ← hmx] at hyc
  have hj := allBelow_sound (hyc.resolve_left hymx) j hjK
  simp only [Bool.or_eq_true, Bool.and_eq_true, beq_iff_eq, bne_iff_ne, ne_eq,
    decide_eq_true_eq] at hj
  have hpos : 0 < cellSum m c q mx g y j := by
    rcases hj with ⟨h1, h2⟩ | h
    · exact absurd (hjq h1) (by rw [hmx] at h2; exact h2)
    · rw [hmx] at h; exact h
  rw [marginLower_eq, hq, hmx]
  refine Int.lt_of_lt_of_le hpos (sumTo_le_int fun i hi => ?_)
  by_cases hiK : i = m.nCtx - 1
  · simp only [hiK, if_true]
    rw [hq]
    exact Int.le_refl _
  simp only [hiK, if_false]
  by_cases hij : i = j
  · subst hij
    simp only [if_true]
    rw [hjx]
    exact Int.le_refl _
  simp only [hij, if_false]
  have hc := allBelow_sound hcls i (by omega)
  simp only [Bool.or_eq_true, beq_iff_eq, decide_eq_true_eq] at hc
  unfold lowTerm
  rcases hc with ht | ht
  · rw [ht]; exact minBelow_le_init _ _ _
  · exact minBelow_le _ _ (by omega)

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (F : ExpSqrt α)

/-- Soundness of the gap-classes checker from the core facts: passing cells and the count of
their classes give `gc.bound` correct inputs. -/
theorem checkGap_sound_of_facts {m : Model} {c : Certificate} {gc : GapCertificate}
    (hc : CoreFacts m c) (hcells : cellsOk m c gc = true)
    (hcount : gc.bound ≤ (allSeqs m.dVocab m.nCtx).countP (inClass m gc)) :
    gc.bound ≤ accuracy F m := by
  have hmono : (allSeqs m.dVocab m.nCtx).countP (inClass m gc) ≤
      (allSeqs m.dVocab m.nCtx).countP (inputOk m c) :=
    List.countP_mono_left fun x hx hin => inputOk_of_inClass hc.nCtx_pos hc.dVocab_pos hcells hx hin
  exact Nat.le_trans hcount (Nat.le_trans hmono (count_le_accuracy F hc))

/-- Soundness of the gap-classes checker: with the tables and enclosures of `checkCore`,
passing cells and the count of their classes, `gc.bound` correct inputs. -/
theorem checkGap_sound {m : Model} {c : Certificate} {gc : GapCertificate}
    (hcore : checkCore m c = true) (hcells : cellsOk m c gc = true)
    (hcount : gc.bound ≤ (allSeqs m.dVocab m.nCtx).countP (inClass m gc)) :
    gc.bound ≤ accuracy F m :=
  checkGap_sound_of_facts F (checkCore_facts hcore) hcells hcount

end

end CompactProofs.MaxOfK
