"""Settings and database for CLI commands, with configuration errors mapped to exit 2."""

from __future__ import annotations

from pydantic import ValidationError

from vigil.cli.common import fail_usage
from vigil.config import Settings
from vigil.storage.database import Database, open_database


def cli_settings() -> Settings:
    """Read VIGIL_* settings, exiting 2 with the offending variable when invalid."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "VIGIL_" + str(first["loc"][0]).upper() if first["loc"] else "VIGIL_*"
        fail_usage(f"{name}: {first['msg']}")


def cli_database(settings: Settings) -> Database:
    """Open the configured database (errors surface when it is first used)."""
    return open_database(settings)
