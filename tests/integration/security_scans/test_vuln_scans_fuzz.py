"""Schemathesis fuzzes the vulnerability-scan routes from the OpenAPI spec: never a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target
from vigil.core.types import Role
from vigil.services import vuln_scans

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "security"
TARGET = fuzz_target("security", Role.OPERATOR, prepare=lambda db, _settings:
                     vuln_scans.import_advisories(db, _FIXTURES / "advisories") and None)


@TARGET.schema.include(path_regex=r"^/api/v1/security/(scans|findings)").parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)
