"""The source poller: a background thread that keeps every source query scored up to now.

Each cycle it rebalances its partitions (PostgreSQL advisory locks in namespaces of
their own, so any number of replicas share the series of every query; on SQLite the one
process owns them all), and for every query that has a complete step to fetch: reads
the owned partitions' cursors, fetches the missing step-aligned range in chunks, scores
each chunk (`scoring.score_chunk`), writes the scores back, and moves the cursors, all
in one transaction per chunk. A failed query (API error, non-matrix answer, over the
series cap, unreachable store, refused write-back) is reported against its name and
retried with backoff; the other queries keep running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.services.partitions import PartitionClaims
from vigil.services.sources.client import PrometheusClient, SourceUnavailable
from vigil.services.sources.http import SourceConfigError
from vigil.services.sources.scoring import score_chunk
from vigil.services.sources.writeback import LatestScores, RemoteWritePusher, WriteBackError
from vigil.sources.config import SourceConfig
from vigil.sources.response import QueryError, check_series_cap
from vigil.sources.timing import chunk_points, chunks, due_range
from vigil.storage import sources_repo
from vigil.storage.database import Database
from vigil.storage.series_repo import SeriesIdCache
from vigil.telemetry.logging import log_event
from vigil.telemetry.sources_metrics import (
    SOURCE_ERRORS,
    SOURCE_LAG,
    SOURCE_LAST_SUCCESS,
    SOURCE_POINTS,
    SOURCE_POLL_SECONDS,
    SOURCE_SERIES,
    SOURCE_UP,
    SOURCE_WRITEBACK,
)

SLOT_NAMESPACE = 0x56495331  # "VIS1"
PARTITION_NAMESPACE = 0x56495332  # "VIS2"
MAX_BACKOFF_SECONDS = 60.0
IDLE_WAIT_SECONDS = 1.0


@dataclass(slots=True)
class QueryHealth:
    """How the last poll of one query went, in this process."""

    ok: bool | None = None
    error: str | None = None
    failures: int = 0
    next_attempt: float = 0.0
    cursor: int | None = None
    series: int = 0
    latency_seconds: float | None = None


@dataclass(slots=True)
class SourceHealth:
    """A source's health in this process: healthy when every query's last poll succeeded."""

    name: str
    last_success: float | None = None
    queries: dict[str, QueryHealth] = field(default_factory=dict)

    @property
    def healthy(self) -> bool | None:
        """None before the first poll; then True only when no query failed last time."""
        states = [q.ok for q in self.queries.values()]
        if not states or all(s is None for s in states):
            return None
        return all(s is not False for s in states)

    def errors(self) -> dict[str, str]:
        """The failing queries and why."""
        return {k: q.error for k, q in self.queries.items() if q.ok is False and q.error}


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one cycle did for one query."""

    source: str
    query: str
    points: int = 0
    learned: int = 0
    anomalies: int = 0
    written: int = 0
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time by phase: fetch, score, write_back, commit."""


class SourcePoller:
    """Polls every configured source in a background thread (or on demand: `run_once`)."""

    def __init__(self, db: Database, sources: list[SourceConfig], partitions: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self.sources = sources
        self._partitions = partitions
        self._claims = PartitionClaims(db, partitions, SLOT_NAMESPACE, PARTITION_NAMESPACE)
        self.clock = clock
        self._clients: dict[str, PrometheusClient] = {}
        self._pushers: dict[str, RemoteWritePusher] = {}
        self._cache = SeriesIdCache()
        self._estimates: dict[tuple[str, str], int] = {}
        self.latest = LatestScores()
        self.health = {s.name: SourceHealth(s.name, queries={k: QueryHealth() for k in s.queries})
                       for s in sources}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        """True when at least one source is configured."""
        return bool(self.sources)

    def start(self) -> None:
        """Start the background thread (when a source is configured)."""
        if self.enabled and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="vigil-sources", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread, give the partitions back, close the connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._claims.release()
        for client in self._clients.values():
            client.close()
        for pusher in self._pushers.values():
            pusher.close()
        self._clients.clear()
        self._pushers.clear()

    def _connect(self, source: SourceConfig) -> tuple[PrometheusClient, RemoteWritePusher | None]:
        """The source's HTTP clients, made on first use (a token file that cannot be read
        is a failed poll, retried with backoff, not a crash at start-up)."""
        client = self._clients.get(source.name)
        if client is None:
            client = self._clients[source.name] = PrometheusClient(source)
        target = source.write_back.remote_write
        pusher = self._pushers.get(source.name)
        if target is not None and pusher is None:
            pusher = self._pushers[source.name] = RemoteWritePusher(target)
        return client, pusher

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # never let one bad cycle end the thread
                log_event("ERROR", "ERROR", component="sources",
                          message=f"source poll failed: {type(exc).__name__}: {exc}")
            self._stop.wait(IDLE_WAIT_SECONDS)

    def run_once(self) -> list[PollOutcome]:
        """One cycle over every source and query that is due."""
        owned = sorted(self._claims.refresh())
        outcomes: list[PollOutcome] = []
        for source in self.sources:
            if self._stop.is_set():
                break
            started = time.perf_counter()
            health = self.health[source.name]
            for key, query in source.queries.items():
                qh = health.queries[key]
                if self.clock() < qh.next_attempt:
                    continue
                outcome = self._poll_query(source, key, query, owned, qh)
                if outcome is not None:
                    outcomes.append(outcome)
            self._publish(source, health, time.perf_counter() - started)
        return outcomes

    def _publish(self, source: SourceConfig, health: SourceHealth, seconds: float) -> None:
        SOURCE_POLL_SECONDS.labels(source.name).set(seconds)
        SOURCE_UP.labels(source.name).set(1.0 if health.healthy else 0.0)
        if health.last_success is not None:
            SOURCE_LAST_SUCCESS.labels(source.name).set(health.last_success)
        cursors = [q.cursor for q in health.queries.values() if q.cursor is not None]
        if cursors:
            SOURCE_LAG.labels(source.name).set(max(0.0, self.clock() - min(cursors)))
        SOURCE_SERIES.labels(source.name).set(sum(q.series for q in health.queries.values()))

    def _poll_query(self, source: SourceConfig, key: str, query: str, owned: list[int],
                    qh: QueryHealth) -> PollOutcome | None:
        if not owned:
            return None
        with self._db.session() as session:
            cursors = sources_repo.query_cursors(session, source.name, key, owned)
        known = [c for c in cursors.values() if c is not None]
        start = min(known) if len(known) == len(cursors) else None
        now = self.clock()
        span = due_range(start, now, source.step_seconds, source.lookback_on_start.total_seconds(),
                         source.delay.total_seconds())
        if span is None:
            self._succeeded(source, qh, start, None)
            return None
        warm_up = {p for p, c in cursors.items() if c is None}
        points = learned = anomalies = written = 0
        phases = dict.fromkeys(("fetch", "score", "write_back", "commit"), 0.0)
        try:
            client, pusher = self._connect(source)
            estimate = self._estimates.get((source.name, key), 1)
            per_chunk = chunk_points(estimate, source.max_points_per_request,
                                     source.max_samples_per_request)
            for piece in chunks(span, per_chunk):
                mark = time.perf_counter()
                fetched = client.query_range(query, piece)
                phases["fetch"] += time.perf_counter() - mark
                check_series_cap(len(fetched.series), source.max_series)
                self._estimates[(source.name, key)] = max(1, len(fetched.series))
                qh.latency_seconds = fetched.seconds
                current = {p: (None if p in warm_up else c) for p, c in cursors.items()}
                with self._db.session() as session:
                    mark = time.perf_counter()
                    outcome = score_chunk(session, source, key, fetched.series, current,
                                          self._partitions, self._cache)
                    phases["score"] += time.perf_counter() - mark
                    if pusher is not None and outcome.scored:
                        mark = time.perf_counter()
                        sent, refused = pusher.push(outcome.scored)
                        phases["write_back"] += time.perf_counter() - mark
                        written += sent
                        self._refused(source, key, refused)
                    sources_repo.advance(session, source.name, key, owned, piece.end,
                                         outcome.series_by_partition, datetime.now(UTC))
                    mark = time.perf_counter()
                phases["commit"] += time.perf_counter() - mark
                cursors = {p: piece.end for p in cursors}
                if source.write_back.expose:
                    self.latest.update(outcome.scored)
                qh.series = sum(outcome.series_by_partition.values())
                points += outcome.points
                learned += outcome.learned
                anomalies += outcome.anomalies
        except (QueryError, SourceUnavailable, WriteBackError, SourceConfigError) as exc:
            return self._failed(source, key, owned, qh, str(exc),
                                PollOutcome(source.name, key, points, learned, anomalies, written,
                                            str(exc)))
        SOURCE_POINTS.labels(source.name).inc(points)
        SOURCE_WRITEBACK.labels(source.name).inc(written)
        self._succeeded(source, qh, span.end, self.clock())
        return PollOutcome(source.name, key, points, learned, anomalies, written, None,
                           {k: round(v, 3) for k, v in phases.items()})

    def _refused(self, source: SourceConfig, key: str, refused: list[str]) -> None:
        """Write-back requests refused for good: counted and logged, scoring goes on."""
        if refused:
            SOURCE_ERRORS.labels(source.name, key).inc(len(refused))
            log_event("source_writeback_refused", "WARNING", source=source.name, query=key,
                      requests=len(refused), error=refused[0][:500])

    def _succeeded(self, source: SourceConfig, qh: QueryHealth, cursor: int | None,
                   polled_at: float | None) -> None:
        if qh.ok is False:
            log_event("source_recovered", source=source.name)
        qh.ok, qh.error, qh.failures, qh.next_attempt = True, None, 0, 0.0
        if cursor is not None:
            qh.cursor = cursor
        self.health[source.name].last_success = polled_at or self.clock()

    def _failed(self, source: SourceConfig, key: str, owned: list[int], qh: QueryHealth,
                error: str, outcome: PollOutcome) -> PollOutcome:
        qh.ok, qh.error = False, error
        qh.failures += 1
        qh.next_attempt = self.clock() + min(MAX_BACKOFF_SECONDS, 2.0 ** (qh.failures - 1))
        SOURCE_ERRORS.labels(source.name, key).inc()
        log_event("source_query_failed", "WARNING", source=source.name, query=key,
                  error=error[:500], failures=qh.failures)
        try:
            with self._db.session() as session:
                sources_repo.record_error(session, source.name, key, owned, error,
                                          datetime.now(UTC))
        except Exception as exc:  # the database may be what failed; health stays in memory
            log_event("source_error_not_recorded", "WARNING", source=source.name,
                      error=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        return outcome
