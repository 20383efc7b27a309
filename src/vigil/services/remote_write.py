"""Receive a Prometheus remote_write body: decode, keep the selected series, store them.

This is the ingest pipeline of `/api/v1/ingest` assembled for remote_write's shape
(thousands of known series with one sample each, every few seconds): the same
series checks (`series_problem`, `labels_key`, the configured `IngestLimits`), the
same point rules (finite value, not before 1970, not too far ahead), the same
repositories and series-id cache, in one transaction. What differs is that the
per-series work (label decoding, validation, canonical key, keep decision) is done
once per distinct label set and memoised on the decoder's cached `LabelSet`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge

from vigil.config import Settings
from vigil.core.ingest import (
    IngestLimits,
    Rejection,
    labels_key,
    point_problem,
    series_problem,
)
from vigil.core.remote_write import (
    DecodedWrite,
    DecodeLimits,
    LabelCache,
    LabelSet,
    decode_body,
    snappy_uncompressed_length,
)
from vigil.core.remote_write_config import RemoteWriteConfig
from vigil.services.ingest import IngestReport, limits_from, series_cache
from vigil.storage.database import Database
from vigil.storage.per_engine import PerEngine
from vigil.storage.series_repo import append_samples, resolve_series_ids

DECOMPRESSION_RATIO_LIMIT = 16
"""A body may decompress to at most this many times the body-size limit (snappy rarely
exceeds 10x on real write requests); anything larger is refused with 413."""

REMOTE_WRITE_SAMPLES = Counter(
    "vigil_remote_write_samples_total",
    "Samples received over Prometheus remote_write, by what happened to them.", ["outcome"])
REMOTE_WRITE_REQUESTS = Counter(
    "vigil_remote_write_requests_total", "Prometheus remote_write requests by HTTP status.",
    ["status"])


class DecompressionBusy(Exception):
    """Decompressing this body now would pass the in-flight budget: retry shortly (503)."""

    def __init__(self, needed: int) -> None:
        super().__init__(f"{needed} bytes of decompression do not fit the in-flight budget")
        self.needed = needed


class DecompressionBudget:
    """Bytes of remote_write bodies being decompressed and decoded right now, process-wide.

    Each request reserves its declared decompressed size before decompressing and
    releases it once decoded, so concurrent "decompression bombs" cannot add up to
    more than the budget; the ones that do not fit are refused at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0

    def reserve(self, size: int, capacity: int) -> bool:
        """Take `size` bytes if they fit under `capacity` (a lone request always may)."""
        with self._lock:
            if self.in_flight and self.in_flight + size > capacity:
                return False
            self.in_flight += size
            DECOMPRESSION_IN_FLIGHT.set(self.in_flight)
            return True

    def release(self, size: int) -> None:
        """Give `size` bytes back."""
        with self._lock:
            self.in_flight -= size
            DECOMPRESSION_IN_FLIGHT.set(self.in_flight)


DECOMPRESSION_IN_FLIGHT = Gauge("vigil_remote_write_decompression_in_flight_bytes",
                                "Decompressed bytes of remote_write bodies being decoded now.")
DECOMPRESSION_BUDGET = DecompressionBudget()


