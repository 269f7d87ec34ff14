module

public import CompactProofs.MaxOfK.GapClassesCubic

/-!
# The cubic cell test in one pass over rows

`cubicCellOk` (`CompactProofs.MaxOfK.GapClassesCubic`) reads its tables by index
(`entry3 … q i t`), which costs the kernel a list walk per read: at `d_vocab = 64` that is
most of the work. `walkCellOk` computes the same Boolean while walking, for each position,
six rows along the tokens `t` together (`CellRows`): the enclosures `expLo[q][i]`,
`expHi[q][i]`, the OV-unembed column `ovuT[i][mx]` (the table transposed, so that the column
is a row) and the witness rows of `Tops`. The least term over the tokens `0, …, mx - g` is a
fold along the walk (`walkMin`) instead of `minBelow` over indices.

## What is proved
`walkMin_eq`: a walk computes `minBelow` of the terms it meets. `walkCellOk_eq`: when `ovuT`
is the transpose of the certificate's `ovu` (on the tokens below `d_vocab`), `walkCellOk`
*is* `cubicCellOk`, so its soundness is that of `CompactProofs.MaxOfK.GapClassesCubic`.
-/

namespace CompactProofs.MaxOfK

@[expose] public noncomputable section

set_option linter.unusedSectionVars false

/-- `min acc (term s) (term (next s)) …`, over `n` states. -/
def walkMin {σ : Type} (next : σ → σ) (term : σ → Int) : Nat → σ → Int → Int
  | 0, _, acc => acc
  | n + 1, s, acc => walkMin next term n (next s) (min acc (term s))

/-- `f` applied `n` times. -/
def iterate {σ : Type} (f : σ → σ) : Nat → σ → σ
  | 0, s => s
  | n + 1, s => iterate f n (f s)

/-- What the cell test of position `i` reads along the tokens: the rows start at token `0`. -/
structure CellRows where
  lo : List Int
  hi : List Int
  ovu : List Int
  arg : List Nat
  top1 : List Int
  top2 : List Int

/-- The rows from the next token on. -/
def CellRows.next (r : CellRows) : CellRows :=
  ⟨r.lo.tail, r.hi.tail, r.ovu.tail, r.arg.tail, r.top1.tail, r.top2.tail⟩

/-- The cubic term of the rows' first token, for the direct part `D` and the maximum `mx`. -/
def CellRows.term (D : Int) (mx : Nat) (r : CellRows) : Int :=
  pick (r.lo.headD 0) (r.hi.headD 0)
    (D + (r.ovu.headD 0 - rowBound (r.arg.headD 0) (r.top1.headD 0) (r.top2.headD 0) mx))

section Check

variable (m : Model) (c : Certificate) (ovuT : List IntMatrix) (w : Tops)

/-- The rows of position `i` for query token `q` and maximum `mx`. -/
def cellRows (q mx i : Nat) : CellRows :=
  ⟨row3 c.expLo q i, row3 c.expHi q i, row3 ovuT i mx, w.ovuArg.getD i [], w.ovuTop1.getD i [],
    w.ovuTop2.getD i []⟩

/-- The direct part of every term of cell `(q, mx)`. -/
def directPart (q mx : Nat) : Int := (entry c.direct q mx - directBound w q mx) * pow2 (2 * m.shift)

/-- `cubicTerm q mx i t`, read from the rows. -/
def walkTerm (q mx i t : Nat) : Int :=
  (iterate CellRows.next t (cellRows c ovuT w q mx i)).term (directPart m c w q mx) mx

/-- `cubicLow q mx g i`, as one walk. -/
def walkLow (q mx g i : Nat) : Int :=
  walkMin CellRows.next (CellRows.term (directPart m c w q mx) mx) (mx + 1 - g)
    (cellRows c ovuT w q mx i) (walkTerm m c ovuT w q mx i mx)

/-- `cubicSum q mx g j`, from the walks. -/
def walkSum (q mx g j : Nat) : Int :=
  sumTo m.nCtx fun i =>
    if i = m.nCtx - 1 then walkTerm m c ovuT w q mx i q
    else if i = j then walkTerm m c ovuT w q mx i mx
    else walkLow m c ovuT w q mx g i

