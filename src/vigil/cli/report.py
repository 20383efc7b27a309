"""`vigil report daily|weekly`: the Analytics Engine's reports on the command line."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from vigil.cli.common import fail_usage


class ReportFormat(str, Enum):
    """Output formats of a report."""

    HTML = "html"
    JSON = "json"
    MD = "md"


def report(
    kind: str = typer.Argument(..., help="daily (the runbook's daily health check and the "
                               "last 24 h) or weekly (an ISO week, with 8-week trends)"),
    fmt: ReportFormat = typer.Option(ReportFormat.MD, "--format",
                                     help="html (self-contained, inline SVG charts), json, md"),
    out: Path | None = typer.Option(None, "--out", help="write to this file (default stdout)"),
    at: str | None = typer.Option(None, "--at", help="daily: the 24 h ending at this ISO "
                                  "time, or a whole UTC day (YYYY-MM-DD); weekly: the ISO "
                                  "week containing this date"),
    week: str | None = typer.Option(None, "--week", help="weekly: an ISO week such as "
                                    "2026-W48 (default: the last complete week)"),
    store: bool = typer.Option(False, "--store", help="also store the run in the database "
                               "and send it to analytics.reports.receiver"),
) -> None:
    """Write a daily or weekly report (exit 1 when a daily health check fails)."""
    from vigil.cli.context import cli_settings, ready_database
    from vigil.config import ConfigError, load_operator_config
    from vigil.services.reports import PeriodError, check_kind, generate, render, store_and_send

    try:
        check_kind(kind)
    except PeriodError as exc:
        fail_usage(str(exc))
    settings = cli_settings()
    try:
        config = load_operator_config(settings.config)
    except ConfigError as exc:
        fail_usage(str(exc))
    if out is not None and not out.parent.is_dir():
        fail_usage(f"--out: directory {out.parent} does not exist")
    db = ready_database()
    try:
        document = generate(db, settings, config, kind, at=at, week=week)
    except PeriodError as exc:
        fail_usage(str(exc))
    text = render(document, fmt.value)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {document['title']} to {out}", err=True)
    if store:
        stored = store_and_send(db, config, document)
        typer.echo(f"stored as run {stored.run_id}; delivery {stored.delivery}"
                   + (f": {stored.error}" if stored.error else "")
                   + ("; the reports job of `vigil serve` tries again"
                      if stored.delivery == "retrying" else ""), err=True)
    health = document.get("health")
    if health is not None and not health["ok"]:
        raise typer.Exit(code=1)
