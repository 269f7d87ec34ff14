module

public import CompactProofs.Core.Packed
public import CompactProofs.ModAdd.Tables

/-!
# Modular addition: the integer tables, checked by packed matrix products

The tables of `CompactProofs.ModAdd.Tables` (`preTab`, `ovuTab`, `mTab` and the sums inside
`preConst` and `linConst`) are supplied by an untrusted `TableWitness` and checked by
`productOk` (`CompactProofs.Core.Packed`: one big packed multiply-add per factor row). The chain is
transposed: every table holds one row per output coordinate and one column per token, so that
the left factor of each product is a stored (transposed) weight, `W_Vᵀ = wVT`, `W_Oᵀ = wOT`,
`W_inᵀ = wInT`, and the right factor is the previous table of the chain, used whole:

| table | product | parts |
|---|---|---|
| `tw.linC` `[0][y]` | `[linRow] · W_U` | `0` |
| `tw.ovuT[j]` `[y][t]` | `transpose p W_U · tw.ovT[j]` | `1 + j` |
| `tw.valueT[j]` `[e][t]` | `wVT · residT j` | `stageStart 0 + 2 b + j` |
| `tw.ovT[j]` `[c][t]` | `wOT · tw.valueT[j]` | `stageStart 1 + 2 b + j` |
| `tw.preT[j]` `[n][t]` | `wInT · tw.ovT[j]` | `stageStart 2 + 2 b + j` |
| `tw.preC` `[n][0]` | `wInT · eqCol` | `stageStart 2 + 2 b` (with `preT[0]`) |
| `tw.mT` `[n][y]` | `W_out · W_U` | `stageStart 3 + b` |

(`j < 2` the position, `b` the row block: rows `b · block … b · block + block - 1` of the left
factor and of the table, `residT j = transpose dModel (residRows j)`.) With
`R x = ⌈x / block⌉` the stages start at `stageStart 0 = 3`, `stageStart 1 = 3 + 2 R dHeads`,
`stageStart 2 = stageStart 1 + 2 R dModel`, `stageStart 3 = stageStart 2 + 2 R dMlp`, and
`nParts = stageStart 3 + R dMlp`. Part 0 also checks `0 < p`, `0 < block`, the shapes of `W_E`,
`W_pos`, `b_out`, the numbers of rows of the other weights and of `tw.valueT[j]`, `tw.ovT[j]`
(the lengths of the rows of a factor are checked by `productOk` itself). Each part `k < nParts m
tw` is one `decide +kernel` of bounded memory: it decodes one block of a left factor, one right
factor and one block of a table (a `drop`/`take` of a list of rows decodes only the rows used),
except the `ovuT` parts, which transpose all of `W_U`. All products share one packing base
`tw.base` and one entry bound `tw.bound`.

## What is proved
`tables_facts`: if every part passes, the entries of `tw.preT`, `tw.ovuT`, `tw.mT` are the
model's `preTab`, `ovuTab`, `mTab`, and `tw.preC`, `tw.linC` scaled are `preConst`, `linConst`;
on the way the entry lemmas `entry_residT`, `entry_eqCol`, `entry_linRow`, the block lemma
`rowBlockOk_sound` and the part numbering (`tablesOk_stage`, `tablesOk_mT`).

## What is not proved or checked
Nothing about `tw.valueT` and `tw.ovT` is exported (they are factors only); entries of the
witness outside the ranges above (e.g. columns `t ≥ p`) are not constrained, nor are the shapes
of `wVT`, `wOT`, `wInT`, `b_in`, `W_out`, `W_U` beyond what the products need. Nothing here
relates the tables to logits or to correctness (`CompactProofs.ModAdd.Tables`). The witness is
untrusted: a wrong entry makes a product check fail.
-/

namespace CompactProofs.ModAdd


@[expose] public noncomputable section

