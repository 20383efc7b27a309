"""The `alerting:` section of the operator YAML: rules, priorities, on-call, notifications.

Shipped runbook defaults (`vigil.alerting.defaults`) are merged in unless switched off;
an operator entry with the same name replaces the default one. Cross-references (users,
schedules, policies, receivers) and regexes are checked when the file is loaded, so a
bad file stops Vigil at start-up instead of at 3 a.m.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.alerting.durations import Duration
from vigil.alerting.matchers import parse_matchers
from vigil.core.severity import DEFAULT_PRIORITY_BY_SEVERITY
from vigil.core.types import Priority, Severity

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]*$")
Comparison = Literal[">", ">=", "<", "<=", "==", "!="]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _check_matchers(value: list[str]) -> list[str]:
    parse_matchers(value)
    return value


def _aware(value: datetime | None) -> datetime | None:
    """Reject times without a timezone: comparing them with the clock would crash later."""
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} needs a timezone, e.g. 2026-12-01T22:00:00Z")
    return value


def _reference_error(loc: tuple[str | int, ...], message: str) -> ValidationError:
    """A validation error located at the offending entry, so the loader names its line."""
    return ValidationError.from_exception_data("AlertingConfig", [InitErrorDetails(
        type=PydanticCustomError("reference", message), loc=loc, input=None)])


NoDataPolicy = Literal["keep_firing", "alerting", "resolve"]
"""What no samples means for a firing threshold alert (Grafana's "no data" state)."""


class ThresholdRuleConfig(_Strict):
    """Fire when the latest value of a matching series compares true against a threshold."""

    name: str
    metric: str
    selector: list[str] = Field(default_factory=list, description="matchers on series labels")
    op: Comparison = ">"
    threshold: float
    for_: Duration = Field(default=timedelta(0), alias="for")
    severity: Severity = Severity.WARNING
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    no_data: NoDataPolicy | None = Field(default=None, description=(
        "what a firing alert does when its series stops reporting: keep_firing, alerting "
        "(stays firing, marked no_data) or resolve; default keep_firing for P1, else resolve"))

    check_selector = field_validator("selector")(_check_matchers)


class AnomalyRuleConfig(_Strict):
    """Fire when a watched series has an open anomaly detection at or above a score/severity."""

    name: str
    metric: str | None = None
    selector: list[str] = Field(default_factory=list)
    min_score: float | None = None
    min_severity: Severity | None = Severity.WARNING
    lookback: Duration = timedelta(minutes=15)
    for_: Duration = Field(default=timedelta(0), alias="for")
    severity: Severity = Severity.WARNING
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    check_selector = field_validator("selector")(_check_matchers)


class PriorityRuleConfig(_Strict):
    """Alerts whose labels match get this priority (first matching rule wins)."""

    matchers: list[str]
    priority: Priority

    check_matchers = field_validator("matchers")(_check_matchers)


class PriorityConfig(_Strict):
    """Severity and labels to P1–P4: explicit rules first, then the severity table."""

    rules: list[PriorityRuleConfig] = Field(default_factory=list)
    by_severity: dict[Severity, Priority] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_BY_SEVERITY))


class PersonConfig(_Strict):
    """Someone who can be paged, with contact data."""

    name: str
    role: str = ""
    email: str = ""
    phone: str = ""
    slack: str = ""


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class WeeklyIntervalConfig(_Strict):
    """A recurring interval: on these weekdays from `start_time` to `end_time` (UTC, HH:MM).

    An end before the start wraps past midnight (22:00–02:00 covers the early next day).
    """

    weekdays: list[str] = Field(default_factory=lambda: list(_WEEKDAYS))
    start_time: str
    end_time: str

    @field_validator("weekdays")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        out = [d.strip().lower()[:3] for d in v]
        for d in out:
            if d not in _WEEKDAYS:
                raise ValueError(f"weekday {d!r} must be one of {', '.join(_WEEKDAYS)}")
        return out

    @field_validator("start_time", "end_time")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError(f"time {v!r} must be HH:MM (24 h, UTC)")
        return v


