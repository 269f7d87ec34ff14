module

public import CompactProofs.MaxOfK.Checker

/-!
# Max-of-K: the inputs `accuracy` counts are exactly the token sequences

`accuracy F m` counts correct inputs in the list `allSeqs m.dVocab m.nCtx`. Here that list is
characterised: it holds a list iff the list has `K` entries, each below `d_vocab`
(`mem_allSeqs_iff`), and each such list once (`allSeqs_nodup`, with `length_allSeqs`:
`d_vocab ^ K` of them, in `CompactProofs.MaxOfK.Checker`). So a bound `n ≤ accuracy F m` says
that at least `n` of the `d_vocab ^ K` token sequences are classified correctly, each counted
once. Nothing else is proved here.
-/

namespace CompactProofs.MaxOfK

@[expose] public section

/-- The sequences `allSeqs v k` lists are exactly those of `k` tokens below `v`. -/
theorem mem_allSeqs_iff {v : Nat} : ∀ {k : Nat} {x : List Nat},
    x ∈ allSeqs v k ↔ x.length = k ∧ ∀ t ∈ x, t < v
  | 0, x => by cases x <;> simp [allSeqs]
  | k + 1, [] => by simp [allSeqs]
  | k + 1, a :: l => by
    simp only [allSeqs, List.mem_flatMap, List.mem_range, List.mem_map, List.cons.injEq,
      List.length_cons, List.mem_cons, forall_eq_or_imp]
    constructor
    · rintro ⟨t, ht, y, hy, rfl, rfl⟩
      have := mem_allSeqs_iff.1 hy
      exact ⟨by omega, ht, this.2⟩
    · rintro ⟨hlen, ha, hl⟩
      exact ⟨a, ha, l, mem_allSeqs_iff.2 ⟨by omega, hl⟩, rfl, rfl⟩

end

end CompactProofs.MaxOfK
