import Lake
open Lake DSL

/-!
Build description for machines with `elan` (which reads `lean-toolchain`). The pinned
release is the one closest to the toolchain this repository checks with offline, the
WebAssembly build of Lean 4.28.0-pre from npm (`scripts/install_lean.sh`,
`python -m compact_proofs.lean.bridge check`). Both build the same files under `lean/`
with the same options: no auto-bound implicits, warnings are errors.
-/

package compact_proofs where
  leanOptions := #[
    ⟨`autoImplicit, false⟩,
    ⟨`relaxedAutoImplicit, false⟩
  ]
  moreLeanArgs := #["-DwarningAsError=true"]

-- The library: semantics, checkers and their soundness theorems (`import CompactProofs`).
@[default_target]
lean_lib CompactProofs where
  srcDir := "lean"

-- The generated certificates, one accuracy theorem per shipped model (`compact-proofs lean
-- generate`); many minutes of kernel work, so kept out of `import CompactProofs`.
@[default_target]
lean_lib CompactProofsGenerated where
  srcDir := "lean"
  roots := #[`CompactProofs.Generated]
