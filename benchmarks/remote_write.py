"""Benchmark: Prometheus remote_write ingest into `vigil serve` (target ≥ 100,000 samples/s).

Builds realistic WriteRequests the way Prometheus sends them (node_exporter-like series
with 6-9 labels, one sample per series per request, `--batch` samples per request,
timestamps advancing one scrape interval per round) and posts them over HTTP with
`--concurrency` parallel senders (Prometheus' shards) to a running `vigil serve`
(`--url` and `--key`), or to one it starts itself on a temporary SQLite data dir.

Prints one JSON object per result (name, figure, unit, notes):
- decode only, in this process: Vigil's decoder (warm label cache, and cold) against
  the protobuf runtime (upb) decoding the same bytes, and their ratio;
- end to end over HTTP: the first round (every series is new) and the steady state
  (later rounds: known series, new samples), in samples stored per second.

Usage: .venv/bin/python benchmarks/remote_write.py [--series 20000] [--rounds 6]
       [--batch 2000] [--concurrency 2] [--url http://127.0.0.1:8000 --key KEY]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import cramjam
import httpx
from serve_process import start_serve

from vigil.core.remote_write import LabelCache, decode_write_request, encode_write_request

ROOT = Path(__file__).resolve().parents[1]
HEADERS = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
           "X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "vigil-bench"}
SCRAPE_INTERVAL_MS = 15_000

_METRICS = [
    ("node_cpu_seconds_total", lambda i: {"cpu": str(i % 8),
                                          "mode": ("idle", "user", "system", "iowait")[i % 4]}),
    ("node_memory_MemAvailable_bytes", lambda i: {}),
    ("node_filesystem_avail_bytes", lambda i: {"device": f"/dev/sda{i % 3}", "fstype": "ext4",
                                               "mountpoint": ("/", "/var", "/home")[i % 3]}),
    ("node_network_receive_bytes_total", lambda i: {"device": ("eth0", "eth1")[i % 2]}),
    ("node_load1", lambda i: {}),
    ("http_requests_total", lambda i: {"method": ("GET", "POST")[i % 2],
                                       "code": ("200", "404", "500")[i % 3],
                                       "handler": f"/api/v1/items/{i % 7}"}),
]


def machine() -> str:
    """Short machine description for the notes, with the load average (shared machines)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.machine()} {os.cpu_count()} cpu, load avg {load:.1f}, "
            f"Python {platform.python_version()}")


