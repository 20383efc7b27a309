"""Losing a replica: a `vigil serve` killed (SIGKILL) mid-batch on PostgreSQL.

Two replicas share the detection partitions of one database. One is killed while it
is scoring; the survivor must take its partitions over at its next pass and score
every point exactly once: the stored detector state of every series must be the state
of one detector fed every point once, in order (a point skipped or fed twice changes
it), and the stored anomalies must be exactly the ones that detector fires.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import text

from tests.integration.serving import Served, serve_process
from tests.support import admin_connection
from vigil.core.types import Severity
from vigil.detection.registry import make_detector
from vigil.storage.database import make_engine

SERIES = 8
POINTS = 30_000
PER_REQUEST = 2_000  # points per series per ingest request
START = 1_700_000_000.0
STEP = 60.0
PARTITIONS = 16
POLL_SECONDS = 1


def _values(series: int) -> np.ndarray:
    rng = np.random.default_rng(series)
    values = 10 + 3 * np.sin(np.arange(POINTS) / 240) + rng.normal(0, 0.2, POINTS)
    values[rng.integers(2_000, POINTS, 25)] += 12  # spikes that fire
    return values


def _timestamps() -> np.ndarray:
    return START + np.arange(POINTS) * STEP


def _metric(served: Served, name: str) -> float:
    body = httpx.get(served.url + "/metrics", timeout=30).text
    found = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", body, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _ingest_bodies() -> Iterator[dict[str, Any]]:
    """Every point of every series once, as ingest request bodies in time order."""
    ts = _timestamps()
    values = [_values(s) for s in range(SERIES)]
    for start in range(0, POINTS, PER_REQUEST):
        yield {"series": [
            {"name": "replica_loss", "labels": {"s": str(s)},
             "points": [[float(t), float(v)] for t, v in
                        zip(ts[start:start + PER_REQUEST],
                            values[s][start:start + PER_REQUEST], strict=True)]}
            for s in range(SERIES)]}


def _ingest_all(served: Served, key: str, errors: list[str]) -> None:
    with httpx.Client(base_url=served.url, timeout=120,
                      headers={"Authorization": f"Bearer {key}"}) as client:
        for body in _ingest_bodies():
            response = client.post("/api/v1/ingest", json=body)
            if response.status_code != 200 or response.json()["accepted"] != SERIES * PER_REQUEST:
                errors.append(f"{response.status_code} {response.text[:300]}")
                return


def _wait(condition: str, check: object, seconds: float) -> float:
    """Poll `check()` until true; return the seconds it took (fail after `seconds`)."""
    began = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - began < seconds, f"not within {seconds} s: {condition}"
        time.sleep(0.2)
    return time.monotonic() - began


def _local_ports(pid: int) -> set[int]:
    """Local TCP ports of the sockets a process holds (its database connections among them)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _kill_inside_a_write_transaction(served: Served, seconds: float) -> float:
    """SIGKILL the server while one of its database sessions is inside a transaction that
    has written (a scoring pass: anomalies inserted, state not yet committed).

    Returns the points it had reported scored (a lower bound of what it committed).
    """
    deadline = time.monotonic() + seconds
    ports: list[int] = []
    scored = 0.0
    refreshed = 0.0
    with admin_connection() as watcher:
        while True:
            assert time.monotonic() < deadline, "never caught it inside a write transaction"
            if time.monotonic() - refreshed > 0.5:  # its pool may open new connections
                scored = _metric(served, "vigil_detection_points_scored_total")
                ports = sorted(_local_ports(served.proc.pid))
                refreshed = time.monotonic()
            found = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(%s)"
                " AND backend_xid IS NOT NULL", (ports,)).fetchone()
            if found and found[0]:
                served.proc.kill()  # no shutdown: its transaction is cut mid-way
                served.proc.wait(timeout=30)
                return scored
            time.sleep(0.005)


def _reference(series: int) -> tuple[bytes, set[float]]:
    """State bytes and firing timestamps of one detector fed every point once."""
    detector = make_detector("vigil")
    batch = detector.update_batch(_timestamps(), _values(series))
    firing = {float(batch.timestamps[i]) for i, sev in enumerate(batch.severities())
              if sev is not None and sev.rank >= Severity.WARNING.rank}
    return detector.get_state(), firing


