"""The source poller against a real Prometheus, on SQLite and PostgreSQL: warm-up on the
lookback, incremental scoring across restarts (no gap, no double scoring), write-back,
store modes, chunking, bad queries, an unreachable store, replicas sharing partitions."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from tests.integration.sources.prom_sources import instant, prometheus, push, series_range
from tests.support import free_port
from vigil.services.sources.poller import SourcePoller
from vigil.services.sources.queries import describe_sources, recent_points
from vigil.sources.config import SourceConfig
from vigil.storage.database import Database
from vigil.storage.models import AnomalyRow, DetectorStateRow, SampleRow, SeriesRow
from vigil.storage.models_sources import SourceSeriesRow

pytestmark = pytest.mark.slow

APPS = ("a", "b", "c")
HISTORY = 400


def load(t: float, app: str, spike_at: float) -> float:
    """A noisy one-minute wave per app; app a jumps to 400 for three seconds at spike_at."""
    if app == "a" and spike_at <= t < spike_at + 3:
        return 400.0
    noise = math.sin(t * 12.9898 + ord(app)) * 43758.5453 % 1.0
    return 50.0 + 10.0 * math.sin(2 * math.pi * t / 60.0) + 2.0 * noise


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A Prometheus holding HISTORY seconds of seeded_load{app} (1 s apart, ending at T)
    and 20 series of seeded_wide{i}; yields (url, T)."""
    tmp = tmp_path_factory.mktemp("prom")
    end = int(time.time()) - 5
    with prometheus(tmp) as url:
        ts = [float(t) for t in range(end - HISTORY + 1, end + 1)]
        push(url, [({"__name__": "seeded_load", "app": app},
                    [(t, load(t, app, end - 20)) for t in ts]) for app in APPS])
        push(url, [({"__name__": "seeded_wide", "i": str(i)}, [(t, float(i)) for t in ts])
                   for i in range(20)])
        yield url, end


def source(url: str, **extra: Any) -> SourceConfig:
    """A source over the seeded series: 1 s step, remote_write back into Prometheus."""
    spec: dict[str, Any] = {
        "name": "seeded", "url": url, "queries": {"load": "seeded_load"}, "step": "1s",
        "lookback_on_start": "300s", "store": "none", "max_points_per_request": 37,
        "retries": 0, "write_back": {"remote_write": {"url": url + "/api/v1/write"}}}
    spec.update(extra)
    return SourceConfig.model_validate(spec)


def poll_at(db: Database, cfg: SourceConfig, now: float, partitions: int = 4) -> Any:
    """A fresh poller (a restarted process) polling once at `now`."""
    poller = SourcePoller(db, [cfg], partitions, clock=lambda: now)
    try:
        return poller.run_once(), poller
    finally:
        poller.stop()


