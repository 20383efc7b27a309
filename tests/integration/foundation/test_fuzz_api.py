"""Schemathesis fuzzes the ingest, read, key and detect endpoints: never a 5xx.

The same cases run on SQLite and, when it answers, on the real PostgreSQL, which
refuses some values SQLite stores (a NUL in text, for one).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target, postgres_fuzz_target
from tests.support import service_missing

PATHS = r"^/api/v1/(ingest|series|anomalies|keys|detect)"
TARGET = fuzz_target("foundation")
PG_TARGET, PG_MISSING = postgres_fuzz_target("foundation-pg")


@TARGET.schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)


@pytest.mark.postgres
@(PG_TARGET or TARGET).schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors_on_postgres(case: Any) -> None:
    if PG_TARGET is None:
        service_missing("PostgreSQL at 127.0.0.1:5432", PG_MISSING)
        return
    PG_TARGET.check(case)
