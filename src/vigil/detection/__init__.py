"""Anomaly detection (pure domain: no I/O, no api/cli/storage imports).

Every detector keeps one small interface (`Detector`): `update(ts, value)` for a
point, `update_batch(ts, values)` for numpy arrays (same numbers), and
`get_state()` / `from_state()` for exact restarts.
"""

from vigil.detection.base import BatchResult, DetectionResult, Detector, severity_of
from vigil.detection.default import DefaultConfig, NoveltyDetector
from vigil.detection.registry import (
    DEFAULT_DETECTOR,
    detector_names,
    make_detector,
    restore_detector,
)

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
