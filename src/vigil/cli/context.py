"""Settings and database for CLI commands, with configuration errors mapped to exit 2.

pydantic, SQLAlchemy and Alembic load when a command first asks for settings or a
database, not when the CLI starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from vigil.cli.common import fail_usage

if TYPE_CHECKING:
    from vigil.config import Settings
    from vigil.storage.database import Database


def cli_settings() -> Settings:
    """Read VIGIL_* settings, exiting 2 with the offending variable when invalid."""
    from pydantic import ValidationError

    from vigil.config import Settings

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
    from vigil.storage.database import open_database

    return open_database(settings)


def ready_database() -> Database:
    """Migrate the configured database to the current schema and open it.

    Exits 1 with a one-line reason when the database cannot be reached.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.storage.migrate import upgrade

    settings = cli_settings()
    try:
        upgrade(settings.effective_database_url())
    except SQLAlchemyError as exc:
        typer.echo(f"error: database unavailable: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    return cli_database(settings)
