"""Rule evaluation in memory over the latest value of each series, indexed by metric name.

`SeriesTable` holds one numpy array of latest values (and timestamps) per metric name;
a threshold rule is one vectorised comparison over its metric's array, masked by its label
selector (the mask is computed once per selector and cached) and by staleness.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.alerting.config import AnomalyRuleConfig, ThresholdRuleConfig
from vigil.alerting.fingerprint import fingerprint, series_text
from vigil.alerting.matchers import Matcher, matches_all, parse_matchers
from vigil.core.types import Severity

NO_DATA_ALERT = "VigilNoData"
"""The alert raised for a watched series that stopped reporting."""

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    "==": operator.eq, "!=": operator.ne,
}


@dataclass(frozen=True)
class LatestSample:
    """The newest sample of one series."""

    series_id: int
    name: str
    labels: Mapping[str, str]
    ts: float
    value: float


@dataclass(frozen=True)
class AnomalySignal:
    """The strongest open anomaly detection of one series within a rule's look-back."""

    series_id: int
    name: str
    labels: Mapping[str, str]
    ts: float
    score: float
    severity: Severity


@dataclass(frozen=True)
class Observation:
    """A rule whose condition holds for one series right now: a candidate alert."""

    rule: str
    severity: Severity
    for_: timedelta
    labels: dict[str, str]
    annotations: dict[str, str]
    value: float
    series_id: int
    fingerprint: str


@dataclass
class _MetricBlock:
    """Latest values of every series of one metric name."""

    ids: npt.NDArray[np.int64]
    ts: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    labels: list[Mapping[str, str]]
    masks: dict[tuple[Matcher, ...], npt.NDArray[np.bool_]] = field(default_factory=dict)

    def mask(self, selector: tuple[Matcher, ...]) -> npt.NDArray[np.bool_]:
        """Which series match the selector (cached per selector)."""
        if not selector:
            return np.ones(len(self.ids), dtype=bool)
        cached = self.masks.get(selector)
        if cached is None:
            cached = np.fromiter((matches_all(selector, lab) for lab in self.labels),
                                 dtype=bool, count=len(self.labels))
            self.masks[selector] = cached
        return cached


class SeriesTable:
    """Latest samples grouped by metric name into numpy arrays."""

    def __init__(self, samples: Iterable[LatestSample]) -> None:
        """Group samples by metric name."""
        grouped: dict[str, list[LatestSample]] = {}
        for s in samples:
            grouped.setdefault(s.name, []).append(s)
        self.blocks: dict[str, _MetricBlock] = {
            name: _MetricBlock(
                ids=np.fromiter((s.series_id for s in rows), dtype=np.int64, count=len(rows)),
                ts=np.fromiter((s.ts for s in rows), dtype=np.float64, count=len(rows)),
                values=np.fromiter((s.value for s in rows), dtype=np.float64, count=len(rows)),
                labels=[s.labels for s in rows],
            )
            for name, rows in grouped.items()
        }

    def __len__(self) -> int:
        """Number of series in the table."""
        return sum(len(b.ids) for b in self.blocks.values())


class _SafeFormat(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, context: Mapping[str, str]) -> str:
    """Fill `{name}` placeholders; unknown placeholders are left as they are."""
    try:
        return template.format_map(_SafeFormat(context))
    except (ValueError, IndexError, AttributeError):
        return template


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def alert_labels(rule_name: str, severity: Severity, metric: str,
                 series_labels: Mapping[str, str],
                 rule_labels: Mapping[str, str]) -> dict[str, str]:
    """The labels of an alert: series labels, then identity labels, then the rule's labels."""
    labels = dict(series_labels)
    labels.update({"alertname": rule_name, "severity": severity.value,
                   "series": series_text(metric, series_labels)})
    labels.update(rule_labels)
    return labels


