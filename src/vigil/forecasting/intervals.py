"""Prediction intervals from rolling-origin forecast errors, pooled over nearby horizons."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

MIN_SAMPLES = 20


def error_quantiles(errors: FloatArray, level: float, horizon: int,
                    fallback_scale: float) -> tuple[FloatArray, FloatArray]:
    """Lower and upper error quantiles per horizon step 1..horizon (widening with h).

    `errors` is (origins x k) of actual minus forecast, NaN where unseen. Quantiles are
    read at log-spaced knots (each pooling horizons within ±15%), interpolated, carried
    beyond the last well-sampled knot by sqrt(h) scaling, and made monotone in h. With no
    usable errors, a random-walk band fallback_scale * sqrt(h) * z is used.
    """
    lo_q, hi_q = (1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0
    k = errors.shape[1] if errors.ndim == 2 else 0
    top = max(1, min(k, horizon))
    knots = sorted({max(1, round(top ** (i / 15))) for i in range(16)})
    xs: list[float] = []
    los: list[float] = []
    his: list[float] = []
    for h in knots if k else []:
        a, b = max(1, math.floor(h * 0.85)), min(k, math.ceil(h * 1.15))
        block = errors[:, a - 1:b]
        block = block[:, ::max(1, block.shape[1] // 12)].ravel()
        sample = block[np.isfinite(block)]
        if sample.size < MIN_SAMPLES:
            break
        ql, qh = np.quantile(sample, (lo_q, hi_q))
        xs.append(float(h))
        los.append(float(ql))
        his.append(float(qh))
    hs = np.arange(1, horizon + 1, dtype=np.float64)
    if not xs:
        z = _normal_quantile(hi_q)
        width = fallback_scale * np.sqrt(hs) * z
        return -width, width
    lo = np.interp(hs, xs, los)
    hi = np.interp(hs, xs, his)
    last = xs[-1]
    beyond = hs > last
    grow = np.sqrt(hs[beyond] / last)
    lo[beyond] = los[-1] * grow
    hi[beyond] = his[-1] * grow
    lo = np.minimum(np.minimum.accumulate(lo), 0.0)
    hi = np.maximum(np.maximum.accumulate(hi), 0.0)
    return lo, hi


def _normal_quantile(p: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9)."""
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - 0.02425:
        return -_normal_quantile(1 - p)
    q = p - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


def normal_quantile(p: float) -> float:
    """Inverse standard normal CDF for 0 < p < 1."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    return _normal_quantile(p)


def normal_cdf(x: FloatArray) -> FloatArray:
    """Standard normal CDF, elementwise."""
    from math import erf, sqrt

    v = np.vectorize(lambda t: 0.5 * (1.0 + erf(t / sqrt(2.0))), otypes=[np.float64])
    return np.asarray(v(x), dtype=np.float64)
