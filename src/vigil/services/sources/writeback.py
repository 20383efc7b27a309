"""Write-back of the scores: pushed with remote_write 1.0, and kept for scraping.

`RemoteWritePusher.push` posts snappy-compressed `WriteRequest`s (at most
`max_samples_per_request` samples each) and raises `WriteBackError` when the endpoint
refuses or stays unreachable after the retries; the poller then keeps the chunk
uncommitted, so it is scored again (identically) and pushed on a later cycle.
`LatestScores` holds each series' newest values for `GET /api/v1/sources/metrics`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import httpx

from vigil.core.remote_write import encode_body
from vigil.services.sources.http import make_client
from vigil.sources.config import RemoteWriteTarget
from vigil.sources.exposition import LatestValue, render
from vigil.sources.writeback import (
    ANOMALY,
    FOR_LABEL,
    LOWER,
    METRICS,
    SCORE,
    UPPER,
    ScoredPoints,
    batches,
    samples_for,
)

RETRIES = 2
RETRY_BASE_SECONDS = 0.5
HEADERS = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
           "X-Prometheus-Remote-Write-Version": "0.1.0"}


class WriteBackError(RuntimeError):
    """The write-back endpoint could not be reached or failed (5xx, 429): retry later."""


class WriteBackRefused(WriteBackError):
    """The endpoint refused a request for good (4xx, e.g. out-of-order samples): retrying
    the same samples can never succeed, so they are dropped and the scoring goes on."""


class RemoteWritePusher:
    """Pushes scored points to one remote_write endpoint."""

    def __init__(self, target: RemoteWriteTarget,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.target = target
        self._client = make_client(target.auth, target.timeout)
        self._sleep = sleep

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def push(self, scored: list[ScoredPoints]) -> tuple[int, list[str]]:
        """Send every write-back sample of these series: (samples accepted, the reasons of
        requests refused for good). Raises WriteBackError when the endpoint is down."""
        series = [s for points in scored for s in samples_for(points)]
        sent = 0
        refused: list[str] = []
        for batch in batches(series, self.target.max_samples_per_request):
            try:
                self._post(encode_body(batch))
            except WriteBackRefused as exc:
                refused.append(str(exc))
                continue
            sent += sum(len(points) for _labels, points in batch)
        return sent, refused

    def _post(self, body: bytes) -> None:
        last = ""
        for attempt in range(RETRIES + 1):
            if attempt:
                self._sleep(RETRY_BASE_SECONDS * 2 ** (attempt - 1))
            try:
                response = self._client.post(self.target.url, content=body, headers=HEADERS)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code < 300:
                return
            last = f"HTTP {response.status_code}: {response.text[:300].strip()}"
            if response.status_code < 500 and response.status_code != 429:
                raise WriteBackRefused(f"remote_write to {self.target.url}: {last}")
        raise WriteBackError(f"remote_write to {self.target.url}: {last}")


class LatestScores:
    """The newest write-back values of every series this process scores (thread-safe).

    One entry per series: its labels (with `for`) as a tuple, and the newest timestamp,
    score, band and flag, about 1 kB a series with a few labels.
    """

    def __init__(self) -> None:
        self._latest: dict[tuple[tuple[str, str], ...], tuple[int, float, float, float, float]] \
            = {}
        self._lock = threading.Lock()

    def update(self, scored: list[ScoredPoints]) -> None:
        """Keep the last point of each series."""
        with self._lock:
            for points in scored:
                if not len(points.ts):
                    continue
                labels = tuple(sorted({**points.labels, FOR_LABEL: points.query_key}.items()))
                self._latest[labels] = (
                    round(float(points.ts[-1]) * 1000), float(points.scores[-1]),
                    float(points.lower[-1]), float(points.upper[-1]),
                    1.0 if points.anomaly[-1] else 0.0)

    def render(self) -> str:
        """Text exposition of the latest values (bands left out while unknown)."""
        with self._lock:
            items = list(self._latest.items())
        grouped: dict[str, list[LatestValue]] = {m: [] for m in METRICS}
        for labels, (ts_ms, score, lower, upper, anomaly) in items:
            own = dict(labels)
            for metric, value in ((SCORE, score), (LOWER, lower), (UPPER, upper),
                                  (ANOMALY, anomaly)):
                if math.isfinite(value):
                    grouped[metric].append((own, ts_ms, value))
        return render(grouped)

    def __len__(self) -> int:
        return len(self._latest)
