module

public import CompactProofs.MaxOfK.CubicWalk

/-!
# The cubic cell test with one term per block of tokens

`walkCellOk` (`CompactProofs.MaxOfK.CubicWalk`) evaluates, for each non-query position, one
`pick` term per token below `mx + 1 - g`. `pick lo hi k` is monotone in `k` and, for `k < 0`,
antitone in `hi`, for `k ≥ 0` monotone in `lo`, once `0 ≤ lo` and `0 ≤ hi`. So a block of `B`
consecutive tokens has one term below all of its terms: `pick lo' hi' (D + a')` with `lo'` at
most every `lo`, `hi'` at least every `hi` and `a'` at most every OV-unembed part `a` of the
block. A `Blocks` witness supplies these per block (`lo`, `hi` per query token and position,
`off` per position and maximum, so that they are checked once, not per cell); `blockLow` takes
the least block term over the whole blocks below `mx + 1 - g` and walks the remaining tokens
exactly.

## What is proved
`blocksAlong_sound`: the one-pass block checks give the per-token inequalities.
`blockLow_le`: with those inequalities, `blockLow` is at most `cubicLow`.
`blockCellOk_sound`: a cell that passes with `blockLow` passes `cubicCellOk`. Nothing is
claimed about how often block terms suffice; a cell for which they do not can still be
checked by `walkCellOk`.
-/

namespace CompactProofs.MaxOfK

@[expose] public noncomputable section

set_option linter.unusedSectionVars false

/-- `ok (bs[(t + k) / B]) (term (next^t s))` for every `t < n`, in one pass: the block row
`bs` advances every `B` tokens (`k`: tokens of the current block already passed). -/
def blocksAlong {σ : Type} (next : σ → σ) (term : σ → Int) (ok : Int → Int → Bool) (B : Nat) :
    Nat → Nat → List Int → σ → Bool
  | 0, _, _, _ => true
  | n + 1, k, bs, s => ok (bs.headD 0) (term s) &&
      if k + 1 = B then blocksAlong next term ok B n 0 bs.tail (next s)
      else blocksAlong next term ok B n (k + 1) bs (next s)

theorem blocksAlong_sound {σ : Type} {next : σ → σ} {term : σ → Int} {ok : Int → Int → Bool}
    {B : Nat} : ∀ {n k : Nat} {bs : List Int} {s : σ}, k < B →
    blocksAlong next term ok B n k bs s = true →
    ∀ t, t < n → ok (bs.getD ((t + k) / B) 0) (term (iterate next t s)) = true
  | n + 1, k, bs, s, hk, h, t, ht => by
    simp only [blocksAlong, Bool.and_eq_true] at h
    cases t with
    | zero =>
      rw [Nat.zero_add, Nat.div_eq_of_lt hk, ← headD_eq_getD]
      exact h.1
    | succ t =>
      have h2 := h.2
      split at h2
      · rename_i hB
        have := blocksAlong_sound (n := n) (by omega) h2 t (by omega)
        rw [show t + 1 + k = t + B by omega, Nat.add_div_right t (by omega), getD_succ_eq_tail]
        rw [Nat.add_zero] at this
        exact this
      · have := blocksAlong_sound (n := n) (k := k + 1) (by omega) h2 t (by omega)
        rw [show t + 1 + k = t + (k + 1) by omega]
        exact this

/-- The least of `acc` and the block terms `pick lo[b] hi[b] (D + a[b])`, `b < nb`. -/
def blockMin (D : Int) : Nat → List Int → List Int → List Int → Int → Int
  | 0, _, _, _, acc => acc
  | nb + 1, lo, hi, a, acc =>
    blockMin D nb lo.tail hi.tail a.tail (min acc (pick (lo.headD 0) (hi.headD 0) (D + a.headD 0)))

theorem blockMin_le_acc (D : Int) : ∀ (nb : Nat) (lo hi a : List Int) (acc : Int),
    blockMin D nb lo hi a acc ≤ acc
  | 0, _, _, _, _ => Int.le_refl _
  | nb + 1, _, _, _, _ =>
    Int.le_trans (blockMin_le_acc D nb _ _ _ _) (Int.min_le_left _ _)

