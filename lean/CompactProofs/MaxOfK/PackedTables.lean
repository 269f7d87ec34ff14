module

public import CompactProofs.Core.Packed
public import CompactProofs.MaxOfK.Checker

/-!
# The certificate's integer tables, checked by packed matrix products

`CompactProofs.MaxOfK.Checker.tablesOk` recomputes every entry of the tables by an indexed dot
product, which the kernel cannot afford at `d_vocab = 64`. Here each table is instead checked
one row at a time by `productOk` (`CompactProofs.Core.Packed`: one big packed multiply-add per
factor row). The factors are the weights, the residual rows computed by the kernel
(`residRows`, and their transpose `residT`), transposes of weights computed by the kernel
(`transpose`, one linear pass), and the intermediate tables of a `TableWitness`:

| table | product | |
|---|---|---|
| `tw.query` `[q][d]` | `residRows (K-1) · W_Q` | base |
| `c.direct` `[q][y]` | `residRows (K-1) · W_U` | base |
| `tw.keyT[i]` `[d][t]` | `W_Kᵀ · residT i` | part 0 |
| `c.scores[·][i]` `[q][t]` | `tw.query · tw.keyT[i]` | part 0 |
| `tw.value[i]` `[t][d]` | `residRows i · W_V` | part 1 |
| `c.ov[i]` `[t][c]` | `tw.value[i] · W_O` | part 1 |
| `c.ovu[i]` `[t][y]` | `c.ov[i] · W_U` | part 1 |
| `tw.valueT[i]` `[d][t]` | `W_Vᵀ · residT i` | part 2 |
| `tw.ovT[i]` `[c][t]` | `W_Oᵀ · tw.valueT[i]` | part 2 |
| `tw.ovuT[i]` `[y][t]` | `W_Uᵀ · tw.ovT[i]` | part 2 |

`tablesBaseOk` checks the shapes of the weights and the two base products; `tablesPartOk i k`
checks part `k < 3` of position `i`, so that each is one `decide +kernel` of bounded memory.
All products share one packing base `tw.base` and one entry bound `tw.bound`.

## What is proved
`tables_facts`: the checks give the entries of `c.scores`, `c.ovu`, `tw.ovuT` (the OV-unembed
table transposed, `[i][y][t]`, for checkers that walk along tokens) and `c.direct` as the
model's `scoreInt`, `ovuInt` and `directInt` of `CompactProofs.MaxOfK.Tables`; the entry
lemmas `entry_transpose`, `entry_residRows`, `entry_residT` used on the way.

## What is not proved or checked
Nothing about `c.ov` is exported (it is only a factor of `c.ovu`), nor about the enclosures,
the `sqrt` bounds or the count (`CompactProofs.MaxOfK.Checker`). The witness is untrusted:
a wrong entry makes a product check fail.
-/

namespace CompactProofs.MaxOfK

@[expose] public noncomputable section

/-- Witness for the packed table check: the intermediate tables, the packing base and one
bound on the entries of every factor of every product. -/
structure TableWitness where
  /-- the packing base `B` of every product; any `B > 2 · k · bound²` (`k` the longest
  contraction) is sound, an odd one is fast (see `CompactProofs.Core.Packed`) -/
  base : Int
  /-- every entry of every factor (weights, residual rows, and the tables below) has
  `natAbs ≤ bound` -/
  bound : Nat
  /-- `[q][d] ↦ queryInt q d` -/
  query : IntMatrix
  /-- `[i][d][t] ↦ keyInt i t d` -/
  keyT : List IntMatrix
  /-- `[i][t][d] ↦ valueInt i t d` -/
  value : List IntMatrix
  /-- `[i][d][t] ↦ valueInt i t d` -/
  valueT : List IntMatrix
  /-- `[i][c][t] ↦ ovInt i t c` -/
  ovT : List IntMatrix
  /-- `[i][y][t] ↦ ovuInt i t y` -/
  ovuT : List IntMatrix