class ThresholdRule:
    """A compiled threshold rule.

    Per series it caches what does not change between cycles (selector verdict, alert
    labels, fingerprint), so a cycle costs one numpy comparison plus work per breach.
    """

    _CACHE_LIMIT = 500_000

    def __init__(self, cfg: ThresholdRuleConfig) -> None:
        """Compile the selector and comparison of a configured rule."""
        self.cfg = cfg
        self.selector = parse_matchers(cfg.selector)
        self.compare = _OPS[cfg.op]
        self._ident: dict[int, tuple[Mapping[str, str], bool, dict[str, str], str]] = {}

    def evaluate(self, table: SeriesTable, now: datetime,
                 stale_after: timedelta) -> list[Observation]:
        """Observations for every fresh series of the rule's metric whose value breaches."""
        block = table.blocks.get(self.cfg.metric)
        if block is None:
            return []
        fresh = block.ts >= now.timestamp() - stale_after.total_seconds()
        hit = self.compare(block.values, self.cfg.threshold) & fresh
        if len(self._ident) > self._CACHE_LIMIT:
            self._ident.clear()
        out: list[Observation] = []
        for i in np.flatnonzero(hit):
            obs = self._observation(int(block.ids[i]), block.labels[i], float(block.values[i]))
            if obs is not None:
                out.append(obs)
        return out

    def reporting(self, table: SeriesTable, now: datetime, stale_after: timedelta) -> set[str]:
        """Fingerprints of the rule's series that have fresh data (breaching or not).

        An open alert of this rule whose fingerprint is missing here has no data: its
        series went quiet, which is not the same as its condition clearing.
        """
        block = table.blocks.get(self.cfg.metric)
        if block is None:
            return set()
        fresh = block.ts >= now.timestamp() - stale_after.total_seconds()
        out: set[str] = set()
        for i in np.flatnonzero(fresh):
            selected, _labels, fp = self._identity(int(block.ids[i]), block.labels[i])
            if selected:
                out.add(fp)
        return out

    def silent(self, table: SeriesTable, now: datetime,
               stale_after: timedelta) -> list[tuple[int, Mapping[str, str], float]]:
        """(series id, labels, last sample time) of selected series that stopped reporting."""
        block = table.blocks.get(self.cfg.metric)
        if block is None:
            return []
        stale = block.ts < now.timestamp() - stale_after.total_seconds()
        return [(int(block.ids[i]), block.labels[i], float(block.ts[i]))
                for i in np.flatnonzero(stale)
                if self._identity(int(block.ids[i]), block.labels[i])[0]]

    def _identity(self, series_id: int,
                  series_labels: Mapping[str, str]) -> tuple[bool, dict[str, str], str]:
        """Selector verdict, alert labels and fingerprint of a series (cached by id)."""
        cached = self._ident.get(series_id)
        if cached is not None and cached[0] == series_labels:
            return cached[1], cached[2], cached[3]
        cfg = self.cfg
        selected = matches_all(self.selector, series_labels)
        labels = alert_labels(cfg.name, cfg.severity, cfg.metric, series_labels, cfg.labels)
        fp = fingerprint(labels)
        self._ident[series_id] = (dict(series_labels), selected, labels, fp)
        return selected, labels, fp

    def _observation(self, series_id: int, series_labels: Mapping[str, str],
                     value: float) -> Observation | None:
        selected, labels, fp = self._identity(series_id, series_labels)
        if not selected:
            return None
        cfg = self.cfg
        annotations: dict[str, str] = {}
        if cfg.annotations:
            ctx = {**labels, "value": _fmt(value), "threshold": _fmt(cfg.threshold),
                   "op": cfg.op, "metric": cfg.metric}
            annotations = {k: render(v, ctx) for k, v in cfg.annotations.items()}
        return Observation(cfg.name, cfg.severity, cfg.for_, labels, annotations, value,
                           series_id, fp)


