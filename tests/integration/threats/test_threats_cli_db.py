"""CLI commands that read the database: `vigil threats list`, `vigil audit config`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.core.types import Priority, Role
from vigil.security.threats import Threat
from vigil.services import keys as key_service
from vigil.services import threats as service
from vigil.storage.database import Database

runner = CliRunner()
FIXTURES = Path(__file__).parents[2] / "fixtures" / "threats"


def test_threats_list_reads_stored_threats(db: Database, db_url: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    service.store_threats(db, [
        Threat("ssh_brute_force", "192.0.2.1", now, now, 9, "T1110.001", Priority.P2, "r"),
        Threat("login_after_brute_force", "192.0.2.1", now, now, 10, "T1078", Priority.P1, "r"),
    ], "cli")
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    result = runner.invoke(app, ["threats", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["type"] for r in rows] == ["login_after_brute_force", "ssh_brute_force"]
    p1 = runner.invoke(app, ["threats", "list", "--format", "json", "--priority", "P1"])
    assert [r["priority"] for r in json.loads(p1.stdout)] == ["P1"]


def test_audit_config_checks_the_bootstrap_key(db: Database, db_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.setenv("VIGIL_TLS_PROXY", "true")
    boot = key_service.create_key(db, "bootstrap-admin", Role.ADMIN, actor="t", bootstrap=True)
    result = runner.invoke(app, ["audit", "config", "--format", "json"])
    assert result.exit_code == 1
    assert [f["check_id"] for f in json.loads(result.stdout)["findings"]] == ["CFG002"]
    key_service.create_key(db, "alice", Role.ADMIN, actor="t")
    key_service.revoke_key(db, boot.record.id, actor="t")
    config = tmp_path / "vigil.yaml"
    config.write_text("threats:\n  allowlist: [10.0.0.0/8]\n")
    result = runner.invoke(app, ["audit", "config", "--format", "json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    config.write_text("remote_write:\n  password: hunter2\n")
    result = runner.invoke(app, ["audit", "config", "--format", "json", "--config", str(config)])
    assert [f["check_id"] for f in json.loads(result.stdout)["findings"]] == ["CFG004"]


def test_threats_scan_store_keeps_threats_and_raises_the_p1(
        db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`vigil threats scan --store` stores what it finds (listed by `threats list`) and
    writes the `security_threats_detected` point the running service's rules page on; a
    second scan of the same log updates the stored threats and signals nothing new."""
    from vigil.alerting.config import AlertingConfig
    from vigil.config import Settings
    from vigil.services import alerting as alerting_service

    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    log = str(FIXTURES / "auth.log")
    first = runner.invoke(app, ["threats", "scan", log, "--year", "2025", "--store",
                                "--format", "json"])
    assert first.exit_code == 1, first.output  # threats found
    scanned = json.loads(first.stdout)
    assert scanned["stored"] == {"inserted": len(scanned["threats"]), "updated": 0}
    listed = json.loads(runner.invoke(app, ["threats", "list", "--format", "json"]).stdout)
    assert {(r["type"], r["source_ip"]) for r in listed} == \
        {(t["type"], t["source_ip"]) for t in scanned["threats"]}
    assert {r["origin"] for r in listed} == {"cli"}

    report = alerting_service.evaluate_alerts(db, Settings(), AlertingConfig(),
                                              datetime.now(UTC))
    assert report.firing >= 1
    [alert] = [a for a in alerting_service.list_alerts(db, ["firing"])
               if a.labels["alertname"] == "SecurityThreatDetected"]
    assert alert.priority is Priority.P1

    again = runner.invoke(app, ["threats", "scan", log, "--year", "2025", "--store",
                                "--format", "json"])
    assert json.loads(again.stdout)["stored"] == {"inserted": 0,
                                                   "updated": len(scanned["threats"])}
    assert len(json.loads(runner.invoke(app, ["threats", "list", "--format",
                                              "json"]).stdout)) == len(listed)


def test_threats_scan_without_store_writes_nothing(db: Database, db_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    result = runner.invoke(app, ["threats", "scan", str(FIXTURES / "auth.log"), "--year",
                                 "2025", "--format", "json"])
    assert result.exit_code == 1 and "stored" not in json.loads(result.stdout)
    assert json.loads(runner.invoke(app, ["threats", "list", "--format", "json"]).stdout) == []
