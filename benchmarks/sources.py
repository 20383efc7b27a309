"""Benchmark: one poll cycle of a PromQL source over 10,000 series against a real Prometheus.

A synthetic exporter (in this process, a thread) serves `bench_load{host, shard}` for
`--series` series; a real Prometheus (Debian's `prometheus`, on a free port, temporary
storage) scrapes it every 15 s and has its remote-write receiver on. Warm-up history
(`--history` points one step apart) is seeded through remote_write, in time order.
One `SourcePoller` (one replica) then polls with `store: none`, a 1-minute step and
write-back by remote_write into the same Prometheus:

- cycle 0: the `lookback_on_start` backfill (fetch + silent warm-up + state saved);
- cycles 1..N: one new step each (fetch, restore each series' state, score, store
  anomalies and state, ring buffer, write back four samples a series). The poller's
  clock is moved one step per cycle instead of waiting a minute: the query then reads
  the newest scraped value (Prometheus' lookback), the same work as a real next step.

Prints one JSON object per figure: seconds per cycle, series/s per replica, the share of
the 60 s step used, and memory per series with `store: none` (Python heap held between
cycles and peak during a cycle, from tracemalloc; database bytes of detector state, ring
buffer and series row).

Usage: .venv/bin/python benchmarks/sources.py [--series 10000] [--cycles 3] [--history 30]
       [--database-url postgresql+psycopg://...]   (default: a temporary SQLite file)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from vigil.config import Settings
from vigil.core.remote_write import encode_body
from vigil.services.sources.poller import SourcePoller
from vigil.sources.config import SourceConfig
from vigil.storage.database import Database, open_database
from vigil.storage.migrate import upgrade
from vigil.storage.models import DetectorStateRow
from vigil.storage.models_sources import SourceSeriesRow

STEP = 60
HEADERS = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
           "X-Prometheus-Remote-Write-Version": "0.1.0"}


def emit(name: str, value: float, unit: str, **notes: Any) -> None:
    """One result line."""
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit,
                      "machine": f"{platform.machine()} {os.cpu_count()} cpu", **notes}),
          flush=True)


def value(i: int, t: float) -> float:
    """A daily-ish wave per series with deterministic noise."""
    return 100 + 20 * math.sin(2 * math.pi * (t / 3600 + i / 97)) + (i * 7919 + int(t)) % 13


def labels(i: int) -> dict[str, str]:
    """The labels of series i."""
    return {"host": f"host-{i:05d}", "shard": str(i % 16)}


@contextmanager
def exporter(series: int, port: int) -> Iterator[str]:
    """Serve `bench_load` for `series` series on 127.0.0.1:port; yields host:port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            now = time.time()
            body = "".join(f'bench_load{{host="host-{i:05d}",shard="{i % 16}"}} '
                           f"{value(i, now)!r}\n" for i in range(series)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def prometheus(tmp: Path, target: str) -> Iterator[str]:
    """Debian's Prometheus scraping the exporter every 15 s; yields its URL."""
    exe = shutil.which("prometheus")
    if exe is None:
        sys.exit("prometheus is not installed (scripts/install-system-deps.sh)")
    with socket_port() as port:
        pass
    config = tmp / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: bench\n"
                      f"    static_configs:\n      - targets: ['{target}']\n")
    log = (tmp / "prometheus.log").open("wb")
    proc = subprocess.Popen([exe, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'tsdb'}",
                             f"--web.listen-address=127.0.0.1:{port}",
                             "--web.enable-remote-write-receiver", "--log.level=warn"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/-/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                sys.exit("prometheus did not become ready")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@contextmanager
def socket_port() -> Iterator[int]:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def seed(url: str, series: int, start: int, points: int, job_target: str) -> None:
    """Write `points` steps of history for every series, oldest step first."""
    for k in range(points):
        t = start + k * STEP
        batch = [({"__name__": "bench_load", **labels(i), "job": "bench",
                   "instance": job_target}, [(t * 1000, value(i, t))]) for i in range(series)]
        response = httpx.post(url + "/api/v1/write", content=encode_body(batch),
                              headers=HEADERS, timeout=60)
        response.raise_for_status()


def main() -> None:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--history", type=int, default=30,
                        help="warm-up points (steps) seeded before the first poll")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the first step cycle on stderr")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-sources-") as tmpdir:
        tmp = Path(tmpdir)
        url_db = args.database_url or f"sqlite:///{tmp / 'vigil.db'}"
        upgrade(url_db)
        db = open_database(Settings(database_url=url_db, data_dir=tmp))
        with socket_port() as port:
            target = f"127.0.0.1:{port}"
        with prometheus(tmp, target) as prom:
            # the history goes in before the exporter first answers a scrape (in order)
            now = int(time.time()) // STEP * STEP
            started = time.perf_counter()
            seed(prom, args.series, now - args.history * STEP, args.history, target)
            emit("seed_history", time.perf_counter() - started, "s",
                 samples=args.series * args.history)
            run(args, db, prom, now, port)
        db.dispose()


