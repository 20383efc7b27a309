"""The analytics sections of a period, computed from storage: one function per family.

Each returns JSON-ready data with an `href`: the `/api/v1/analytics/...` query that
produces the same section, so every number of a report links to where it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from vigil.analytics.business_hours import BusinessCalendar
from vigil.analytics.config import AnalyticsConfig
from vigil.analytics.incidents import (
    PRIORITIES,
    Incident,
    IncidentStats,
    PageRecord,
    after_hours_pages,
    iso_week,
    pages_per_person,
)
from vigil.analytics.noise import is_flapping, noisiest, over_budget
from vigil.analytics.security import FindingSpan, finding_trends
from vigil.analytics.stats import share
from vigil.analytics.trends import Timings, grouped_window_stats, weekly_stats
from vigil.config import OperatorConfig
from vigil.detection.config import DetectionConfig
from vigil.security.trend import finding_trend
from vigil.services.reports.periods import Period
from vigil.storage import analytics_repo, predictions_repo, security_repo
from vigil.storage.database import Database

SECTIONS = ("incidents", "noise", "quality", "security", "capacity")
_HIDDEN_LABELS = frozenset({"alertname", "severity", "priority"})


def section_href(section: str, period: Period) -> str:
    """The API query of one section over a period."""
    query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return f"/api/v1/analytics/{section}?{query}"


def _source(labels: dict[str, str], rule: str) -> str:
    """What an alert is about: its rule and identifying labels, `Rule{k="v",...}`."""
    shown = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k not in _HIDDEN_LABELS)
    return f"{rule}{{{shown}}}"


def period_incidents(db: Database, period: Period) -> list[Incident]:
    """The incidents (alerts that fired) of a period, with service and source."""
    return _incidents(db, period.start, period.end)


def _incidents(db: Database, start: datetime, end: datetime) -> list[Incident]:
    with db.session() as s:
        rows = analytics_repo.fired_alerts(s, start, end)
    return [Incident(r.id, r.rule, r.priority,
                     r.labels.get("service") or r.labels.get("job") or "(none)",
                     _source(r.labels, r.rule), r.fired_at, r.acknowledged_at, r.resolved_at)
            for r in rows]


def _pages(db: Database, start: datetime, end: datetime
           ) -> tuple[list[PageRecord], dict[int, int]]:
    """Pages of a period, counted per quarter-hour, level and person; and the alerts that
    reached each escalation level."""
    with db.session() as s:
        counts, levels = analytics_repo.page_counts(s, start, end)
    return [PageRecord(0, c.bucket, c.level, c.people, c.count) for c in counts], levels


def _stats(stats: IncidentStats) -> dict[str, Any]:
    out = asdict(stats)
    for key in ("mtta_p50", "mtta_p90", "mttr_p50", "mttr_p90", "target_share"):
        if out[key] is not None:
            out[key] = round(out[key], 4 if key == "target_share" else 1)
    return out


def incidents_section(db: Database, cfg: AnalyticsConfig, period: Period, now: datetime,
                      trend: Iterable[Period] = (),
                      incidents: list[Incident] | None = None) -> dict[str, Any]:
    """MTTA/MTTR, response targets, escalation, pages: per priority, service and week.

    `incidents` may pass the period's incidents when the caller already read them.
    """
    calendar = BusinessCalendar.from_config(cfg.business_hours)
    targets = cfg.response_targets
    if incidents is None:
        incidents = _incidents(db, period.start, period.end)
    pages, levels = _pages(db, period.start, period.end)
    total, by_priority = grouped_window_stats(incidents, lambda i: i.priority, targets,
                                              calendar, now.timestamp())
    _, by_service = grouped_window_stats(incidents, lambda i: i.service, targets, calendar,
                                         now.timestamp())
    late = after_hours_pages(pages, calendar)
    weeks: dict[str, Any] = {}
    trend = list(trend)
    if trend:
        with db.session() as s:
            rows = analytics_repo.alert_timings(s, trend[0].start, trend[-1].end)
        windows = [(w.label, w.start.timestamp(), w.end.timestamp()) for w in trend]
        weeks = {label: _stats(st) for label, st in weekly_stats(
            Timings.from_rows(rows), windows, targets, calendar, now.timestamp()).items()}
    return {
        "href": section_href("incidents", period),
        "targets": {p: (t if isinstance(t, str) else t.total_seconds())
                    for p in PRIORITIES for t in [targets.of(p)]},
        "total": _stats(total),
        "by_priority": {p: _stats(by_priority[p]) for p in PRIORITIES if p in by_priority},
        "by_service": {k: _stats(v) for k, v in by_service.items()},
        "by_week": weeks or {k: _stats(v) for k, v in grouped_window_stats(
            incidents, lambda i: iso_week(i.fired_at), targets, calendar,
            now.timestamp())[1].items()},
        "escalation_levels": {str(k): levels[k] for k in sorted(levels)},
        "pages": late.total,
        "pages_per_person": pages_per_person(pages),
        "after_hours": {"pages": late.pages, "share": share(late.pages, late.total),
                        "per_person": late.per_person},
        "business_hours": {"timezone": cfg.business_hours.timezone,
                           "start": cfg.business_hours.start.strftime("%H:%M"),
                           "end": cfg.business_hours.end.strftime("%H:%M"),
                           "days": list(cfg.business_hours.days)},
    }


def _budget_of(detection: DetectionConfig,
               default: float) -> Callable[[str, dict[str, str]], float]:
    """Anomalies per week a series may have: its watch rule's budget, else the default."""
    def budget(name: str, labels: dict[str, str]) -> float:
        rule = detection.rule_for(name, labels)
        if rule is not None and rule.alert_budget_per_week is not None:
            return float(rule.alert_budget_per_week)
        return default
    return budget


