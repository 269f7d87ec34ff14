module

public import CompactProofs.ModAdd.Tables
public import CompactProofs.Core.Swar

/-!
# Modular addition: checking an output-Fourier accuracy certificate

The certificate of `compact_proofs.modadd.certificate` with Hölder's bound only (no square
root, no exact neurons), in kernel-sized form (`compact_proofs.modadd.lean_certificate`). With the integer
forward pass of `CompactProofs.ModAdd.Tables`, input `(a, b)` with answer `y = (a + b) mod p`
is correct iff `logitInt y > logitInt c` for every `c ≠ y`. The certificate gives integer
matrices `coef` (`d_mlp × k`), `basis` (`k × p`) and `resid` (`d_mlp × p`) with
`2^t · W_out W_U = coef · basis + resid`, and for each neuron an interval
`[lo_n, lo_n + spread_n]` holding its row of `resid`. Then, with `post = ReLU(pre) ≥ 0`,

  `2^t (logit y - logit c) ≥ l y - l c - Σ_n post_n spread_n`,
  `l x = 2^t · (direct part of logit x) + Σ_f (Σ_n post_n coef_nf) · basis_fx`,

so the input is certified when `l y - l c > Σ_n post_n spread_n` for every `c ≠ y`
(`logitInt_scaled`, `inputOk_sound`). The check never forms `post · W_out W_U`: it needs the
`k + 1` sums `Σ_n post_n coef_nf` and `Σ_n post_n spread_n` per input.

## How the kernel affords it
For one operand `a` (`rowCount`), the pre-activations of neuron `n` over all `b` are one
offset-binary pack (`p1` plus field `a` of `p0` and `preConst n` in every field), ReLU acts on
the pack
(`reluPacked`, five big-integer operations), and each of the `k + 1` sums is a dot product of
a certificate row with the `d_mlp` packs (`dotL`). The sums are read back (`unpack`), and for
each `b` the `p` values `l c` are one pack again (`dotL` with the packed basis rows). One
operand costs about `d_mlp (k + 6) + p (k + 4)` big-integer operations instead of brute
force's `p² d_mlp` products.

## What is in this file
The certificate (`Cert`), the tables it reads (`Tabs`, with `TabsHold`, what their check
provides) and the Boolean checks the kernel evaluates: `globalOk` (once per model) and
`rowOk`/`rowCount` (once per operand). Their soundness is `CompactProofs.ModAdd.CheckerSound`
(`globalOk_sound`, `inputOk_sound`), kept apart as core's LRAT checker keeps `Checker` and
`CheckerSound`: this file is what a reader must trust to run, that one what makes it sound.
-/

namespace CompactProofs.ModAdd

@[expose] public noncomputable section

/-- The tables the checker reads: witnesses whose entries are verified elsewhere
(`CompactProofs.ModAdd.PackedTables`); `TabsHold` is what that verification provides. Rows run
over the neuron or the answer, columns over the operand token. -/
structure Tabs where
  /-- `[n][a] ↦ preTab 0 a n` -/
  pre0T : IntMatrix
  /-- `[n][b] ↦ preTab 1 b n` -/
  pre1T : IntMatrix
  /-- `[y][a] ↦ ovuTab 0 a y` -/
  ovu0T : IntMatrix
  /-- `[y][b] ↦ ovuTab 1 b y` -/
  ovu1T : IntMatrix
  /-- `[n][0] ↦ Σ_c residInt 2 p c · W_in[c][n]` -/
  preC : IntMatrix
  /-- `[0][y] ↦ Σ_c (residInt 2 p c + b_out[c]) · W_U[c][y]` -/
  linC : IntMatrix
  /-- `[n][y] ↦ mTab n y` -/
  mT : IntMatrix

/-- The tables are those of the model. -/
def TabsHold (m : Model) (T : Tabs) : Prop :=
  (∀ t n, t < m.p → n < m.dMlp → entry T.pre0T n t = preTab m 0 t n) ∧
  (∀ t n, t < m.p → n < m.dMlp → entry T.pre1T n t = preTab m 1 t n) ∧
  (∀ t y, t < m.p → y < m.p → entry T.ovu0T y t = ovuTab m 0 t y) ∧
  (∀ t y, t < m.p → y < m.p → entry T.ovu1T y t = ovuTab m 1 t y) ∧
  (∀ n, n < m.dMlp → entry T.preC n 0 * pow2 (2 * m.shift + 1) +
      entry m.bIn 0 n * pow2 (3 * m.shift + 1) = preConst m n) ∧
  (∀ y, y < m.p → entry T.linC 0 y * pow2 (4 * m.shift + 1) = linConst m y) ∧
  (∀ n y, n < m.dMlp → y < m.p → entry T.mT n y = mTab m n y)

