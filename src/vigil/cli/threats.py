"""`vigil threats scan|list`: find threats in auth and access logs, list stored ones."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from vigil.cli.common import (
    OutputFormat,
    err_console,
    fail_usage,
    print_table,
    show_progress,
)
from vigil.cli.context import cli_database, cli_settings, one_line, ready_database
from vigil.core.types import Priority

if TYPE_CHECKING:
    from vigil.security.threats import SigmaRuleSet, Threat, ThreatEngine, ThreatsConfig
    from vigil.storage.database import Database

app = typer.Typer(help="Threats in auth and access logs: scan files, list stored threats.",
                  no_args_is_help=True)


class Mode(str, Enum):
    """What counts as an auth attempt, as fail2ban's modes define it."""

    NORMAL = "normal"
    AGGRESSIVE = "aggressive"
    DDOS = "ddos"


class Suggest(str, Enum):
    """Formats of the suggested deny list."""

    NGINX = "nginx"
    IPTABLES = "iptables"
    K8S = "k8s"


def _console() -> Console:
    """A console that does not squeeze tables to 80 columns when piped."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def _table(threats: list[Threat]) -> Table:
    table = Table("priority", "type", "source", "count", "first seen", "last seen",
                  "technique", "targets")
    for t in threats:
        # Log text is the attacker's: shown literally, never parsed as Rich markup.
        table.add_row(*(Text(cell) for cell in (
            t.priority.value, t.type, t.source_ip, str(t.count),
            t.first_seen.strftime("%Y-%m-%d %H:%M:%S"),
            t.last_seen.strftime("%Y-%m-%d %H:%M:%S"), t.technique,
            ", ".join(t.targets[:3]) + (" …" if len(t.targets) > 3 else ""))))
    return table


@app.command("scan")
def scan(
    files: list[Path] = typer.Argument(..., help="Log files: sshd/PAM syslog, access logs, JSON"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
    events: bool = typer.Option(False, "--events", help="Also list the auth failures (JSON)"),
    fail_on: Priority = typer.Option(Priority.P4, "--fail-on",
                                     help="Exit 1 when a threat at or above this priority"),
    suggest_fmt: Suggest | None = typer.Option(None, "--suggest",
                                               help="Print a deny list: nginx, iptables, k8s"),
    follow: bool = typer.Option(False, "--follow", help="Keep reading appended lines"),
    config: Path | None = typer.Option(None, "--config", help="Operator YAML file"),
    sigma: list[Path] = typer.Option([], "--sigma", help="Sigma rule file or directory"),
    year: int | None = typer.Option(None, "--year", min=1970, max=9998,
                                    help="Year of the first syslog line (default: file mtime)"),
    interval: float = typer.Option(5.0, "--interval", help="--follow: seconds between reports"),
    mode: Mode | None = typer.Option(None, "--mode",
                                     help="normal (auth failures), ddos (+ pre-auth noise), "
                                          "aggressive (ddos + negotiation failures); "
                                          "default: threats.mode of the config, else normal"),
    store: bool = typer.Option(False, "--store",
                               help="Store the threats in Vigil's database and raise the "
                                    "P1 through its alert rules"),
) -> None:
    """Scan log files for threats; exit 1 when threats at or above --fail-on are found."""
    from vigil.config import ConfigError
    from vigil.security.threats import SigmaRuleError, suggest
    from vigil.services import threats as service

    settings = cli_settings()
    try:
        rules = service.threats_config(settings, config)
        if mode is not None:
            rules = rules.model_copy(update={"mode": mode.value})
        sigma_paths: list[str | Path] = [*rules.sigma_rules, *sigma]  # configured, plus --sigma
        sigma_rules = service.load_sigma_paths(sigma_paths) if sigma_paths else None
    except (ConfigError, SigmaRuleError, service.InputError) as exc:
        fail_usage(str(exc))
    reference = datetime(year, 12, 31, 23, 59, tzinfo=UTC) if year else None
    db = ready_database() if store else None
    if follow:
        _follow(files, rules, sigma_rules, reference, interval, fmt, db)
        return
    try:
        if show_progress():
            total = sum(p.stat().st_size for p in files if p.is_file())
            with Progress("[progress.description]{task.description}", BarColumn(),
                          DownloadColumn(), TimeRemainingColumn(), console=err_console,
                          transient=True) as bar:
                task = bar.add_task("scanning", total=total)
                result = service.scan_files(files, rules, sigma_rules, events, reference,
                                            lambda n: bar.advance(task, n))
        else:
            result = service.scan_files(files, rules, sigma_rules, events, reference)
    except service.InputError as exc:
        fail_usage(str(exc))
    service.report_threats(result.threats, "cli")
    service.apply_response(rules, result.threats)
    stored = _store(db, result.threats, "cli") if db is not None else None
    if suggest_fmt is not None:
        typer.echo(suggest(result.threats, suggest_fmt.value), nl=False)
    elif fmt is OutputFormat.JSON:
        out = result.as_dict(with_events=events)
        if stored is not None:
            out["stored"] = {"inserted": stored[0], "updated": stored[1]}
        typer.echo(json.dumps(out))
    else:
        console = _console()
        if result.threats:
            console.print(_table(result.threats))
        else:
            console.print("no threats found")
        s = result.stats
        console.print(f"{s.lines} lines: {s.auth_events} auth events, {s.http_events} HTTP "
                      f"requests, {s.unparseable} unparseable", highlight=False)
        if stored is not None:
            console.print(f"stored: {stored[0]} new, {stored[1]} updated", highlight=False)
    if service.at_or_above(result.threats, fail_on):
        raise typer.Exit(1)


def _store(db: Database, threats: list[Threat], origin: str) -> tuple[int, int]:
    """Upsert threats and signal the new ones to the alert rules; exit 1 if the DB fails."""
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.services import threats as service
    from vigil.services.self_metrics import signal_from_process

    try:
        inserted, updated = service.store_threats(db, threats, origin)
        # the P1 comes from the running service's SecurityThreatDetected rule
        signal_from_process(db, cli_settings(), "security_threats_detected", inserted, origin)
    except SQLAlchemyError as exc:
        typer.echo(f"error: cannot store threats: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    return inserted, updated


def _follow(files: list[Path], rules: ThreatsConfig, sigma_rules: SigmaRuleSet | None,
            reference: datetime | None, interval: float, fmt: OutputFormat,
            db: Database | None = None) -> None:
    from vigil.security.threats import ThreatEngine
    from vigil.services import threats as service

    engine = ThreatEngine(rules, reference, sigma_rules)
    reported: dict[tuple[str, str], datetime] = {}
    last = time.monotonic()
    try:
        for line in service.follow(files, idle_ticks=True):
            if line:
                engine.feed_line(line)
            if time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            _emit_new(engine, reported, fmt, db)
    except service.InputError as exc:
        fail_usage(str(exc))
    except KeyboardInterrupt:
        _emit_new(engine, reported, fmt, db)


def _emit_new(engine: ThreatEngine, reported: dict[tuple[str, str], datetime],
              fmt: OutputFormat, db: Database | None = None) -> None:
    """Report bursts not reported before, then forget sources idle beyond every window."""
    from vigil.services import threats as service

    fresh = []
    for t in engine.finish(flush=False):
        key = (t.type, t.source_ip)
        previous = reported.get(key)
        if previous is None or t.first_seen > previous:
            fresh.append(t)
        reported[key] = max(t.last_seen, previous) if previous else t.last_seen
    if fresh:
        service.report_threats(fresh, "cli-follow")
        service.apply_response(engine.config, fresh)
        if db is not None:
            _store(db, fresh, "cli-follow")
        if fmt is OutputFormat.JSON:
            for t in fresh:
                typer.echo(json.dumps(t.as_dict()))
        else:
            print_table(_table(fresh))
    if engine.latest:
        engine.prune(engine.latest - 2 * engine.horizon())


@app.command("list")
def list_cmd(
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    priority: Priority | None = typer.Option(None, "--priority"),
    source_ip: str | None = typer.Option(None, "--source"),
) -> None:
    """List threats stored in the database, newest first."""
    from vigil.services import threats as service

    settings = cli_settings()
    if not settings.database_url and not (settings.data_dir / "vigil.db").exists():
        fail_usage(f"no database at {settings.data_dir / 'vigil.db'}: run `vigil db upgrade` "
                   "or set VIGIL_DATABASE_URL")
    db = cli_database(settings)
    try:
        rows = service.list_threats(db, limit, None, priority.value if priority else None,
                                    source_ip)
    except Exception as exc:
        typer.echo(f"error: cannot read threats: {getattr(exc, 'orig', exc)}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps([{"id": r.id, "detected_at": r.detected_at.isoformat(),
                                "origin": r.source, **r.data} for r in rows]))
        return
    table = Table("id", "priority", "type", "source", "count", "first seen", "last seen")
    for r in rows:
        d = r.data
        table.add_row(*(Text(str(cell)) for cell in (
            r.id, d["priority"], d["type"], d["source_ip"], d["count"], d["first_seen"][:19],
            d["last_seen"][:19])))
    print_table(table)


@app.command("score")
def score_cmd(
    files: list[Path] = typer.Argument(..., help="Annotated logs (`# failJSON:` before lines)"),
    mode: Mode = typer.Option(Mode.NORMAL, "--mode", help="normal, ddos or aggressive"),
    year: int | None = typer.Option(None, "--year", min=1970, max=9998,
                                    help="Year of the first syslog line (default: file mtime)"),
) -> None:
    """Recall and precision of the auth-log parsers on annotated logs (one JSON per file)."""
    from vigil.services import threats as service

    reference = datetime(year, 12, 31, 23, 59, tzinfo=UTC) if year else None
    try:
        for path in files:
            result = service.score_annotated(path, mode.value, reference)
            typer.echo(json.dumps({"file": str(path), "mode": mode.value, **result}))
    except service.InputError as exc:
        fail_usage(str(exc))
