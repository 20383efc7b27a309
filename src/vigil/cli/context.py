"""Settings and database for CLI commands, with configuration errors mapped to exit 2."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from vigil.cli.common import fail_usage
from vigil.config import Settings
from vigil.storage.database import Database, open_database
from vigil.storage.migrate import upgrade


def cli_settings() -> Settings:
    """Read VIGIL_* settings, exiting 2 with the offending variable when invalid."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "VIGIL_" + str(first["loc"][0]).upper() if first["loc"] else "VIGIL_*"
        fail_usage(f"{name}: {first['msg']}")


def one_line(exc: BaseException) -> str:
    """The first line of a database error (psycopg adds hints on further lines)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def cli_database(settings: Settings) -> Database:
    """Open the configured database (errors surface when it is first used)."""
    return open_database(settings)


def ready_database() -> Database:
    """Migrate the configured database to the current schema and open it.

    Exits 1 with a one-line reason when the database cannot be reached.
    """
    settings = cli_settings()
    try:
        upgrade(settings.effective_database_url())
    except SQLAlchemyError as exc:
        typer.echo(f"error: database unavailable: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    return cli_database(settings)
