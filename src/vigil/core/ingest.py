"""Pure validation of incoming points: timestamps, values, names and labels.

A batch with some invalid points keeps the valid ones; each rejected point (or whole
series, when its name or labels are invalid) is reported with a reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import orjson

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_NAME_LENGTH = 255


@dataclass(slots=True)
class SeriesInput:
    """One series of a request: name, labels and raw (timestamp, value) points."""

    name: str
    labels: dict[str, str]
    points: list[tuple[float | int | str, float | int | str]]


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a point (or, with point=None, a whole series) was not stored."""

    series: int
    point: int | None
    reason: str


@dataclass(slots=True)
class ValidSeries:
    """A series whose name and labels passed, with its valid points as floats."""

    name: str
    labels: dict[str, str]
    labels_key: str
    ts: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


@dataclass(slots=True)
class ValidatedBatch:
    """What survives validation, and what did not."""

    series: list[ValidSeries]
    rejected: list[Rejection]

    @property
    def point_count(self) -> int:
        """How many valid points the batch carries."""
        return sum(len(s.ts) for s in self.series)


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Explicit limits applied to every ingest request."""

    max_labels: int = 32
    max_label_length: int = 1024
    future_tolerance_seconds: float = 86_400.0


def present_labels(labels: dict[str, str]) -> dict[str, str]:
    """The labels that exist: an empty value means "no such label", as in Prometheus."""
    if all(labels.values()):
        return labels
    return {key: value for key, value in labels.items() if value != ""}


def labels_key(labels: dict[str, str]) -> str:
    """Canonical text form of a label set: sorted compact JSON (unique per label set)."""
    return orjson.dumps(labels, option=orjson.OPT_SORT_KEYS).decode()


def parse_timestamp(raw: float | int | str) -> float:
    """Parse Unix seconds (number or numeric string) or an RFC 3339 string; raise ValueError."""
    if isinstance(raw, bool):
        raise ValueError("timestamp must be RFC 3339 text or Unix seconds, not a boolean")
    if isinstance(raw, int | float):
        ts = _as_float(raw, "timestamp")
    else:
        text = raw.strip()
        try:
            ts = float(text)
        except ValueError:
            ts = _parse_rfc3339(text)
    if not math.isfinite(ts):
        raise ValueError("timestamp is not finite")
    return ts


def _as_float(raw: float | int, what: str) -> float:
    """A JSON number as a float; ValueError (not OverflowError) when it is beyond float range."""
    try:
        return float(raw)
    except OverflowError:
        raise ValueError(f"{what} is beyond the range of a 64-bit float (about 1.8e308)") \
            from None


def _parse_rfc3339(text: str) -> float:
    if "T" not in text and "t" not in text and " " not in text:
        raise ValueError(f"timestamp {text[:40]!r} is neither RFC 3339 nor Unix seconds")
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"timestamp {text[:40]!r} is neither RFC 3339 nor Unix seconds") from None
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text[:40]!r} has no UTC offset (RFC 3339 needs Z or ±hh:mm)")
    return moment.timestamp()


def parse_value(raw: float | int | str) -> float:
    """Parse a sample value (number or numeric string such as "NaN"); raise ValueError."""
    if isinstance(raw, bool):
        raise ValueError("value must be a number, not a boolean")
    if isinstance(raw, int | float):
        return _as_float(raw, "value")
    try:
        return float(raw.strip())
    except ValueError:
        raise ValueError(f"value {raw[:40]!r} is not a number") from None


def series_problem(name: str, labels: dict[str, str], limits: IngestLimits) -> str | None:
    """Why a series identity is invalid, or None when it is fine."""
    if not name or len(name) > MAX_NAME_LENGTH or not METRIC_NAME.match(name):
        return f"metric name {name[:60]!r} must match [a-zA-Z_:][a-zA-Z0-9_:]* (max 255)"
    if len(labels) > limits.max_labels:
        return f"{len(labels)} labels exceed the limit of {limits.max_labels}"
    for key, value in labels.items():
        if not LABEL_NAME.match(key) or key.startswith("__"):
            return (f"label name {key[:60]!r} must match [a-zA-Z_][a-zA-Z0-9_]* "
                    "and not start with __")
        if len(value) > limits.max_label_length:
            return f"label {key!r} value exceeds {limits.max_label_length} characters"
    return None


def point_problem(ts: float, value: float, limits: IngestLimits) -> str:
    """Why a parsed point is rejected (call only for a point that fails the checks)."""
    if not math.isfinite(value):
        return f"value {value} is not finite"
    if ts < 0:
        return "timestamp is before 1970-01-01T00:00:00Z"
    return f"timestamp is more than {limits.future_tolerance_seconds:g} s in the future"


def validate_batch(batch: list[SeriesInput], now: float, limits: IngestLimits) -> ValidatedBatch:
    """Split a batch into valid series/points and rejections, point by point."""
    latest = now + limits.future_tolerance_seconds
    out: list[ValidSeries] = []
    rejected: list[Rejection] = []
    merged: dict[tuple[str, str], ValidSeries] = {}
    for si, series in enumerate(batch):
        labels = present_labels(series.labels)
        problem = series_problem(series.name, labels, limits)
        if problem is not None:
            rejected.append(Rejection(si, None, problem))
            continue
        key = labels_key(labels)
        valid = merged.get((series.name, key))
        if valid is None:
            valid = ValidSeries(series.name, labels, key)
            merged[(series.name, key)] = valid
            out.append(valid)
        for pi, (raw_ts, raw_value) in enumerate(series.points):
            try:
                ts = parse_timestamp(raw_ts)
                value = parse_value(raw_value)
            except ValueError as exc:
                rejected.append(Rejection(si, pi, str(exc)))
                continue
            if 0.0 <= ts <= latest and math.isfinite(value):
                valid.ts.append(ts)
                valid.values.append(value)
            else:
                rejected.append(Rejection(si, pi, point_problem(ts, value, limits)))
    return ValidatedBatch([s for s in out if s.ts], rejected)