/-- Witness for the packed table check of a modular-addition model: the tables, transposed
(one row per output coordinate, one column per token), the packing base, one bound on the
entries of every factor of every product, and the row block size. -/
structure TableWitness where
  /-- the packing base `B` of every product; any `B > 2 · k · bound²` (`k` the longest
  contraction) is sound, an odd one is fast (see `CompactProofs.Core.Packed`) -/
  base : Int
  /-- every entry of every factor (weights, residual rows, and the tables below) has
  `natAbs ≤ bound` -/
  bound : Nat
  /-- `[j][e][t] ↦ valueInt m j t e` (`j < 2`, `e < dHeads`, `t < p`) -/
  valueT : List IntMatrix
  /-- `[j][c][t] ↦ ovInt m j t c` (`c < dModel`) -/
  ovT : List IntMatrix
  /-- `[j][n][t] ↦ preTab m j t n` (`n < dMlp`) -/
  preT : List IntMatrix
  /-- `[j][y][t] ↦ ovuTab m j t y` (`y < p`) -/
  ovuT : List IntMatrix
  /-- `dMlp × 1`: `[n][0] ↦ Σ_c residInt m 2 p c · W_in[c][n]` -/
  preC : IntMatrix
  /-- `1 × p`: `[0][y] ↦ Σ_c (residInt m 2 p c + b_out[c]) · W_U[c][y]` -/
  linC : IntMatrix
  /-- `dMlp × p`: `[n][y] ↦ mTab m n y` -/
  mT : IntMatrix
  /-- rows of the left factor (and of the product) per part of a blocked product -/
  block : Nat := 48

/-- The residual stream at position `j`, one row per number token `t < p`: `W_E[t] + W_pos[j]`. -/
def residRows (m : Model) (j : Nat) : IntMatrix :=
  (m.wE.take m.p).map fun row => List.zipWith Int.add row (m.wPos.getD j [])

/-- `residRows m j` transposed (`dModel × p`): `[c][t] ↦ residInt m j t c`. -/
def residT (m : Model) (j : Nat) : IntMatrix := transpose m.dModel (residRows m j)

/-- The residual stream of `'='` at its position: `W_E[p] + W_pos[2]`. -/
def eqRow (m : Model) : List Int :=
  List.zipWith Int.add (m.wE.getD m.p []) (m.wPos.getD 2 [])

/-- `eqRow` as a column (`dModel × 1`). -/
def eqCol (m : Model) : IntMatrix := (eqRow m).map fun x => [x]

/-- `'='`'s residual stream plus `b_out`: the constant part of the direct path. -/
def linRow (m : Model) : List Int :=
  List.zipWith Int.add (eqRow m) (m.bOut.getD 0 [])

/-- Rows `a … a + n - 1` of a list (fewer at its end). -/
def slice {α : Type} (a n : Nat) (l : List α) : List α := (l.drop a).take n

/-- Number of blocks of `s` covering `n` (`⌈n / s⌉`). -/
def nBlocks (n s : Nat) : Nat := (n + s - 1) / s

section Check

variable (m : Model) (tw : TableWitness)

/-- Rows `r0 … r0 + rs - 1` of the product `C = A · M` (`n` columns). -/
def rowBlockOk (n : Nat) (A M C : IntMatrix) (r0 rs : Nat) : Bool :=
  productOk tw.base n tw.bound tw.bound (slice r0 rs A) M (slice r0 rs C)

/-- Part 0: `0 < p`, `0 < block`, the shapes of `W_E`, `W_pos`, `b_out`, the numbers of rows of
the other weights and of the intermediate tables `valueT[j]`, `ovT[j]` (the lengths of the rows
of a factor are checked by `productOk` itself), and the row `linC = [linRow] · W_U`. -/
def tablesBaseOk : Bool :=
  decide (0 < m.p) && decide (0 < tw.block) &&
    shapeOk m.wE (m.p + 1) m.dModel && shapeOk m.wPos 3 m.dModel &&
    shapeOk m.bOut 1 m.dModel &&
    m.wVT.length == m.dHeads && m.wOT.length == m.dModel && m.wInT.length == m.dMlp &&
    m.wOut.length == m.dMlp && m.wU.length == m.dModel &&
    (tw.valueT.getD 0 []).length == m.dHeads && (tw.valueT.getD 1 []).length == m.dHeads &&
    (tw.ovT.getD 0 []).length == m.dModel && (tw.ovT.getD 1 []).length == m.dModel &&
    productOk tw.base m.p tw.bound tw.bound [linRow m] m.wU tw.linC

