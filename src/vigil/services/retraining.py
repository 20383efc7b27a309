"""Retraining: rebuild each watched series' detector from clean history, calibrate, version.

For each watched series (or those a selector picks): read its history up to the point
the worker has scored, leave out incidents (true-positive anomalies with a margin),
maintenance windows and missed-anomaly ranges, rebuild the detector, set its firing
threshold from the watch rule's alert budget and the feedback, and store a new model
version. A version is promoted (the worker adopts it at its next pass) unless its
precision over the labelled anomalies is worse than the current model's; then the run
logs why. The run ends with a `Training completed` log line and the
`vigil_model_training_*` metrics.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from vigil.config import OperatorConfig, Settings
from vigil.detection.base import CRITICAL_AT, INFO_AT, WARNING_AT
from vigil.detection.config import WatchRule
from vigil.detection.registry import make_detector, restore_detector
from vigil.detection.state import load_state
from vigil.detection.training import TrainedModel, TrainingData, train
from vigil.services.detection_worker import model_version
from vigil.storage import detection_repo, keys_repo, lifecycle_repo
from vigil.storage.database import Database
from vigil.storage.detection_repo import SeriesInfo
from vigil.telemetry import lifecycle_metrics as m
from vigil.telemetry.logging import log_event

SEVERITY_THRESHOLDS = {"info": INFO_AT, "warning": WARNING_AT, "critical": CRITICAL_AT}


class UnknownSelector(ValueError):
    """The selector picks no watched series; `matched` lists what it did match."""

    def __init__(self, selector: str, matched: list[str], watched: list[str]) -> None:
        self.matched = matched
        self.watched = watched
        what = (f"it matches {len(matched)} series that are not watched: "
                f"{', '.join(matched[:20])}" if matched else "it matches no series")
        super().__init__(f"selector {selector!r} picks no watched series; {what}; watched: "
                         f"{', '.join(watched[:20]) or 'none'}")


@dataclass(frozen=True, slots=True)
class SeriesRetrain:
    """What retraining did for one series."""

    series_id: int
    series: str
    version: int
    promoted: bool
    threshold: float
    reason: str


@dataclass(slots=True)
class RetrainReport:
    """One retraining run."""

    version: str
    seconds: float = 0.0
    series: list[SeriesRetrain] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"version": self.version, "seconds": round(self.seconds, 3),
                "series_count": len(self.series),
                "promoted": sum(1 for s in self.series if s.promoted),
                "failures": self.failures,
                "series": [{"series_id": s.series_id, "series": s.series, "version": s.version,
                            "promoted": s.promoted, "threshold": round(s.threshold, 6),
                            "reason": s.reason} for s in self.series]}


def _label_text(info: SeriesInfo) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(info.labels.items()))
    return f"{info.name}{{{inner}}}" if inner else info.name


def _selected(info: SeriesInfo, selector: str | None) -> bool:
    if selector is None:
        return True
    if selector.isdigit():
        return info.id == int(selector)
    try:
        return re.fullmatch(selector, info.name) is not None or selector == _label_text(info)
    except re.error:
        return selector == info.name


def select_series(db: Database, config: OperatorConfig, selector: str | None
                  ) -> list[tuple[SeriesInfo, WatchRule]]:
    """Watched series the selector picks (id, anchored name regex or `name{labels}`)."""
    watched: list[tuple[SeriesInfo, WatchRule]] = []
    matched_unwatched: list[str] = []
    after = 0
    with db.session() as session:
        while batch := detection_repo.series_after(session, after, 5000):
            for info in batch:
                rule = config.detection.rule_for(info.name, info.labels)
                if rule is not None:
                    watched.append((info, rule))
                elif selector is not None and _selected(info, selector):
                    matched_unwatched.append(_label_text(info))
            after = batch[-1].id
    picked = [(i, r) for i, r in watched if _selected(i, selector)]
    if selector is not None and not picked:
        raise UnknownSelector(selector, matched_unwatched, [_label_text(i) for i, _ in watched])
    return picked


def _maintenance(config: OperatorConfig, info: SeriesInfo,
                 ts: np.ndarray) -> list[tuple[float, float]]:
    """Maintenance windows that match the series, as ranges over its history."""
    from vigil.alerting.matchers import matches_all
    from vigil.services.alerting.compiled import compiled_alerting

    labels = {**info.labels, "__name__": info.name}
    ranges: list[tuple[float, float]] = []
    for window in compiled_alerting(config.alerting).windows:
        if not matches_all(window.matchers, labels):
            continue
        if window.weekly is None and window.start is not None and window.end is not None:
            ranges.append((window.start.timestamp(), window.end.timestamp()))
            continue
        inside = np.array([window.is_open(datetime.fromtimestamp(float(t), UTC)) for t in ts])
        edges = np.flatnonzero(np.diff(inside.astype(np.int8))) + 1
        for a, b in zip(np.r_[0, edges], np.r_[edges, ts.size], strict=True):
            if a < b and inside[a]:
                ranges.append((float(ts[a]), float(ts[b - 1])))
    return ranges


def _old_precision(labelled: list[tuple[float, bool, str]]) -> float | None:
    """Precision of the models that raised the labelled anomalies (each was flagged)."""
    if not labelled:
        return None
    return sum(1 for _, real, _ in labelled if real) / len(labelled)


def retrain_series(db: Database, settings: Settings, config: OperatorConfig, info: SeriesInfo,
                   rule: WatchRule, now: datetime, actor: str) -> SeriesRetrain:
    """Retrain one series, store its new version, promote it unless precision got worse."""
    cfg = config.detection.lifecycle
    detector_version = model_version(rule.detector)
    with db.session() as session:
        stored = detection_repo.load_state(session, info.id, rule.detector)
        upto = stored.last_ts if stored is not None else \
            detection_repo.latest_ts(session, [info.id]).get(info.id)
        if upto is None:
            ts_list: list[float] = []
            vals: list[float] = []
        else:
            ts_list, vals = detection_repo.last_points(
                session, info.id, upto, max(config.detection.history_points, 1000))
        since = now.timestamp() - settings.retention_days * 86_400.0
        labelled = [x for x in lifecycle_repo.labelled_anomalies(session, info.id)
                    if x[0] >= since]
        missed = [(r.start.timestamp(), r.end.timestamp())
                  for r in lifecycle_repo.list_missed(session, info.id)]
        quality = lifecycle_repo.get_quality(session, info.id)
    ts = np.asarray(ts_list, dtype=np.float64)
    data = TrainingData(ts, np.asarray(vals, dtype=np.float64), _maintenance(config, info, ts),
                        [(t, real) for t, real, _ in labelled], missed,
                        cfg.incident_margin_points)
    model = train(lambda: make_detector(rule.detector), restore_detector, data,
                  rule.alert_budget_per_week, SEVERITY_THRESHOLDS[rule.min_severity.value],
                  cfg.threshold_max_shift)
    before = _old_precision([x for x in labelled if x[0] <= (upto or 0.0)])
    after = model.precision()
    promoted = not (before is not None and after is not None and after < before)
    reason = model.reason if promoted else \
        f"not promoted: precision on the labelled anomalies would drop from {before:.3f} " \
        f"to {after:.3f}"
    state = model.detector.get_state()
    with db.session() as session:
        version = lifecycle_repo.add_version(
            session, info.id, detector=rule.detector, detector_version=detector_version,
            parameters=_parameters(rule, model, state), threshold=model.threshold,
            trained_from=_dt(model.trained_from), trained_to=_dt(model.trained_to),
            quality=_quality(model, before, after, len(labelled), len(missed), quality),
            state=state, last_ts=model.trained_to, promoted=promoted, reason=reason, now=now)
        if promoted:
            lifecycle_repo.set_active(session, info.id, version.version, model.threshold, now)
        keys_repo.record_audit(session, actor, "model.retrain", f"series:{info.id}",
                               {"version": version.version, "promoted": promoted,
                                "threshold": model.threshold, "reason": reason})
    if not promoted:
        m.TRAINING_NOT_PROMOTED.inc()
        log_event("Model not promoted", "WARNING", series_id=info.id, series=info.name,
                  version=version.version, reason=reason)
    return SeriesRetrain(info.id, info.name, version.version, promoted, model.threshold, reason)


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _parameters(rule: WatchRule, model: TrainedModel, state: bytes) -> dict[str, object]:
    meta = load_state(state).meta
    return {"detector": rule.detector, "alert_budget_per_week": rule.alert_budget_per_week,
            "min_severity": rule.min_severity.value, "budget_threshold": model.budget_threshold,
            "config": meta.get("config", meta)}


def _quality(model: TrainedModel, before: float | None, after: float | None, labelled: int,
             missed: int, data_quality: tuple[float, dict[str, object], datetime] | None
             ) -> dict[str, object]:
    return {"precision_before": before, "precision_after": after, "labelled": labelled,
            "true_positives": len(model.true_scores), "false_positives": len(model.false_scores),
            "missed_ranges": missed, "clean_points": model.clean_points,
            "excluded_points": model.excluded_points,
            "data_quality_score": None if data_quality is None else data_quality[0]}


def retrain(db: Database, settings: Settings, config: OperatorConfig, now: datetime,
            selector: str | None = None, actor: str = "scheduler") -> RetrainReport:
    """Retrain every watched series the selector picks; UnknownSelector if it picks none."""
    started = time.perf_counter()
    picked = select_series(db, config, selector)
    report = RetrainReport(version=now.strftime("%Y%m%dT%H%M%SZ"))
    for info, rule in picked:
        try:
            report.series.append(retrain_series(db, settings, config, info, rule, now, actor))
        except Exception as exc:  # one bad series must not stop the others
            m.TRAINING_FAILURES.inc()
            report.failures.append(f"{info.id}: {type(exc).__name__}: {exc}")
            log_event("ERROR", "ERROR", component="retraining", series_id=info.id,
                      message=f"retraining failed: {type(exc).__name__}: {exc}")
    report.seconds = time.perf_counter() - started
    m.TRAINING_DURATION.set(report.seconds)
    m.TRAINING_SERIES.set(len(report.series))
    if not report.failures or report.series:
        m.TRAINING_LAST_SUCCESS.set(time.time())
    log_event("Training completed", series_count=len(report.series),
              duration_seconds=round(report.seconds, 3), version=report.version,
              promoted=sum(1 for s in report.series if s.promoted),
              failures=len(report.failures))
    return report


def retrain_job(db: Database, settings: Settings, config: OperatorConfig, now: datetime) -> str:
    """The scheduled retraining run (one replica at a time, through the scheduler's lock)."""
    report = retrain(db, settings, config, now)
    return (f"{len(report.series)} series retrained, "
            f"{sum(1 for s in report.series if s.promoted)} promoted, "
            f"{len(report.failures)} failed in {report.seconds:.1f} s")
