module

public import CompactProofs.MaxOfK.ExpBounds
public import CompactProofs.MaxOfK.Tables

/-!
# A kernel-evaluable accuracy checker for Max-of-K models, and its soundness

In the style of core's LRAT checker: `check m c` is a Boolean function over `Int`/`Nat`
that the kernel evaluates on concrete literals (`decide +kernel`), and `check_sound`
turns `check m c = true` into `c.bound ≤ accuracy F m` for every ordered field with an
`ExpSqrt` structure (the reals among them).

## What the certificate supplies, and what the checker re-verifies
* `scores`, `ov`, `ovu`, `direct`: the integer tables of `CompactProofs.MaxOfK.Tables`,
  materialised so that each entry is computed once; the checker recomputes every entry
  from the weights and compares.
* `invSqrtLo`, `invSqrtHi`: integers enclosing `2^Q / sqrt d_head`; checked by squaring.
* `expLo`, `expHi`: for every query token `q`, position `i` and token `t`, integers
  enclosing `2^P exp (score)`; checked against the bounds `expLo`/`expHi` of
  `CompactProofs.MaxOfK.ExpBounds`, computed by the checker from the score and the
  `1 / sqrt d_head` enclosure.
* `bound`: the claimed number of correct inputs.

For each of the `d_vocab ^ K` inputs `x` with maximum `mx`, and each `y ≠ mx`, the checker
bounds `Σ_i exp (score x i) · coefM x i mx y` from below by taking, for each term, the
lower end of the enclosure when the (exact integer) coefficient is nonnegative and the
upper end otherwise; if every such lower bound is positive, `x` is correct (`logit_sub`).
It counts these inputs and compares the count with `bound`.

## What is proved
`checkCore_facts`: `checkCore` gives `CoreFacts`, the facts about the tables and enclosures
that the soundness proofs use (and that other table checkers may supply). `check_sound`;
`check_sound_split`, the same conclusion from `checkCore` and one count per
first token, so that a generated certificate can be checked in several kernel evaluations
of bounded memory; `length_allSeqs` and `allSeqs_nodup` (the inputs counted are `d_vocab ^ K`
distinct sequences).
The Python exporter only finds witnesses; nothing it computes is trusted.
-/

namespace CompactProofs.MaxOfK

open Lean.Grind

@[expose] public noncomputable section

attribute [local instance] Ring.intCast Semiring.natCast

set_option linter.unusedSectionVars false

/-- Entry `(a, b, c)` of a three-dimensional integer table, `0` outside. -/
def entry3 (T : List (List (List Int))) (a b c : Nat) : Int :=
  ((T.getD a []).getD b []).getD c 0

/-- The witnesses; see the module docstring. Scales: `expLo`/`expHi` are in units of
`2^-expPrec`, `invSqrtLo`/`invSqrtHi` in units of `2^-sqrtPrec`. -/
structure Certificate where
  bound : Nat
  expPrec : Nat
  squarings : Nat
  sqrtPrec : Nat
  invSqrtLo : Int
  invSqrtHi : Int
  /-- `[q][i][t] ↦ scoreInt q i t` -/
  scores : List (List (List Int))
  /-- `[i][t][c] ↦ ovInt i t c` -/
  ov : List (List (List Int))
  /-- `[i][t][y] ↦ ovuInt i t y` -/
  ovu : List (List (List Int))
  /-- `[q][y] ↦ directInt q y` -/
  direct : IntMatrix
  /-- `[q][i][t] ↦` lower bound on `2^expPrec · exp (score)` -/
  expLo : List (List (List Int))
  /-- `[q][i][t] ↦` upper bound on `2^expPrec · exp (score)` -/
  expHi : List (List (List Int))

/-- `p i j` for all `i < a`, `j < b`. -/
def all2 (a b : Nat) (p : Nat → Nat → Bool) : Bool :=
  allBelow (fun i => allBelow (p i) b) a

/-- `p i j k` for all `i < a`, `j < b`, `k < c`. -/
def all3 (a b c : Nat) (p : Nat → Nat → Nat → Bool) : Bool :=
  allBelow (fun i => all2 b c (p i)) a

theorem all2_sound {a b : Nat} {p : Nat → Nat → Bool} (h : all2 a b p = true) :
    ∀ i, i < a → ∀ j, j < b → p i j = true :=
  fun i hi j hj => allBelow_sound (allBelow_sound h i hi) j hj

