"""A new critical finding raises NewCriticalVulnerability, even while older criticals are open.

The whole chain on SQLite and PostgreSQL: recorded scans count new critical findings
(`vigil_security_new_critical_findings_total`), self-metrics write the increase over their
window as `security_new_critical_findings`, and an evaluation cycle of the default rules
raises the alert. Counts are read as deltas of the process registry (each xdist worker is
its own process) and self-metrics start from a baseline taken inside the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from vigil.alerting.config import AlertingConfig
from vigil.alerting.lifecycle import Alert
from vigil.config import Settings
from vigil.security.ignore import IgnoreRule
from vigil.security.scanner import ScanReport
from vigil.services import alerting as svc
from vigil.services import vuln_scans
from vigil.services.self_metrics import SelfMetrics
from vigil.storage import series_repo
from vigil.storage.database import Database
from vigil.telemetry.security_metrics import set_open_findings

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NEW = "NewCriticalVulnerability"
OPEN = "CriticalVulnerabilityFound"
COUNTER = "vigil_security_new_critical_findings_total"
ADVISORIES = {  # id: (package, severity); every version below 2.0 is affected
    "VIGIL-NEWCRIT-A": ("alpha-pkg", "CRITICAL"),
    "VIGIL-NEWCRIT-B": ("beta-pkg", "CRITICAL"),
    "VIGIL-NEWCRIT-C": ("gamma-pkg", "CRITICAL"),
    "VIGIL-NEWCRIT-H": ("delta-pkg", "HIGH"),
}


@pytest.fixture(autouse=True)
def _reset_findings_gauge() -> Iterator[None]:
    """Recorded scans set the process-wide open-findings gauge: leave it at zero."""
    yield
    set_open_findings({})


def _import(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "advisories"
    folder.mkdir()
    for adv_id, (package, severity) in ADVISORIES.items():
        doc = {"id": adv_id, "modified": "2026-01-01T00:00:00Z", "summary": f"{adv_id} test",
               "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                             "ranges": [{"type": "ECOSYSTEM",
                                         "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}],
               "database_specific": {"severity": severity}}
        (folder / f"{adv_id}.json").write_text(json.dumps(doc), encoding="utf-8")
    assert vuln_scans.import_advisories(db, folder).stored == len(ADVISORIES)


def _scan(db: Database, tmp_path: Path, target: str, packages: list[str], at: datetime,
          ignores: list[IgnoreRule] | None = None) -> ScanReport:
    """Scan a requirements.txt pinning `packages` at 1.0 and record it as `target`."""
    reqs = tmp_path / target / "requirements.txt"
    reqs.parent.mkdir(exist_ok=True)
    reqs.write_text("".join(f"{p}==1.0\n" for p in packages), encoding="utf-8")
    report = vuln_scans.scan_extraction(db, target, vuln_scans.extract_path(reqs), ignores,
                                        today=at.date())
    vuln_scans.record_scan(db, report, "test", now=at)
    return report


def _counter() -> float:
    return REGISTRY.get_sample_value(COUNTER) or 0.0


def _cycle(db: Database, settings: Settings, metrics: SelfMetrics, cfg: AlertingConfig,
           at: datetime) -> dict[str, float]:
    """What self-metrics write at `at`, then one alert evaluation cycle at `at`."""
    points = metrics.points(at.timestamp())
    assert metrics.record(db, settings, at.timestamp()).accepted == len(points)
    svc.evaluate_alerts(db, settings, cfg, at)
    return points


def _alerts(db: Database, rule: str) -> list[Alert]:
    return sorted((a for a in svc.list_alerts(db) if a.rule == rule),
                  key=lambda a: a.id or 0)


def _events(db: Database, alert: Alert) -> list[str]:
    assert alert.id is not None
    return [e.kind for e in svc.alert_detail(db, alert.id).events]


def test_a_new_critical_raises_an_alert_while_an_older_one_is_open(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    _import(db, tmp_path)
    cfg = AlertingConfig.model_validate({})  # the shipped default rules
    metrics = SelfMetrics()  # Vigil's own registry, as the service uses it
    assert _cycle(db, settings, metrics, cfg, T0)["security_new_critical_findings"] == 0.0

    # First scan: one critical, new. Both alerts fire.
    before = _counter()
    first = _scan(db, tmp_path, "svc-a", ["alpha-pkg"], T0 + timedelta(minutes=1))
    assert [f.severity for f in first.findings] == ["CRITICAL"]
    assert _counter() - before == 1.0
    points = _cycle(db, settings, metrics, cfg, T0 + timedelta(minutes=1))
    assert points["security_new_critical_findings"] == 1.0
    assert points["security_critical_findings"] == 1.0
    [open_alert] = _alerts(db, OPEN)
    [new_alert] = _alerts(db, NEW)
    assert open_alert.state.value == new_alert.state.value == "firing"
    assert (new_alert.severity.value, new_alert.priority.value,
            new_alert.labels["category"]) == ("critical", "P2", "vulnerability")
    assert open_alert.id is not None
    svc.acknowledge_alert(db, open_alert.id, "heidi", T0 + timedelta(minutes=2))

    # Re-scan 20 minutes later: the critical is still there and a HIGH is new. No new
    # critical: the counter stays, NewCriticalVulnerability resolves (the window holds none),
    # CriticalVulnerabilityFound stays acknowledged.
    before = _counter()
    again = _scan(db, tmp_path, "svc-a", ["alpha-pkg", "delta-pkg"],
                  T0 + timedelta(minutes=20))
    assert sorted(f.severity for f in again.findings) == ["CRITICAL", "HIGH"]
    assert _counter() - before == 0.0
    points = _cycle(db, settings, metrics, cfg, T0 + timedelta(minutes=20))
    assert points["security_new_critical_findings"] == 0.0
    assert points["security_critical_findings"] == 1.0
    assert [a.state.value for a in _alerts(db, NEW)] == ["resolved"]
    assert [a.state.value for a in _alerts(db, OPEN)] == ["acknowledged"]

    # A second critical appears in the same target while the first is open (acknowledged):
    # a new NewCriticalVulnerability alert fires and pages; nothing mutes it.
    before = _counter()
    third = _scan(db, tmp_path, "svc-a", ["alpha-pkg", "delta-pkg", "beta-pkg"],
                  T0 + timedelta(minutes=30))
    assert sorted(f.id for f in third.findings if f.severity == "CRITICAL") == [
        "VIGIL-NEWCRIT-A", "VIGIL-NEWCRIT-B"]
    assert _counter() - before == 1.0
    points = _cycle(db, settings, metrics, cfg, T0 + timedelta(minutes=30))
    assert points["security_new_critical_findings"] == 1.0
    assert points["security_critical_findings"] == 2.0
    resolved, fresh = _alerts(db, NEW)
    assert (resolved.state.value, fresh.state.value) == ("resolved", "firing")
    assert fresh.fired_at == T0 + timedelta(minutes=30) and fresh.value == 1.0
    assert fresh.muted is None  # CriticalVulnerabilityFound does not inhibit it
    assert "page" in _events(db, fresh)
    [still_open] = _alerts(db, OPEN)
    assert still_open.state.value == "acknowledged" and still_open.value == 2.0

    # The series the rule reads is Vigil's own, one point per self-metrics run.
    with db.session() as session:
        names = {s.name for s in series_repo.list_series(session, None, {"job": "vigil"},
                                                         0, 50)}
    assert "security_new_critical_findings" in names


def test_a_suppressed_new_critical_raises_nothing(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    _import(db, tmp_path)
    cfg = AlertingConfig.model_validate({})
    metrics = SelfMetrics()
    _cycle(db, settings, metrics, cfg, T0)
    rule = IgnoreRule("VIGIL-NEWCRIT-C", "not reachable; OPS-7", "gamma-pkg", date(2026, 12, 31))

    # A critical new in another target, suppressed by the ignore file: stored, not new.
    before = _counter()
    report = _scan(db, tmp_path, "svc-b", ["gamma-pkg"], T0 + timedelta(minutes=1), [rule])
    assert report.findings == [] and [f.id for f, _ in report.suppressed] == ["VIGIL-NEWCRIT-C"]
    assert _counter() - before == 0.0
    points = _cycle(db, settings, metrics, cfg, T0 + timedelta(minutes=1))
    assert points["security_new_critical_findings"] == 0.0
    assert points["security_critical_findings"] == 0.0
    assert _alerts(db, NEW) == [] and _alerts(db, OPEN) == []
    [stored] = vuln_scans.list_findings(db, target="svc-b", include_suppressed=True)
    assert stored["suppressed"] is not None

    # The same scan without the ignore entry: active again but never fixed, so still not new.
    before = _counter()
    _scan(db, tmp_path, "svc-b", ["gamma-pkg"], T0 + timedelta(minutes=2))
    assert _counter() - before == 0.0
    points = _cycle(db, settings, metrics, cfg, T0 + timedelta(minutes=2))
    assert points["security_new_critical_findings"] == 0.0
    assert points["security_critical_findings"] == 1.0
    assert _alerts(db, NEW) == []
    assert [a.state.value for a in _alerts(db, OPEN)] == ["firing"]


def test_vigil_scan_record_in_its_own_process_reaches_the_service_rules(
        db: Database, db_url: str, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`vigil scan --record` cannot bump the service's counter (another process), so it
    writes its new criticals as a `cli@<host>` point of the series the rule reads; scanning
    the same file again finds nothing new and writes nothing."""
    from typer.testing import CliRunner

    from vigil.cli.main import app

    _import(db, tmp_path)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("alpha-pkg==1.0\ndelta-pkg==1.0\n", encoding="utf-8")
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)

    def cli_points() -> list[float]:
        with db.session() as session:
            [series] = [s for s in series_repo.list_series(
                session, "security_new_critical_findings", {"job": "vigil"}, 0, 50)
                if s.labels["instance"].startswith("cli@")]
            return [v for _, v in series_repo.read_points(session, series.id, None, None,
                                                          None, 100)]

    runner = CliRunner()
    first = runner.invoke(app, ["scan", str(reqs), "--record", "--format", "json"])
    assert first.exit_code == 1, first.output  # findings
    assert cli_points() == [1.0]  # alpha-pkg is critical and new; delta-pkg is HIGH
    svc.evaluate_alerts(db, settings, AlertingConfig(), datetime.now(UTC))
    [alert] = _alerts(db, NEW)
    assert alert.state.value == "firing" and alert.labels["instance"].startswith("cli@")
    again = runner.invoke(app, ["scan", str(reqs), "--record", "--format", "json"])
    assert again.exit_code == 1
    assert cli_points() == [1.0]
