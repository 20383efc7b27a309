"""`vigil advisories import|status`: load OSV advisories into Vigil's database, offline."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer
from rich.markup import escape

from vigil.cli.common import OutputFormat, err_console, fail_usage, show_progress
from vigil.cli.context import ready_database

app = typer.Typer(help="OSV advisory database: import and status.", no_args_is_help=True)


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Directory, .zip, .tar.gz or single OSV JSON/YAML file."),
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Import OSV advisories (PyPA vulns/, osv.dev all.zip, GitHub advisory database)."""
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.services import vuln_scans

    db = ready_database()
    status = err_console.status(escape(f"importing advisories from {path}")) if show_progress() \
        else contextlib.nullcontext()
    try:
        with status:
            result = vuln_scans.import_advisories(db, path)
    except vuln_scans.ScanInputError as exc:
        fail_usage(str(exc))
    except SQLAlchemyError as exc:
        fail_usage(f"database error: {getattr(exc, 'orig', exc)}")
    finally:
        db.dispose()
    if result.stored + result.unchanged + result.withdrawn == 0:
        fail_usage(f"{path}: no OSV advisories found"
                   + (f" ({len(result.errors)} unreadable files; the first: {result.errors[0]})"
                      if result.errors else ""))
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps({
            "stored": result.stored, "deleted": result.deleted, "unchanged": result.unchanged,
            "withdrawn_skipped": result.withdrawn, "not_osv": result.not_osv,
            "errors": result.errors, "total": result.total, "seconds": round(result.seconds, 3),
        }, indent=2))
    else:
        typer.echo(f"imported {result.stored} advisories ({result.unchanged} unchanged, "
                   f"{result.withdrawn} withdrawn skipped, {result.deleted} removed) in "
                   f"{result.seconds:.1f}s; {result.total} in the database")
        for err in result.errors[:20]:
            err_console.print(f"warning: {err}", highlight=False, markup=False)
        if len(result.errors) > 20:
            err_console.print(f"warning: ... and {len(result.errors) - 20} more unreadable files")


@app.command("status")
def status() -> None:
    """How many advisories the database holds."""
    from vigil.services import vuln_scans

    db = ready_database()
    try:
        typer.echo(f"{vuln_scans.advisory_count(db)} advisories")
    finally:
        db.dispose()