theorem all3_sound {a b c : Nat} {p : Nat → Nat → Nat → Bool} (h : all3 a b c p = true) :
    ∀ i, i < a → ∀ j, j < b → ∀ k, k < c → p i j k = true :=
  fun i hi => all2_sound (allBelow_sound h i hi)

section Check

variable (m : Model) (c : Certificate)

/-- `G`: the scaled score `2^G · score` is `scoreInt · (2^Q / sqrt d_head)`. -/
def scoreScale : Nat := m.shift + m.shift + m.shift + m.shift + c.sqrtPrec

/-- Lower bound on `2^G · score` for the integer score `S`. -/
def zLo (S : Int) : Int := if 0 ≤ S then S * c.invSqrtLo else S * c.invSqrtHi

/-- Upper bound on `2^G · score` for the integer score `S`. -/
def zHi (S : Int) : Int := if 0 ≤ S then S * c.invSqrtHi else S * c.invSqrtLo

/-- The certificate's tables are those of the model. -/
def tablesOk : Bool :=
  all3 m.dVocab m.nCtx m.dVocab (fun q i t => entry3 c.scores q i t == scoreInt m q i t) &&
    all3 m.nCtx m.dVocab m.dModel (fun i t j => entry3 c.ov i t j == ovInt m i t j) &&
    all3 m.nCtx m.dVocab m.dVocab (fun i t y =>
      entry3 c.ovu i t y == sumTo m.dModel fun j => entry3 c.ov i t j * entry m.wU j y) &&
    all2 m.dVocab m.dVocab (fun q y => entry c.direct q y == directInt m q y)

/-- `invSqrtLo ≤ 2^Q / sqrt d_head ≤ invSqrtHi`, checked by squaring. -/
def sqrtOk : Bool :=
  decide (0 < m.dHead) &&
    decide (c.invSqrtLo * c.invSqrtLo * (m.dHead : Int) ≤ pow2 c.sqrtPrec * pow2 c.sqrtPrec) &&
    decide (0 ≤ c.invSqrtHi) &&
    decide (pow2 c.sqrtPrec * pow2 c.sqrtPrec ≤ c.invSqrtHi * c.invSqrtHi * (m.dHead : Int))

/-- `[lo, hi]` encloses `2^P exp (score)` for the integer score `S`. -/
def enclosureOk (S lo hi : Int) : Bool :=
  decide (lo ≤ expLo c.expPrec (scoreScale m c) c.squarings (zLo c S)) &&
    decide (zHi c S < pow2 (scoreScale m c + c.squarings)) &&
    decide (expHi c.expPrec (scoreScale m c) c.squarings (zHi c S) ≤ hi)

/-- Row `(a, b)` of a three-dimensional table. -/
def row3 (T : List (List (List Int))) (a b : Nat) : List Int := (T.getD a []).getD b []

/-- Every enclosure of the certificate is valid (one pass over each row). -/
def enclosuresOk : Bool :=
  all2 m.dVocab m.nCtx fun q i =>
    walk3 (enclosureOk m c) m.dVocab (row3 c.scores q i) (row3 c.expLo q i) (row3 c.expHi q i)

/-- Coefficient of `exp (score x i)` in the scaled logit difference `mx` vs `y`, read from
the certificate's tables. -/
def coef (x : List Nat) (i y : Nat) : Int :=
  (entry c.direct (tok x (m.nCtx - 1)) (maxTok x) - entry c.direct (tok x (m.nCtx - 1)) y) *
      pow2 (2 * m.shift) +
    (entry3 c.ovu i (tok x i) (maxTok x) - entry3 c.ovu i (tok x i) y)

/-- `lo · k` or `hi · k`, whichever is a lower bound of `w · k` for `w ∈ [lo, hi]`. -/
def pick (lo hi k : Int) : Int := if 0 ≤ k then lo * k else hi * k

/-- Lower bound on `2^P · Σ_i exp (score x i) · coef x i y`. -/
def marginLower (x : List Nat) (y : Nat) : Int :=
  sumTo m.nCtx fun i =>
    pick (entry3 c.expLo (tok x (m.nCtx - 1)) i (tok x i))
      (entry3 c.expHi (tok x (m.nCtx - 1)) i (tok x i)) (coef m c x i y)

