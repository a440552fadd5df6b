"""Self-contained SVG line charts (no plotting library): a mean line with a 5-95% band.

Each chart is one `<svg>` document with a viewBox, a title and description for screen readers,
axis labels and tick labels; series carry `data-series` attributes so a front end can style them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from services.market.simulation.market.engine import MarketResult
from services.market.simulation.montecarlo import MonteCarloSummary

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 44, 64
LINE_COLOUR, BAND_COLOUR = "#1d4ed8", "#93c5fd"

CHART_TEXT: dict[str, tuple[str, str]] = {
    "active_suppliers": ("Active suppliers (CSUs and private providers)", "Suppliers"),
    "active_csus": ("Active CSUs", "CSUs"),
    "hhi_population": ("Market concentration (HHI by population served)", "HHI (0-10,000)"),
    "hhi_revenue": ("Market concentration (HHI by revenue)", "HHI (0-10,000)"),
    "in_house_share": ("Share of support made in-house", "Share of people x service lines"),
    "price_per_head": ("Average supplier price", "£ a head a year"),
}


@dataclass(frozen=True)
class Axis:
    """A value axis: its range and tick values."""

    low: float
    high: float
    ticks: tuple[float, ...]

    def y(self, value: float) -> float:
        span = self.high - self.low
        return TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (value - self.low) / span)


def nice_axis(values: Sequence[float], target_ticks: int = 5) -> Axis:
    """An axis from zero (or the minimum, if negative) to a round number above the maximum."""
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    low, high = min(0.0, min(finite)), max(finite)
    if high <= low:
        high = low + 1.0
    raw = (high - low) / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    ticks = tuple(low + i * step for i in range(round((high - low) / step) + 1))
    return Axis(low, high, ticks)


def _x(index: int, count: int) -> float:
    width = WIDTH - LEFT - RIGHT
    return LEFT + (width * index / (count - 1) if count > 1 else width / 2)


def _points(values: Sequence[float], axis: Axis) -> list[tuple[float, float]]:
    return [(_x(i, len(values)), axis.y(v)) for i, v in enumerate(values) if math.isfinite(v)]


def _format(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def _frame(labels: Sequence[str], axis: Axis, y_label: str) -> list[str]:
    parts = ['<g class="grid" stroke="#e5e7eb">']
    for tick in axis.ticks:
        y = axis.y(tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
    parts.append('</g><g class="tick-labels" fill="#374151">')
    for tick in axis.ticks:
        parts.append(f'<text x="{LEFT - 8}" y="{axis.y(tick) + 4:.1f}" text-anchor="end">'
                     f'{escape(_format(tick))}</text>')
    every = max(1, math.ceil(len(labels) / 8))
    for i in range(0, len(labels), every):
        parts.append(f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - BOTTOM + 18}" '
                     f'text-anchor="middle">{escape(labels[i])}</text>')
    bottom = HEIGHT - BOTTOM
    parts += [
        '</g><g class="axes" stroke="#374151">',
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/></g>',
        f'<text class="x-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 16}" '
        'text-anchor="middle">Quarter (first month)</text>',
        f'<text class="y-label" x="16" y="{(TOP + bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(TOP + bottom) / 2})">{escape(y_label)}</text>',
    ]
    return parts


def line_chart(title: str, labels: Sequence[str], values: Sequence[float], *, y_label: str,
               band: tuple[Sequence[float], Sequence[float]] | None = None,
               description: str = "") -> str:
    """An SVG document: one line (`data-series="mean"`) and an optional band ("p5-p95")."""
    axis = nice_axis([*values, *(band[1] if band else [])])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="sans-serif" font-size="11">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description or title)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text class="chart-title" x="{LEFT}" y="24" font-size="14" font-weight="bold">'
        f'{escape(title)}</text>',
        *_frame(labels, axis, y_label),
    ]
    if band is not None:
        outline = _points(band[1], axis) + _points(band[0], axis)[::-1]
        path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in outline) + " Z"
        parts.append(f'<path class="band" data-series="p5-p95" d={quoteattr(path)} '
                     f'fill="{BAND_COLOUR}" fill-opacity="0.5" stroke="none"/>')
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in _points(values, axis))
    parts.append(f'<polyline class="line" data-series="mean" points={quoteattr(points)} '
                 f'fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def summary_chart(summary: MonteCarloSummary, output: str) -> str:
    """Mean of an output over the replications with its 5-95% band."""
    title, y_label = CHART_TEXT.get(output, (output.replace("_", " ").capitalize(), output))
    stats = summary.outputs[output]
    description = (f"{title}: mean and 5-95% range over {summary.replications} replications "
                   f"of scenario {summary.scenario}, {summary.labels[0]} to {summary.labels[-1]}.")
    return line_chart(title, summary.labels, list(stats.mean), y_label=y_label,
                      band=(list(stats.p5), list(stats.p95)), description=description)


def result_chart(result: MarketResult, output: str) -> str:
    """One run's output over time (no band)."""
    title, y_label = CHART_TEXT.get(output, (output.replace("_", " ").capitalize(), output))
    description = f"{title}: one run of scenario {result.scenario} (seed {result.seed})."
    return line_chart(title, result.labels, list(result.outputs[output]), y_label=y_label,
                      description=description)


def supplier_count_chart(summary: MonteCarloSummary) -> str:
    """Active suppliers over time with the 5-95% band."""
    return summary_chart(summary, "active_suppliers")


def hhi_chart(summary: MonteCarloSummary) -> str:
    """HHI by population over time with the 5-95% band."""
    return summary_chart(summary, "hhi_population")


def in_house_share_chart(summary: MonteCarloSummary) -> str:
    """In-house share over time with the 5-95% band."""
    return summary_chart(summary, "in_house_share")
