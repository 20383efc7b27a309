"""Alerts, silences and on-call through the HTTP API and the `vigil` CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vigil.alerting.config import AlertingConfig
from vigil.cli.main import app as cli
from vigil.config import Settings
from vigil.services import alerting as svc
from vigil.services.scheduler import job_lock
from vigil.storage.database import Database
from vigil.storage.models import SampleRow, SeriesRow


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def fire_one(db: Database, labels: dict[str, str] | None = None) -> int:
    """Store a security threat sample and evaluate: one firing P1 alert; returns its id."""
    now = datetime.now(UTC)
    labels = labels or {}
    with db.session() as s:
        row = SeriesRow(name="security_threats_detected",
                        labels_key=",".join(f"{k}={v}" for k, v in sorted(labels.items())),
                        labels=labels, created_at=now)
        s.add(row)
        s.flush()
        s.add(SampleRow(series_id=row.id, ts=now.timestamp(), value=2.0))
    svc.evaluate_alerts(db, Settings(), AlertingConfig(), now)
    [alert] = svc.list_alerts(db, ["firing"])
    assert alert.id is not None
    return alert.id


def test_api_alerts_and_silences(client: TestClient, keys: dict[str, str], db: Database) -> None:
    alert_id = fire_one(db)
    assert client.get("/api/v1/alerts").status_code == 401
    listed = client.get("/api/v1/alerts", headers=auth(keys["viewer"])).json()
    assert [a["priority"] for a in listed["items"]] == ["P1"]
    assert listed["items"][0]["response_target_seconds"] == 0
    assert client.post(f"/api/v1/alerts/{alert_id}/ack",
                       headers=auth(keys["viewer"])).status_code == 403
    acked = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=auth(keys["operator"]))
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "test-operator"
    shown = client.get(f"/api/v1/alerts/{alert_id}", headers=auth(keys["viewer"])).json()
    assert [e["kind"] for e in shown["timeline"]] == ["pending", "firing", "page",
                                                      "acknowledged"]
    page = shown["timeline"][2]["detail"]
    assert {c["role"] for c in page["contacts"]} == {"Security Engineer", "Engineering Manager"}
    assert shown["notifications"][0]["kind"] == "page"
    assert shown["upcoming_pages"] == []  # acknowledged: nobody else will be paged
    resolved = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=auth(keys["operator"]))
    assert resolved.json()["state"] == "resolved"
    again = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=auth(keys["operator"]))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/alerts/99999", headers=auth(keys["viewer"])).status_code == 404

    bad = client.post("/api/v1/silences", headers=auth(keys["operator"]),
                      json={"matchers": ["nope~x"], "comment": "x"})
    assert bad.status_code == 422
    huge = client.post("/api/v1/silences", headers=auth(keys["operator"]),
                       json={"matchers": ['a="b"'], "comment": "x", "duration": "99999999h"})
    assert huge.status_code == 422
    assert huge.json()["errors"][0]["path"] == "duration"  # was "matchers"
    assert "too long" in huge.json()["detail"]  # was "date value out of range"
    everything = client.post("/api/v1/silences", headers=auth(keys["operator"]),
                             json={"matchers": ['alertname=~".*"'], "comment": "x"})
    assert everything.status_code == 422
    assert everything.json()["errors"][0]["path"] == "matchers"
    made = client.post("/api/v1/silences", headers=auth(keys["operator"]),
                       json={"matchers": ['alertname="HighCpuUsage"'], "duration": "1h",
                             "comment": "deploy"})
    assert made.status_code == 201, made.text
    sil = made.json()
    assert sil["state"] == "active" and sil["created_by"] == "test-operator"
    listed_s = client.get("/api/v1/silences", headers=auth(keys["viewer"])).json()
    assert [s["id"] for s in listed_s] == [sil["id"]]
    gone = client.delete(f"/api/v1/silences/{sil['id']}", headers=auth(keys["operator"]))
    assert gone.json()["state"] == "expired"
    assert client.get("/api/v1/silences", headers=auth(keys["viewer"])).json() == []
    assert len(client.get("/api/v1/silences", params={"all": "true"},
                          headers=auth(keys["viewer"])).json()) == 1
    oncall = client.get("/api/v1/oncall", params={"at": "2026-11-26T10:00:00Z"},
                        headers=auth(keys["viewer"])).json()
    primary = next(e for e in oncall if e["schedule"] == "primary")
    assert primary["on_call"][0]["user"] == "alice"
    assert primary["next_handoff"] == "2026-11-30T09:00:00+00:00"


def test_cli_alerts_silences_oncall_notify(db_url: str, db: Database, tmp_path: Path,
                                           receiver_factory: Any) -> None:
    alert_id = fire_one(db)
    runner = CliRunner()
    with receiver_factory([503]) as rx:
        cfg = tmp_path / "vigil.yaml"
        cfg.write_text(f"alerting:\n  receivers:\n    team-hook:\n      type: slack\n"
                       f"      url: {rx.url}/slack\n")
        env = {"VIGIL_DATABASE_URL": db_url, "VIGIL_CONFIG": str(cfg),
               "VIGIL_DATA_DIR": str(tmp_path)}
        out = runner.invoke(cli, ["alerts", "list", "--format", "json"], env=env)
        assert out.exit_code == 0, out.output
        assert [a["id"] for a in json.loads(out.stdout)] == [alert_id]
        bad = runner.invoke(cli, ["alerts", "list", "--state", "bogus"], env=env)
        assert bad.exit_code == 2
        ack = runner.invoke(cli, ["alerts", "ack", str(alert_id), "--by", "heidi"], env=env)
        assert ack.exit_code == 0 and "acknowledged" in ack.stdout
        missing = runner.invoke(cli, ["alerts", "ack", "4242"], env=env)
        assert missing.exit_code == 2
        shown = runner.invoke(cli, ["alerts", "show", str(alert_id), "--format", "json"], env=env)
        assert json.loads(shown.stdout)["alert"]["acknowledged_by"] == "heidi"
        made = runner.invoke(cli, ["silences", "create", "-m", 'service="api"', "--duration",
                                   "30m", "--comment", "deploy"], env=env)
        assert made.exit_code == 0, made.output
        listed = json.loads(runner.invoke(cli, ["silences", "list", "--format", "json"],
                                          env=env).stdout)
        assert listed[0]["matchers"] == ['service="api"']
        assert runner.invoke(cli, ["silences", "expire", str(listed[0]["id"])],
                             env=env).exit_code == 0
        bad_m = runner.invoke(cli, ["silences", "create", "-m", "x", "--comment", "c"], env=env)
        assert bad_m.exit_code == 2
        huge = runner.invoke(cli, ["silences", "create", "-m", 'a="b"', "--comment", "c",
                                   "--duration", "99999999h"], env=env)
        assert huge.exit_code == 2 and "too long" in huge.output  # was an OverflowError
        everything = runner.invoke(cli, ["silences", "create", "-m", 'alertname=~".*"',
                                         "--comment", "c"], env=env)
        assert everything.exit_code == 2 and "mute every alert" in everything.output
        who = runner.invoke(cli, ["oncall", "now", "--at", "2026-11-26T10:00:00Z",
                                  "--format", "json"], env=env)
        assert who.exit_code == 0
        assert json.loads(who.stdout)[0]["on_call"][0]["phone"] == "+1-555-0100"
        sent = runner.invoke(cli, ["notify", "test", "team-hook"], env=env)
        assert sent.exit_code == 0, sent.output
        assert rx.attempts == 2 and "VigilTestNotification" in rx.requests[0][1]["text"]
        unknown = runner.invoke(cli, ["notify", "test", "nope"], env=env)
        assert unknown.exit_code == 2
    down = runner.invoke(cli, ["notify", "test", "team-hook"], env=env)  # receiver gone
    assert down.exit_code == 1
    cfg.write_text("alerting:\n  rules:\n    - name: X\n      metric: m\n      threshold: nope\n")
    broken = runner.invoke(cli, ["oncall", "now"], env=env)
    assert broken.exit_code == 2


def test_cli_tables_show_brackets_in_labels_literally(db_url: str, db: Database,
                                                     tmp_path: Path) -> None:
    """Before: `vigil alerts list` and `show` crashed with a Rich MarkupError traceback
    as soon as one alert had a label value like `[/x]`."""
    alert_id = fire_one(db, {"host": "[/x]", "note": "[bold]"})
    env = {"VIGIL_DATABASE_URL": db_url, "VIGIL_DATA_DIR": str(tmp_path),
           "COLUMNS": "300"}
    runner = CliRunner()
    listed = runner.invoke(cli, ["alerts", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert '[/x]' in listed.stdout and '[bold]' in listed.stdout
    shown = runner.invoke(cli, ["alerts", "show", str(alert_id)], env=env)
    assert shown.exit_code == 0, shown.output
    assert 'host="[/x]"' in shown.stdout
    made = runner.invoke(cli, ["silences", "create", "-m", 'host="[/x]"', "--comment",
                               "[/oops]"], env=env)
    assert made.exit_code == 0, made.output
    silences = runner.invoke(cli, ["silences", "list"], env=env)
    assert silences.exit_code == 0 and "[/oops]" in silences.stdout, silences.output


def test_cli_evaluate_waits_for_the_evaluation_lock(db_url: str, db: Database,
                                                    tmp_path: Path) -> None:
    """`vigil alerts evaluate` takes the lock of the service's evaluation job (PostgreSQL),
    so it never runs a cycle beside a replica's; SQLite has one process and no lock."""
    fire_one(db)
    env = {"VIGIL_DATABASE_URL": db_url, "VIGIL_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    with job_lock(db, svc.EVALUATION_JOB) as held:
        assert held
        busy = runner.invoke(cli, ["alerts", "evaluate", "--wait", "0"], env=env)
    if db.dialect == "postgresql":
        assert busy.exit_code == 1 and "another evaluation cycle" in busy.output
    else:
        assert busy.exit_code == 0, busy.output
    free = runner.invoke(cli, ["alerts", "evaluate", "--wait", "0"], env=env)
    assert free.exit_code == 0, free.output
    assert "firing" in free.output
