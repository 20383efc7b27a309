"""Schemathesis fuzzes feedback, quality and model routes: never a 5xx, errors as problems."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target
from vigil.config import Settings
from vigil.storage.database import Database

PATHS = (r"^/api/v1/(models/|anomalies/\{anomaly_id\}/feedback|"
         r"series/\{series_id\}/(missed|quality|models))")


def _seed(db: Database, cfg: Settings) -> None:
    from tests.integration.lifecycle.helpers import series_with_anomalies

    now = time.time()
    series_with_anomalies(db, cfg, "fuzzed", [now - 120, now - 60])


TARGET = fuzz_target("lifecycle", prepare=_seed)


@TARGET.schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)
