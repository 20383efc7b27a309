"""Incident metrics: MTTA/MTTR percentiles, response targets met, escalation and pages.

Inputs are plain records read by the service (one per alert that fired, one per page
sent); every function here is pure, so the numbers can be checked against timelines
computed by hand.

Definitions (docs/analytics.md):
- time to acknowledge (TTA) = acknowledged_at − fired_at, over acknowledged alerts;
- time to resolve (TTR) = resolved_at − fired_at, over resolved alerts;
- an alert *responded* at its acknowledgement, or at its resolution when it resolved
  before anyone acknowledged it; it met its target when it responded by the deadline
  (fired_at + target, or the close of the next business day for `next_business_day`);
  an alert with no response yet is *pending* until the deadline passes, then *missed*.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from vigil.analytics.business_hours import BusinessCalendar
from vigil.analytics.config import NEXT_BUSINESS_DAY, ResponseTargetsConfig
from vigil.analytics.stats import percentile, share

PRIORITIES = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True)
class Incident:
    """One alert that fired: when it fired, was acknowledged and resolved."""

    alert_id: int
    rule: str
    priority: str
    service: str
    source: str
    fired_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def tta(self) -> float | None:
        """Seconds from firing to acknowledgement (None if never acknowledged)."""
        if self.acknowledged_at is None:
            return None
        return max(0.0, (self.acknowledged_at - self.fired_at).total_seconds())

    @property
    def ttr(self) -> float | None:
        """Seconds from firing to resolution (None if still open)."""
        if self.resolved_at is None:
            return None
        return max(0.0, (self.resolved_at - self.fired_at).total_seconds())

    @property
    def responded_at(self) -> datetime | None:
        """The acknowledgement, or the resolution when that came first."""
        times = [t for t in (self.acknowledged_at, self.resolved_at) if t is not None]
        return min(times) if times else None


@dataclass(frozen=True)
class PageRecord:
    """One page of an escalation: which alert, when, which level, who was paged.

    `count` > 1 stands for that many pages of the same level to the same people within
    one quarter-hour starting at `at` (`alert_id` 0): what the service reads when it
    counts pages in SQL instead of reading each one.
    """

    alert_id: int
    at: datetime
    level: int
    people: tuple[str, ...]
    count: int = 1


def deadline(incident: Incident, targets: ResponseTargetsConfig,
             calendar: BusinessCalendar) -> datetime:
    """When the incident must have been responded to, by its priority's target."""
    target = targets.of(incident.priority if incident.priority in PRIORITIES else "P3")
    if target == NEXT_BUSINESS_DAY or isinstance(target, str):
        return calendar.next_business_day_deadline(incident.fired_at)
    return incident.fired_at + target


def target_outcome(incident: Incident, targets: ResponseTargetsConfig,
                   calendar: BusinessCalendar, now: datetime) -> str:
    """`met`, `missed` or `pending` (no response yet, deadline still ahead)."""
    due = deadline(incident, targets, calendar)
    responded = incident.responded_at
    if responded is not None:
        return "met" if responded <= due else "missed"
    return "pending" if now <= due else "missed"


@dataclass
class IncidentStats:
    """The incident numbers of one group (a priority, a service, a week, or all)."""

    alerts: int = 0
    acknowledged: int = 0
    resolved: int = 0
    mtta_p50: float | None = None
    mtta_p90: float | None = None
    mttr_p50: float | None = None
    mttr_p90: float | None = None
    targets_met: int = 0
    targets_missed: int = 0
    targets_pending: int = 0
    target_share: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)


def stats_of(incidents: Sequence[Incident], targets: ResponseTargetsConfig,
             calendar: BusinessCalendar, now: datetime) -> IncidentStats:
    """MTTA/MTTR p50/p90 and the response targets met, for one group of incidents.

    The target share counts decided alerts only: met ÷ (met + missed).
    """
    ttas = [t for t in (i.tta for i in incidents) if t is not None]
    ttrs = [t for t in (i.ttr for i in incidents) if t is not None]
    outcomes = Counter(target_outcome(i, targets, calendar, now) for i in incidents)
    met, missed = outcomes.get("met", 0), outcomes.get("missed", 0)
    return IncidentStats(
        alerts=len(incidents), acknowledged=len(ttas), resolved=len(ttrs),
        mtta_p50=percentile(ttas, 50), mtta_p90=percentile(ttas, 90),
        mttr_p50=percentile(ttrs, 50), mttr_p90=percentile(ttrs, 90),
        targets_met=met, targets_missed=missed, targets_pending=outcomes.get("pending", 0),
        target_share=share(met, met + missed), outcomes=dict(outcomes))


def grouped_stats(incidents: Iterable[Incident], key: Callable[[Incident], str],
                  targets: ResponseTargetsConfig, calendar: BusinessCalendar,
                  now: datetime) -> dict[str, IncidentStats]:
    """`stats_of` per group, groups in sorted order."""
    groups: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        groups[key(incident)].append(incident)
    return {name: stats_of(groups[name], targets, calendar, now) for name in sorted(groups)}


def iso_week(at: datetime) -> str:
    """The ISO week of an instant (in UTC), as `2026-W49`."""
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def pages_per_person(pages: Iterable[PageRecord]) -> dict[str, int]:
    """Pages received per on-call person, most paged first."""
    counts: dict[str, int] = defaultdict(int)
    for page in pages:
        for person in page.people:
            counts[person] += page.count
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class AfterHours:
    """Pages outside business hours: how many, of how many, and per person."""

    pages: int
    total: int
    per_person: dict[str, int]


def after_hours_pages(pages: Sequence[PageRecord], calendar: BusinessCalendar) -> AfterHours:
    """Count the pages sent outside business hours (evenings, nights, weekends, holidays)."""
    late = [p for p in pages if not calendar.is_business_time(p.at)]
    return AfterHours(sum(p.count for p in late), sum(p.count for p in pages),
                      pages_per_person(late))


def week_start(at: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week containing `at`."""
    day = at.date() - timedelta(days=at.weekday())
    return datetime(day.year, day.month, day.day, tzinfo=at.tzinfo)
