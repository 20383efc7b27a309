"""Ingest throughput and latency over HTTP against a real `vigil serve`.

Starts its own servers (SQLite in a temp dir, and PostgreSQL on a fresh database on
127.0.0.1:5432) unless --url/--key point at a running one. Prints one JSON object per
result: points/s for 1k- and 10k-point batches, p50/p99 of a 100-point request.

    .venv/bin/python benchmarks/ingest.py [--seconds 10] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
import psycopg
from serve_process import start_serve


def make_bodies(points_per_request: int, count: int, series: int, start: float) -> list[bytes]:
    """Pre-encoded request bodies with fresh timestamps (so every point is a real insert)."""
    bodies = []
    per_series = max(1, points_per_request // series)
    ts = start
    for _ in range(count):
        payload = {"series": [{"name": "bench_metric", "labels": {"host": f"h{s}", "dc": "x"},
                               "points": [[ts + i, float(i % 97)] for i in range(per_series)]}
                              for s in range(series)]}
        ts += per_series
        bodies.append(orjson.dumps(payload))
    return bodies


def throughput(url: str, key: str, batch: int, seconds: float, clients: int) -> dict[str, object]:
    """Sustained points/s with `clients` concurrent keep-alive connections."""
    series = 10
    per_client = max(4, int(seconds * 300_000 / batch / clients) + 2)
    base = time.time() - 20 * 86_400
    bodies = [make_bodies(batch, per_client, series, base - (c + 1) * 10_000_000)
              for c in range(clients)]
    sent = [0] * clients
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}",
                                   "Content-Type": "application/json"}, timeout=60) as client:
            for body in bodies[i]:
                if time.perf_counter() >= stop_at:
                    break
                response = client.post(url + "/api/v1/ingest", content=body)
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                    return
                sent[i] += response.json()["accepted"]

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"figure": round(sum(sent) / elapsed), "unit": "points/s", "points": sum(sent),
            "seconds": round(elapsed, 2), "clients": clients, "errors": errors[:3]}


def latency(url: str, key: str, requests: int) -> dict[str, object]:
    """p50/p99 of sequential 100-point requests."""
    bodies = make_bodies(100, requests + 20, 1, time.time() - 10 * 86_400)
    samples = []
    with httpx.Client(headers={"Authorization": f"Bearer {key}",
                               "Content-Type": "application/json"}, timeout=30) as client:
        for i, body in enumerate(bodies):
            started = time.perf_counter()
            response = client.post(url + "/api/v1/ingest", content=body)
            took = time.perf_counter() - started
            assert response.status_code == 200, response.text
            if i >= 20:  # warm-up excluded
                samples.append(took * 1000)
    samples.sort()
    return {"p50_ms": round(samples[len(samples) // 2], 2),
            "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2), "requests": len(samples)}


def measure(name: str, url: str, key: str, seconds: float, server: str) -> None:
    """Print the throughput and latency results of one running server."""
    notes = {"machine": f"{platform.machine()} {os.cpu_count()} cpus", "server": server}
    for batch in (1_000, 10_000):
        result = throughput(url, key, batch, seconds, clients=2)
        print(json.dumps({"name": f"ingest_{name}_{batch}_point_batches", **result,
                          "notes": notes}), flush=True)
    lat = latency(url, key, 1000)
    print(json.dumps({"name": f"ingest_{name}_100_point_request_latency",
                      "figure": lat["p99_ms"], "unit": "ms p99", **lat,
                      "notes": notes}), flush=True)


def run_backend(name: str, database_url: str | None, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        server = start_serve(Path(tmp), database_url=database_url)
        try:
            measure(name, server.url, server.key, seconds, "vigil serve, 1 process")
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", help="an operator key of that server (with --url)")
    args = parser.parse_args()
    if args.url or args.key:
        if not (args.url and args.key):
            parser.error("--url and --key go together")
        measure("server", args.url.rstrip("/"), args.key, args.seconds, args.url)
        return
    if args.only in (None, "sqlite"):
        run_backend("sqlite", None, args.seconds)
    if args.only in (None, "postgres"):
        name = f"vigil_bench_{secrets.token_hex(4)}"
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run_backend("postgres", f"postgresql+psycopg://postgres@127.0.0.1/{name}",
                        args.seconds)
        finally:
            with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                                 autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
