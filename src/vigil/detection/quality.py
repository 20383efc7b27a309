"""Data quality of a series as one score in [0, 1], and what each component cost.

score = 1 - sum of the component costs; each component costs at most its weight:

- gaps: points missing against the series' own cadence (median step), full cost at
  `saturation`;
- late: duplicate or out-of-order points among those received, full cost at `saturation`;
- rejected: NaN / non-finite points among those sent, full cost at `saturation`;
- stale: no point for `stale_cadences` cadences, growing to full cost at twice that;
- flat: the newest values identical for `flat_points` or more after the series varied,
  full cost at 4 x `flat_points`.

Pure: it takes arrays and counts and returns numbers (docs/model-lifecycle.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

COMPONENTS = ("gaps", "late", "rejected", "stale", "flat")


@dataclass(frozen=True, slots=True)
class QualityWeights:
    """Weights of the components (they sum to 1) and the points where each is fully charged."""

    gaps: float = 0.3
    late: float = 0.2
    rejected: float = 0.2
    stale: float = 0.15
    flat: float = 0.15
    saturation: float = 0.2     # a fraction this large costs the whole weight
    stale_cadences: float = 5.0  # silent for this many cadences starts to cost
    flat_points: int = 30        # identical trailing values that count as flat-lining

    def weight(self, component: str) -> float:
        """The weight of one component by name."""
        return float(getattr(self, component))


@dataclass(frozen=True, slots=True)
class ComponentCost:
    """One component: the fraction measured and what it cost the score."""

    fraction: float
    cost: float


@dataclass(frozen=True, slots=True)
class QualityReport:
    """The score, the series' cadence and the cost of each component."""

    score: float
    cadence: float | None
    components: dict[str, ComponentCost] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON and storage."""
        return {"score": self.score, "cadence_seconds": self.cadence,
                "components": {k: {"fraction": round(c.fraction, 6), "cost": round(c.cost, 6)}
                               for k, c in self.components.items()}}


def cadence_of(ts: npt.NDArray[np.float64]) -> float | None:
    """The series' own step: the median of its positive time differences."""
    steps = np.diff(ts)
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else None


def gap_fraction(ts: npt.NDArray[np.float64], cadence: float) -> float:
    """Share of the points expected at `cadence` between the first and last that are missing."""
    steps = np.diff(ts)
    steps = steps[steps > 0]
    missing = float(np.sum(np.maximum(np.round(steps / cadence) - 1.0, 0.0)))
    expected = missing + float(ts.size)
    return missing / expected if expected else 0.0


def flat_run(values: npt.NDArray[np.float64]) -> int:
    """Number of trailing values equal to the last one (0 when the window never varied)."""
    if values.size == 0:
        return 0
    same = values == values[-1]
    if bool(np.all(same)):
        return 0  # constant by nature (a counter that never moves), not a stuck sensor
    return int(values.size - 1 - int(np.flatnonzero(~same)[-1]))


def assess(ts: npt.ArrayLike, values: npt.ArrayLike, received: int, late: int, rejected: int,
           now: float, weights: QualityWeights | None = None) -> QualityReport:
    """Score the recent window of a series (`ts` sorted) plus its ingest counts at `now`."""
    w = weights or QualityWeights()
    t = np.asarray(ts, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    cadence = cadence_of(t)
    fractions: dict[str, float] = dict.fromkeys(COMPONENTS, 0.0)
    if cadence is not None:
        fractions["gaps"] = gap_fraction(t, cadence)
        silent = (now - float(t[-1])) / cadence
        fractions["stale"] = float(np.clip((silent - w.stale_cadences) / w.stale_cadences, 0, 1))
    fractions["late"] = late / received if received > 0 else 0.0
    sent = received + rejected
    fractions["rejected"] = rejected / sent if sent > 0 else 0.0
    run = flat_run(v)
    if run >= w.flat_points:
        fractions["flat"] = min(1.0, run / (4.0 * w.flat_points))
    costs: dict[str, ComponentCost] = {}
    for name in COMPONENTS:
        frac = float(min(max(fractions[name], 0.0), 1.0))
        charged = frac if name in ("stale", "flat") else min(1.0, frac / w.saturation)
        costs[name] = ComponentCost(frac, w.weight(name) * charged)
    score = float(np.clip(1.0 - sum(c.cost for c in costs.values()), 0.0, 1.0))
    return QualityReport(score, cadence, costs)