/-- Input `x` is certified correct. -/
def inputOk (x : List Nat) : Bool :=
  allBelow (fun y => y == maxTok x || decide (0 < marginLower m c x y)) m.dVocab

/-- The checker. -/
def check : Bool :=
  decide (0 < m.nCtx) && decide (0 < m.dVocab) && tablesOk m c && sqrtOk m c &&
    enclosuresOk m c && decide (c.bound ≤ (allSeqs m.dVocab m.nCtx).countP (inputOk m c))

/-- Everything `check` verifies except the count (for certificates split into parts). -/
def checkCore : Bool :=
  decide (0 < m.nCtx) && decide (0 < m.dVocab) && tablesOk m c && sqrtOk m c && enclosuresOk m c

/-- Number of certified inputs whose first token is `t0`. -/
def countFrom (t0 : Nat) : Nat :=
  ((allSeqs m.dVocab (m.nCtx - 1)).map (t0 :: ·)).countP (inputOk m c)

end Check

/-! ## Soundness -/

theorem mem_allSeqs {v : Nat} : ∀ {k : Nat} {x : List Nat}, x ∈ allSeqs v k → ∀ t ∈ x, t < v
  | 0, x, h => by
    simp only [allSeqs, List.mem_singleton] at h
    subst h
    intro t ht
    simp at ht
  | k + 1, x, h => by
    simp only [allSeqs, List.mem_flatMap, List.mem_range, List.mem_map] at h
    obtain ⟨t, ht, x', hx', rfl⟩ := h
    intro s hs
    simp only [List.mem_cons] at hs
    rcases hs with rfl | hs
    · exact ht
    · exact mem_allSeqs hx' s hs

theorem sum_map_const (k : Nat) : ∀ l : List Nat, (l.map fun _ => k).sum = l.length * k
  | [] => by simp
  | a :: l => by
    simp only [List.map_cons, List.sum_cons, sum_map_const k l, List.length_cons]
    rw [Nat.succ_mul]
    omega

/-- `allSeqs v k` lists `v ^ k` sequences. -/
theorem length_allSeqs (v : Nat) : ∀ k, (allSeqs v k).length = v ^ k
  | 0 => rfl
  | k + 1 => by
    simp only [allSeqs, List.length_flatMap, List.length_map, length_allSeqs v k, sum_map_const,
      List.length_range, Nat.pow_succ, Nat.mul_comm]

/-- Prefixing the distinct heads of `L` to the distinct tails of `S` gives distinct lists. -/
theorem nodup_flatMap_cons (S : List (List Nat)) (hS : S.Nodup) :
    ∀ L : List Nat, L.Nodup → (L.flatMap fun t => S.map (t :: ·)).Nodup
  | [], _ => List.nodup_nil
  | t :: L, hL => by
    rw [List.flatMap_cons]
    have hL' := List.nodup_cons.mp hL
    refine List.nodup_append.mpr ⟨?_, nodup_flatMap_cons S hS L hL'.2, ?_⟩
    · exact List.pairwise_map.mpr (hS.imp fun h e => h (List.cons.inj e).2)
    · intro a ha b hb hab
      obtain ⟨s, _, rfl⟩ := List.mem_map.mp ha
      obtain ⟨u, hu, hb'⟩ := List.mem_flatMap.mp hb
      obtain ⟨s', _, rfl⟩ := List.mem_map.mp hb'
      have htu : t = u := (List.cons.inj hab).1
      subst htu
      exact hL'.1 hu

/-- `allSeqs v k` lists each sequence at most once. -/
theorem allSeqs_nodup (v : Nat) : ∀ k, (allSeqs v k).Nodup
  | 0 => List.pairwise_singleton _ _
  | k + 1 => nodup_flatMap_cons _ (allSeqs_nodup v k) _ List.nodup_range

theorem tok_lt {v : Nat} (hv : 0 < v) : ∀ {x : List Nat}, (∀ t ∈ x, t < v) → ∀ i, tok x i < v
  | [], _, i => by simp [tok]; exact hv
  | a :: l, h, 0 => by simp only [tok, List.getD_cons_zero]; exact h a (by simp)
  | a :: l, h, i + 1 => by
    simp only [tok, List.getD_cons_succ]
    exact tok_lt hv (fun t ht => h t (by simp [ht])) i

