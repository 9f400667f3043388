"""Small charts drawn on the server as SVG: bars and a line, each with a title and the table it
was drawn from. No JavaScript library and no CDN; a chart prints like the page, a screen reader
gets the title and the table, and a test can read every number from the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 720
BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 220


@dataclass(frozen=True)
class Series:
    """What a chart shows: labelled values, with what they count."""

    title: str
    labels: list[str]
    values: list[int]
    unit: str = ""  # e.g. "vragen"


def bars(series: Series) -> str:
    """Horizontal bars, largest scale at the widest value; every bar carries its number."""
    n = len(series.values)
    height = max(1, n) * (BAR_HEIGHT + GAP) + GAP
    top = max(series.values, default=0) or 1
    room = WIDTH - LABEL_WIDTH - 60
    rows = []
    for i, (label, value) in enumerate(zip(series.labels, series.values, strict=True)):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = round(room * value / top)
        short = label if len(label) <= 34 else label[:33] + "…"
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" class="label">'
            f"{escape(short)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'class="bar"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 13}" class="value">{value}</text>'
        )
    return _svg(series.title, height, "".join(rows))


def line(series: Series) -> str:
    """A line over time (labels on the horizontal axis), each point with its number."""
    n = len(series.values)
    height = 180
    left, right, bottom, top_margin = 40, 20, 30, 20
    top = max(series.values, default=0) or 1
    step = (WIDTH - left - right) / max(1, n - 1)
    points = [
        (
            left + i * step,
            height - bottom - (height - bottom - top_margin) * value / top,
        )
        for i, value in enumerate(series.values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    every = max(1, n // 8)  # a number over every point up to 8, else over every few
    marks = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="point">'
        f"<title>{escape(label)}: {value}</title></circle>"
        + (
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" class="value">{value}</text>'
            if i % every == 0 or i == n - 1
            else ""
        )
        for i, ((x, y), label, value) in enumerate(
            zip(points, series.labels, series.values, strict=True)
        )
    )
    ticks = "".join(
        f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" class="label">'
        f"{escape(label)}</text>"
        for (x, _), label in zip(points, series.labels, strict=True)
        if n <= 12 or series.labels.index(label) % max(1, n // 8) == 0
    )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - right}" '
        f'y2="{height - bottom}" class="axis"/>'
    )
    body = axis + (f'<polyline points="{path}" class="line"/>' if n > 1 else "") + marks + ticks
    return _svg(series.title, height, body)


def _svg(title: str, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" class="chart">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )
