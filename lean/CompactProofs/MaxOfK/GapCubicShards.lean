module

public import CompactProofs.MaxOfK.CubicWalk
public import CompactProofs.MaxOfK.PackedTables

/-!
# The cubic gap-classes check in shards the kernel can afford

For a model the size of the shipped Max-of-4 ones (`d_vocab = 64`), one kernel evaluation of
the whole check of `CompactProofs.MaxOfK.GapClassesCubic` would exhaust the kernel's memory:
its caches live as long as a declaration. This file splits the check into Boolean parts that
a generated module proves one declaration each (`decide +kernel`), and proves that the parts
together give the accuracy bound:

* the tables (`tablesBaseOk` and `tablesPartOk i k` of `CompactProofs.MaxOfK.PackedTables`:
  packed matrix products, three per position);
* the OV-unembed rows of the witness `Tops`, one part per position (`ovuTopsOk i`);
* per query token `q`: its `exp` enclosures, their signs and its direct row of the witness
  (`queryEnclosuresOk q`), and its cells in the walking form of
  `CompactProofs.MaxOfK.CubicWalk` (`queryCellsOk q`);
* the `1 / sqrt d_head` bounds (`sqrtOk`) and the closed-form count.

## What is proved
`shards_sound`: the parts imply `gc.bound ≤ accuracy F m` for every ordered field with an
`ExpSqrt` structure. It rebuilds `CoreFacts`, `topsOk` and `cubicCellsOk` from the parts and
applies `checkGapCubic_sound_of_facts`; nothing about the witnesses is trusted.
-/

namespace CompactProofs.MaxOfK

@[expose] public noncomputable section

set_option linter.unusedSectionVars false

section Check

variable (m : Model) (c : Certificate) (tw : TableWitness) (w : Tops) (gc : GapCertificate)

/-- The witness bounds the OV-unembed rows of position `i`. -/
def ovuTopsOk (i : Nat) : Bool :=
  allBelow (fun t => rowOk (row3 c.ovu i t) m.dVocab ((w.ovuArg.getD i []).getD t 0)
    (entry w.ovuTop1 i t) (entry w.ovuTop2 i t)) m.dVocab

/-- The enclosures of query token `q` hold and are nonnegative, and the witness bounds its
direct row. -/
def queryEnclosuresOk (q : Nat) : Bool :=
  allBelow (fun i => walk3 (enclosureOk m c) m.dVocab (row3 c.scores q i) (row3 c.expLo q i)
      (row3 c.expHi q i)) m.nCtx &&
    allBelow (fun i => walk3 (fun lo hi _ => decide (0 ≤ lo) && decide (0 ≤ hi)) m.dVocab
      (row3 c.expLo q i) (row3 c.expHi q i) []) m.nCtx &&
    rowOk (c.direct.getD q []) m.dVocab (w.directArg.getD q 0) (w.directTop1.getD q 0)
      (w.directTop2.getD q 0)

/-- Every claimed cell of query token `q` passes (walking form). -/
def queryCellsOk (q : Nat) : Bool :=
  allBelow (fun mx => gapOf gc q mx == 0 || walkCellOk m c tw.ovuT w q mx (gapOf gc q mx)) m.dVocab

end Check

theorem allBelow_succ_of {p : Nat → Bool} {n : Nat} (h : allBelow p n = true) (hn : p n = true) :
    allBelow p (n + 1) = true := by
  simp only [allBelow, h, hn, Bool.and_self]

variable {α : Type} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]
  [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α] (F : ExpSqrt α)

/-- The shards together give the bound. `parts` numbers the table parts `3 i + k`. -/
theorem shards_sound {m : Model} {c : Certificate} {tw : TableWitness} {w : Tops}
    {gc : GapCertificate} (hK : 0 < m.nCtx) (hv : 0 < m.dVocab)
    (hbase : tablesBaseOk m c tw = true)
    (hparts : allBelow (fun n => tablesPartOk m c tw (n / 3) (n % 3)) (3 * m.nCtx) = true)
    (htops : allBelow (ovuTopsOk m c w) m.nCtx = true) (hsqrt : sqrtOk m c = true)
    (henc : allBelow (queryEnclosuresOk m c w) m.dVocab = true)
    (hcells : allBelow (queryCellsOk m c tw w gc) m.dVocab = true)
    (hcount : gc.bound ≤ gapCount m gc) : gc.bound ≤ accuracy F m := by
  obtain ⟨hscores, hovu, hovuT, hdirect⟩ := tables_facts hbase fun i hi k hk => by
    have := allBelow_sound hparts (3 * i + k) (by omega)
    rwa [show (3 * i + k) / 3 = i by omega, show (3 * i + k) % 3 = k by omega] at this
  have hE : ∀ q, q < m.dVocab → ∀ i, i < m.nCtx → _ := fun q hq =>
    allBelow_sound (by
      have := allBelow_sound henc q hq
      simp only [queryEnclosuresOk, Bool.and_eq_true] at this
      exact this.1.1)
  have hcore : CoreFacts m c := ⟨hK, hv, hscores, hovu, hdirect, hsqrt,
    fun q hq i hi t ht => walk3_sound (hE q hq i hi) t ht⟩
  have hw : topsOk m c w = true := by
    simp only [topsOk, Bool.and_eq_true]
    refine ⟨⟨?_, allBelow_of_forall fun q hq => ?_⟩, ?_⟩
    · exact allBelow_of_forall fun i hi => allBelow_sound htops i hi
    · have := allBelow_sound henc q hq
      simp only [queryEnclosuresOk, Bool.and_eq_true] at this
      exact this.2
    · refine allBelow_of_forall fun q hq => ?_
      have := allBelow_sound henc q hq
      simp only [queryEnclosuresOk, Bool.and_eq_true] at this
      exact this.1.2
  have hcc : cubicCellsOk m c w gc = true := by
    refine allBelow_of_forall fun q hq => allBelow_of_forall fun mx hmx => ?_
    have := allBelow_sound (allBelow_sound hcells q hq) mx hmx
    rwa [walkCellOk_eq hq hmx fun i hi t ht => by rw [hovuT i hi mx hmx t ht, hovu i hi t ht mx hmx]]
      at this
  exact checkGapCubic_sound_of_facts F hcore hw hcc hcount

end

end CompactProofs.MaxOfK
