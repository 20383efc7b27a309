"""Hardening under attack, against a real `vigil serve` on SQLite.

1. `/health`, `/ready` and ingest (100-point requests) latency p50/p99, first idle, then
   while `--hogs` clients keep the detection pool saturated with 100k-point `/detect`
   calls (the pool answers 503 beyond its slots; the figures say how many).
2. Peak RSS of the server (VmHWM) while 8 clients send remote_write decompression
   bombs at once (snappy bodies under the 10 MiB body limit that declare 160 MiB),
   with the in-flight decompression budget refusing what does not fit.

Prints one JSON object per result.

    .venv/bin/python benchmarks/hardening.py [--seconds 20] [--hogs 4] [--bombs 8]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

import cramjam
import httpx
import orjson
from serve_process import ServeProcess, start_serve


def start_server(workdir: Path) -> ServeProcess:
    """A `vigil serve` on SQLite with remote_write on and no per-key rate limits."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "vigil.yaml"
    config.write_text("remote_write:\n  enabled: true\n")
    return start_serve(workdir, {"VIGIL_CONFIG": str(config),
                                 "VIGIL_DETECT_RATE_PER_MINUTE": "0",
                                 "VIGIL_REMOTE_WRITE_RATE_PER_MINUTE": "0"})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def probe(url: str, key: str, seconds: float) -> dict[str, dict[str, float]]:
    """Sequential /health, /ready and 100-point ingest requests; latency per route (ms)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    out: dict[str, list[float]] = {"health": [], "ready": [], "ingest": []}
    statuses: dict[str, dict[int, int]] = {k: {} for k in out}
    end = time.monotonic() + seconds
    i = 0
    with httpx.Client(base_url=url, timeout=30) as client:
        while time.monotonic() < end:
            i += 1
            now = time.time()
            body = orjson.dumps({"series": [{"name": "bench_probe", "labels": {"i": str(i % 10)},
                                             "points": [[now - 100 + j, float(j)]
                                                        for j in range(100)]}]})
            for route in out:
                started = time.perf_counter()
                if route == "ingest":
                    response = client.post("/api/v1/ingest", content=body, headers=headers)
                else:
                    response = client.get("/" + route)
                out[route].append((time.perf_counter() - started) * 1000)
                statuses[route][response.status_code] = \
                    statuses[route].get(response.status_code, 0) + 1
    return {route: {"p50_ms": round(pct(v, 0.50), 2), "p99_ms": round(pct(v, 0.99), 2),
                    "requests": len(v), "statuses": statuses[route]}  # type: ignore[dict-item]
            for route, v in out.items()}


def hog(url: str, key: str, stop_at: float, counts: dict[int, int], lock: threading.Lock) -> None:
    now = time.time()
    body = orjson.dumps({"points": [[now - 100_000 + i, float(i % 97)] for i in range(100_000)]})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=300) as client:
        while time.monotonic() < stop_at:
            status = client.post("/api/v1/detect", content=body, headers=headers).status_code
            with lock:
                counts[status] = counts.get(status, 0) + 1
            if status == 503:
                time.sleep(0.2)


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "note": "shared 2-core machine; server and load generator on the same host"}


def cpu_bench(workdir: Path, seconds: float, hogs: int) -> None:
    server = start_server(workdir)
    url, key = server.url, server.key
    try:
        baseline = probe(url, key, seconds)
        counts: dict[int, int] = {}
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds + 10
        threads = [threading.Thread(target=hog, args=(url, key, stop_at, counts, lock))
                   for _ in range(hogs)]
        for t in threads:
            t.start()
        time.sleep(5)  # let the pool fill (workers warm up)
        loaded = probe(url, key, seconds)
        for t in threads:
            t.join()
        for route in baseline:
            print(json.dumps({"name": f"hardening_{route}_latency_pool_saturated",
                              "idle": baseline[route], "saturated": loaded[route],
                              "detect_hogs": hogs, "detect_statuses": counts,
                              "unit": "ms", "machine": machine()}))
    finally:
        server.stop()


def bomb_body() -> bytes:
    """A snappy block under the 10 MiB body limit that declares 160 MiB (16x the limit)."""
    return bytes(cramjam.snappy.compress_raw(b"\x00" * (160 * 1024 * 1024)))


def bomb_bench(workdir: Path, bombs: int, rounds: int) -> None:
    server = start_server(workdir)
    url, key, proc = server.url, server.key, server.proc
    try:
        body = bomb_body()
        headers = {"Authorization": f"Bearer {key}", "Content-Encoding": "snappy",
                   "Content-Type": "application/x-protobuf"}
        before = rss_kib(proc.pid, "VmRSS")
        counts: dict[int, int] = {}
        lock = threading.Lock()

        def send() -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                for _ in range(rounds):
                    status = client.post("/api/v1/write", content=body,
                                         headers=headers).status_code
                    with lock:
                        counts[status] = counts.get(status, 0) + 1

        threads = [threading.Thread(target=send) for _ in range(bombs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps({"name": "hardening_peak_rss_decompression_bombs",
                          "peak_rss_mib": round(rss_kib(proc.pid, "VmHWM") / 1024, 1),
                          "rss_before_mib": round(before / 1024, 1),
                          "body_mib": round(len(body) / 2**20, 2), "declared_mib": 160,
                          "concurrent": bombs, "rounds": rounds, "statuses": counts,
                          "unit": "MiB", "machine": machine()}))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--hogs", type=int, default=4)
    parser.add_argument("--bombs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cpu_bench(Path(tmp) / "cpu", args.seconds, args.hogs)
    with tempfile.TemporaryDirectory() as tmp:
        bomb_bench(Path(tmp) / "bombs", args.bombs, args.rounds)


if __name__ == "__main__":
    main()
