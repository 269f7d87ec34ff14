"""Analysis of modular-addition models: explanation, certified bounds, actual errors, exact
accuracy, the "good model" filter, a Markdown table next to the paper's anchors, and plots.

Time per model: the brute force (O(p^3 d_mlp) float work plus the exact setup) dominates; the
explanation is O(p^2 d_mlp) and the certified bounds O(d_mlp) interval operations per cluster
(plus the float search over shifts).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.report_html import markdown_to_html, write_report_files
from ..lean.report import lean_section
from .bound import actual_error, certify_cluster, fourier_mode_bound
from .brute_force import brute_force
from .certificate import find_certificate
from .fourier import Cluster, Explanation, explain
from .model import ModAddTransformer

# The paper's Table 1 (main model, frequencies 12/18/21/22) and its 100-good-model summary.
ANCHORS = {
    "table1": {12: (0.05, 0.70), 18: (0.03, 0.49), 21: (0.05, 0.54), 22: (0.03, 0.48)},
    "median_relative_bound": 0.40,
    "baseline": 0.85,
}
# Shares of the correct inputs the accuracy certificates aim at (the group-operations follow-up's
# anchor: >= 95% accuracy certified for 45% of its models at 30% of brute force's time).
CERTIFICATE_TARGETS = (0.95, 1.0)


@dataclass(frozen=True)
class GoodCriteria:
    """When a model counts as "good" (a clean pizza model).

    Attributes:
        exact_accuracy: required exact accuracy over all p^2 inputs (1.0 = every input).
        matched_width: least share of the total width sum_i r_i r'_i on neurons whose input
            and output dominant frequencies agree. The paper's good models have every neuron
            matched; our weight-decay-1.0 models grow ~10% small neurons that read frequency 2k
            and write k (about 1% of the width), so the filter weighs neurons by width.
        min_share: least median variance share of the dominant frequency, input and output
            paths (the paper reports > 96% / > 98% for most neurons).
        max_relative_bound: if set, every key cluster's best certified relative bound must be
            below it. Off by default, like the paper's filter: the bound statistics are taken
            over good models, so they must not select them.
    """

    exact_accuracy: float = 1.0
    matched_width: float = 0.98
    min_share: float = 0.9
    max_relative_bound: float | None = None

    def failures(self, analysis: dict[str, Any]) -> list[str]:
        """Reasons the analysed model is not good (empty: good)."""
        out = []
        bf, ex = analysis["brute_force"], analysis["explanation"]
        if bf["accuracy"] < self.exact_accuracy:
            out.append(f"exact accuracy {bf['accuracy']:.4f} < {self.exact_accuracy}")
        if ex["matched_width_fraction"] < self.matched_width:
            out.append(f"matched width share {ex['matched_width_fraction']:.3f} < {self.matched_width}")
        share = min(ex["median_input_share"], ex["median_output_share"])
        if share < self.min_share:
            out.append(f"median variance share {share:.3f} < {self.min_share}")
        if not analysis["clusters"]:
            out.append("no key frequency")
        if self.max_relative_bound is not None:
            worst = max((c["best_relative_bound"] for c in analysis["clusters"]), default=float("inf"))
            if worst >= self.max_relative_bound:
                out.append(f"worst relative bound {worst:.3f} >= {self.max_relative_bound}")
        return out


def key_clusters(explanation: Explanation, min_width_share: float = 0.05) -> list[Cluster]:
    """Clusters of at least 2 neurons carrying at least ``min_width_share`` of the total width
    sum_i r_i r'_i. Smaller clusters in our models are not pizza clusters (their phases sit at
    one point, and they carry a few percent of the width at most); the explanation lists them."""
    total = float((explanation.inputs.amplitude * explanation.outputs.amplitude).sum())
    return [c for c in explanation.clusters if len(c.neurons) >= 2 and c.width.sum() >= min_width_share * total]


def analyse(model: ModAddTransformer, *, grid: int = 256, modes: int = 96, with_brute_force: bool = True) -> dict[str, Any]:
    """Everything about one model as a JSON-ready dict: the explanation summary, per key cluster
    the paper's certified bound (``certify_cluster``), the Fourier-mode certified bound, the
    measured errors, and (optionally) the exact brute-force accuracy."""
    ex = explain(model)
    clusters = []
    for cluster in key_clusters(ex):
        start = time.perf_counter()
        cb = certify_cluster(cluster, grid=grid)
        half_psi = certify_cluster(cluster, grid=grid, sample="half_psi").relative_bound
        middle = time.perf_counter()
        fourier, fourier_rel = fourier_mode_bound(cluster, modes=modes)
        end = time.perf_counter()
        clusters.append(
            cb.to_dict()
            | {
                "fourier_bound": fourier,
                "fourier_relative_bound": fourier_rel,
                "half_psi_relative_bound": half_psi,
                "best_relative_bound": min(cb.relative_bound, half_psi, fourier_rel),
                "paper_bound_seconds": middle - start,  # both sample variants
                "fourier_bound_seconds": end - middle,
                "actual_error": actual_error(cluster, model.cfg.p),
                "quadrature_error": actual_error(cluster, model.cfg.p, use_psi=False),
                "r2_doubling": cluster.r2_doubling,
                "mean_abs_angle_error": cluster.mean_abs_angle_error,
            }
        )
    out = {"explanation": ex.summary(), "clusters": clusters}
    if with_brute_force:
        out["brute_force"] = brute_force(model).to_dict()
        out["certificates"] = [certificate_summary(model, f) for f in CERTIFICATE_TARGETS]
    return out


def certificate_summary(model: ModAddTransformer, target_fraction: float) -> dict[str, Any]:
    """Find and exactly check the output-Fourier accuracy certificate (``certificate.py``) that
    aims at ``target_fraction`` of the correct inputs."""
    start = time.perf_counter()
    cert, result = find_certificate(model, target_fraction=target_fraction)
    found = time.perf_counter() - start - result.seconds
    return {
        "target_fraction": target_fraction,
        "freqs": list(cert.freqs),
        "certified": result.certified,
        "n_inputs": model.cfg.p**2,
        "multiply_adds": result.multiply_adds,
        "brute_force_multiply_adds": result.brute_force_multiply_adds,
        "cost_ratio": result.cost_ratio,
        "search_seconds": found,
        "check_seconds": result.seconds,
    }


def summary_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per (model, frequency), then the medians next to the anchors."""
    lines = [
        "| model | good | k | neurons | R^2(psi~2phi) | actual err / eps0 (psi) | actual err / eps0 (2 phi) | eps_int / eps0 | eps_phi / eps0 "
        "| paper's bound / eps0 | same, samples psi/2 | Fourier-mode bound / eps0 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    eps0 = 8 / (3 * np.pi)
    for row in rows:
        for c in row["analysis"]["clusters"]:
            lines.append(
                f"| {row['name']} | {'yes' if row['good'] else 'no'} | {c['freq']} | {c['neurons']} | {c['r2_doubling']:.4f} | "
                f"{c['actual_error']:.3f} | {c['quadrature_error']:.3f} | {c['eps_int'] / eps0:.3f} | {c['eps_phi'] / eps0:.3f} | **{c['relative_bound']:.3f}** | "
                f"{c['half_psi_relative_bound']:.3f} | **{c['fourier_relative_bound']:.3f}** |"
            )
    lines += ["", "| | ours | paper |", "|---|---|---|"]
    good_pairs = [c for r in rows if r["good"] for c in r["analysis"]["clusters"]]
    subset = [c for c in good_pairs if c["actual_error"] < 0.1]
    for key, label in (("relative_bound", "paper's bound, certified"), ("best_relative_bound", "best certified bound")):
        if good_pairs:
            values = [c[key] for c in good_pairs]
            beat = sum(b < ANCHORS["baseline"] for b in values) / len(values)
            lines.append(f"| median {label}, all (good model, k) pairs | {statistics.median(values):.3f} ({len(values)} pairs) | - |")
            lines.append(f"| share of those pairs with {label} below 0.85 | {beat:.0%} | 99% |")
        if subset:
            lines.append(
                f"| median {label}, good pairs with actual error < 0.1 | **{statistics.median(c[key] for c in subset):.3f}** "
                f"({len(subset)} pairs) | 0.40 (295 pairs, float) |"
            )
    lines.append("| Table 1 (k: actual / bound) | see above | " + ", ".join(f"{k}: {a:.2f} / {b:.2f}" for k, (a, b) in ANCHORS["table1"].items()) + " |")
    certified = [r for r in rows if "certificates" in r["analysis"]]
    if certified:
        lines += [
            "",
            "Accuracy certificates (`certificate.py`: the output path in a few Fourier modes, the rest bounded; exact check). "
            "Cost = the check's multiply-adds over brute force's (post . M for all inputs).",
            "",
            "| model | good | exact correct | aim | certified | frequencies | cost | check s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in certified:
            bf = r["analysis"]["brute_force"]
            for c in r["analysis"]["certificates"]:
                lines.append(
                    f"| {r['name']} | {'yes' if r['good'] else 'no'} | {bf['correct']}/{bf['n_inputs']} | {c['target_fraction']:.0%} | "
                    f"**{c['certified']}/{c['n_inputs']}** | {len(c['freqs'])} | {c['cost_ratio']:.2f} | {c['check_seconds']:.1f} |"
                )
        good = [r for r in certified if r["good"]]
        if good:
            cheap = sum(
                any(c["certified"] >= 0.95 * c["n_inputs"] and c["cost_ratio"] <= 0.3 for c in r["analysis"]["certificates"]) for r in good
            )
            lines.append("")
            lines.append(
                f"Good models with >= 95% of inputs certified at <= 30% of brute force's multiply-adds: {cheap}/{len(good)} "
                "(anchor, group-operations follow-up: 45% of its models at 30% of brute force's time)."
            )
    return "\n".join(lines)


def plot_model(model: ModAddTransformer, out_dir: Path, name: str) -> list[Path]:
    """PNG plots (matplotlib Agg, imported lazily; none if it is missing): per cluster the
    phases psi against 2 phi and the widths against phi mod pi, and the quadrature picture."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    ex = explain(model)
    clusters = key_clusters(ex)
    if not clusters:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, axes = plt.subplots(2, len(clusters), figsize=(3.2 * len(clusters), 6), squeeze=False)
    for j, c in enumerate(clusters):
        two_phi = np.mod(2 * c.phi, 2 * np.pi)
        psi = two_phi + (np.mod(c.psi - two_phi + np.pi, 2 * np.pi) - np.pi)
        axes[0, j].scatter(two_phi, psi, s=4)
        axes[0, j].plot([0, 2 * np.pi], [0, 2 * np.pi], "k--", lw=0.5)
        axes[0, j].set_title(f"k={c.freq}: R^2={c.r2_doubling:.4f}")
        axes[0, j].set_xlabel("2 phi")
        axes[0, j].set_ylabel("psi")
        folded = np.mod(c.phi, np.pi)
        axes[1, j].bar(folded, c.normalized_widths() / 2, width=0.01)
        axes[1, j].set_xlabel("phi mod pi")
        axes[1, j].set_ylabel("w' / 2")
    fig.tight_layout()
    paths.append(out_dir / f"{name}-phases-widths.png")
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)
    # Quadrature picture for the largest cluster at s = 0, t = 0: h and the rectangles.
    c = max(clusters, key=lambda c: len(c.neurons))
    fig, ax = plt.subplots(figsize=(7, 3))
    xs = np.linspace(0, np.pi, 400)
    ax.plot(xs, np.abs(np.cos(xs)) * np.cos(2 * xs), "k", label="h(phi) = |cos phi| cos 2phi")
    folded = np.mod(c.phi, np.pi)
    order = np.argsort(folded)
    half = c.normalized_widths()[order] / 2
    starts = np.concatenate([[0.0], np.cumsum(half)[:-1]])
    heights = np.abs(np.cos(folded[order])) * np.cos(c.psi[order])
    ax.bar(starts, heights, width=half, align="edge", alpha=0.4, label="rectangles: width w'_i/2, height |cos phi_i| cos psi_i")
    ax.set_title(f"quadrature picture at s = t = 0, k={c.freq}, {len(c.neurons)} neurons in phase order")
    ax.set_xlabel("phi")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(out_dir / f"{name}-quadrature.png")
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)
    return paths


def write_report(rows: list[dict[str, Any]], out_dir: Path, plots: list[Path]) -> list[Path]:
    """``report.md``, ``report.html`` and ``report.json`` in ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = ["# Modular addition (pizza): certified quadrature bounds and exact accuracy", ""]
    for row in rows:
        bf = row["analysis"].get("brute_force")
        acc = f"exact accuracy {bf['correct']}/{bf['n_inputs']}" if bf else "no brute force"
        why = "; ".join(row["failures"]) or "good"
        md.append(f"- `{row['name']}`: {acc}; {why}.")
    md += ["", summary_table(rows), ""]
    md += [f"![{p.stem}]({p.name})" for p in plots]
    markdown = "\n".join(md) + "\n"
    paths = [out_dir / "report.md", out_dir / "report.html", out_dir / "report.json"]
    paths[0].write_text(markdown)
    paths[1].write_text(markdown_to_html(markdown))
    paths[2].write_text(json.dumps(rows, indent=1, default=str) + "\n")
    return paths


# --------------------------------------------------------------------------------------
# The main job's report (``certify.certify``: ``compact-proofs certify --model FILE`` on a pizza record)


def certify_markdown(data: dict[str, Any]) -> str:
    """The main job's report on one pizza model: exact accuracy, each bound with the checks that
    accepted it, the Lean theorems about the model, provenance."""
    from ..core.provenance import provenance_markdown

    bf, model, lean = data["brute_force"], data["model"], data["lean"]
    cfg = model["config"]
    lines = [
        f"# compact-proofs certify: modular addition p = {cfg['p']} seed {model['seed']}",
        "",
        f"Model `{model['path']}`, model sha256 `{model['model_sha256'][:16]}…`.",
        "",
        "## Exact accuracy (brute force over all p^2 inputs)",
        "",
        f"**{bf['correct']:,}** of {bf['n_inputs']:,} inputs correct under the real-number semantics "
        f"(accuracy {bf['accuracy']:.6f}); {bf['exact_decided']:,} inputs needed exact arithmetic. "
        f"The plain float32 forward pass counts {bf['float32_correct']:,} correct; its verdicts differ from the exact ones "
        f"on {bf['float32_disagreements']:,} inputs.",
        "",
        "## Lower bounds",
        "",
        "| strategy | certified correct | bound | of exact | proof FLOPs | unexplained dim. | s | exact re-check | certificate | details |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in data["strategies"]:
        recheck = f"{row['python_recheck']:,}" if row["python_recheck"] is not None else "- (no certificate)"
        of_exact = f"{row['correct_lower_bound'] / bf['correct']:.4f}" if bf["correct"] else "-"
        details = "; ".join(f"{k.replace('_', ' ')} {f'{v:.3f}' if isinstance(v, float) else v}" for k, v in (row["details"] or {}).items())
        lines.append(
            f"| {row['strategy']} | {row['correct_lower_bound']:,} | {row['accuracy_bound']:.4f} | {of_exact} | {row['proof_flops']:,} | "
            f"{row['unexplained_dimensionality']:,} | {row['seconds']:.1f} | {recheck} | "
            f"{'`' + row['certificate'] + '`' if row['certificate'] else '-'} | {details or '-'} |"
        )
    lines += ["", *lean_section(lean, data["lean_theorems"])]
    lines += ["", "## Provenance", "", provenance_markdown(data["provenance"]), ""]
    return "\n".join(lines)


def write_certify_report(out_dir: Path, data: dict[str, Any]) -> list[Path]:
    """Write the main job's ``report.json``, ``report.md`` and ``report.html``; returns their paths."""
    return write_report_files(out_dir, data, certify_markdown(data))
