"""Tables and plots of strategy results: the paper's per-strategy table and its Pareto plot.

Input rows are mappings with the sweep's CSV columns (``compact_proofs.sweep.CSV_COLUMNS``),
typed: ``strategy`` str, ``accuracy_bound`` float, ``normalised_bound`` float or None,
``proof_flops`` int, ``unexplained_dimensionality`` int, ``seconds`` float, ``error`` str
(empty when the job succeeded). Rows with an error count as failures and are left out of
every statistic and plot.

* ``strategy_stats`` / ``markdown_table``: mean ± std (population std, as ``cli.summarize``),
  min and max of the bound per strategy, with the authors' anchors beside them (``anchors=False``
  for rows of another family, e.g. the pizza models of a sweep: the anchors are Max-of-4 numbers).
* ``plot_pareto``: bound against proof length (FLOPs, log x) over many models: each model a
  faint point, each strategy's mean a marker with a ±std bar (clipped to [0, 1], where every
  bound lies), the Pareto frontier of the means, the mean brute-force accuracy as a dashed
  line, and the authors' published mean ± std beside the strategies they cover.
* ``plot_bound_vs_dimensionality``: the same over the paper's second axis, the unexplained
  dimensionality (log x).
* ``plot_bound_vs_length``: bound against proof length for one model's strategies (used by
  ``certify``).

Every plot with bounds both below and inside 0.95-1.0 gets a second panel zoomed on that band,
where the best strategies crowd. Points are named by the legend; only the variants of a family
(one legend entry) carry a text label, placed where it overlaps no other label.

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


def markdown_table(rows: Iterable[Mapping[str, Any]], *, anchors: bool = True) -> str:
    """The paper's table as Markdown: one line per strategy, anchors from the authors' CSVs beside it
    (with ``anchors``: Max-of-4 rows)."""
    lines = [
        "| strategy | models | bound (mean ± std) | bound min | bound max | normalised bound | "
        "proof FLOPs (mean ± std) | unexplained dim. | seconds (mean) | failed | authors' bound (mean ± std, min, max) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in strategy_stats(rows):
        anchor = anchor_for(s.strategy) if anchors else None
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
ZOOM_BAND = (0.95, 1.0)
# Where a point's label may go, in points from the point, tried in order: the first spot that
# overlaps no label already placed wins.
_LABEL_OFFSETS = ((5, -10), (5, 4), (-5, 4), (-5, -10), (5, 14), (5, -20), (-5, 14), (-5, -20))
FLOPS_LABEL = "proof length (FLOPs, shape-counted checker work; log scale)"
DIMENSIONALITY_LABEL = "unexplained dimensionality (log scale)"


def clipped_yerr(mean: float, std: float) -> tuple[float, float]:
    """The (below, above) arms of a ±std bar around ``mean``, clipped to [0, 1]: a bound is an
    accuracy, so a bar reaching past 1 would show values no model can have."""
    return min(std, max(mean, 0.0)), min(std, max(1.0 - mean, 0.0))


def _new_figure(title: str, xlabel: str, xs: Sequence[float], ys: Sequence[float]):
    """A figure with log-x axes covering ``xs`` and ``ys`` and, when ``ys`` reach into
    ``ZOOM_BAND`` from below it, a second panel on that band. Limits are set first: degenerate
    data limits, e.g. one strategy with one FLOP count, would make matplotlib's transforms
    singular. Returns the figure and its axes, the full panel first."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    zoom = min(ys) < ZOOM_BAND[0] and any(y >= ZOOM_BAND[0] for y in ys)
    fig = Figure(figsize=(13, 5) if zoom else (8, 5), dpi=100)
    FigureCanvasAgg(fig)
    pad = max(0.04 * (max(ys) - min(ys)), 0.005)
    limits = [(min(ys) - pad, max(ys) + pad)] + ([(ZOOM_BAND[0], ZOOM_BAND[1] + 0.0025)] if zoom else [])
    axes = []
    for i, (low, high) in enumerate(limits):
        ax = fig.add_subplot(1, len(limits), i + 1)
        ax.set_xscale("log")
        ax.set_xlim(min(xs) / 3, max(xs) * 3)
        ax.set_ylim(low, high)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("accuracy lower bound")
        ax.set_title(title if i == 0 else f"zoom: bounds in [{ZOOM_BAND[0]}, {ZOOM_BAND[1]}]", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        axes.append(ax)
    fig.tight_layout()  # now, not at saving: labels are placed in these axes' final coordinates
    return fig, axes


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


def _errorbar(ax, x: float, mean: float, std: float, **style: Any) -> None:
    below, above = clipped_yerr(mean, std)
    ax.errorbar(x, mean, yerr=[[below], [above]], capsize=2, linestyle="none", **style)


def _anchor_positions(xs: Mapping[str, float]) -> list[tuple[Anchor, float]]:
    """Each published anchor the plotted strategies have, at the x of the strategy it is named
    for (``cubic`` for the cubic anchor) or else of the first strategy it covers."""
    found: dict[Anchor, float] = {}
    for strategy, x in xs.items():
        anchor = anchor_for(strategy)
        if anchor is not None and (anchor not in found or PAPER_ANCHORS.get(strategy) == anchor):
            found[anchor] = x
    return list(found.items())


def _draw_anchors(ax, anchors: Sequence[tuple[Anchor, float]]) -> None:
    for j, (anchor, x) in enumerate(anchors):
        _errorbar(ax, x, anchor.mean, anchor.std, color="dimgrey", marker="D", markersize=7, markerfacecolor="none",
                  label="authors' published bound (mean ± std, 151 models)" if j == 0 else None, zorder=4)


def _label_points(ax, labels: Sequence[tuple[str, float, float]]) -> None:
    """Annotate (text, x, y) points inside ``ax``'s y range, each at the first offset where it
    stays inside the axes and overlaps neither the legend nor a label already placed; a label
    with no free spot is left out. Call it after the legend is drawn."""
    renderer = ax.figure.canvas.get_renderer()
    low, high = ax.get_ylim()
    frame = ax.get_window_extent(renderer)
    legend = ax.get_legend()
    placed = [] if legend is None else [legend.get_window_extent(renderer)]
    for text, x, y in sorted(labels, key=lambda label: (label[1], label[2])):
        if not low <= y <= high:
            continue
        for dx, dy in _LABEL_OFFSETS:
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=7,
                               ha="left" if dx > 0 else "right")
            box = note.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            note.remove()