@dataclass(slots=True)
class RemoteWriteReport:
    """What one remote_write request carried and what became of it.

    `ingest.rejected` has one entry per rejected sample: `series` is the sample's
    position in the request (samples in request order) and `point` is 0.
    """

    series: int
    samples: int
    kept_series: int
    filtered_samples: int
    stale_markers: int
    nan_values: int
    histograms: int
    ingest: IngestReport = field(default_factory=lambda: IngestReport(0, 0))

    @property
    def nothing_valid(self) -> bool:
        """True when points were offered for storage and every one of them was rejected."""
        return (self.ingest.accepted == 0 and self.ingest.duplicates == 0
                and bool(self.ingest.rejected))


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What the receiver decided about one label set, memoised on the LabelSet."""

    owner: object
    keep: bool
    problem: str | None
    key: str


class _Receiver:
    """Label cache and memoised verdicts for one (operator config, limits) pair."""

    def __init__(self, config: RemoteWriteConfig, limits: IngestLimits) -> None:
        self.config = config
        self.limits = limits
        self.cache = LabelCache()

    def verdict(self, label_set: LabelSet) -> _Verdict:
        """Keep decision, series problem and canonical key of a label set (memoised)."""
        memo = label_set.memo
        if memo is not None and memo.owner is self:
            verdict: _Verdict = memo
            return verdict
        keep = self.config.keeps(label_set.name, label_set.labels)
        problem = series_problem(label_set.name, label_set.labels, self.limits) if keep else None
        verdict = _Verdict(self, keep, problem, labels_key(label_set.labels))
        label_set.memo = verdict
        return verdict


_receivers: dict[tuple[int, IngestLimits], _Receiver] = {}
_receivers_lock = threading.Lock()
_sqlite_write_locks: PerEngine[threading.Lock] = PerEngine(threading.Lock)


def _receiver(config: RemoteWriteConfig, limits: IngestLimits) -> _Receiver:
    """The receiver state for this config object and these limits."""
    with _receivers_lock:
        found = _receivers.get((id(config), limits))
        if found is None or found.config is not config:
            if len(_receivers) >= 8:
                _receivers.clear()
            found = _Receiver(config, limits)
            _receivers[(id(config), limits)] = found
        return found


def _write_lock(db: Database) -> threading.Lock | None:
    """On SQLite, one lock per database so concurrent writers queue instead of busy-waiting."""
    if db.dialect != "sqlite":
        return None
    return _sqlite_write_locks.get(db.engine)


def decode_limits(settings: Settings) -> DecodeLimits:
    """The per-request decode limits that follow from the deployment settings."""
    return DecodeLimits(max_decompressed_bytes=settings.max_body_bytes * DECOMPRESSION_RATIO_LIMIT,
                        max_series=settings.max_series_per_request,
                        max_samples=settings.max_points_per_request)


def receive_remote_write(db: Database, settings: Settings, config: RemoteWriteConfig,
                         body: bytes, now: float | None = None) -> RemoteWriteReport:
    """Decode a body, drop series the keep selectors exclude, store the rest atomically.

    Raises `RemoteWriteError` (nothing stored) when the body cannot be decoded or is over
    a limit; database failures propagate unchanged (the API answers 503, Prometheus retries).
    """
    receiver = _receiver(config, limits_from(settings))
    limits = decode_limits(settings)
    declared = snappy_uncompressed_length(body) if body else 0
    cost = min(declared, limits.max_decompressed_bytes + 1)  # over the limit: refused below
    if not DECOMPRESSION_BUDGET.reserve(cost, settings.remote_write_decompression_budget_bytes):
        raise DecompressionBusy(cost)
    try:
        decoded = decode_body(body, limits, receiver.cache)
    finally:
        DECOMPRESSION_BUDGET.release(cost)
    report = RemoteWriteReport(
        series=decoded.series_count, samples=decoded.samples, kept_series=0,
        filtered_samples=0, stale_markers=decoded.stale_markers,
        nan_values=decoded.nan_values, histograms=decoded.histograms)
    report.ingest = _store(db, receiver, decoded, report, time.time() if now is None else now)
    REMOTE_WRITE_SAMPLES.labels("accepted").inc(report.ingest.accepted)
    REMOTE_WRITE_SAMPLES.labels("duplicate").inc(report.ingest.duplicates)
    REMOTE_WRITE_SAMPLES.labels("rejected").inc(len(report.ingest.rejected))
    REMOTE_WRITE_SAMPLES.labels("filtered").inc(report.filtered_samples)
    REMOTE_WRITE_SAMPLES.labels("stale").inc(report.stale_markers)
    REMOTE_WRITE_SAMPLES.labels("nan").inc(report.nan_values)
    return report


def _store(db: Database, receiver: _Receiver, decoded: DecodedWrite,
           report: RemoteWriteReport, now: float) -> IngestReport:
    """Validate points and append them, resolving series ids through the shared cache."""
    limits = receiver.limits
    latest = now + limits.future_tolerance_seconds
    verdict_of = receiver.verdict
    id_cache = series_cache(db)
    cached_id = id_cache.get
    rejected: list[Rejection] = []
    ts_out: list[float] = []
    values_out: list[float] = []
    ids: list[int] = []
    unresolved: dict[tuple[str, str], tuple[LabelSet, list[int]]] = {}
    filtered = 0
    kept_runs = 0
    previous: LabelSet | None = None
    verdict = _Verdict(None, False, None, "")  # replaced at the first sample
    sid: int | None = None
    for index, (owner, ts, value) in enumerate(
            zip(decoded.owners, decoded.timestamps, decoded.values, strict=True)):
        if owner is not previous:
            previous = owner
            verdict = verdict_of(owner)
            sid = cached_id(owner.name, verdict.key) if verdict.keep else None
            kept_runs += verdict.keep
        if not verdict.keep:
            filtered += 1
        elif verdict.problem is not None:
            rejected.append(Rejection(index, 0, verdict.problem))
        elif 0.0 <= ts <= latest and value - value == 0.0:
            if sid is None:
                entry = unresolved.setdefault((owner.name, verdict.key), (owner, []))
                entry[1].append(len(ids))
            ts_out.append(ts)
            values_out.append(value)
            ids.append(-1 if sid is None else sid)
        else:
            rejected.append(Rejection(index, 0, point_problem(ts, value, limits)))
    report.kept_series = kept_runs
    report.filtered_samples = filtered
    if not ts_out:
        return IngestReport(0, 0, rejected)
    lock = _write_lock(db)
    if lock is not None:
        lock.acquire()
    try:
        with db.session() as session:
            if unresolved:
                wanted = [(name, key, ls.labels) for (name, key), (ls, _) in unresolved.items()]
                new_ids = resolve_series_ids(session, wanted, id_cache)
                for (_ls, positions), sid in zip(unresolved.values(), new_ids, strict=True):
                    for position in positions:
                        ids[position] = sid
            inserted = append_samples(session, ids, ts_out, values_out)
    finally:
        if lock is not None:
            lock.release()
    return IngestReport(inserted, len(ts_out) - inserted, rejected, sorted(set(ids)))
