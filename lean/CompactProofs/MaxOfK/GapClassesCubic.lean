module

public import CompactProofs.MaxOfK.GapCount

/-!
# Gap classes in cubic time: the wrong logit pessimised per term

The cell test of `CompactProofs.MaxOfK.GapClasses` (`cellOk`) runs over every wrong logit
`y`: `d_vocab ^ 4 · K` terms for a Max-of-K model, too many for the kernel at `d_vocab = 64`.
This test (Python: `gap_classes_cubic`) bounds every wrong logit at once. For the two
tables that depend on `y` it takes the largest entry of each row off the maximum's column,
`max_{y ≠ mx} row y`, which is the row's second largest entry if `mx` is where the largest
sits and its largest otherwise (`rowBound`, from a witness `Tops` that `topsOk` checks).
Each term's coefficient is then at least

  `(direct q mx - max_{y ≠ mx} direct q y) · 2^(2 shift) + ovu i t mx - max_{y ≠ mx} ovu i t y`,

and the term (`pick`) is monotone in its coefficient for nonnegative enclosures, so one test
per cell (`cubicCellOk`) implies the test for every `y` (`cellOk_of_cubicCellOk`). Work:
`d_vocab ^ 3 · K` terms.

## What is proved
`checkGapCubic_sound_of_facts` (from `CoreFacts`) and `checkGapCubic_sound`: `checkCore`
(tables and enclosures), `topsOk`, `cubicCellsOk` and
`bound ≤ gapCount` (the closed-form count of `CompactProofs.MaxOfK.GapCount`) imply
`bound ≤ accuracy F m`. Nothing about the witness or the gaps is trusted.
-/

namespace CompactProofs.MaxOfK

@[expose] public noncomputable section

set_option linter.unusedSectionVars false

/-- The two largest entries of each row of the OV-unembed table (rows `[i][t]`, entries
over `y`) and of the direct table (rows `[q]`): where the largest is, and the largest and
second largest values. -/
structure Tops where
  ovuArg : List (List Nat)
  ovuTop1 : IntMatrix
  ovuTop2 : IntMatrix
  directArg : List Nat
  directTop1 : List Int
  directTop2 : List Int

/-- Upper bound on `max_{y ≠ mx} row y` for a row whose largest entry `top1` sits at `arg` and
whose other entries are at most `top2`. -/
def rowBound (arg : Nat) (top1 top2 : Int) (mx : Nat) : Int := if mx = arg then top2 else top1

/-- The first `n` entries of `row` are at most `top1`, and those off `arg` at most `top2` (one
pass over the row). -/
def rowOk (row : List Int) (n arg : Nat) (top1 top2 : Int) : Bool :=
  walkAll (fun y x => decide (x ≤ top1) && (y == arg || decide (x ≤ top2))) n 0 row

section Check

variable (m : Model) (c : Certificate) (w : Tops)

def ovuBound (i t mx : Nat) : Int :=
  rowBound ((w.ovuArg.getD i []).getD t 0) (entry w.ovuTop1 i t) (entry w.ovuTop2 i t) mx

def directBound (q mx : Nat) : Int :=
  rowBound (w.directArg.getD q 0) (w.directTop1.getD q 0) (w.directTop2.getD q 0) mx

/-- The witness bounds every row, and the enclosures are nonnegative. -/
def topsOk : Bool :=
  all2 m.nCtx m.dVocab (fun i t => rowOk (row3 c.ovu i t) m.dVocab
      ((w.ovuArg.getD i []).getD t 0) (entry w.ovuTop1 i t) (entry w.ovuTop2 i t)) &&
    allBelow (fun q => rowOk (c.direct.getD q []) m.dVocab (w.directArg.getD q 0)
      (w.directTop1.getD q 0) (w.directTop2.getD q 0)) m.dVocab &&
    all2 m.dVocab m.nCtx (fun q i => walk3 (fun lo hi _ => decide (0 ≤ lo) && decide (0 ≤ hi))
      m.dVocab (row3 c.expLo q i) (row3 c.expHi q i) [])

