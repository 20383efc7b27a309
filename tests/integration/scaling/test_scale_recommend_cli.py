"""`vigil scale recommend` from the configured database; invalid targets stop with the path."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.services.ingest import ingest
from vigil.storage.database import Database

runner = CliRunner()
YAML = """scaling:
  targets:
    - name: web
      metric: rps
      capacity_per_replica: 10
      startup: 10m
"""


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path,
         text: str) -> None:
    cfg = tmp_path / "vigil.yml"
    cfg.write_text(text)
    monkeypatch.setenv("VIGIL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VIGIL_CONFIG", str(cfg))


def test_recommend_prints_every_target_and_why(monkeypatch: pytest.MonkeyPatch,
                                               settings: Settings, db: Database,
                                               tmp_path: Path) -> None:
    now = time.time()
    ts = np.arange(now - 86400.0, now, 60.0)
    report = ingest(db, settings, [SeriesInput("rps", {}, [(float(t), 35.0) for t in ts])])
    assert report.accepted == len(ts)
    _env(monkeypatch, settings, tmp_path, YAML)
    r = runner.invoke(app, ["scale", "recommend", "--format", "json"])
    assert r.exit_code == 0, r.output
    (item,) = json.loads(r.stdout)
    # 35 / (10 × 0.7) = 5 pods (above the default minimum, 3)
    assert item["target"] == "web" and item["replicas"] == 5
    assert item["forecast"]["mean"] == pytest.approx(35.0)
    assert item["policies"]["hpa_replicas"] == 5 and item["fallback"] is None
    r = runner.invoke(app, ["scale", "recommend"])
    assert r.exit_code == 0 and "web" in r.stdout


@pytest.mark.parametrize(("extra", "message"), [
    ("      min_replicas: 9\n      max_replicas: 4\n", "scaling.targets.0"),
    ("", "scaling.targets.0.capacity_per_replica"),
])
def test_invalid_target_is_rejected_naming_the_path(
        monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path,
        extra: str, message: str) -> None:
    text = YAML + extra if extra else YAML.replace("capacity_per_replica: 10",
                                                   "capacity_per_replica: 0")
    _env(monkeypatch, settings, tmp_path, text)
    r = runner.invoke(app, ["scale", "recommend"])
    assert r.exit_code == 2, r.output
    assert message in r.output and "vigil.yml" in r.output
