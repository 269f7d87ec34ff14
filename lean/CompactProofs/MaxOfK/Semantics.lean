module

public import CompactProofs.Core.Algebra
public import CompactProofs.Core.Matrix

/-!
# Max-of-K: the real-number semantics of a one-layer attention-only transformer

This file fixes *what* is claimed about a model; it mentions no checker and no certificate.

## Scalars
Everything is stated over an arbitrary ordered field `α` (core's `Lean.Grind` classes;
core Lean has no real numbers) together with an `ExpSqrt α`: an exponential with
`exp (x + y) = exp x * exp y` and `1 + x ≤ exp x` (`exp 0 = 1` and `0 < exp x` follow:
`ExpSqrt.exp_zero`, `ExpSqrt.exp_pos` in `CompactProofs.MaxOfK.ExpBounds`), and a square root
with `0 < sqrt x` and `sqrt x * sqrt x = x` for `0 < x`. The real numbers with `Real.exp`
and `Real.sqrt` satisfy all of these, so every theorem proved for all such `α` holds for
the reals, i.e. for the model's exact real-number forward pass.

## Weights
A `Model` holds integer matrices and one `shift`: the weight `W[i][j]` is
`entry W i j / 2 ^ shift`. Every finite float32 is an integer times a power of two, so
the trained float32 weights are represented exactly (the exporter picks one common
`shift` for all matrices). There are no biases and no layer norm; one attention head.

## Forward pass (at the last position `K - 1`, where the prediction is read)
* `resid x i = W_E[x_i] + W_pos[i]`
* `score x i = ((resid x (K-1) · W_Q) · (resid x i · W_K)) / sqrt d_head`
* `attention x i = exp (score x i) / Σ_j exp (score x j)` (the last position sees all `K`)
* `logit x y = ((resid x (K-1) + Σ_i attention x i · (resid x i · W_V · W_O)) · W_U)[y]`

An input `x` (a list of `K` tokens) is `Correct` iff the logit of its maximum is strictly
greater than every other logit (a tie is wrong). `accuracy` counts the correct inputs in
the list `allSeqs d_vocab K` of all token sequences of length `K`: it has `d_vocab ^ K`
entries, all distinct, and holds exactly the lists of `K` tokens below `d_vocab`
(`length_allSeqs`, `allSeqs_nodup` in `CompactProofs.MaxOfK.Checker`; `mem_allSeqs_iff` in
`CompactProofs.MaxOfK.InputSpace`).

## What is not modelled
The float32 *deployment* (rounded matrix products, float `exp`, float softmax) is not the
object of these theorems: they are about the exact real-number function of the float32
weights. Nothing is proved in this file; it only makes definitions.
-/

namespace CompactProofs.MaxOfK

open Lean.Grind

@[expose] public noncomputable section

attribute [local instance] Ring.intCast Semiring.natCast

/-- The transcendental functions the forward pass needs, with the properties the proofs
use, none implied by the others. All of them hold for `Real.exp` and `Real.sqrt`. -/
structure ExpSqrt (α : Type) [Field α] [LE α] [LT α] [Std.IsLinearOrder α]
    [Std.LawfulOrderLT α] [OrderedRing α] where
  exp : α → α
  sqrt : α → α
  exp_add : ∀ x y, exp (x + y) = exp x * exp y
  one_add_le_exp : ∀ x, 1 + x ≤ exp x
  sqrt_pos : ∀ x, 0 < x → 0 < sqrt x
  sqrt_mul_self : ∀ x, 0 < x → sqrt x * sqrt x = x

/-- A one-layer, one-head, attention-only Max-of-K model with exact dyadic weights:
weight `W[i][j] = entry W i j / 2 ^ shift`. -/
structure Model where
  dVocab : Nat
  /-- the sequence length `K` -/
  nCtx : Nat
  dModel : Nat
  dHead : Nat
  shift : Nat
  /-- token embedding, `d_vocab × d_model` -/
  wE : IntMatrix
  /-- positional embedding, `K × d_model` -/
  wPos : IntMatrix
  /-- query, key and value projections, `d_model × d_head` each -/
  wQ : IntMatrix
  wK : IntMatrix
  wV : IntMatrix
  /-- output projection, `d_head × d_model` -/
  wO : IntMatrix
  /-- unembedding, `d_model × d_vocab` -/
  wU : IntMatrix

/-- Token at position `i` of an input. -/
def tok (x : List Nat) (i : Nat) : Nat := x.getD i 0

/-- The largest token of an input (the label). -/
def maxTok : List Nat → Nat
  | [] => 0
  | a :: l => max a (maxTok l)

/-- All `v ^ k` sequences of `k` tokens below `v`, each once (lexicographic order). -/
def allSeqs (v : Nat) : Nat → List (List Nat)
  | 0 => [[]]
  | k + 1 => (List.range v).flatMap fun t => (allSeqs v k).map (t :: ·)

section Forward

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (F : ExpSqrt α) (m : Model)

/-- The exact value of a weight. -/
def weight (M : IntMatrix) (i j : Nat) : α := (entry M i j : α) / 2 ^ m.shift

/-- Residual stream of input `x` at position `i`, coordinate `c`. -/
def resid (x : List Nat) (i c : Nat) : α := weight m m.wE (tok x i) c + weight m m.wPos i c

/-- Query of the last position, coordinate `d`. -/
def query (x : List Nat) (d : Nat) : α :=
  sumTo m.dModel fun c => resid m x (m.nCtx - 1) c * weight m m.wQ c d

/-- Key of position `i`, coordinate `d`. -/
def key (x : List Nat) (i d : Nat) : α :=
  sumTo m.dModel fun c => resid m x i c * weight m m.wK c d

/-- Value of position `i`, coordinate `d`. -/
def value (x : List Nat) (i d : Nat) : α :=
  sumTo m.dModel fun c => resid m x i c * weight m m.wV c d

/-- Attention score of the last position on position `i`, scaled by `1 / sqrt d_head`. -/
def score (x : List Nat) (i : Nat) : α :=
  (sumTo m.dHead fun d => query m x d * key m x i d) / F.sqrt (m.dHead : α)

/-- Softmax of the scores over the `K` positions. -/
def attention (x : List Nat) (i : Nat) : α :=
  F.exp (score F m x i) / sumTo m.nCtx fun j => F.exp (score F m x j)

/-- Output of the head at the last position, coordinate `c` of the residual stream. -/
def headOut (x : List Nat) (c : Nat) : α :=
  sumTo m.nCtx fun i => attention F m x i * sumTo m.dHead fun d => value m x i d * weight m m.wO d c

/-- Logit of token `y` at the last position. -/
def logit (x : List Nat) (y : Nat) : α :=
  sumTo m.dModel fun c => (resid m x (m.nCtx - 1) c + headOut F m x c) * weight m m.wU c y

/-- The model answers input `x` correctly: the logit of the maximum beats every other. -/
def Correct (x : List Nat) : Prop :=
  ∀ y, y < m.dVocab → y ≠ maxTok x → logit F m x y < logit F m x (maxTok x)

/-- Number of correct inputs among all `d_vocab ^ K` sequences. -/
def accuracy : Nat :=
  (allSeqs m.dVocab m.nCtx).countP fun x => @decide (Correct F m x) (Classical.propDecidable _)

end Forward

end

end CompactProofs.MaxOfK