/-- The term of position `i` holding token `t`, for every wrong logit at once. -/
def cubicTerm (q mx i t : Nat) : Int :=
  pick (entry3 c.expLo q i t) (entry3 c.expHi q i t)
    ((entry c.direct q mx - directBound w q mx) * pow2 (2 * m.shift) +
      (entry3 c.ovu i t mx - ovuBound w i t mx))

/-- The least term of position `i` over the tokens `mx` and `0, ..., mx - g`. -/
def cubicLow (q mx g i : Nat) : Int :=
  minBelow (fun t => cubicTerm m c w q mx i t) (cubicTerm m c w q mx i mx) (mx + 1 - g)

/-- Lower bound on `cellSum q mx g y j` for every wrong logit `y`. -/
def cubicSum (q mx g j : Nat) : Int :=
  sumTo m.nCtx fun i =>
    if i = m.nCtx - 1 then cubicTerm m c w q mx i q
    else if i = j then cubicTerm m c w q mx i mx
    else cubicLow m c w q mx g i

/-- The test of cell `(q, mx)` with gap `g`. -/
def cubicCellOk (q mx g : Nat) : Bool :=
  allBelow (fun j => (j + 1 == m.nCtx && q != mx) || decide (0 < cubicSum m c w q mx g j)) m.nCtx

/-- Every claimed cell passes its test. -/
def cubicCellsOk (gc : GapCertificate) : Bool :=
  all2 m.dVocab m.dVocab fun q mx => gapOf gc q mx == 0 || cubicCellOk m c w q mx (gapOf gc q mx)

end Check

/-! ## Soundness -/

theorem rowBound_ge {row : List Int} {n arg : Nat} {top1 top2 : Int}
    (h : rowOk row n arg top1 top2 = true) {y mx : Nat} (hy : y < n) (hne : y ≠ mx) :
    row.getD y 0 ≤ rowBound arg top1 top2 mx := by
  have := walkAll_sound h y hy
  simp only [Nat.zero_add, Bool.and_eq_true, decide_eq_true_eq, Bool.or_eq_true, beq_iff_eq] at this
  unfold rowBound
  split
  · rcases this.2 with h | h
    · omega
    · exact h
  · exact this.1

theorem pick_mono {lo hi k k' : Int} (hlo : 0 ≤ lo) (hhi : 0 ≤ hi) (h : k ≤ k') :
    pick lo hi k ≤ pick lo hi k' := by
  unfold pick
  split <;> split
  · exact Int.mul_le_mul_of_nonneg_left h hlo
  · omega
  · exact Int.le_trans (Int.mul_nonpos_of_nonneg_of_nonpos hhi (by omega))
      (Int.mul_nonneg hlo (by omega))
  · exact Int.mul_le_mul_of_nonneg_left h hhi