/-- The OV-unembed table of position `j`: `ovuT[j] = W_Uᵀ · ovT[j]` (one part, no blocks). -/
def tablesOvuOk (j : Nat) : Bool :=
  productOk tw.base m.p tw.bound tw.bound (transpose m.p m.wU) (tw.ovT.getD j [])
    (tw.ovuT.getD j [])

/-- Row block `b` of `valueT[j] = W_Vᵀ · residT j`. -/
def valueOk (j b : Nat) : Bool :=
  rowBlockOk tw m.p m.wVT (residT m j) (tw.valueT.getD j []) (b * tw.block) tw.block

/-- Row block `b` of `ovT[j] = W_Oᵀ · valueT[j]`. -/
def ovOk (j b : Nat) : Bool :=
  rowBlockOk tw m.p m.wOT (tw.valueT.getD j []) (tw.ovT.getD j []) (b * tw.block) tw.block

/-- Row block `b` of `preT[j] = W_inᵀ · ovT[j]`, and for `j = 0` also of
`preC = W_inᵀ · eqCol` (the same rows of `W_inᵀ`). -/
def preOk (j b : Nat) : Bool :=
  rowBlockOk tw m.p m.wInT (tw.ovT.getD j []) (tw.preT.getD j []) (b * tw.block) tw.block &&
    (j != 0 || rowBlockOk tw 1 m.wInT (eqCol m) tw.preC (b * tw.block) tw.block)

/-- Stage `s` of the product chain: `0`: `valueOk`, `1`: `ovOk`, `2`: `preOk`. -/
def stageOk (s j b : Nat) : Bool :=
  match s with
  | 0 => valueOk m tw j b
  | 1 => ovOk m tw j b
  | _ => preOk m tw j b

/-- The number of rows of the left factor of stage `s`: `dHeads`, `dModel`, `dMlp`. -/
def stageRows (s : Nat) : Nat :=
  match s with
  | 0 => m.dHeads
  | 1 => m.dModel
  | _ => m.dMlp

/-- The first part of stage `s ≤ 3` (stage `3` is `mT`): stage `s < 3` has two parts (`j = 0,
1`) per row block of `stageRows s`. -/
def stageStart (s : Nat) : Nat :=
  match s with
  | 0 => 3
  | 1 => 3 + 2 * nBlocks m.dHeads tw.block
  | 2 => 3 + 2 * (nBlocks m.dHeads tw.block + nBlocks m.dModel tw.block)
  | _ => 3 + 2 * (nBlocks m.dHeads tw.block + nBlocks m.dModel tw.block +
      nBlocks m.dMlp tw.block)

/-- The number of parts: `3`, two per row block of `dHeads`, `dModel`, `dMlp` (stages `0 … 2`),
and one per row block of `dMlp` (`mT`); with `R x = ⌈x / block⌉`:
`3 + 2 (R dHeads + R dModel + R dMlp) + R dMlp`. -/
def nParts : Nat :=
  stageStart m tw 3 + nBlocks m.dMlp tw.block

/-- Part `k < nParts m tw` of the check:
* `0`: `tablesBaseOk`;
* `1 + j` (`j < 2`): `tablesOvuOk j`;
* `stageStart s + 2 b + j` (`s < 3`, `b < R (stageRows s)`, `j < 2`): `stageOk s j b`, i.e.
  row block `b` of `valueT[j]` (`s = 0`), `ovT[j]` (`s = 1`), `preT[j]` and, for `j = 0`,
  `preC` (`s = 2`);
