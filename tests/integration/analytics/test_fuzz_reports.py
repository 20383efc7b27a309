"""Schemathesis fuzzes the report and analytics routes over a seeded history: never a 5xx,
every error problem+json, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target, postgres_fuzz_target
from tests.integration.analytics.seeding import seed_history
from tests.support import service_missing
from vigil.config import Settings
from vigil.core.types import Role
from vigil.storage.database import Database

PATHS = r"^/api/v1/(reports|analytics)"


def _prepare(db: Database, _settings: Settings) -> None:
    seed_history(db)


TARGET = fuzz_target("reports", role=Role.VIEWER, prepare=_prepare)
PG_TARGET, PG_MISSING = postgres_fuzz_target("reports-pg", role=Role.VIEWER, prepare=_prepare)


@TARGET.schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)


@pytest.mark.postgres
@(PG_TARGET or TARGET).schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors_on_postgres(case: Any) -> None:
    if PG_TARGET is None:
        service_missing("PostgreSQL at 127.0.0.1:5432", PG_MISSING)
        return
    PG_TARGET.check(case)