@pytest.mark.parametrize("store", ["none", "samples"])
def test_warm_up_then_score_incrementally_across_restarts(
        db: Database, seeded: tuple[str, int], store: str) -> None:
    url, end = seeded
    key = f"load_{store}_{db.dialect}"  # write-back series differ by `for` between runs
    cfg = source(url, store=store, name=f"seeded-{store}", queries={key: "seeded_load"})
    (warm,), _ = poll_at(db, cfg, end - 100)
    assert warm.error is None and warm.points == 0 and warm.learned == 3 * 300
    (first,), _ = poll_at(db, cfg, end - 50)
    (second,), poller = poll_at(db, cfg, end)
    again, _ = poll_at(db, cfg, end)
    assert (first.points, second.points) == (3 * 50, 3 * 50)
    assert again == []  # nothing new: nothing fetched, nothing scored twice
    assert first.written == 4 * 150  # four metrics a point (the band is known after warm-up)
    with db.session() as session:
        rows = session.scalars(select(SourceSeriesRow)
                               .where(SourceSeriesRow.source == cfg.name)).all()
        assert sorted(r.points_scored for r in rows) == [100, 100, 100]
        assert {r.last_ts for r in rows} == {float(end)}
        ids = [r.series_id for r in rows]
        states = session.scalars(select(DetectorStateRow)
                                 .where(DetectorStateRow.series_id.in_(ids))).all()
        assert {s.last_ts for s in states} == {float(end)}
        samples = session.scalar(select(func.count()).select_from(SampleRow)
                                 .where(SampleRow.series_id.in_(ids)))
        anomalies = session.scalars(select(AnomalyRow)
                                    .where(AnomalyRow.series_id.in_(ids))).all()
        (app_a,) = [r.id for r in session.scalars(select(SeriesRow)
                                                  .where(SeriesRow.id.in_(ids)))
                    if r.labels.get("app") == "a"]
    assert samples == (0 if store == "none" else 3 * HISTORY)
    spike = [a for a in anomalies if end - 20 <= a.timestamp.timestamp() <= end - 17]
    assert spike and spike[0].value == 400.0
    recent = recent_points(db, ids[0])
    assert recent is not None and len(recent["points"]) == 120
    assert recent["points"][-1][0] == float(end)
    # the scores went back into Prometheus: every step once, and vigil_anomaly is 1 exactly
    # where an anomaly was stored, the spike among them (the detector may also flag a
    # point of the wave: its noise, and so the series, depends on the wall clock)
    counts = instant(url, f'count_over_time(vigil_anomaly_score{{for="{key}"}}[100s])', end)
    assert len(counts) >= 3 and {float(c["value"][1]) for c in counts} == {100.0}
    flags = series_range(url, f'vigil_anomaly{{for="{key}",app="a"}}', end - 99, end)
    assert len(flags[0]["values"]) == 100
    ones = {float(t) for t, v in flags[0]["values"] if v == "1"}
    assert ones == {a.timestamp.timestamp() for a in anomalies if a.series_id == app_a}
    assert any(end - 20 <= t <= end - 17 for t in ones)
    assert "app" in flags[0]["metric"] and "vigil_source" not in flags[0]["metric"]
    exposed = poller.latest.render()
    assert f'vigil_anomaly_score{{app="a",for="{key}"}}' in exposed