theorem maxTok_lt {v : Nat} (hv : 0 < v) : ∀ {x : List Nat}, (∀ t ∈ x, t < v) → maxTok x < v
  | [], _ => by simp only [maxTok]; exact hv
  | a :: l, h => by
    simp only [maxTok]
    have h1 := h a (by simp)
    have h2 := maxTok_lt hv (x := l) (fun t ht => h t (by simp [ht]))
    omega

/-- What the soundness proofs use of a certificate: its tables are the model's, its `1 / sqrt`
bounds and its enclosures pass. `checkCore` establishes it (`checkCore_facts`); a checker that
verifies the tables another way (e.g. by packed rows) can establish it too. -/
structure CoreFacts (m : Model) (c : Certificate) : Prop where
  nCtx_pos : 0 < m.nCtx
  dVocab_pos : 0 < m.dVocab
  scores : ∀ q, q < m.dVocab → ∀ i, i < m.nCtx → ∀ t, t < m.dVocab →
    entry3 c.scores q i t = scoreInt m q i t
  ovu : ∀ i, i < m.nCtx → ∀ t, t < m.dVocab → ∀ y, y < m.dVocab → entry3 c.ovu i t y = ovuInt m i t y
  direct : ∀ q, q < m.dVocab → ∀ y, y < m.dVocab → entry c.direct q y = directInt m q y
  sqrt : sqrtOk m c = true
  enclosures : ∀ q, q < m.dVocab → ∀ i, i < m.nCtx → ∀ t, t < m.dVocab →
    enclosureOk m c (entry3 c.scores q i t) (entry3 c.expLo q i t) (entry3 c.expHi q i t) = true

theorem checkCore_facts {m : Model} {c : Certificate} (h : checkCore m c = true) : CoreFacts m c := by
  simp only [checkCore, Bool.and_eq_true, decide_eq_true_eq] at h
  obtain ⟨⟨⟨⟨hK, hv⟩, htab⟩, hsq⟩, henc⟩ := h
  simp only [tablesOk, Bool.and_eq_true] at htab
  refine ⟨hK, hv, fun q hq i hi t ht => ?_, fun i hi t ht y hy => ?_, fun q hq y hy => ?_, hsq,
    fun q hq i hi t ht => walk3_sound (all2_sound henc q hq i hi) t ht⟩
  · simpa only [beq_iff_eq] using all3_sound htab.1.1.1 q hq i hi t ht
  · have h1 := all3_sound htab.1.2 i hi t ht y hy
    simp only [beq_iff_eq] at h1
    rw [h1]
    apply sumTo_congr
    intro j hj
    have h2 := all3_sound htab.1.1.2 i hi t ht j hj
    simp only [beq_iff_eq] at h2
    rw [h2]
  · simpa only [beq_iff_eq] using all2_sound htab.2 q hq y hy

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (F : ExpSqrt α)

theorem intCast_nonpos {k : Int} (h : k ≤ 0) : (k : α) ≤ 0 := by
  have := intCast_le (α := α) h
  rwa [Ring.intCast_zero] at this

theorem pick_le {lo hi k : Int} {w : α} (hlo : (lo : α) ≤ w) (hhi : w ≤ (hi : α)) :
    ((pick lo hi k : Int) : α) ≤ w * (k : α) := by
  unfold pick
  split
  · rw [Ring.intCast_mul]
    exact OrderedRing.mul_le_mul_of_nonneg_right hlo (intCast_nonneg (by assumption))
  · rw [Ring.intCast_mul]
    exact OrderedRing.mul_le_mul_of_nonpos_right hhi (intCast_nonpos (by omega))

theorem score_scaled (m : Model) (Q : Nat) (x : List Nat) (i : Nat) :
    2 ^ (m.shift + m.shift + m.shift + m.shift + Q) * score F m x i =
      (scoreInt m (tok x (m.nCtx - 1)) i (tok x i) : α) *
        (2 ^ Q * (F.sqrt (m.dHead : α))⁻¹) := by
  rw [score_eq, Field.div_eq_mul_inv]
  have hu := unit_mul (α := α) m
  simp only [Semiring.pow_add]
  grind

