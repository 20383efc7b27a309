"""`vigil alerts|silences|oncall|notify`: operate alerts, silences, on-call and receivers."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from vigil.cli.common import OutputFormat, fail_usage, print_table
from vigil.cli.context import cli_settings, ready_database

if TYPE_CHECKING:
    from vigil.config import OperatorConfig


class Table(RichTable):
    """A Rich table whose text cells are shown literally: label values, comments and
    annotations come from users and may contain [brackets] that are not Rich markup."""

    def add_row(self, *renderables: RenderableType | None, **kwargs: Any) -> None:
        """Add a row, wrapping plain strings in `Text` so they are never parsed."""
        super().add_row(*(Text(r) if isinstance(r, str) else r for r in renderables),
                        **kwargs)


alerts_app = typer.Typer(help="Alerts: list, acknowledge, resolve, show.", no_args_is_help=True)
silences_app = typer.Typer(help="Silences: create, list, expire.", no_args_is_help=True)
oncall_app = typer.Typer(help="On-call schedules: who is on call.", no_args_is_help=True)
notify_app = typer.Typer(help="Notification receivers: send a test.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the alerts, silences, oncall and notify groups to the `vigil` app."""
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(silences_app, name="silences")
    app.add_typer(oncall_app, name="oncall")
    app.add_typer(notify_app, name="notify")


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(given: str | None) -> str:
    if given:
        return given
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _config() -> OperatorConfig:
    from vigil.config import ConfigError, load_operator_config

    try:
        return load_operator_config(cli_settings().config)
    except ConfigError as exc:
        fail_usage(str(exc))


def _ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


# --- alerts ------------------------------------------------------------------------------


