"""Schemathesis fuzzes the alerting routes from the OpenAPI spec: never a 5xx."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from vigil.alerting.config import AlertingConfig
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Role
from vigil.services import alerting as svc
from vigil.services.keys import create_key
from vigil.storage.database import open_database
from vigil.storage.migrate import upgrade
from vigil.storage.models import SampleRow, SeriesRow

_TMP = Path(tempfile.mkdtemp(prefix="vigil-fuzz-alerting-"))
_URL = f"sqlite:///{_TMP / 'fuzz.db'}"
upgrade(_URL)
_SETTINGS = Settings(data_dir=_TMP, database_url=_URL, scheduler_enabled=False)
_DB = open_database(_SETTINGS)
OPERATOR_KEY = create_key(_DB, "fuzz", Role.OPERATOR, actor="test").secret
_NOW = datetime.now(UTC)
with _DB.session() as _s:
    _row = SeriesRow(name="up", labels_key="", labels={}, created_at=_NOW)
    _s.add(_row)
    _s.flush()
    _s.add(SampleRow(series_id=_row.id, ts=_NOW.timestamp(), value=0.0))
svc.evaluate_alerts(_DB, _SETTINGS, AlertingConfig(), _NOW)
APP = create_app(_SETTINGS, db=_DB, config=OperatorConfig(), background=False)

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    deterministic=True)


@schema.include(path_regex=r"^/api/v1/(alerts|silences|oncall)").parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {OPERATOR_KEY}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json")
