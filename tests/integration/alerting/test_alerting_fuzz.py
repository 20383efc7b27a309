"""Schemathesis fuzzes the alerting routes from the OpenAPI spec: never a 5xx."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings

from tests.fuzzing import fuzz_target
from vigil.alerting.config import AlertingConfig
from vigil.config import Settings
from vigil.core.types import Role
from vigil.services import alerting as svc
from vigil.storage.database import Database
from vigil.storage.models import SampleRow, SeriesRow


def _one_firing_alert(db: Database, config: Settings) -> None:
    """Seed a down service so the routes have a real alert to act on."""
    now = datetime.now(UTC)
    with db.session() as session:
        row = SeriesRow(name="up", labels_key="", labels={}, created_at=now)
        session.add(row)
        session.flush()
        session.add(SampleRow(series_id=row.id, ts=now.timestamp(), value=0.0))
    svc.evaluate_alerts(db, config, AlertingConfig(), now)


TARGET = fuzz_target("alerting", Role.OPERATOR, prepare=_one_firing_alert)


@TARGET.schema.include(path_regex=r"^/api/v1/(alerts|silences|oncall)").parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    TARGET.check(case)