theorem blockMin_le_block (D : Int) : ∀ (nb : Nat) (lo hi a : List Int) (acc : Int) (b : Nat),
    b < nb → blockMin D nb lo hi a acc ≤ pick (lo.getD b 0) (hi.getD b 0) (D + a.getD b 0)
  | nb + 1, lo, hi, a, acc, 0, _ => by
    rw [← headD_eq_getD, ← headD_eq_getD, ← headD_eq_getD]
    exact Int.le_trans (blockMin_le_acc D nb _ _ _ _) (Int.min_le_right _ _)
  | nb + 1, lo, hi, a, acc, b + 1, hb => by
    rw [getD_succ_eq_tail, getD_succ_eq_tail, getD_succ_eq_tail]
    exact blockMin_le_block D nb _ _ _ _ b (by omega)

theorem pick_le_pick {lo hi k lo' hi' k' : Int} (hlo' : 0 ≤ lo') (hlo : lo' ≤ lo) (hhi0 : 0 ≤ hi)
    (hhi : hi ≤ hi') (hk : k' ≤ k) : pick lo' hi' k' ≤ pick lo hi k := by
  unfold pick
  split <;> split
  · exact Int.le_trans (Int.mul_le_mul_of_nonneg_left hk hlo')
      (Int.mul_le_mul_of_nonneg_right hlo (by omega))
  · omega
  · exact Int.le_trans (Int.mul_nonpos_of_nonneg_of_nonpos (by omega) (by omega))
      (Int.mul_nonneg (by omega) (by omega))
  · exact Int.le_trans (Int.mul_le_mul_of_nonneg_left hk (by omega))
      (Int.mul_le_mul_of_nonpos_right hhi (by omega))

theorem walkMin_le_acc {σ : Type} (next : σ → σ) (term : σ → Int) : ∀ (n : Nat) (s : σ) (acc : Int),
    walkMin next term n s acc ≤ acc
  | 0, _, _ => Int.le_refl _
  | n + 1, _, _ => Int.le_trans (walkMin_le_acc next term n _ _) (Int.min_le_left _ _)

theorem walkMin_le_term {σ : Type} (next : σ → σ) (term : σ → Int) : ∀ (n : Nat) (s : σ) (acc : Int)
    (t : Nat), t < n → walkMin next term n s acc ≤ term (iterate next t s)
  | n + 1, _, _, 0, _ =>
    Int.le_trans (walkMin_le_acc next term n _ _) (Int.min_le_right _ _)
  | n + 1, s, _, t + 1, ht => walkMin_le_term next term n (next s) _ t (by omega)

theorem iterate_add {σ : Type} (f : σ → σ) (a : Nat) : ∀ (b : Nat) (s : σ),
    iterate f (a + b) s = iterate f a (iterate f b s)
  | 0, _ => rfl
  | b + 1, s => by
    rw [show a + (b + 1) = (a + b) + 1 by omega]
    exact iterate_add f a b (f s)

theorem le_minBelow {f : Nat → Int} {d x : Int} (hd : x ≤ d) : ∀ {n : Nat},
    (∀ t, t < n → x ≤ f t) → x ≤ minBelow f d n
  | 0, _ => hd
  | n + 1, h => Int.le_min.2 ⟨le_minBelow hd fun t ht => h t (by omega), h n (by omega)⟩

/-- Block bounds: `lo[q][i][b]`, `hi[q][i][b]` bound the `exp` enclosures of the tokens of
block `b` (tokens `b · size, …, b · size + size - 1`), `off[i][mx][b]` their OV-unembed parts. -/
structure Blocks where
  size : Nat
  lo : List (List (List Int))
  hi : List (List (List Int))
  off : List (List (List Int))

/-- The OV-unembed part of the rows' first token, for the maximum `mx`. -/
def CellRows.off (mx : Nat) (r : CellRows) : Int :=
  r.ovu.headD 0 - rowBound (r.arg.headD 0) (r.top1.headD 0) (r.top2.headD 0) mx

section Check

variable (m : Model) (c : Certificate) (ovuT : List IntMatrix) (w : Tops) (bl : Blocks)

/-- The enclosure bounds of query token `q` and position `i` hold over the tokens. -/
def blocksEncOk (q i : Nat) : Bool :=
  decide (0 < bl.size) &&
    blocksAlong List.tail (List.headD · 0) (fun b x => decide (0 ≤ b) && decide (b ≤ x)) bl.size
      m.dVocab 0 (row3 bl.lo q i) (row3 c.expLo q i) &&
    blocksAlong List.tail (List.headD · 0) (fun b x => decide (x ≤ b)) bl.size m.dVocab 0
      (row3 bl.hi q i) (row3 c.expHi q i)

/-- The OV-unembed bounds of position `i` and maximum `mx` hold over the tokens. -/
def blocksOffOk (i mx : Nat) : Bool :=
  decide (0 < bl.size) &&
    blocksAlong CellRows.next (CellRows.off mx) (fun b x => decide (b ≤ x)) bl.size m.dVocab 0
      (row3 bl.off i mx) (cellRows c ovuT w 0 mx i)

/-- A lower bound on `cubicLow q mx g i`: one term per whole block below `mx + 1 - g`, the
other tokens exact. -/
def blockLow (q mx g i : Nat) : Int :=
  walkMin CellRows.next (CellRows.term (directPart m c w q mx) mx)
    (mx + 1 - g - (mx + 1 - g) / bl.size * bl.size)
    (iterate CellRows.next ((mx + 1 - g) / bl.size * bl.size) (cellRows c ovuT w q mx i))
    (blockMin (directPart m c w q mx) ((mx + 1 - g) / bl.size) (row3 bl.lo q i) (row3 bl.hi q i)
      (row3 bl.off i mx) (walkTerm m c ovuT w q mx i mx))

/-- `walkSum` with `blockLow`. -/
def blockSum (q mx g j : Nat) : Int :=
  sumTo m.nCtx fun i =>
    if i = m.nCtx - 1 then walkTerm m c ovuT w q mx i q
    else if i = j then walkTerm m c ovuT w q mx i mx
    else blockLow m c ovuT w bl q mx g i

/-- `walkCellOk` with `blockLow`. -/
def blockCellOk (q mx g : Nat) : Bool :=
  allBelow (fun j => (j + 1 == m.nCtx && q != mx) || decide (0 < blockSum m c ovuT w bl q mx g j))
    m.nCtx

end Check

/-! ## Soundness -/

section Sound

variable {m : Model} {c : Certificate} {ovuT : List IntMatrix} {w : Tops} {bl : Blocks}

/-- `blockLow` is at most `cubicLow`, given the block checks of the cell's rows, nonnegative
upper enclosures and the transposed OV-unembed table. -/
theorem blockLow_le {q mx g i : Nat} (hmx : mx < m.dVocab)
    (hT : ∀ t, t < m.dVocab → entry3 ovuT i mx t = entry3 c.ovu i t mx)
    (henc : blocksEncOk m c bl q i = true) (hoff : blocksOffOk m c ovuT w bl i mx = true)
    (hhi0 : ∀ t, t < m.dVocab → 0 ≤ entry3 c.expHi q i t) :
    blockLow m c ovuT w bl q mx g i ≤ cubicLow m c w q mx g i := by
  simp only [blocksEncOk, blocksOffOk, Bool.and_eq_true, decide_eq_true_eq] at henc hoff
  have hB := hoff.1
  have hlo := blocksAlong_sound hB henc.1.2
  have hhi := blocksAlong_sound hB henc.2
  have ha := blocksAlong_sound hB hoff.2
  have hterm : ∀ t, t < m.dVocab →
      walkTerm m c ovuT w q mx i t = cubicTerm m c w q mx i t := fun t ht =>
    walkTerm_eq (hT t ht)
  unfold blockLow cubicLow
  generalize hn : mx + 1 - g = n
  have hnv : n ≤ m.dVocab := by omega
  generalize hD : directPart m c w q mx = D
  apply le_minBelow
  · rw [← hterm mx hmx]
    exact Int.le_trans (walkMin_le_acc _ _ _ _ _) (blockMin_le_acc _ _ _ _ _ _)
  intro t ht
  dsimp only
  by_cases hw : t < n / bl.size * bl.size
  · -- a whole block: its block term is below the token's term
    have hb : t / bl.size < n / bl.size := Nat.div_lt_of_lt_mul (by
      rw [Nat.mul_comm]; exact hw)
    refine Int.le_trans (walkMin_le_acc _ _ _ _ _)
      (Int.le_trans (blockMin_le_block _ _ _ _ _ _ _ hb) ?_)
    have hl := hlo t (by omega)
    have hh := hhi t (by omega)
    have hA := ha t (by omega)
    simp only [Nat.add_zero, headD_tail_iterate, CellRows.off, CellRows.next_iterate, cellRows,
      Bool.and_eq_true, decide_eq_true_eq] at hl hh hA
    rw [← hterm t (by omega), ← hD]
    unfold walkTerm CellRows.term
    simp only [CellRows.next_iterate, headD_tail_iterate, cellRows]
    exact pick_le_pick hl.1 hl.2 (hhi0 t (by omega)) hh (Int.add_le_add_left hA _)
  · -- a token after the whole blocks: walked exactly
    have := walkMin_le_term CellRows.next (CellRows.term D mx) (n - n / bl.size * bl.size)
      (iterate CellRows.next (n / bl.size * bl.size) (cellRows c ovuT w q mx i))
      (blockMin D (n / bl.size) (row3 bl.lo q i) (row3 bl.hi q i) (row3 bl.off i mx)
        (walkTerm m c ovuT w q mx i mx)) (t - n / bl.size * bl.size) (by omega)
    rw [← iterate_add, show t - n / bl.size * bl.size + n / bl.size * bl.size = t by omega] at this
    rw [← hterm t (by omega)]
    refine Int.le_trans this (Int.le_of_eq ?_)
    unfold walkTerm
    rw [hD]

theorem blockSum_le {q mx g : Nat} (hq : q < m.dVocab) (hmx : mx < m.dVocab)
    (hT : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → entry3 ovuT i mx t = entry3 c.ovu i t mx)
    (hb : ∀ i, i < m.nCtx →
      blocksEncOk m c bl q i = true ∧ blocksOffOk m c ovuT w bl i mx = true)
    (hhi0 : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → 0 ≤ entry3 c.expHi q i t) (j : Nat) :
    blockSum m c ovuT w bl q mx g j ≤ cubicSum m c w q mx g j := by
  unfold blockSum cubicSum
  apply sumTo_le_int
  intro i hi
  dsimp only
  by_cases h1 : i = m.nCtx - 1
  · rw [if_pos h1, if_pos h1]
    exact Int.le_of_eq (walkTerm_eq (hT i hi q hq))
  by_cases h2 : i = j
  · rw [if_neg h1, if_neg h1, if_pos h2, if_pos h2]
    exact Int.le_of_eq (walkTerm_eq (hT i hi mx hmx))
  rw [if_neg h1, if_neg h1, if_neg h2, if_neg h2]
  exact blockLow_le hmx (hT i hi) (hb i hi).1 (hb i hi).2 (hhi0 i hi)

/-- A cell that passes with block terms passes the cubic cell test. -/
theorem blockCellOk_sound {q mx g : Nat} (hq : q < m.dVocab) (hmx : mx < m.dVocab)
    (hT : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → entry3 ovuT i mx t = entry3 c.ovu i t mx)
    (hb : ∀ i, i < m.nCtx →
      blocksEncOk m c bl q i = true ∧ blocksOffOk m c ovuT w bl i mx = true)
    (hhi0 : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → 0 ≤ entry3 c.expHi q i t)
    (h : blockCellOk m c ovuT w bl q mx g = true) : cubicCellOk m c w q mx g = true := by
  unfold cubicCellOk
  refine allBelow_of_forall fun j hj => ?_
  have := allBelow_sound h j hj
  simp only [Bool.or_eq_true, decide_eq_true_eq] at this ⊢
  exact this.imp id fun h0 => Int.lt_of_lt_of_le h0 (blockSum_le hq hmx hT hb hhi0 j)

end Sound

end

end CompactProofs.MaxOfK
