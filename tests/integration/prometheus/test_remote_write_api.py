"""POST /api/v1/write over the in-process app, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator

import cramjam
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.remote_write import encode_body, encode_write_request
from vigil.core.remote_write_config import RemoteWriteConfig
from vigil.core.selectors import SeriesSelector
from vigil.storage.database import Database
from vigil.telemetry.logging import configure_logging

NOW_MS = int(time.time()) * 1000
RW_HEADERS = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
              "X-Prometheus-Remote-Write-Version": "0.1.0"}


def write(client: TestClient, key: str, body: bytes, **extra: str) -> httpx.Response:
    response: httpx.Response = client.post("/api/v1/write", content=body,
                                           headers={**auth(key), **RW_HEADERS, **extra})
    return response


def stored(client: TestClient, key: str, name: str | None = None) -> list[dict[str, object]]:
    params = {"name": name} if name else {}
    response = client.get("/api/v1/series", params=params, headers=auth(key))
    assert response.status_code == 200
    items: list[dict[str, object]] = response.json()["items"]
    return items


def points(client: TestClient, key: str, series_id: object) -> list[list[float]]:
    response = client.get(f"/api/v1/series/{series_id}/points", headers=auth(key))
    assert response.status_code == 200
    result: list[list[float]] = response.json()["points"]
    return result


def node_series(n: int = 3) -> list[tuple[dict[str, str], list[tuple[int, float]]]]:
    return [({"__name__": "node_load1", "instance": f"host-{i}:9100", "job": "node"},
             [(NOW_MS - 15_000, float(i)), (NOW_MS, float(i) + 0.5)]) for i in range(n)]


def test_samples_arrive_as_series_with_labels_and_points(
        client: TestClient, keys: dict[str, str]) -> None:
    response = write(client, keys["operator"], encode_body(node_series()))
    assert response.status_code == 204
    series = stored(client, keys["viewer"], "node_load1")
    assert sorted(s["labels"]["instance"] for s in series) == [  # type: ignore[index]
        "host-0:9100", "host-1:9100", "host-2:9100"]
    by_host = {s["labels"]["instance"]: s["id"] for s in series}  # type: ignore[index]
    assert points(client, keys["viewer"], by_host["host-2:9100"]) == [
        [NOW_MS / 1000 - 15, 2.0], [NOW_MS / 1000, 2.5]]


def test_a_retried_request_stores_nothing_twice(client: TestClient, keys: dict[str, str]) -> None:
    body = encode_body(node_series(1))
    assert write(client, keys["operator"], body).status_code == 204
    assert write(client, keys["operator"], body).status_code == 204
    series = stored(client, keys["viewer"], "node_load1")
    assert len(series) == 1
    assert len(points(client, keys["viewer"], series[0]["id"])) == 2


def test_keys_and_roles(client: TestClient, keys: dict[str, str]) -> None:
    body = encode_body(node_series(1))
    assert client.post("/api/v1/write", content=body,
                       headers=RW_HEADERS).status_code == 401
    assert write(client, "vgl_not-a-key", body).status_code == 401
    assert write(client, keys["viewer"], body).status_code == 403
    assert stored(client, keys["viewer"]) == []
    assert write(client, keys["admin"], body).status_code == 204


def _huge_claim() -> bytes:
    return b"\xff\xff\xff\xff\x0f" + b"\x00" * 64


@pytest.mark.parametrize(("body", "status"), [
    (b"", 400),
    (b"this is not snappy", 400),
    (bytes(cramjam.snappy.compress_raw(encode_write_request(node_series())[:-7])), 400),
    (bytes(cramjam.snappy.compress_raw(b"\x0a\x05\x0a\x03\x0a\x01")), 400),
    (encode_body(node_series())[:25], 400),
    (_huge_claim(), 400),
])
def test_bad_bodies_are_refused_and_store_nothing(
        client: TestClient, keys: dict[str, str], body: bytes, status: int) -> None:
    response = write(client, keys["operator"], body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(
        "application/problem+json")
    assert "nothing was stored" in response.json()["detail"]
    assert stored(client, keys["viewer"]) == []


def test_a_body_over_the_size_limit_is_400(
        settings: Settings, db: Database, keys: dict[str, str]) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048})
    app = create_app(small, db=db, config=OperatorConfig(), background=False)
    many = [({"__name__": "m", "i": str(i), "pad": "x" * i}, [(NOW_MS, 1.0)]) for i in range(400)]
    with TestClient(app, raise_server_exceptions=False) as client:
        response = write(client, keys["operator"], encode_body(many))
        assert response.status_code == 400
        assert response.json()["title"] == "Payload too large"
        assert stored(client, keys["viewer"]) == []


def test_too_many_samples_is_400_and_stores_nothing(
        settings: Settings, db: Database, keys: dict[str, str]) -> None:
    small = settings.model_copy(update={"max_points_per_request": 5})
    app = create_app(small, db=db, config=OperatorConfig(), background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert write(client, keys["operator"], encode_body(node_series(3))).status_code == 400
        assert stored(client, keys["viewer"]) == []


def test_explicit_remote_write_1_content_type_is_accepted(
        client: TestClient, keys: dict[str, str]) -> None:
    response = write(client, keys["operator"], encode_body(node_series(1)),
                     **{"Content-Type": "application/x-protobuf; proto=prometheus.WriteRequest"})
    assert response.status_code == 204
    assert len(stored(client, keys["viewer"])) == 1


@pytest.mark.parametrize("headers", [
    {"Content-Encoding": "gzip"},
    {"Content-Type": "application/json"},
    {"Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
])
def test_other_formats_are_415(client: TestClient, keys: dict[str, str],
                               headers: dict[str, str]) -> None:
    response = write(client, keys["operator"], encode_body(node_series(1)), **headers)
    assert response.status_code == 415
    assert stored(client, keys["viewer"]) == []


def test_good_points_are_kept_when_others_are_rejected(
        client: TestClient, keys: dict[str, str]) -> None:
    body = encode_body([
        ({"__name__": "good_metric", "job": "a"}, [(NOW_MS, 1.0), (NOW_MS + 10**10, 2.0)]),
        ({"__name__": "bad-name!", "job": "a"}, [(NOW_MS, 1.0)]),
    ])
    assert write(client, keys["operator"], body).status_code == 204
    series = stored(client, keys["viewer"])
    assert [s["name"] for s in series] == ["good_metric"]
    assert points(client, keys["viewer"], series[0]["id"]) == [[NOW_MS / 1000, 1.0]]


def test_every_point_rejected_is_400(client: TestClient, keys: dict[str, str]) -> None:
    body = encode_body([({"__name__": "bad-name!"}, [(NOW_MS, 1.0)])])
    response = write(client, keys["operator"], body)
    assert response.status_code == 400
    assert "metric name" in response.json()["detail"]


def test_stale_markers_and_nan_store_nothing_and_succeed(
        client: TestClient, keys: dict[str, str]) -> None:
    body = encode_body([({"__name__": "summary_q", "quantile": "0.5"}, [(NOW_MS, float("nan"))])])
    assert write(client, keys["operator"], body).status_code == 204
    assert stored(client, keys["viewer"]) == []


@pytest.fixture
def filtered_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    config = OperatorConfig(remote_write=RemoteWriteConfig(keep=[
        SeriesSelector(name="node_.*", labels={"job": "node"}),
        SeriesSelector(name="up"),
    ]))
    app = create_app(settings, db=db, config=config, background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_keep_selectors_decide_which_series_are_stored(
        filtered_client: TestClient, keys: dict[str, str]) -> None:
    body = encode_body([
        ({"__name__": "node_load1", "job": "node"}, [(NOW_MS, 1.0)]),
        ({"__name__": "node_load1", "job": "other"}, [(NOW_MS, 1.0)]),
        ({"__name__": "up", "job": "anything"}, [(NOW_MS, 1.0)]),
        ({"__name__": "go_goroutines", "job": "node"}, [(NOW_MS, 1.0)]),
        ({"__name__": "upstream_bytes", "job": "node"}, [(NOW_MS, 1.0)]),
    ])
    assert write(filtered_client, keys["operator"], body).status_code == 204
    kept = sorted((s["name"], s["labels"]["job"])  # type: ignore[index]
                  for s in stored(filtered_client, keys["viewer"]))
    assert kept == [("node_load1", "node"), ("up", "anything")]


def test_disabled_receiver_is_404(settings: Settings, db: Database,
                                  keys: dict[str, str]) -> None:
    config = OperatorConfig(remote_write=RemoteWriteConfig(enabled=False))
    app = create_app(settings, db=db, config=config, background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert write(client, keys["operator"], encode_body(node_series(1))).status_code == 404


def test_remote_write_metrics_are_exported(client: TestClient, keys: dict[str, str]) -> None:
    write(client, keys["operator"], encode_body(node_series(2)))
    text = client.get("/metrics").text
    assert 'vigil_remote_write_samples_total{outcome="accepted"}' in text
    assert 'vigil_remote_write_requests_total{status="204"}' in text


def test_new_and_known_series_in_one_request_get_their_own_points(
        client: TestClient, keys: dict[str, str]) -> None:
    def s(host: str, ts_ms: int, value: float) -> tuple[dict[str, str], list[tuple[int, float]]]:
        return ({"__name__": "node_load1", "instance": host}, [(ts_ms, value)])

    assert write(client, keys["operator"],
                 encode_body([s("a", NOW_MS, 1.0)])).status_code == 204
    body = encode_body([s("b", NOW_MS, 2.0), s("a", NOW_MS + 1000, 1.5), s("c", NOW_MS, 3.0),
                        s("b", NOW_MS + 1000, 2.5), s("a", NOW_MS, 1.0)])
    assert write(client, keys["operator"], body).status_code == 204
    by_host = {x["labels"]["instance"]: x["id"]  # type: ignore[index]
               for x in stored(client, keys["viewer"], "node_load1")}
    t = NOW_MS / 1000
    assert points(client, keys["viewer"], by_host["a"]) == [[t, 1.0], [t + 1, 1.5]]
    assert points(client, keys["viewer"], by_host["b"]) == [[t, 2.0], [t + 1, 2.5]]
    assert points(client, keys["viewer"], by_host["c"]) == [[t, 3.0]]


def test_rejected_points_are_logged_with_their_reason(
        client: TestClient, keys: dict[str, str]) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        body = encode_body([
            ({"__name__": "ok_metric"}, [(NOW_MS, 1.0), (NOW_MS + 1000, float("inf"))]),
            ({"__name__": "ok_metric", "__bad": "x"}, [(NOW_MS, 1.0)]),
        ])
        assert write(client, keys["operator"], body).status_code == 204
    finally:
        configure_logging("INFO", None)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    rejected = [e for e in events if e["event"] == "REMOTE_WRITE_REJECTED"]
    assert len(rejected) == 1
    assert rejected[0]["rejected"] == 2 and rejected[0]["accepted"] == 1
    assert "not finite" in rejected[0]["first_reason"]