class LayerConfig(_Strict):
    """One rotation: users take turns of `rotation` length, handing off at `handoff_at`.

    With `restrict`, the layer covers only those weekdays and hours (e.g. business hours
    over a 24/7 layer below it).
    """

    users: list[str] = Field(min_length=1)
    handoff_at: datetime
    rotation: Duration = timedelta(days=7)
    restrict: WeeklyIntervalConfig | None = Field(
        default=None, description="only cover these weekdays/hours (UTC); else always")

    @field_validator("handoff_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("handoff_at needs a timezone, e.g. 2026-01-05T09:00:00Z")
        return v

    @field_validator("rotation")
    @classmethod
    def _positive(cls, v: timedelta) -> timedelta:
        if v <= timedelta(0):
            raise ValueError("rotation must be longer than zero")
        return v


class OverrideConfig(_Strict):
    """`user` is on call instead of the rotation between `start` and `end`."""

    user: str
    start: datetime
    end: datetime

    check_aware = field_validator("start", "end")(_aware)

    @model_validator(mode="after")
    def _span(self) -> OverrideConfig:
        if self.end <= self.start:
            raise ValueError(f"override for {self.user!r} must end after it starts")
        return self


class ScheduleConfig(_Strict):
    """An on-call schedule: layers (later layers take precedence) and overrides."""

    description: str = ""
    layers: list[LayerConfig] = Field(default_factory=list)
    overrides: list[OverrideConfig] = Field(default_factory=list)


class EscalationLevelConfig(_Strict):
    """Who to page at this level (`user:ID` or `schedule:ID`) and how long to wait for an ack."""

    targets: list[str] = Field(min_length=1)
    timeout: Duration

    @field_validator("targets")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        for t in v:
            kind, _, ident = t.partition(":")
            if kind not in ("user", "schedule") or not ident:
                raise ValueError(f"target {t!r} must be user:ID or schedule:ID")
        return v


class EscalationPolicyConfig(_Strict):
    """Ordered levels; after the last one the policy starts over `repeat` more times."""

    description: str = ""
    levels: list[EscalationLevelConfig] = Field(min_length=1)
    repeat: int = Field(default=1, ge=0)
    receiver: str | None = None


class EscalationRouteConfig(_Strict):
    """Alerts matching these label matchers escalate with `policy` (first match wins)."""

    matchers: list[str] = Field(default_factory=list)
    policy: str

    check_matchers = field_validator("matchers")(_check_matchers)


class ReceiverConfig(_Strict):
    """A notification channel."""

    type: Literal["webhook", "slack", "email", "alertmanager"]
    url: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    to: list[str] = Field(default_factory=list)
    from_addr: str = "vigil@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password_env: str = ""
    timeout: Duration = timedelta(seconds=10)
    send_resolved: bool = True

    @model_validator(mode="after")
    def _needs_url(self) -> ReceiverConfig:
        if self.type != "email" and not self.url:
            raise ValueError(f"a {self.type} receiver needs a url")
        if self.url:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _reference_error(("url",), f"receiver url {self.url!r} must be "
                                       "http:// or https:// with a host")
        return self


class RouteConfig(_Strict):
    """Alerts matching `matchers` go to `receiver`, grouped by `group_by`."""

    receiver: str
    matchers: list[str] = Field(default_factory=list)
    group_by: list[str] = Field(default_factory=lambda: ["alertname"])
    group_wait: Duration = timedelta(seconds=30)
    group_interval: Duration = timedelta(minutes=5)
    repeat_interval: Duration = timedelta(hours=4)
    continue_: bool = Field(default=False, alias="continue")

    check_matchers = field_validator("matchers")(_check_matchers)


class InhibitRuleConfig(_Strict):
    """While a source alert fires, target alerts with equal `equal` labels are muted."""

    source_matchers: list[str]
    target_matchers: list[str]
    equal: list[str] = Field(default_factory=list)

    check_matchers = field_validator("source_matchers", "target_matchers")(_check_matchers)


class MaintenanceWindowConfig(_Strict):
    """Planned work: matching alerts are muted (no notifications, no pages).

    Either a one-off window `[start, end)` or a recurring `weekly` interval (or both:
    the recurring interval then applies only between `start` and `end`).
    """

    name: str
    matchers: list[str] = Field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    weekly: WeeklyIntervalConfig | None = None
    comment: str = ""

    check_matchers = field_validator("matchers")(_check_matchers)
    check_aware = field_validator("start", "end")(_aware)

    @model_validator(mode="after")
    def _span(self) -> MaintenanceWindowConfig:
        if self.weekly is None and (self.start is None or self.end is None):
            raise ValueError(f"maintenance window {self.name!r} needs start and end, or weekly")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"maintenance window {self.name!r} must end after it starts")
        return self