def label_sets(n: int) -> list[dict[str, str]]:
    """n distinct, realistic label sets (with __name__), spread over hosts and metrics."""
    out = []
    for i in range(n):
        name, extra = _METRICS[i % len(_METRICS)]
        host = i // 40
        labels = {"__name__": name, "instance": f"node-{host:04d}.prod.example.com:9100",
                  "job": "node", "env": "prod", "region": ("eu-west-1", "us-east-1")[host % 2],
                  "series": str(i // len(_METRICS)), **extra(i)}
        out.append(labels)
    return out


def build_rounds(sets: list[dict[str, str]], rounds: int, batch: int,
                 start_ms: int) -> list[list[bytes]]:
    """Per round, snappy bodies of `batch` series with one sample each."""
    rnd = random.Random(42)
    out = []
    for r in range(rounds):
        ts = start_ms + r * SCRAPE_INTERVAL_MS
        bodies = []
        for lo in range(0, len(sets), batch):
            chunk = [(labels, [(ts, rnd.random() * 1000)]) for labels in sets[lo:lo + batch]]
            bodies.append(bytes(cramjam.snappy.compress_raw(encode_write_request(chunk))))
        out.append(bodies)
    return out


def result(name: str, figure: float, unit: str, notes: str) -> None:
    """Print one result line."""
    print(json.dumps({"name": name, "figure": round(figure, 1), "unit": unit, "notes": notes}),
          flush=True)


def bench_decode(sets: list[dict[str, str]], batch: int) -> None:
    """Decoder throughput against the protobuf runtime on the same bytes."""
    sys.path.insert(0, str(ROOT))
    from tests.unit.prometheus.prom_pb_reference import WriteRequest

    raw = encode_write_request([(labels, [(1_764_000_000_000, 1.5)]) for labels in sets[:batch]])
    reps = 20
    warm = LabelCache()
    decode_write_request(raw, cache=warm)

    def runtime() -> None:
        msg = WriteRequest()
        msg.ParseFromString(raw)
        for series in msg.timeseries:
            labels = {lab.name: lab.value for lab in series.labels}
            labels.pop("__name__", None)
            [(s.timestamp / 1000.0, s.value) for s in series.samples]

    contenders = {
        "warm": lambda: decode_write_request(raw, cache=warm),
        "cold": lambda: decode_write_request(raw, cache=LabelCache()),
        "runtime": runtime,
    }
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(5):  # interleaved, best of 5: fair under a fluctuating machine load
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / reps)
    ours_warm, ours_cold, baseline = (batch / best[k] for k in ("warm", "cold", "runtime"))
    note = f"{batch} series x 1 sample per WriteRequest, best of 5x{reps}, interleaved; {machine()}"
    result("remote_write_decode_warm_cache", ours_warm, "samples/s", note)
    result("remote_write_decode_cold_cache", ours_cold, "samples/s", note)
    result("remote_write_decode_protobuf_runtime_baseline", baseline, "samples/s",
           note + "; protobuf upb runtime, same bytes, same output shape")
    result("remote_write_decode_speedup_vs_protobuf", ours_warm / baseline, "ratio",
           "warm-cache decoder / protobuf runtime, same process")


@contextmanager
def spawned_vigil(database_url: str = "") -> Iterator[tuple[str, str]]:
    """Start `vigil serve` (temporary data dir; SQLite unless a URL); yield (url, key)."""
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        server = start_serve(Path(tmp), database_url=database_url or None)
        try:
            yield server.url, server.key
        finally:
            server.stop()


def post_round(client: httpx.Client, url: str, key: str, bodies: list[bytes],
               concurrency: int) -> float:
    """Post one round's bodies with `concurrency` senders; return the elapsed seconds."""
    headers = {**HEADERS, "Authorization": f"Bearer {key}"}

    def send(body: bytes) -> None:
        for attempt in range(5):
            response = client.post(url + "/api/v1/write", content=body, headers=headers)
            if response.status_code == 204:
                return
            if response.status_code < 500:
                raise SystemExit(f"HTTP {response.status_code}: {response.text[:300]}")
            time.sleep(0.1 * (attempt + 1))
        raise SystemExit(f"HTTP {response.status_code} after retries")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(send, bodies))
    return time.perf_counter() - t0


def bench_http(url: str, key: str, sets: list[dict[str, str]], rounds: int, batch: int,
               concurrency: int, where: str) -> None:
    """End-to-end samples/s: the first round (new series) and the steady state."""
    start_ms = int(time.time() * 1000) - rounds * SCRAPE_INTERVAL_MS
    bodies = build_rounds(sets, rounds, batch, start_ms)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(timeout=120, limits=limits) as client:
        first = post_round(client, url, key, bodies[0], concurrency)
        steady = [post_round(client, url, key, b, concurrency) for b in bodies[1:]]
    n = len(sets)
    note = (f"{n} series, {batch} samples/request, {concurrency} concurrent senders, "
            f"vigil serve on {where}; client on the same machine; {machine()}")
    result("remote_write_http_first_round", n / first, "samples/s",
           note + "; every series new (series creation included)")
    if steady:
        total = sum(steady)
        rates = ", ".join(f"{n / s:,.0f}" for s in steady)
        result("remote_write_http_steady_state", n * len(steady) / total, "samples/s",
               note + f"; {len(steady)} rounds of known series, "
                      f"{n * len(steady)} samples in {total:.2f}s; per round: {rates}")


def main() -> None:
    """Run the decode and HTTP benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--url", help="a running vigil serve (default: start one)")
    parser.add_argument("--key", default=os.environ.get("VIGIL_API_KEY", ""),
                        help="operator API key for --url (or VIGIL_API_KEY)")
    parser.add_argument("--database-url", default="",
                        help="database for the vigil serve this starts (default: SQLite)")
    parser.add_argument("--skip-http", action="store_true", help="decode benchmark only")
    args = parser.parse_args()
    sets = label_sets(args.series)
    bench_decode(sets, args.batch)
    if args.skip_http:
        return
    if args.url:
        if not args.key:
            parser.error("--url needs --key (or VIGIL_API_KEY)")
        bench_http(args.url.rstrip("/"), args.key, sets, args.rounds, args.batch,
                   args.concurrency, args.url)
    else:
        where = (args.database_url.split("@")[-1] if args.database_url
                 else "a temporary SQLite data dir")
        with spawned_vigil(args.database_url) as (url, key):
            bench_http(url, key, sets, args.rounds, args.batch, args.concurrency, where)


if __name__ == "__main__":
    main()
