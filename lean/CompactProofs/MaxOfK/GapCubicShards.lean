module

public import CompactProofs.MaxOfK.BlockCells
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
* the block bounds of `CompactProofs.MaxOfK.BlockCells`, one part per position (`blocksOk i`);
* per query token `q`: its `exp` enclosures, their signs and its direct row of the witness
  (`queryEnclosuresOk q`), and its cells (`queryCellsOk q`), each with one term per block of
  tokens (`blockCellOk`) or, where that does not suffice, in the walking form of
  `CompactProofs.MaxOfK.CubicWalk`;
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

variable (m : Model) (c : Certificate) (tw : TableWitness) (w : Tops) (bl : Blocks)
  (gc : GapCertificate)

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

/-- The block bounds of position `i` hold, for every query token and every maximum. -/
def blocksOk (i : Nat) : Bool :=
  allBelow (fun q => blocksEncOk m c bl q i) m.dVocab &&
    allBelow (fun mx => blocksOffOk m c tw.ovuT w bl i mx) m.dVocab

/-- Every claimed cell of query token `q` passes, with block terms or by the full walk. -/
def queryCellsOk (q : Nat) : Bool :=
  allBelow (fun mx => gapOf gc q mx == 0 || blockCellOk m c tw.ovuT w bl q mx (gapOf gc q mx) ||
    walkCellOk m c tw.ovuT w q mx (gapOf gc q mx)) m.dVocab

end Check

variable {α : Type} [Lean.Grind.Field α] [LE α] [LT α] [Std.IsLinearOrder α]
  [Std.LawfulOrderLT α] [Lean.Grind.OrderedRing α] (F : ExpSqrt α)

/-- The shards together give the bound. `parts` numbers the table parts `3 i + k`. -/
theorem shards_sound {m : Model} {c : Certificate} {tw : TableWitness} {w : Tops} {bl : Blocks}
    {gc : GapCertificate} (hK : 0 < m.nCtx) (hv : 0 < m.dVocab)
    (hbase : tablesBaseOk m c tw = true)
    (hparts : allBelow (fun n => tablesPartOk m c tw (n / 3) (n % 3)) (3 * m.nCtx) = true)
    (htops : allBelow (ovuTopsOk m c w) m.nCtx = true) (hsqrt : sqrtOk m c = true)
    (henc : allBelow (queryEnclosuresOk m c w) m.dVocab = true)
    (hblocks : allBelow (blocksOk m c tw w bl) m.nCtx = true)
    (hcells : allBelow (queryCellsOk m c tw w bl gc) m.dVocab = true)
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
    have hT : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → entry3 tw.ovuT i mx t = entry3 c.ovu i t mx :=
      fun i hi t ht => by rw [hovuT i hi mx hmx t ht, hovu i hi t ht mx hmx]
    have hb : ∀ i, i < m.nCtx → blocksEncOk m c bl q i = true ∧
        blocksOffOk m c tw.ovuT w bl i mx = true := fun i hi => by
      have := allBelow_sound hblocks i hi
      simp only [blocksOk, Bool.and_eq_true] at this
      exact ⟨allBelow_sound this.1 q hq, allBelow_sound this.2 mx hmx⟩
    have hhi0 : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → 0 ≤ entry3 c.expHi q i t := by
      intro i hi t ht
      have := allBelow_sound henc q hq
      simp only [queryEnclosuresOk, Bool.and_eq_true] at this
      have := walk3_sound (allBelow_sound this.1.2 i hi) t ht
      simp only [Bool.and_eq_true, decide_eq_true_eq] at this
      exact this.2
    have := allBelow_sound (allBelow_sound hcells q hq) mx hmx
    simp only [Bool.or_eq_true] at this
    rcases this with (h0 | hblock) | hwalk
    · simp only [h0, Bool.true_or]
    · simp only [blockCellOk_sound hq hmx hT hb hhi0 hblock, Bool.or_true]
    · rw [walkCellOk_eq hq hmx hT] at hwalk
      simp only [hwalk, Bool.or_true]
  exact checkGapCubic_sound_of_facts F hcore hw hcc hcount

end

end CompactProofs.MaxOfK
