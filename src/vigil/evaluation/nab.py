"""NAB v1.1 scoring rules, implemented from the published rules (no NAB code is used).

The scorer works on plain arrays: per file, the row timestamps, the detector's
anomaly scores and the label windows. `score_corpus` sweeps one threshold per
profile over the whole corpus and returns raw and normalised scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Profile:
    """Weights of one NAB application profile."""

    name: str
    a_tp: float
    a_fp: float
    a_fn: float


STANDARD = Profile("standard", 1.0, 0.11, 1.0)
REWARD_LOW_FP = Profile("reward_low_FP_rate", 1.0, 0.22, 1.0)
REWARD_LOW_FN = Profile("reward_low_FN_rate", 1.0, 0.11, 2.0)
PROFILES: tuple[Profile, ...] = (STANDARD, REWARD_LOW_FP, REWARD_LOW_FN)


def scaled_sigmoid(x: float) -> float:
    """NAB's scaled sigmoid: 2/(1+e^(5x)) - 1 for x <= 3, and -1 beyond."""
    if x > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probationary_length(n_rows: int) -> int:
    """Rows at the start of a file that NAB ignores: min(floor(0.15 N), 750)."""
    return min(math.floor(0.15 * n_rows), 750)


@dataclass(slots=True)
class FileRows:
    """Scoring layout of one file: per scored row, its window id (-1 outside) and weights.

    `weights[p]` is the unweighted row value of the NAB rules (positive sigmoid
    share in a window, negative penalty shape outside), split so that any profile
    can be applied: in-window rows carry `tp_shape` (multiplied by A_TP), rows
    outside carry `fp_shape` (multiplied by A_FP).
    """

    scores: FloatArray
    window_id: IntArray
    tp_shape: FloatArray
    fp_shape: FloatArray
    n_windows: int


def window_rows(timestamps: npt.NDArray[np.datetime64],
                windows: Sequence[tuple[np.datetime64, np.datetime64]]) -> list[tuple[int, int]]:
    """Map label windows (start, end timestamps) to inclusive row ranges [a, b]."""
    out: list[tuple[int, int]] = []
    for start, end in windows:
        a = int(np.searchsorted(timestamps, start, side="left"))
        b = int(np.searchsorted(timestamps, end, side="right")) - 1
        if a <= b:
            out.append((a, b))
    return out


