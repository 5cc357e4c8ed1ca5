"""Server-side SVG charts: geometry computed here from our figures, drawn by a template.

No JavaScript and nothing from a CDN. Every chart has a title and a description for screen readers,
series told apart by pattern as well as colour (hatched, solid, dotted) and named in a legend, a
<title> on every bar with its exact value, and the page shows the numbers as a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 80, 16, 28, 52
PATTERNS = ("hatch", "solid", "dots")


def _n(value: float) -> str:
    """A coordinate as text: the template prints it as is (no number localisation per value)."""
    return f"{value:.1f}"


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    label_y: str
    series: str
    pattern: str
    label: str  # "Week of 2026-11-02 · deducted: 1,234.00 USD"
    value_text: str


@dataclass
class Tick:
    y: str
    text: str


@dataclass
class Category:
    x: str
    text: str


def _nice_ceiling(value: Decimal) -> Decimal:
    """1, 2 or 5 times a power of ten, at least `value` (so the axis reads in round numbers)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (1, 2, 5, 10):
        candidate = Decimal(step).scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)  # pragma: no cover


def _fmt(value: Decimal, places: int) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def grouped_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series,
    unit: str = "",
    places: int = 2,
    label_every: int = 1,
    show_values: bool = False,
) -> dict:
    """A vertical grouped bar chart; `series` is [(name, [value per category])], values >= 0."""
    values = [Decimal(v) for _name, points in series for v in points]
    top = _nice_ceiling(max(values, default=Decimal(0)).to_integral_value(ROUND_CEILING))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(categories), 1)
    bar_w = max(slot * 0.8 / max(len(series), 1), 1)
    bars, names = [], []
    for index, (name, points) in enumerate(series):
        pattern = PATTERNS[index % len(PATTERNS)]
        names.append({"name": name, "pattern": pattern})
        for position, value in enumerate(points):
            value = Decimal(value)
            height = float(value / top) * plot_h if top else 0
            x = LEFT + position * slot + slot * 0.1 + index * bar_w
            text = f"{_fmt(value, places)} {unit}".strip()
            bars.append(
                Bar(
                    _n(x),
                    _n(TOP + plot_h - height),
                    _n(bar_w),
                    _n(height),
                    _n(TOP + plot_h - height - 4),
                    name,
                    pattern,
                    f"{categories[position]} · {name}: {text}",
                    text,
                )
            )
    ticks = [Tick(_n(TOP + plot_h - plot_h * i / 4), _fmt(top * i / 4, 0 if top >= 4 else places)) for i in range(5)]
    labels = [
        Category(_n(LEFT + position * slot + slot / 2), text)
        for position, text in enumerate(categories)
        if position % label_every == 0
    ]
    return {
        "id": chart_id,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "tick_x": LEFT - 6,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "category_y": TOP + plot_h + 16,
        "legend_y": HEIGHT - 18,
        "legend_text_y": HEIGHT - 6,
        "bars": bars,
        "ticks": ticks,
        "categories": labels,
        "legend": names,
        "unit": unit,
        "show_values": show_values,
    }