def run(args: argparse.Namespace, db: Database, prom: str, now: int, port: int) -> None:
    """Start the exporter, then poll: the backfill cycle and the step cycles."""
    with exporter(args.series, port):
        source = SourceConfig.model_validate({
            "name": "bench", "url": prom, "queries": {"load": "bench_load"}, "step": "1m",
            "lookback_on_start": f"{args.history * STEP}s", "store": "none",
            "max_series": args.series * 2,
            "write_back": {"remote_write": {"url": prom + "/api/v1/write"}}})
        clock = [float(now)]
        poller = SourcePoller(db, [source], 16, clock=lambda: clock[0])
        for cycle in range(args.cycles + 1):
            profile = cProfile.Profile() if args.profile and cycle == 1 else None
            t0, c0 = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            (outcome,) = poller.run_once()
            if profile is not None:
                profile.disable()
                pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative") \
                    .print_stats(30)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if outcome.error:
                sys.exit(f"cycle {cycle}: {outcome.error}")
            kind = "backfill" if cycle == 0 else "step"
            emit(f"cycle_{cycle}_{kind}_seconds", wall, "s", cpu_seconds=round(cpu, 2),
                 points=outcome.points, learned=outcome.learned,
                 written=outcome.written, anomalies=outcome.anomalies,
                 phases=outcome.seconds)
            emit(f"cycle_{cycle}_{kind}_series_per_second", args.series / wall,
                 "series/s/replica", share_of_step=round(wall / STEP, 3))
            clock[0] += STEP
        poller.stop()
        # memory: a restarted replica (a fresh poller) runs one more step cycle under
        # tracemalloc (slower; not timed): what it holds afterwards is what a replica
        # keeps between cycles; the peak is the transient cost of a cycle
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        poller = SourcePoller(db, [source], 16, clock=lambda: clock[0])
        (outcome,) = poller.run_once()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        emit("replica_held_bytes_per_series", (held - before) / args.series, "bytes",
             note="kept between cycles: latest scores for /api/v1/sources/metrics, id cache",
             points=outcome.points)
        emit("cycle_peak_bytes_per_series", (peak - before) / args.series, "bytes",
             note="transient Python heap during one step cycle")
        with db.session() as session:
            state = session.scalar(select(func.sum(func.length(DetectorStateRow.state))))
            ring = session.scalar(select(func.sum(func.length(SourceSeriesRow.ring))))
            count = session.scalar(select(func.count()).select_from(SourceSeriesRow))
        emit("db_state_bytes_per_series", (state or 0) / max(count or 1, 1), "bytes",
             series=count)
        emit("db_ring_bytes_per_series", (ring or 0) / max(count or 1, 1), "bytes")
        poller.stop()


if __name__ == "__main__":
    main()