/-- The residual stream at position `i`, one row per token: `W_E[t] + W_pos[i]`. -/
def residRows (m : Model) (i : Nat) : IntMatrix :=
  m.wE.map fun row => List.zipWith Int.add row (m.wPos.getD i [])

/-- `residRows m i` transposed: `[c][t]`. -/
def residT (m : Model) (i : Nat) : IntMatrix := transpose m.dModel (residRows m i)

section Check

variable (m : Model) (c : Certificate) (tw : TableWitness)

/-- Shapes of the weights, and the query and direct tables. -/
def tablesBaseOk : Bool :=
  decide (0 < m.nCtx) && decide (0 < m.dVocab) &&
    shapeOk m.wE m.dVocab m.dModel && shapeOk m.wPos m.nCtx m.dModel &&
    shapeOk m.wQ m.dModel m.dHead && shapeOk m.wK m.dModel m.dHead &&
    shapeOk m.wV m.dModel m.dHead && shapeOk m.wO m.dHead m.dModel &&
    shapeOk m.wU m.dModel m.dVocab &&
    productOk tw.base m.dHead tw.bound tw.bound (residRows m (m.nCtx - 1)) m.wQ tw.query &&
    productOk tw.base m.dVocab tw.bound tw.bound (residRows m (m.nCtx - 1)) m.wU c.direct

/-- Part `k` of position `i`: `0`: keys and scores; `1`: value, OV and OV-unembed rows;
`2`: the same transposed (`ovuT`). -/
def tablesPartOk (i k : Nat) : Bool :=
  match k with
  | 0 =>
    productOk tw.base m.dVocab tw.bound tw.bound (transpose m.dHead m.wK) (residT m i)
        (tw.keyT.getD i []) &&
      productOk tw.base m.dVocab tw.bound tw.bound tw.query (tw.keyT.getD i [])
        (c.scores.map fun row => row.getD i [])
  | 1 =>
    productOk tw.base m.dHead tw.bound tw.bound (residRows m i) m.wV (tw.value.getD i []) &&
      productOk tw.base m.dModel tw.bound tw.bound (tw.value.getD i []) m.wO (c.ov.getD i []) &&
      productOk tw.base m.dVocab tw.bound tw.bound (c.ov.getD i []) m.wU (c.ovu.getD i [])
  | _ =>
    productOk tw.base m.dVocab tw.bound tw.bound (transpose m.dHead m.wV) (residT m i)
        (tw.valueT.getD i []) &&
      productOk tw.base m.dVocab tw.bound tw.bound (transpose m.dModel m.wO)
        (tw.valueT.getD i []) (tw.ovT.getD i []) &&
      productOk tw.base m.dVocab tw.bound tw.bound (transpose m.dVocab m.wU)
        (tw.ovT.getD i []) (tw.ovuT.getD i [])

end Check

/-! ## Entries of the computed factors -/

theorem length_residRows (m : Model) (i : Nat) : (residRows m i).length = m.wE.length := by
  simp [residRows]

theorem residRows_rows {m : Model} (hE : IsShape m.wE m.dVocab m.dModel)
    (hP : IsShape m.wPos m.nCtx m.dModel) {i : Nat} (hi : i < m.nCtx) :
    ∀ row ∈ residRows m i, row.length = m.dModel := by
  intro row hrow
  simp only [residRows, List.mem_map] at hrow
  obtain ⟨r, hr, rfl⟩ := hrow
  have hp : (m.wPos.getD i []).length = m.dModel := by
    rw [getD_of_lt _ (by rw [hP.1]; exact hi)]
    exact hP.2 _ (List.getElem_mem _)
  rw [List.length_zipWith, hE.2 r hr, hp, Nat.min_self]