class AnomalyRule:
    """A compiled anomaly rule over the stored anomaly detections."""

    def __init__(self, cfg: AnomalyRuleConfig) -> None:
        """Compile the selector of a configured anomaly rule."""
        self.cfg = cfg
        self.selector = parse_matchers(cfg.selector)

    def evaluate(self, signals: Sequence[AnomalySignal], now: datetime) -> list[Observation]:
        """Observations for series whose strongest recent anomaly meets the rule."""
        cfg = self.cfg
        since = (now - cfg.lookback).timestamp()
        out = []
        for s in signals:
            if s.ts < since or (cfg.metric is not None and s.name != cfg.metric):
                continue
            if cfg.min_score is not None and s.score < cfg.min_score:
                continue
            if cfg.min_severity is not None and s.severity.rank < cfg.min_severity.rank:
                continue
            if not matches_all(self.selector, s.labels):
                continue
            labels = alert_labels(cfg.name, cfg.severity, s.name, s.labels, cfg.labels)
            ctx = {**labels, "value": _fmt(s.score), "metric": s.name,
                   "anomaly_severity": s.severity.value}
            annotations = {k: render(v, ctx) for k, v in cfg.annotations.items()}
            out.append(Observation(cfg.name, cfg.severity, cfg.for_, labels, annotations,
                                   s.score, s.series_id, fingerprint(labels)))
        return out


class RuleSet:
    """All compiled rules; evaluates them in one pass."""

    def __init__(self, threshold: Iterable[ThresholdRuleConfig],
                 anomaly: Iterable[AnomalyRuleConfig] = ()) -> None:
        """Compile the configured rules."""
        self.threshold = [ThresholdRule(c) for c in threshold]
        self.anomaly = [AnomalyRule(c) for c in anomaly]

    @property
    def metrics(self) -> set[str]:
        """The metric names threshold rules read."""
        return {r.cfg.metric for r in self.threshold}

    def reporting(self, table: SeriesTable, now: datetime, stale_after: timedelta) -> set[str]:
        """Fingerprints of every threshold rule's series that have fresh data."""
        out: set[str] = set()
        for rule in self.threshold:
            out |= rule.reporting(table, now, stale_after)
        return out

    def no_data(self, table: SeriesTable, now: datetime,
                stale_after: timedelta) -> dict[str, Observation]:
        """A `VigilNoData` observation for every watched series that went silent.

        Watched series are those a threshold rule selects; silent means the table has
        a sample of it (within the horizon the caller read) but none within `stale_after`.
        """
        out: dict[str, Observation] = {}
        seen: set[int] = set()
        for rule in self.threshold:
            for series_id, labels, last in rule.silent(table, now, stale_after):
                if series_id in seen:
                    continue
                seen.add(series_id)
                alert = alert_labels(NO_DATA_ALERT, Severity.WARNING, rule.cfg.metric, labels,
                                     {})
                since = datetime.fromtimestamp(last, now.tzinfo).isoformat()
                annotations = {
                    "summary": f"{alert['series']} has sent no samples since {since}",
                    "description": f"rule {rule.cfg.name} cannot evaluate it; the "
                                   "reporter (exporter, agent, remote_write) may be down"}
                fp = fingerprint(alert)
                out[fp] = Observation(NO_DATA_ALERT, Severity.WARNING, timedelta(0), alert,
                                      annotations, now.timestamp() - last, series_id, fp)
        return out

    def evaluate(self, table: SeriesTable, signals: Sequence[AnomalySignal], now: datetime,
                 stale_after: timedelta) -> dict[str, Observation]:
        """Every observation keyed by fingerprint (the same labels are one alert)."""
        out: dict[str, Observation] = {}
        for rule in self.threshold:
            for obs in rule.evaluate(table, now, stale_after):
                out[obs.fingerprint] = obs
        for arule in self.anomaly:
            for obs in arule.evaluate(signals, now):
                out[obs.fingerprint] = obs
        return out
