"""Simple baselines kept for comparison (the NAB table in docs/detection.md).

* `ZScoreDetector` ("zscore"): exponentially weighted mean and variance; the
  score of a point at z standard deviations from the mean is 1 - exp(-z²/50)
  (0.5 at z ≈ 5.9, 0.9 at z ≈ 10.7): a monotone squashing of z, not a tail
  probability (NAB's windowed Gaussian uses the tail).
* "novelty" and the ablations of the default detector are `NoveltyDetector`
  configurations, built in `vigil.detection.registry`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numba as nb
import numpy as np
import numpy.typing as npt

from vigil.detection.base import BatchResult, Detector
from vigil.detection.state import StateError, dump_state, load_state

# state: [n, mean, var]
_N, _MEAN, _VAR = 0, 1, 2


@nb.njit(cache=True, nogil=True)
def _zscore_run(xs: npt.NDArray[np.float64], st: npt.NDArray[np.float64], alpha: float,
                learn: int, out_score: npt.NDArray[np.float64],
                out_exp: npt.NDArray[np.float64], out_lo: npt.NDArray[np.float64],
                out_hi: npt.NDArray[np.float64], out_warm: npt.NDArray[np.bool_]) -> None:
    """Score each point by its EW z-score (1 - exp(-z²/50)), then learn it."""
    for j in range(len(xs)):
        v = xs[j]
        n = st[_N]
        mu = st[_MEAN]
        sd = math.sqrt(st[_VAR])
        warm = n < learn
        out_exp[j] = mu
        out_lo[j] = mu - 3.0 * sd
        out_hi[j] = mu + 3.0 * sd
        out_warm[j] = warm
        if not math.isfinite(v):
            out_score[j] = 0.0
            continue
        v = min(max(v, -1e150), 1e150)
        if warm or sd <= 0.0:
            score = 0.0 if (warm or v == mu) else 1.0
        else:
            z = abs(v - mu) / sd
            score = 1.0 - math.exp(-z * z / 50.0)
        out_score[j] = score
        a = alpha if n >= 1.0 / alpha else 1.0 / (n + 1.0)
        d = v - mu
        st[_MEAN] = mu + a * d
        st[_VAR] = (1.0 - a) * (st[_VAR] + a * d * d)
        st[_N] = n + 1.0


class ZScoreDetector(Detector):
    """EW z-score baseline (NAB name "zscore"): score 1 - exp(-z²/50)."""

    name: ClassVar[str] = "zscore"

    def __init__(self, alpha: float = 0.002, learn: int = 150) -> None:
        """Create with EW rate `alpha` and `learn` warm-up points."""
        self.alpha = alpha
        self.learn = learn
        self._st = np.zeros(3)

    def update_batch(self, timestamps: npt.ArrayLike, values: npt.ArrayLike) -> BatchResult:
        """Score and learn a batch in order."""
        ts = np.ascontiguousarray(timestamps, dtype=np.float64).reshape(-1)
        xs = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
        if ts.shape != xs.shape:
            raise ValueError(f"{len(ts)} timestamps but {len(xs)} values")
        n = len(xs)
        out = BatchResult(ts, xs, np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
                          np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.int64))
        if n:
            _zscore_run(xs, self._st, self.alpha, self.learn, out.scores, out.expected,
                        out.lower, out.upper, out.warming_up)
        return out

    def get_state(self) -> bytes:
        """Configuration and state as bytes."""
        return dump_state(self.name, {"alpha": self.alpha, "learn": self.learn},
                          {"st": self._st})

    @classmethod
    def from_state(cls, state: bytes) -> ZScoreDetector:
        """Rebuild from get_state() bytes."""
        kind, meta, arrays, _ = load_state(state)
        if kind != cls.name:
            raise StateError(f"state of a {kind!r} detector, not {cls.name!r}")
        st = arrays.get("st")
        if st is None or st.shape != (3,) or st.dtype != np.float64:
            raise StateError("state array 'st' missing or malformed")
        try:
            alpha, learn = float(meta["alpha"]), int(meta["learn"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"corrupt detector state: {exc!r}") from exc
        det = cls(alpha, learn)
        det._st = np.ascontiguousarray(st)
        return det
