"""Bounded CPU and memory per request: the detection pool and the decompression budget."""

from __future__ import annotations

import threading
import time

import anyio
from fastapi.testclient import TestClient

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.remote_write import encode_body
from vigil.core.remote_write_config import RemoteWriteConfig
from vigil.services.cpu_pool import CpuPool
from vigil.services.remote_write import DECOMPRESSION_BUDGET
from vigil.storage.database import Database

NOW = int(time.time())


def test_detect_runs_in_the_pool_and_a_full_pool_answers_503(
        client: TestClient, keys: dict[str, str]) -> None:
    body = {"points": [[NOW - 100 + i, float(i % 7)] for i in range(100)]}
    scored = client.post("/api/v1/detect", headers=auth(keys["viewer"]), json=body)
    assert scored.status_code == 200 and len(scored.json()["points"]) == 100
    assert scored.json()["points"][5]["index"] == 5
    bad = client.post("/api/v1/detect", headers=auth(keys["viewer"]),
                      json={"points": [[NOW, "x"]]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "points.0.1"
    # occupy the only slot of a one-worker pool with a job that waits
    pool = CpuPool("detect", workers=1, queue=0, mode="thread")
    client.app.state.cpu_pools["detect"] = pool  # type: ignore[attr-defined]
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(30)

    holder = threading.Thread(target=lambda: anyio.run(pool.run, hold))
    holder.start()
    try:
        assert started.wait(10)
        busy = client.post("/api/v1/detect", headers=auth(keys["viewer"]), json=body)
        assert busy.status_code == 503, busy.text
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert int(busy.headers["retry-after"]) >= 1
        assert client.get("/health").status_code == 200  # liveness is not queued behind it
    finally:
        release.set()
        holder.join(10)
    assert client.post("/api/v1/detect", headers=auth(keys["viewer"]),
                       json=body).status_code == 200


def test_remote_write_beyond_the_decompression_budget_is_503_and_stores_nothing(
        settings: Settings, db: Database, keys: dict[str, str]) -> None:
    tight = settings.model_copy(update={"remote_write_decompression_budget_bytes": 4096})
    config = OperatorConfig(remote_write=RemoteWriteConfig(enabled=True))
    app = create_app(tight, db=db, config=config, background=False)
    series = [({"__name__": "rw_bomb", "i": str(i)}, [(NOW * 1000, 1.0)]) for i in range(50)]
    body = encode_body(series)
    headers = {**auth(keys["operator"]), "Content-Encoding": "snappy",
               "Content-Type": "application/x-protobuf"}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert DECOMPRESSION_BUDGET.reserve(3000, 4096)  # another request decoding now
        try:
            busy = client.post("/api/v1/write", content=body, headers=headers)
        finally:
            DECOMPRESSION_BUDGET.release(3000)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert client.get("/api/v1/series?name=rw_bomb",
                          headers=auth(keys["viewer"])).json()["items"] == []
        # alone, the same body fits
        assert client.post("/api/v1/write", content=body, headers=headers).status_code == 204
    assert DECOMPRESSION_BUDGET.in_flight == 0