theorem entry_residRows {m : Model} (hE : IsShape m.wE m.dVocab m.dModel)
    (hP : IsShape m.wPos m.nCtx m.dModel) {i t c : Nat} (hi : i < m.nCtx) (ht : t < m.dVocab)
    (hc : c < m.dModel) : entry (residRows m i) t c = residInt m i t c := by
  have hp : (m.wPos.getD i []).length = m.dModel := by
    rw [getD_of_lt _ (by rw [hP.1]; exact hi)]
    exact hP.2 _ (List.getElem_mem _)
  have he : (m.wE.getD t []).length = m.dModel := by
    rw [getD_of_lt _ (by rw [hE.1]; exact ht)]
    exact hE.2 _ (List.getElem_mem _)
  unfold entry residRows residInt entry
  rw [getD_map_dflt _ _ (a := []) (by simp), getD_zipWith_add (by omega) (by omega)]

theorem length_residT {m : Model} (hE : IsShape m.wE m.dVocab m.dModel)
    (hP : IsShape m.wPos m.nCtx m.dModel) {i : Nat} (hi : i < m.nCtx) :
    (residT m i).length = m.dModel :=
  length_transpose (residRows_rows hE hP hi)

theorem entry_residT {m : Model} (hE : IsShape m.wE m.dVocab m.dModel)
    (hP : IsShape m.wPos m.nCtx m.dModel) {i c t : Nat} (hi : i < m.nCtx) (hc : c < m.dModel)
    (ht : t < m.dVocab) : entry (residT m i) c t = residInt m i t c := by
  rw [residT, entry_transpose (residRows_rows hE hP hi) hc, entry_residRows hE hP hi ht hc]

/-! ## Products read back -/

