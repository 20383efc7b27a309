"""What the API and the CLI show about sources: configuration, cursors, health; and a
one-off test run of a source's queries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vigil.services.sources.client import PrometheusClient, SourceUnavailable
from vigil.services.sources.http import SourceConfigError
from vigil.services.sources.poller import SourcePoller
from vigil.sources.config import SourceConfig
from vigil.sources.response import QueryError, check_series_cap
from vigil.sources.timing import TimeRange, align_down
from vigil.storage import sources_repo
from vigil.storage.database import Database
from vigil.storage.sources_repo import CursorRecord


class UnknownSource(LookupError):
    """No source of that name is configured."""


def find_source(sources: list[SourceConfig], name: str) -> SourceConfig:
    """The configured source of that name, or UnknownSource naming the known ones."""
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none configured"
    raise UnknownSource(f"there is no source {name!r} (known: {known})")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _query_status(rows: list[CursorRecord], now: float) -> dict[str, Any]:
    """One query's status over its partitions (stored by whichever replica polled them)."""
    cursors = [r.cursor_ts for r in rows]
    cursor = None if not rows or any(c is None for c in cursors) else min(
        c for c in cursors if c is not None)
    successes = [r.last_success_at for r in rows if r.last_success_at is not None]
    failing = [r for r in rows if r.last_error and (
        r.last_success_at is None or (r.last_error_at and r.last_error_at > r.last_success_at))]
    return {
        "cursor": cursor,
        "lag_seconds": None if cursor is None else max(0.0, now - cursor),
        "series": sum(r.series for r in rows),
        "last_success": _iso(max(successes)) if successes else None,
        "error": failing[0].last_error if failing else None,
        "healthy": None if not rows else not failing,
    }


def describe_sources(db: Database, sources: list[SourceConfig],
                     poller: SourcePoller | None = None, now: float | None = None
                     ) -> list[dict[str, Any]]:
    """Every configured source: settings (no secrets), per-query status, and health."""
    now = time.time() if now is None else now
    with db.session() as session:
        stored = sources_repo.cursors(session)
    out: list[dict[str, Any]] = []
    for source in sources:
        queries: dict[str, Any] = {}
        for key, query in source.queries.items():
            rows = [r for r in stored if r.source == source.name and r.query_key == key]
            queries[key] = {"query": query, **_query_status(rows, now)}
        local = poller.health.get(source.name) if poller is not None else None
        if local is not None:
            for key, qh in local.queries.items():
                if qh.ok is False:
                    queries[key]["healthy"] = False
                    queries[key]["error"] = qh.error
        states = [q["healthy"] for q in queries.values()]
        healthy = None if all(s is None for s in states) else all(s is not False for s in states)
        write_back = source.write_back
        out.append({
            "name": source.name, "type": source.type, "url": source.url,
            "step_seconds": source.step_seconds,
            "lookback_on_start_seconds": source.lookback_on_start.total_seconds(),
            "store": source.store.value, "detector": source.detector,
            "max_series": source.max_series, "healthy": healthy,
            "write_back": {"remote_write": write_back.remote_write.url
                           if write_back.remote_write else None,
                           "expose": write_back.expose},
            "queries": queries,
        })
    return out


@dataclass(frozen=True, slots=True)
class QueryTest:
    """One query run once: how many series, how long, or why it failed."""

    query_key: str
    series: int | None
    seconds: float
    error: str | None


def probe_source(source: SourceConfig, steps: int = 5, now: float | None = None
                ) -> list[QueryTest]:
    """Run each query of a source once over its last `steps` steps (stores nothing)."""
    now = time.time() if now is None else now
    step = source.step_seconds
    end = align_down(now - source.delay.total_seconds(), step)
    span = TimeRange(end - (steps - 1) * step, end, step)
    results: list[QueryTest] = []
    try:
        client = PrometheusClient(source, sleep=lambda _s: None)
    except SourceConfigError as exc:
        return [QueryTest(k, None, 0.0, str(exc)) for k in source.queries]
    try:
        for key, query in source.queries.items():
            started = time.perf_counter()
            try:
                fetched = client.query_range(query, span)
                check_series_cap(len(fetched.series), source.max_series)
                results.append(QueryTest(key, len(fetched.series),
                                         time.perf_counter() - started, None))
            except (QueryError, SourceUnavailable) as exc:
                results.append(QueryTest(key, None, time.perf_counter() - started, str(exc)))
    finally:
        client.close()
    return results


def recent_points(db: Database, series_id: int) -> dict[str, Any] | None:
    """The ring buffer of a source series (its recent points), or None if it is not one."""
    from vigil.sources.ring import read_ring

    with db.session() as session:
        found = sources_repo.source_series(session, [series_id]).get(series_id)
    if found is None:
        return None
    ts, values = read_ring(found.ring)
    return {"series_id": series_id, "source": found.source, "query": found.query_key,
            "points_scored": found.points_scored, "last_ts": found.last_ts,
            "points": [[float(t), float(v)] for t, v in zip(ts, values, strict=True)],
            "as_of": datetime.now(UTC).isoformat()}
