"""Finding trends by severity, chart SVG and the renderers' contracts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from vigil.analytics.charts import bar_chart, grouped_bar_chart, line_chart
from vigil.analytics.formatting import duration, percent
from vigil.analytics.security import FindingSpan, finding_trends

START = datetime(2026, 11, 23, tzinfo=UTC)
END = START + timedelta(days=7)


def test_new_fixed_open_and_mean_time_to_fix_by_severity() -> None:
    spans = [
        FindingSpan("CRITICAL", START + timedelta(days=1), START + timedelta(days=2)),  # new+fixed
        FindingSpan("CRITICAL", START - timedelta(days=3), START + timedelta(days=1)),  # fixed
        FindingSpan("CRITICAL", START - timedelta(days=30), None),                      # open
        FindingSpan("high", START + timedelta(days=6), None),                           # new, open
        FindingSpan("LOW", START - timedelta(days=1), END + timedelta(days=1)),         # open
        FindingSpan("weird", START + timedelta(days=1), None),                          # UNKNOWN
    ]
    rows = {t.severity: t for t in finding_trends(spans, START, END)}
    assert list(rows) == ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
    crit = rows["CRITICAL"]
    assert (crit.new, crit.fixed, crit.open) == (1, 2, 1)
    # fixed after 1 day and after 4 days: mean 2.5 days
    assert crit.mean_time_to_fix == pytest.approx(2.5 * 86400)
    assert (rows["HIGH"].new, rows["HIGH"].open) == (1, 1)
    assert (rows["LOW"].new, rows["LOW"].fixed, rows["LOW"].open) == (0, 0, 1)
    assert rows["MEDIUM"].mean_time_to_fix is None
    assert rows["UNKNOWN"].new == 1


def test_charts_are_inline_svg_without_external_references() -> None:
    bars = bar_chart("Alerts per priority", {"P1": 3, "P2": 0, "P3": 12, "P4": None})
    assert bars.startswith("<svg") and bars.endswith("</svg>")
    assert len(re.findall(r"<rect ", bars)) == 3  # None draws no bar
    grouped = grouped_bar_chart("Findings", ["CRITICAL", "HIGH"], {"new": [1, 2],
                                                                    "fixed": [0, 3]})
    assert "new" in grouped and "fixed" in grouped and grouped.count("<rect ") >= 4
    lines = line_chart("MTTA", ["w1", "w2", "w3"], {"p50": [1.0, None, 3.0]})
    assert lines.count("<circle") == 2 and "<polyline" in lines
    for svg in (bars, grouped, lines):
        assert "http" not in svg and "<script" not in svg


def test_number_formatting() -> None:
    assert duration(3134.6) == "52m 15s"
    assert duration(90_000) == "1d 1h"
    assert duration(None) == "–"
    assert percent(0.8487) == "84.9%"
