"""The explanation: per-neuron Fourier analysis of a pizza model (floating point; it FINDS the
parameters that ``bound.py`` then treats as exact numbers).

Paths, for an operand token x in 0..p-1 and output class c:

    G[x, i]   = 1/2 (W_E[x] OV W_in)[i]          neuron i's pre-activation from one operand
    W_L[c, i] = (W_out W_U)[i, c]                neuron i's contribution to logit c

(positional and '=' contributions, and b_in, are constant in x and go into the constant term).
With the DFT F[k, i] = sum_x G[x, i] exp(-2 pi i k x / p), k in 1..(p-1)/2,

    G[x, i] ~ r_i cos(2 pi k_i x / p + phi_i),   r_i = 2 |F[k_i, i]| / p,  phi_i = arg F[k_i, i],
    W_L[c, i] ~ r'_i cos(2 pi k'_i c / p + psi_i),

so G[a] + G[b] ~ 2 r_i cos(k(a-b)/2) cos(k(a+b)/2 + phi_i) with k := 2 pi k_i / p.
k_i is the frequency of largest amplitude; its variance share is |F[k_i]|^2 / sum_{k>=1} |F[k]|^2
(the constant k = 0 is not variance). Neurons with k_i = k'_i form the cluster I_k; each gets
the width w_i = r_i r'_i (ReLU is positively homogeneous, so both amplitudes factor out).

Time: O(p d_model^2 + p d_model d_mlp) for the paths, O(p^2 d_mlp) for the DFT (p is small;
an FFT would give O(p log p d_mlp)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import ModAddTransformer


@dataclass(frozen=True)
class NeuronFourier:
    """Per-neuron Fourier parameters of one path (arrays of length d_mlp)."""

    freq: np.ndarray  # [d_mlp] int: k_i in 1..(p-1)/2
    amplitude: np.ndarray  # [d_mlp] float64: r_i
    phase: np.ndarray  # [d_mlp] float64 in (-pi, pi]: phi_i
    share: np.ndarray  # [d_mlp] float64: variance share of frequency k_i
    constant: np.ndarray  # [d_mlp] float64: mean over x (the k = 0 term)


def path_tables(model: ModAddTransformer) -> tuple[np.ndarray, np.ndarray]:
    """(G [p, d_mlp], W_L [p, d_mlp]) in float64."""
    w = {k: v.astype(np.float64) for k, v in model.weights().items()}
    p = model.cfg.p
    ov = np.einsum("hmd,hdn->mn", w["W_V"], w["W_O"])  # [d_model, d_model]
    g = 0.5 * (w["W_E"][:p] @ ov) @ w["W_in"]  # [p, d_mlp]
    w_l = (w["W_out"] @ w["W_U"]).T  # [p, d_mlp]
    return g, w_l


def dominant_frequency(table: np.ndarray) -> NeuronFourier:
    """Fourier parameters of each column of ``table`` [p, n] over its row index (p odd)."""
    p = table.shape[0]
    x = np.arange(p)
    ks = np.arange(1, (p - 1) // 2 + 1)
    basis = np.exp(-2j * np.pi * np.outer(ks, x) / p)  # [k, x]
    spec = basis @ table  # [k, n]
    power = np.abs(spec) ** 2  # [k, n]
    top = power.argmax(axis=0)  # [n]
    cols = np.arange(table.shape[1])
    total = power.sum(axis=0)
    best = spec[top, cols]
    share = np.divide(power[top, cols], total, out=np.zeros_like(total), where=total > 0)
    return NeuronFourier(ks[top], 2 * np.abs(best) / p, np.angle(best), share, table.mean(axis=0))


def wrap(angle: np.ndarray) -> np.ndarray:
    """Representative in [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


@dataclass(frozen=True)
class Cluster:
    """The neurons of one key frequency and their quadrature parameters."""

    freq: int
    neurons: np.ndarray  # [n] int: neuron indices
    phi: np.ndarray  # [n] input phases
    psi: np.ndarray  # [n] output phases
    width: np.ndarray  # [n] w_i = r_i r'_i
    r2_doubling: float  # R^2 of psi ~ 2 phi (residuals wrapped to [-pi, pi))
    mean_abs_angle_error: float  # mean |psi - 2 phi| (wrapped)

    def normalized_widths(self) -> np.ndarray:
        """w'_i = 2 pi w_i / sum_j w_j (float; the bound recomputes them with intervals)."""
        return 2 * np.pi * self.width / self.width.sum()

    def gap_stats(self) -> tuple[float, float]:
        """Mean and std of the gaps between consecutive sorted phases phi mod pi (the paper's
        "roughly uniform" test compares them)."""
        folded = np.sort(np.mod(self.phi, np.pi))
        gaps = np.diff(np.concatenate([folded, folded[:1] + np.pi]))
        return float(gaps.mean()), float(gaps.std())


@dataclass(frozen=True)
class Explanation:
    """Per-neuron parameters of both paths, and the clusters by shared frequency."""

    p: int
    inputs: NeuronFourier  # from G
    outputs: NeuronFourier  # from W_L
    clusters: tuple[Cluster, ...]

    @property
    def matched(self) -> np.ndarray:
        """[d_mlp] bool: input and output dominant frequencies agree."""
        return self.inputs.freq == self.outputs.freq

    @property
    def matched_width_fraction(self) -> float:
        """Share of the total width sum_i r_i r'_i carried by matched neurons (unmatched ones in
        weight-decay-1.0 models are small neurons reading 2k and writing k)."""
        width = self.inputs.amplitude * self.outputs.amplitude
        return float(width[self.matched].sum() / width.sum()) if width.sum() > 0 else 0.0

    def neuron_table(self) -> list[dict]:
        """Per neuron: k, r, phi, variance share and constant of the input path; k', r', psi and
        share of the output path (JSON-ready)."""
        rows = []
        for i in range(len(self.matched)):
            rows.append(
                {
                    "neuron": i,
                    "freq_in": int(self.inputs.freq[i]),
                    "r": float(self.inputs.amplitude[i]),
                    "phi": float(self.inputs.phase[i]),
                    "share_in": float(self.inputs.share[i]),
                    "constant_in": float(self.inputs.constant[i]),
                    "freq_out": int(self.outputs.freq[i]),
                    "r_out": float(self.outputs.amplitude[i]),
                    "psi": float(self.outputs.phase[i]),
                    "share_out": float(self.outputs.share[i]),
                }
            )
        return rows

    def summary(self) -> dict:
        return {
            "p": self.p,
            "d_mlp": int(len(self.matched)),
            "matched_fraction": float(self.matched.mean()),
            "matched_width_fraction": self.matched_width_fraction,
            "median_input_share": float(np.median(self.inputs.share)),
            "median_output_share": float(np.median(self.outputs.share)),
            "median_constant_ratio": float(np.median(np.abs(self.inputs.constant) / np.maximum(2 * self.inputs.amplitude, 1e-300))),
            "clusters": [
                {
                    "freq": c.freq,
                    "neurons": int(len(c.neurons)),
                    "r2_doubling": c.r2_doubling,
                    "mean_abs_angle_error": c.mean_abs_angle_error,
                    "gap_mean": c.gap_stats()[0],
                    "gap_std": c.gap_stats()[1],
                }
                for c in self.clusters
            ],
        }


def explain(model: ModAddTransformer, min_neurons: int = 1) -> Explanation:
    """Fourier-analyse both paths and group the matched neurons into clusters by frequency."""
    g, w_l = path_tables(model)
    ins, outs = dominant_frequency(g), dominant_frequency(w_l)
    clusters = []
    live = ins.amplitude * outs.amplitude > 0  # a neuron with a constant path has no phase
    for k in sorted(set(ins.freq[(ins.freq == outs.freq) & live].tolist())):
        idx = np.nonzero((ins.freq == k) & (outs.freq == k) & live)[0]
        if len(idx) < min_neurons:
            continue
        phi, psi = ins.phase[idx], outs.phase[idx]
        resid = wrap(psi - 2 * phi)
        target = 2 * phi + resid  # psi unwrapped next to 2 phi
        ss_tot = float(((target - target.mean()) ** 2).sum())
        r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else float("nan")
        clusters.append(Cluster(int(k), idx, phi, psi, ins.amplitude[idx] * outs.amplitude[idx], r2, float(np.abs(resid).mean())))
    return Explanation(model.cfg.p, ins, outs, tuple(clusters))
