"""The compiled core of the default detector: one numba loop used by both paths.

Streaming calls the same function with arrays of length one, so streaming and
batch give bit-identical numbers. All state lives in a handful of numpy arrays
(`new_state()`) that the loop mutates in place and that serialise as they are.

Per point the kernel computes, causally:

* range novelty: how far the value lies beyond every value seen so far
  (relative to that range), damped when such events come in quick succession;
* contextual novelty (after CAD OSE): the value is discretised on two grids over
  the running range; a transition context (the last 1..K levels) never seen
  before is novel; damped by the time since the previous novelty ("rarity");
* time-of-day novelty: a (half-hour of day, level) pair never seen although that
  half-hour has been seen on at least `mindays` days;
* a seasonal robust baseline (flat, daily or weekly, whichever predicts best)
  that gives the expected value and band, plus two onset events in seasonal
  series: a sustained deviation from it, and a drift of its level.

The strongest component, plus the noisy-or of all of them (agreement), is the
raw score r in [0, 1]; the reported score is 1 - exp(-r / cal), and after an
alert the output is held at 0 for `rest` points unless a stronger event comes
(NAB counts only the earliest detection; repeats are false positives). A
glaring point (far beyond its band, further than ever before) is scored by its
size even where rest or rarity would hide it (see "size" in the loop).
docs/detection.md describes each step and what it is worth on NAB.
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

# Everything the compiled functions read lives in this file: numba's on-disk
# cache (`cache=True`) is keyed on this file's contents (sha256) plus the
# function's bytecode, not on other modules, so a constant imported from another
# module could be frozen stale into cached machine code. `vigil.detection.base`
# re-exports the kinds below; tests/unit/detection/test_detection_kernel_cache.py
# keeps this file free of such imports.

# Kinds of finding a detector reports per point (low 4 bits of `kinds`).
K_NONE = 0
K_NEW_HIGH = 1
K_NEW_LOW = 2
K_PATTERN = 3
K_TIME_OF_DAY = 4
K_MISSING = 5
K_RESIDUAL = 6
K_DRIFT = 7
K_SIZE = 8  # far outside the expected band: overrides rest and rarity

# Parameter indices (float64 vector).
P_LEARN = 0      # points before scores are emitted (warming up)
P_REST = 1       # points held at 0 after an alert
P_REXP = 2       # range exceedance (fraction of range) that saturates the range score
P_CNOV = 3       # weight of contextual novelty
P_TAU = 4        # rarity time constant of contextual novelty (points)
P_TAU_R = 5      # rarity time constant of range novelty (points)
P_WTOD = 6       # weight of time-of-day novelty
P_MINDAYS = 7    # days a half-hour bin must have been seen before its novelty counts
P_TAU_T = 8      # rarity time constant of time-of-day novelty (points)
P_K = 9          # context order
P_G1 = 10        # levels of grid 1
P_G2 = 11        # levels of grid 2 (0: off)
P_TODLEV = 12    # levels of the time-of-day grid
P_ALPHA = 13     # learning rate of the baseline level and scale
P_BANDK = 14     # band half-width in robust standard deviations
P_CAL = 15       # calibration: score = 1 - exp(-raw / cal)
P_GAP = 16       # a gap longer than this many typical steps resets the context
P_FIRE = 17      # raw score that starts a rest period
P_WRES = 18      # weight of the seasonal residual score
P_ZRES = 19      # residual z at which the residual score starts
P_COUNTER = 20   # 1: detect monotone counters and score their rate
P_NOVAGG = 21    # 0: mean of the grids' novelty, 1: min
P_JUMPW = 22     # share of the pattern score that depends on the jump size
P_JUMPS = 23     # jump (fraction of range) that counts fully
P_TODDIST = 24   # distance (levels) to the nearest level seen at that time that counts fully
P_RNOISE = 25    # range exceedance must also reach this many noise sigmas to saturate
P_ZSPAN = 26     # span (points) of the EW mean of the residual z (sustained deviation)
P_ESCALATE = 27  # 1: an event stronger than the one that started the rest breaks through
P_WDRIFT = 28    # weight of the drift onset score
P_ZDRIFT = 29    # drift (fast level - slow level, in noise sigmas) that is an onset
P_DRIFT_RATE = 30  # learning rate of the slow level
P_ESC_FACTOR = 31  # escalation needs a raw score this many times the resting one
P_SOFT_REST = 32   # after the rest, scores recover with this time constant (points)
P_AGREE = 33       # bonus share of the other components' noisy-or (agreement)
P_MATURE = 34      # scores of a young series are damped by 1 - exp(-n / mature)
P_SIZE_AT = 35     # band half-widths beyond the band that make a glaring point (0: off)
P_SIZE_ESC = 36    # a glaring point breaks through a rest at this many times the resting size
N_PARAMS = 37

# Float state indices.
F_LO = 0
F_HI = 1
F_LEVEL = 2
F_SFLAT = 3      # EW |residual| without season
F_SDAY = 4       # EW |residual| with the daily profile
F_SWEEK = 5      # EW |residual| with the weekly profile
F_LAST_TS = 6
F_EWDT = 7
F_FIRST_TS = 8
F_PREV_RAW = 9   # previous raw value (counter mode)
F_PREV_TS_RAW = 10
F_PREV_V = 11    # previous valid (transformed) value
F_ZEW = 12       # EW mean of the residual z
F_ZUP = 13       # 1 while the EW residual z is above its threshold
F_LFLAT = 14     # level of the flat (no season) model
F_EFLAT = 15     # slow EW |residual| of each model, used to choose the model
F_EDAY = 16
F_EWEEK = 17
F_FIRE_RAW = 18  # raw score of the alert that started the current rest period
F_LSLOW = 19     # slow level (days), the reference for drift
F_DUP = 20       # 1 while the drift is above its threshold
F_LWEEK = 21     # level of the weekly model (F_LEVEL is the daily model's)
F_LSLOWW = 22    # slow level of the weekly model (drift reference in weekly context)
F_FIRE_SIZE = 23  # size (band half-widths beyond the band) of the event that started the rest
F_SIZE_MAX = 24  # largest size seen so far (after warm-up)
N_FLOAT = 25  # state layout 2 (layout 1 had 23 floats; default.py migrates it)

# Int state indices.
I_N = 0          # valid points learned (since the last reset)
I_LAST_FIRE = 1
I_LAST_NOV = 2
I_LAST_RNG = 3
I_LAST_TOD = 4
I_HLEN = 5       # valid context length
I_COUNTER = 6    # -1 undecided, 0 plain, 1 counter
I_NDEC = 7
I_NINC = 8
I_NSEEN = 9      # points seen in total (valid)
N_INT = 10

TABLE_BITS = 16
TABLE_SIZE = 1 << TABLE_BITS
DAY_BINS = 48
WEEK_BINS = 336
TOD_BINS = 48
TOD_LEVELS_MAX = 24
MAX_K = 6
VMAX = 1e150
RESOLUTION = 1e-7  # relative: changes smaller than this are float noise
MIN_SCORE = 0.05
LN2 = math.log(2.0)
SIZE_FLOOR = 1e-4  # relative: the finest band half-width that sizes are measured in
SELECT_RATE = 0.002  # learning rate of the model-choice errors (about 500 points)
SEASONAL_LEVEL = 0.35  # seasonal levels move this much slower: the profile carries the shape
WEEK_AFTER_DAYS = 14.0  # the weekly model may be chosen once every half-hour was seen

# Seasonal contexts (kinds >> 4).
CTX_FLAT = 0
CTX_DAY = 1
CTX_WEEK = 2


def new_state(k: int) -> dict[str, Any]:
    """Fresh kernel state arrays for context order k."""
    fs = np.zeros(N_FLOAT)
    fs[F_LO] = np.inf
    fs[F_HI] = -np.inf
    fs[F_LAST_TS] = np.nan
    fs[F_FIRST_TS] = np.nan
    fs[F_PREV_RAW] = np.nan
    fs[F_PREV_V] = np.nan
    ist = np.zeros(N_INT, dtype=np.int64)
    ist[I_LAST_FIRE] = -(10 ** 12)
    ist[I_COUNTER] = -1
    return {
        "fs": fs,
        "ist": ist,
        "hist": np.zeros((2, max(k, 1) + 1), dtype=np.int64),
        "table": np.zeros(TABLE_SIZE, dtype=np.uint8),
        "ttab": np.zeros(TOD_BINS * (TOD_LEVELS_MAX + 2), dtype=np.uint8),
        "tdays": np.zeros(TOD_BINS, dtype=np.int64),
        "tlastday": np.full(TOD_BINS, -(10 ** 12), dtype=np.int64),
        "dprof": np.zeros(DAY_BINS),
        "dcnt": np.zeros(DAY_BINS),
        "wprof": np.zeros(WEEK_BINS),
        "wcnt": np.zeros(WEEK_BINS),
    }


@nb.njit(cache=True, nogil=True)
def _reset_learning(fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64],
                    table: npt.NDArray[np.uint8], ttab: npt.NDArray[np.uint8],
                    tdays: npt.NDArray[np.int64], tlastday: npt.NDArray[np.int64],
                    dprof: npt.NDArray[np.float64], dcnt: npt.NDArray[np.float64],
                    wprof: npt.NDArray[np.float64], wcnt: npt.NDArray[np.float64]) -> None:
    """Forget what was learned (used when a series turns out to be a counter)."""
    fs[F_LO] = np.inf
    fs[F_HI] = -np.inf
    fs[F_LEVEL] = 0.0
    fs[F_SFLAT] = 0.0
    fs[F_SDAY] = 0.0
    fs[F_SWEEK] = 0.0
    fs[F_FIRST_TS] = np.nan
    fs[F_FIRE_SIZE] = 0.0
    fs[F_SIZE_MAX] = 0.0
    ist[I_N] = 0
    ist[I_HLEN] = 0
    table[:] = 0
    ttab[:] = 0
    tdays[:] = 0
    tlastday[:] = -(10 ** 12)
    dprof[:] = 0.0
    dcnt[:] = 0.0
    wprof[:] = 0.0
    wcnt[:] = 0.0


@nb.njit(cache=True, nogil=True)
def _level_of(v: float, lo: float, rng: float, nlev: int) -> int:
    """Discretise v on an nlev grid over [lo, lo + rng]."""
    if rng <= 0.0:
        return 0
    q = (v - lo) / rng * (nlev - 1) + 0.5
    if q < 0.0:
        return 0
    if q > nlev:
        return nlev
    return int(q)


@nb.njit(cache=True, nogil=True)
def run(ts: npt.NDArray[np.float64], xs: npt.NDArray[np.float64],
        p: npt.NDArray[np.float64],
        fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64],
        hist: npt.NDArray[np.int64], table: npt.NDArray[np.uint8],
        ttab: npt.NDArray[np.uint8], tdays: npt.NDArray[np.int64],
        tlastday: npt.NDArray[np.int64],
        dprof: npt.NDArray[np.float64], dcnt: npt.NDArray[np.float64],
        wprof: npt.NDArray[np.float64], wcnt: npt.NDArray[np.float64],
        out_score: npt.NDArray[np.float64], out_exp: npt.NDArray[np.float64],
        out_lo: npt.NDArray[np.float64], out_hi: npt.NDArray[np.float64],
        out_warm: npt.NDArray[np.bool_], out_kind: npt.NDArray[np.int64],
        out_obs: npt.NDArray[np.float64]) -> None:
    """Score and learn every point of (ts, xs) in order, mutating the state arrays."""
    learn = int(p[P_LEARN])
    rest = int(p[P_REST])
    rexp = p[P_REXP]
    cnov = p[P_CNOV]
    tau = p[P_TAU]
    tau_r = p[P_TAU_R]
    wtod = p[P_WTOD]
    mindays = int(p[P_MINDAYS])
    tau_t = p[P_TAU_T]
    k_ord = min(int(p[P_K]), hist.shape[1] - 1)
    g1 = int(p[P_G1])
    g2 = int(p[P_G2])
    todlev = min(int(p[P_TODLEV]), TOD_LEVELS_MAX)
    alpha = p[P_ALPHA]
    bandk = p[P_BANDK]
    cal = p[P_CAL]
    gapf = p[P_GAP]
    fire = p[P_FIRE]
    wres = p[P_WRES]
    zres = p[P_ZRES]
    counter_on = p[P_COUNTER] > 0.0
    novagg = int(p[P_NOVAGG])
    jumpw = p[P_JUMPW]
    jumps = p[P_JUMPS]
    toddist = p[P_TODDIST]
    rnoise = p[P_RNOISE]
    zalpha = 1.0 / max(p[P_ZSPAN], 1.0)
    escalate = p[P_ESCALATE] > 0.0
    wdrift = p[P_WDRIFT]
    zdrift = p[P_ZDRIFT]
    drate = p[P_DRIFT_RATE]
    esc_factor = p[P_ESC_FACTOR]
    soft_rest = p[P_SOFT_REST]
    agree = p[P_AGREE]
    mature = p[P_MATURE]
    size_at = p[P_SIZE_AT]
    size_esc = p[P_SIZE_ESC]
    ngrid = 2 if g2 > 0 else 1
    mask = TABLE_SIZE - 1
    for j in range(len(xs)):
        t = ts[j]
        if not math.isfinite(t):
            t = fs[F_LAST_TS] if math.isfinite(fs[F_LAST_TS]) else 0.0
        raw_v = xs[j]
        # ---- counters: decide once, then score the rate -----------------
        if counter_on and math.isfinite(raw_v):
            prev = fs[F_PREV_RAW]
            prev_t = fs[F_PREV_TS_RAW]
            fs[F_PREV_RAW] = raw_v
            fs[F_PREV_TS_RAW] = t
            if ist[I_COUNTER] == -1 and math.isfinite(prev):
                if raw_v < prev:
                    ist[I_NDEC] += 1
                elif raw_v > prev:
                    ist[I_NINC] += 1
                seen = ist[I_NDEC] + ist[I_NINC]
                if ist[I_NDEC] > 0:
                    ist[I_COUNTER] = 0
                elif seen >= learn and ist[I_NINC] * 10 >= seen * 9:
                    ist[I_COUNTER] = 1
                    _reset_learning(fs, ist, table, ttab, tdays, tlastday,
                                    dprof, dcnt, wprof, wcnt)
            if ist[I_COUNTER] == 1:
                if not math.isfinite(prev):
                    raw_v = np.nan
                else:
                    dtc = t - prev_t
                    inc = raw_v - prev if raw_v >= prev else raw_v  # a drop is a reset
                    raw_v = inc / dtc if dtc > 0 else np.nan
        v = raw_v
        if math.isfinite(v):
            v = min(max(v, -VMAX), VMAX)
        lo = fs[F_LO]
        hi = fs[F_HI]
        level = fs[F_LEVEL]
        n = ist[I_N]
        # ---- seasonal context and expected value -------------------------
        day_b = int((t % 86400.0) // (86400.0 / DAY_BINS)) % DAY_BINS
        # half-hours of the week, Monday 00:00 = 0 (the epoch was a Thursday)
        week_b = int(((t + 3 * 86400.0) % (7 * 86400.0)) // 1800.0) % WEEK_BINS
        span_days = (t - fs[F_FIRST_TS]) / 86400.0 if math.isfinite(fs[F_FIRST_TS]) else 0.0
        sflat = fs[F_SFLAT]
        sday = fs[F_SDAY]
        sweek = fs[F_SWEEK]
        ctx = CTX_FLAT
        expected = fs[F_LFLAT]
        scale = sflat
        eflat = fs[F_EFLAT]
        eday = fs[F_EDAY]
        eweek = fs[F_EWEEK]
        if span_days >= 2.0 and dcnt[day_b] > 0 and eday < 0.8 * eflat:
            ctx = CTX_DAY
            expected = level + dprof[day_b]
            scale = sday
        if span_days >= WEEK_AFTER_DAYS and wcnt[week_b] > 0 and eweek < 0.8 * min(eflat, eday):
            ctx = CTX_WEEK
            expected = fs[F_LWEEK] + wprof[week_b]
            scale = sweek
        warm = n < learn
        width = bandk * 1.2533 * scale
        if warm:
            width = width * 2.0 + (hi - lo if hi > lo else 0.0) * 0.5
        if width <= 0.0:
            width = 1e-9 * max(abs(expected), 1.0)
        out_exp[j] = expected
        out_obs[j] = v
        out_lo[j] = expected - width
        out_hi[j] = expected + width
        out_warm[j] = warm
        if not math.isfinite(v):
            out_score[j] = 0.0
            out_kind[j] = K_MISSING + 16 * ctx
            continue
        # ---- gaps reset the context --------------------------------------
        last_t = fs[F_LAST_TS]
        if math.isfinite(last_t):
            dt = t - last_t
            if dt > 0.0:
                ew = fs[F_EWDT]
                if ew > 0.0 and dt > gapf * ew:
                    ist[I_HLEN] = 0
                fs[F_EWDT] = dt if ew <= 0.0 else 0.95 * ew + 0.05 * min(dt, 10.0 * ew)
        if not math.isfinite(fs[F_FIRST_TS]):
            fs[F_FIRST_TS] = t
        if not (math.isfinite(last_t) and t < last_t):
            fs[F_LAST_TS] = t
        # ---- range novelty ------------------------------------------------
        # a range below the float resolution of the values is no range at all
        res = RESOLUTION * max(abs(lo), abs(hi)) if hi >= lo else 0.0
        rng_old = hi - lo if hi - lo > res else 0.0
        if rng_old == 0.0 and abs(v - hi) <= res:
            v = hi if hi >= lo else v
        newrange = 0.0
        kind = K_NONE
        if n >= learn and rng_old > 0.0:
            unit = max(rng_old / rexp, rnoise * 1.2533 * scale)
            if v > hi:
                newrange = min(1.0, (v - hi) / unit)
                kind = K_NEW_HIGH
            elif v < lo:
                newrange = min(1.0, (lo - v) / unit)
                kind = K_NEW_LOW
        elif n >= learn and rng_old == 0.0 and v != hi:
            # a constant series that moves: relative change decides
            rel = abs(v - hi) / max(abs(hi), 1e-12)
            newrange = min(1.0, rel * rexp)
            kind = K_NEW_HIGH if v > hi else K_NEW_LOW
        if newrange > 0.0:
            gap = n - ist[I_LAST_RNG]
            newrange *= 1.0 - math.exp(-gap / tau_r)
            ist[I_LAST_RNG] = n
        lo = min(lo, v)
        hi = max(hi, v)
        fs[F_LO] = lo
        fs[F_HI] = hi
        rng = hi - lo
        if rng <= RESOLUTION * max(abs(lo), abs(hi)):
            rng = 0.0
        # ---- contextual novelty -------------------------------------------
        hlen = min(ist[I_HLEN] + 1, k_ord + 1)
        ist[I_HLEN] = hlen
        novelty = 0.0 if novagg == 0 else 1.0
        for g in range(ngrid):
            nlev = g1 if g == 0 else g2
            lev = _level_of(v, lo, rng, nlev)
            for kk in range(k_ord, 0, -1):
                hist[g, kk] = hist[g, kk - 1]
            hist[g, 0] = lev
            novel = 0.0
            tot = 0.0
            h = np.int64(1469598103 + 7919 * g)
            for kk in range(hlen):
                h = (h * np.int64(1000003)) ^ np.int64(hist[g, kk] + 7)
                idx = h & mask
                if kk >= 1:
                    tot += 1.0
                    if table[idx] == 0:
                        novel += 1.0
                if table[idx] < 255:
                    table[idx] += 1
            frac = novel / tot if tot > 0.0 else 0.0
            if novagg == 0:
                novelty += frac / ngrid
            else:
                novelty = min(novelty, frac)
        prev_v = fs[F_PREV_V]
        fs[F_PREV_V] = v
        if novelty > 0.0 and jumpw > 0.0:
            jump = abs(v - prev_v) / rng if (rng > 0.0 and math.isfinite(prev_v)) else 0.0
            novelty *= (1.0 - jumpw) + jumpw * min(1.0, jump / jumps)
        if novelty > 0.0:
            gap = n - ist[I_LAST_NOV]
            novelty *= 1.0 - math.exp(-gap / tau)
            ist[I_LAST_NOV] = n
        # ---- time-of-day novelty ------------------------------------------
        tscore = 0.0
        if wtod > 0.0:
            tb = int((t % 86400.0) // (86400.0 / TOD_BINS)) % TOD_BINS
            tl = min(_level_of(v, lo, rng, todlev), TOD_LEVELS_MAX + 1)
            key = tb * (TOD_LEVELS_MAX + 2) + tl
            if tdays[tb] >= mindays and ttab[key] == 0:
                gap = n - ist[I_LAST_TOD]
                tscore = wtod * (1.0 - math.exp(-gap / tau_t))
                if toddist > 0.0:
                    dmin = TOD_LEVELS_MAX + 2
                    base = tb * (TOD_LEVELS_MAX + 2)
                    for ll in range(TOD_LEVELS_MAX + 2):
                        if ttab[base + ll] > 0 and abs(ll - tl) < dmin:
                            dmin = abs(ll - tl)
                    tscore *= min(1.0, dmin / toddist)
                ist[I_LAST_TOD] = n
            if ttab[key] < 255:
                ttab[key] += 1
            day = np.int64(t // 86400.0)
            if tlastday[tb] != day:
                tlastday[tb] = day
                tdays[tb] += 1
        # ---- seasonal residual ---------------------------------------------
        resid = v - expected
        rscore = 0.0
        if scale > 0.0 and n >= learn:
            z = min(abs(resid) / (1.2533 * scale), 1e6)
            zew = fs[F_ZEW] + zalpha * (z - fs[F_ZEW])
            fs[F_ZEW] = zew
            if zew > zres:
                if not (fs[F_ZUP] == 0.0 and wres > 0.0 and ctx != CTX_FLAT):
                    fs[F_ZUP] = 1.0
                elif n - ist[I_LAST_FIRE] > rest:  # while resting, the onset waits
                    rscore = wres  # onset of a sustained deviation
                    fs[F_ZUP] = 1.0
            elif zew < 0.5 * zres:
                fs[F_ZUP] = 0.0
        # ---- drift of the level away from its slow reference -----------------
        dscore = 0.0
        # measured on a seasonal model's level, when that model is at least as
        # good as the flat one (the flat level follows the season itself)
        seasonal = ctx != CTX_FLAT or (span_days >= 2.0 and eday < eflat)
        # (in units of the model's slow error, which a drift inflates less)
        if ctx == CTX_WEEK:
            lvl, lslow, dscale = fs[F_LWEEK], fs[F_LSLOWW], min(sweek, eweek)
        else:
            lvl, lslow, dscale = level, fs[F_LSLOW], min(sday, eday)
        if dscale > 0.0 and n >= 2 * learn:
            dz = abs(lvl - lslow) / (1.2533 * dscale)
            if dz > zdrift:
                if not (fs[F_DUP] == 0.0 and wdrift > 0.0 and seasonal):
                    fs[F_DUP] = 1.0
                elif n - ist[I_LAST_FIRE] > rest:  # while resting, the onset waits
                    dscore = wdrift
                    fs[F_DUP] = 1.0
            elif dz < 0.5 * zdrift:
                fs[F_DUP] = 0.0
        # ---- combine ----------------------------------------------------------
        raw = newrange
        if cnov * novelty > raw:
            raw = cnov * novelty
            kind = K_PATTERN
        if tscore > raw:
            raw = tscore
            kind = K_TIME_OF_DAY
        if rscore > raw:
            raw = rscore
            kind = K_RESIDUAL
        if dscore > raw:
            raw = dscore
            kind = K_DRIFT
        if agree > 0.0 and raw > 0.0:
            # evidence from several components at once: noisy-or of all of them
            rest_or = 1.0 - ((1.0 - newrange) * (1.0 - cnov * novelty) * (1.0 - tscore)
                             * (1.0 - rscore) * (1.0 - dscore))
            raw = raw + agree * max(rest_or - raw, 0.0)
        if mature > 0.0:
            raw *= 1.0 - math.exp(-n / mature)
        score = 0.0
        resting = n - ist[I_LAST_FIRE] <= rest
        onset = kind in (K_RESIDUAL, K_DRIFT)
        if resting and escalate and raw > esc_factor * fs[F_FIRE_RAW] and not onset:
            resting = False
        fired = False
        if n >= learn and not resting:
            if soft_rest > 0.0 and not onset:
                raw *= 1.0 - math.exp(-(n - ist[I_LAST_FIRE]) / soft_rest)
            score = 1.0 - math.exp(-raw / cal)
            if score < MIN_SCORE:
                score = 0.0  # keep the output sparse
            if raw >= fire and not onset:
                fired = True
                ist[I_LAST_FIRE] = n
                fs[F_FIRE_RAW] = raw
        # ---- size: a glaring point is news whatever rest and rarity say ------
        # size = distance beyond the band in band half-widths (a half-width never
        # finer than SIZE_FLOOR of the expected value's magnitude nor than the
        # float resolution: a near-constant series' hairline band does not make
        # every 0.001 % wiggle glaring). A point at least `size_at` beyond
        # its band and further out than any point before it (a record: a series
        # that has done this before gets no free pass) is glaring. Outside a rest
        # it is reported in full when it is also a new high or low (whose range
        # score rarity may have damped); during a rest it breaks through when it
        # is `size_esc` times the size of the event that started the rest (an
        # event inside its band has size <= 0, so any glaring point does).
        if size_at > 0.0 and n >= learn:
            half = max(width, SIZE_FLOOR * abs(expected), RESOLUTION * abs(v))
            size = (abs(v - expected) - width) / half
            record = size > fs[F_SIZE_MAX]
            if record:
                fs[F_SIZE_MAX] = size
            if fired:
                fs[F_FIRE_SIZE] = size
            if size >= size_at and record:
                if fired or n - ist[I_LAST_FIRE] > rest:
                    glaring = newrange > 0.0
                else:
                    glaring = size > size_esc * fs[F_FIRE_SIZE]
                if glaring:
                    # 0.5 (warning) at size_at, 0.75 at twice, 0.9 (critical) at 3.3 times
                    sraw = cal * LN2 * min(size / size_at, 1e6)
                    sscore = max(1.0 - math.exp(-sraw / cal), 1.0 - math.exp(-raw / cal))
                    if sscore > score:
                        score = sscore
                        if sraw >= raw:
                            kind = K_SIZE
                    ist[I_LAST_FIRE] = n
                    fs[F_FIRE_RAW] = max(raw, sraw)
                    fs[F_FIRE_SIZE] = size
        if score <= 0.0:
            kind = K_NONE
        out_score[j] = score
        out_kind[j] = kind + 16 * ctx
        # ---- learn the baseline ------------------------------------------------
        if n == 0:
            fs[F_LEVEL] = v
            fs[F_LFLAT] = v
            fs[F_LWEEK] = v
            fs[F_LSLOW] = v
            fs[F_LSLOWW] = v
        else:
            a = alpha if n >= 20 else 1.0 / (n + 1.0)
            sa = 0.2 * alpha if n >= 100 else 1.0 / (n + 1.0)  # scales move slowly
            # flat model (Huber-like: big residuals move level and scale a little)
            lflat = fs[F_LFLAT]
            r_flat = v - lflat
            cf = 3.0 * sflat if sflat > 0.0 else math.inf
            fs[F_LFLAT] = lflat + a * min(max(r_flat, -cf), cf)
            fs[F_SFLAT] = (1.0 - sa) * sflat + sa * min(abs(r_flat), cf)
            # daily model: its own level plus a half-hourly profile around it
            dd = dprof[day_b] if dcnt[day_b] > 0 else 0.0
            rd = v - level - dd
            cd = 3.0 * sday if sday > 0.0 else math.inf
            fs[F_SDAY] = (1.0 - sa) * sday + sa * min(abs(rd), cd)
            fs[F_LEVEL] = level + a * SEASONAL_LEVEL * min(max(rd, -cd), cd)
            dev = v - level
            if sday > 0.0:
                dev = min(max(dev, dd - cd), dd + cd)
            ad = max(0.02, 1.0 / (dcnt[day_b] + 1.0))
            dprof[day_b] += ad * (dev - dprof[day_b])
            dcnt[day_b] += 1.0
            # weekly model: its own level plus an hourly profile over the week
            lweek = fs[F_LWEEK]
            ww = wprof[week_b] if wcnt[week_b] > 0 else 0.0
            rw = v - lweek - ww
            cw = 3.0 * sweek if sweek > 0.0 else math.inf
            fs[F_SWEEK] = (1.0 - sa) * sweek + sa * min(abs(rw), cw)
            fs[F_LWEEK] = lweek + a * SEASONAL_LEVEL * min(max(rw, -cw), cw)
            devw = v - lweek
            if sweek > 0.0:
                devw = min(max(devw, ww - cw), ww + cw)
            aw = max(0.05, 1.0 / (wcnt[week_b] + 1.0))
            wprof[week_b] += aw * (devw - wprof[week_b])
            wcnt[week_b] += 1.0
            # drift reference and the (slow) errors that choose the model
            dr = max(drate, 1.0 / (n + 1.0))
            fs[F_LSLOW] += dr * (fs[F_LEVEL] - fs[F_LSLOW])
            fs[F_LSLOWW] += dr * (fs[F_LWEEK] - fs[F_LSLOWW])
            asel = max(SELECT_RATE, 1.0 / (n + 1.0))
            fs[F_EFLAT] += asel * (min(abs(r_flat), cf) - eflat)
            fs[F_EDAY] += asel * (min(abs(rd), cd) - eday)
            fs[F_EWEEK] += asel * (min(abs(rw), cw) - eweek)
        ist[I_N] = n + 1
        ist[I_NSEEN] += 1
