"""`vigil bench scaling`: hpa, predictive and oracle replayed on load traces."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.common import OutputFormat
from vigil.cli.scale import read_trace


def scaling_bench(
    trace: list[Path] = typer.Option(..., "--trace", help="trace CSV (repeatable)"),
    startup: list[float] = typer.Option([1.0, 5.0], "--startup",
                                        help="pod start-up minutes (repeatable)"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Under-provisioned time, unserved load, pod-hours and actions per trace × policy × delay."""
    from vigil.scaling.bench import run_bench

    traces = [read_trace(p) for p in trace]
    rows = []
    for row in run_bench(traces, startup):
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps(row), nl=True)
        rows.append(row)
    if fmt is OutputFormat.JSON:
        return
    table = Table(title="vigil bench scaling")
    keys = ("trace", "policy", "startup_minutes", "under_provisioned_pct", "unserved_pct",
            "pod_hours", "actions")
    for k in keys:
        table.add_column(k)
    for row in rows:
        table.add_row(*(str(row[k]) for k in keys))
    Console().print(table)


def register(bench_app: typer.Typer) -> None:
    """Add `scaling` to `vigil bench`."""
    bench_app.command("scaling")(scaling_bench)
