"""Durations as operators write them: `30s`, `15m`, `2h`, `1h30m`, `1d`, or plain seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """Parse a duration; raise ValueError naming the accepted forms."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("duration must be like 30s, 15m, 2h, 1h30m, 1d")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("duration must not be negative")
        try:
            return timedelta(seconds=float(value))
        except OverflowError:
            raise ValueError(f"duration {value!r} is too long") from None
    text = str(value).strip()
    pos, total = 0, 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"invalid duration {text!r}: use forms like 30s, 15m, 2h, 1h30m, 1d")
    try:
        return timedelta(seconds=total)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None


def format_duration(value: timedelta) -> str:
    """Short text of a duration, e.g. `1h30m`."""
    secs = int(value.total_seconds())
    if secs == 0:
        return "0s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if secs >= size:
            out += f"{secs // size}{unit}"
            secs %= size
    return out


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
