"""The latest write-back values in the Prometheus text exposition format (for scraping)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from vigil.sources.writeback import ANOMALY, LOWER, SCORE, UPPER

HELP = {
    SCORE: "Vigil's anomaly score in [0, 1] of a source series at its newest scored point.",
    LOWER: "Lower edge of the band Vigil expected the source series in.",
    UPPER: "Upper edge of the band Vigil expected the source series in.",
    ANOMALY: "1 when Vigil stored the source series' newest point as an anomaly, else 0.",
}

LatestValue = tuple[dict[str, str], int, float]
"""(labels without __name__, timestamp ms, value)."""


def escape_label_value(value: str) -> str:
    """Escape a label value for the text format (backslash, quote, newline)."""
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def format_value(value: float) -> str:
    """A sample value as the text format writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def render(latest: Mapping[str, Iterable[LatestValue]]) -> str:
    """Text exposition of the latest values per metric name, with HELP and TYPE lines."""
    lines: list[str] = []
    for metric in (SCORE, LOWER, UPPER, ANOMALY):
        values = list(latest.get(metric, ()))
        if not values:
            continue
        lines.append(f"# HELP {metric} {HELP[metric]}")
        lines.append(f"# TYPE {metric} gauge")
        for labels, ts_ms, value in sorted(values, key=lambda v: sorted(v[0].items())):
            body = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in sorted(labels.items()))
            lines.append(f"{metric}{{{body}}} {format_value(value)} {ts_ms}")
    return "\n".join(lines) + ("\n" if lines else "")