/-- The certificate (found in floats by Python; everything in it is checked). -/
structure Cert where
  /-- field width of the packs over `b` (offset `2^(w-1)`) -/
  w : Nat
  /-- field width of the packs over the answers `c` -/
  wL : Nat
  /-- scale of the residual identity `2^t · W_out W_U = coef · basis + resid` -/
  t : Nat
  /-- number of basis rows -/
  k : Nat
  /-- bounds: `|preTab j t n| ≤ bP`, `|preTab 0 a n + preConst n| ≤ bS`, certificate rows
  `≤ bC`, basis `≤ bB`, `W_out W_U ≤ bM`, the direct-path packs `≤ bLin` -/
  bP : Nat
  bS : Nat
  bC : Nat
  bB : Nat
  bM : Nat
  bLin : Nat
  /-- `[n] ↦ preConst n` -/
  pc : List Int
  /-- `[n] ↦` the offset-binary packs over the operand of `preTab 0 · n` and `preTab 1 · n` -/
  p0 : List Int
  p1 : List Int
  /-- `[0][n] ↦ spread_n`, `[1 + f][n] ↦ coef n f` -/
  colsT : IntMatrix
  /-- `[n] ↦ lo_n` -/
  lo : List Int
  /-- `[n][c] ↦ resid n c` -/
  resid : IntMatrix
  /-- `[f][c] ↦ basis f c` -/
  basis : IntMatrix
  /-- `[a] ↦` the pack over `c` of `2^t (linConst c + 2^(2 shift) · ovuTab 0 a c)` -/
  la : List Int
  /-- `[b] ↦` the pack over `c` of `2^(t + 2 shift) · ovuTab 1 b c` -/
  lb : List Int
  /-- `[a] ↦` the number of certified `b` -/
  counts : List Nat

section Check

variable (m : Model) (T : Tabs) (c : Cert)

/-- `2^(w-1)`, the offset of a field of width `w`. -/
def half (w : Nat) : Int := pow2 (w - 1)

/-- `1` in each of `n` fields of width `w`. -/
def ones (w n : Nat) : Nat := packNat w n fun _ => 1

/-- The packed basis rows. -/
def basisPacks : List Int := c.basis.map (pack (pow2 c.wL))

/-- The rows over `n` of the certificate: `[n] ↦ spread_n :: coef n`. -/
def cols : IntMatrix := transpose m.dMlp c.colsT

/-- Static size conditions: no field overflows (see `globalOk_sound`). -/
def sizesOk : Bool :=
  decide (1 ≤ c.w) && decide (1 ≤ c.wL) &&
    decide (c.bP + c.bS < 2 ^ (c.w - 1)) &&
    decide (m.dMlp * (c.bC * (c.bP + c.bS)) < 2 ^ (c.w - 1)) &&
    decide (c.bLin + c.bLin + c.k * (2 ^ (c.w - 1) * c.bB) < 2 ^ (c.wL - 1)) &&
    decide (2 * ((2 ^ c.t * c.bM + c.k * (c.bC * c.bB) : Nat) : Int) < pow2 c.wL)

/-- The direct path of operand `a`, scaled, as a row over the answers. -/
def laRow (a : Nat) : List Int :=
  List.zipWith (fun l o => pow2 c.t * (l * pow2 (4 * m.shift + 1) + o * pow2 (2 * m.shift)))
    (T.linC.getD 0 []) ((transpose m.p T.ovu0T).getD a [])

/-- The direct path of operand `b`, scaled, as a row over the answers. -/
def lbRow (b : Nat) : List Int :=
  ((transpose m.p T.ovu1T).getD b []).map (· * pow2 (c.t + 2 * m.shift))

/-- Shapes and bounds of the certificate and the constant of the pre-activations. -/
def globalBaseOk : Bool :=
  sizesOk m c &&
    c.colsT.length == c.k + 1 && c.colsT.all (fun row => row.length == m.dMlp && boundedBy c.bC row) &&
    c.basis.length == c.k && c.basis.all (fun row => row.length == m.p && boundedBy c.bB row) &&
    c.pc.length == m.dMlp && c.p0.length == m.dMlp && c.p1.length == m.dMlp &&
    walk3 (fun x y z => x == y * pow2 (2 * m.shift + 1) + z * pow2 (3 * m.shift + 1)) m.dMlp
      c.pc (T.preC.map (·.headD 0)) (m.bIn.getD 0 []) &&
    T.ovu0T.length == m.p && T.ovu0T.all (fun row => row.length == m.p) &&
    T.ovu1T.length == m.p && T.ovu1T.all (fun row => row.length == m.p)

/-- The packs `la` of the direct path of every first operand. -/
def laOk : Bool :=
  allBelow (fun a => (laRow m T c a).length == m.p && boundedBy c.bLin (laRow m T c a) &&
    c.la.getD a 0 == pack (pow2 c.wL) (laRow m T c a)) m.p