class AlertingConfig(_Strict):
    """Everything alerting reads from the operator file; an empty section is valid."""

    use_defaults: bool = True
    evaluation_interval: Duration = timedelta(seconds=30)
    stale_after: Duration = timedelta(minutes=10)
    no_data_horizon: Duration = Field(default=timedelta(hours=1), description=(
        "a series of a rule's metric that reported within this horizon but not within "
        "stale_after raises VigilNoData; 0 turns VigilNoData off"))
    rules: list[ThresholdRuleConfig] = Field(default_factory=list)
    anomaly_rules: list[AnomalyRuleConfig] = Field(default_factory=list)
    priorities: PriorityConfig | None = None
    people: dict[str, PersonConfig] = Field(default_factory=dict)
    schedules: dict[str, ScheduleConfig] = Field(default_factory=dict)
    escalation_policies: dict[str, EscalationPolicyConfig] = Field(default_factory=dict)
    escalation_routes: list[EscalationRouteConfig] | None = None
    receivers: dict[str, ReceiverConfig] = Field(default_factory=dict)
    routes: list[RouteConfig] = Field(default_factory=list)
    inhibit_rules: list[InhibitRuleConfig] | None = None
    maintenance_windows: list[MaintenanceWindowConfig] = Field(default_factory=list)
    external_url: str = "http://localhost:8000"

    @model_validator(mode="before")
    @classmethod
    def _merge_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("use_defaults", True) is False:
            return data
        from vigil.alerting.defaults import DEFAULTS

        merged = dict(data)
        for key in ("rules", "anomaly_rules"):
            own = list(data.get(key) or [])
            names = {r.get("name") for r in own if isinstance(r, dict)}
            # The operator's own entries first, so error locations match the file.
            merged[key] = own + [r for r in DEFAULTS[key] if r["name"] not in names]
        for key in ("people", "schedules", "escalation_policies"):
            merged[key] = {**DEFAULTS[key], **(data.get(key) or {})}
        for key in ("priorities", "escalation_routes", "inhibit_rules"):
            if data.get(key) is None:
                merged[key] = DEFAULTS[key]
        return merged

    @model_validator(mode="after")
    def _check_references(self) -> AlertingConfig:
        seen: set[str] = set()
        rules: list[tuple[str, int, ThresholdRuleConfig | AnomalyRuleConfig]] = [
            *(("rules", i, r) for i, r in enumerate(self.rules)),
            *(("anomaly_rules", i, r) for i, r in enumerate(self.anomaly_rules))]
        for section, index, rule in rules:
            if not _NAME.match(rule.name):
                raise _reference_error((section, index, "name"),
                                       f"rule name {rule.name!r} must be an identifier")
            key = f"{rule.name}/{rule.severity.value}"
            if key in seen:
                raise _reference_error((section, index, "name"),
                                       f"rule {rule.name!r} with severity "
                                       f"{rule.severity.value} is defined twice")
            seen.add(key)
        for sid, sched in self.schedules.items():
            for li, layer in enumerate(sched.layers):
                for ui, user in enumerate(layer.users):
                    if user not in self.people:
                        raise _reference_error(("schedules", sid, "layers", li, "users", ui),
                                               f"schedule {sid!r} names unknown user {user!r}")
            for oi, override in enumerate(sched.overrides):
                if override.user not in self.people:
                    raise _reference_error(("schedules", sid, "overrides", oi, "user"),
                                           f"schedule {sid!r} names unknown user "
                                           f"{override.user!r}")
        for pid, policy in self.escalation_policies.items():
            if policy.receiver and policy.receiver not in self.receivers:
                raise _reference_error(("escalation_policies", pid, "receiver"),
                                       f"escalation policy {pid!r} names unknown receiver "
                                       f"{policy.receiver!r}")
            for li, level in enumerate(policy.levels):
                for ti, target in enumerate(level.targets):
                    kind, _, ident = target.partition(":")
                    pool = self.people if kind == "user" else self.schedules
                    if ident not in pool:
                        raise _reference_error(
                            ("escalation_policies", pid, "levels", li, "targets", ti),
                            f"escalation policy {pid!r} names unknown {kind} {ident!r}")
        for ei, esc in enumerate(self.escalation_routes or []):
            if esc.policy not in self.escalation_policies:
                raise _reference_error(("escalation_routes", ei, "policy"),
                                       f"escalation route names unknown policy {esc.policy!r}")
        for ri, route in enumerate(self.routes):
            if route.receiver not in self.receivers:
                raise _reference_error(("routes", ri, "receiver"),
                                       f"route names unknown receiver {route.receiver!r}")
        return self
