module

public import CompactProofs.ModAdd.CheckerSound
public import CompactProofs.ModAdd.PackedTables

/-!
# Modular addition: accuracy from a checked certificate

`accuracy_ge`: if the once-only checks (`globalOk`) and every operand's count (`rowOk`) pass
and the tables hold (`TabsHold`), then at least `Σ_a counts a` of the `p²` inputs are
`Correct` under the exact real-number semantics, over every ordered field. The checks are
Boolean functions that the kernel evaluates (`decide +kernel`) on the generated certificate.

## What is proved
`accuracy_ge`, with `rowCount_le`; `accuracy_ge_of_witness` takes the
tables from the packed-product witness of `CompactProofs.ModAdd.PackedTables`
(`tabsHold_ofWitness`).
-/

namespace CompactProofs.ModAdd

open Lean.Grind

@[expose] public noncomputable section

theorem sum_map_le {l : List Nat} {f g : Nat → Nat} (h : ∀ x ∈ l, f x ≤ g x) :
    (l.map f).sum ≤ (l.map g).sum := by
  induction l with
  | nil => exact Nat.le_refl _
  | cons x l ih =>
    simp only [List.map_cons, List.sum_cons]
    exact Nat.add_le_add (h x (by simp)) (ih fun y hy => h y (by simp [hy]))

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α]

/-- The inputs that `rowCount` counts are correct. -/
theorem rowCount_le {m : Model} {T : Tabs} {c : Cert} (hG : GlobalFacts m T c) (hT : TabsHold m T)
    {a : Nat} (ha : a < m.p) :
    rowCount m c a ≤ (List.range m.p).countP fun b =>
      @decide (Correct (α := α) m a b) (Classical.propDecidable _) := by
  unfold rowCount
  split
  · rename_i hbase
    simp only []
    rw [← List.countP_eq_length_filter]
    apply List.countP_mono_left
    intro b hb hok
    have hb' : b < m.p := List.mem_range.1 hb
    simp only [decide_eq_true_eq]
    exact correct_of_logitInt m a b (inputOk_sound hG hT ha hbase hb' hok)
  · exact Nat.zero_le _

/-- **Soundness of the certificate check.** -/
theorem accuracy_ge {m : Model} {T : Tabs} {c : Cert} {parts : Nat} (hparts : 3 < parts)
    (hglobal : ∀ i, i < parts → globalOk m T c parts i = true) (hT : TabsHold m T)
    (hrows : allBelow (rowOk m c) m.p = true) :
    (sumTo m.p fun a => c.counts.getD a 0) ≤ accuracy (α := α) m := by
  have hG := globalOk_sound hparts hglobal
  unfold accuracy allPairs
  rw [List.countP_flatMap, ← sum_map_range]
  apply sum_map_le
  intro a ha
  have ha' : a < m.p := List.mem_range.1 ha
  have hrow := allBelow_sound hrows a ha'
  simp only [rowOk, beq_iff_eq] at hrow
  rw [← hrow, Function.comp_apply, List.countP_map]
  exact rowCount_le hG hT ha'

/-- The tables the checker reads, taken from the packed-product witness. -/
def Tabs.ofWitness (tw : TableWitness) : Tabs where
  pre0T := tw.preT.getD 0 []
  pre1T := tw.preT.getD 1 []
  ovu0T := tw.ovuT.getD 0 []
  ovu1T := tw.ovuT.getD 1 []
  preC := tw.preC
  linC := tw.linC
  mT := tw.mT

theorem tabsHold_ofWitness {m : Model} {tw : TableWitness}
    (h : ∀ k, k < nParts m tw → tablesOk m tw k = true) : TabsHold m (Tabs.ofWitness tw) := by
  obtain ⟨hpre, hovu, hc, hl, hm⟩ := tables_facts h
  exact ⟨fun t n ht hn => hpre 0 t n (by omega) ht hn, fun t n ht hn => hpre 1 t n (by omega) ht hn,
    fun t y ht hy => hovu 0 t y (by omega) ht hy, fun t y ht hy => hovu 1 t y (by omega) ht hy,
    hc, hl, hm⟩

/-- **Soundness**, with the tables checked by packed products. -/
theorem accuracy_ge_of_witness {m : Model} {tw : TableWitness} {c : Cert} {parts : Nat}
    (hparts : 3 < parts)
    (hglobal : ∀ i, i < parts → globalOk m (Tabs.ofWitness tw) c parts i = true)
    (htables : ∀ k, k < nParts m tw → tablesOk m tw k = true)
    (hrows : allBelow (rowOk m c) m.p = true) :
    (sumTo m.p fun a => c.counts.getD a 0) ≤ accuracy (α := α) m :=
  accuracy_ge hparts hglobal (tabsHold_ofWitness htables) hrows

end

end CompactProofs.ModAdd