def noise_section(db: Database, config: OperatorConfig, period: Period,
                  incidents: list[Incident] | None = None) -> dict[str, Any]:
    """Noisiest rules and alert sources (with flapping), anomalies against the budget."""
    cfg = config.analytics
    if incidents is None:
        incidents = _incidents(db, period.start, period.end)
    weeks = period.days / 7
    window = cfg.flapping_window
    budget_of = _budget_of(config.detection, cfg.default_alert_budget)
    budgets = [w.alert_budget_per_week for w in config.detection.watch
               if w.alert_budget_per_week is not None]
    lowest = min([cfg.default_alert_budget, *budgets]) * weeks
    with db.session() as s:
        heavy = analytics_repo.anomalies_per_series(s, period.start, period.end, int(lowest))
        total = analytics_repo.count_anomalies(s, period.start, period.end)
        by_severity = analytics_repo.anomalies_by_severity(s, period.start, period.end)
    rows = over_budget([(sid, _series_name(name, labels), period.label, n,
                         budget_of(name, labels) * weeks) for sid, name, labels, n in heavy],
                       len(heavy))
    flapping = sum(1 for i in incidents if is_flapping(i, window))
    return {
        "href": section_href("noise", period),
        "alerts": len(incidents),
        "flapping": flapping,
        "flapping_share": share(flapping, len(incidents)),
        "flapping_window_seconds": window.total_seconds(),
        "rules": [asdict(r) for r in noisiest(incidents, lambda i: i.rule, weeks, window,
                                              cfg.top)],
        "sources": [asdict(r) for r in noisiest(incidents, lambda i: i.source, weeks, window,
                                                cfg.top)],
        "anomalies": total,
        "anomalies_by_severity": by_severity,
        "series_over_budget": len(rows),
        "over_budget": [asdict(r) for r in rows[:cfg.top]],
        "budget_note": f"budget per series pro-rated to {period.days:g} days",
    }


