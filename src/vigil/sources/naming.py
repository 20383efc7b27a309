"""Which Vigil series a returned series is, and which partition scores it.

A series is named by its query key; its labels are the returned labels (without
`__name__`, which a query like `rate(x[5m])` drops anyway) plus `vigil_source`, the
source's name, so two sources with the same query key never share a series and the
detection worker knows the series is scored by a source, not by itself.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from vigil.core.ingest import labels_key, present_labels

SOURCE_LABEL = "vigil_source"
"""The label that marks a Vigil series as read from a source (value: the source name)."""


@dataclass(frozen=True, slots=True)
class SeriesIdentity:
    """A source series as Vigil stores it, and the labels its write-back carries."""

    name: str
    labels: dict[str, str]
    key: str
    source_labels: dict[str, str]


def series_identity(source: str, query_key: str, returned: dict[str, str]) -> SeriesIdentity:
    """The Vigil series (name, labels, canonical key) of one returned series."""
    own = present_labels({k: v for k, v in returned.items() if k != "__name__"})
    labels = {**own, SOURCE_LABEL: source}
    return SeriesIdentity(query_key, labels, labels_key(labels), own)


def partition_of(source: str, query_key: str, series_key: str, partitions: int) -> int:
    """The partition of a source series: stable across processes and restarts."""
    digest = zlib.crc32(f"{source}\0{query_key}\0{series_key}".encode())
    return digest % partitions


def is_source_series(labels: dict[str, str]) -> bool:
    """True for a series a source feeds (the detection worker leaves those alone)."""
    return SOURCE_LABEL in labels
