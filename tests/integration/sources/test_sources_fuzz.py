"""Schemathesis fuzzes the sources routes: never a 5xx, errors as problems."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target

PATHS = r"^/api/v1/sources"
TARGET = fuzz_target("sources")


@TARGET.schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)