theorem minBelow_mono {f f' : Nat → Int} {d d' : Int} (hd : d ≤ d') :
    ∀ {n : Nat}, (∀ t, t < n → f t ≤ f' t) → minBelow f d n ≤ minBelow f' d' n
  | 0, _ => hd
  | n + 1, h => by
    simp only [minBelow]
    have := minBelow_mono hd (n := n) fun t ht => h t (by omega)
    have := h n (by omega)
    omega

theorem cubicTerm_le {m : Model} {c : Certificate} {w : Tops} (hw : topsOk m c w = true)
    {q mx i t y : Nat} (hq : q < m.dVocab) (hi : i < m.nCtx) (ht : t < m.dVocab)
    (hy : y < m.dVocab) (hne : y ≠ mx) :
    cubicTerm m c w q mx i t ≤ gapTerm m c q mx i t y := by
  simp only [topsOk, Bool.and_eq_true] at hw
  have hovu : entry3 c.ovu i t y ≤ _ := rowBound_ge (all2_sound hw.1.1 i hi t ht) hy hne
  have hdir : entry c.direct q y ≤ _ := rowBound_ge (allBelow_sound hw.1.2 q hq) hy hne
  have henc := walk3_sound (all2_sound hw.2 q hq i hi) t ht
  simp only [Bool.and_eq_true, decide_eq_true_eq] at henc
  apply pick_mono henc.1 henc.2
  have hp := pow2_pos (2 * m.shift)
  have : (entry c.direct q mx - directBound w q mx) * pow2 (2 * m.shift) ≤
      (entry c.direct q mx - entry c.direct q y) * pow2 (2 * m.shift) :=
    Int.mul_le_mul_of_nonneg_right (by unfold directBound; omega) (by omega)
  unfold ovuBound
  omega

theorem cellOk_of_cubicCellOk {m : Model} {c : Certificate} {w : Tops}
    (hw : topsOk m c w = true) {q mx g : Nat} (hq : q < m.dVocab) (hmx : mx < m.dVocab)
    (h : cubicCellOk m c w q mx g = true) : cellOk m c q mx g = true := by
  apply allBelow_of_forall
  intro y hy
  simp only [Bool.or_eq_true, beq_iff_eq]
  by_cases hne : y = mx
  · exact Or.inl hne
  refine Or.inr (allBelow_of_forall fun j hj => ?_)
  have hc := allBelow_sound h j hj
  simp only [Bool.or_eq_true, decide_eq_true_eq] at hc ⊢
  refine hc.imp id fun hpos => Int.lt_of_lt_of_le hpos (sumTo_le_int fun i hi => ?_)
  split
  · exact cubicTerm_le hw hq hi hq hy hne
  split
  · exact cubicTerm_le hw hq hi hmx hy hne
  exact minBelow_mono (cubicTerm_le hw hq hi hmx hy hne)
    fun t ht => cubicTerm_le hw hq hi (by omega) hy hne

theorem cellsOk_of_cubicCellsOk {m : Model} {c : Certificate} {w : Tops} {gc : GapCertificate}
    (hw : topsOk m c w = true) (h : cubicCellsOk m c w gc = true) : cellsOk m c gc = true := by
  unfold cellsOk all2
  apply allBelow_of_forall
  intro q hq
  apply allBelow_of_forall
  intro mx hmx
  have := all2_sound h q hq mx hmx
  simp only [Bool.or_eq_true] at this ⊢
  exact this.imp id (cellOk_of_cubicCellOk hw hq hmx)

variable {α : Type} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]
  [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α] (F : ExpSqrt α)

/-- Soundness of the cubic gap-classes checker from the core facts: a valid witness, passing
cells and the closed-form count give `gc.bound` correct inputs. -/
theorem checkGapCubic_sound_of_facts {m : Model} {c : Certificate} {w : Tops} {gc : GapCertificate}
    (hc : CoreFacts m c) (hw : topsOk m c w = true) (hcells : cubicCellsOk m c w gc = true)
    (hcount : gc.bound ≤ gapCount m gc) : gc.bound ≤ accuracy F m :=
  checkGap_sound_of_facts F hc (cellsOk_of_cubicCellsOk hw hcells)
    (by rw [countP_inClass m gc hc.nCtx_pos]; exact hcount)

/-- Soundness of the cubic gap-classes checker: tables and enclosures (`checkCore`), a valid
witness, passing cells and the closed-form count give `gc.bound` correct inputs. -/
theorem checkGapCubic_sound {m : Model} {c : Certificate} {w : Tops} {gc : GapCertificate}
    (hcore : checkCore m c = true) (hw : topsOk m c w = true)
    (hcells : cubicCellsOk m c w gc = true) (hcount : gc.bound ≤ gapCount m gc) :
    gc.bound ≤ accuracy F m :=
  checkGapCubic_sound_of_facts F (checkCore_facts hcore) hw hcells hcount

end

end CompactProofs.MaxOfK
