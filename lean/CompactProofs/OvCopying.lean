module

public import CompactProofs.Core.Matrix

/-!
# OV copying certificates for a one-head attention-only model

The OV ("output-value") path of a one-layer, one-head, attention-only transformer maps a
token `t` attended to by the final position to the logit vector

  `EVOU[t] = (W_E · W_V · W_O · W_U)[t]`  (a `d_vocab × d_vocab` matrix).

The model *copies* token `t` along this path when `EVOU[t][t] > EVOU[t][x]` for every
`x ≠ t`: if all attention went to a position holding `t`, the OV path alone would make
`t` the unique argmax.

## Exactness of the weights
The trained weights are float32 numbers, and every finite float32 is a dyadic rational
`m · 2^e` with `m, e` integers. The exporter (`compact_proofs.maxofk.ov_certificate`) writes each
weight matrix `W` as an integer matrix `M` together with one exponent `e_W` for the whole
matrix, so that `W = 2^(e_W) · M` exactly. Hence

  `EVOU = 2^(e_E + e_V + e_O + e_U) · (M_E · M_V · M_O · M_U)`

and, as the scale `2^(e_E + e_V + e_O + e_U)` is positive, every comparison between
entries of `EVOU` has the same outcome as the comparison between the corresponding
entries of the integer product `OvModel.evou`. The exponents are kept in `OvModel` for
the record; the statements here are about the integer product and do not mention them
(core Lean has no real numbers, so the scaling step above is stated, not formalised).

## Design
As for core's LRAT checker: a small Boolean checker `check` meant to be run by the
kernel (`decide +kernel`) on a concrete model and certificate, and a soundness theorem
`check_sound` that turns `check m c = true` into a statement about the model's own
definitions (`OvModel.evou` and the shape predicate), not about the checker.

## What is proved
`check_sound`: if `check m c = true` then the four matrices have the declared shapes and
every row `t` with `c.threshold ≤ t < d_vocab` is copied: `evou t x < evou t t` for all
`x < d_vocab`, `x ≠ t`.

## What is not proved
Nothing about attention (the QK path), layer norm, or the rest of the model: this is the
OV path in isolation. Rows below the threshold carry no claim.
-/

namespace CompactProofs

@[expose] public noncomputable section

/-- Exact weights of the OV path: integer mantissas and one power-of-two exponent per
matrix (true weight = mantissa · 2^exponent). -/
structure OvModel where
  dVocab : Nat
  dModel : Nat
  dHead : Nat
  /-- embedding, `d_vocab × d_model` -/
  wE : IntMatrix
  /-- value projection, `d_model × d_head` -/
  wV : IntMatrix
  /-- output projection, `d_head × d_model` -/
  wO : IntMatrix
  /-- unembedding, `d_model × d_vocab` -/
  wU : IntMatrix
  expE : Int
  expV : Int
  expO : Int
  expU : Int

namespace OvModel

/-- The four matrices have the declared shapes. -/
def WellShaped (m : OvModel) : Prop :=
  IsShape m.wE m.dVocab m.dModel ∧ IsShape m.wV m.dModel m.dHead ∧
    IsShape m.wO m.dHead m.dModel ∧ IsShape m.wU m.dModel m.dVocab

/-- The OV circuit `W_E · W_V · W_O · W_U` of the integer mantissas, computed exactly. -/
def evou (m : OvModel) : IntMatrix :=
  mul (mul (mul m.wE m.wV) m.wO) m.wU

/-- Entry `(t, x)` of `evou`: the OV-path logit of token `x` when attending to token `t`. -/
def evouEntry (m : OvModel) (t x : Nat) : Int :=
  entry m.evou t x

end OvModel

/-- What the exporter claims: the exact `evou` matrix (so that any change to a weight is
detected), and that every row from `threshold` on copies. -/
structure OvCertificate where
  threshold : Nat
  evou : IntMatrix

/-- Row `t` of `e` copies among the first `n` columns. -/
def rowCopies (e : IntMatrix) (n t : Nat) : Bool :=
  allBelow (fun x => x == t || decide (entry e t x < entry e t t)) n

/-- Boolean shape check of the four matrices. -/
def shapesOk (m : OvModel) : Bool :=
  shapeOk m.wE m.dVocab m.dModel && shapeOk m.wV m.dModel m.dHead &&
    shapeOk m.wO m.dHead m.dModel && shapeOk m.wU m.dModel m.dVocab

/-- The certificate checker, to be evaluated by the kernel. -/
def check (m : OvModel) (c : OvCertificate) : Bool :=
  shapesOk m && decide (m.evou = c.evou) &&
    allBelow (fun t => decide (t < c.threshold) || rowCopies c.evou m.dVocab t) m.dVocab

theorem shapesOk_sound {m : OvModel} (h : shapesOk m = true) : m.WellShaped := by
  simp only [shapesOk, Bool.and_eq_true] at h
  exact ⟨shapeOk_sound h.1.1.1, shapeOk_sound h.1.1.2, shapeOk_sound h.1.2, shapeOk_sound h.2⟩

theorem rowCopies_sound {e : IntMatrix} {n t : Nat} (h : rowCopies e n t = true) :
    ∀ x, x < n → x ≠ t → entry e t x < entry e t t := by
  intro x hx hxt
  have hp := allBelow_sound h x hx
  simp only [Bool.or_eq_true, beq_iff_eq, decide_eq_true_eq] at hp
  rcases hp with hp | hp
  · exact absurd hp hxt
  · exact hp

/-- Soundness of `check`, stated in terms of the model alone. -/
theorem check_sound {m : OvModel} {c : OvCertificate} (h : check m c = true) :
    m.WellShaped ∧
      ∀ t, c.threshold ≤ t → t < m.dVocab →
        ∀ x, x < m.dVocab → x ≠ t → m.evouEntry t x < m.evouEntry t t := by
  simp only [check, Bool.and_eq_true, decide_eq_true_eq] at h
  obtain ⟨⟨hshape, hevou⟩, hrows⟩ := h
  refine ⟨shapesOk_sound hshape, ?_⟩
  intro t ht htv x hx hxt
  have hrow := allBelow_sound hrows t htv
  simp only [Bool.or_eq_true, decide_eq_true_eq] at hrow
  rcases hrow with hlt | hcopy
  · exact absurd hlt (Nat.not_lt.mpr ht)
  · simp only [OvModel.evouEntry, hevou]
    exact rowCopies_sound hcopy x hx hxt

end

end CompactProofs
