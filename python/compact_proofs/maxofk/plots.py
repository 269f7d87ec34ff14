"""Tables and plots of strategy results: the paper's per-strategy table and its Pareto plot.

Input rows are mappings with the sweep's CSV columns (``compact_proofs.maxofk.sweep.CSV_COLUMNS``),
typed: ``strategy`` str, ``accuracy_bound`` float, ``normalised_bound`` float or None,
``proof_flops`` int, ``unexplained_dimensionality`` int, ``seconds`` float, ``error`` str
(empty when the job succeeded). Rows with an error count as failures and are left out of
every statistic and plot.

* ``strategy_stats`` / ``markdown_table``: mean ± std (population std, as ``cli.summarize``),
  min and max of the bound per strategy, with the authors' anchors beside them.
* ``plot_pareto``: bound against proof length (FLOPs, log x) over many models: each model a
  faint point, each strategy's mean a marker with a ±std bar, the Pareto frontier of the
  means, and the mean brute-force accuracy as a dashed line.
* ``plot_bound_vs_length``: the same picture for one model's strategies (used by ``certify``).

Plots use matplotlib's object API on the Agg canvas (no pyplot, no global backend switch) and
are byte-identical across reruns with the same data and versions: the SVG hash salt is fixed
and the date/software metadata are dropped.

Time complexity: O(n log n) in the number of rows, plus matplotlib's drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

# Authors' per-seed CSVs over the 151 Max-of-4 seeds (maxofk-reference.md section 3.2). The
# cubic numbers come from the authors' float32 code, which also carries the attention-mass
# issue documented in strategies/cubic.py; they are a point of comparison, not a target.
@dataclass(frozen=True)
class Anchor:
    """A published mean ± std [min, max] of the accuracy bound, with the digits it was given to."""

    mean: float
    std: float
    min: float
    max: float
    decimals: int

    def text(self) -> str:
        f = f".{self.decimals}f"
        return f"{self.mean:{f}} ± {self.std:{f}}, {self.min:{f}}, {self.max:{f}}"


PAPER_ANCHORS: dict[str, Anchor] = {
    "brute_force": Anchor(0.99916, 0.00148, 0.99146, 0.99992, 5),
    "cubic": Anchor(0.9531, 0.0087, 0.9180, 0.9710, 4),
}
REFERENCE = "brute_force"
_SVG_SALT = "compact-proofs"


def anchor_for(strategy: str) -> Anchor | None:
    """The authors' anchor for a strategy: brute force for ``brute_force``, cubic for ``cubic*``."""
    if strategy == REFERENCE:
        return PAPER_ANCHORS["brute_force"]
    if strategy == "cubic" or strategy.startswith("cubic_"):
        return PAPER_ANCHORS["cubic"]
    return None


@dataclass(frozen=True)
class Summary:
    """n, mean, population std, min and max of a non-empty list of numbers."""

    n: int
    mean: float
    std: float
    min: float
    max: float

    @staticmethod
    def of(values: Sequence[float]) -> "Summary":
        if not values:
            raise ValueError("cannot summarise an empty list")
        mean = math.fsum(values) / len(values)
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in values) / len(values))
        return Summary(len(values), mean, std, min(values), max(values))


@dataclass(frozen=True)
class StrategyStats:
    """Per-strategy statistics over the models it succeeded on (None when it succeeded on none)."""

    strategy: str
    failed: int
    bound: Summary | None
    normalised: Summary | None
    flops: Summary | None
    seconds: Summary | None
    unexplained_dimensionality: tuple[int, ...]


def ok_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in rows if not r.get("error")]