def layout_file(scores: npt.ArrayLike, windows: Sequence[tuple[int, int]]) -> FileRows:
    """Apply the NAB row rules to one file (windows as sorted inclusive row ranges)."""
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    prob = probationary_length(n)
    win_id = np.full(n, -1, dtype=np.int64)
    tp = np.zeros(n)
    fp = np.full(n, -1.0)
    max_tp = scaled_sigmoid(-1.0)
    prev_end = -1
    prev_width = 0
    ordered = sorted(windows)
    wi = 0
    i = 0
    while i < n:
        if wi < len(ordered) and i == ordered[wi][0]:
            a, b = ordered[wi]
            width = b - a + 1
            for j in range(a, min(b, n - 1) + 1):
                win_id[j] = wi
                tp[j] = scaled_sigmoid(-(b - j + 1) / width) / max_tp
            prev_end, prev_width = b, width
            wi += 1
            i = b + 1
            continue
        if prev_end >= 0:
            denom = float(prev_width - 1)
            pos = abs(i - prev_end) / denom if denom > 0 else math.inf
            fp[i] = scaled_sigmoid(pos)
        i += 1
    keep = slice(prob, n)
    win_kept = win_id[keep]
    # Windows that lie wholly in the probationary period are not scored at all;
    # renumber the rest 0..k-1.
    present = np.unique(win_kept[win_kept >= 0])
    remap = np.full(max(len(ordered), 1), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    win_final = np.where(win_kept >= 0, remap[np.maximum(win_kept, 0)], -1)
    return FileRows(scores=s[keep], window_id=win_final.astype(np.int64),
                    tp_shape=tp[keep], fp_shape=fp[keep], n_windows=len(present))


@dataclass(slots=True)
class ProfileResult:
    """Best threshold and scores of one profile over a corpus."""

    profile: str
    threshold: float
    raw: float
    null: float
    perfect: float
    normalised: float
    tp: int = 0
    fp: int = 0
    fn: int = 0


@dataclass(slots=True)
class CorpusScore:
    """Scores of a detector over a corpus, one result per profile."""

    results: dict[str, ProfileResult] = field(default_factory=dict)
    files: int = 0
    points: int = 0
    windows: int = 0

    def normalised(self) -> dict[str, float]:
        """Profile name -> normalised score."""
        return {k: v.normalised for k, v in self.results.items()}


def _sweep(files: Sequence[FileRows], profile: Profile) -> ProfileResult:
    """Try every distinct score (and "never") as threshold; keep the best summed score."""
    scores: list[FloatArray] = []
    deltas: list[FloatArray] = []
    n_windows = 0
    for f in files:
        inside = f.window_id >= 0
        # Outside windows: each detecting row adds its weight.
        d = np.where(inside, 0.0, profile.a_fp * f.fp_shape)
        # Inside: the window's value is the max weight of its detecting rows, or -A_FN.
        # Going down the thresholds, each row that raises the running max adds the rise.
        w = profile.a_tp * f.tp_shape
        for k in range(f.n_windows):
            idx = np.flatnonzero(f.window_id == k)
            order = idx[np.argsort(-f.scores[idx], kind="stable")]
            # Rows with equal scores enter together; the running max handles that
            # because only group ends are evaluated below.
            run = np.maximum.accumulate(w[order])
            prev = np.concatenate(([-profile.a_fn], run[:-1]))
            d[order] = run - np.maximum(prev, -profile.a_fn)
        scores.append(f.scores)
        deltas.append(d)
        n_windows += f.n_windows
    null = -profile.a_fn * n_windows
    perfect = profile.a_tp * n_windows
    if not scores:
        return ProfileResult(profile.name, math.inf, 0.0, 0.0, 0.0, 0.0)
    all_s = np.concatenate(scores)
    all_d = np.concatenate(deltas)
    order = np.argsort(-all_s, kind="stable")
    s_sorted = all_s[order]
    cum = null + np.cumsum(all_d[order])
    # Evaluate only at the last row of each group of equal scores.
    ends = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])
    best_raw, best_t = null, math.inf
    if len(ends):
        vals = cum[ends]
        j = int(np.argmax(vals))
        if vals[j] > best_raw:
            best_raw, best_t = float(vals[j]), float(s_sorted[ends[j]])
    denom = perfect - null
    norm = 100.0 * (best_raw - null) / denom if denom > 0 else 0.0
    res = ProfileResult(profile.name, best_t, best_raw, null, perfect, norm)
    _count(files, best_t, res)
    return res


def best_threshold(files: Sequence[FileRows], profile: Profile) -> ProfileResult:
    """The threshold with the best summed score of `profile` over `files`, and that score."""
    return _sweep(files, profile)


def _count(files: Sequence[FileRows], threshold: float, res: ProfileResult) -> None:
    """Fill TP/FP/FN counts at a threshold (for reports)."""
    for f in files:
        det = f.scores >= threshold
        res.fp += int(np.sum(det & (f.window_id < 0)))
        for k in range(f.n_windows):
            if np.any(det[f.window_id == k]):
                res.tp += 1
            else:
                res.fn += 1


def score_corpus(files: Mapping[str, FileRows],
                 profiles: Sequence[Profile] = PROFILES) -> CorpusScore:
    """Score laid-out files under each profile with one optimised threshold per profile."""
    rows = list(files.values())
    out = CorpusScore(files=len(rows), points=sum(len(f.scores) for f in rows),
                      windows=sum(f.n_windows for f in rows))
    for p in profiles:
        out.results[p.name] = _sweep(rows, p)
    return out