* `stageStart 3 + b` (`b < R dMlp`): row block `b` of `mT = W_out · W_U`. -/
def tablesOk (k : Nat) : Bool :=
  if k = 0 then tablesBaseOk m tw
  else if k < 3 then tablesOvuOk m tw (k - 1)
  else if k < stageStart m tw 1 then stageOk m tw 0 ((k - 3) % 2) ((k - 3) / 2)
  else if k < stageStart m tw 2 then
    stageOk m tw 1 ((k - stageStart m tw 1) % 2) ((k - stageStart m tw 1) / 2)
  else if k < stageStart m tw 3 then
    stageOk m tw 2 ((k - stageStart m tw 2) % 2) ((k - stageStart m tw 2) / 2)
  else
    rowBlockOk tw m.p m.wOut m.wU tw.mT ((k - stageStart m tw 3) * tw.block) tw.block

end Check

/-! ## Entries of the computed factors -/

theorem length_residRows {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel) (j : Nat) :
    (residRows m j).length = m.p := by
  simp only [residRows, List.length_map, List.length_take, hE.1]
  omega

theorem getD_take_of_lt {l : IntMatrix} {n t : Nat} (ht : t < n) :
    (l.take n).getD t [] = l.getD t [] := by
  rw [List.getD_eq_getElem?_getD, List.getD_eq_getElem?_getD, List.getElem?_take]
  simp [ht]

theorem length_row_wPos {m : Model} (hP : IsShape m.wPos 3 m.dModel) {j : Nat} (hj : j < 3) :
    (m.wPos.getD j []).length = m.dModel := by
  rw [getD_of_lt _ (by rw [hP.1]; exact hj)]
  exact hP.2 _ (List.getElem_mem _)

theorem length_row_wE {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel) {t : Nat}
    (ht : t < m.p + 1) : (m.wE.getD t []).length = m.dModel := by
  rw [getD_of_lt _ (by rw [hE.1]; exact ht)]
  exact hE.2 _ (List.getElem_mem _)