def test_a_state_it_cannot_read_is_replaced_not_a_crash(
        db: Database, seeded: tuple[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    url, end = seeded
    key = f"rot_{db.dialect}"
    cfg = source(url, name="rotten", queries={key: "seeded_load"}, write_back={"expose": True})
    poll_at(db, cfg, end - 100)  # warm-up
    poll_at(db, cfg, end - 50)
    with db.session() as session:
        rows = session.scalars(select(SourceSeriesRow)
                               .where(SourceSeriesRow.source == "rotten")).all()
        ids = sorted(r.series_id for r in rows)
        rotten = session.scalars(select(DetectorStateRow)
                                 .where(DetectorStateRow.series_id == ids[0])).one()
        rotten.state = b"not a state"  # the bytes rot in the database
        older = session.scalars(select(DetectorStateRow)
                                .where(DetectorStateRow.series_id == ids[1])).one()
        older.model_version = "vigil-0.0.1"  # and one was written by an older Vigil
    capsys.readouterr()
    (outcome,), _ = poll_at(db, cfg, end)
    assert outcome.error is None and outcome.points == 3 * 50  # every series scored on
    err = capsys.readouterr().err
    logged = [json.loads(line) for line in err.splitlines()
              if "Detector state re-learned" in line]
    assert [(e["series_id"], e["level"]) for e in logged] == [(ids[0], "WARNING")]
    assert "cannot be read" in logged[0]["reason"]
    (upgraded,) = [json.loads(line) for line in err.splitlines()
                   if "Detector states re-learned" in line]
    assert upgraded["series"] == 1 and "written by vigil-0.0.1" in upgraded["reason"]
    with db.session() as session:
        states = {s.series_id: s for s in session.scalars(
            select(DetectorStateRow).where(DetectorStateRow.series_id.in_(ids)))}
    assert {s.last_ts for s in states.values()} == {float(end)}
    assert states[ids[0]].state.startswith(b"VGST")  # a new, readable state
    assert len({s.model_version for s in states.values()}) == 1  # all of this version


def test_bad_queries_are_reported_by_name_and_the_others_keep_running(
        db: Database, seeded: tuple[str, int]) -> None:
    url, end = seeded
    cfg = source(url, name="mixed", lookback_on_start="20s", max_series=10, queries={
        "good": "seeded_load", "text": '"hello"', "broken": "sum(", "wide": "seeded_wide"})
    outcomes, poller = poll_at(db, cfg, end)
    by_query = {o.query: o for o in outcomes}
    assert by_query["good"].error is None and by_query["good"].learned == 3 * 21
    assert "string" in (by_query["text"].error or "")
    assert "parse error" in (by_query["broken"].error or "")
    assert "returns 20 series, over the cap of 10" in (by_query["wide"].error or "")
    assert poller.health["mixed"].healthy is False
    assert set(poller.health["mixed"].errors()) == {"text", "broken", "wide"}
    (described,) = describe_sources(db, [cfg], now=end)
    assert described["healthy"] is False
    assert described["queries"]["good"]["healthy"] is True
    assert described["queries"]["good"]["cursor"] == end
    assert described["queries"]["wide"]["healthy"] is False
    assert "over the cap" in described["queries"]["wide"]["error"]


def test_an_unreachable_store_is_unhealthy_not_a_crash(db: Database) -> None:
    cfg = source(f"http://127.0.0.1:{free_port()}", name="nowhere")
    (outcome,), poller = poll_at(db, cfg, time.time())
    assert outcome.error is not None and "ConnectError" in outcome.error
    assert poller.health["nowhere"].healthy is False
    (described,) = describe_sources(db, [cfg])
    assert described["healthy"] is False and described["queries"]["load"]["cursor"] is None


@pytest.mark.postgres
def test_replicas_share_the_series_and_absorb_a_loss(
        pg_database: str, seeded: tuple[str, int], tmp_path: Path) -> None:
    from vigil.config import Settings
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(pg_database)
    db = open_database(Settings(database_url=pg_database, data_dir=tmp_path))
    url, end = seeded
    cfg = source(url, name="shared", queries={"wide": "seeded_wide"}, lookback_on_start="10s",
                 write_back={"expose": True})
    a = SourcePoller(db, [cfg], 16, clock=lambda: end - 5)
    b = SourcePoller(db, [cfg], 16, clock=lambda: end - 5)
    try:
        a.run_once()  # a alone: every partition
        b.run_once()  # b joins: nothing free yet
        a.clock = b.clock = lambda: end  # move both clocks on
        a.run_once()  # a gives half back ...
        b.run_once()  # ... and b claims it
        scored_a = a.health["shared"].queries["wide"].series
        scored_b = b.health["shared"].queries["wide"].series
        assert scored_a > 0 and scored_b > 0 and scored_a + scored_b == 20
        with db.session() as session:
            rows = session.scalars(select(SourceSeriesRow)
                                   .where(SourceSeriesRow.source == "shared")).all()
        assert len(rows) == 20 and {r.last_ts for r in rows} == {float(end)}
        a.stop()  # a replica is lost: its advisory locks go with its connection
        b.clock = lambda: end + 3.0  # the next steps
        b.run_once()
        assert b.health["shared"].queries["wide"].series == 20
        with db.session() as session:
            rows = session.scalars(select(SourceSeriesRow)
                                   .where(SourceSeriesRow.source == "shared")).all()
        assert {r.last_ts for r in rows} == {float(end + 3)}
    finally:
        a.stop()
        b.stop()
        db.dispose()


def test_scores_are_finite_numbers(seeded: tuple[str, int]) -> None:
    url, end = seeded
    values = instant(url, "seeded_load", end)
    assert len(values) == 3 and all(np.isfinite(float(v["value"][1])) for v in values)


def test_the_detection_worker_leaves_source_series_alone(
        db: Database, seeded: tuple[str, int]) -> None:
    from vigil.detection.config import DetectionConfig, WatchRule
    from vigil.services.detection_worker import DetectionWorker

    url, end = seeded
    key = f"watched_{db.dialect}"
    cfg = source(url, name="watched", store="samples", queries={key: "seeded_load"},
                 lookback_on_start="200s")
    poll_at(db, cfg, end - 20)
    poll_at(db, cfg, end)
    worker = DetectionWorker(db, DetectionConfig(watch=[WatchRule(name=".*")]))
    outcomes = worker.run_once(poll=True)
    with db.session() as session:
        ids = set(session.scalars(select(SourceSeriesRow.series_id)
                                  .where(SourceSeriesRow.source == "watched")))
        scored = session.scalars(select(SourceSeriesRow.points_scored)
                                 .where(SourceSeriesRow.source == "watched")).all()
    assert len(ids) == 3 and not ids & set(outcomes)
    assert list(scored) == [20, 20, 20]
