"""End to end with real processes: Prometheus scrapes an exporter process with an injected
anomaly; `vigil serve` polls Prometheus, finds the anomaly and remote-writes its scores
back into the same Prometheus. Then Vigil restarts (no gap, no double scoring) and
Prometheus goes down (the source is unhealthy, /ready stays up) and comes back (Vigil
catches up). On SQLite and PostgreSQL."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.prometheus.prom_support import VigilServer, process, vigil_serve, wait_for
from tests.integration.sources.exporter import load
from tests.integration.sources.prom_sources import instant, prometheus, push, series_range
from tests.support import free_port

pytestmark = pytest.mark.slow

EXPORTER = Path(__file__).with_name("exporter.py")
HISTORY = 400


def config(prom: str) -> str:
    return f"""\
sources:
  - name: local
    url: {prom}
    queries:
      load: demo_load
    step: 1s
    delay: 1s
    lookback_on_start: 300s
    store: none
    retries: 1
    timeout: 2s
    write_back:
      remote_write: {{url: {prom}/api/v1/write}}
"""


def source_status(vigil: VigilServer) -> dict[str, Any]:
    (item,) = vigil.get("/api/v1/sources")["items"]
    return dict(item)


def shop_state(vigil: VigilServer) -> dict[str, Any]:
    (shop,) = [s for s in vigil.series("load") if s["labels"].get("app") == "shop"]
    return dict(vigil.get(f"/api/v1/sources/series/{shop['id']}/recent"))


def written_steps(prom: str, at: float) -> list[float]:
    """Timestamps of every vigil_anomaly_score sample written back for app=shop."""
    (found,) = instant(prom, 'vigil_anomaly_score{for="load",app="shop"}[15m]', at)
    return [float(t) for t, _v in found["values"]]


def source_steps(prom: str, start: float, end: float) -> list[float]:
    """The steps at which the source query had a value for app=shop (a failed scrape under
    load leaves a stale marker, and then the store has nothing to score)."""
    found = series_range(prom, 'demo_load{app="shop"}', start, end)
    return [float(t) for t, _v in found[0]["values"]] if found else []


def assert_no_gap_and_no_double(vigil: VigilServer, prom: str) -> float:
    """Every step the store had data for, from the first scored to the newest, was scored
    and written back exactly once."""
    state = shop_state(vigil)
    steps = written_steps(prom, state["last_ts"])
    assert steps[-1] == state["last_ts"]
    assert steps == source_steps(prom, steps[0], steps[-1]), "a gap in the write-back"
    assert state["points_scored"] == len(steps), "a step was scored twice (or not written)"
    return float(state["last_ts"])


def test_scores_flow_back_through_restarts_and_outages(tmp_path: Path,
                                                       vigil_database: str) -> None:
    exporter_port, prom_port = free_port(), free_port()
    target = f"127.0.0.1:{exporter_port}"
    control = tmp_path / "spike"
    with ExitStack() as outer:
        prom_stack = ExitStack()
        prom = prom_stack.enter_context(prometheus(tmp_path, [target], prom_port,
                                                   tmp_path / "prom-data"))
        outer.callback(prom_stack.close)
        # the exporter's past, seeded before it first answers a scrape (warm-up history)
        end = int(time.time()) - 1
        push(prom, [({"__name__": "demo_load", "app": app, "job": "exporter",
                      "instance": target}, [(t, load(t, app, None))
                                            for t in range(end - HISTORY + 1, end + 1)])
                    for app in ("shop", "cart")])
        outer.enter_context(process([sys.executable, str(EXPORTER), str(exporter_port),
                                     str(control)], tmp_path / "exporter.log"))
        vigil_stack = ExitStack()
        vigil = vigil_stack.enter_context(vigil_serve(tmp_path, vigil_database, config(prom)))
        outer.callback(vigil_stack.close)
        wait_for(lambda: source_status(vigil)["queries"]["load"]["cursor"], 60,
                 "the first poll", log=vigil.log)

        # 1. the injected anomaly is found and written back as vigil_anomaly == 1
        spike_at = int(time.time()) + 6
        control.write_text(str(spike_at))
        wait_for(lambda: instant(prom, 'max_over_time(vigil_anomaly{for="load",app="shop"}'
                                       '[2m]) == 1', time.time()), 60,
                 "vigil_anomaly to be 1", log=vigil.log)
        # ... and written back past the window read below: a range query carries the last
        # sample forward, so a noise anomaly just before the spike, written back before
        # the points after it, would read as 1 at every step of the window
        wait_for(lambda: max(written_steps(prom, time.time()), default=0.0) >= spike_at + 10,
                 60, "the write-back to pass the spike", log=vigil.log)
        (flags,) = series_range(prom, 'vigil_anomaly{for="load",app="shop"}',
                                spike_at - 30, spike_at + 10)
        ones = [float(t) for t, v in flags["values"] if v == "1"]
        assert any(spike_at <= t <= spike_at + 6 for t in ones), (spike_at, ones)
        # before the spike, vigil_anomaly is 1 only where Vigil stored an anomaly (the wave's
        # noise depends on the wall clock, and the detector may flag a point of it)
        (shop,) = [s for s in vigil.series("load") if s["labels"].get("app") == "shop"]
        stored = {datetime.fromisoformat(a["timestamp"]).timestamp() for a in
                  vigil.get("/api/v1/anomalies", series_id=shop["id"], limit=1000)["items"]}
        assert {t for t in ones if t < spike_at} <= stored, (ones, stored)
        assert len([t for t, v in flags["values"] if v == "0"]) >= 5
        (band,) = instant(prom, 'vigil_expected_upper{for="load",app="shop"}', spike_at + 1)
        assert 55 < float(band["value"][1]) < 400  # the band the spike broke out of

        # 2. restart Vigil mid-run (down for a few steps): it goes on from its cursor
        vigil_stack.close()
        stopped = time.time()
        time.sleep(2)  # starting `vigil serve` again adds seconds more
        vigil_stack = ExitStack()
        vigil = vigil_stack.enter_context(vigil_serve(tmp_path, vigil_database, config(prom),
                                                      operator_key=vigil.operator_key))
        outer.callback(vigil_stack.close)
        wait_for(lambda: shop_state(vigil)["last_ts"] > stopped + 6, 60,
                 "scoring to pass the restart", log=vigil.log)
        assert_no_gap_and_no_double(vigil, prom)

        # 3. Prometheus goes down: the source is unhealthy, Vigil stays ready
        prom_stack.close()
        down_at = time.time()
        wait_for(lambda: source_status(vigil)["healthy"] is False, 30,
                 "the source to report unhealthy", log=vigil.log)
        status = source_status(vigil)
        assert "ConnectError" in status["queries"]["load"]["error"]
        ready = httpx.get(vigil.url + "/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        time.sleep(3)

        # 4. ... and comes back: Vigil catches up over the outage
        prom_stack = ExitStack()
        prom = prom_stack.enter_context(prometheus(tmp_path, [target], prom_port,
                                                   tmp_path / "prom-data"))
        outer.callback(prom_stack.close)
        back_at = time.time()
        wait_for(lambda: source_status(vigil)["healthy"] is True
                 and shop_state(vigil)["last_ts"] >= back_at, 60,
                 "the source to recover and catch up", log=vigil.log)
        newest = assert_no_gap_and_no_double(vigil, prom)
        assert newest >= back_at > down_at + 3