/-- The packs `lb` of the direct path of every second operand. -/
def lbOk : Bool :=
  allBelow (fun b => (lbRow m T c b).length == m.p && boundedBy c.bLin (lbRow m T c b) &&
    c.lb.getD b 0 == pack (pow2 c.wL) (lbRow m T c b)) m.p

/-- The packs `p0`, `p1` of neuron `n`'s pre-activation rows, and their bound. -/
def preRowOk (n : Nat) : Bool :=
  let r0 := T.pre0T.getD n []
  let r1 := T.pre1T.getD n []
  r0.length == m.p && r1.length == m.p && boundedBy c.bP r0 && boundedBy c.bP r1 &&
    c.p0.getD n 0 == pack (pow2 c.w) (r0.map (· + half c.w)) &&
    c.p1.getD n 0 == pack (pow2 c.w) (r1.map (· + half c.w))

/-- Row `n` of the residual identity and its interval. -/
def residRowOk (n : Nat) : Bool :=
  let R := c.resid.getD n []
  let M := T.mT.getD n []
  let col := (cols m c).getD n []
  let lo := c.lo.getD n 0
  R.length == m.p && M.length == m.p && boundedBy c.bM M && fits (pow2 c.wL) R &&
    pack (pow2 c.wL) R == pow2 c.t * pack (pow2 c.wL) M - dotL col.tail (basisPacks c) &&
    walkAll (fun _ r => decide (lo ≤ r) && decide (r ≤ lo + col.headD 0)) m.p 0 R

/-- Everything checked once per model, in `parts` pieces: `0`: `globalBaseOk`, `1`: `laOk`,
`2`: `lbOk`, `3 + i`: the neurons `n ≡ i (mod parts - 3)` (`preRowOk`, `residRowOk`). -/
def globalOk (parts i : Nat) : Bool :=
  match i with
  | 0 => globalBaseOk m T c
  | 1 => laOk m T c
  | 2 => lbOk m T c
  | i + 3 => allBelow (fun n => n % (parts - 3) != i || (preRowOk m T c n && residRowOk m T c n)) m.dMlp

/-- Field `a` of an offset-binary pack. -/
def digitAt (w a : Nat) (X : Int) : Int :=
  Int.subNatNat ((X.toNat >>> (w * a)) &&& (2 ^ w - 1)) (2 ^ (w - 1))

/-- ReLU of the pre-activations of one neuron over all `b`: `x1` is the pack `p1` of the
neuron, `s` its constant (`pre0 a n + preConst n`). -/
def postOf (w n : Nat) (s x1 : Int) : Int :=
  (reluPacked w (ones w n) (x1 + s * (ones w n : Int)).toNat : Int)

/-- `postOf` for every neuron, walking the three lists together. -/
def postsOf (w n : Nat) : List Int → List Int → List Int → List Int
  | s :: S, q :: Q, x :: X => postOf w n (s + q) x :: postsOf w n S Q X
  | _, _, _ => []

/-- The `k + 1` sums over neurons for every `b`, read back: `[b][f]`. -/
def sums (a : Nat) : IntMatrix :=
  let posts := postsOf c.w m.p (c.p0.map (digitAt c.w a)) c.pc c.p1
  transpose m.p (c.colsT.map fun col =>
    unpack c.w m.p (dotL col posts + half c.w * (ones c.w m.p : Int)).toNat)

/-- The values `l c` of input `(a, b)`, from its sums `row = hold :: us`. -/
def lRow (a b : Nat) (row : List Int) : List Int :=
  unpack c.wL m.p (c.la.getD a 0 + c.lb.getD b 0 + dotL row.tail (basisPacks c) +
    half c.wL * (ones c.wL m.p : Int)).toNat

/-- Input `(a, b)` is certified: `l y - l c > hold` for every `c ≠ y`. -/
def inputOk (a b : Nat) (row : List Int) : Bool :=
  let l := lRow m c a b row
  let y := (a + b) % m.p
  walkAll (fun c' x => c' == y || decide (row.headD 0 < l.getD y 0 - x)) m.p 0 l

/-- The checks of operand `a` that do not depend on `b`: the bound on the constants. -/
def rowBaseOk (a : Nat) : Bool :=
  walk3 (fun s q _ => Nat.ble (s + q).natAbs c.bS) m.dMlp (c.p0.map (digitAt c.w a)) c.pc c.pc

/-- The number of `b` certified for operand `a`. -/
def rowCount (a : Nat) : Nat :=
  if rowBaseOk m c a then
    let S := sums m c a
    ((List.range m.p).filter fun b => inputOk m c a b (S.getD b [])).length
  else 0

/-- Operand `a` certifies as many inputs as the certificate claims. -/
def rowOk (a : Nat) : Bool :=
  rowCount m c a == c.counts.getD a 0

end Check

end

end CompactProofs.ModAdd
