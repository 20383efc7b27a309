"""How report numbers are written for people: durations, shares, counts."""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    """`3134.6` → `52m 15s`; `None` → `–`."""
    if seconds is None:
        return "–"
    s = round(seconds)
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def percent(value: float | None) -> str:
    """`0.8487` → `84.9%`; `None` → `–`."""
    return "–" if value is None else f"{value * 100:.1f}%"


def number(value: float | int | None) -> str:
    """Counts as integers with thousands separators, other numbers to 3 significant digits."""
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"
