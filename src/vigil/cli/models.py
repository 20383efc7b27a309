"""`vigil models list|show|rollback|retrain`: model versions of watched series."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.anomalies import actor
from vigil.cli.common import OutputFormat, fail_usage
from vigil.cli.context import cli_settings, ready_database

if TYPE_CHECKING:
    from vigil.config import OperatorConfig

app = typer.Typer(help="Model versions: list, show, roll back, retrain.", no_args_is_help=True)


def _config() -> OperatorConfig:
    from vigil.config import ConfigError, load_operator_config

    try:
        return load_operator_config(cli_settings().config)
    except ConfigError as exc:
        fail_usage(str(exc))


@app.command("list")
def list_cmd(series_id: int = typer.Argument(..., min=1, help="Series id"),
             fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """A series' model versions, newest first (* marks the active one)."""
    from vigil.services import model_versions as mv

    try:
        items, active = mv.versions(ready_database(), series_id)
    except mv.VersionNotFound as exc:
        fail_usage(str(exc))
    current = None if active is None else active.version
    rows = [mv.version_json(v, v.version == current) for v in items]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps({"active_version": current, "items": rows}))
        return
    table = Table(title=f"model versions of series {series_id}")
    for col in ("version", "active", "detector", "threshold", "trained to", "promoted", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["version"]), "*" if r["active"] else "", str(r["detector"]),
                      f"{float(str(r['threshold'])):.4f}", str(r["trained_to"]),
                      "yes" if r["promoted"] else "no", str(r["reason"] or ""))
    Console().print(table)


@app.command("show")
def show(series_id: int = typer.Argument(..., min=1), version: int = typer.Argument(..., min=1),
         fmt: OutputFormat = typer.Option(OutputFormat.JSON, "--format")) -> None:
    """One model version: detector, parameters, threshold, trained-on range, quality."""
    from vigil.services import model_versions as mv

    try:
        found, active = mv.version(ready_database(), series_id, version)
    except mv.VersionNotFound as exc:
        fail_usage(str(exc))
    typer.echo(json.dumps(mv.version_json(found, active, with_state=True),
                          indent=None if fmt is OutputFormat.JSON else 2))


@app.command("rollback")
def rollback(series_id: int = typer.Argument(..., min=1),
             version: int = typer.Argument(..., min=1)) -> None:
    """Make an earlier version active again (audited); the worker adopts it at its next pass."""
    from datetime import UTC, datetime

    from vigil.services import model_versions as mv

    try:
        active = mv.rollback(ready_database(), series_id, version, actor(), datetime.now(UTC))
    except mv.VersionNotFound as exc:
        fail_usage(str(exc))
    typer.echo(f"series {series_id}: version {active.version} is active "
               f"(threshold {active.threshold:.4f})")


@app.command("retrain")
def retrain(series: str | None = typer.Option(None, "--series",
                                              help="Series id, anchored name regex or "
                                                   "name{labels}; default: every watched series"),
            fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Retrain watched series now (as the scheduled `ml-training-pipeline` job does)."""
    from datetime import UTC, datetime

    from vigil.services import retraining

    config = _config()
    db = ready_database()
    try:
        report = retraining.retrain(db, cli_settings(), config, datetime.now(UTC), series,
                                    actor())
    except retraining.UnknownSelector as exc:
        fail_usage(f"--series: {exc}")
    body = report.as_dict()
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(body))
    else:
        for s in body["series"]:
            state = "promoted" if s["promoted"] else "kept back"
            typer.echo(f"series {s['series_id']} ({s['series']}): version {s['version']} "
                       f"{state}, threshold {s['threshold']:.4f}: {s['reason']}")
        typer.echo(f"{body['series_count']} series retrained in {body['seconds']} s")
    if report.failures:
        raise typer.Exit(1)
