"""Anomaly detection (pure domain: no I/O, no api/cli/storage imports).

Every detector keeps one small interface (`Detector`): `update(ts, value)` for a
point, `update_batch(ts, values)` for numpy arrays (same numbers), and
`get_state()` / `from_state()` for exact restarts.

The names below load on first use, so that reading the operator config
(`vigil.detection.config`) does not compile the numba kernel.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vigil.detection.base import BatchResult, DetectionResult, Detector, severity_of
    from vigil.detection.default import DefaultConfig, NoveltyDetector
    from vigil.detection.registry import (
        DEFAULT_DETECTOR,
        detector_names,
        make_detector,
        restore_detector,
    )

_HOMES = {
    "BatchResult": "base", "DetectionResult": "base", "Detector": "base", "severity_of": "base",
    "DefaultConfig": "default", "NoveltyDetector": "default",
    "DEFAULT_DETECTOR": "registry", "detector_names": "registry", "make_detector": "registry",
    "restore_detector": "registry",
}

__all__ = [
    "DEFAULT_DETECTOR",
    "BatchResult",
    "DefaultConfig",
    "DetectionResult",
    "Detector",
    "NoveltyDetector",
    "detector_names",
    "make_detector",
    "restore_detector",
    "severity_of",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vigil.detection' has no attribute {name!r}")
    return getattr(import_module(f"vigil.detection.{home}"), name)
