"""Charts as inline SVG strings, written by hand: no fonts, scripts or links to fetch, so a
report renders the same in a browser, in an email client and offline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH = 640
HEIGHT = 220
PALETTE = ("#1f5fa8", "#d9822b", "#2e8540", "#b1283a", "#6f42c1", "#5b6770")
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 12, 28, 46


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = float(10 ** (len(str(int(value))) - 1))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2g}"


def _frame(title: str, body: list[str], legend: Sequence[str] = ()) -> str:
    parts = [f'<svg role="img" width="{WIDTH}" '
             f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="{escape(title)}" '
             'font-family="sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>",
             f'<text x="{_LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, name in enumerate(legend):
        x = WIDTH - _RIGHT - 110 * (len(legend) - i)
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="15">{escape(name)}</text>')
    parts.extend(body)
    parts.append("</svg>")
    return "".join(parts)


def _axes(top: float, labels: Sequence[str], slot: float) -> list[str]:
    plot_h = HEIGHT - _TOP - _BOTTOM
    out = [f'<line x1="{_LEFT}" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH - _RIGHT}" '
           f'y2="{HEIGHT - _BOTTOM}" stroke="#333"/>']
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - _BOTTOM - plot_h * i / 4
        out.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
                   f'stroke="#ddd"/><text x="{_LEFT - 4}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{_fmt(value)}</text>')
    for i, label in enumerate(labels):
        x = _LEFT + slot * (i + 0.5)
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - _BOTTOM + 14}" text-anchor="middle">'
                   f"{escape(label[:14])}</text>")
    return out


def bar_chart(title: str, data: Mapping[str, float | None]) -> str:
    """One bar per label (None drawn as no bar)."""
    return grouped_bar_chart(title, list(data), {"": list(data.values())})


def grouped_bar_chart(title: str, labels: Sequence[str],
                      series: Mapping[str, Sequence[float | None]]) -> str:
    """Bars per label, one colour per series (a legend when there is more than one)."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = _nice_max(max(values, default=0.0))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    slot = plot_w / max(1, len(labels))
    bar = slot * 0.8 / max(1, len(series))
    body = _axes(top, labels, slot)
    for s_i, (name, vs) in enumerate(series.items()):
        colour = PALETTE[s_i % len(PALETTE)]
        for i, value in enumerate(vs):
            if value is None:
                continue
            h = plot_h * value / top
            x = _LEFT + slot * i + slot * 0.1 + bar * s_i
            y = HEIGHT - _BOTTOM - h
            tip = f"{labels[i]} {name}: {_fmt(value)}".strip()
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"><title>{escape(tip)}</title></rect>')
    legend = [n for n in series if n] if len(series) > 1 else []
    return _frame(title, body, legend)


def line_chart(title: str, labels: Sequence[str],
               series: Mapping[str, Sequence[float | None]]) -> str:
    """One line per series over the labels (gaps where a value is None)."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = _nice_max(max(values, default=0.0))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    slot = plot_w / max(1, len(labels))
    body = _axes(top, labels, slot)
    for s_i, (name, vs) in enumerate(series.items()):
        colour = PALETTE[s_i % len(PALETTE)]
        points = []
        for i, value in enumerate(vs):
            if value is None:
                continue
            x = _LEFT + slot * (i + 0.5)
            y = HEIGHT - _BOTTOM - plot_h * value / top
            points.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                        f"<title>{escape(f'{labels[i]} {name}: {_fmt(value)}')}</title>"
                        "</circle>")
        if len(points) > 1:
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                        f'points="{" ".join(points)}"/>')
    return _frame(title, body, list(series) if len(series) > 1 else [])
