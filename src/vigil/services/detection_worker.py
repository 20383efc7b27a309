"""The detection worker: scores new points of watched series and stores the anomalies.

One detector per watched series; its state lives in `detector_state`, so a restart (or
another replica taking the partition over) continues where the last run left off. A
series that existed before this process started watching it first warms up on its
stored history, silently. New points are found through the ingest hook (immediately)
and by polling (for points that another replica ingested).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from vigil import __version__
from vigil.core.types import Severity
from vigil.detection.base import BatchResult, Detector
from vigil.detection.config import DetectionConfig, WatchRule
from vigil.detection.registry import make_detector, restore_detector
from vigil.detection.state import StateError
from vigil.detection.training import firing_scores
from vigil.services.data_quality import DataQualityMonitor
from vigil.services.model_adoption import Adoption, adopt
from vigil.services.partitions import PartitionClaims
from vigil.sources.naming import is_source_series
from vigil.storage import detection_repo
from vigil.storage.anomalies_repo import insert_anomalies
from vigil.storage.database import Database
from vigil.storage.detection_repo import SeriesInfo, StoredState
from vigil.telemetry.detection_metrics import (
    ANOMALIES_DETECTED,
    ANOMALY_SCORE,
    DATA_PROCESSING_LAG,
    DETECTION_LAG,
    MODEL_INFERENCE_TIME,
    PARTITIONS_OWNED,
    POINTS_SCORED,
    SERIES_FAILURES,
    WATCHED_SERIES,
)
from vigil.telemetry.logging import log_event

CHUNK = 20_000


def model_version(detector: str) -> str:
    """The version stamped on state and anomalies; a change discards old state."""
    return f"{detector}-{__version__}"


@dataclass(slots=True)
class Watched:
    """A watched series and the rule that selected it."""

    info: SeriesInfo
    rule: WatchRule


@dataclass(frozen=True, slots=True)
class SeriesOutcome:
    """What one pass over a series did."""

    scored: int
    anomalies: int
    warmed_up_on: int


class DetectionWorker:
    """Scores watched series in a background thread (or on demand via `run_once`)."""

    def __init__(self, db: Database, config: DetectionConfig) -> None:
        self._db = db
        self._config = config
        self._claims = PartitionClaims(db, config.partitions)
        self._watched: dict[int, Watched] = {}
        self._max_seen_id = 0
        self._dirty: dict[int, float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = datetime.now(UTC)
        self._last_poll = 0.0
        self._quality = DataQualityMonitor(db, config.lifecycle)

    @property
    def enabled(self) -> bool:
        """True when at least one watch rule is configured."""
        return bool(self._config.watch)

    def notify(self, report: Any) -> None:
        """Ingest hook: the series of a report have new points (arrived now)."""
        if not self.enabled:
            return
        now = time.time()
        with self._lock:
            for series_id in getattr(report, "series_ids", []):
                self._dirty.setdefault(int(series_id), now)
        self._wake.set()

    def wake(self) -> None:
        """Make the next pass look at every watched series now (e.g. after a rollback)."""
        self._last_poll = 0.0
        self._wake.set()

    def start(self) -> None:
        """Start the background thread (when something is watched)."""
        if self.enabled and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="vigil-detection",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and give the partition locks back."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._claims.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:
                log_event("ERROR", "ERROR", component="detection_worker",
                          message=f"detection pass failed: {type(exc).__name__}: {exc}")
                self._stop.wait(2.0)
            self._wake.wait(1.0)
            self._wake.clear()

    def run_once(self, poll: bool | None = None) -> dict[int, SeriesOutcome]:
        """One pass: discover series, rebalance partitions, score what has new points."""
        self._discover()
        owned = self._claims.refresh()
        PARTITIONS_OWNED.set(len(owned))
        now = time.time()
        if poll is None:
            poll = now - self._last_poll >= self._config.poll_interval_seconds
        with self._lock:
            dirty, self._dirty = self._dirty, {}
        if poll:
            self._last_poll = now
            for series_id in self._watched:
                dirty.setdefault(series_id, float("nan"))
        outcomes: dict[int, SeriesOutcome] = {}
        for series_id, arrived in sorted(dirty.items()):
            watched = self._watched.get(series_id)
            if watched is None or not self._claims.owns(series_id):
                continue
            try:
                outcomes[series_id] = self._score_series(watched, arrived)
            except SQLAlchemyError:
                raise  # the database itself: one error a pass (`_loop`), not one a series
            except Exception as exc:  # one series must not hold up the others
                SERIES_FAILURES.labels(watched.rule.detector).inc()
                log_event("Series scoring failed", "ERROR", component="detection_worker",
                          series_id=series_id, series=watched.info.name,
                          detector=watched.rule.detector,
                          message=f"{type(exc).__name__}: {exc}; retried at the next poll")
                continue
            self._quality.maybe_assess(watched.info)
        WATCHED_SERIES.set(sum(1 for sid in self._watched if self._claims.owns(sid)))
        return outcomes

    def _discover(self) -> None:
        with self._db.session() as session:
            while True:
                batch = detection_repo.series_after(session, self._max_seen_id, 5000)
                if not batch:
                    break
                for info in batch:
                    if is_source_series(info.labels):
                        continue  # scored by its source's poller (vigil.services.sources)
                    rule = self._config.rule_for(info.name, info.labels)
                    if rule is not None:
                        self._watched[info.id] = Watched(info, rule)
                self._max_seen_id = batch[-1].id

    def _score_series(self, watched: Watched, arrived: float) -> SeriesOutcome:
        info, rule = watched.info, watched.rule
        version = model_version(rule.detector)
        scored = anomalies = warmed = 0
        with self._db.session() as session:
            if not detection_repo.try_lock_series(session, info.id):
                return SeriesOutcome(0, 0, 0)  # another replica is scoring it right now
            stored = detection_repo.load_state(session, info.id, rule.detector)
            detector, last_ts, warmed = self._resume(session, info, rule, version, stored)
            adoption = adopt(session, info.id, rule.detector, version, last_ts)
            adopted = adoption is not None and adoption.detector is not None
            if adoption is not None and adoption.detector is not None:
                detector, last_ts = adoption.detector, adoption.last_ts
            newest = last_ts
            while True:
                ts, values = detection_repo.points_after(session, info.id, last_ts, None, CHUNK)
                if not ts:
                    break
                started = time.perf_counter()
                batch = detector.update_batch(np.asarray(ts), np.asarray(values))
                MODEL_INFERENCE_TIME.labels(rule.detector).observe(time.perf_counter() - started)
                rows = anomaly_rows(detector, batch, info.id, rule, version, adoption)
                anomalies += insert_anomalies(session, rows)
                for row in rows:
                    ANOMALIES_DETECTED.labels(info.name, str(row["severity"])).inc()
                scored += len(ts)
                last_ts = newest = ts[-1]
                ANOMALY_SCORE.labels(str(info.id), info.name).set(float(batch.scores[-1]))
            if newest is not None and (scored or warmed or adopted or stored is None
                                       or stored.model_version != version):
                detection_repo.save_state(session, info.id, rule.detector, version,
                                          detector.get_state(), newest)
        if scored:
            POINTS_SCORED.labels(rule.detector).inc(scored)
            lag = time.time() - (arrived if arrived == arrived else (newest or time.time()))
            DATA_PROCESSING_LAG.set(max(lag, 0.0))
            DETECTION_LAG.observe(max(lag, 0.0))
        if warmed:
            log_event("Training completed", series_id=info.id, series=info.name,
                      detector=rule.detector, points=warmed)
        return SeriesOutcome(scored, anomalies, warmed)

    def _resume(self, session: Any, info: SeriesInfo, rule: WatchRule, version: str,
                stored: StoredState | None) -> tuple[Detector, float | None, int]:
        """The series' detector, where scoring goes on from, and points learned silently.

        A stored state of this version is restored. One written by another version, or
        one that cannot be read, is never guessed at: a new detector re-learns the stored
        history up to the state's last point, silently, scoring goes on after that point
        (nothing is scored twice), and a log line says why.
        """
        if stored is None:
            detector = make_detector(rule.detector)
            last_ts, warmed = self._warm_up(session, detector, info)
            return detector, last_ts, warmed
        level, reason = "INFO", f"the stored state was written by {stored.model_version}"
        if stored.model_version == version:
            try:
                return restore_detector(stored.state), stored.last_ts, 0
            except StateError as exc:
                level, reason = "WARNING", f"the stored state cannot be read ({exc})"
        detector = make_detector(rule.detector)
        _, warmed = self._learn_history(session, detector, info, stored.last_ts)
        log_event("Detector state re-learned", level, series_id=info.id, series=info.name,
                  detector=rule.detector, model_version=version, reason=reason,
                  relearned_points=warmed, resumes_after_ts=stored.last_ts)
        return detector, stored.last_ts, warmed

    def _learn_history(self, session: Any, detector: Detector, info: SeriesInfo,
                       upto_ts: float) -> tuple[float | None, int]:
        """Feed the detector, silently, the newest stored points at or before `upto_ts`.

        Returns the last point learned and how many (None, 0 when nothing was).
        """
        if self._config.history_points == 0:
            return None, 0
        ts, values = detection_repo.last_points(session, info.id, upto_ts,
                                                self._config.history_points)
        if not ts:
            return None, 0
        detector.update_batch(np.asarray(ts), np.asarray(values))
        return ts[-1], len(ts)

    def _warm_up(self, session: Any, detector: Detector, info: SeriesInfo
                 ) -> tuple[float | None, int]:
        """Learn silently from history that predates watching; returns (last ts, points)."""
        if info.created_at >= self._started_at:
            return None, 0
        return self._learn_history(session, detector, info, self._started_at.timestamp())


def firing_points(batch: BatchResult, rule: WatchRule,
            adoption: Adoption | None) -> list[tuple[int, Severity]]:
    """(index, severity) of the points to store: at or above the rule's minimum severity,
    or, once a retrained model is active, at or above its calibrated threshold."""
    if adoption is not None:
        fire = np.flatnonzero(firing_scores(batch) >= adoption.threshold)
        severities = batch.severities()
        return [(int(i), severities[int(i)] or Severity.INFO) for i in fire]
    return [(i, sev) for i, sev in enumerate(batch.severities())
            if sev is not None and sev.rank >= Severity(rule.min_severity).rank]


def anomaly_rows(detector: Detector, batch: BatchResult, series_id: int, rule: WatchRule,
                  version: str, adoption: Adoption | None = None) -> list[dict[str, object]]:
    """Rows for the points of a batch that fire (see `firing_points`)."""
    rows: list[dict[str, object]] = []
    created = datetime.now(UTC)
    label = adoption.label if adoption is not None else version
    for i, severity in firing_points(batch, rule, adoption):
        rows.append({
            "series_id": series_id,
            "timestamp": datetime.fromtimestamp(float(batch.timestamps[i]), UTC),
            "value": float(batch.values[i]), "score": float(batch.scores[i]),
            "expected_value": _finite(batch.expected[i]), "expected_lower": _finite(batch.lower[i]),
            "expected_upper": _finite(batch.upper[i]), "severity": severity.value,
            "detector": rule.detector, "model_version": label,
            "explanation": detector.explain(batch, i)[:1000], "status": "open",
            "created_at": created,
        })
    return rows


def _finite(x: float) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None