theorem entry_residRows {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {j t c : Nat} (hj : j < 3) (ht : t < m.p)
    (hc : c < m.dModel) : entry (residRows m j) t c = residInt m j t c := by
  have hp := length_row_wPos hP hj
  have he := length_row_wE hE (t := t) (by omega)
  unfold entry residRows residInt entry
  rw [getD_map_dflt _ _ (a := []) (by simp), getD_take_of_lt ht,
    getD_zipWith_add (by omega) (by omega)]

theorem length_eqRow {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) : (eqRow m).length = m.dModel := by
  rw [eqRow, List.length_zipWith, length_row_wE hE (by omega), length_row_wPos hP (by omega),
    Nat.min_self]

theorem getD_eqRow {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {c : Nat} (hc : c < m.dModel) :
    (eqRow m).getD c 0 = residInt m 2 m.p c := by
  have hp := length_row_wPos hP (j := 2) (by omega)
  have he := length_row_wE hE (t := m.p) (by omega)
  unfold eqRow residInt entry
  rw [getD_zipWith_add (by omega) (by omega)]

theorem entry_eqRow {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {c : Nat} (hc : c < m.dModel) :
    entry [eqRow m] 0 c = residInt m 2 m.p c :=
  getD_eqRow hE hP hc

theorem entry_linRow {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) (hB : IsShape m.bOut 1 m.dModel) {c : Nat}
    (hc : c < m.dModel) : entry [linRow m] 0 c = residInt m 2 m.p c + entry m.bOut 0 c := by
  have hb : (m.bOut.getD 0 []).length = m.dModel := by
    rw [getD_of_lt _ (by rw [hB.1]; exact Nat.zero_lt_one)]
    exact hB.2 _ (List.getElem_mem _)
  have hl := length_eqRow hE hP
  show (linRow m).getD c 0 = _
  unfold linRow
  rw [getD_zipWith_add (by omega) (by omega), getD_eqRow hE hP hc]
  rfl

theorem residRows_rows {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {j : Nat} (hj : j < 3) :
    ∀ row ∈ residRows m j, row.length = m.dModel := by
  intro row hrow
  simp only [residRows, List.mem_map] at hrow
  obtain ⟨r, hr, rfl⟩ := hrow
  rw [List.length_zipWith, hE.2 r (List.mem_of_mem_take hr), length_row_wPos hP hj,
    Nat.min_self]

theorem length_residT {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {j : Nat} (hj : j < 3) : (residT m j).length = m.dModel :=
  length_transpose (residRows_rows hE hP hj)

theorem entry_residT {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {j c t : Nat} (hj : j < 3) (hc : c < m.dModel)
    (ht : t < m.p) : entry (residT m j) c t = residInt m j t c := by
  rw [residT, entry_transpose (residRows_rows hE hP hj) hc, entry_residRows hE hP hj ht hc]

theorem length_eqCol {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) : (eqCol m).length = m.dModel := by
  rw [eqCol, List.length_map, length_eqRow hE hP]

theorem entry_eqCol {m : Model} (hE : IsShape m.wE (m.p + 1) m.dModel)
    (hP : IsShape m.wPos 3 m.dModel) {c : Nat} (hc : c < m.dModel) :
    entry (eqCol m) c 0 = residInt m 2 m.p c := by
  have hl := length_eqRow hE hP
  show (((eqRow m).map fun x => [x]).getD c []).getD 0 0 = _
  rw [getD_of_lt (l := (eqRow m).map fun x => [x]) [] (by rw [List.length_map]; omega),
    List.getElem_map, ← getD_eqRow hE hP hc, getD_of_lt (l := eqRow m) 0 (by omega)]
  rfl

/-- `productOk` checks the lengths of the rows of its right factor. -/
theorem productOk_rows {B : Int} {n bA bM : Nat} {A M C : IntMatrix}
    (h : productOk B n bA bM A M C = true) : ∀ row ∈ M, row.length = n := by
  simp only [productOk, Bool.and_eq_true, List.all_eq_true, beq_iff_eq] at h
  exact fun row hr => (h.1.2 row hr).1

/-! ## Blocks of a product -/

theorem getD_slice {α : Type} (l : List α) (d : α) {a n i : Nat} (hi : i < n) :
    (slice a n l).getD i d = l.getD (a + i) d := by
  rw [slice, List.getD_eq_getElem?_getD, List.getD_eq_getElem?_getD, List.getElem?_take,
    if_pos hi, List.getElem?_drop]

theorem length_slice {α : Type} (l : List α) (a n : Nat) :
    (slice a n l).length = min n (l.length - a) := by
  simp [slice, List.length_take, List.length_drop]

theorem entry_slice (X : IntMatrix) {a n i j : Nat} (hi : i < n) :
    entry (slice a n X) i j = entry X (a + i) j := by
  unfold entry
  rw [getD_slice _ _ hi]

theorem rowBlockOk_sound {tw : TableWitness} {n : Nat} {A M C : IntMatrix} {r0 rs : Nat}
    (h : rowBlockOk tw n A M C r0 rs = true) {r d : Nat} (hr0 : r0 ≤ r) (hr : r < r0 + rs)
    (hrA : r < A.length) (hd : d < n) :
    entry C r d = sumTo M.length fun c => entry A r c * entry M c d := by
  have hs := productOk_sound h (r := r - r0) (d := d)
    (by rw [length_slice]; exact Nat.lt_min.2 ⟨by omega, by omega⟩) hd
  rw [entry_slice _ (by omega), Nat.add_sub_cancel' hr0] at hs
  rw [hs]
  apply sumTo_congr
  intro c _
  rw [entry_slice _ (by omega), Nat.add_sub_cancel' hr0]

/-- `rowBlockOk_sound` with the factors' entries rewritten. -/
theorem sum_congr_eq {k : Nat} {A M : IntMatrix} {r d : Nat} (hM : M.length = k)
    {f g : Nat → Int} (hf : ∀ j, j < k → entry A r j = f j)
    (hg : ∀ j, j < k → entry M j d = g j) :
    (sumTo M.length fun c => entry A r c * entry M c d) = sumTo k fun j => f j * g j := by
  rw [hM]
  apply sumTo_congr
  intro j hj
  rw [hf j hj, hg j hj]

/-- A block of size `s > 0` containing `x < n`, and its index below `nBlocks n s`. -/
theorem block_of_lt {n s x : Nat} (hs : 0 < s) (hx : x < n) :
    x / s * s ≤ x ∧ x < x / s * s + s ∧ x / s < nBlocks n s := by
  have h1 := Nat.div_add_mod x s
  have h2 := Nat.mod_lt x hs
  rw [Nat.mul_comm] at h1
  refine ⟨by omega, by omega, ?_⟩
  unfold nBlocks
  have : x / s + 1 ≤ (n + s - 1) / s := by
    rw [Nat.le_div_iff_mul_le hs, Nat.succ_mul]
    omega
  omega

/-! ## Products read back -/


theorem nParts_eq (m : Model) (tw : TableWitness) :
    nParts m tw = 3 + 2 * (nBlocks m.dHeads tw.block + nBlocks m.dModel tw.block +
      nBlocks m.dMlp tw.block) + nBlocks m.dMlp tw.block := rfl

/-- The part of stage `s < 3`, row block `b`, position `j`. -/
theorem tablesOk_stage (m : Model) (tw : TableWitness) {s j b : Nat} (hs : s < 3) (hj : j < 2)
    (hb : b < nBlocks (stageRows m s) tw.block) :
    stageStart m tw s + 2 * b + j < nParts m tw ∧
      tablesOk m tw (stageStart m tw s + 2 * b + j) = stageOk m tw s j b := by
  have h3 : stageStart m tw 3 = 3 + 2 * (nBlocks m.dHeads tw.block +
      nBlocks m.dModel tw.block + nBlocks m.dMlp tw.block) := rfl
  have h2 : stageStart m tw 2 =
      3 + 2 * (nBlocks m.dHeads tw.block + nBlocks m.dModel tw.block) := rfl
  have h1 : stageStart m tw 1 = 3 + 2 * nBlocks m.dHeads tw.block := rfl
  unfold nParts tablesOk
  rw [h1, h2, h3]
  have hs' : s = 0 ∨ s = 1 ∨ s = 2 := by omega
  rcases hs' with rfl | rfl | rfl
  · change b < nBlocks m.dHeads tw.block at hb
    rw [show stageStart m tw 0 = 3 from rfl]
    refine ⟨by omega, ?_⟩
    rw [if_neg (by omega), if_neg (by omega), if_pos (by omega),
      show (3 + 2 * b + j - 3) % 2 = j by omega, show (3 + 2 * b + j - 3) / 2 = b by omega]
  · change b < nBlocks m.dModel tw.block at hb
    rw [h1]
    refine ⟨by omega, ?_⟩
    rw [if_neg (by omega), if_neg (by omega), if_neg (by omega), if_pos (by omega),
      show (3 + 2 * nBlocks m.dHeads tw.block + 2 * b + j - (3 + 2 * nBlocks m.dHeads tw.block))
        % 2 = j by omega,
      show (3 + 2 * nBlocks m.dHeads tw.block + 2 * b + j - (3 + 2 * nBlocks m.dHeads tw.block))
        / 2 = b by omega]
  · change b < nBlocks m.dMlp tw.block at hb
    rw [h2]
    generalize hq : nBlocks m.dHeads tw.block + nBlocks m.dModel tw.block = q
    refine ⟨by omega, ?_⟩
    rw [if_neg (by omega), if_neg (by omega), if_neg (by omega), if_neg (by omega),
      if_pos (by omega), show (3 + 2 * q + 2 * b + j - (3 + 2 * q)) % 2 = j by omega,
      show (3 + 2 * q + 2 * b + j - (3 + 2 * q)) / 2 = b by omega]

/-- The part of row block `b` of `mT`. -/
theorem tablesOk_mT (m : Model) (tw : TableWitness) {b : Nat}
    (hb : b < nBlocks m.dMlp tw.block) :
    stageStart m tw 3 + b < nParts m tw ∧
      tablesOk m tw (stageStart m tw 3 + b) =
        rowBlockOk tw m.p m.wOut m.wU tw.mT (b * tw.block) tw.block := by
  have h3 : stageStart m tw 3 = 3 + 2 * (nBlocks m.dHeads tw.block +
      nBlocks m.dModel tw.block + nBlocks m.dMlp tw.block) := rfl
  have h2 : stageStart m tw 2 =
      3 + 2 * (nBlocks m.dHeads tw.block + nBlocks m.dModel tw.block) := rfl
  have h1 : stageStart m tw 1 = 3 + 2 * nBlocks m.dHeads tw.block := rfl
  unfold nParts tablesOk
  rw [h1, h2, h3]
  refine ⟨by omega, ?_⟩
  rw [if_neg (by omega), if_neg (by omega), if_neg (by omega), if_neg (by omega),
    if_neg (by omega), Nat.add_sub_cancel_left]

theorem tables_facts {m : Model} {tw : TableWitness}
    (h : ∀ k, k < nParts m tw → tablesOk m tw k = true) :
    (∀ j t n, j < 2 → t < m.p → n < m.dMlp → entry (tw.preT.getD j []) n t = preTab m j t n) ∧
    (∀ j t y, j < 2 → t < m.p → y < m.p → entry (tw.ovuT.getD j []) y t = ovuTab m j t y) ∧
    (∀ n, n < m.dMlp → entry tw.preC n 0 * pow2 (2 * m.shift + 1) +
      entry m.bIn 0 n * pow2 (3 * m.shift + 1) = preConst m n) ∧
    (∀ y, y < m.p → entry tw.linC 0 y * pow2 (4 * m.shift + 1) = linConst m y) ∧
    (∀ n y, n < m.dMlp → y < m.p → entry tw.mT n y = mTab m n y) := by
  have hb : tablesBaseOk m tw = true := by
    have := h 0 (by rw [nParts_eq]; omega)
    rw [tablesOk, if_pos rfl] at this
    exact this
  simp only [tablesBaseOk, Bool.and_eq_true, decide_eq_true_eq, beq_iff_eq] at hb
  obtain ⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨_, hblk⟩, hE⟩, hP⟩, hBo⟩, hV⟩, hO⟩, hIn⟩, hOut⟩, hU⟩, hv0⟩, hv1⟩,
    ho0⟩, ho1⟩, pL⟩ := hb
  replace hE := shapeOk_sound hE
  replace hP := shapeOk_sound hP
  replace hBo := shapeOk_sound hBo
  have hvlen : ∀ j, j < 2 → (tw.valueT.getD j []).length = m.dHeads := fun j hj => by
    have hj' : j = 0 ∨ j = 1 := by omega
    rcases hj' with rfl | rfl
    · exact hv0
    · exact hv1
  have holen : ∀ j, j < 2 → (tw.ovT.getD j []).length = m.dModel := fun j hj => by
    have hj' : j = 0 ∨ j = 1 := by omega
    rcases hj' with rfl | rfl
    · exact ho0
    · exact ho1
  -- the part of stage `s` holding row `x`, and the row's block
  have hstage : ∀ s j x, s < 3 → j < 2 → x < stageRows m s →
      stageOk m tw s j (x / tw.block) = true ∧ x / tw.block * tw.block ≤ x ∧
        x < x / tw.block * tw.block + tw.block := by
    intro s j x hs hj hx
    obtain ⟨h1, h2, h3⟩ := block_of_lt hblk hx
    obtain ⟨hk, heq⟩ := tablesOk_stage m tw hs hj h3
    exact ⟨heq ▸ h _ hk, h1, h2⟩
  -- value rows
  have hval : ∀ j e t, j < 2 → e < m.dHeads → t < m.p →
      entry (tw.valueT.getD j []) e t = valueInt m j t e := by
    intro j e t hj he ht
    obtain ⟨hk, h1, h2⟩ := hstage 0 j e (by omega) hj he
    have hk' : valueOk m tw j (e / tw.block) = true := hk
    rw [rowBlockOk_sound hk' h1 h2 (by rw [hV]; exact he) ht,
      sum_congr_eq (length_residT hE hP (by omega)) (fun _ _ => rfl)
        (fun c hc => entry_residT hE hP (by omega) hc ht)]
    exact sumTo_mul_comm _ _ _
  -- OV rows
  have hov : ∀ j c t, j < 2 → c < m.dModel → t < m.p →
      entry (tw.ovT.getD j []) c t = ovInt m j t c := by
    intro j c t hj hc ht
    obtain ⟨hk, h1, h2⟩ := hstage 1 j c (by omega) hj hc
    have hk' : ovOk m tw j (c / tw.block) = true := hk
    rw [rowBlockOk_sound hk' h1 h2 (by rw [hO]; exact hc) ht,
      sum_congr_eq (hvlen j hj) (fun _ _ => rfl) (fun e he => hval j e t hj he ht)]
    exact sumTo_mul_comm _ _ _
  -- pre-activation rows (and `preC` for `j = 0`)
  have hpre : ∀ j n, j < 2 → n < m.dMlp →
      rowBlockOk tw m.p m.wInT (tw.ovT.getD j []) (tw.preT.getD j []) (n / tw.block * tw.block)
        tw.block = true ∧
      (j = 0 → rowBlockOk tw 1 m.wInT (eqCol m) tw.preC (n / tw.block * tw.block)
        tw.block = true) ∧ n / tw.block * tw.block ≤ n ∧ n < n / tw.block * tw.block + tw.block := by
    intro j n hj hn
    obtain ⟨hk, h1, h2⟩ := hstage 2 j n (by omega) hj hn
    have hk' : preOk m tw j (n / tw.block) = true := hk
    simp only [preOk, Bool.and_eq_true, Bool.or_eq_true, bne_iff_ne, ne_eq] at hk'
    refine ⟨hk'.1, fun hj0 => ?_, h1, h2⟩
    rcases hk'.2 with h0 | h0
    · exact absurd hj0 h0
    · exact h0
  have hUrows := productOk_rows pL
  refine ⟨fun j t n hj ht hn => ?_, fun j t y hj ht hy => ?_, fun n hn => ?_, fun y hy => ?_,
    fun n y hn hy => ?_⟩
  · obtain ⟨hk, _, h1, h2⟩ := hpre j n hj hn
    rw [rowBlockOk_sound hk h1 h2 (by rw [hIn]; exact hn) ht,
      sum_congr_eq (holen j hj) (fun _ _ => rfl) (fun c hc => hov j c t hj hc ht)]
    exact sumTo_mul_comm _ _ _
  · have hk := h (1 + j) (by rw [nParts_eq]; omega)
    rw [tablesOk, if_neg (by omega), if_pos (by omega), Nat.add_sub_cancel_left] at hk
    have hy' : y < (transpose m.p m.wU).length := by rw [length_transpose hUrows]; exact hy
    rw [productOk_eq hk (holen j hj) hy' ht (fun c _ => entry_transpose hUrows hy c)
      (fun c hc => hov j c t hj hc ht)]
    exact sumTo_mul_comm _ _ _
  · obtain ⟨_, hk, h1, h2⟩ := hpre 0 n (by omega) hn
    rw [rowBlockOk_sound (hk rfl) h1 h2 (by rw [hIn]; exact hn) Nat.zero_lt_one,
      sum_congr_eq (length_eqCol hE hP) (fun _ _ => rfl) (fun c hc => entry_eqCol hE hP hc),
      preConst, sumTo_mul_comm]
  · rw [productOk_eq pL hU (by simp) hy (fun c hc => entry_linRow hE hP hBo hc)
      (fun _ _ => rfl)]
    rfl
  · obtain ⟨h1, h2, h3⟩ := block_of_lt hblk hn
    obtain ⟨hk, heq⟩ := tablesOk_mT m tw h3
    have hk' := heq ▸ h _ hk
    rw [rowBlockOk_sound hk' h1 h2 (by rw [hOut]; exact hn) hy]
    exact sum_congr_eq hU (fun _ _ => rfl) (fun _ _ => rfl)

end

end CompactProofs.ModAdd
