"""Leave-one-category-out cross-validation of NAB scores.

For each category of a corpus, every setting chosen by search (which candidate
detector of a grid, the threshold of each profile) is chosen on the *other*
categories only; the left-out category is then scored at those settings with
NAB's rules. Its labels are never read while its settings are chosen.

Two summaries: the mean of the per-category normalised scores (categories with
label windows; a category without windows has no normalised score, only its
false positives), and the pooled score, 100·(ΣS − ΣS_null)/(ΣS_perfect − ΣS_null)
over every left-out category at its own settings, which is directly comparable
with the plain (in-sample threshold) corpus score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vigil.evaluation.nab import PROFILES, FileRows, Profile, best_threshold


def category_of(name: str) -> str:
    """The category of a corpus file name "<category>/<file>.csv"."""
    return name.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class FoldScore:
    """The left-out category of one fold, scored at settings chosen without it."""

    category: str
    files: int
    windows: int
    candidate: str          # chosen on the other categories
    threshold: float        # chosen on the other categories
    raw: float
    null: float
    perfect: float
    tp: int
    fp: int
    fn: int

    @property
    def normalised(self) -> float | None:
        """100·(S − S_null)/(S_perfect − S_null); None for a category without windows."""
        denom = self.perfect - self.null
        return 100.0 * (self.raw - self.null) / denom if denom > 0 else None


@dataclass(slots=True)
class CvResult:
    """Leave-one-category-out scores of one profile."""

    profile: str
    folds: list[FoldScore] = field(default_factory=list)

    @property
    def mean(self) -> float:
        """Mean of the per-category normalised scores (categories with windows)."""
        scores = [f.normalised for f in self.folds if f.normalised is not None]
        return float(np.mean(scores)) if scores else 0.0

    @property
    def pooled(self) -> float:
        """Normalised score of all left-out categories together, each at its own settings."""
        raw = sum(f.raw for f in self.folds)
        null = sum(f.null for f in self.folds)
        perfect = sum(f.perfect for f in self.folds)
        return 100.0 * (raw - null) / (perfect - null) if perfect > null else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready: mean, pooled and per category (score, candidate, threshold, FP)."""
        return {
            "mean": round(self.mean, 4),
            "pooled": round(self.pooled, 4),
            "categories": {
                f.category: {
                    "score": None if f.normalised is None else round(f.normalised, 4),
                    "candidate": f.candidate,
                    "threshold": f.threshold if math.isfinite(f.threshold) else None,
                    "windows": f.windows, "tp": f.tp, "fp": f.fp, "fn": f.fn,
                } for f in self.folds},
        }


def score_at(files: Sequence[FileRows], profile: Profile,
             threshold: float) -> tuple[float, int, int, int]:
    """Raw NAB score of laid-out files at a fixed threshold: (S, TP, FP, FN)."""
    raw = 0.0
    tp = fp = fn = 0
    for f in files:
        det = f.scores >= threshold
        outside = det & (f.window_id < 0)
        raw += float(np.sum(profile.a_fp * f.fp_shape[outside]))
        fp += int(np.sum(outside))
        for k in range(f.n_windows):
            hit = det & (f.window_id == k)
            if np.any(hit):
                raw += float(np.max(profile.a_tp * f.tp_shape[hit]))
                tp += 1
            else:
                raw -= profile.a_fn
                fn += 1
    return raw, tp, fp, fn


def choose(candidates: Mapping[str, Sequence[FileRows]],
           profile: Profile) -> tuple[str, float]:
    """The candidate and threshold with the best normalised score on the files given."""
    best: tuple[float, str, float] | None = None
    for name, files in candidates.items():
        res = best_threshold(files, profile)
        if best is None or res.normalised > best[0]:
            best = (res.normalised, name, res.threshold)
    if best is None:
        raise ValueError("no candidates to choose from")
    return best[1], best[2]


def cross_validate(candidates: Mapping[str, Mapping[str, FileRows]],
                   profiles: Sequence[Profile] = PROFILES) -> dict[str, CvResult]:
    """Leave-one-category-out: per profile, each category scored at settings chosen without it.

    `candidates` maps a candidate's name (a detector or configuration of a grid)
    to its laid-out files by corpus name; every candidate covers the same files.
    """
    names = sorted({n for rows in candidates.values() for n in rows})
    categories = sorted({category_of(n) for n in names})
    out: dict[str, CvResult] = {}
    for profile in profiles:
        result = CvResult(profile.name)
        for cat in categories:
            train = {c: [rows[n] for n in names if category_of(n) != cat]
                     for c, rows in candidates.items()}
            if not any(train.values()):
                continue  # a one-category corpus has nothing to choose on
            cand, threshold = choose(train, profile)
            test = [candidates[cand][n] for n in names if category_of(n) == cat]
            raw, tp, fp, fn = score_at(test, profile, threshold)
            windows = sum(f.n_windows for f in test)
            result.folds.append(FoldScore(
                category=cat, files=len(test), windows=windows, candidate=cand,
                threshold=threshold, raw=raw,
                null=-profile.a_fn * windows, perfect=profile.a_tp * windows,
                tp=tp, fp=fp, fn=fn))
        out[profile.name] = result
    return out