def _plot_over_models(
    rows: Iterable[Mapping[str, Any]], out_stem: Path, x_key: str, xlabel: str, title: str, anchors: bool = True
) -> tuple[Path, Path]:
    """Bound against ``x_key`` over many models (see the module docstring); writes ``out_stem``.png/.svg.

    Families with several strategies share a colour and one legend entry, their members
    labelled by the rest of their names; single strategies are named in the legend.
    """
    good = [r for r in ok_rows(rows) if float(r[x_key]) > 0]  # a log axis: positive x only
    if not good:
        raise ValueError("no successful results to plot")
    stats = [s for s in strategy_stats(good) if s.bound is not None]
    x_of = {s.strategy: Summary.of([float(r[x_key]) for r in good if r["strategy"] == s.strategy]).mean for s in stats}
    drawn = _anchor_positions(x_of) if anchors else []
    n_models = len({r.get("seed") for r in good})
    fig, axes = _new_figure(
        title.format(n_models=n_models), xlabel,
        [float(r[x_key]) for r in good], [float(r["accuracy_bound"]) for r in good] + [a.mean for a, _ in drawn],
    )
    families: dict[str, list[StrategyStats]] = {}
    for s in stats:
        families.setdefault(family(s.strategy), []).append(s)
    reference = next((s for s in stats if s.strategy == REFERENCE), None)
    labels = []
    for ax in axes:
        for idx, (fam, members) in enumerate(families.items()):
            colour, marker = f"C{idx % 10}", _MARKERS[idx % len(_MARKERS)]
            names = {s.strategy for s in members}
            pts = [(float(r[x_key]), float(r["accuracy_bound"])) for r in good if r["strategy"] in names]
            # rasterised inside the SVG: a zoo of 151 models x 100 variants would be ~15k vector markers
            ax.scatter(*zip(*pts), s=6, color=colour, alpha=0.15, linewidths=0, marker=marker, rasterized=True)
            label = members[0].strategy if len(members) == 1 else f"{fam} ({len(members)} variants)"
            for j, s in enumerate(members):
                _errorbar(ax, x_of[s.strategy], s.bound.mean, s.bound.std, color=colour, marker=marker, markersize=6,
                          markeredgecolor="black", markeredgewidth=0.5, label=label if j == 0 else None)
                if ax is axes[0] and len(members) > 1 and len(stats) <= 12:  # the legend names the family, not its members
                    labels.append((s.strategy[len(fam) + 1:] or s.strategy, x_of[s.strategy], s.bound.mean))
        _draw_front(ax, [(x_of[s.strategy], s.bound.mean) for s in stats])
        _draw_anchors(ax, drawn)
        if reference is not None:
            ax.axhline(reference.bound.mean, color="grey", linestyle="--", linewidth=1,
                       label=f"brute-force accuracy (mean {reference.bound.mean:.5f})")
    axes[0].legend(loc="lower right", fontsize=8)
    for ax in axes:
        _label_points(ax, labels)
    return _save(fig, out_stem)


