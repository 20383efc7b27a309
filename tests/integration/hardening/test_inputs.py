"""Inputs that used to give 500 or lose data: huge numbers, empty label values, auth order."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.support import auth
from vigil.storage.database import make_engine
from vigil.storage.migrate import alembic_config, upgrade
from vigil.telemetry.logging import configure_logging

NOW = int(time.time())
HUGE = "1" + "0" * 400  # a JSON number beyond the range of a 64-bit float


def test_ingest_rejects_an_out_of_range_number_per_point_and_keeps_the_rest(
        client: TestClient, keys: dict[str, str]) -> None:
    body = ('{"series": [{"name": "m", "labels": {"h": "a"}, "points": '
            f'[[{NOW - 60}, 1.0], [{NOW - 30}, {HUGE}], [{HUGE}, 2.0], [{NOW}, 3.0]]}}]}}')
    response = client.post("/api/v1/ingest", headers=auth(keys["operator"]), content=body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == 2
    assert [(r["point"], "range" in r["reason"]) for r in report["rejected"]] == [
        (1, True), (2, True)]
    series = client.get("/api/v1/series?name=m", headers=auth(keys["viewer"])).json()["items"]
    points = client.get(f"/api/v1/series/{series[0]['id']}/points",
                        headers=auth(keys["viewer"])).json()["points"]
    assert [p[1] for p in points] == [1.0, 3.0]


def test_detect_answers_422_naming_the_out_of_range_point(
        client: TestClient, keys: dict[str, str]) -> None:
    body = f'{{"points": [[{NOW - 60}, 1.0], [{NOW}, {HUGE}], [{HUGE}, 1.0]]}}'
    response = client.post("/api/v1/detect", headers=auth(keys["viewer"]), content=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["path"] for e in response.json()["errors"]] == ["points.1.1", "points.2.0"]


def test_an_empty_label_value_is_no_label_in_json_ingest(
        client: TestClient, keys: dict[str, str]) -> None:
    for labels in ({"h": "a", "q": ""}, {"h": "a"}):
        body = {"series": [{"name": "m", "labels": labels, "points": [[NOW, 1.0]]}]}
        client.post("/api/v1/ingest", headers=auth(keys["operator"]), content=json.dumps(body))
    items = client.get("/api/v1/series?name=m", headers=auth(keys["viewer"])).json()["items"]
    assert [s["labels"] for s in items] == [{"h": "a"}]
    # filtering on an empty value finds the series that do not have the label
    found = client.get("/api/v1/series", params={"label": "q="},
                       headers=auth(keys["viewer"])).json()["items"]
    assert [s["labels"] for s in found] == [{"h": "a"}]


def test_migration_merges_series_split_by_empty_label_values(db_url: str) -> None:
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    from alembic import command
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006_finding_suppression")
        with engine.begin() as conn:
            for sid, key in ((1, '{"h":"a"}'), (2, '{"h":"a","q":""}'), (3, '{"q":""}'),
                             (4, '{"p":"","q":""}')):
                conn.execute(text("INSERT INTO series (id, name, labels_key, labels, created_at)"
                                  " VALUES (:i, 'm', :k, :l, :t)"),
                             {"i": sid, "k": key, "l": key, "t": t0})
            samples = [(1, 10.0, 1.0), (1, 20.0, 2.0), (2, 20.0, 99.0), (2, 30.0, 3.0),
                       (3, 10.0, 5.0), (4, 10.0, 6.0), (4, 40.0, 7.0)]
            for sid, ts, value in samples:
                conn.execute(text("INSERT INTO samples (series_id, ts, value) VALUES (:s, :t, :v)"),
                             {"s": sid, "t": ts, "v": value})
        upgrade(db_url)
        with engine.connect() as conn:
            series = conn.execute(text("SELECT id, labels_key FROM series ORDER BY id")).all()
            rows = conn.execute(text(
                "SELECT series_id, ts, value FROM samples ORDER BY series_id, ts")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in series] == [(1, '{"h":"a"}'), (3, "{}")]
    # series 2 merged into 1 (ts 20 kept 1's value), series 4 merged into 3 (ts 10 kept 3's)
    assert [tuple(r) for r in rows] == [(1, 10.0, 1.0), (1, 20.0, 2.0), (1, 30.0, 3.0),
                                        (3, 10.0, 5.0), (3, 40.0, 7.0)]


def test_no_key_and_a_bad_body_is_401_and_logged_on_every_body_route(
        client: TestClient) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        for path in ("/api/v1/keys", "/api/v1/silences", "/api/v1/ingest", "/api/v1/detect",
                     "/api/v1/write", "/api/v1/security/scans", "/api/v1/security/logs"):
            response = client.post(path, content=b"{not json")
            assert response.status_code == 401, (path, response.text)
            response = client.post(path, content=b'{"name": 5}')
            assert response.status_code == 401, (path, response.text)
    finally:
        configure_logging("INFO")
    failed = [json.loads(line) for line in stream.getvalue().splitlines()
              if '"AUTH_FAILED"' in line]
    assert len(failed) == 14


def _counted(client: TestClient, route: str, status: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if (line.startswith("vigil_http_requests_total{") and f'route="{route}"' in line
                and f'status="{status}"' in line and 'method="POST"' in line):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_client_that_leaves_mid_body_is_counted_499_at_info(
        client: TestClient, keys: dict[str, str]) -> None:
    import anyio

    stream = io.StringIO()
    before = (_counted(client, "/api/v1/ingest", "499"), _counted(client, "/api/v1/ingest", "500"))
    messages = [{"type": "http.request", "body": b'{"series": [', "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/v1/ingest", "raw_path":
             b"/api/v1/ingest", "query_string": b"", "root_path": "",
             "headers": [(b"authorization", f"Bearer {keys['operator']}".encode()),
                         (b"content-type", b"application/json"),
                         (b"content-length", b"100000")],
             "client": ("127.0.0.1", 5555), "server": ("testserver", 80)}
    configure_logging("INFO", stream)
    try:
        anyio.run(client.app, scope, receive, send)  # type: ignore[arg-type]
    finally:
        configure_logging("INFO")
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["level"] for e in events if e["event"] == "client_disconnected"] == ["INFO"]
    assert not [e for e in events if e["level"] == "ERROR"]
    after = (_counted(client, "/api/v1/ingest", "499"), _counted(client, "/api/v1/ingest", "500"))
    assert after == (before[0] + 1, before[1])


def test_a_key_without_the_role_gets_403_before_its_body_is_read(
        client: TestClient, keys: dict[str, str]) -> None:
    for path in ("/api/v1/keys", "/api/v1/silences", "/api/v1/anomalies/1/feedback",
                 "/api/v1/series/1/missed", "/api/v1/models/retrain"):
        response = client.post(path, headers=auth(keys["viewer"]), content=b"{not json")
        assert response.status_code == 403, (path, response.text)