theorem tables_facts {m : Model} {c : Certificate} {tw : TableWitness}
    (hb : tablesBaseOk m c tw = true)
    (hp : ∀ i, i < m.nCtx → ∀ k, k < 3 → tablesPartOk m c tw i k = true) :
    (∀ q, q < m.dVocab → ∀ i, i < m.nCtx → ∀ t, t < m.dVocab →
      entry3 c.scores q i t = scoreInt m q i t) ∧
    (∀ i, i < m.nCtx → ∀ t, t < m.dVocab → ∀ y, y < m.dVocab →
      entry3 c.ovu i t y = ovuInt m i t y) ∧
    (∀ i, i < m.nCtx → ∀ y, y < m.dVocab → ∀ t, t < m.dVocab →
      entry3 tw.ovuT i y t = ovuInt m i t y) ∧
    (∀ q, q < m.dVocab → ∀ y, y < m.dVocab → entry c.direct q y = directInt m q y) := by
  simp only [tablesBaseOk, Bool.and_eq_true, decide_eq_true_eq] at hb
  obtain ⟨⟨⟨⟨⟨⟨⟨⟨⟨⟨hK, _⟩, hE⟩, hP⟩, hQ⟩, hKw⟩, hVw⟩, hO⟩, hU⟩, pq⟩, pd⟩ := hb
  replace hE := shapeOk_sound hE
  replace hP := shapeOk_sound hP
  replace hQ := shapeOk_sound hQ
  replace hKw := shapeOk_sound hKw
  replace hVw := shapeOk_sound hVw
  replace hO := shapeOk_sound hO
  replace hU := shapeOk_sound hU
  have hK1 : m.nCtx - 1 < m.nCtx := by omega
  have hRlen : ∀ i, (residRows m i).length = m.dVocab := fun i => by
    rw [length_residRows, hE.1]
  -- the query table
  have hquery : ∀ q, q < m.dVocab → ∀ d, d < m.dHead → entry tw.query q d = queryInt m q d :=
    fun q hq d hd => productOk_eq pq hQ.1 (by rw [hRlen]; exact hq) hd
      (fun _ hj => entry_residRows hE hP hK1 hq hj) (fun _ _ => rfl)
  have hqlen : tw.query.length = m.dVocab := by rw [← productOk_length pq, hRlen]
  refine ⟨fun q hq i hi t ht => ?_, fun i hi t ht y hy => ?_, fun i hi y hy t ht => ?_,
    fun q hq y hy => ?_⟩
  · -- scores, through the keys
    have h0 := hp i hi 0 (by omega)
    simp only [tablesPartOk, Bool.and_eq_true] at h0
    obtain ⟨pk, ps⟩ := h0
    have hkey : ∀ d, d < m.dHead → entry (tw.keyT.getD i []) d t = keyInt m i t d := by
      intro d hd
      rw [productOk_eq pk (length_residT hE hP hi) (by rw [length_transpose hKw.2]; exact hd) ht
        (fun j hj => entry_transpose hKw.2 hd j) (fun j hj => entry_residT hE hP hi hj ht)]
      exact sumTo_mul_comm _ _ _
    have hklen : (tw.keyT.getD i []).length = m.dHead := by
      rw [← productOk_length pk, length_transpose hKw.2]
    have := productOk_eq ps hklen (by rw [hqlen]; exact hq) ht (fun j hj => hquery q hq j hj)
      (fun j hj => hkey j hj)
    unfold entry at this
    rw [getD_map_dflt _ _ (a := []) (by simp)] at this
    exact this
  · -- OV-unembed, through the value and OV rows
    have h1 := hp i hi 1 (by omega)
    simp only [tablesPartOk, Bool.and_eq_true] at h1
    obtain ⟨⟨pv, po⟩, pu⟩ := h1
    have hvlen : (tw.value.getD i []).length = m.dVocab := by rw [← productOk_length pv, hRlen]
    have hovlen : (c.ov.getD i []).length = m.dVocab := by rw [← productOk_length po, hvlen]
    have hov : ∀ j, j < m.dModel → entry (c.ov.getD i []) t j = ovInt m i t j := by
      intro j hj
      exact productOk_eq po hO.1 (by rw [hvlen]; exact ht) hj
        (fun d hd => productOk_eq pv hVw.1 (by rw [hRlen]; exact ht) hd
          (fun _ hj => entry_residRows hE hP hi ht hj) (fun _ _ => rfl))
        (fun _ _ => rfl)
    exact productOk_eq pu hU.1 (by rw [hovlen]; exact ht) hy hov (fun _ _ => rfl)
  · -- the transposed OV-unembed table
    have h2 := hp i hi 2 (by omega)
    simp only [tablesPartOk, Bool.and_eq_true] at h2
    obtain ⟨⟨pv, po⟩, pu⟩ := h2
    have hvlen : (tw.valueT.getD i []).length = m.dHead := by
      rw [← productOk_length pv, length_transpose hVw.2]
    have hovlen : (tw.ovT.getD i []).length = m.dModel := by
      rw [← productOk_length po, length_transpose hO.2]
    have hval : ∀ d, d < m.dHead → entry (tw.valueT.getD i []) d t = valueInt m i t d := by
      intro d hd
      rw [productOk_eq pv (length_residT hE hP hi) (by rw [length_transpose hVw.2]; exact hd) ht
        (fun j hj => entry_transpose hVw.2 hd j) (fun j hj => entry_residT hE hP hi hj ht)]
      exact sumTo_mul_comm _ _ _
    have hov : ∀ j, j < m.dModel → entry (tw.ovT.getD i []) j t = ovInt m i t j := by
      intro j hj
      rw [productOk_eq po hvlen (by rw [length_transpose hO.2]; exact hj) ht
        (fun d hd => entry_transpose hO.2 hj d) hval]
      exact sumTo_mul_comm _ _ _
    show entry (tw.ovuT.getD i []) y t = _
    rw [productOk_eq pu hovlen (by rw [length_transpose hU.2]; exact hy) ht
      (fun j hj => entry_transpose hU.2 hy j) hov]
    exact sumTo_mul_comm _ _ _
  · exact productOk_eq pd hU.1 (by rw [hRlen]; exact hq) hy
      (fun _ hj => entry_residRows hE hP hK1 hq hj) (fun _ _ => rfl)

end

end CompactProofs.MaxOfK
