"""The `analytics:` section of the operator YAML: business hours, response targets, reports.

    analytics:
      business_hours:
        timezone: Europe/Berlin      # IANA zone the business day is counted in
        start: "09:00"
        end: "17:00"
        days: [mon, tue, wed, thu, fri]
        holidays: ["2026-12-25"]     # dates (local) that are not business days
      response_targets:               # the runbook's targets (P4: next business day)
        P1: 5m
        P2: 30m
        P3: 2h
        P4: next_business_day
      flapping_window: 5m            # resolved this soon, never acknowledged = flapping
      top: 10                        # rows in the "noisiest" tables
      default_alert_budget: 3        # anomalies/series/week where no watch rule sets a budget
      trend_weeks: 8                 # weeks shown in the weekly report's trend charts
      data_quality_threshold: 0.8    # series scoring below count as low data quality
      reports:
        daily: true                  # write the daily report every day at `daily_at` (UTC)
        weekly: true                 # and the weekly one on Mondays
        daily_at: "06:00"
        receiver: ops-slack          # a name from alerting.receivers (slack, webhook, email)
        keep: 90                     # report runs kept per kind
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vigil.alerting.durations import Duration

NEXT_BUSINESS_DAY = "next_business_day"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WORKWEEK: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _clock(value: object) -> time:
    """`HH:MM` (24 h) as a time; `24:00` is not accepted (use 23:59)."""
    if isinstance(value, time):
        return value
    match = _CLOCK.match(str(value).strip())
    if match is None:
        raise ValueError(f"invalid time {value!r}: use HH:MM, e.g. 09:00")
    return time(int(match.group(1)), int(match.group(2)))


class BusinessHoursConfig(_Strict):
    """When people are at work: a time zone, opening hours, weekdays and holidays."""

    timezone: str = "UTC"
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: list[Weekday] = Field(default_factory=lambda: list(_WORKWEEK))
    holidays: list[date] = Field(default_factory=list)

    _parse_start = field_validator("start", "end", mode="before")(_clock)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as "
                             "Europe/Berlin or UTC") from None
        return value

    @model_validator(mode="after")
    def _sane(self) -> BusinessHoursConfig:
        if self.start.minute % 15 or self.end.minute % 15:
            raise ValueError("business_hours.start and end fall on the quarter-hour "
                             "(e.g. 09:00, 17:30): pages are counted per quarter-hour")
        if self.start >= self.end:
            raise ValueError("business_hours.start must be before business_hours.end")
        if not self.days:
            raise ValueError("business_hours.days must name at least one weekday")
        return self

    @property
    def weekday_numbers(self) -> frozenset[int]:
        """The business weekdays as `date.weekday()` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.days)


def _target(value: object) -> timedelta | str:
    if isinstance(value, str) and value.strip() == NEXT_BUSINESS_DAY:
        return NEXT_BUSINESS_DAY
    from vigil.alerting.durations import parse_duration

    return parse_duration(value)


class ResponseTargetsConfig(_Strict):
    """The acknowledgement target per priority: a duration or `next_business_day`."""

    P1: timedelta | str = timedelta(minutes=5)
    P2: timedelta | str = timedelta(minutes=30)
    P3: timedelta | str = timedelta(hours=2)
    P4: timedelta | str = NEXT_BUSINESS_DAY

    _parse = field_validator("P1", "P2", "P3", "P4", mode="before")(_target)

    def of(self, priority: str) -> timedelta | str:
        """The target of a priority (`P1`…`P4`)."""
        value: timedelta | str = getattr(self, priority)
        return value


class ReportsConfig(_Strict):
    """The scheduled report job: which reports, when, kept how long, sent where."""

    daily: bool = True
    weekly: bool = True
    daily_at: time = time(6, 0)
    receiver: str | None = None
    keep: int = Field(default=90, ge=1)

    _parse_at = field_validator("daily_at", mode="before")(_clock)


class AnalyticsConfig(_Strict):
    """Everything the Analytics Engine reads from the operator YAML."""

    business_hours: BusinessHoursConfig = Field(default_factory=BusinessHoursConfig)
    response_targets: ResponseTargetsConfig = Field(default_factory=ResponseTargetsConfig)
    flapping_window: Duration = timedelta(minutes=5)
    top: int = Field(default=10, ge=1, le=1000)
    default_alert_budget: float = Field(default=3.0, gt=0)
    trend_weeks: int = Field(default=8, ge=1, le=104)
    data_quality_threshold: float = Field(default=0.8, ge=0, le=1)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
