"""Build a daily or weekly report: the analytics sections of its period, as JSON data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vigil.config import OperatorConfig, Settings
from vigil.services.reports.health import health_section
from vigil.services.reports.periods import Period, PeriodError
from vigil.services.reports.sections import (
    SECTIONS,
    capacity_section,
    incidents_section,
    noise_section,
    period_incidents,
    quality_section,
    security_section,
    trend_weeks,
)
from vigil.storage.database import Database

REPORT_VERSION = 1


def build_report(db: Database, settings: Settings, config: OperatorConfig, period: Period,
                 now: datetime | None = None) -> dict[str, Any]:
    """The report of a period: health (daily), incidents, noise, quality, security, capacity.

    The weekly report adds trends over `analytics.trend_weeks` weeks to the incident and
    model-quality sections.
    """
    now = now or datetime.now(UTC)
    cfg = config.analytics
    trend = trend_weeks(period, cfg.trend_weeks) if period.kind == "weekly" else []
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "kind": period.kind,
        "title": f"Vigil {period.kind} report, {period.label}",
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                   "label": period.label},
        "generated_at": now.isoformat(),
        "base_url": settings.external_url.rstrip("/"),
    }
    if period.kind == "daily":
        report["health"] = health_section(db, settings, now)
    incidents = period_incidents(db, period)
    report["incidents"] = incidents_section(db, cfg, period, now, trend, incidents)
    report["noise"] = noise_section(db, config, period, incidents)
    report["quality"] = quality_section(db, cfg, period, trend)
    report["security"] = security_section(db, period, cfg.top)
    report["capacity"] = capacity_section(db, period, now)
    return report


def build_section(db: Database, settings: Settings, config: OperatorConfig, section: str,
                  period: Period, now: datetime | None = None) -> dict[str, Any]:
    """One analytics section over any period (the `/api/v1/analytics/{section}` answer)."""
    now = now or datetime.now(UTC)
    cfg = config.analytics
    if section == "health":
        return health_section(db, settings, now)
    if section not in SECTIONS:
        raise PeriodError(f"unknown analytics section {section!r}: use "
                          f"{', '.join(('health', *SECTIONS))}")
    if period.end <= period.start:
        raise PeriodError("end must be after start")
    if section == "incidents":
        return incidents_section(db, cfg, period, now)
    if section == "noise":
        return noise_section(db, config, period)
    if section == "quality":
        return quality_section(db, cfg, period)
    if section == "security":
        return security_section(db, period, cfg.top)
    return capacity_section(db, period, now)
