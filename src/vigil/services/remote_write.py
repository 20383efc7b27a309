"""Receive a Prometheus remote_write body: decode, keep the selected series, ingest them."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import Counter

from vigil.config import Settings
from vigil.core.remote_write import DecodeLimits, LabelCache, decode_body
from vigil.services.ingest import IngestReport, ingest
from vigil.services.remote_write_config import RemoteWriteConfig
from vigil.storage.database import Database

DECOMPRESSION_RATIO_LIMIT = 16
"""A body may decompress to at most this many times the body-size limit (snappy rarely
exceeds 10x on real write requests); anything larger is refused with 413."""

REMOTE_WRITE_SAMPLES = Counter(
    "vigil_remote_write_samples_total",
    "Samples received over Prometheus remote_write, by what happened to them.", ["outcome"])
REMOTE_WRITE_REQUESTS = Counter(
    "vigil_remote_write_requests_total", "Prometheus remote_write requests by HTTP status.",
    ["status"])

_label_cache = LabelCache()


@dataclass(slots=True)
class RemoteWriteReport:
    """What one remote_write request carried and what became of it."""

    series: int
    samples: int
    kept_series: int
    filtered_samples: int
    stale_markers: int
    histograms: int
    ingest: IngestReport = field(default_factory=lambda: IngestReport(0, 0))

    @property
    def nothing_valid(self) -> bool:
        """True when points were offered to ingest and every one of them was rejected."""
        return (self.ingest.accepted == 0 and self.ingest.duplicates == 0
                and bool(self.ingest.rejected))


def decode_limits(settings: Settings) -> DecodeLimits:
    """The per-request decode limits that follow from the deployment settings."""
    return DecodeLimits(max_decompressed_bytes=settings.max_body_bytes * DECOMPRESSION_RATIO_LIMIT,
                        max_series=settings.max_series_per_request,
                        max_samples=settings.max_points_per_request)


def receive_remote_write(db: Database, settings: Settings, config: RemoteWriteConfig,
                         body: bytes) -> RemoteWriteReport:
    """Decode a body, drop series the keep selectors exclude, ingest the rest atomically.

    Raises `RemoteWriteError` (nothing stored) when the body cannot be decoded or is over
    a limit; database failures propagate unchanged (the API answers 503, Prometheus retries).
    """
    decoded = decode_body(body, decode_limits(settings), _label_cache)
    batch = decoded.series
    if config.keep:
        batch = [s for s in batch if config.keeps(s.name, s.labels)]
    kept_samples = sum(len(s.points) for s in batch)
    report = RemoteWriteReport(
        series=len(decoded.series), samples=decoded.samples, kept_series=len(batch),
        filtered_samples=decoded.samples - kept_samples, stale_markers=decoded.stale_markers,
        histograms=decoded.histograms)
    if batch:
        report.ingest = ingest(db, settings, batch)
    REMOTE_WRITE_SAMPLES.labels("accepted").inc(report.ingest.accepted)
    REMOTE_WRITE_SAMPLES.labels("duplicate").inc(report.ingest.duplicates)
    REMOTE_WRITE_SAMPLES.labels("rejected").inc(len(report.ingest.rejected))
    REMOTE_WRITE_SAMPLES.labels("filtered").inc(report.filtered_samples)
    REMOTE_WRITE_SAMPLES.labels("stale").inc(report.stale_markers)
    return report
