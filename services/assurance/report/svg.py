"""Self-contained SVG charts as strings (no library, no external references).

Each chart is one `<svg>` with a viewBox, a `<title>` and a `<desc>` for screen readers, and
a `<title>` on every bar segment as its tooltip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

LEVEL_COLOURS = {1: "#d5e8f7", 2: "#8fbfe6", 3: "#3f8ccb", 4: "#0b4f8a"}
WIDTH, LABEL_W, BAR_W, ROW_H, TOP = 760, 300, 380, 30, 56


@dataclass(frozen=True, slots=True)
class Bar:
    """One competency: its label, the level counts and (for a profile) the PCT's level."""

    code: str
    label: str
    counts: Mapping[int, int]
    marked_level: int | None = None


def _open(title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="Arial, Helvetica, sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="12" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]


def _segments(bar: Bar, y: int) -> list[str]:
    total = sum(bar.counts.values())
    parts, x = [], float(LABEL_W)
    for level in sorted(LEVEL_COLOURS):
        count = bar.counts.get(level, 0)
        width = BAR_W * count / total if total else 0.0
        share = 100 * count / total if total else 0.0
        tip = f"{bar.label}: level {level}, {count} PCTs ({share:.1f}%)"
        parts.append(f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{ROW_H - 8}" '
                     f'fill="{LEVEL_COLOURS[level]}"><title>{escape(tip)}</title></rect>')
        if bar.marked_level == level:
            middle = x + width / 2
            parts.append(f'<path d="M{middle:.2f} {y + ROW_H - 8} l-6 8 h12 z" fill="#c0392b">'
                         f'<title>{escape(f"this PCT: level {level}")}</title></path>')
        x += width
    return parts


def _legend(y: int, marker: bool) -> list[str]:
    parts = []
    for index, (level, colour) in enumerate(sorted(LEVEL_COLOURS.items())):
        x = LABEL_W + index * 90
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{y + 10}">Level {level}</text>')
    if marker:
        parts.append(f'<path d="M{LABEL_W + 366} {y} l-6 12 h12 z" fill="#c0392b"/>'
                     f'<text x="{LABEL_W + 376}" y="{y + 10}">this PCT</text>')
    return parts


def stacked_levels(title: str, desc: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars, one per competency, split by the share of PCTs at each level."""
    marker = any(bar.marked_level is not None for bar in bars)
    height = TOP + len(bars) * ROW_H + 48
    parts = _open(title, desc, height)
    for index, bar in enumerate(bars):
        y = TOP + index * ROW_H
        label = f"{bar.code}. {bar.label}"
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts += _segments(bar, y)
        if bar.marked_level is not None:
            parts.append(f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 15}" '
                         f'data-level={quoteattr(str(bar.marked_level))}>'
                         f'L{bar.marked_level}</text>')
    parts += _legend(TOP + len(bars) * ROW_H + 16, marker)
    parts.append("</svg>")
    return "\n".join(parts)
