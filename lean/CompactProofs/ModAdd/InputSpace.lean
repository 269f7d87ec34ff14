module

public import CompactProofs.ModAdd.Semantics

/-!
# Modular addition: the inputs `accuracy` counts are exactly the pairs

`accuracy m` counts correct inputs in the list `allPairs m.p`. Here that list is characterised:
it holds a pair iff both operands are below `p` (`mem_allPairs_iff`), each such pair once
(`allPairs_nodup`), `p²` of them (`length_allPairs`). So a bound `n ≤ accuracy m` says that at
least `n` of the `p²` inputs `(a, b)` are answered correctly, each counted once. Nothing else is
proved here.
-/

namespace CompactProofs.ModAdd

@[expose] public section

/-- The pairs `allPairs p` lists are exactly those with both operands below `p`. -/
theorem mem_allPairs_iff {p : Nat} {x : Nat × Nat} : x ∈ allPairs p ↔ x.1 < p ∧ x.2 < p := by
  obtain ⟨a, b⟩ := x
  simp only [allPairs, List.mem_flatMap, List.mem_range, List.mem_map, Prod.mk.injEq]
  constructor
  · rintro ⟨a', ha, b', hb, rfl, rfl⟩
    exact ⟨ha, hb⟩
  · rintro ⟨ha, hb⟩
    exact ⟨a, ha, b, hb, rfl, rfl⟩

/-- `allPairs p` lists `p²` pairs. -/
theorem length_allPairs (p : Nat) : (allPairs p).length = p * p := by
  simp only [allPairs, List.length_flatMap, List.length_map, List.length_range, sum_map_range]
  suffices h : ∀ n, (sumTo n fun _ => p) = n * p from h p
  intro n
  induction n with
  | zero => simp [sumTo]
  | succ n ih => simp only [sumTo, ih, Nat.succ_mul]

/-- Pairing each of the distinct first operands `L` with every `b < p` gives distinct pairs. -/
theorem nodup_flatMap_pairs (p : Nat) :
    ∀ L : List Nat, L.Nodup → (L.flatMap fun a => (List.range p).map fun b => (a, b)).Nodup
  | [], _ => List.nodup_nil
  | a :: L, hL => by
    rw [List.flatMap_cons]
    have hL' := List.nodup_cons.mp hL
    refine List.nodup_append.mpr ⟨?_, nodup_flatMap_pairs p L hL'.2, ?_⟩
    · exact List.pairwise_map.mpr (List.nodup_range.imp fun h e => h (Prod.mk.inj e).2)
    · intro x hx y hy hxy
      obtain ⟨_, _, rfl⟩ := List.mem_map.mp hx
      obtain ⟨a', ha', _, _, rfl⟩ := by simpa only [List.mem_flatMap, List.mem_map] using hy
      exact hL'.1 (by rw [(Prod.mk.inj hxy).1]; exact ha')

/-- `allPairs p` lists each pair once. -/
theorem allPairs_nodup (p : Nat) : (allPairs p).Nodup :=
  nodup_flatMap_pairs p _ List.nodup_range

end

end CompactProofs.ModAdd
