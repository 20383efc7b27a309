"""The one interface every Vigil detector keeps, river-like, plus its result types.

A detector is fed points one at a time (`update`) or as numpy arrays
(`update_batch`); both paths give the same numbers. Its whole state serialises
to bytes (`get_state`) and a detector rebuilt from them (`from_state`) continues
exactly where the original left off, so a worker can keep one detector per
series and persist it between restarts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from vigil.core.types import Severity
from vigil.detection.kernel import K_DRIFT as K_DRIFT
from vigil.detection.kernel import K_MISSING as K_MISSING
from vigil.detection.kernel import K_NEW_HIGH as K_NEW_HIGH
from vigil.detection.kernel import K_NEW_LOW as K_NEW_LOW
from vigil.detection.kernel import K_NONE as K_NONE
from vigil.detection.kernel import K_OUTAGE as K_OUTAGE
from vigil.detection.kernel import K_PATTERN as K_PATTERN
from vigil.detection.kernel import K_RESIDUAL as K_RESIDUAL
from vigil.detection.kernel import K_SHIFT as K_SHIFT
from vigil.detection.kernel import K_SILENCE as K_SILENCE
from vigil.detection.kernel import K_SIZE as K_SIZE
from vigil.detection.kernel import K_STUCK as K_STUCK
from vigil.detection.kernel import K_TIME_OF_DAY as K_TIME_OF_DAY

FloatArray = npt.NDArray[np.float64]

# The kinds of finding (K_*, low 4 bits of BatchResult.kinds) are defined in the
# kernel module: everything its compiled code reads must live in that one file
# (numba's on-disk cache is keyed on it alone).
# Findings about size (not shape) are never capped by the band check; nor is a stuck
# value, which sits inside its band by nature.
_SIZE_KINDS = (K_RESIDUAL, K_DRIFT, K_SIZE, K_OUTAGE, K_SHIFT, K_SILENCE, K_STUCK)

BAND_MARGIN = 0.25

# Score cut-offs for severities; the default detector's score is calibrated so
# that 0.5 is its operating point on NAB (see docs/detection.md).
INFO_AT = 0.3
WARNING_AT = 0.5
CRITICAL_AT = 0.9


def severity_of(score: float, warming_up: bool = False,
                inside_band: bool = False) -> Severity | None:
    """Severity of a score: None for normal (and always while warming up).

    A point whose value lies inside its expected band is at most INFO: it is
    unusual in shape or order, not in size, which is rarely worth a page.
    """
    if warming_up or not score >= INFO_AT:
        return None
    if inside_band:
        return Severity.INFO
    if score >= CRITICAL_AT:
        return Severity.CRITICAL
    if score >= WARNING_AT:
        return Severity.WARNING
    return Severity.INFO


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """What a detector says about one point."""

    timestamp: float
    value: float
    score: float  # anomaly likelihood in [0, 1], comparable across series
    expected: float
    lower: float
    upper: float
    severity: Severity | None
    warming_up: bool
    explanation: str

    @property
    def is_anomaly(self) -> bool:
        """True when the point deserves attention (warning or worse)."""
        return self.severity is not None and self.severity.rank >= Severity.WARNING.rank


@dataclass(slots=True)
class BatchResult:
    """Per-point results of a batch as parallel arrays (same order as the input)."""

    timestamps: FloatArray
    values: FloatArray
    scores: FloatArray
    expected: FloatArray
    lower: FloatArray
    upper: FloatArray
    warming_up: npt.NDArray[np.bool_]
    kinds: npt.NDArray[np.int64]
    observed: FloatArray | None = None  # what was scored (a counter's rate), if not `values`

    def scored_value(self, i: int) -> float:
        """The value that was compared with the band (a counter's rate, else the value)."""
        return float(self.values[i] if self.observed is None else self.observed[i])

    def __len__(self) -> int:
        """Number of points."""
        return len(self.scores)

    def inside_band(self, i: int) -> bool:
        """True when point i's value is within its band (+ a quarter of its half-width).

        That caps a novelty at INFO; the margin keeps values just past the band
        (a 3-sigma band is crossed by noise now and then) from paging anyone.
        """
        if int(self.kinds[i]) & 15 in _SIZE_KINDS:
            return False
        lo, hi = float(self.lower[i]), float(self.upper[i])
        margin = BAND_MARGIN * (hi - lo) / 2.0
        return bool(lo - margin <= self.scored_value(i) <= hi + margin)

    def severities(self) -> list[Severity | None]:
        """Severity of every point."""
        return [severity_of(float(self.scores[i]), bool(self.warming_up[i]),
                            self.inside_band(i)) for i in range(len(self.scores))]

    def result(self, i: int, explain: ExplainFn | None = None) -> DetectionResult:
        """The i-th point as a DetectionResult (with an explanation if `explain` is given)."""
        score = float(self.scores[i])
        warming = bool(self.warming_up[i])
        text = explain(self, i) if explain is not None else ""
        return DetectionResult(
            timestamp=float(self.timestamps[i]), value=float(self.values[i]), score=score,
            expected=float(self.expected[i]), lower=float(self.lower[i]),
            upper=float(self.upper[i]),
            severity=severity_of(score, warming, self.inside_band(i)),
            warming_up=warming, explanation=text)


ExplainFn = Callable[[BatchResult, int], str]


def band_cap_note(batch: BatchResult, i: int) -> str:
    """Why a score of warning level or more is reported as info (else ""): the value
    lies within its band, or less than a quarter of its half-width past it (the cap
    of `severity_of`)."""
    score, warming = float(batch.scores[i]), bool(batch.warming_up[i])
    if severity_of(score, warming, batch.inside_band(i)) == severity_of(score, warming):
        return ""
    return "; info only: the value is within its band or just past it"


class Detector(ABC):
    """Streaming + batch anomaly detector with serialisable state."""

    name: ClassVar[str] = "detector"

    @abstractmethod
    def update_batch(self, timestamps: npt.ArrayLike, values: npt.ArrayLike) -> BatchResult:
        """Score and learn a batch of points (seconds since epoch, values), in order."""

    def update(self, timestamp: float, value: float) -> DetectionResult:
        """Score and learn one point; same numbers as the batch path."""
        batch = self.update_batch(np.array([timestamp], dtype=np.float64),
                                  np.array([value], dtype=np.float64))
        return batch.result(0, self.explain)

    def explain(self, batch: BatchResult, i: int) -> str:
        """One-line human explanation of point i of a batch."""
        return explain_generic(batch, i) + band_cap_note(batch, i)

    @abstractmethod
    def get_state(self) -> bytes:
        """The detector's whole state (configuration included) as bytes."""

    @classmethod
    @abstractmethod
    def from_state(cls, state: bytes) -> Detector:
        """Rebuild a detector from `get_state()` bytes; it continues exactly."""


def fmt(x: float) -> str:
    """Short human number: 97.2, 0.0031, 1.2e+09."""
    if not np.isfinite(x):
        return str(x)
    ax = abs(x)
    if ax != 0 and (ax >= 1e6 or ax < 1e-3):
        return f"{x:.3g}"
    return f"{x:.4g}" if ax < 1000 else f"{x:,.0f}"


def explain_generic(batch: BatchResult, i: int, context: str = "recent values",
                    unit: str = "") -> str:
    """Explanation from value, band and score only."""
    v = batch.scored_value(i)
    lo, hi = float(batch.lower[i]), float(batch.upper[i])
    if not np.isfinite(v):
        return "missing value: skipped"
    if bool(batch.warming_up[i]):
        return f"{fmt(v)}: still learning this series (warming up)"
    band = f"the expected {fmt(lo)}–{fmt(hi)}{unit} for {context}"
    if v > hi:
        where = f"is above {band}"
    elif v < lo:
        where = f"is below {band}"
    else:
        where = f"is within {band}"
    return f"{fmt(v)}{unit} {where} (score {float(batch.scores[i]):.2f})"
