"""`vigil db upgrade|check`: apply migrations and check the database."""

from __future__ import annotations

import typer

from vigil.cli.common import err_console
from vigil.cli.context import cli_settings, one_line

app = typer.Typer(help="Database schema: upgrade and check.", no_args_is_help=True)


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
