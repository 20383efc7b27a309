"""Reports end to end on SQLite and PostgreSQL: numbers from a hand-computed history, the
CLI, the API (problem+json), self-contained HTML, and the scheduled job's delivery."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.integration.analytics.seeding import WEEK, seed_history
from tests.support import auth
from vigil.cli.main import app as cli
from vigil.config import OperatorConfig, Settings
from vigil.services.reports import (
    generate,
    render,
    reports_job,
    retry_deliveries,
    run_due_reports,
)
from vigil.services.reports.queries import list_report_runs, stored_report
from vigil.storage.database import Database

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_weekly_report_numbers_match_the_hand_computed_history(
        db: Database, settings: Settings) -> None:
    seed_history(db)
    report = generate(db, settings, OperatorConfig(), "weekly", week=WEEK, now=NOW)
    inc = report["incidents"]
    p1 = inc["by_priority"]["P1"]
    assert (p1["alerts"], p1["acknowledged"], p1["resolved"]) == (5, 4, 5)
    assert (p1["mtta_p50"], p1["mtta_p90"]) == (270.0, 528.0)
    assert (p1["mttr_p50"], p1["mttr_p90"]) == (1200.0, 2880.0)
    assert (p1["targets_met"], p1["targets_missed"], p1["target_share"]) == (3, 2, 0.6)
    p4 = inc["by_priority"]["P4"]
    assert (p4["targets_met"], p4["targets_missed"]) == (1, 0)  # Friday -> Monday's close
    assert set(inc["by_service"]) == {"api", "db"}
    assert inc["escalation_levels"] == {"0": 3, "1": 1}
    assert inc["pages"] == 5  # the failed page is left out
    assert inc["pages_per_person"] == {"alice": 2, "carol": 2, "bob": 1}
    assert inc["after_hours"]["pages"] == 1 and inc["after_hours"]["per_person"] == {"carol": 1}
    assert inc["by_week"][WEEK]["alerts"] == 6 and len(inc["by_week"]) == 8
    noise = report["noise"]
    assert (noise["alerts"], noise["flapping"]) == (6, 1)
    assert noise["rules"][0]["name"] == "HighCpu" and noise["rules"][0]["flapping"] == 1
    assert noise["anomalies"] == 6
    assert [(r["series_id"], r["anomalies"]) for r in noise["over_budget"]] == [(1, 5)]
    quality = report["quality"]["over_time"]
    assert quality[-1]["period"] == WEEK and quality[-1]["anomalies"] == 6
    assert quality[-2]["anomalies"] == 1
    assert (quality[-1]["models_trained"], quality[-1]["models_promoted"]) == (2, 1)
    crit = next(f for f in report["security"]["findings"] if f["severity"] == "CRITICAL")
    assert (crit["new"], crit["fixed"], crit["open"]) == (1, 1, 0)
    assert crit["mean_time_to_fix"] == 2 * 86400
    by_day = report["security"]["by_day"]
    assert [d["present"].get("CRITICAL", 0) for d in by_day] == [1, 1, 0, 0, 0, 0, 0]
    assert report["security"]["threats_by_type"] == {"ssh_brute_force": 1, "web_scanner": 1}
    assert report["security"]["threats_by_source"] == {"nginx": 1, "sshd": 1}


def test_daily_report_is_the_runbook_health_check(db: Database, settings: Settings) -> None:
    seed_history(db)
    report = generate(db, settings, OperatorConfig(), "daily", at="2026-11-24", now=NOW)
    names = {c["name"]: c for c in report["health"]["checks"]}
    assert names["database reachable, schema current"]["ok"]
    assert names["no P1 alert firing"]["ok"]  # every seeded alert is resolved
    assert not names["advisory database loaded (not empty)"]["ok"]  # none imported here
    assert report["health"]["ok"] is False
    assert report["incidents"]["total"]["alerts"] == 5  # only Tuesday's alerts


def test_html_is_self_contained_with_inline_svg_and_api_links(
        db: Database, settings: Settings) -> None:
    seed_history(db)
    html = render(generate(db, settings, OperatorConfig(), "weekly", week=WEEK, now=NOW), "html")
    assert html.count("<svg") >= 4
    assert re.search(r"https?://", html) is None  # nothing to fetch, no external links
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert 'href="/api/v1/analytics/incidents?start=2026-11-23' in html
    md = render(generate(db, settings, OperatorConfig(), "weekly", week=WEEK, now=NOW), "md")
    assert "| P1 | [5](/api/v1/analytics/incidents?" in md


def test_cli_report_formats_and_bad_input(db_url: str, db: Database, tmp_path: Path) -> None:
    seed_history(db)
    runner = CliRunner()
    env = {"VIGIL_DATABASE_URL": db_url, "VIGIL_DATA_DIR": str(tmp_path)}
    out = runner.invoke(cli, ["report", "weekly", "--week", WEEK, "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["incidents"]["by_priority"]["P1"]["alerts"] == 5
    target = tmp_path / "weekly.html"
    written = runner.invoke(cli, ["report", "weekly", "--week", WEEK, "--format", "html",
                                  "--out", str(target)], env=env)
    assert written.exit_code == 0 and "<svg" in target.read_text()
    for args in (["report", "monthly"], ["report", "weekly", "--week", "2026-W99"],
                 ["report", "daily", "--at", "yesterday"],
                 ["report", "weekly", "--format", "pdf"],
                 ["report", "weekly", "--out", str(tmp_path / "no" / "such" / "dir.html")]):
        bad = runner.invoke(cli, args, env=env)
        assert bad.exit_code == 2, (args, bad.output)
    # daily: the health check fails (no advisories) -> exit 1, report still written
    daily = runner.invoke(cli, ["report", "daily", "--at", "2026-11-24"], env=env)
    assert daily.exit_code == 1 and "FAIL" in daily.stdout


def test_api_reports_and_analytics(client: TestClient, keys: dict[str, str],
                                   db: Database) -> None:
    seed_history(db)
    viewer = auth(keys["viewer"])
    got = client.get(f"/api/v1/reports/weekly?format=json&week={WEEK}", headers=viewer)
    assert got.status_code == 200
    assert got.json()["incidents"]["by_priority"]["P1"]["mtta_p50"] == 270.0
    page = client.get(f"/api/v1/reports/weekly?week={WEEK}", headers=viewer)
    assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text
    md = client.get("/api/v1/reports/daily?format=md&at=2026-11-24", headers=viewer)
    assert md.status_code == 200 and md.text.startswith("# Vigil daily report")
    for url, status in (("/api/v1/reports/monthly", 404),
                        ("/api/v1/reports/weekly?format=pdf", 422),
                        ("/api/v1/reports/weekly?week=W48", 422),
                        ("/api/v1/analytics/nothing", 404),
                        ("/api/v1/analytics/incidents?start=2026-12-01&end=2026-11-01", 422),
                        ("/api/v1/analytics/incidents?start=soon", 422),
                        ("/api/v1/reports/weekly?week=0001-W01", 422),
                        ("/api/v1/reports/daily?at=9999-12-31T23:59:59", 422),
                        ("/api/v1/analytics/noise?end=0001-01-02T00:00:00", 422),
                        ("/api/v1/reports/runs/4242", 404)):
        bad = client.get(url, headers=viewer)
        assert bad.status_code == status, url
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["status"] == status
    assert client.get("/api/v1/reports/weekly").status_code == 401
    section = client.get("/api/v1/analytics/incidents?start=2026-11-24T00:00:00Z"
                         "&end=2026-11-25T00:00:00Z", headers=viewer)
    assert section.json()["by_priority"]["P1"]["targets_met"] == 3
    security = client.get("/api/v1/analytics/security?start=2026-11-23T00:00:00Z"
                          "&end=2026-11-30T00:00:00Z", headers=viewer).json()
    assert security["threats"] == 2


def _config(url: str, daily: bool = True) -> OperatorConfig:
    return OperatorConfig.model_validate({
        "alerting": {"receivers": {"ops-slack": {"type": "slack", "url": url}}},
        "analytics": {"reports": {"receiver": "ops-slack", "daily_at": "06:00", "keep": 3,
                                  "daily": daily}}})


def test_scheduled_job_writes_reports_once_and_sends_them_to_slack(
        db: Database, settings: Settings, receiver_factory: Any) -> None:
    seed_history(db)
    with receiver_factory() as rx:
        config = _config(f"{rx.url}/slack")
        done = run_due_reports(db, settings, config, datetime(2026, 11, 30, 7, tzinfo=UTC))
        assert [(r.kind, r.delivery) for r in done] == [("daily", "sent"), ("weekly", "sent")]
        assert run_due_reports(db, settings, config,
                               datetime(2026, 11, 30, 7, 5, tzinfo=UTC)) == []  # once
        texts = [body["text"] for path, body in rx.requests if path == "/slack"]
    assert len(texts) == 2
    weekly = next(t for t in texts if "weekly" in t)
    assert "Vigil weekly report, 2026-W48" in weekly
    assert "Alerts: 6" in weekly and "/api/v1/reports/weekly?format=html&week=2026-W48" in weekly
    runs = list_report_runs(db)
    assert {r["kind"] for r in runs} == {"daily", "weekly"}
    assert all(r["delivery"] == "sent" and r["receiver"] == "ops-slack" for r in runs)
    stored = stored_report(db, runs[0]["id"])
    assert stored is not None and "<svg" in stored[1]


def test_failed_delivery_is_kept_and_retried_with_back_off_until_sent(
        db: Database, settings: Settings, receiver_factory: Any) -> None:
    at = datetime(2026, 11, 30, 7, tzinfo=UTC)
    with receiver_factory([500, 500, 503]) as rx:
        config = _config(f"{rx.url}/slack")
        done = run_due_reports(db, settings, config, at)
        assert [r.delivery for r in done] == ["retrying", "retrying"]
        runs = list_report_runs(db)
        assert len(runs) == 2 and all("HTTP 500" in (r["delivery_error"] or "") for r in runs)
        assert {(r["delivery_attempts"], r["delivery_next_at"]) for r in runs} == \
            {(1, (at + timedelta(minutes=5)).isoformat())}
        assert retry_deliveries(db, config, at + timedelta(minutes=4)) == []  # not due yet
        # the job retries (oldest first: the daily run gets the 503), then writes nothing new
        job = reports_job(db, settings, config)
        assert job(at + timedelta(minutes=5)) == (
            f"daily 24 h to 2026-11-30 06:00 UTC: run {runs[1]['id']}, delivery retrying; "
            f"weekly 2026-W48: run {runs[0]['id']}, delivery sent")
        assert job(at + timedelta(minutes=14)) == "no report due"  # 10 minutes after a 2nd
        assert [r.delivery for r in retry_deliveries(db, config, at + timedelta(minutes=15))] \
            == ["sent"]
        assert rx.attempts == 5 and len(rx.requests) == 2  # each report arrived once
    runs = list_report_runs(db)
    assert [(r["delivery"], r["delivery_attempts"], r["delivery_error"], r["delivery_next_at"])
            for r in runs] == [("sent", 2, None, None), ("sent", 3, None, None)]


def test_delivery_fails_for_good_on_a_4xx_or_after_its_last_attempt(
        db: Database, settings: Settings, receiver_factory: Any) -> None:
    at = datetime(2026, 11, 30, 7, tzinfo=UTC)
    with receiver_factory([400]) as rx:  # a 4xx will not pass by itself
        (done,) = run_due_reports(db, settings, _config(f"{rx.url}/slack", daily=False), at)
    assert (done.delivery, rx.attempts) == ("failed", 1) and "HTTP 400" in (done.error or "")
    with receiver_factory([500] * 20) as rx:
        config = _config(f"{rx.url}/slack")  # the daily report is due now too
        (daily,) = run_due_reports(db, settings, config, at)
        outcomes = [r.delivery for hour in range(1, 12)
                    for r in retry_deliveries(db, config, at + timedelta(hours=hour))]
        assert outcomes == ["retrying"] * 6 + ["failed"] and rx.attempts == 8
    (stored,) = [r for r in list_report_runs(db) if r["id"] == daily.run_id]
    assert (stored["delivery"], stored["delivery_attempts"], stored["delivery_next_at"]) == \
        ("failed", 8, None)
    assert "HTTP 500" in stored["delivery_error"]


def test_a_retry_to_a_receiver_no_longer_configured_fails(
        db: Database, settings: Settings, receiver_factory: Any) -> None:
    at = datetime(2026, 11, 30, 7, tzinfo=UTC)
    with receiver_factory([500]) as rx:
        (done,) = run_due_reports(db, settings, _config(f"{rx.url}/slack", daily=False), at)
    assert done.delivery == "retrying"
    other = OperatorConfig.model_validate({"alerting": {"receivers": {
        "hook": {"type": "webhook", "url": "http://127.0.0.1:9/hook"}}}})
    (again,) = retry_deliveries(db, other, at + timedelta(minutes=5))
    assert again.delivery == "failed" and "no longer configured" in (again.error or "")


def test_email_delivery_carries_the_html(db: Database, settings: Settings,
                                         smtp_server: Any) -> None:
    seed_history(db)
    config = OperatorConfig.model_validate({
        "alerting": {"receivers": {"mail": {"type": "email", "to": ["ops@example.org"],
                                            "smtp_host": smtp_server.host,
                                            "smtp_port": smtp_server.port}}},
        "analytics": {"reports": {"receiver": "mail", "daily": False}}})
    done = run_due_reports(db, settings, config, datetime(2026, 11, 30, 7, tzinfo=UTC))
    assert [(r.kind, r.delivery) for r in done] == [("weekly", "sent")]
    _, rcpts, message = smtp_server.messages[0]
    assert rcpts == ["ops@example.org"]
    parts = {p.get_content_type(): p.get_payload(decode=True).decode()
             for p in message.walk() if not p.is_multipart()}
    assert "Alerts: 6" in parts["text/plain"] and "<svg" in parts["text/html"]


def test_config_rejects_an_unknown_or_unsuitable_report_receiver() -> None:
    with pytest.raises(ValueError, match=r"not in alerting\.receivers"):
        OperatorConfig.model_validate({"analytics": {"reports": {"receiver": "nope"}}})
    with pytest.raises(ValueError, match="slack, webhook or email"):
        OperatorConfig.model_validate({
            "alerting": {"receivers": {"am": {"type": "alertmanager",
                                              "url": "http://127.0.0.1:9093"}}},
            "analytics": {"reports": {"receiver": "am"}}})


def test_a_firing_p1_fails_the_daily_check(db: Database, settings: Settings) -> None:
    from sqlalchemy import update

    from vigil.alerting.lifecycle import AlertState
    from vigil.storage.models_alerting import AlertRow

    seed_history(db)
    with db.session() as s:
        s.execute(update(AlertRow).where(AlertRow.id == 2).values(state=AlertState.FIRING))
    report = generate(db, settings, OperatorConfig(), "daily", at="2026-11-24", now=NOW)
    check = next(c for c in report["health"]["checks"] if c["name"] == "no P1 alert firing")
    assert check["ok"] is False and check["detail"].startswith("1 P1")


def test_the_runtime_runs_the_reports_job_and_slack_receives_them(
        settings: Settings, db: Database, receiver_factory: Any) -> None:
    from vigil.api.app import create_app

    with receiver_factory() as rx:
        app = create_app(settings, db=db, config=_config(f"{rx.url}/hook"), background=False)
        scheduler = app.state.runtime.scheduler
        assert "reports" in scheduler.jobs
        assert scheduler.run_now("reports") == "ok"
        assert scheduler.run_now("reports") == "ok"  # nothing new falls due: nothing sent
        texts = [body["text"] for _, body in rx.requests]
    assert len(texts) == 2
    assert any(t.startswith("Vigil daily report") for t in texts)
    assert any(t.startswith("Vigil weekly report") for t in texts)
    assert sorted(r["kind"] for r in list_report_runs(db)) == ["daily", "weekly"]
    off = OperatorConfig.model_validate({"analytics": {"reports": {"daily": False,
                                                                   "weekly": False}}})
    assert "reports" not in create_app(settings, db=db, config=off,
                                       background=False).state.runtime.scheduler.jobs


def test_cli_store_keeps_the_run(db_url: str, db: Database, tmp_path: Path) -> None:
    seed_history(db)
    env = {"VIGIL_DATABASE_URL": db_url, "VIGIL_DATA_DIR": str(tmp_path)}
    out = CliRunner().invoke(cli, ["report", "weekly", "--week", WEEK, "--store"], env=env)
    assert out.exit_code == 0, out.output
    runs = list_report_runs(db)
    assert [(r["kind"], r["period"], r["delivery"]) for r in runs] == [("weekly", WEEK, "none")]


def test_a_watch_rule_budget_replaces_the_default(db: Database, settings: Settings) -> None:
    seed_history(db)
    roomy = OperatorConfig.model_validate({"detection": {"watch": [
        {"name": "cpu_usage_percent", "labels": {"host": "h1"}, "alert_budget_per_week": 10}]}})
    assert generate(db, settings, roomy, "weekly", week=WEEK, now=NOW)["noise"][
        "over_budget"] == []
    strict = OperatorConfig.model_validate({"analytics": {"default_alert_budget": 0.5}})
    rows = generate(db, settings, strict, "weekly", week=WEEK, now=NOW)["noise"]["over_budget"]
    assert [(r["series_id"], r["anomalies"], r["budget"]) for r in rows] == [(1, 5, 0.5),
                                                                            (2, 1, 0.5)]


def test_a_failed_job_fails_the_daily_check(db: Database, settings: Settings) -> None:
    from vigil.storage.jobs_repo import record_finish

    record_finish(db, "retention", NOW, "ok", "deleted 0 samples")
    record_finish(db, "vulnerability_scans", NOW, "error", "OSError: boom")
    health = generate(db, settings, OperatorConfig(), "daily", now=NOW)["health"]
    check = next(c for c in health["checks"] if c["name"].startswith("every scheduled job"))
    assert check["ok"] is False and check["detail"] == "failed: vulnerability_scans"
    assert {j["name"]: j["status"] for j in health["jobs"]} == {
        "retention": "ok", "vulnerability_scans": "error"}