theorem zLo_le (c : Certificate) {S : Int} {R : α} (hlo : (c.invSqrtLo : α) ≤ R)
    (hhi : R ≤ (c.invSqrtHi : α)) : ((zLo c S : Int) : α) ≤ (S : α) * R := by
  unfold zLo
  split
  · rw [Ring.intCast_mul]
    exact OrderedRing.mul_le_mul_of_nonneg_left hlo (intCast_nonneg (by assumption))
  · rw [Ring.intCast_mul]
    exact OrderedRing.mul_le_mul_of_nonpos_left hhi (intCast_nonpos (by omega))

theorem le_zHi (c : Certificate) {S : Int} {R : α} (hlo : (c.invSqrtLo : α) ≤ R)
    (hhi : R ≤ (c.invSqrtHi : α)) : (S : α) * R ≤ ((zHi c S : Int) : α) := by
  unfold zHi
  split
  · rw [Ring.intCast_mul]
    exact OrderedRing.mul_le_mul_of_nonneg_left hhi (intCast_nonneg (by assumption))
  · rw [Ring.intCast_mul]
    exact OrderedRing.mul_le_mul_of_nonpos_left hlo (intCast_nonpos (by omega))

/-- The enclosures of the certificate hold for the real scores. -/
theorem enclosure_sound {m : Model} {c : Certificate} (hc : CoreFacts m c) {x : List Nat}
    (hq : tok x (m.nCtx - 1) < m.dVocab) {i : Nat} (hi : i < m.nCtx) (ht : tok x i < m.dVocab) :
    ((entry3 c.expLo (tok x (m.nCtx - 1)) i (tok x i) : Int) : α) ≤
        2 ^ c.expPrec * F.exp (score F m x i) ∧
      2 ^ c.expPrec * F.exp (score F m x i) ≤
        ((entry3 c.expHi (tok x (m.nCtx - 1)) i (tok x i) : Int) : α) := by
  have hsq := hc.sqrt
  simp only [sqrtOk, Bool.and_eq_true, decide_eq_true_eq] at hsq
  have hS := hc.scores _ hq i hi _ ht
  have hR := invSqrt_bounds (α := α) F hsq.1.1.1 c.sqrtPrec hsq.1.1.2 hsq.1.2 hsq.2
  have he := hc.enclosures _ hq i hi _ ht
  simp only [enclosureOk, Bool.and_eq_true, decide_eq_true_eq] at he
  have hz := score_scaled F m c.sqrtPrec x i
  rw [← hS] at hz
  have hzlo := zLo_le c (S := entry3 c.scores (tok x (m.nCtx - 1)) i (tok x i)) hR.1 hR.2
  have hzhi := le_zHi c (S := entry3 c.scores (tok x (m.nCtx - 1)) i (tok x i)) hR.1 hR.2
  rw [← hz] at hzlo hzhi
  constructor
  · exact Std.le_trans (intCast_le he.1.1) (expLo_sound F _ _ _ _ _ hzlo)
  · exact Std.le_trans (expHi_sound F _ _ _ _ _ hzhi he.1.2) (intCast_le he.2)

/-- The coefficients read from the certificate are the model's. -/
theorem coef_eq {m : Model} {c : Certificate} (hc : CoreFacts m c) {x : List Nat}
    (hq : tok x (m.nCtx - 1) < m.dVocab) (hmx : maxTok x < m.dVocab) {i y : Nat}
    (hi : i < m.nCtx) (ht : tok x i < m.dVocab) (hy : y < m.dVocab) :
    coef m c x i y = coefM m x i (maxTok x) y := by
  unfold coef coefM
  rw [hc.ovu i hi _ ht _ hmx, hc.ovu i hi _ ht _ hy, hc.direct _ hq _ hmx, hc.direct _ hq _ hy]

