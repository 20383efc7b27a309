"""Security trends: new, fixed and open findings by severity; mean time to fix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from vigil.analytics.stats import mean
from vigil.core.severity import VULN_LEVELS

SEVERITY_ORDER = tuple(reversed(VULN_LEVELS))  # CRITICAL first


@dataclass(frozen=True)
class FindingSpan:
    """When a finding was first seen and fixed (None: still open), and its severity."""

    severity: str
    first_seen: datetime
    fixed_at: datetime | None


@dataclass(frozen=True)
class FindingTrend:
    """One severity's findings in a period: new, fixed, open at its end, mean time to fix."""

    severity: str
    new: int
    fixed: int
    open: int
    mean_time_to_fix: float | None


def finding_trends(findings: Iterable[FindingSpan], start: datetime,
                   end: datetime) -> list[FindingTrend]:
    """Per severity (CRITICAL first): new = first seen in [start, end), fixed = fixed in
    [start, end), open = seen before `end` and not fixed by then; mean time to fix over the
    findings fixed in the period (seconds)."""
    new: dict[str, int] = defaultdict(int)
    fixed: dict[str, list[float]] = defaultdict(list)
    still_open: dict[str, int] = defaultdict(int)
    for f in findings:
        sev = f.severity.upper() if f.severity.upper() in VULN_LEVELS else "UNKNOWN"
        if start <= f.first_seen < end:
            new[sev] += 1
        if f.fixed_at is not None and start <= f.fixed_at < end:
            fixed[sev].append((f.fixed_at - f.first_seen).total_seconds())
        if f.first_seen < end and (f.fixed_at is None or f.fixed_at >= end):
            still_open[sev] += 1
    return [FindingTrend(sev, new[sev], len(fixed[sev]), still_open[sev], mean(fixed[sev]))
            for sev in SEVERITY_ORDER]
