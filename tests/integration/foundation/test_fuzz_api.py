"""Schemathesis fuzzes the ingest, read, key and detect endpoints: never a 5xx."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target

TARGET = fuzz_target("foundation")


@TARGET.schema.include(
    path_regex=r"^/api/v1/(ingest|series|anomalies|keys|detect)").parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)