def strategy_stats(rows: Iterable[Mapping[str, Any]]) -> list[StrategyStats]:
    """Statistics per strategy, in the order strategies first appear in ``rows``."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["strategy"], []).append(row)
    out = []
    for name, group in groups.items():
        good = ok_rows(group)
        norm = [r["normalised_bound"] for r in good if r.get("normalised_bound") is not None]

        def summary(key: str) -> Summary | None:
            return Summary.of([float(r[key]) for r in good]) if good else None

        out.append(StrategyStats(
            name, len(group) - len(good), summary("accuracy_bound"), Summary.of(norm) if norm else None,
            summary("proof_flops"), summary("seconds"),
            tuple(sorted({int(r["unexplained_dimensionality"]) for r in good})),
        ))
    return out


def _pm(s: Summary | None, fmt: str) -> str:
    return "-" if s is None else f"{format(s.mean, fmt)} ± {format(s.std, fmt)}"


def markdown_table(rows: Iterable[Mapping[str, Any]]) -> str:
    """The paper's table as Markdown: one line per strategy, anchors from the authors' CSVs beside it."""
    lines = [
        "| strategy | models | bound (mean ± std) | bound min | bound max | normalised bound | "
        "proof FLOPs (mean ± std) | unexplained dim. | seconds (mean) | failed | authors' bound (mean ± std, min, max) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in strategy_stats(rows):
        anchor = anchor_for(s.strategy)
        anchor_text = "-" if anchor is None else anchor.text()
        b = s.bound
        lines.append(
            f"| {s.strategy} | {0 if b is None else b.n} | {_pm(b, '.5f')} | "
            f"{'-' if b is None else f'{b.min:.5f}'} | {'-' if b is None else f'{b.max:.5f}'} | "
            f"{_pm(s.normalised, '.5f')} | {_pm(s.flops, '.3e')} | "
            f"{', '.join(str(u) for u in s.unexplained_dimensionality) or '-'} | "
            f"{'-' if s.seconds is None else f'{s.seconds.mean:.2f}'} | {s.failed} | {anchor_text} |"
        )
    return "\n".join(lines) + "\n"


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats (cheaper or equal length and higher bound), by length.

    A point (flops, bound) is on the front iff every point with flops <= its flops has a
    strictly smaller bound, ties in flops broken by keeping the best bound.
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -math.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def family(strategy: str) -> str:
    """Plot group of a strategy: the part before ':' (``subcubic:...`` -> ``subcubic``)."""
    return strategy.split(":", 1)[0]


_MARKERS = "osD^v<>ph*"


def _new_axes(title: str, xs: Sequence[float], ys: Sequence[float]):
    """A figure and log-x axes whose limits cover ``xs`` and ``ys`` (set first: degenerate data
    limits, e.g. one strategy with one FLOP count, would make matplotlib's transforms singular)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xscale("log")
    ax.set_xlim(min(xs) / 3, max(xs) * 3)
    pad = max(0.04 * (max(ys) - min(ys)), 0.005)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_xlabel("proof length (FLOPs, shape-counted checker work; log scale)")
    ax.set_ylabel("accuracy lower bound")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    return fig, ax


def _save(fig, out_stem: Path) -> tuple[Path, Path]:
    """Write ``out_stem``.png and .svg deterministically; returns both paths."""
    import matplotlib

    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")
    with matplotlib.rc_context({"svg.hashsalt": _SVG_SALT, "svg.fonttype": "path"}):
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png, svg


def _draw_front(ax, points: Sequence[tuple[float, float]]) -> None:
    front = [points[i] for i in pareto_front(points)]
    if len(front) > 1:
        xs, ys = zip(*front)
        ax.step(xs, ys, where="post", color="black", linewidth=0.8, alpha=0.7, label="Pareto frontier")


def plot_pareto(rows: Iterable[Mapping[str, Any]], out_stem: Path, *, title: str | None = None) -> tuple[Path, Path]:
    """Pareto plot over many models (see the module docstring); writes ``out_stem``.png/.svg.

    Precondition: at least one successful row. Families with several strategies share a
    colour and one legend entry; single strategies are labelled by name.
    """
    good = [r for r in ok_rows(rows) if int(r["proof_flops"]) > 0]
    if not good:
        raise ValueError("no successful results to plot")
    stats = [s for s in strategy_stats(good) if s.bound is not None]
    n_models = len({r.get("seed") for r in good})
    fig, ax = _new_axes(
        title or f"Accuracy bound against proof length ({n_models} models)",
        [float(r["proof_flops"]) for r in good], [float(r["accuracy_bound"]) for r in good],
    )
    families: dict[str, list[StrategyStats]] = {}
    for s in stats:
        families.setdefault(family(s.strategy), []).append(s)
    means = []
    for idx, (fam, members) in enumerate(families.items()):
        colour, marker = f"C{idx % 10}", _MARKERS[idx % len(_MARKERS)]
        names = {s.strategy for s in members}
        pts = [(float(r["proof_flops"]), float(r["accuracy_bound"])) for r in good if r["strategy"] in names]
        # rasterised inside the SVG: a zoo of 151 models x 100 variants would be ~15k vector markers
        ax.scatter(*zip(*pts), s=6, color=colour, alpha=0.15, linewidths=0, marker=marker, rasterized=True)
        label = members[0].strategy if len(members) == 1 else f"{fam} ({len(members)} variants)"
        for j, s in enumerate(members):
            ax.errorbar(
                s.flops.mean, s.bound.mean, yerr=s.bound.std, color=colour, marker=marker, markersize=6,
                markeredgecolor="black", markeredgewidth=0.5, capsize=2, linestyle="none",
                label=label if j == 0 else None,
            )
            means.append((s.flops.mean, s.bound.mean))
        if len(stats) <= 12:
            for s in members:
                ax.annotate(s.strategy, (s.flops.mean, s.bound.mean), textcoords="offset points", xytext=(5, -10), fontsize=7)
    _draw_front(ax, means)
    reference = next((s for s in stats if s.strategy == REFERENCE), None)
    if reference is not None:
        ax.axhline(reference.bound.mean, color="grey", linestyle="--", linewidth=1,
                   label=f"brute-force accuracy (mean {reference.bound.mean:.5f})")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, out_stem)


