"""Soak: a real `vigil serve` on PostgreSQL under steady ingest and attack, for minutes.

- ingest at `--load` (default 80%) of the rate measured first, into watched series, so
  the detection worker scores every point and the alert evaluation runs (30 s);
- a brute-force client sending wrong keys, and a `/detect` hog (100k points per call);
- `/health` and `/ready` probed once a second; server RSS (with its children) sampled
  every 10 s.

Reports points acknowledged / stored / scored, p50/p99 per route, RSS over time and
the count of 500s. Prints one JSON object per result.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--load 0.8]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
import psycopg
from serve_process import ServeProcess, start_serve

SERIES = 20
BATCH = 1000
INGEST_CLIENTS = 2  # as many as measured the maximum rate


def rss_mib(pid: int) -> float:
    """RSS of a process and its descendants, in MiB."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return round(total / 1024, 1)


class Stats:
    """Latencies and statuses per route, thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.status: dict[str, dict[int, int]] = {}

    def add(self, route: str, started: float, status: int) -> None:
        with self.lock:
            self.latency.setdefault(route, []).append((time.perf_counter() - started) * 1000)
            counts = self.status.setdefault(route, {})
            counts[status] = counts.get(status, 0) + 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.8)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    dbname = f"vigil_soak_{secrets.token_hex(4)}"
    admin = psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                            autocommit=True)
    admin.execute(f'CREATE DATABASE "{dbname}"')
    tmp = Path(tempfile.mkdtemp())
    config = tmp / "vigil.yaml"
    config.write_text("detection:\n  watch:\n    - name: soak_metric\n"
                      "alerting:\n  rules:\n    - {name: SoakHigh, metric: soak_metric, "
                      "op: '>', threshold: 1.0e9}\n")
    try:
        server = start_serve(tmp, {"VIGIL_CONFIG": str(config),
                                   "VIGIL_SCHEDULER_ENABLED": "true",
                                   "VIGIL_DETECT_RATE_PER_MINUTE": "0"},
                             database_url=f"{args.pg}/{dbname}")
        try:
            run(server, args, dbname)
        finally:
            server.stop()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()


def run(server: ServeProcess, args: argparse.Namespace, dbname: str) -> None:
    """Measure the maximum ingest rate, then soak at `args.load` of it and report."""
    url, key, proc = server.url, server.key, server.proc
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    # Timestamps advance 1 s per point per series: ~600k s per series for 10 minutes at
    # 20k points/s, so they start 20 days back (a day back, they passed the 1-day
    # future tolerance after ~3 minutes and every later request was a 422).
    clock = [time.time() - 20 * 86_400.0]
    clock_lock = threading.Lock()

    def next_body() -> bytes:
        with clock_lock:
            start = clock[0]
            clock[0] += BATCH / SERIES
        per = BATCH // SERIES
        return orjson.dumps({"series": [
            {"name": "soak_metric", "labels": {"s": str(s)},
             "points": [[start + j, float((j * 7 + s) % 50)] for j in range(per)]}
            for s in range(SERIES)]})

    # 1. the maximum rate, 10 s with two clients
    sent = [0]

    def flood(until: float) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while time.monotonic() < until:
                response = client.post("/api/v1/ingest", content=next_body(), headers=headers)
                if response.status_code == 200:
                    with clock_lock:
                        sent[0] += response.json()["accepted"]

    until = time.monotonic() + 10
    floods = [threading.Thread(target=flood, args=(until,)) for _ in range(2)]
    for t in floods:
        t.start()
    for t in floods:
        t.join()
    max_rate = sent[0] / 10
    target = max_rate * args.load
    acked = [sent[0]]
    stats = Stats()
    stop_at = time.monotonic() + args.minutes * 60
    rss: list[tuple[float, float]] = []
    loads: list[float] = []  # the machine's 1-minute load average, next to every latency

    def ingest() -> None:
        """One of INGEST_CLIENTS paced senders, each at its share of the target rate."""
        share = target / INGEST_CLIENTS
        with httpx.Client(base_url=url, timeout=60) as client:
            began = time.monotonic()
            done = 0
            while time.monotonic() < stop_at:
                ahead = done / share - (time.monotonic() - began)
                if ahead > 0:
                    time.sleep(ahead)
                started = time.perf_counter()
                response = client.post("/api/v1/ingest", content=next_body(), headers=headers)
                stats.add("ingest", started, response.status_code)
                if response.status_code == 200:
                    with clock_lock:
                        acked[0] += response.json()["accepted"]
                        soaked[0] += response.json()["accepted"]
                done += BATCH

    def brute() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                response = client.get("/api/v1/series", headers={
                    "Authorization": f"Bearer vgl_{secrets.token_urlsafe(32)}"})
                stats.add("brute_force", started, response.status_code)
                time.sleep(0.05)

    def hog() -> None:
        now = time.time()
        body = orjson.dumps({"points": [[now - 100_000 + i, float(i % 97)]
                                        for i in range(100_000)]})
        with httpx.Client(base_url=url, timeout=300) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                response = client.post("/api/v1/detect", content=body, headers=headers)
                stats.add("detect", started, response.status_code)
                if response.status_code != 200:
                    time.sleep(1)

    def probe() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop_at:
                for route in ("/health", "/ready"):
                    started = time.perf_counter()
                    stats.add(route, started, client.get(route).status_code)
                time.sleep(1)

    def sample_rss() -> None:
        began = time.monotonic()
        while time.monotonic() < stop_at:
            rss.append((round(time.monotonic() - began), rss_mib(proc.pid)))
            loads.append(os.getloadavg()[0])
            time.sleep(10)

    soaked = [0]
    threads = [threading.Thread(target=f) for f in
               (*[ingest] * INGEST_CLIENTS, brute, hog, probe, sample_rss)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # let the detection worker finish, then count
    stored = scored = 0
    settle = time.monotonic() + 180
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=dbname) as conn:
        while True:
            stored = conn.execute(
                "SELECT count(*) FROM samples s JOIN series r ON r.id = s.series_id"
                " WHERE r.name = 'soak_metric'").fetchone()[0]  # type: ignore[index]
            scored = conn.execute(
                "SELECT count(*) FROM samples s JOIN series r ON r.id = s.series_id"
                " JOIN detector_state d ON d.series_id = s.series_id"
                " WHERE r.name = 'soak_metric' AND s.ts <= d.last_ts").fetchone()[0]  # type: ignore[index]
            if scored >= stored or time.monotonic() > settle:
                break
            time.sleep(5)
    statuses_500 = sum(c.get(500, 0) for c in stats.status.values())
    warm = [r for t, r in rss if t >= 60]
    print(json.dumps({"name": "soak_points", "max_ingest_points_per_s": round(max_rate),
                      "target_points_per_s": round(target),
                      "achieved_points_per_s": round(soaked[0] / (args.minutes * 60)),
                      "acknowledged": acked[0],
                      "stored": stored, "scored": scored, "minutes": args.minutes}))
    load = {"min": min(loads, default=0.0), "max": max(loads, default=0.0),
            "mean": round(sum(loads) / max(len(loads), 1), 2), "cpus": os.cpu_count()}
    print(json.dumps({"name": "soak_latency", "load_average_1m": load, "routes": {
        route: {"p50_ms": pct(v, 0.5), "p99_ms": pct(v, 0.99), "requests": len(v),
                "statuses": stats.status[route]} for route, v in stats.latency.items()}}))
    print(json.dumps({"name": "soak_rss_mib", "samples": rss,
                      "after_warmup_min": min(warm) if warm else None,
                      "after_warmup_max": max(warm) if warm else None}))
    print(json.dumps({"name": "soak_500s", "count": statuses_500}))


if __name__ == "__main__":
    main()
