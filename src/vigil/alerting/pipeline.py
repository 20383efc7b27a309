"""The notification pipeline, modelled on Alertmanager's: small named stages, one method each.

inhibit → time intervals/maintenance → silence → wait → dedup → notify (with retry) → record.
Each stage takes the group's context and its notices and returns the notices that go on;
an empty list stops the pipeline. Stages get everything they need passed in (mute sets,
the last notification-log entry, a send function, a record function), so each one can be
tested alone and the pipeline stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from vigil.alerting.retry import RetryOutcome, RetryPolicy, with_retry


@dataclass(frozen=True)
class Notice:
    """One alert as a notifier sees it."""

    alert_id: int
    fingerprint: str
    status: str  # "firing" or "resolved"
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: datetime
    ends_at: datetime | None
    priority: str
    generator_url: str = ""


@dataclass(frozen=True)
class LogEntry:
    """The last successful notification of a group to a receiver (the dedup memory)."""

    sent_at: datetime
    firing: frozenset[str]


@dataclass
class Context:
    """What the stages know about the group being notified."""

    receiver: str
    group_key: str
    now: datetime
    kind: str = "group"
    group_wait: timedelta = timedelta(0)
    group_interval: timedelta = timedelta(0)
    repeat_interval: timedelta = timedelta(hours=4)
    send_resolved: bool = True
    last: LogEntry | None = None
    extra: dict[str, object] = field(default_factory=dict)
    outcome: RetryOutcome | None = None
    dropped: dict[str, str] = field(default_factory=dict)


class Stage(Protocol):
    """A pipeline step."""

    name: str

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Return the notices that continue down the pipeline."""
        ...


def _drop_firing(ctx: Context, notices: list[Notice], muted: Mapping[str, object],
                 why: str) -> list[Notice]:
    out = []
    for n in notices:
        if n.status == "firing" and n.fingerprint in muted:
            ctx.dropped[n.fingerprint] = why
        else:
            out.append(n)
    return out


@dataclass
class InhibitStage:
    """Drop firing notices muted by a firing source alert (fingerprint → source fingerprint)."""

    inhibited: Mapping[str, str]
    name: str = "inhibit"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Drop inhibited firing notices."""
        return _drop_firing(ctx, notices, self.inhibited, "inhibited")


@dataclass
class TimeIntervalStage:
    """Drop firing notices covered by an open maintenance window (fingerprint → window)."""

    in_maintenance: Mapping[str, object]
    name: str = "time_interval"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Drop firing notices in maintenance."""
        return _drop_firing(ctx, notices, self.in_maintenance, "maintenance")


@dataclass
class SilenceStage:
    """Drop firing notices muted by an active silence (fingerprint → silence ids)."""

    silenced: Mapping[str, object]
    name: str = "silence"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Drop silenced firing notices."""
        return _drop_firing(ctx, notices, self.silenced, "silenced")


@dataclass
class WaitStage:
    """Hold a new group until `group_wait` after its oldest alert, to batch its first notice.

    A group is new when it was never notified or its last notification resolved everything.
    """

    name: str = "wait"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Return nothing while a never-notified group is still inside its group_wait."""
        if ctx.last is not None and ctx.last.firing:
            return notices
        firing = [n.starts_at for n in notices if n.status == "firing"]
        if firing and ctx.now < min(firing) + ctx.group_wait:
            return []
        return notices


@dataclass
class DedupStage:
    """Pass when the group changed (at most once per group_interval) or repeat_interval passed."""

    name: str = "dedup"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Drop resolved notices nobody was told about; stop if nothing is new or due yet."""
        last_firing = ctx.last.firing if ctx.last else frozenset()
        firing = [n for n in notices if n.status == "firing"]
        resolved = [n for n in notices if n.status == "resolved" and n.fingerprint in last_firing]
        if not firing and not resolved:
            return []
        if ctx.last is None or not last_firing:
            return firing + resolved  # a new group: WaitStage already applied group_wait
        changed = frozenset(n.fingerprint for n in firing) != last_firing or bool(resolved)
        due = ctx.last.sent_at + (ctx.group_interval if changed else ctx.repeat_interval)
        return firing + resolved if ctx.now >= due else []


@dataclass
class NotifyStage:
    """Deliver through `send` with retries; the outcome is left in the context for RecordStage."""

    send: Callable[[Context, Sequence[Notice]], None]
    policy: RetryPolicy
    sleep: Callable[[float], None]
    name: str = "notify"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Send the notices (resolved ones only if the receiver wants them)."""
        to_send = [n for n in notices if ctx.send_resolved or n.status == "firing"]
        if not to_send:
            ctx.outcome = RetryOutcome(0, None)
            return notices
        ctx.outcome = with_retry(lambda: self.send(ctx, to_send), self.policy, self.sleep)
        return notices


@dataclass
class RecordStage:
    """Write the notification log entry (success or failure) through `record`."""

    record: Callable[[Context, Sequence[Notice]], None]
    name: str = "record"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Record what was sent."""
        self.record(ctx, notices)
        return notices


def run_pipeline(stages: Iterable[Stage], ctx: Context, notices: list[Notice]) -> list[Notice]:
    """Run the stages in order; stop early when a stage returns no notices."""
    for stage in stages:
        notices = stage.process(ctx, notices)
        if not notices:
            return []
    return notices