def plot_bound_vs_length(
    results: Iterable[Any], out_stem: Path, *, exact_accuracy: float | None = None, title: str = "Accuracy bound against proof length"
) -> tuple[Path, Path]:
    """Bound against proof length for one model's strategies; writes ``out_stem``.png/.svg.

    ``results``: ``StrategyResult`` objects or mappings with ``strategy``, ``proof_flops`` and
    ``accuracy_bound`` (or ``bound``, a Fraction or an "n/d" string, e.g. ``StrategyResult.to_dict()``). ``exact_accuracy``, when given, is drawn as
    a dashed line (the model's brute-force accuracy). Returns the two paths.
    """
    points = []
    for r in results:
        get = r.get if isinstance(r, Mapping) else (lambda key, default=None, _r=r: getattr(_r, key, default))
        bound = get("accuracy_bound")
        bound = float(Fraction(get("bound"))) if bound is None else float(bound)  # "n/d" strings too
        points.append((get("strategy"), float(get("proof_flops")), bound))
    if not points:
        raise ValueError("no strategy results to plot")
    bounds = [b for _, _, b in points] + ([] if exact_accuracy is None else [exact_accuracy])
    fig, ax = _new_axes(title, [f for _, f, _ in points], bounds)
    for idx, (name, flops, bound) in enumerate(points):
        ax.scatter([flops], [bound], color=f"C{idx % 10}", marker=_MARKERS[idx % len(_MARKERS)], s=36,
                   edgecolors="black", linewidths=0.5, label=name, zorder=3)
        ax.annotate(name, (flops, bound), textcoords="offset points", xytext=(5, -10), fontsize=7)
    _draw_front(ax, [(f, b) for _, f, b in points])
    if exact_accuracy is not None:
        ax.axhline(exact_accuracy, color="grey", linestyle="--", linewidth=1, label=f"exact accuracy {exact_accuracy:.5f}")
    ax.legend(loc="best", fontsize=8)
    return _save(fig, out_stem)
