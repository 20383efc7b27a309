"""Feedback quality per series and detector version: compute, export, and feed the rules.

A scheduled job (`model_quality`) computes, over the last `quality_window_days`:
accuracy and false-positive rate per (series, model version) from labelled anomalies,
and missed anomalies per series. It sets the Prometheus gauges (a rate with fewer than
`min_labels` labels is removed, so it is absent, not 0 or 1) and writes the same values
as points of `job="vigil"` series so Vigil's own rules evaluate them; an absent rate
writes no point, and the rule sees no data.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.detection.feedback_metrics import LabelCounts, detector_quality
from vigil.detection.lifecycle_config import ModelLifecycleConfig
from vigil.services.ingest import ingest
from vigil.storage import lifecycle_repo
from vigil.storage.database import Database
from vigil.telemetry import lifecycle_metrics as m


@dataclass(frozen=True, slots=True)
class SeriesQuality:
    """Feedback quality of one series and detector version in the window."""

    series_id: int
    series: str
    model_version: str | None
    labelled: int
    true_positives: int
    false_positives: int
    accuracy: float | None
    false_positive_rate: float | None
    missed: int


def compute(db: Database, cfg: ModelLifecycleConfig, now: datetime,
            series_id: int | None = None) -> list[SeriesQuality]:
    """Quality rows of every series (or one) with labels or missed ranges in the window."""
    since = now - timedelta(days=cfg.quality_window_days)
    with db.session() as session:
        labels = lifecycle_repo.label_counts(session, since, now)
        missed = lifecycle_repo.missed_counts(session, since, now)
        names = lifecycle_repo.series_names(session, sorted(missed))
    out: list[SeriesQuality] = []
    seen: set[int] = set()
    for row in labels:
        if series_id is not None and row.series_id != series_id:
            continue
        q = detector_quality(LabelCounts(row.true_positives, row.false_positives),
                             cfg.min_labels)
        out.append(SeriesQuality(row.series_id, row.series, row.model_version, q.labelled,
                                 row.true_positives, row.false_positives, q.accuracy,
                                 q.false_positive_rate, missed.get(row.series_id, 0)))
        seen.add(row.series_id)
    for sid, count in missed.items():
        if sid not in seen and (series_id is None or sid == series_id):
            out.append(SeriesQuality(sid, names.get(sid, ""), None, 0, 0, 0, None, None, count))
    return sorted(out, key=lambda q: (q.series_id, q.model_version or ""))


def export(rows: list[SeriesQuality]) -> None:
    """Replace the gauges with these rows (absent where a rate is None)."""
    for gauge in (m.ACCURACY, m.FALSE_POSITIVE_RATE, m.MISSED_ANOMALIES, m.LABELLED_ANOMALIES):
        gauge.clear()
    for q in rows:
        sid = str(q.series_id)
        m.MISSED_ANOMALIES.labels(sid, q.series).set(q.missed)
        if q.model_version is None:
            continue
        m.LABELLED_ANOMALIES.labels(sid, q.series, q.model_version).set(q.labelled)
        if q.accuracy is not None:
            m.ACCURACY.labels(sid, q.series, q.model_version).set(q.accuracy)
        if q.false_positive_rate is not None:
            m.FALSE_POSITIVE_RATE.labels(sid, q.series, q.model_version).set(q.false_positive_rate)


def rule_points(rows: list[SeriesQuality], now: float) -> list[SeriesInput]:
    """The rates as points of `job="vigil"` series, one per series and version (none if absent)."""
    host = socket.gethostname()[:200] or "vigil"
    out: list[SeriesInput] = []
    for q in rows:
        if q.model_version is None:
            continue
        labels = {"job": "vigil", "instance": host, "series_name": q.series[:200],
                  "series_id": str(q.series_id), "model_version": q.model_version[:200]}
        if q.accuracy is not None:
            out.append(SeriesInput("anomaly_detection_accuracy", labels, [(now, q.accuracy)]))
        if q.false_positive_rate is not None:
            out.append(SeriesInput("false_positive_rate", labels,
                                   [(now, q.false_positive_rate)]))
    return out


def data_quality_points(db: Database, now: datetime) -> list[SeriesInput]:
    """`data_quality_score` points of the scores the workers computed in the last 10 minutes."""
    host = socket.gethostname()[:200] or "vigil"
    with db.session() as session:
        recent = lifecycle_repo.recent_quality(session, now - timedelta(minutes=10))
        lifecycle_repo.prune_ingest_stats(session, now.timestamp() - 2 * 86_400.0)
    return [SeriesInput("data_quality_score", {"job": "vigil", "instance": host,
                                               "series_name": name[:200], "series_id": str(sid)},
                        [(now.timestamp(), score)]) for sid, name, score in recent]


def quality_job(db: Database, settings: Settings, cfg: ModelLifecycleConfig,
                now: datetime) -> str:
    """One run: compute, export to /metrics, and write the rule points."""
    rows = compute(db, cfg, now)
    export(rows)
    points = rule_points(rows, now.timestamp()) + data_quality_points(db, now)
    if points:
        ingest(db, settings, points, now=now.timestamp())
    rated = sum(1 for q in rows if q.accuracy is not None)
    return f"{len(rows)} series/versions with feedback, {rated} with enough labels"


def quality_json(q: SeriesQuality) -> dict[str, object]:
    """A quality row as JSON (null where a rate is absent)."""
    return {"series_id": q.series_id, "series": q.series, "model_version": q.model_version,
            "labelled": q.labelled, "true_positives": q.true_positives,
            "false_positives": q.false_positives, "anomaly_detection_accuracy": q.accuracy,
            "false_positive_rate": q.false_positive_rate, "missed_anomalies": q.missed}