def _series_name(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def quality_section(db: Database, cfg: AnalyticsConfig, period: Period,
                    trend: Iterable[Period] = ()) -> dict[str, Any]:
    """Model quality over time from feedback (accuracy, false-positive rate) and the
    latest data-quality scores."""
    windows = list(trend) or [period]
    width = (windows[0].end - windows[0].start).total_seconds()
    weeks = []
    with db.session() as s:
        anomalies = analytics_repo.anomalies_per_window(s, windows[0].start, width,
                                                        len(windows))
        verdicts = analytics_repo.feedback_per_window(s, windows[0].start, width, len(windows))
        versions = analytics_repo.model_versions_per_window(s, windows[0].start, width,
                                                            len(windows))
        for w, n, (true, false), (trained, promoted) in zip(windows, anomalies, verdicts,
                                                            versions, strict=True):
            weeks.append({"period": w.label, "anomalies": n, "labelled": true + false,
                          "true_positives": true, "false_positives": false,
                          "accuracy": share(true, true + false),
                          "false_positive_rate": share(false, true + false),
                          "models_trained": trained, "models_promoted": promoted})
        scored, mean_score, low = analytics_repo.data_quality_summary(
            s, cfg.data_quality_threshold)
    return {
        "href": section_href("quality", period),
        "over_time": weeks,
        "data_quality": {"series_scored": scored,
                         "mean_score": None if mean_score is None else round(mean_score, 4),
                         "below_threshold": low, "threshold": cfg.data_quality_threshold},
    }


def security_section(db: Database, period: Period, top: int) -> dict[str, Any]:
    """Findings new/fixed/open by severity with mean time to fix; threats by type/source."""
    with db.session() as s:
        spans = [FindingSpan(sev, first, fixed) for sev, first, fixed in
                 security_repo.finding_lifetimes(s, target=None, since=period.start,
                                                 until=period.end)]
        by_type = analytics_repo.threat_counts(s, period.start, period.end, "type")
        by_source = analytics_repo.threat_counts(s, period.start, period.end, "source")
        by_ip = analytics_repo.threat_counts(s, period.start, period.end, "source_ip")
    trends = finding_trends(spans, period.start, period.end)
    days = int(period.days)
    by_day = []
    if days >= 2:  # the scanner's own per-day trend (vuln_scans.findings_trend), reused
        by_day = [d.as_dict() for d in finding_trend(
            [(f.severity, f.first_seen, f.fixed_at) for f in spans],
            period.start.astimezone(UTC).date(), days)]
    return {
        "href": section_href("security", period),
        "findings": [{**asdict(t), "mean_time_to_fix": None if t.mean_time_to_fix is None
                      else round(t.mean_time_to_fix, 1)} for t in trends],
        "by_day": by_day,
        "threats": sum(by_type.values()),
        "threats_by_type": by_type,
        "threats_by_source": by_source,
        "top_source_ips": dict(list(by_ip.items())[:top]),
    }


def capacity_section(db: Database, period: Period, now: datetime) -> dict[str, Any]:
    """Predicted breaches active now, and the autoscaling recommendations of the period."""
    with db.session() as s:
        predictions = predictions_repo.active_predictions(s, now.timestamp())
        scaling = analytics_repo.scaling_summary(s, period.start.timestamp(),
                                                 period.end.timestamp())
    breaches = sorted((p for p in predictions if p.active),
                      key=lambda p: (p.seconds_to_breach is None, p.seconds_to_breach or 0))
    return {
        "href": section_href("capacity", period),
        "predicted_breaches": [
            {"target": p.target, "series_id": p.series_id, "priority": p.priority,
             "probability": round(p.probability, 3),
             "seconds_to_breach": p.seconds_to_breach,
             "breach_at": None if p.seconds_to_breach is None else
             datetime.fromtimestamp(p.computed_at + p.seconds_to_breach, UTC).isoformat()}
            for p in breaches],
        "scaling": [{"target": t, "recommendations": n, "min_replicas": lo, "max_replicas": hi,
                     "last_replicas": last, "fallbacks": fb}
                    for t, n, lo, hi, last, fb in scaling],
    }


def trend_weeks(period: Period, weeks: int) -> list[Period]:
    """The `weeks` ISO weeks ending with the period's week, oldest first."""
    out = []
    for back in range(weeks - 1, -1, -1):
        start = period.start - timedelta(weeks=back)
        year, number, _ = start.date().isocalendar()
        out.append(Period("weekly", start, start + timedelta(weeks=1), f"{year}-W{number:02d}"))
    return out
