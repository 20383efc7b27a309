"""Score one fetched chunk of a source query: the same detectors, state table, anomaly
rows and thresholds as the detection worker (`services.detection_worker`).

For each returned series in a partition this process owns: resolve (or create) its Vigil
series, drop points at or before what was already scored (the partition's cursor and the
series' own newest scored timestamp, so a chunk fetched twice is never scored twice),
run the detector, store the anomalies and the new state, keep a short ring buffer of
recent points and, with `store: samples`, append the samples. On a partition's first
poll (no cursor yet) the chunk is the `lookback_on_start` backfill: the detector learns
from it silently (no anomalies, no write-back), as the worker warms up on history.
Everything happens in the caller's transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session

from vigil.detection.base import Detector
from vigil.detection.config import WatchRule
from vigil.detection.registry import make_detector, restore_detector
from vigil.detection.state import StateError
from vigil.services.detection_worker import anomaly_rows, firing_points, model_version
from vigil.services.model_adoption import adopt
from vigil.sources.config import SourceConfig, StoreMode
from vigil.sources.naming import SeriesIdentity, partition_of, series_identity
from vigil.sources.response import FetchedSeries, finite_points
from vigil.sources.ring import append_ring
from vigil.sources.writeback import ScoredPoints
from vigil.storage import detection_repo, lifecycle_repo, sources_repo
from vigil.storage.anomalies_repo import insert_anomalies
from vigil.storage.detection_repo import StoredState
from vigil.storage.series_repo import SeriesIdCache, append_samples, resolve_series_ids
from vigil.storage.sources_repo import SourceSeriesRecord
from vigil.telemetry.detection_metrics import (
    ANOMALIES_DETECTED,
    MODEL_INFERENCE_TIME,
    POINTS_SCORED,
)
from vigil.telemetry.logging import log_event

BATCH_SERIES = 2000
"""Series whose states are held in memory at once (bounds a cycle's memory)."""


@dataclass(slots=True)
class ChunkOutcome:
    """What scoring one chunk did."""

    scored: list[ScoredPoints] = field(default_factory=list)
    points: int = 0
    learned: int = 0
    anomalies: int = 0
    series_by_partition: dict[int, int] = field(default_factory=dict)


def watch_rule(source: SourceConfig) -> WatchRule:
    """The detection settings of a source, as the worker's watch rule type."""
    return WatchRule(detector=source.detector, min_severity=source.min_severity)


def score_chunk(session: Session, source: SourceConfig, query_key: str,
                fetched: list[FetchedSeries], cursors: dict[int, int | None], partitions: int,
                cache: SeriesIdCache) -> ChunkOutcome:
    """Score the owned series of one fetched chunk (`cursors`: owned partition -> cursor)."""
    outcome = ChunkOutcome()
    mine: list[tuple[SeriesIdentity, int, FetchedSeries]] = []
    for series in fetched:
        identity = series_identity(source.name, query_key, series.labels)
        partition = partition_of(source.name, query_key, identity.key, partitions)
        if partition in cursors:
            mine.append((identity, partition, finite_points(series)))
            outcome.series_by_partition[partition] = \
                outcome.series_by_partition.get(partition, 0) + 1
    rule = watch_rule(source)
    for start in range(0, len(mine), BATCH_SERIES):
        _score_batch(session, source, query_key, mine[start:start + BATCH_SERIES], cursors,
                     cache, rule, outcome)
    if outcome.points:
        POINTS_SCORED.labels(rule.detector).inc(outcome.points)
    return outcome


def _score_batch(session: Session, source: SourceConfig, query_key: str,
                 mine: list[tuple[SeriesIdentity, int, FetchedSeries]],
                 cursors: dict[int, int | None], cache: SeriesIdCache, rule: WatchRule,
                 outcome: ChunkOutcome) -> None:
    """Score a batch of series: their states are loaded and saved together."""
    ids = resolve_series_ids(session, [(i.name, i.key, i.labels) for i, _p, _s in mine], cache)
    version = model_version(rule.detector)
    states = detection_repo.load_states(session, ids, rule.detector)
    known = sources_repo.source_series(session, ids)
    promoted = lifecycle_repo.series_with_active_model(session, ids)
    now = datetime.now(UTC)
    new_states: list[tuple[int, str, str, bytes, float]] = []
    new_records: list[SourceSeriesRecord] = []
    sample_ids: list[int] = []
    sample_ts: list[float] = []
    sample_values: list[float] = []
    other_versions: dict[str, int] = {}
    for series_id, (identity, partition, series) in zip(ids, mine, strict=True):
        stored = states.get(series_id)
        record = known.get(series_id)
        floor = max(x for x in (cursors[partition], stored.last_ts if stored else None,
                                record.last_ts if record else None, -np.inf) if x is not None)
        keep = series.ts > floor
        ts, values = series.ts[keep], series.values[keep]
        if not len(ts):
            continue
        restored = _restore(stored, version, identity, series_id) if stored is not None else None
        if stored is not None and stored.model_version != version:
            other_versions[stored.model_version] = other_versions.get(stored.model_version, 0) + 1
        detector: Detector = restored if restored is not None else make_detector(rule.detector)
        warm_up = cursors[partition] is None
        scored_to = stored.last_ts if stored is not None and restored is not None else None
        adoption = (adopt(session, series_id, rule.detector, version, scored_to)
                    if series_id in promoted else None)
        if adoption is not None and adoption.detector is not None:
            detector = adoption.detector
        started = time.perf_counter()
        batch = detector.update_batch(ts, values)
        MODEL_INFERENCE_TIME.labels(rule.detector).observe(time.perf_counter() - started)
        if warm_up:
            outcome.learned += len(ts)
        else:
            rows = anomaly_rows(detector, batch, series_id, rule, version, adoption)
            outcome.anomalies += insert_anomalies(session, rows)
            for row in rows:
                ANOMALIES_DETECTED.labels(identity.name, str(row["severity"])).inc()
            flags = np.zeros(len(ts), dtype=np.bool_)
            for i, _severity in firing_points(batch, rule, adoption):
                flags[i] = True
            outcome.scored.append(ScoredPoints(identity.source_labels, query_key, ts,
                                               batch.scores, batch.lower, batch.upper, flags))
            outcome.points += len(ts)
        new_states.append((series_id, rule.detector, version, detector.get_state(),
                           float(ts[-1])))
        new_records.append(SourceSeriesRecord(
            series_id, source.name, query_key,
            (record.points_scored if record else 0) + (0 if warm_up else len(ts)),
            float(ts[-1]), append_ring(record.ring if record else b"", ts, values,
                                       source.ring_points)))
        if source.store is StoreMode.SAMPLES:
            sample_ids.extend([series_id] * len(ts))
            sample_ts.extend(ts.tolist())
            sample_values.extend(values.tolist())
    detection_repo.save_states(session, new_states)
    sources_repo.save_source_series_many(session, new_records, now)
    append_samples(session, sample_ids, sample_ts, sample_values)
    for old, count in sorted(other_versions.items()):
        log_event("Detector states re-learned", "INFO", source=source.name, query=query_key,
                  detector=rule.detector, model_version=version, series=count,
                  reason=f"the stored states were written by {old}; new detectors warm up "
                         "on the points that come")


def _restore(stored: StoredState, version: str, identity: SeriesIdentity,
             series_id: int) -> Detector | None:
    """The detector of a stored state of this version; None otherwise.

    A state written by another version (counted by the caller, one log line a batch), or
    one that cannot be read (a log line of its own), is never guessed at: the caller
    starts a new detector, which warms up on the points that come (the source's history
    is not stored here to re-learn from).
    """
    if stored.model_version != version:
        return None
    try:
        return restore_detector(stored.state)
    except StateError as exc:
        log_event("Detector state re-learned", "WARNING", series_id=series_id,
                  series=identity.name, detector=stored.detector, model_version=version,
                  reason=f"the stored state cannot be read ({exc})", relearned_points=0,
                  resumes_after_ts=stored.last_ts)
        return None
