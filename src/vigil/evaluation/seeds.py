"""Scores over many generator seeds: seed lists, their spread, paired differences.

One synthetic corpus is one draw: on it a detector's cross-validated score moves by
several points when a fold's threshold crosses a cliff of equal scores, so a
comparison between detectors (or settings) is judged over many seeds, paired seed
by seed (docs/detection.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SEEDS = 1000


def parse_seeds(text: str) -> list[int]:
    """'0-11', '0,3,5' or '0-3,8' -> the seeds in the order given, without repeats."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo_text, sep, hi_text = part.partition("-")
        try:
            lo = int(lo_text)
            hi = int(hi_text) if sep else lo
        except ValueError:
            raise ValueError(f"{part!r} is not a seed or a range of seeds like 0-11") from None
        if lo < 0 or hi < lo:
            raise ValueError(f"{part!r}: seeds are non-negative and ranges go upwards")
        if hi - lo >= MAX_SEEDS:
            raise ValueError(f"{part!r}: at most {MAX_SEEDS} seeds")
        seeds.extend(s for s in range(lo, hi + 1) if s not in seeds)
    if not seeds:
        raise ValueError("no seeds given")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"at most {MAX_SEEDS} seeds")
    return seeds


@dataclass(frozen=True, slots=True)
class Spread:
    """Mean, sample standard deviation, minimum and maximum of a score over seeds."""

    mean: float
    sd: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready, rounded to two decimals."""
        return {"mean": round(self.mean, 2), "sd": round(self.sd, 2), "min": round(self.low, 2),
                "max": round(self.high, 2), "seeds": self.n}


def spread(values: Sequence[float]) -> Spread:
    """The spread of one score over seeds (sd 0 for a single seed)."""
    if not values:
        raise ValueError("no values")
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return Spread(mean, math.sqrt(var), min(values), max(values), n)


@dataclass(frozen=True, slots=True)
class Paired:
    """Seed-by-seed differences of one score against a reference detector."""

    mean: float
    stderr: float
    better: int
    n: int

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready, rounded to two decimals."""
        return {"mean": round(self.mean, 2), "stderr": round(self.stderr, 2),
                "seeds_better": self.better, "seeds": self.n}


def paired(reference: Sequence[float], other: Sequence[float]) -> Paired:
    """Mean and standard error of other - reference, and on how many seeds other is higher."""
    if len(reference) != len(other) or not reference:
        raise ValueError("paired scores need the same, non-empty list of seeds")
    diffs = [o - r for r, o in zip(reference, other, strict=True)]
    s = spread(diffs)
    return Paired(s.mean, s.sd / math.sqrt(s.n), sum(d > 0 for d in diffs), s.n)