@alerts_app.command("list")
def alerts_list(
    state: list[str] = typer.Option([], "--state", help="pending, firing, acknowledged, resolved "
                                    "(repeatable; default: all open)"),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """List alerts, newest first."""
    from vigil.alerting.lifecycle import AlertState
    from vigil.services import alerting as svc

    valid = {s.value for s in AlertState}
    for s in state:
        if s not in valid:
            fail_usage(f"--state {s!r}: choose from {', '.join(sorted(valid))}")
    states = state or ["pending", "firing", "acknowledged"]
    alerts = svc.list_alerts(ready_database(), states, limit)
    if fmt is OutputFormat.JSON:
        calendar = svc.business_calendar(_config())
        typer.echo(json.dumps([svc.alert_json(a, calendar) for a in alerts]))
        return
    table = Table("id", "priority", "state", "alert", "severity", "series", "value", "since",
                  "esc. level")
    for a in alerts:
        table.add_row(str(a.id), a.priority.value, a.state.value, a.rule, a.severity.value,
                      a.labels.get("series", ""), f"{a.value:.4g}", _ts(a.fired_at or a.active_at),
                      str(a.escalation.level) if a.escalation.level >= 0 else "-")
    print_table(table)


def _act(action: str, alert_id: int, by: str | None) -> None:
    from vigil.alerting.lifecycle import TransitionError
    from vigil.services import alerting as svc

    db = ready_database()
    try:
        if action == "ack":
            alert = svc.acknowledge_alert(db, alert_id, _actor(by), _now())
        else:
            alert = svc.resolve_alert(db, alert_id, _actor(by), _now())
    except svc.AlertNotFound as exc:
        fail_usage(str(exc))
    except TransitionError as exc:
        fail_usage(str(exc))
    typer.echo(f"alert {alert.id} ({alert.rule}) is {alert.state.value}")


@alerts_app.command("ack")
def alerts_ack(alert_id: int = typer.Argument(..., help="Alert id (see `vigil alerts list`)"),
               by: str | None = typer.Option(None, "--by", help="Who acknowledges")) -> None:
    """Acknowledge a firing alert: escalation stops."""
    _act("ack", alert_id, by)


@alerts_app.command("resolve")
def alerts_resolve(alert_id: int = typer.Argument(..., help="Alert id"),
                   by: str | None = typer.Option(None, "--by", help="Who resolves")) -> None:
    """Resolve an open alert by hand (it fires again if its condition still holds)."""
    _act("resolve", alert_id, by)


@alerts_app.command("show")
def alerts_show(alert_id: int = typer.Argument(..., help="Alert id"),
                fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Show an alert, its escalation timeline and its notification log."""
    from vigil.services import alerting as svc

    try:
        detail = svc.alert_detail(ready_database(), alert_id, _config().alerting)
    except svc.AlertNotFound as exc:
        fail_usage(str(exc))
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(svc.detail_json(detail, svc.business_calendar(_config()))))
        return
    a = detail.alert
    console = Console()
    console.print(f"[bold]{escape(a.rule)}[/] #{a.id} {a.priority.value} {a.severity.value} "
                  f"{a.state.value} — {escape(a.annotations.get('summary', ''))}",
                  highlight=False)
    labels = ", ".join(f"{k}={json.dumps(v)}" for k, v in a.labels.items())
    console.print(Text(f"labels: {labels}"), highlight=False)
    timeline = Table("time", "event", "detail", title="timeline")
    for e in detail.events:
        text = ", ".join(f"{k}={v}" for k, v in e.detail.items() if k != "contacts")
        if "contacts" in e.detail:
            text += " → " + ", ".join(f"{c['name']} ({c['role']}, {c['phone']})"
                                      for c in e.detail["contacts"])
        timeline.add_row(_ts(e.at), e.kind, text)
    print_table(timeline)
    log = Table("time", "kind", "receiver", "status", "attempts", "error",
                title="notification log")
    for n in detail.notifications:
        log.add_row(_ts(n.ts), n.kind, n.receiver, n.status, str(n.attempts), n.error or "")
    print_table(log)
    if detail.upcoming:
        nxt = Table("due", "level", "cycle", "will page", title="if nobody acknowledges")
        for u in detail.upcoming:
            nxt.add_row(_ts(u.due_at), str(u.level), str(u.cycle),
                        ", ".join(f"{c.name} ({c.role}, {c.phone})" for c in u.contacts))
        print_table(nxt)


@alerts_app.command("evaluate")
def alerts_evaluate(
    wait: float = typer.Option(30.0, "--wait", min=0.0,
                               help="Seconds to wait for a running cycle to finish."),
) -> None:
    """Run one evaluation cycle now (what the scheduler does every interval).

    On PostgreSQL it takes the same lock as the service's evaluation job, so a cycle here
    never races one on a replica (which could notify twice); exit 1 if it stays taken.
    """
    from vigil.services import alerting as svc
    from vigil.services.scheduler import job_lock

    db = ready_database()
    with job_lock(db, svc.EVALUATION_JOB, wait_seconds=wait) as got:
        if not got:
            typer.echo(f"error: another evaluation cycle held the lock for {wait:g} s; "
                       "try again", err=True)
            raise typer.Exit(1)
        report = svc.evaluate_alerts(db, cli_settings(), _config().alerting, _now())
    typer.echo(json.dumps(report.__dict__))


# --- silences ----------------------------------------------------------------------------


def _parse_time(text: str, option: str) -> datetime:
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail_usage(f"{option} {text!r}: use ISO 8601, e.g. 2026-11-26T18:00:00Z")
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


@silences_app.command("create")
def silences_create(
    matcher: list[str] = typer.Option(..., "--matcher", "-m",
                                      help='Label matcher, e.g. alertname="HighCpuUsage" '
                                           "(repeatable; all must match)"),
    duration: str = typer.Option("2h", "--duration", help="How long, e.g. 30m, 2h, 1d"),
    start: str | None = typer.Option(None, "--start", help="ISO 8601 start (default: now)"),
    end: str | None = typer.Option(None, "--end", help="ISO 8601 end (overrides --duration)"),
    comment: str = typer.Option(..., "--comment", help="Why (shown to other operators)"),
    author: str | None = typer.Option(None, "--author", help="Who (default: your user)"),
) -> None:
    """Create a silence: matching alerts send no notifications and page nobody."""
    from vigil.alerting.durations import parse_duration
    from vigil.services import alerting as svc

    now = _now()
    starts = _parse_time(start, "--start") if start else now
    if end:
        ends = _parse_time(end, "--end")
    else:
        try:
            ends = starts + parse_duration(duration)
        except ValueError as exc:
            fail_usage(f"--duration: {exc}")
        except OverflowError:
            fail_usage(f"--duration: {duration!r} is too long")
    try:
        silence = svc.create_silence(ready_database(), matcher, starts, ends, _actor(author),
                                     comment, now)
    except ValueError as exc:
        fail_usage(str(exc))
    typer.echo(f"silence {silence.id} until {silence.ends_at.isoformat()}")


@silences_app.command("list")
def silences_list(include_expired: bool = typer.Option(False, "--all", help="Include expired"),
                  fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """List pending and active silences."""
    from vigil.services import alerting as svc

    now = _now()
    silences = svc.list_silences(ready_database(), now, include_expired)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps([svc.silence_json(s, now) for s in silences]))
        return
    table = Table("id", "state", "matchers", "starts", "ends", "by", "comment")
    for s in silences:
        table.add_row(str(s.id), s.state(now), " ".join(str(m) for m in s.matchers),
                      _ts(s.starts_at), _ts(s.ends_at), s.created_by, s.comment)
    print_table(table)


@silences_app.command("expire")
def silences_expire(silence_id: int = typer.Argument(..., help="Silence id")) -> None:
    """End a silence now."""
    from vigil.services import alerting as svc

    try:
        silence = svc.expire_silence(ready_database(), silence_id, _now())
    except svc.AlertNotFound as exc:
        fail_usage(str(exc))
    typer.echo(f"silence {silence.id} expired")


# --- on-call and notify --------------------------------------------------------------------


@oncall_app.command("now")
def oncall_now(at: str | None = typer.Option(None, "--at", help="ISO 8601 time (default: now)"),
               fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Who is on call for each schedule, with contact data and the next hand-off."""
    from vigil.services import alerting as svc

    when = _parse_time(at, "--at") if at else _now()
    entries = svc.on_call_now(_config().alerting, when)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(svc.oncall_json(entries)))
        return
    table = Table("schedule", "description", "on call", "phone", "email", "next hand-off")
    for e in entries:
        table.add_row(e.schedule, e.description, ", ".join(c.name for c in e.contacts),
                      ", ".join(c.phone for c in e.contacts),
                      ", ".join(c.email for c in e.contacts), _ts(e.next_handoff))
    print_table(table)


@notify_app.command("test")
def notify_test(receiver: str = typer.Argument(..., help="Receiver name from the config")) -> None:
    """Send a test notification; exit 1 when it cannot be delivered."""
    from vigil.services import alerting as svc

    try:
        outcome = svc.test_receiver(_config().alerting, receiver, _now())
    except svc.ReceiverNotFound as exc:
        fail_usage(str(exc))
    if outcome.ok:
        typer.echo(f"delivered to {receiver} ({outcome.attempts} attempt(s))")
        return
    typer.echo(f"error: delivery to {receiver} failed after {outcome.attempts} attempt(s): "
               f"{outcome.error}", err=True)
    raise typer.Exit(1)
