"""Schemathesis fuzzes the threat endpoints from the OpenAPI spec: never a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Role
from vigil.services.keys import create_key
from vigil.storage.database import open_database
from vigil.storage.migrate import upgrade

_TMP = Path(tempfile.mkdtemp(prefix="vigil-threats-fuzz-"))
_URL = f"sqlite:///{_TMP / 'fuzz.db'}"
upgrade(_URL)
_SETTINGS = Settings(data_dir=_TMP, database_url=_URL, scheduler_enabled=False)
_DB = open_database(_SETTINGS)
ADMIN_KEY = create_key(_DB, "fuzz", Role.ADMIN, actor="test").secret
APP = create_app(_SETTINGS, db=_DB, config=OperatorConfig(), background=False)

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    deterministic=True)


@schema.include(path_regex=r"^/api/v1/security/(logs|threats)").parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json")