theorem inputOk_sound {m : Model} {c : Certificate} (hc : CoreFacts m c)
    {x : List Nat} (hx : ∀ t ∈ x, t < m.dVocab) (hok : inputOk m c x = true) :
    Correct F m x := by
  have hK := hc.nCtx_pos
  have hv := hc.dVocab_pos
  intro y hy hne
  have hmx := maxTok_lt hv hx
  have hq := tok_lt hv hx (m.nCtx - 1)
  have hy' := allBelow_sound hok y hy
  simp only [Bool.or_eq_true, beq_iff_eq, decide_eq_true_eq] at hy'
  have hpos : 0 < marginLower m c x y := hy'.resolve_left hne
  -- 2^P · Σ_i w_i coefM_i ≥ marginLower > 0
  have hle : ((marginLower m c x y : Int) : α) ≤
      2 ^ c.expPrec * sumTo m.nCtx fun i =>
        F.exp (score F m x i) * (coefM m x i (maxTok x) y : α) := by
    unfold marginLower
    rw [sumTo_cast, ← sumTo_mul_left]
    apply sumTo_le
    intro i hi
    have ht := tok_lt hv hx i
    have henc' := enclosure_sound F hc hq hi ht
    rw [← coef_eq hc hq hmx hi ht hy, ← Semiring.mul_assoc]
    exact pick_le henc'.1 henc'.2
  have hsum : 0 < sumTo m.nCtx fun i => F.exp (score F m x i) * (coefM m x i (maxTok x) y : α) :=
    pos_of_mul_pos_left (two_pow_pos c.expPrec) (Std.lt_of_lt_of_le (intCast_pos hpos) hle)
  have hsub := logit_sub F m hK x (maxTok x) y
  have hZ : 0 < (sumTo m.nCtx fun j => F.exp (score F m x j))⁻¹ :=
    Field.IsOrdered.inv_pos_iff.2 (sumTo_pos hK fun j => F.exp_pos _)
  have hu := unit_pos (α := α) m
  have hprod := OrderedRing.mul_pos (OrderedRing.mul_pos hZ
    (OrderedRing.mul_pos (OrderedRing.mul_pos (OrderedRing.mul_pos hu hu) hu) hu)) hsum
  rw [← hsub] at hprod
  grind

theorem count_le_accuracy {m : Model} {c : Certificate} (hc : CoreFacts m c) :
    (allSeqs m.dVocab m.nCtx).countP (inputOk m c) ≤ accuracy F m :=
  List.countP_mono_left fun _ hx hok => @_root_.decide_eq_true _ (Classical.propDecidable _)
    (inputOk_sound F hc (mem_allSeqs hx) hok)

/-- Soundness of the checker: a passing certificate's bound is a lower bound on the
number of inputs the model gets right, over every ordered field with `exp` and `sqrt`. -/
theorem check_sound {m : Model} {c : Certificate} (h : check m c = true) :
    c.bound ≤ accuracy F m := by
  simp only [check, Bool.and_eq_true, decide_eq_true_eq] at h
  obtain ⟨⟨⟨⟨⟨hK, hv⟩, htab⟩, hsq⟩, henc⟩, hcount⟩ := h
  have hcore : checkCore m c = true := by simp [checkCore, hK, hv, htab, hsq, henc]
  exact Nat.le_trans hcount (count_le_accuracy F (checkCore_facts hcore))

/-- The count of `check`, split by first token. -/
theorem countP_allSeqs_split (m : Model) (c : Certificate) (hK : 0 < m.nCtx) :
    (allSeqs m.dVocab m.nCtx).countP (inputOk m c) = sumTo m.dVocab (countFrom m c) := by
  obtain ⟨k, hk⟩ : ∃ k, m.nCtx = k + 1 := ⟨m.nCtx - 1, by omega⟩
  unfold countFrom
  rw [hk, Nat.add_sub_cancel, allSeqs, List.countP_flatMap, ← sum_map_range]
  rfl

/-- Soundness of a certificate checked in parts: `checkCore` once, and for each first token
`t0` a lower bound `counts[t0]` on `countFrom t0` (each part can be its own kernel
evaluation, which bounds the memory of each). -/
theorem check_sound_split {m : Model} {c : Certificate} (counts : List Nat)
    (hcore : checkCore m c = true)
    (hparts : ∀ t0, t0 < m.dVocab → counts.getD t0 0 ≤ countFrom m c t0)
    (hsum : c.bound ≤ sumTo m.dVocab fun t0 => counts.getD t0 0) :
    c.bound ≤ accuracy F m := by
  have hc := checkCore_facts hcore
  have h1 := sumTo_le_nat hparts
  rw [← countP_allSeqs_split m c hc.nCtx_pos] at h1
  exact Nat.le_trans hsum (Nat.le_trans h1 (count_le_accuracy F hc))

end

end CompactProofs.MaxOfK