/-- `cubicCellOk q mx g`, from the walks. -/
def walkCellOk (q mx g : Nat) : Bool :=
  allBelow (fun j => (j + 1 == m.nCtx && q != mx) || decide (0 < walkSum m c ovuT w q mx g j)) m.nCtx

end Check

/-! ## The walk computes the specification -/

theorem minBelow_shift (f : Nat → Int) : ∀ (n : Nat) (acc : Int),
    minBelow (fun t => f (t + 1)) (min acc (f 0)) n = minBelow f acc (n + 1)
  | 0, _ => rfl
  | n + 1, acc => by
    simp only [minBelow] at *
    rw [minBelow_shift f n acc]
    rfl

theorem walkMin_eq {σ : Type} (next : σ → σ) (term : σ → Int) : ∀ (n : Nat) (s : σ) (acc : Int)
    (f : Nat → Int), (∀ t, t < n → term (iterate next t s) = f t) →
    walkMin next term n s acc = minBelow f acc n
  | 0, _, _, _, _ => rfl
  | n + 1, s, acc, f, h => by
    simp only [walkMin]
    rw [walkMin_eq next term n (next s) _ (fun t => f (t + 1)) fun t ht => h (t + 1) (by omega)]
    rw [show term s = f 0 from h 0 (by omega)]
    exact minBelow_shift f n acc

theorem headD_tail_iterate {β : Type} (d : β) : ∀ (t : Nat) (l : List β),
    (iterate List.tail t l).headD d = l.getD t d
  | 0, l => by cases l <;> rfl
  | t + 1, l => by
    rw [show iterate List.tail (t + 1) l = iterate List.tail t l.tail from rfl,
      headD_tail_iterate d t l.tail]
    cases l <;> simp

theorem CellRows.next_iterate (r : CellRows) : ∀ t : Nat, iterate CellRows.next t r =
    ⟨iterate List.tail t r.lo, iterate List.tail t r.hi, iterate List.tail t r.ovu,
      iterate List.tail t r.arg, iterate List.tail t r.top1, iterate List.tail t r.top2⟩
  | 0 => rfl
  | t + 1 => CellRows.next_iterate r.next t

/-- Read by walking, the term of token `t` is `cubicTerm` once `ovuT` agrees with `ovu` there. -/
theorem walkTerm_eq {m : Model} {c : Certificate} {ovuT : List IntMatrix} {w : Tops}
    {q mx i t : Nat} (h : entry3 ovuT i mx t = entry3 c.ovu i t mx) :
    walkTerm m c ovuT w q mx i t = cubicTerm m c w q mx i t := by
  unfold walkTerm CellRows.term cubicTerm
  rw [CellRows.next_iterate]
  simp only [headD_tail_iterate, cellRows]
  rw [show (row3 ovuT i mx).getD t 0 = entry3 c.ovu i t mx from h]
  rfl

/-- The walking cell test is the indexed one, when `ovuT` is the transpose of `c.ovu`. -/
theorem walkCellOk_eq {m : Model} {c : Certificate} {ovuT : List IntMatrix} {w : Tops}
    {q mx g : Nat} (hq : q < m.dVocab) (hmx : mx < m.dVocab)
    (hT : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → entry3 ovuT i mx t = entry3 c.ovu i t mx) :
    walkCellOk m c ovuT w q mx g = cubicCellOk m c w q mx g := by
  unfold walkCellOk cubicCellOk
  apply allBelow_congr
  intro j _
  unfold walkSum cubicSum
  congr 3
  apply sumTo_congr
  intro i hi
  split
  · exact walkTerm_eq (hT i hi q hq)
  split
  · exact walkTerm_eq (hT i hi mx hmx)
  unfold walkLow cubicLow
  rw [walkTerm_eq (hT i hi mx hmx)]
  apply walkMin_eq
  intro t ht
  exact walkTerm_eq (hT i hi t (by omega))

end

end CompactProofs.MaxOfK