def plot_pareto(rows: Iterable[Mapping[str, Any]], out_stem: Path, *, title: str | None = None, anchors: bool = True) -> tuple[Path, Path]:
    """Bound against proof length over many models; writes ``out_stem``.png/.svg.

    Precondition: at least one successful row with a positive FLOP count.
    """
    return _plot_over_models(rows, out_stem, "proof_flops", FLOPS_LABEL,
                             title or "Accuracy bound against proof length ({n_models} models)", anchors)


def plot_bound_vs_dimensionality(
    rows: Iterable[Mapping[str, Any]], out_stem: Path, *, title: str | None = None, anchors: bool = True
) -> tuple[Path, Path]:
    """Bound against unexplained dimensionality (the paper's second axis: how much of the model
    the proof leaves unexplained) over many models; writes ``out_stem``.png/.svg.

    Precondition: at least one successful row with a positive dimensionality.
    """
    return _plot_over_models(rows, out_stem, "unexplained_dimensionality", DIMENSIONALITY_LABEL,
                             title or "Accuracy bound against unexplained dimensionality ({n_models} models)", anchors)


def plot_bound_vs_length(
    results: Iterable[Any], out_stem: Path, *, exact_accuracy: float | None = None, title: str = "Accuracy bound against proof length"
) -> tuple[Path, Path]:
    """Bound against proof length for one model's strategies; writes ``out_stem``.png/.svg.

    ``results``: ``StrategyResult`` objects or mappings with ``strategy``, ``proof_flops`` and
    ``accuracy_bound`` (or ``bound``, a Fraction or an "n/d" string, e.g. ``StrategyResult.to_dict()``). ``exact_accuracy``, when given, is drawn as
    a dashed line (the model's brute-force accuracy). The authors' published bounds (over 151
    models) are drawn beside the strategies they cover. Returns the two paths.
    """
    points = []
    for r in results:
        get = r.get if isinstance(r, Mapping) else (lambda key, default=None, _r=r: getattr(_r, key, default))
        bound = get("accuracy_bound")
        bound = float(Fraction(get("bound"))) if bound is None else float(bound)  # "n/d" strings too
        points.append((get("strategy"), float(get("proof_flops")), bound))
    if not points:
        raise ValueError("no strategy results to plot")
    anchors = _anchor_positions({name: flops for name, flops, _ in points})
    bounds = [b for _, _, b in points] + [a.mean for a, _ in anchors] + ([] if exact_accuracy is None else [exact_accuracy])
    fig, axes = _new_figure(title, FLOPS_LABEL, [f for _, f, _ in points], bounds)
    for ax in axes:
        for idx, (name, flops, bound) in enumerate(points):
            ax.scatter([flops], [bound], color=f"C{idx % 10}", marker=_MARKERS[idx % len(_MARKERS)], s=36,
                       edgecolors="black", linewidths=0.5, label=name, zorder=3)
        _draw_front(ax, [(f, b) for _, f, b in points])
        _draw_anchors(ax, anchors)
        if exact_accuracy is not None:
            ax.axhline(exact_accuracy, color="grey", linestyle="--", linewidth=1, label=f"exact accuracy {exact_accuracy:.5f}")
    axes[0].legend(loc="best", fontsize=8)
    return _save(fig, out_stem)
