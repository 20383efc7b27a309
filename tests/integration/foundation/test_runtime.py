"""Everything `vigil serve` runs beside the API: jobs registered and runnable, hooks wired."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.storage.database import Database
from vigil.storage.jobs_repo import list_runs


def test_every_job_is_registered_and_runs(settings: Settings, db: Database) -> None:
    app = create_app(settings, db=db, config=OperatorConfig(), background=False)
    scheduler = app.state.runtime.scheduler
    assert set(scheduler.jobs) >= {"retention", "self_metrics", "alert_evaluation",
                                   "vulnerability_scans"}
    for job in scheduler.jobs:
        assert scheduler.run_now(job) == "ok", job
    runs = {r.name: r for r in list_runs(db)}
    assert all(runs[j].last_status == "ok" for j in scheduler.jobs)


def test_api_key_brute_force_becomes_a_stored_threat(settings: Settings, db: Database,
                                                    keys: dict[str, str]) -> None:
    app = create_app(settings, db=db, config=OperatorConfig(), background=False)
    with TestClient(app) as client:
        for i in range(15):  # over the rule's threshold (10), under the lockout (20)
            assert client.get("/api/v1/series",
                              headers=auth(f"vgl_guess-{i}")).status_code == 401
        threats = client.get("/api/v1/security/threats",
                             headers=auth(keys["viewer"])).json()["items"]
    brute = [t for t in threats if t["type"] == "api_key_brute_force"]
    assert len(brute) == 1 and brute[0]["source_ip"] == "testclient"
    assert brute[0]["count"] == 15  # the stored threat follows the attack past the threshold


def test_security_signals_raise_alerts_through_the_rules(settings: Settings,
                                                         db: Database) -> None:
    """A new critical finding and a detected threat page through the default rules."""
    from vigil.services.alerting import list_alerts
    from vigil.telemetry.security_metrics import set_open_findings
    from vigil.telemetry.threat_metrics import THREATS_DETECTED

    app = create_app(settings, db=db, config=OperatorConfig(), background=False)
    scheduler = app.state.runtime.scheduler
    scheduler.run_now("self_metrics")  # a baseline before anything happens
    set_open_findings({"CRITICAL": 1})
    THREATS_DETECTED.labels(type="ssh_brute_force", priority="P1").inc()
    try:
        assert scheduler.run_now("self_metrics") == "ok"
        assert scheduler.run_now("alert_evaluation") == "ok"
        alerts = {a.rule: a for a in list_alerts(db)}
    finally:
        set_open_findings({})
    assert alerts["CriticalVulnerabilityFound"].state.value == "firing"
    threat = alerts["SecurityThreatDetected"]
    assert threat.state.value == "firing" and threat.priority.value == "P1"
