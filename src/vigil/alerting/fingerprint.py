"""Stable alert fingerprints from label sets: the same labels are the same alert."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def fingerprint(labels: Mapping[str, str]) -> str:
    """A 16-hex-digit SHA-256 fingerprint of the sorted label set."""
    h = hashlib.sha256()
    for key in sorted(labels):
        h.update(key.encode())
        h.update(b"\xff")
        h.update(str(labels[key]).encode())
        h.update(b"\xfe")
    return h.hexdigest()[:16]


def series_text(name: str, labels: Mapping[str, str]) -> str:
    """The Prometheus-style text of a series: `name{a="1",b="2"}`."""
    if not labels:
        return name
    inner = ",".join(f'{k}="{labels[k]}"' for k in sorted(labels))
    return f"{name}{{{inner}}}"
