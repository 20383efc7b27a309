"""`vigil sources list` (configured sources, cursors, health) and `vigil sources test NAME`
(run each query once: series count, latency, errors)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from vigil.cli.common import OutputFormat, fail_usage, table_console

if TYPE_CHECKING:
    from vigil.sources.config import SourceConfig

app = typer.Typer(help="PromQL sources: Prometheus-compatible stores Vigil polls and scores.",
                  no_args_is_help=True)


def configured_sources() -> list[SourceConfig]:
    """The `sources` of the operator YAML, or exit 2 with the file and line."""
    from vigil.cli.context import cli_settings
    from vigil.config import ConfigError, load_operator_config

    try:
        return load_operator_config(cli_settings().config).sources
    except ConfigError as exc:
        fail_usage(str(exc))


def list_command(fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Every configured source and query: step, store mode, cursor, lag, series, health."""
    from vigil.cli.context import ready_database
    from vigil.services.sources.queries import describe_sources

    sources = configured_sources()
    items = describe_sources(ready_database(), sources)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(items))
        return
    table = Table(title=f"{len(items)} sources")
    for col in ("source", "query", "url", "step", "store", "series", "lag", "healthy", "error"):
        table.add_column(col)
    for item in items:
        for key, q in item["queries"].items():
            lag = "" if q["lag_seconds"] is None else f"{q['lag_seconds']:.0f}s"
            healthy = {None: "not polled", True: "yes", False: "NO"}[q["healthy"]]
            table.add_row(escape(item["name"]), escape(key), escape(item["url"]),
                          f"{item['step_seconds']}s", item["store"], str(q["series"]), lag,
                          healthy, escape(q["error"] or ""))
    table_console().print(table)


def test_command(name: str = typer.Argument(..., help="the source's name"),
                 fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Run each query of a source once over its last five steps; exit 1 if any fails."""
    from vigil.services.sources.queries import UnknownSource, find_source, probe_source

    try:
        source = find_source(configured_sources(), name)
    except UnknownSource as exc:
        fail_usage(str(exc))
    results = probe_source(source)
    failed = any(r.error for r in results)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps([{"query": r.query_key, "series": r.series,
                                "seconds": round(r.seconds, 4), "error": r.error}
                               for r in results]))
    else:
        table = Table(title=f"source {name} ({source.url})")
        for col in ("query", "series", "latency", "error"):
            table.add_column(col)
        for r in results:
            table.add_row(escape(r.query_key), "" if r.series is None else str(r.series),
                          f"{r.seconds * 1000:.0f} ms", escape(r.error or ""))
        table_console().print(table)
    if failed:
        raise typer.Exit(code=1)


app.command("list")(list_command)
app.command("test")(test_command)
