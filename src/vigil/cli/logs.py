"""`vigil logs clean`: delete old log files (the `log-cleanup` CronJob)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from vigil.cli.common import OutputFormat, fail_usage

app = typer.Typer(help="Log files: cleanup.", no_args_is_help=True)


@app.command("clean")
def clean(
    directory: Path | None = typer.Option(
        None, "--dir", help="Folder of log files (default: VIGIL_DATA_DIR/logs)."),
    older_than_days: float = typer.Option(14.0, "--older-than-days", min=0.0,
                                          help="Delete files last written before this."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List, do not delete."),
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Delete *.log, *.log.N and *.jsonl files older than N days; exit 1 if one cannot go."""
    from vigil.cli.context import cli_settings
    from vigil.services.log_cleanup import clean_logs

    folder = directory if directory is not None else cli_settings().data_dir / "logs"
    if not folder.exists():
        if directory is not None:
            fail_usage(f"{folder}: no such directory; pass --dir with the log folder")
        typer.echo(f"no log folder at {folder}: nothing to clean")
        return
    if not folder.is_dir():
        fail_usage(f"{folder} is not a directory")
    report = clean_logs(folder, older_than_days, time.time(), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps({"dry_run": dry_run, "deleted": [str(p) for p in report.deleted],
                               "kept": report.kept, "freed_bytes": report.freed_bytes,
                               "errors": report.errors}, indent=2))
    else:
        for path in report.deleted:
            typer.echo(f"{verb} {path}")
        typer.echo(f"{verb} {len(report.deleted)} files ({report.freed_bytes} bytes), "
                   f"kept {report.kept} newer than {older_than_days:g} days in {folder}")
    for error in report.errors:
        typer.echo(f"error: {error}", err=True)
    if report.errors:
        raise typer.Exit(1)
