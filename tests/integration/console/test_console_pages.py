"""Console pages with data, on SQLite and PostgreSQL: what they show, the writes they make
through the services, and that nothing they load comes from another host."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.integration.console.conftest import csrf_of, log_in
from tests.integration.console.seed import fire_alert, seed_security, seed_series
from vigil.config import Settings
from vigil.services import alerting as alerting_svc
from vigil.services.feedback import feedback_of
from vigil.storage.database import Database

PAGES = ["/", "/series", "/alerts", "/alerts?state=all", "/oncall", "/security", "/reports",
         "/login"]
EXTERNAL = re.compile(r'''(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//''', re.I)


def test_overview_counts_alerts_anomalies_and_names_the_top_series(
        console: TestClient, keys: dict[str, str], db: Database, settings: Settings) -> None:
    seeded = seed_series(db, settings)
    fire_alert(db, settings)
    log_in(console, keys["viewer"])
    page = console.get("/")
    assert page.status_code == 200
    assert re.search(r'id="open-alert-total">1<', page.text)
    p1_row = re.search(r'prio-P1">P1</span></th>\s*<td>(\d+)</td>', page.text)
    assert p1_row is not None and p1_row.group(1) == "1"  # one firing P1
    assert re.search(r'id="anomaly-total">1<', page.text)
    assert f'href="/series/{seeded.series_id}">cpu_usage_percent' in page.text
    assert "All dependencies answer" in page.text


def test_series_search_and_chart_data(console: TestClient, keys: dict[str, str],
                                      db: Database, settings: Settings) -> None:
    seeded = seed_series(db, settings)
    seed_series(db, settings, name="memory_usage_percent", labels={"host": "db-1"})
    log_in(console, keys["viewer"])
    found = console.get("/series", params={"q": "CPU_usage", "labels": "host=web-1"})
    assert found.status_code == 200
    assert f'href="/series/{seeded.series_id}"' in found.text
    assert "memory_usage_percent" not in found.text
    none = console.get("/series", params={"labels": "host=db-9"})
    assert "No series match" in none.text
    bad = console.get("/series", params={"labels": "nonsense"})
    assert bad.status_code == 422 and "key=value" in bad.text
    page = console.get(f"/series/{seeded.series_id}")
    assert page.status_code == 200
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>',
                     page.text, re.S)
    assert data is not None
    import json

    chart = json.loads(data.group(1))
    assert chart["anomaly_count"] == 1
    index = chart["ts"].index(seeded.spike_ts)
    assert chart["anomalies"][index] == seeded.spike_value
    assert sum(v is not None for v in chart["anomalies"]) == 1
    assert any(v is not None for v in chart["upper"])  # the band is drawn once warmed up
    assert all(lo <= hi for lo, hi in zip(chart["lower"], chart["upper"], strict=True)
               if lo is not None and hi is not None)
    assert "Real problem" not in page.text  # a viewer gets no feedback buttons
    assert console.get("/series/999999").status_code == 404


def test_a_long_series_charts_its_newest_points(console: TestClient, keys: dict[str, str],
                                               db: Database, settings: Settings) -> None:
    from vigil.services.console_series import MAX_CHART_POINTS

    total = MAX_CHART_POINTS + 700
    seeded = seed_series(db, settings, points=total, spike_index=total - 10, step=10.0)
    log_in(console, keys["viewer"])
    page = console.get(f"/series/{seeded.series_id}")
    data = re.search(r'id="chart-data">(.*?)</script>', page.text, re.S)
    assert data is not None
    import json

    chart = json.loads(data.group(1))
    assert len(chart["ts"]) == MAX_CHART_POINTS
    assert chart["ts"][-1] == seeded.spike_ts + 9 * 10.0  # ends at the newest point
    assert chart["anomaly_count"] == 1


def test_feedback_buttons_label_the_anomaly(console: TestClient, keys: dict[str, str],
                                            db: Database, settings: Settings) -> None:
    seeded = seed_series(db, settings)
    log_in(console, keys["operator"])
    page = console.get(f"/series/{seeded.series_id}")
    assert "Real problem" in page.text and "False alarm" in page.text
    answer = console.post(f"/anomalies/{seeded.anomaly_id}/feedback",
                          data={"csrf_token": csrf_of(page.text), "verdict": "false"},
                          follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/series/{seeded.series_id}?done=")
    stored = feedback_of(db, [seeded.anomaly_id])[seeded.anomaly_id]
    assert stored.verdict is False and stored.actor == "test-operator"
    assert "false alarm (test-operator)" in console.get(f"/series/{seeded.series_id}").text


def test_alert_detail_acknowledge_resolve_and_silence(console: TestClient,
                                                      keys: dict[str, str], db: Database,
                                                      settings: Settings) -> None:
    alert_id = fire_alert(db, settings)
    log_in(console, keys["operator"])
    page = console.get(f"/alerts/{alert_id}")
    assert page.status_code == 200
    assert re.search(r'id="alert-state">firing<', page.text)
    assert "<strong>page</strong>" in page.text  # the escalation's first page is on the timeline
    token = csrf_of(page.text)
    console.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token})
    after = console.get(f"/alerts/{alert_id}")
    assert re.search(r'id="alert-state">acknowledged<', after.text)
    assert "ack-button" not in after.text and "by test-operator" in after.text
    made = console.post("/silences", data={"csrf_token": token, "back": f"/alerts/{alert_id}",
                                           "matchers": 'alertname="SecurityThreatDetected"',
                                           "duration": "1h", "comment": "investigating"},
                        follow_redirects=False)
    assert made.headers["location"] == f"/alerts/{alert_id}?done=silenced"
    [silence] = alerting_svc.list_silences(db, datetime.now(UTC))
    assert silence.created_by == "test-operator"
    assert silence.ends_at - silence.starts_at == timedelta(hours=1)
    bad = console.post("/silences", data={"csrf_token": token, "matchers": "nope~x",
                                          "comment": "x"}, follow_redirects=False)
    assert "error=" in bad.headers["location"]
    console.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": token})
    assert alerting_svc.alert_detail(db, alert_id).alert.state.value == "resolved"
    again = console.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": token},
                         follow_redirects=False)
    assert "error=" in again.headers["location"]  # already resolved: said, not a crash
    assert console.get("/alerts/424242").status_code == 404


def test_security_page_filters_findings_and_threats(console: TestClient, keys: dict[str, str],
                                                    db: Database) -> None:
    seed_security(db)
    log_in(console, keys["viewer"])
    page = console.get("/security")
    assert "PYSEC-2099-1" in page.text and "PYSEC-2099-2" in page.text
    assert "203.0.113.7" in page.text and "198.51.100.9" in page.text
    assert re.search(r"<td>shop</td><td>scheduled</td>\s*<td[^>]*>ok", page.text)
    critical = console.get("/security", params={"severity": "critical"}).text
    assert "PYSEC-2099-1" in critical and "PYSEC-2099-2" not in critical
    assert "No findings match" in console.get("/security",
                                              params={"target": "elsewhere"}).text
    urgent = console.get("/security", params={"priority": "P1"}).text
    assert "203.0.113.7" in urgent and "198.51.100.9" not in urgent
    overview = console.get("/").text
    assert re.search(r'sev-critical">CRITICAL</span> 1', overview)
    assert re.search(r'prio-P1">P1</span> 1', overview)  # threats of the last 24 h


def test_every_page_loads_only_from_this_server(console: TestClient, keys: dict[str, str],
                                                db: Database, settings: Settings) -> None:
    seeded = seed_series(db, settings)
    alert_id = fire_alert(db, settings)
    pages = [*PAGES, f"/series/{seeded.series_id}", f"/alerts/{alert_id}", "/docs"]
    assert not EXTERNAL.search(console.get("/login").text)
    log_in(console, keys["operator"])
    for path in pages:
        page = console.get(path)
        assert page.status_code == 200, path
        assert not EXTERNAL.search(page.text), (path, EXTERNAL.findall(page.text))
        for ref in re.findall(r'''(?:src|href)="(/static/[^"]+)"''', page.text):
            assert console.get(ref).status_code == 200, ref  # every asset is really served
    frame = re.search(r'id="report-frame" class="report" src="([^"]+)"',
                      console.get("/reports").text)
    if frame is not None:  # the reports API is there (analytics): the report is offline too
        report = console.get(frame.group(1).replace("&amp;", "&"))
        assert report.status_code == 200 and "<svg" in report.text
        assert not EXTERNAL.search(report.text), EXTERNAL.findall(report.text)
    docs = console.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn.jsdelivr" not in docs and "fastapi.tiangolo" not in docs
    assert console.get("/redoc").status_code == 404  # it loaded from a CDN: gone