@pytest.mark.postgres
def test_a_replica_killed_mid_batch_loses_no_point_and_scores_none_twice(
        tmp_path: Path, pg_database: str) -> None:
    config = tmp_path / "vigil.yaml"
    config.write_text("detection:\n  watch:\n    - name: replica_loss\n"
                      f"  poll_interval_seconds: {POLL_SECONDS}\n"
                      f"  partitions: {PARTITIONS}\n")
    env = {"VIGIL_DATABASE_URL": pg_database, "VIGIL_CONFIG": str(config)}
    with serve_process(tmp_path / "a", **env) as doomed, \
            serve_process(tmp_path / "b", **env) as survivor:
        _wait("both replicas hold a share of the partitions",
              lambda: (_metric(doomed, "vigil_detection_partitions_owned") > 0
                       and _metric(survivor, "vigil_detection_partitions_owned") > 0), 120)
        errors: list[str] = []
        ingest = threading.Thread(target=_ingest_all, args=(survivor, doomed.key, errors))
        ingest.start()
        scored_before_kill = _kill_inside_a_write_transaction(doomed, 180)
        ingest.join()
        assert not errors, errors
        _wait("the survivor owns every partition (its next pass after the kill)",
                           lambda: _metric(survivor, "vigil_detection_partitions_owned")
                           == PARTITIONS, 120)
        engine = make_engine(pg_database)
        try:
            def all_scored() -> bool:
                with engine.connect() as conn:
                    done = conn.execute(text(
                        "SELECT count(*) FROM detector_state WHERE last_ts = :last"),
                        {"last": START + (POINTS - 1) * STEP}).scalar_one()
                return int(done) == SERIES

            _wait("every point of every series is scored", all_scored, 300)
            with engine.connect() as conn:
                states = {str(labels["s"]): bytes(state) for labels, state in conn.execute(text(
                    "SELECT r.labels, d.state FROM detector_state d JOIN series r"
                    " ON r.id = d.series_id WHERE r.name = 'replica_loss'"))}
                anomalies: dict[str, set[float]] = {}
                for labels, ts in conn.execute(text(
                        "SELECT r.labels, a.timestamp FROM anomaly_detections a JOIN series r"
                        " ON r.id = a.series_id")):
                    anomalies.setdefault(str(labels["s"]), set()).add(ts.timestamp())
        finally:
            engine.dispose()
        scored_by_survivor = _metric(survivor, "vigil_detection_points_scored_total")
    assert scored_before_kill < SERIES * POINTS  # it was killed with work left
    for s in range(SERIES):
        state, firing = _reference(s)
        assert states[str(s)] == state, f"series {s}: a point was skipped or scored twice"
        assert anomalies.get(str(s), set()) == firing, f"series {s}"
    # what the killed replica had reported plus what the survivor scored is at most
    # every point once (the killed one may have committed a little after its last report)
    assert scored_before_kill + scored_by_survivor <= SERIES * POINTS


def _ingest_retrying(served: Served, key: str, statuses: dict[int, int]) -> None:
    """Send every point once, re-sending a request until it is acknowledged (200)."""
    with httpx.Client(base_url=served.url, timeout=120,
                      headers={"Authorization": f"Bearer {key}"}) as client:
        for body in _ingest_bodies():
            while True:
                response = client.post("/api/v1/ingest", json=body)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 200:
                    break
                time.sleep(0.2)


@pytest.mark.postgres
def test_database_connections_lost_mid_run_lose_no_point_and_score_none_twice(
        tmp_path: Path, pg_database: str) -> None:
    """What the replicas see of a PostgreSQL restart, without restarting the shared server:
    every session of this database is terminated, three times, while ingest and scoring
    run. Writes answer 503 (never 500) and are re-sent; claims are re-taken."""
    config = tmp_path / "vigil.yaml"
    config.write_text("detection:\n  watch:\n    - name: replica_loss\n"
                      f"  poll_interval_seconds: {POLL_SECONDS}\n"
                      f"  partitions: {PARTITIONS}\n")
    env = {"VIGIL_DATABASE_URL": pg_database, "VIGIL_CONFIG": str(config)}
    dbname = pg_database.rsplit("/", 1)[1]
    with serve_process(tmp_path / "a", **env) as first, \
            serve_process(tmp_path / "b", **env) as second:
        statuses: dict[int, int] = {}
        ingest = threading.Thread(target=_ingest_retrying, args=(second, first.key, statuses))
        ingest.start()
        terminated = 0
        with admin_connection() as admin:
            for _ in range(3):
                time.sleep(2)
                found = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,)).fetchone()
                terminated += int(found[0]) if found else 0
        ingest.join()
        _wait("the partitions are claimed again",
              lambda: (_metric(first, "vigil_detection_partitions_owned")
                       + _metric(second, "vigil_detection_partitions_owned")) == PARTITIONS, 120)
        engine = make_engine(pg_database)
        try:
            def all_scored() -> bool:
                with engine.connect() as conn:
                    done = conn.execute(text(
                        "SELECT count(*) FROM detector_state WHERE last_ts = :last"),
                        {"last": START + (POINTS - 1) * STEP}).scalar_one()
                return int(done) == SERIES

            _wait("every point of every series is scored", all_scored, 300)
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT count(*) FROM samples")).scalar_one()
                states = {str(labels["s"]): bytes(state) for labels, state in conn.execute(text(
                    "SELECT r.labels, d.state FROM detector_state d JOIN series r"
                    " ON r.id = d.series_id"))}
        finally:
            engine.dispose()
        scored = sum(_metric(s, "vigil_detection_points_scored_total") for s in (first, second))
        ready = [httpx.get(s.url + "/ready", timeout=30).status_code for s in (first, second)]
    assert terminated >= 3  # at least the claim connections, each time
    assert 500 not in statuses and statuses.get(200) == POINTS // PER_REQUEST, statuses
    assert stored == SERIES * POINTS
    for s in range(SERIES):
        assert states[str(s)] == _reference(s)[0], f"series {s}"
    # both replicas lived; a scoring pass cut by the termination is not counted, and one
    # whose commit landed just before it may not be either: never more than every point once
    assert scored <= SERIES * POINTS
    assert ready == [200, 200]
    print(f"terminated {terminated} sessions; ingest answers {statuses}; scored {scored}")
