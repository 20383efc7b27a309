"""The one notification pipeline, modelled on Alertmanager's: small named stages, one method each.

Group notifications and escalation pages pass the same kinds of stage:

    group:  mute → wait → dedup → backoff → notify → record
    page:   mute → backoff → acknowledged? → notify → record

Each stage takes the delivery's context and its notices and returns the notices that go
on; an empty list stops the pipeline. Stages get everything they need passed in (a muter,
the notification log's last entries, a send function, a record function), so each one can
be tested alone and the pipeline stays free of I/O. `NotifyStage` makes one attempt: a
failure is recorded, and `BackoffStage` lets a later evaluation cycle try again once the
back-off has passed, so the cycle never sleeps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from vigil.alerting.retry import Backoff, DeliveryError, RetryOutcome


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


@dataclass(frozen=True)
class Failure:
    """The newest delivery of a group or page failed: when, after how many attempts in a row."""

    at: datetime
    attempts: int


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
    last_failure: Failure | None = None
    extra: dict[str, object] = field(default_factory=dict)
    outcome: RetryOutcome | None = None
    dropped: dict[str, str] = field(default_factory=dict)


class Stage(Protocol):
    """A pipeline step."""

    name: str

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Return the notices that continue down the pipeline."""
        ...


class Muter(Protocol):
    """Knows why an alert is muted right now (inhibition, maintenance, silence)."""

    def reason(self, fingerprint: str) -> str | None:
        """The reason the alert with this fingerprint is muted, or None."""
        ...


@dataclass
class MuteStage:
    """Drop firing notices the muter mutes (resolved ones always pass); note why in the context."""

    muter: Muter
    name: str = "mute"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Drop muted firing notices."""
        out = []
        for n in notices:
            why = self.muter.reason(n.fingerprint) if n.status == "firing" else None
            if why is None:
                out.append(n)
            else:
                ctx.dropped[n.fingerprint] = why
        return out


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
class BackoffStage:
    """Hold a delivery while its receiver is down this cycle or its last failure backs off."""

    backoff: Backoff
    down: Collection[str] = ()
    name: str = "backoff"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Return nothing until the back-off after the last failed attempt has passed."""
        if ctx.receiver in self.down:
            return []
        failure = ctx.last_failure
        if failure is not None and ctx.now < failure.at + self.backoff.delay(failure.attempts):
            return []
        return notices


@dataclass
class AcknowledgedStage:
    """Pass a page only while its alert is still unacknowledged and unchanged since read.

    An operator's acknowledgement that lands during the cycle wins over the page.
    """

    still_unacknowledged: Callable[[Notice], bool]
    name: str = "acknowledged"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Drop notices of alerts acknowledged, resolved or changed meanwhile."""
        out = []
        for n in notices:
            if self.still_unacknowledged(n):
                out.append(n)
            else:
                ctx.dropped[n.fingerprint] = "acknowledged"
        return out


@dataclass
class NotifyStage:
    """Deliver once through `send`; the outcome (attempts in a row) is left for RecordStage."""

    send: Callable[[Context, Sequence[Notice]], None]
    name: str = "notify"

    def process(self, ctx: Context, notices: list[Notice]) -> list[Notice]:
        """Send the notices (resolved ones only if the receiver wants them); never waits."""
        to_send = [n for n in notices if ctx.send_resolved or n.status == "firing"]
        if not to_send:
            ctx.outcome = RetryOutcome(0, None)
            return notices
        attempt = (ctx.last_failure.attempts if ctx.last_failure else 0) + 1
        try:
            self.send(ctx, to_send)
        except DeliveryError as exc:
            ctx.outcome = RetryOutcome(attempt, str(exc))
        else:
            ctx.outcome = RetryOutcome(attempt, None)
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


def group_stages(muter: Muter, backoff: Backoff, down: Collection[str],
                 send: Callable[[Context, Sequence[Notice]], None],
                 record: Callable[[Context, Sequence[Notice]], None]) -> list[Stage]:
    """The stages of a group notification: mute, wait, dedup, back-off, notify, record."""
    return [MuteStage(muter), WaitStage(), DedupStage(), BackoffStage(backoff, down),
            NotifyStage(send), RecordStage(record)]


def page_stages(muter: Muter, backoff: Backoff, down: Collection[str],
                still_unacknowledged: Callable[[Notice], bool],
                send: Callable[[Context, Sequence[Notice]], None],
                record: Callable[[Context, Sequence[Notice]], None]) -> list[Stage]:
    """The stages of an escalation page: mute, back-off, still unacknowledged, notify, record.

    The escalation policy decides which page is due (and never repeats a page it sent), so
    a page needs no wait or dedup stage.
    """
    return [MuteStage(muter), BackoffStage(backoff, down),
            AcknowledgedStage(still_unacknowledged), NotifyStage(send), RecordStage(record)]


def run_pipeline(stages: Iterable[Stage], ctx: Context, notices: list[Notice]) -> list[Notice]:
    """Run the stages in order; stop early when a stage returns no notices."""
    for stage in stages:
        notices = stage.process(ctx, notices)
        if not notices:
            return []
    return notices
