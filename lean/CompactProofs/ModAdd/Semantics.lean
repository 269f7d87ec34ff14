module

public import CompactProofs.Core.Algebra
public import CompactProofs.Core.Matrix

/-!
# Modular addition: the real-number semantics of a one-layer "pizza" transformer

This file fixes *what* is claimed about a modular-addition model; it mentions no checker and
no certificate.

## Scalars
Everything is stated over an arbitrary ordered field `α` (core's `Lean.Grind` classes; core
Lean has no real numbers). The model has no softmax and no `exp`: its attention is fixed, and
its only non-linearity is a ReLU. Every theorem proved for all such `α` holds for the real
numbers, i.e. for the model's exact real-number forward pass.

## Weights
A `Model` holds integer matrices and one `shift`: the weight `W[i][j]` is
`entry W i j / 2 ^ shift`, so the trained float32 weights are represented exactly. Biases are
`1 × n` matrices. The heads' value and output maps are stored side by side, so that the sum
over heads and head dimensions is one sum over `dHeads = n_heads · d_head` indices (head `h`
at `h · d_head …`). Three matrices are stored transposed, one row per output coordinate, which
is how the certificate checks read them: `wVT[e][c] = W_V[c][e]`, `wOT[c][e] = W_O[e][c]`,
`wInT[n][c] = W_in[c][n]` (row `n` holds neuron `n`'s input weights).

## Forward pass (at the `'='` position, where the answer is read)
Input `(a, b)` is the token sequence `a, b, '='` with `'='` the token `p`.
* `resid j c = W_E[tok j] + W_pos[j]` at position `j`;
* attention is fixed: `'='` attends `1/2` to `a` and `1/2` to `b`, so the stream at `'='` is
  `stream c = resid 2 c + Σ_e (value 0 e / 2 + value 1 e / 2) · W_O[e][c]` with
  `value j e = Σ_c resid j c · W_V[c][e]`;
* `pre n = Σ_c stream c · W_in[c][n] + b_in[n]`, `relu x = max x 0`;
* `logit y = Σ_c (stream c + Σ_n relu (pre n) · W_out[n][c] + b_out[c]) · W_U[c][y]`.

Input `(a, b)` is `Correct` iff the logit of `(a + b) mod p` is strictly greater than every
other logit (a tie is wrong); `accuracy` counts the correct inputs among all `p²` pairs.

## What is not modelled
The float32 deployment (rounded products) is not the object of these theorems: they are
about the exact real-number function of the float32 weights. Nothing is proved here.
-/

namespace CompactProofs.ModAdd

open Lean.Grind

@[expose] public noncomputable section

attribute [local instance] Ring.intCast Semiring.natCast

/-- A one-layer modular-addition transformer with fixed attention and exact dyadic weights:
weight `W[i][j] = entry W i j / 2 ^ shift`. -/
structure Model where
  /-- the modulus; tokens `0 … p - 1` are numbers, token `p` is `'='` -/
  p : Nat
  dModel : Nat
  /-- `n_heads · d_head` -/
  dHeads : Nat
  dMlp : Nat
  shift : Nat
  /-- token embedding, `(p + 1) × d_model` -/
  wE : IntMatrix
  /-- positional embedding, `3 × d_model` -/
  wPos : IntMatrix
  /-- value maps of all heads, transposed: `dHeads × d_model` -/
  wVT : IntMatrix
  /-- output maps of all heads, transposed: `d_model × dHeads` -/
  wOT : IntMatrix
  /-- MLP input weights, transposed: `d_mlp × d_model` -/
  wInT : IntMatrix
  /-- MLP input bias, `1 × d_mlp` -/
  bIn : IntMatrix
  /-- MLP output weights `d_mlp × d_model` and bias `1 × d_model` -/
  wOut : IntMatrix
  bOut : IntMatrix
  /-- unembedding, `d_model × p` -/
  wU : IntMatrix

/-- The token at position `j` of input `(a, b)`: `a`, `b`, then `'='` (token `p`). -/
def tok (m : Model) (a b : Nat) : Nat → Nat
  | 0 => a
  | 1 => b
  | _ => m.p

/-- All `p²` inputs `(a, b)`, `a`-major, each once. -/
def allPairs (p : Nat) : List (Nat × Nat) :=
  (List.range p).flatMap fun a => (List.range p).map fun b => (a, b)

section Forward

variable {α : Type} [Field α] [LE α] [LT α] [Std.IsLinearOrder α] [Std.LawfulOrderLT α]
  [OrderedRing α] (m : Model)

/-- The exact value of a weight. -/
def weight (M : IntMatrix) (i j : Nat) : α := (entry M i j : α) / 2 ^ m.shift

/-- ReLU (`α`'s order need not be decidable, hence the classical `if`). -/
def relu (x : α) : α := @ite _ (0 ≤ x) (Classical.propDecidable _) x 0

/-- Residual stream of input `(a, b)` at position `j`, coordinate `c`. -/
def resid (a b j c : Nat) : α := weight m m.wE (tok m a b j) c + weight m m.wPos j c

/-- Value of position `j`, coordinate `e` (all heads side by side). -/
def value (a b j e : Nat) : α :=
  sumTo m.dModel fun c => resid m a b j c * weight m m.wVT e c

/-- The residual stream at `'='` after attention (`1/2` on `a`, `1/2` on `b`). -/
def stream (a b c : Nat) : α :=
  resid m a b 2 c +
    sumTo m.dHeads fun e => (value m a b 0 e / 2 + value m a b 1 e / 2) * weight m m.wOT c e

/-- Pre-activation of neuron `n`. -/
def pre (a b n : Nat) : α :=
  (sumTo m.dModel fun c => stream m a b c * weight m m.wInT n c) + weight m m.bIn 0 n

/-- Output of the MLP, coordinate `c` of the residual stream. -/
def mlpOut (a b c : Nat) : α :=
  (sumTo m.dMlp fun n => relu (pre m a b n) * weight m m.wOut n c) + weight m m.bOut 0 c

/-- Logit of answer `y`. -/
def logit (a b y : Nat) : α :=
  sumTo m.dModel fun c => (stream m a b c + mlpOut m a b c) * weight m m.wU c y

/-- The model answers `(a, b)` correctly: the logit of `(a + b) mod p` beats every other. -/
def Correct (a b : Nat) : Prop :=
  ∀ c, c < m.p → c ≠ (a + b) % m.p → logit (α := α) m a b c < logit m a b ((a + b) % m.p)

/-- Number of correct inputs among all `p²` pairs. -/
def accuracy : Nat :=
  (allPairs m.p).countP fun x => @decide (Correct (α := α) m x.1 x.2) (Classical.propDecidable _)

end Forward

end

end CompactProofs.ModAdd
