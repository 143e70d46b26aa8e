"""Bar charts drawn on the server as SVG: no JavaScript, no script library. Each chart is an
group with a title and a description for screen readers (role="group", <title>, <desc>: an
"img" role would hide the bars' links, which axe reports as nested interactive controls); the page
shows a table of the same figures beside it, so nothing is said by the chart alone. Every bar
can be a link (to the cases behind it). Presentation attributes only, no inline styles, so the
Content-Security-Policy needs no exception."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import count

from django.utils.safestring import SafeString, mark_safe

LABEL_WIDTH = 210
BAR_AREA = 330
VALUE_WIDTH = 60
ROW_HEIGHT = 30
BAR_HEIGHT = 20
TOP = 8
LEGEND_HEIGHT = 26
LABEL_CHARACTERS = 30
# GOV.UK Design System colours, each distinct to colour-blind readers when side by side.
PALETTE = ("#b1b4b6", "#1d70b2", "#00703c", "#f47738", "#d4351c", "#6f72af", "#0f7a52")
# Levels of need from none recorded (grey) to 4 (red); in time (blue) against later (orange).
LEVEL_COLOURS = ("#b1b4b6", "#5694ca", "#1d70b2", "#f47738", "#d4351c")
TIMELINESS_COLOURS = ("#1d70b2", "#f47738")
TEXT = "#0b0c0c"

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str = ""


@dataclass(frozen=True)
class StackedBar:
    label: str
    values: Sequence[float]
    hrefs: Sequence[str] = ()


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}"


def _link(href: str, inner: str, title: str) -> str:
    body = f"<title>{escape(title)}</title>{inner}"
    if not href:
        return f"<g>{body}</g>"
    return f'<a href="{escape(href)}">{body}</a>'


def _frame(title: str, description: str, height: int, inner: str) -> SafeString:
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    ident = next(_ids)
    return mark_safe(  # noqa: S308 - every text and attribute above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="group" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="chart-{ident}-title chart-{ident}-desc" '
        f'font-family="GDS Transport, arial, sans-serif" font-size="14">'
        f'<title id="chart-{ident}-title">{escape(title)}</title>'
        f'<desc id="chart-{ident}-desc">{escape(description)}</desc>'
        f"{inner}</svg>"
    )


def _label(y: int, text: str) -> str:
    return (
        f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 5}" text-anchor="end" '
        f'fill="{TEXT}">{escape(_short(text))}</text>'
    )


def bar_chart(*, title: str, bars: Sequence[Bar], unit: str = "") -> SafeString:
    """One horizontal bar per ``bars``, scaled to the largest, its value written beside it."""
    largest = max((bar.value for bar in bars), default=0) or 1
    parts = []
    for row, bar in enumerate(bars):
        y = TOP + row * ROW_HEIGHT
        width = round(BAR_AREA * bar.value / largest)
        value = f"{_number(bar.value)}{unit}"
        drawn = (
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{PALETTE[1]}"/>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + BAR_HEIGHT - 5}" '
            f'fill="{TEXT}">{escape(value)}</text>'
        )
        parts.append(_label(y, bar.label) + _link(bar.href, drawn, f"{bar.label}: {value}"))
    description = "; ".join(f"{bar.label}: {_number(bar.value)}{unit}" for bar in bars)
    height = TOP * 2 + max(len(bars), 1) * ROW_HEIGHT
    return _frame(title, description or "Nothing to show.", height, "".join(parts))


def stacked_bar_chart(
    *,
    title: str,
    series: Sequence[str],
    bars: Sequence[StackedBar],
    colours: Sequence[str] = PALETTE,
) -> SafeString:
    """One horizontal bar per ``bars``, split into ``series`` (named in a legend above), each
    part a link of its own."""
    largest = max((sum(bar.values) for bar in bars), default=0) or 1
    parts = []
    x = 0
    for index, name in enumerate(series):
        colour = colours[index % len(colours)]
        parts.append(
            f'<rect x="{x}" y="{TOP}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 18}" y="{TOP + 12}" fill="{TEXT}">{escape(name)}</text>'
        )
        x += 30 + 8 * len(name)
    for row, bar in enumerate(bars):
        y = TOP + LEGEND_HEIGHT + row * ROW_HEIGHT
        parts.append(_label(y, bar.label))
        x = LABEL_WIDTH
        for index, value in enumerate(bar.values):
            if not value:
                continue
            width = max(round(BAR_AREA * value / largest), 1)
            href = bar.hrefs[index] if index < len(bar.hrefs) else ""
            drawn = (
                f'<rect x="{x}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                f'fill="{colours[index % len(colours)]}"/>'
            )
            parts.append(_link(href, drawn, f"{bar.label}, {series[index]}: {_number(value)}"))
            x += width
        parts.append(
            f'<text x="{x + 6}" y="{y + BAR_HEIGHT - 5}" fill="{TEXT}">'
            f"{_number(sum(bar.values))}</text>"
        )
    description = "; ".join(
        f"{bar.label}: "
        + ", ".join(f"{name} {_number(v)}" for name, v in zip(series, bar.values, strict=False))
        for bar in bars
    )
    height = TOP * 2 + LEGEND_HEIGHT + max(len(bars), 1) * ROW_HEIGHT
    return _frame(title, description or "Nothing to show.", height, "".join(parts))
