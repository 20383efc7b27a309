"""After every database session of a running `vigil serve` is cut, requests that start
afterwards are served on fresh connections: none answers 503.

A request whose connection is cut while it uses it answers 503 with Retry-After (nothing
half-written; see docs/operations.md): that is inherent and covered by test_worker_loss.py.
What this test pins down is the other half: the pooled connections the cut left behind
are checked before use (`pool_pre_ping`), so the first request on each one does not fail.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.serving import Served, serve_process
from tests.support import admin_connection, auth

CONCURRENT = 8  # requests at once: the pool keeps several connections, all of them cut
GETS = ("/ready", "/api/v1/series", "/api/v1/alerts", "/api/v1/anomalies")


def _one_round(served: Served, round_no: int) -> list[tuple[str, int, str]]:
    """CONCURRENT clients each send every GET and one ingest; (path, status, body) of each."""

    def client_run(client_no: int) -> list[tuple[str, int, str]]:
        out = []
        with httpx.Client(base_url=served.url, headers=auth(served.key), timeout=60) as client:
            for path in GETS:
                response = client.get(path)
                out.append((path, response.status_code, response.text[:300]))
            response = client.post("/api/v1/ingest", json={"series": [{
                "name": "cut_probe", "labels": {"client": str(client_no)},
                "points": [[time.time() - 60 + round_no, 1.0]]}]})
            out.append(("/api/v1/ingest", response.status_code, response.text[:300]))
        return out

    with ThreadPoolExecutor(CONCURRENT) as pool:
        return [answer for answers in pool.map(client_run, range(CONCURRENT))
                for answer in answers]


def _cut_every_session(dbname: str) -> list[int]:
    """Terminate every session of the database and wait until their backends are gone."""
    with admin_connection() as admin:
        pids = [int(row[0]) for row in admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,)).fetchall()]
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
        deadline = time.monotonic() + 60
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)",
                            (pids,)).fetchone() != (0,):
            assert time.monotonic() < deadline, "the terminated backends did not exit"
            time.sleep(0.1)
    return pids


@pytest.mark.postgres
def test_requests_after_every_session_was_cut_are_served(tmp_path: Path,
                                                         pg_database: str) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    with serve_process(tmp_path, VIGIL_DATABASE_URL=pg_database) as served:
        warm = _one_round(served, 0)
        assert {status for _, status, _ in warm} == {200}, warm
        answers = []
        for round_no in (1, 2):  # twice: the reconnected pool is as good as the first one
            cut = _cut_every_session(dbname)
            assert len(cut) >= 2, cut  # the pooled request connections among them
            answers += _one_round(served, round_no)
    failed = [answer for answer in answers if answer[1] != 200]
    assert failed == [], failed
    assert len(answers) == 2 * CONCURRENT * (len(GETS) + 1)
