"""`vigil anomalies label|missed`: teach the detector what was and was not an anomaly."""

from __future__ import annotations

import getpass
import json

import typer

from vigil.cli.common import OutputFormat, fail_usage
from vigil.cli.context import cli_settings, ready_database

app = typer.Typer(help="Anomaly feedback: label true/false positives, report missed ones.",
                  no_args_is_help=True)


def actor() -> str:
    """`cli:<user>`: who gave the feedback, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("label")
def label(
    anomaly_id: int = typer.Argument(..., min=1, help="Anomaly id (GET /api/v1/anomalies)"),
    true_positive: bool | None = typer.Option(None, "--true/--false",
                                              help="--true: a real anomaly; --false: not one"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Label a stored anomaly a true or false positive (labelling again changes it)."""
    from datetime import UTC, datetime

    from vigil.services import feedback

    if true_positive is None:
        fail_usage("say --true (a real anomaly) or --false (a false positive)")
    try:
        result = feedback.label_anomaly(ready_database(), anomaly_id, true_positive, actor(),
                                        datetime.now(UTC))
    except feedback.NotFound as exc:
        fail_usage(str(exc))
    body = {"anomaly_id": anomaly_id, **feedback.feedback_json(result)}
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(body))
    else:
        typer.echo(f"anomaly {anomaly_id}: {body['verdict']} (by {body['by']})")


@app.command("missed")
def missed(
    series_id: int = typer.Argument(..., min=1, help="Series id (GET /api/v1/series)"),
    start: str = typer.Option(..., "--from", help="Start: RFC 3339 or Unix seconds"),
    end: str = typer.Option(..., "--to", help="End: RFC 3339 or Unix seconds"),
    note: str | None = typer.Option(None, "--note", help="What happened"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Report an anomaly the detector missed, as a time range of a series."""
    from datetime import UTC, datetime

    from vigil.core.ingest import parse_timestamp
    from vigil.services import feedback

    try:
        t0 = datetime.fromtimestamp(parse_timestamp(start), UTC)
        t1 = datetime.fromtimestamp(parse_timestamp(end), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        fail_usage(f"--from/--to: {exc}")
    settings = cli_settings()
    try:
        result = feedback.mark_missed(ready_database(), series_id, t0, t1, note, actor(),
                                      settings.retention_days, datetime.now(UTC))
    except feedback.InvalidRange as exc:
        fail_usage(f"--{exc.field}: {exc}")
    except feedback.NotFound as exc:
        fail_usage(str(exc))
    body = feedback.missed_json(result)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(body))
    else:
        typer.echo(f"series {series_id}: missed anomaly {body['id']} from {body['from']} "
                   f"to {body['to']} recorded")
