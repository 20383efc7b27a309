"""`vigil db upgrade|check|backup|restore|maintain`: schema, checks, backups, upkeep."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from vigil.cli.common import OutputFormat, err_console, fail_usage
from vigil.cli.context import cli_database, cli_settings, one_line

app = typer.Typer(help="Database: schema upgrade, check, backup, restore, maintenance.",
                  no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration to the configured database."""
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.storage.migrate import upgrade as run_upgrade

    settings = cli_settings()
    url = settings.effective_database_url()
    try:
        run_upgrade(url)
    except SQLAlchemyError as exc:
        err_console.print(f"error: cannot upgrade the database: {one_line(exc)}",
                          highlight=False)
        raise typer.Exit(1) from None
    typer.echo(f"database is up to date ({settings.effective_database_url().split(':')[0]})")


@app.command("check")
def check() -> None:
    """Connect and check the schema version; exit 0 when current, 1 with a one-line reason."""
    from vigil.storage.database import health_check

    report = health_check(cli_settings())
    if report["status"] == "ok":
        typer.echo(f"ok: {report['dialect']} reachable in {report['latency_ms']} ms, "
                   f"schema {','.join(report['schema_revision'])}")
        return
    if report["status"] == "down":
        typer.echo(f"database unreachable: {report['error']}", err=True)
    else:
        current = ",".join(report["schema_revision"]) or "none"
        typer.echo(f"schema at {current}, expected {','.join(report['expected_revision'])}: "
                   "run `vigil db upgrade`", err=True)
    raise typer.Exit(1)


@app.command("backup")
def backup(
    out: Path = typer.Option(..., "--out",
                             help="Backup file to write (a tar: manifest + snapshot)."),
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Back up the configured database while it serves (SQLite backup API or pg_dump -Fc)."""
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.storage.backup import BackupInputError, describe
    from vigil.storage.backup import backup as run_backup

    url = cli_settings().effective_database_url()
    try:
        manifest = run_backup(url, out)
    except BackupInputError as exc:
        fail_usage(str(exc))
    except (SQLAlchemyError, RuntimeError, OSError) as exc:
        typer.echo(f"error: backup failed: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps({"file": str(out), **describe(manifest)}, indent=2))
        return
    rows = sum(manifest.row_counts.values())
    typer.echo(f"backup written to {out}: {manifest.dialect}, schema "
               f"{','.join(manifest.schema_revision)}, {rows} rows in "
               f"{len(manifest.row_counts)} tables, sha256 {manifest.sha256[:16]}")


@app.command("restore")
def restore(
    backup_file: Path = typer.Argument(..., help="A file written by `vigil db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Replace a database that already holds data."),
) -> None:
    """Restore a backup into the configured database, all or nothing; stop Vigil first."""
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.storage.backup import BackupInputError
    from vigil.storage.backup import restore as run_restore

    url = cli_settings().effective_database_url()
    try:
        result = run_restore(backup_file, url, replace=yes)
    except BackupInputError as exc:
        fail_usage(str(exc))
    except (SQLAlchemyError, RuntimeError, OSError) as exc:
        typer.echo(f"error: restore failed: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    manifest = result.manifest
    typer.echo(f"restored {backup_file} ({sum(manifest.row_counts.values())} rows, schema "
               f"{','.join(manifest.schema_revision)}, taken {manifest.created_at})")
    if result.upgrade_needed:
        typer.echo("the restored schema is older than this Vigil: run `vigil db upgrade`")


@app.command("maintain")
def maintain(
    vacuum: bool = typer.Option(True, "--vacuum/--no-vacuum",
                                help="VACUUM as well as ANALYZE (reclaims space)."),
    retention: bool = typer.Option(True, "--retention/--no-retention",
                                   help="Delete samples older than VIGIL_RETENTION_DAYS."),
    output_format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Retention, VACUUM/ANALYZE, index health and table sizes; exit 1 on an index problem."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from vigil.services.retention import apply_retention
    from vigil.storage.maintenance import maintain as run_maintain

    settings = cli_settings()
    db = cli_database(settings)
    try:
        deleted = (apply_retention(db, settings.retention_days, settings.retention_batch_size,
                                   datetime.now(UTC)) if retention else 0)
        report = run_maintain(db, vacuum=vacuum)
    except SQLAlchemyError as exc:
        typer.echo(f"error: maintenance failed: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    if output_format is OutputFormat.JSON:
        from dataclasses import asdict

        typer.echo(json.dumps({"retention_deleted_samples": deleted, **asdict(report)},
                              indent=2))
    else:
        typer.echo(f"{report.dialect}: retention deleted {deleted} samples older than "
                   f"{settings.retention_days} days; "
                   f"{'VACUUM and ' if report.vacuumed else ''}ANALYZE done; database "
                   f"{_human(report.database_bytes)}")
        typer.echo(f"{'table':<32} {'rows':>12} {'size':>10}")
        for table in sorted(report.tables, key=lambda t: -(t.total_bytes or 0)):
            typer.echo(f"{table.name:<32} {table.rows:>12} {_human(table.total_bytes):>10}")
    for problem in report.index_problems:
        typer.echo(f"index problem: {problem}", err=True)
    if report.index_problems:
        raise typer.Exit(1)


def _human(size: int | None) -> str:
    """Bytes as B/KiB/MiB/GiB, or `?` when unknown."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
