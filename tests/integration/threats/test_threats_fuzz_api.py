"""Schemathesis fuzzes the threat endpoints from the OpenAPI spec: never a 5xx."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target

TARGET = fuzz_target("threats")


@TARGET.schema.include(path_regex=r"^/api/v1/security/(logs|threats)").parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)
