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
  that gives the expected value and band, plus onset events: in seasonal
  series a sustained deviation from it and a drift of its level, in every
  series a level shift (the EW mean of the signed residual far beyond its own
  usual size on this series).

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
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba as nb
import numpy as np
import numpy.typing as npt

# How it is compiled: `run` is the only entry point; every helper below is one job
# of its loop, inlined into it by numba (`inline="always"`: calls between jitted
# functions are not inlined otherwise and cost two thirds of the speed). Nothing
# here allocates, so the functions run without numba's reference counting
# (`_nrt=False`): with it, every array handed to an inlined helper is counted up
# and down per point, which cost 40 % of the speed (benchmarks/kernel_ab.py).
#
# Everything the compiled functions read lives in this file: numba's on-disk
# cache (`cache=True`) is keyed on this file's contents (sha256) plus the
# function's bytecode, not on other modules, so a constant imported from another
# module could be frozen stale into cached machine code. `vigil.detection.base`
# re-exports the kinds below; tests/unit/detection/test_detection_kernel_cache.py
# keeps this file free of such imports.

_F = TypeVar("_F", bound=Callable[..., Any])


def _helper(fn: _F) -> _F:
    """Compile one job of the loop: inlined into `run`, no reference counting."""
    return cast(_F, nb.njit(cache=True, nogil=True, inline="always",  # type: ignore[call-overload]
                            _nrt=False)(fn))


def _entry(fn: _F) -> _F:
    """Compile the loop itself (called from Python), no reference counting."""
    return cast(_F, nb.njit(cache=True, nogil=True, _nrt=False)(fn))  # type: ignore[call-overload]


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
K_OUTAGE = 9  # far below the usual level for this time of day for a while (repeats hourly)
K_SHIFT = 10  # the recent mean strays from the expectation far more than it usually does
K_SILENCE = 11  # a count series silent (all zeros) for longer than it ever was, p < 1e-6
K_STUCK = 12  # the same non-zero value repeated for longer than ever before, p < 1e-6

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
P_OUTAGE = 37     # a time-of-day reference this many times the recent mean is an outage (0: off)
P_COUNTS = 38     # count model: 0 off, 1 square root (Anscombe), 2 log(1 + x) of count series
P_WSHIFT = 39     # weight of the level-shift onset (0: off)
P_ZSHIFT = 40     # shift onset: EW mean residual beyond this many times its own usual size
P_SILENCE = 41    # 1: report silences of count series (runs of zeros deeper than ever)
P_OUT_FREEZE = 42  # 1: the seasonal baseline does not learn during an outage
P_STUCK = 43     # 1: report stuck values (a value repeated improbably long)
N_PARAMS = 44

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
F_MEW = 25       # EW mean of the signed residual (span P_ZSPAN)
F_MABS = 26      # slow EW mean of |F_MEW|: how far it usually strays on this series
F_MUP = 27       # 1 while the shift statistic is above its threshold
F_RUN_V = 28    # the value of the current run of equal values (NaN: none yet)
N_FLOAT = 29  # state layout 5 (layout 1 had 23 floats, 2-3 had 25, 4 had 28; default.py migrates)

# Outage state ("out" array, floats) and the time-of-day reference ("tref", rows x bins).
O_BIN = 0        # half-hour bin of the current visit (-1: none yet)
O_SUM = 1        # sum of the values of the current visit
O_CNT = 2        # points of the current visit
O_MEAN = 3       # EW mean of recent values (time constant OUTAGE_SPAN_S)
O_LAST_T = 4     # time of the last outage report
O_ALARM = 5      # 1 while the series is far below its reference (the reference is frozen)
O_LAST_SEEN = 6  # time of the previous point (for the EW mean's time step)
O_SIL = 7        # log-probability of the current run of zeros (count series; 0: none)
O_SIL_MIN = 8    # the lowest such log-probability of any run before (the record)
O_SIL_UP = 9     # 1 once the current run of zeros was reported
O_SIL_MASS = 10  # events the time-of-day reference expected during the current run of zeros
N_OUT = 11  # state layout 5 (layouts 1-3 had 7, 4 had 10; default.py migrates)
R_MEAN = 0       # per half-hour of day: EW mean of the visits' means
R_DEV = 1        # ... EW mean absolute deviation of the visits' means from it
R_DAYS = 2       # ... visits learned
R_ZEROS = 3      # ... points that were 0 (count series)
R_POINTS = 4     # ... points seen
N_REF = 5  # state layout 4 (layouts 1-3 had 3 rows; default.py migrates)

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
I_COUNTS = 10    # -1 counts so far (undecided, transformed), 0 plain, 1 a count series
I_RUN = 11       # length of the current run of one non-zero value
I_RUN_MAX = 12   # the longest such run before it
I_REPS = 13      # steps to a non-zero value that repeated the previous one (learned)
I_STEPS = 14     # steps to a non-zero value (learned)
I_RUN_UP = 15    # 1 once the current run was reported
N_INT = 16  # state layout 5 (layouts 1-3 had 10 ints, 4 had 11; default.py migrates)

# ---- sizes of the state tables -------------------------------------------------
TABLE_BITS = 16
TABLE_SIZE = 1 << TABLE_BITS  # hashed transition contexts (counts, saturating)
DAY_BINS = 48                 # half-hours of the daily profile
WEEK_BINS = 336               # half-hours of the weekly profile
TOD_BINS = 48                 # half-hours of the time-of-day table
TOD_LEVELS_MAX = 24           # finest time-of-day grid (+2 cells: below and above)
MAX_K = 6                     # highest context order the history arrays hold
COUNT_MAX = 255               # counts saturate here (uint8 tables)
NEVER = -(10 ** 12)           # "point index of an event that never happened"

# ---- time ------------------------------------------------------------------------
DAY_S = 86400.0
WEEK_S = 7 * 86400.0
MONDAY_OFFSET_S = 3 * 86400.0  # the epoch was a Thursday: + 3 days puts Monday 00:00 at 0

# ---- input clean-up ----------------------------------------------------------------
VMAX = 1e150           # values are clipped to +-VMAX so that 1e308 cannot overflow
RESOLUTION = 1e-7      # relative: changes smaller than this are float noise
REL_FLOOR = 1e-12      # magnitude floor of a relative change of a constant series
STEP_RATE = 0.05       # learning rate of the typical time step (gap detection)
STEP_CLIP = 10.0       # a step enters the typical step clipped to this many typical steps
COUNTER_SHARE_NUM = 9  # a counter rises on at least 9 in 10 steps of its first `learn`
COUNTER_SHARE_DEN = 10
COUNTER_UNDECIDED = -1
COUNTER_NO = 0
COUNTER_YES = 1
COUNTS_MAYBE = -1      # every value so far a non-negative integer (still warming up)
COUNTS_NO = 0
COUNTS_YES = 1
COUNT_INTEGER = 1e15   # integers beyond this are not told apart from reals in float64
ANSCOMBE = 0.375       # 2 sqrt(x + 3/8): unit variance for Poisson counts at any level

# ---- contextual novelty: hashing a context of levels into the table -----------------
HASH_SEED = 1469598103   # start value of a context's hash (per grid: + HASH_GRID_STEP * grid)
HASH_GRID_STEP = 7919
HASH_MULT = 1000003      # multiplier of the rolling hash
HASH_LEVEL_OFFSET = 7    # added to a level before it is mixed in (level 0 still changes h)

# ---- seasonal baseline ----------------------------------------------------------------
# σ of a Gaussian per mean absolute deviation, √(π/2) (rounded: the scales are EW
# mean absolute residuals, the band and z-scores want standard deviations)
SIGMA_PER_MEAN_ABS = 1.2533
HUBER_CLIP = 3.0          # residuals enter levels and scales clipped to 3 scales (Huber-like)
LEVEL_BURN_IN = 20        # points before the level learns at the configured rate (1/(n+1) until)
SCALE_BURN_IN = 100       # points before the scales learn at their slower rate
SCALE_RATE_SHARE = 0.2    # scales learn at this share of the level's rate
SEASONAL_LEVEL = 0.35     # seasonal levels move this much slower: the profile carries the shape
DAY_PROFILE_RATE = 0.02   # floor of the learning rate of a daily half-hour (about 50 days)
WEEK_PROFILE_RATE = 0.05  # floor of the learning rate of a weekly half-hour (about 20 weeks)
SELECT_RATE = 0.002       # learning rate of the model-choice errors (about 500 points)
MODEL_MARGIN = 0.8        # a seasonal model is chosen when its error is below 80 % of the other's
DAY_AFTER_DAYS = 2.0      # the daily model may be chosen once the series spans two days
WEEK_AFTER_DAYS = 14.0    # the weekly model may be chosen once every half-hour was seen
WARM_BAND_FACTOR = 2.0    # while warming up the band is twice as wide ...
WARM_RANGE_SHARE = 0.5    # ... plus half the range seen so far
MIN_WIDTH_REL = 1e-9      # band half-width floor, relative to the expected value's magnitude

# ---- onsets, combination, rest ----------------------------------------------------------
Z_MAX = 1e6               # residual z is capped (a zero-scale outlier must not reach inf)
SIZE_RATIO_MAX = 1e6      # so is a glaring point's size in units of `size_at`
HYSTERESIS = 0.5          # an onset re-arms once its statistic falls below half its threshold
DRIFT_AFTER_LEARNS = 2    # drift is judged after twice the warm-up (the slow level settles)
MIN_SCORE = 0.05          # scores below this are reported as 0 (sparse output)
LN2 = math.log(2.0)       # a glaring point at `size_at` scores 1 - 2^-1 = 0.5 (warning)
SIZE_FLOOR = 1e-4         # relative: the finest band half-width that sizes are measured in

# ---- outages: far below the time-of-day reference for a while ----------------------
OUTAGE_SPAN_S = 1800.0     # time constant of the recent mean (half an hour)
OUTAGE_REPEAT_S = 3600.0   # an outage still going on is reported again at most once an hour
OUTAGE_REF_RATE = 0.2      # floor of the reference's learning rate per visit of a half-hour
OUTAGE_MIN_DAYS = 3        # visits of a half-hour before its reference counts
OUTAGE_DEV_SIGMAS = 2.0    # the drop must also exceed this many day-to-day deviations
OUTAGE_MIN_MASS = 20.0     # reference x points per span: a drop from less is not significant
OUTAGE_LEVEL = 2.0         # the first report of an outage scores 1 - 2^-2 = 0.75 (warning)
OUTAGE_REPEAT_LEVEL = 1.0  # hourly reminders while it lasts score 1 - 2^-1 = 0.5 (warning)

# ---- silences: a count series at 0 for longer than its own zero rates make likely ------
SILENCE_LOG_P = math.log(1e-6)  # a run of zeros this unlikely (one in a million) ...
SILENCE_LEVEL = 2.0            # ... and deeper than any before scores 1 - 2^-2 = 0.75, like an
                               # outage's first report (at 0.5 it sat on the threshold's cliff)

# ---- stuck values: one non-zero value repeated for longer than its own repeats make likely
STUCK_LOG_P = math.log(1e-6)   # a run this unlikely (one in a million) ...
STUCK_LEVEL = 2.0              # ... and longer than any before scores 1 - 2^-2 = 0.75, like
                               # an outage's first report: both say the data stopped moving

# Seasonal contexts (kinds >> CTX_SHIFT).
CTX_FLAT = 0
CTX_DAY = 1
CTX_WEEK = 2
CTX_SHIFT = 4  # kinds = finding | context << CTX_SHIFT | quiet reason << QUIET_SHIFT
CTX_MUL = 16   # 1 << CTX_SHIFT

# Why a point scored below an alert although something was unusual (kinds >> QUIET_SHIFT).
QUIET_NONE = 0
QUIET_RESTING = 1  # resting after an alert: one alert per event
QUIET_RARITY = 2   # a novelty that would have alerted was damped: the series had one recently
QUIET_OUTAGE = 3   # held: the outage reported hourly goes on
QUIET_SEEN = 4     # outside its band, but values like it were seen before (no novelty)
QUIET_SHIFT = 8
QUIET_BELOW = 0.3  # a reason is given for points outside their band scoring below this (info)
QUIET_MUL = 256    # 1 << QUIET_SHIFT


def new_state(k: int) -> dict[str, Any]:
    """Fresh kernel state arrays for context order k."""
    fs = np.zeros(N_FLOAT)
    fs[F_LO] = np.inf
    fs[F_HI] = -np.inf
    fs[F_LAST_TS] = np.nan
    fs[F_FIRST_TS] = np.nan
    fs[F_PREV_RAW] = np.nan
    fs[F_PREV_V] = np.nan
    fs[F_RUN_V] = np.nan
    ist = np.zeros(N_INT, dtype=np.int64)
    ist[I_LAST_FIRE] = NEVER
    ist[I_COUNTER] = COUNTER_UNDECIDED
    ist[I_COUNTS] = COUNTS_MAYBE
    return {
        "fs": fs,
        "ist": ist,
        "hist": np.zeros((2, max(k, 1) + 1), dtype=np.int64),
        "table": np.zeros(TABLE_SIZE, dtype=np.uint8),
        "ttab": np.zeros(TOD_BINS * (TOD_LEVELS_MAX + 2), dtype=np.uint8),
        "tdays": np.zeros(TOD_BINS, dtype=np.int64),
        "tlastday": np.full(TOD_BINS, NEVER, dtype=np.int64),
        "dprof": np.zeros(DAY_BINS),
        "dcnt": np.zeros(DAY_BINS),
        "wprof": np.zeros(WEEK_BINS),
        "wcnt": np.zeros(WEEK_BINS),
        "out": new_outage_state(),
        "tref": np.zeros((N_REF, DAY_BINS)),
    }


def new_outage_state() -> npt.NDArray[np.float64]:
    """Fresh outage state (no visit yet, never reported)."""
    out = np.zeros(N_OUT)
    out[O_BIN] = -1.0
    out[O_LAST_T] = -np.inf
    out[O_LAST_SEEN] = np.nan
    return out


@_helper
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
    tlastday[:] = NEVER
    dprof[:] = 0.0
    dcnt[:] = 0.0
    wprof[:] = 0.0
    wcnt[:] = 0.0


@_helper
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


@_helper
def _rarity(gap: int, tau: float) -> float:
    """Damping of a novelty `gap` points after the previous one of its kind."""
    return 1.0 - math.exp(-gap / tau)


@_helper
def _half_hour_of_day(t: float, bins: int) -> int:
    """Bin of the time of day (UTC) of t, with `bins` bins a day."""
    return int((t % DAY_S) // (DAY_S / bins)) % bins


@_helper
def _half_hour_of_week(t: float) -> int:
    """Half-hour of the week (UTC) of t, Monday 00:00 = 0."""
    return int(((t + MONDAY_OFFSET_S) % WEEK_S) // (WEEK_S / WEEK_BINS)) % WEEK_BINS


@_helper
def _counter_value(t: float, raw_v: float, learn: int,
                   fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64],
                   table: npt.NDArray[np.uint8], ttab: npt.NDArray[np.uint8],
                   tdays: npt.NDArray[np.int64], tlastday: npt.NDArray[np.int64],
                   dprof: npt.NDArray[np.float64], dcnt: npt.NDArray[np.float64],
                   wprof: npt.NDArray[np.float64], wcnt: npt.NDArray[np.float64]) -> float:
    """Decide once whether the series is a monotone counter; then return its rate.

    A counter forgets what it learned on the raw values when it is recognised. A
    drop of a counter is a reset: the new value is the increase.
    """
    prev = fs[F_PREV_RAW]
    prev_t = fs[F_PREV_TS_RAW]
    fs[F_PREV_RAW] = raw_v
    fs[F_PREV_TS_RAW] = t
    if ist[I_COUNTER] == COUNTER_UNDECIDED and math.isfinite(prev):
        if raw_v < prev:
            ist[I_NDEC] += 1
        elif raw_v > prev:
            ist[I_NINC] += 1
        seen = ist[I_NDEC] + ist[I_NINC]
        if ist[I_NDEC] > 0:
            ist[I_COUNTER] = COUNTER_NO
        elif seen >= learn and ist[I_NINC] * COUNTER_SHARE_DEN >= seen * COUNTER_SHARE_NUM:
            ist[I_COUNTER] = COUNTER_YES
            ist[I_COUNTS] = COUNTS_MAYBE  # its rates are judged afresh
            _reset_learning(fs, ist, table, ttab, tdays, tlastday, dprof, dcnt, wprof, wcnt)
    if ist[I_COUNTER] != COUNTER_YES:
        return raw_v
    if not math.isfinite(prev):
        return np.nan
    dtc = t - prev_t
    inc = raw_v - prev if raw_v >= prev else raw_v  # a drop is a reset
    return inc / dtc if dtc > 0 else np.nan


@_helper
def _is_count(v: float) -> bool:
    """A non-negative integer (a count), representable exactly."""
    return 0.0 <= v <= COUNT_INTEGER and v == math.floor(v)


@_helper
def _count_space(v: float, mode: int) -> float:
    """A count in the model's space: 2 sqrt(v + 3/8) (mode 1) or log(1 + v) (mode 2).

    Both make the noise of a count roughly as wide at level 1 as at level 1000
    (variance grows with the level in counts), and 0 stays a value like any
    other. Below 0 (not a count, but possible once a series was judged one)
    the map continues as a straight line, so it stays monotone and invertible.
    """
    if mode == 2:
        return math.log1p(v) if v >= 0.0 else v
    if v >= 0.0:
        return 2.0 * math.sqrt(v + ANSCOMBE)
    return 2.0 * math.sqrt(ANSCOMBE) + v / math.sqrt(ANSCOMBE)


@_helper
def _count_value(y: float, mode: int) -> float:
    """Inverse of `_count_space`: bands are reported in counts."""
    if mode == 2:
        return math.expm1(min(y, 700.0)) if y >= 0.0 else y
    y0 = 2.0 * math.sqrt(ANSCOMBE)
    if y >= y0:
        h = y * 0.5
        return h * h - ANSCOMBE
    return (y - y0) * math.sqrt(ANSCOMBE)


@_helper
def _count_check(v: float, learn: int, relearn: bool, fs: npt.NDArray[np.float64],
                 ist: npt.NDArray[np.int64], table: npt.NDArray[np.uint8],
                 ttab: npt.NDArray[np.uint8], tdays: npt.NDArray[np.int64],
                 tlastday: npt.NDArray[np.int64], dprof: npt.NDArray[np.float64],
                 dcnt: npt.NDArray[np.float64], wprof: npt.NDArray[np.float64],
                 wcnt: npt.NDArray[np.float64]) -> bool:
    """Whether v is modelled as a count (decided once, at the end of the warm-up).

    A series is a count series while every value is a non-negative integer; a
    value that is not during the warm-up makes it plain (with `relearn`, what
    was learned in count space is forgotten and the warm-up starts again);
    after the warm-up the decision stands.
    """
    state = ist[I_COUNTS]
    if state == COUNTS_MAYBE:
        if not _is_count(v):
            ist[I_COUNTS] = COUNTS_NO
            if relearn:
                _reset_learning(fs, ist, table, ttab, tdays, tlastday, dprof, dcnt,
                                wprof, wcnt)
                fs[F_PREV_V] = np.nan
            return False
        if ist[I_N] >= learn:
            ist[I_COUNTS] = COUNTS_YES
        return True
    return bool(state == COUNTS_YES)


@_helper
def _seasonal_context(span_days: float, day_b: int, week_b: int,
                      fs: npt.NDArray[np.float64],
                      dprof: npt.NDArray[np.float64], dcnt: npt.NDArray[np.float64],
                      wprof: npt.NDArray[np.float64],
                      wcnt: npt.NDArray[np.float64]) -> tuple[int, float, float]:
    """(context, expected value, scale) of the model that has predicted best lately.

    Flat unless the daily model's slow error is below MODEL_MARGIN of the flat
    one's; weekly when its error is below that margin of both others'.
    """
    eflat = fs[F_EFLAT]
    eday = fs[F_EDAY]
    eweek = fs[F_EWEEK]
    ctx = CTX_FLAT
    expected = fs[F_LFLAT]
    scale = fs[F_SFLAT]
    if span_days >= DAY_AFTER_DAYS and dcnt[day_b] > 0 and eday < MODEL_MARGIN * eflat:
        ctx = CTX_DAY
        expected = fs[F_LEVEL] + dprof[day_b]
        scale = fs[F_SDAY]
    if (span_days >= WEEK_AFTER_DAYS and wcnt[week_b] > 0
            and eweek < MODEL_MARGIN * min(eflat, eday)):
        ctx = CTX_WEEK
        expected = fs[F_LWEEK] + wprof[week_b]
        scale = fs[F_SWEEK]
    return ctx, expected, scale


@_helper
def _band_half_width(expected: float, scale: float, bandk: float, warm: bool,
                     lo: float, hi: float) -> float:
    """Half-width of the expected band: `bandk` robust sigmas (wider while warming up)."""
    width = bandk * SIGMA_PER_MEAN_ABS * scale
    if warm:
        width = width * WARM_BAND_FACTOR + (hi - lo if hi > lo else 0.0) * WARM_RANGE_SHARE
    if width <= 0.0:
        width = MIN_WIDTH_REL * max(abs(expected), 1.0)
    return width


@_helper
def _track_time(t: float, gapf: float, fs: npt.NDArray[np.float64],
                ist: npt.NDArray[np.int64]) -> None:
    """Learn the typical time step; a gap longer than `gapf` of them resets the context."""
    last_t = fs[F_LAST_TS]
    if math.isfinite(last_t):
        dt = t - last_t
        if dt > 0.0:
            ew = fs[F_EWDT]
            if ew > 0.0 and dt > gapf * ew:
                ist[I_HLEN] = 0
            if ew <= 0.0:
                fs[F_EWDT] = dt
            else:
                fs[F_EWDT] = (1.0 - STEP_RATE) * ew + STEP_RATE * min(dt, STEP_CLIP * ew)
    if not math.isfinite(fs[F_FIRST_TS]):
        fs[F_FIRST_TS] = t
    if not (math.isfinite(last_t) and t < last_t):
        fs[F_LAST_TS] = t


@_helper
def _range_novelty(v: float, n: int, learn: int, rexp: float, rnoise: float, scale: float,
                   tau_r: float, fs: npt.NDArray[np.float64],
                   ist: npt.NDArray[np.int64]) -> tuple[float, float, int, float, float, float]:
    """Score how far v lies beyond every value seen, then widen the range to include it.

    Returns (score, score before rarity, kind, v, lo, range): v snapped to the range when it differs
    from a constant series by float noise only; range 0 when narrower than that.
    """
    lo = fs[F_LO]
    hi = fs[F_HI]
    # a range below the float resolution of the values is no range at all
    res = RESOLUTION * max(abs(lo), abs(hi)) if hi >= lo else 0.0
    rng_old = hi - lo if hi - lo > res else 0.0
    if rng_old == 0.0 and abs(v - hi) <= res:
        v = hi if hi >= lo else v
    score = 0.0
    kind = K_NONE
    if n >= learn and rng_old > 0.0:
        unit = max(rng_old / rexp, rnoise * SIGMA_PER_MEAN_ABS * scale)
        if v > hi:
            score = min(1.0, (v - hi) / unit)
            kind = K_NEW_HIGH
        elif v < lo:
            score = min(1.0, (lo - v) / unit)
            kind = K_NEW_LOW
    elif n >= learn and rng_old == 0.0 and v != hi:
        # a constant series that moves: relative change decides
        rel = abs(v - hi) / max(abs(hi), REL_FLOOR)
        score = min(1.0, rel * rexp)
        kind = K_NEW_HIGH if v > hi else K_NEW_LOW
    undamped = score
    if score > 0.0:
        score *= _rarity(n - ist[I_LAST_RNG], tau_r)
        ist[I_LAST_RNG] = n
    lo = min(lo, v)
    hi = max(hi, v)
    fs[F_LO] = lo
    fs[F_HI] = hi
    rng = hi - lo
    if rng <= RESOLUTION * max(abs(lo), abs(hi)):
        rng = 0.0
    return score, undamped, kind, v, lo, rng


@_helper
def _context_novelty(v: float, lo: float, rng: float, k_ord: int, g1: int, g2: int,
                     novagg: int, hist: npt.NDArray[np.int64],
                     table: npt.NDArray[np.uint8], ist: npt.NDArray[np.int64]) -> float:
    """Share of v's transition contexts (last 2..k+1 levels, per grid) never seen before.

    Every context is counted in the hashed table as it is seen. The grids'
    shares are averaged (`novagg` 0) or their minimum is taken (1).
    """
    ngrid = 2 if g2 > 0 else 1
    mask = TABLE_SIZE - 1
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
        h = np.int64(HASH_SEED + HASH_GRID_STEP * g)
        for kk in range(hlen):
            h = (h * np.int64(HASH_MULT)) ^ np.int64(hist[g, kk] + HASH_LEVEL_OFFSET)
            idx = h & mask
            if kk >= 1:
                tot += 1.0
                if table[idx] == 0:
                    novel += 1.0
            if table[idx] < COUNT_MAX:
                table[idx] += 1
        frac = novel / tot if tot > 0.0 else 0.0
        if novagg == 0:
            novelty += frac / ngrid
        else:
            novelty = min(novelty, frac)
    return novelty


@_helper
def _pattern_novelty(novelty: float, v: float, rng: float, n: int, jumpw: float, jumps: float,
                     tau: float, fs: npt.NDArray[np.float64],
                     ist: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Contextual novelty weighted by the jump from the previous value, damped by rarity;
    (damped, undamped)."""
    prev_v = fs[F_PREV_V]
    fs[F_PREV_V] = v
    if novelty > 0.0 and jumpw > 0.0:
        jump = abs(v - prev_v) / rng if (rng > 0.0 and math.isfinite(prev_v)) else 0.0
        novelty *= (1.0 - jumpw) + jumpw * min(1.0, jump / jumps)
    undamped = novelty
    if novelty > 0.0:
        novelty *= _rarity(n - ist[I_LAST_NOV], tau)
        ist[I_LAST_NOV] = n
    return novelty, undamped


@_helper
def _time_of_day_novelty(t: float, v: float, lo: float, rng: float, n: int, wtod: float,
                         todlev: int, mindays: int, tau_t: float, toddist: float,
                         ttab: npt.NDArray[np.uint8], tdays: npt.NDArray[np.int64],
                         tlastday: npt.NDArray[np.int64],
                         ist: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Score a (half-hour, level) pair never seen although the half-hour was seen on
    `mindays` days or more; then count the pair and the day. (damped, undamped)"""
    if wtod <= 0.0:
        return 0.0, 0.0
    cells = TOD_LEVELS_MAX + 2
    tb = _half_hour_of_day(t, TOD_BINS)
    tl = min(_level_of(v, lo, rng, todlev), TOD_LEVELS_MAX + 1)
    key = tb * cells + tl
    tscore = 0.0
    undamped = 0.0
    if tdays[tb] >= mindays and ttab[key] == 0:
        undamped = wtod
        tscore = wtod * _rarity(n - ist[I_LAST_TOD], tau_t)
        if toddist > 0.0:
            dmin = cells
            base = tb * cells
            for ll in range(cells):
                if ttab[base + ll] > 0 and abs(ll - tl) < dmin:
                    dmin = abs(ll - tl)
            tscore *= min(1.0, dmin / toddist)
        ist[I_LAST_TOD] = n
    if ttab[key] < COUNT_MAX:
        ttab[key] += 1
    day = np.int64(t // DAY_S)
    if tlastday[tb] != day:
        tlastday[tb] = day
        tdays[tb] += 1
    return tscore, undamped


@_helper
def _count_repeat(v: float) -> float:
    """P(X = v) for X ~ Poisson(v): the chance that a count at level v repeats.

    No count model gives a value at its own mean much more weight than the
    Poisson does (over-dispersion spreads it), so this is the most repeats a
    count series at that level can be expected to show: 0.37 at 1, 0.18 at 5,
    0.04 at 100.
    """
    if v <= 0.0:
        return 1.0
    if v > 1e6:  # Stirling: the exact terms below would cancel to noise in float64
        return math.exp(-0.5 * math.log(2.0 * math.pi * v))
    return math.exp(v * math.log(v) - v - math.lgamma(v + 1.0))


@_helper
def _stuck(v: float, n: int, learn: int, rest: int, count: bool,
           fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64]) -> float:
    """Level (0: none) of a stuck value: one non-zero value repeated so long that, at
    this series' own rate of repeats, the run has a chance below one in a million,
    and longer than any run before it. Reported once per run; like an onset, a
    run that becomes unlikely during a rest waits for its end (one alert per
    event: a spike that stays at one value was reported already).

    The rate is learned from every step to a non-zero value, (repeats + 1) /
    (steps + 2), except those of a run already reported. On a count series it
    is never taken below the chance that a Poisson count at that very level
    draws it again (`_count_repeat`): 1, 1, 1 … at night is what small counts
    do, 37, 37, 37 … is not. A zero is not a value that sticks: a run of zeros
    is a silence or an outage (their own rules).
    """
    prev = fs[F_RUN_V]
    same = v == prev and v != 0.0
    if same:
        ist[I_RUN] += 1
    else:
        if ist[I_RUN] > ist[I_RUN_MAX]:
            ist[I_RUN_MAX] = ist[I_RUN]
        ist[I_RUN] = 0 if v == 0.0 else 1
        ist[I_RUN_UP] = 0
        fs[F_RUN_V] = v
    level = 0.0
    if (same and ist[I_RUN_UP] == 0 and n >= learn and ist[I_RUN] > ist[I_RUN_MAX]
            and n - ist[I_LAST_FIRE] > rest):
        rate = (ist[I_REPS] + 1.0) / (ist[I_STEPS] + 2.0)
        if count and _is_count(v):
            rate = max(rate, _count_repeat(v))
        if (ist[I_RUN] - 1) * math.log(rate) < STUCK_LOG_P:
            ist[I_RUN_UP] = 1
            level = STUCK_LEVEL
    if v != 0.0 and math.isfinite(prev) and ist[I_RUN_UP] == 0:
        ist[I_STEPS] += 1
        if same:
            ist[I_REPS] += 1
    return level


@_helper
def _onset(stat: float, threshold: float, weight: float, eligible: bool, flag: int, n: int,
           rest: int, fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64]) -> float:
    """`weight` when `stat` first crosses `threshold` (an onset), else 0.

    The flag fs[flag] is up while the statistic stays above the threshold and
    re-arms below HYSTERESIS of it. Only an `eligible` crossing outside a rest
    scores; while resting, the onset waits (the flag stays down).
    """
    if stat > threshold:
        if not (fs[flag] == 0.0 and weight > 0.0 and eligible):
            fs[flag] = 1.0
        elif n - ist[I_LAST_FIRE] > rest:
            fs[flag] = 1.0
            return weight
    elif stat < HYSTERESIS * threshold:
        fs[flag] = 0.0
    return 0.0


@_helper
def _residual_onset(resid: float, scale: float, ctx: int, n: int, learn: int, rest: int,
                    zalpha: float, zres: float, wres: float,
                    fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64]) -> float:
    """Onset of a sustained deviation from the seasonal expectation (EW mean of |z|)."""
    if not (scale > 0.0 and n >= learn):
        return 0.0
    z = min(abs(resid) / (SIGMA_PER_MEAN_ABS * scale), Z_MAX)
    zew = fs[F_ZEW] + zalpha * (z - fs[F_ZEW])
    fs[F_ZEW] = zew
    return _onset(zew, zres, wres, ctx != CTX_FLAT, F_ZUP, n, rest, fs, ist)


@_helper
def _shift_onset(resid: float, scale: float, n: int, learn: int, rest: int, zalpha: float,
                 zshift: float, wshift: float, fs: npt.NDArray[np.float64],
                 ist: npt.NDArray[np.int64]) -> float:
    """Onset of a level shift: the EW mean of the signed residual strays `zshift`
    times further than it usually does on this series.

    Calibrated per series against its own history: the usual size is the mean
    of |EW mean| over the second warm-up (points learn..2 learn, once the EW mean
    has settled), then a slow EW mean learned from values clipped to HUBER_CLIP
    times it, so a noisy or autocorrelated series needs a larger shift than a
    clean one, and a shift does not become the usual size within hours.
    """
    if not scale > 0.0:
        return 0.0
    r = max(min(resid, HUBER_CLIP * SIGMA_PER_MEAN_ABS * scale),
            -HUBER_CLIP * SIGMA_PER_MEAN_ABS * scale)
    m = fs[F_MEW] + zalpha * (r - fs[F_MEW])
    fs[F_MEW] = m
    usual = fs[F_MABS]
    if n < learn:
        return 0.0  # the EW mean is still settling from 0: its size is no guide yet
    a = 1.0 / (n - learn + 1.0)
    if n < DRIFT_AFTER_LEARNS * learn or not usual > 0.0:
        # the second warm-up: the plain mean of |m| (a clip relative to an estimate
        # that starts near 0 would hold it near 0 for thousands of points)
        fs[F_MABS] = usual + a * (abs(m) - usual)
        return 0.0
    a = max(SELECT_RATE, a)
    fs[F_MABS] = usual + a * (min(abs(m), HUBER_CLIP * usual) - usual)
    stat = abs(m) / usual
    if fs[F_MUP] > 0.0 and stat >= 1.0:
        return 0.0  # one report per shift: it re-arms once back within the usual size
    return _onset(stat, zshift, wshift, True, F_MUP, n, rest, fs, ist)


@_helper
def _drift_onset(ctx: int, span_days: float, n: int, learn: int, rest: int, zdrift: float,
                 wdrift: float, fs: npt.NDArray[np.float64],
                 ist: npt.NDArray[np.int64]) -> float:
    """Onset of a drift of the seasonal level away from its slow (days) reference.

    Measured on a seasonal model's level when that model is at least as good as
    the flat one (the flat level follows the season itself), in units of the
    model's slow error, which a drift inflates less.
    """
    seasonal = ctx != CTX_FLAT or (span_days >= DAY_AFTER_DAYS and fs[F_EDAY] < fs[F_EFLAT])
    if ctx == CTX_WEEK:
        lvl, lslow, dscale = fs[F_LWEEK], fs[F_LSLOWW], min(fs[F_SWEEK], fs[F_EWEEK])
    else:
        lvl, lslow, dscale = fs[F_LEVEL], fs[F_LSLOW], min(fs[F_SDAY], fs[F_EDAY])
    if not (dscale > 0.0 and n >= DRIFT_AFTER_LEARNS * learn):
        return 0.0
    dz = abs(lvl - lslow) / (SIGMA_PER_MEAN_ABS * dscale)
    return _onset(dz, zdrift, wdrift, seasonal, F_DUP, n, rest, fs, ist)


@_helper
def _combine(newrange: float, pattern: float, tscore: float, rscore: float, dscore: float,
             sscore: float, kind: int, agree: float, mature: float,
             n: int) -> tuple[float, int]:
    """Raw score: the strongest component plus `agree` of the noisy-or of all of them."""
    raw = newrange
    if pattern > raw:
        raw = pattern
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
    if sscore > raw:
        raw = sscore
        kind = K_SHIFT
    if agree > 0.0 and raw > 0.0:
        # evidence from several components at once: noisy-or of all of them
        rest_or = 1.0 - ((1.0 - newrange) * (1.0 - pattern) * (1.0 - tscore)
                         * (1.0 - rscore) * (1.0 - dscore) * (1.0 - sscore))
        raw = raw + agree * max(rest_or - raw, 0.0)
    if mature > 0.0:
        raw *= 1.0 - math.exp(-n / mature)
    return raw, kind


@_helper
def _rest_and_fire(raw: float, kind: int, n: int, learn: int, rest: int, escalate: bool,
                   esc_factor: float, soft_rest: float, cal: float, fire: float,
                   fs: npt.NDArray[np.float64],
                   ist: npt.NDArray[np.int64]) -> tuple[float, float, bool, bool]:
    """Calibrated score unless resting; (score, raw, fired, resting). Firing starts a rest.

    After an alert the score is held at 0 for `rest` points (NAB counts only the
    earliest detection), unless a stronger event escalates. Onsets neither
    escalate nor start a rest.
    """
    score = 0.0
    resting = n - ist[I_LAST_FIRE] <= rest
    onset = kind in (K_RESIDUAL, K_DRIFT, K_SHIFT)
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
    return score, raw, fired, resting


@_helper
def _glaring(v: float, expected: float, width: float, newrange: float, raw: float,
             score: float, kind: int, fired: bool, n: int, rest: int, size_at: float,
             size_esc: float, cal: float, fs: npt.NDArray[np.float64],
             ist: npt.NDArray[np.int64]) -> tuple[float, int]:
    """A glaring point is news whatever rest and rarity say; (score, kind).

    size = distance beyond the band in band half-widths (a half-width never
    finer than SIZE_FLOOR of the expected value's magnitude nor than the float
    resolution: a near-constant series' hairline band does not make every
    0.001 % wiggle glaring). A point at least `size_at` beyond its band and
    further out than any point before it (a record: a series that has done this
    before gets no free pass) is glaring. Outside a rest it is reported in full
    when it is also a new high or low (whose range score rarity may have
    damped); during a rest it breaks through when it is `size_esc` times the
    size of the event that started the rest (an event inside its band has size
    <= 0, so any glaring point does).
    """
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
            sraw = cal * LN2 * min(size / size_at, SIZE_RATIO_MAX)
            sscore = max(1.0 - math.exp(-sraw / cal), 1.0 - math.exp(-raw / cal))
            if sscore > score:
                score = sscore
                if sraw >= raw:
                    kind = K_SIZE
            ist[I_LAST_FIRE] = n
            fs[F_FIRE_RAW] = max(raw, sraw)
            fs[F_FIRE_SIZE] = size
    return score, kind


@_helper
def _huber_step(r: float, scale: float) -> tuple[float, float]:
    """(r clipped to HUBER_CLIP scales, the clip); no clip while the scale is unknown."""
    c = HUBER_CLIP * scale if scale > 0.0 else math.inf
    return min(max(r, -c), c), c


@_helper
def _seasonal_update(v: float, a: float, sa: float, min_rate: float, b: int,
                     fs: npt.NDArray[np.float64], i_level: int, i_scale: int,
                     prof: npt.NDArray[np.float64], cnt: npt.NDArray[np.float64]) -> float:
    """Learn v in a seasonal model (a slow level plus a profile over bins); its |error|.

    The daily and the weekly model are both this: level fs[i_level], scale
    fs[i_scale], profile `prof` with counts `cnt`, v falling in bin b. The
    profile's learning rate is 1/(count + 1), never below `min_rate`.
    """
    level = float(fs[i_level])
    s = float(fs[i_scale])
    p = prof[b] if cnt[b] > 0 else 0.0
    r = v - level - p
    clipped, c = _huber_step(r, s)
    err = min(abs(r), c)
    fs[i_scale] = (1.0 - sa) * s + sa * err
    fs[i_level] = level + a * SEASONAL_LEVEL * clipped
    dev = v - level
    if s > 0.0:
        dev = min(max(dev, p - c), p + c)
    rate = max(min_rate, 1.0 / (cnt[b] + 1.0))
    prof[b] += rate * (dev - prof[b])
    cnt[b] += 1.0
    return err


@_helper
def _learn_baseline(v: float, n: int, day_b: int, week_b: int, alpha: float, drate: float,
                    fs: npt.NDArray[np.float64],
                    dprof: npt.NDArray[np.float64], dcnt: npt.NDArray[np.float64],
                    wprof: npt.NDArray[np.float64], wcnt: npt.NDArray[np.float64]) -> None:
    """Learn v in the flat, daily and weekly models, their drift references and errors."""
    if n == 0:
        fs[F_LEVEL] = v
        fs[F_LFLAT] = v
        fs[F_LWEEK] = v
        fs[F_LSLOW] = v
        fs[F_LSLOWW] = v
        return
    a = alpha if n >= LEVEL_BURN_IN else 1.0 / (n + 1.0)
    sa = SCALE_RATE_SHARE * alpha if n >= SCALE_BURN_IN else 1.0 / (n + 1.0)
    # flat model (Huber-like: big residuals move level and scale a little)
    lflat = fs[F_LFLAT]
    sflat = fs[F_SFLAT]
    r_flat = v - lflat
    clipped, cf = _huber_step(r_flat, sflat)
    err_flat = min(abs(r_flat), cf)
    fs[F_LFLAT] = lflat + a * clipped
    fs[F_SFLAT] = (1.0 - sa) * sflat + sa * err_flat
    # daily model: half-hours of the day; weekly model: half-hours of the week
    err_day = _seasonal_update(v, a, sa, DAY_PROFILE_RATE, day_b, fs, F_LEVEL, F_SDAY,
                               dprof, dcnt)
    err_week = _seasonal_update(v, a, sa, WEEK_PROFILE_RATE, week_b, fs, F_LWEEK, F_SWEEK,
                                wprof, wcnt)
    # drift references and the (slow) errors that choose the model
    dr = max(drate, 1.0 / (n + 1.0))
    fs[F_LSLOW] += dr * (fs[F_LEVEL] - fs[F_LSLOW])
    fs[F_LSLOWW] += dr * (fs[F_LWEEK] - fs[F_LSLOWW])
    asel = max(SELECT_RATE, 1.0 / (n + 1.0))
    fs[F_EFLAT] += asel * (err_flat - fs[F_EFLAT])
    fs[F_EDAY] += asel * (err_day - fs[F_EDAY])
    fs[F_EWEEK] += asel * (err_week - fs[F_EWEEK])


@_helper
def _outage(t: float, v: float, n: int, learn: int, lo: float, share: float, day_b: int,
            dt_typ: float, out: npt.NDArray[np.float64],
            tref: npt.NDArray[np.float64]) -> float:
    """Level of an outage report at this point (0: none); learns the reference too.

    The reference of each half-hour of day is the EW mean of its visits' means,
    learned once per visit. A never-negative series whose recent mean (EW over
    OUTAGE_SPAN_S) is below 1/`share` of that reference, by more than
    OUTAGE_DEV_SIGMAS day-to-day deviations, and whose reference would have
    brought at least OUTAGE_MIN_MASS in that span, is in an outage: its
    reference is frozen (the outage does not become the new normal) and it is
    reported at most once every OUTAGE_REPEAT_S: first at OUTAGE_LEVEL, then
    as reminders at OUTAGE_REPEAT_LEVEL (the news is the start).
    """
    last = out[O_LAST_SEEN]
    dt = t - last if math.isfinite(last) and t > last else 0.0
    out[O_LAST_SEEN] = t if not (math.isfinite(last) and t < last) else last
    w = 1.0 if out[O_BIN] < 0 else 1.0 - math.exp(-dt / OUTAGE_SPAN_S)
    out[O_MEAN] += w * (v - out[O_MEAN])
    # close the previous visit when the half-hour changes
    b = int(out[O_BIN])
    if b != day_b:
        if b >= 0 and out[O_CNT] > 0 and out[O_ALARM] == 0.0:
            vm = out[O_SUM] / out[O_CNT]
            rate = max(OUTAGE_REF_RATE, 1.0 / (tref[R_DAYS, b] + 1.0))
            tref[R_DEV, b] += rate * (abs(vm - tref[R_MEAN, b]) - tref[R_DEV, b])
            tref[R_MEAN, b] += rate * (vm - tref[R_MEAN, b])
            tref[R_DAYS, b] += 1.0
        out[O_BIN] = day_b
        out[O_SUM] = 0.0
        out[O_CNT] = 0.0
    out[O_SUM] += v
    out[O_CNT] += 1.0
    ref = tref[R_MEAN, day_b]
    m = out[O_MEAN]
    per_span = OUTAGE_SPAN_S / dt_typ if dt_typ > 0.0 else 0.0
    down = (share > 0.0 and n >= learn and lo >= 0.0 and tref[R_DAYS, day_b] >= OUTAGE_MIN_DAYS
            and m < share * ref and ref - m > OUTAGE_DEV_SIGMAS * tref[R_DEV, day_b]
            and ref * per_span >= OUTAGE_MIN_MASS)
    was_down = out[O_ALARM] > 0.0
    out[O_ALARM] = 1.0 if down else 0.0
    if down and t - out[O_LAST_T] >= OUTAGE_REPEAT_S:
        out[O_LAST_T] = t
        return OUTAGE_REPEAT_LEVEL if was_down else OUTAGE_LEVEL
    return 0.0


@_helper
def _silence(v: float, n: int, learn: int, counts: bool, day_b: int, may_report: bool,
             out: npt.NDArray[np.float64], tref: npt.NDArray[np.float64]) -> float:
    """Level of a silence report at this point (0: none); learns the zero rates too.

    In a count series, each half-hour of day has an empirical rate of zeros,
    (zeros + 1) / (points + 2). A run of zeros is as likely as the product of
    its points' rates; a run less likely than SILENCE_LOG_P that is also
    deeper than every run before (a series whose lulls are long gets no free
    alarm: it is calibrated on its own history) is reported once. Like the
    outage rule, only half-hours seen on OUTAGE_MIN_DAYS days count (a rate
    from three points is no evidence), and the run must have missed at least
    OUTAGE_MIN_MASS events by the time-of-day reference (a lull of a sparse
    series is no silence). While `may_report` is false (a rest after an alert,
    or an outage already reported) the report waits.
    """
    if not counts:
        return 0.0
    level = 0.0
    if v == 0.0:
        if tref[R_DAYS, day_b] >= OUTAGE_MIN_DAYS:
            p0 = (tref[R_ZEROS, day_b] + 1.0) / (tref[R_POINTS, day_b] + 2.0)
            out[O_SIL] += math.log(p0)
            out[O_SIL_MASS] += tref[R_MEAN, day_b]
        sil = out[O_SIL]
        if (may_report and n >= learn and out[O_SIL_UP] == 0.0 and sil < SILENCE_LOG_P
                and sil < out[O_SIL_MIN] and out[O_SIL_MASS] >= OUTAGE_MIN_MASS):
            out[O_SIL_UP] = 1.0
            level = SILENCE_LEVEL
        tref[R_ZEROS, day_b] += 1.0
    else:
        out[O_SIL_MIN] = min(out[O_SIL_MIN], out[O_SIL])
        out[O_SIL] = 0.0
        out[O_SIL_MASS] = 0.0
        out[O_SIL_UP] = 0.0
    tref[R_POINTS, day_b] += 1.0
    return level


@_entry
def run(ts: npt.NDArray[np.float64], xs: npt.NDArray[np.float64],
        p: npt.NDArray[np.float64],
        fs: npt.NDArray[np.float64], ist: npt.NDArray[np.int64],
        hist: npt.NDArray[np.int64], table: npt.NDArray[np.uint8],
        ttab: npt.NDArray[np.uint8], tdays: npt.NDArray[np.int64],
        tlastday: npt.NDArray[np.int64],
        dprof: npt.NDArray[np.float64], dcnt: npt.NDArray[np.float64],
        wprof: npt.NDArray[np.float64], wcnt: npt.NDArray[np.float64],
        out: npt.NDArray[np.float64], tref: npt.NDArray[np.float64],
        out_score: npt.NDArray[np.float64], out_exp: npt.NDArray[np.float64],
        out_lo: npt.NDArray[np.float64], out_hi: npt.NDArray[np.float64],
        out_warm: npt.NDArray[np.bool_], out_kind: npt.NDArray[np.int64],
        out_obs: npt.NDArray[np.float64]) -> None:
    """Score and learn every point of (ts, xs) in order, mutating the state arrays.

    Arguments: the points (ts, xs), the parameter vector p (P_*), the state
    arrays of `new_state()` (fs, ist, hist, table, ttab, tdays, tlastday,
    dprof, dcnt, wprof, wcnt, out, tref) and the per-point outputs (out_*).
    """
    # parameters, read once (the state arrays are written per point and could alias p)
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
    outage_share = p[P_OUTAGE]
    count_mode = int(p[P_COUNTS])
    wshift = p[P_WSHIFT]
    zshift = p[P_ZSHIFT]
    silence_on = p[P_SILENCE] > 0.0
    out_freeze = p[P_OUT_FREEZE] > 0.0
    stuck_on = p[P_STUCK] > 0.0
    for j in range(len(xs)):
        t = ts[j]
        if not math.isfinite(t):
            t = fs[F_LAST_TS] if math.isfinite(fs[F_LAST_TS]) else 0.0
        v = xs[j]
        if counter_on and math.isfinite(v):
            v = _counter_value(t, v, learn, fs, ist, table, ttab, tdays, tlastday,
                               dprof, dcnt, wprof, wcnt)
        if math.isfinite(v):
            v = min(max(v, -VMAX), VMAX)
        raw_v = v  # the value as reported (a counter's rate), for outages and output
        counts = False      # modelled in count space
        count_flag = False  # a count series (so far)
        if (count_mode > 0 or silence_on or stuck_on) and math.isfinite(v):
            count_flag = _count_check(v, learn, count_mode > 0, fs, ist, table, ttab, tdays,
                                      tlastday, dprof, dcnt, wprof, wcnt)
            if count_flag and count_mode > 0:
                counts = True
                v = _count_space(v, count_mode)
        elif count_mode > 0:
            counts = ist[I_COUNTS] == COUNTS_YES
        n = ist[I_N]
        # ---- expected value and band in the seasonal context --------------
        day_b = _half_hour_of_day(t, DAY_BINS)
        week_b = _half_hour_of_week(t)
        span_days = (t - fs[F_FIRST_TS]) / DAY_S if math.isfinite(fs[F_FIRST_TS]) else 0.0
        ctx, expected, scale = _seasonal_context(span_days, day_b, week_b, fs,
                                                 dprof, dcnt, wprof, wcnt)
        warm = n < learn
        width = _band_half_width(expected, scale, bandk, warm, fs[F_LO], fs[F_HI])
        # a series that has never been negative gets no negative band (a tighter
        # floor, the lowest value seen, would turn new lows just past it into alerts)
        floor = 0.0 if fs[F_LO] >= 0.0 else -math.inf
        if counts:  # bands in counts: asymmetric, wider above a high level
            out_exp[j] = max(_count_value(expected, count_mode), floor)
            out_lo[j] = max(_count_value(expected - width, count_mode), floor)
            out_hi[j] = max(_count_value(expected + width, count_mode), floor)
        else:
            out_exp[j] = max(expected, floor)
            out_lo[j] = max(expected - width, floor)
            out_hi[j] = max(expected + width, floor)
        out_obs[j] = raw_v
        out_warm[j] = warm
        if not math.isfinite(v):
            out_score[j] = 0.0
            out_kind[j] = K_MISSING + CTX_MUL * ctx
            continue
        _track_time(t, gapf, fs, ist)
        # ---- the novelty components ------------------------------------------
        newrange, range_undamped, kind, v, lo, rng = _range_novelty(v, n, learn, rexp, rnoise,
                                                    scale, tau_r, fs, ist)
        novelty = _context_novelty(v, lo, rng, k_ord, g1, g2, novagg, hist, table, ist)
        novelty, novelty_undamped = _pattern_novelty(novelty, v, rng, n, jumpw, jumps, tau,
                                   fs, ist)
        tscore, tod_undamped = _time_of_day_novelty(t, v, lo, rng, n, wtod, todlev,
                                      mindays, tau_t, toddist,
                                      ttab, tdays, tlastday, ist)
        # ---- onsets: sustained deviation from the season, drift of its level -----
        rscore = _residual_onset(v - expected, scale, ctx, n, learn, rest, zalpha,
                                 zres, wres, fs, ist)
        dscore = _drift_onset(ctx, span_days, n, learn, rest, zdrift, wdrift,
                              fs, ist)
        sscore = 0.0
        if wshift > 0.0:
            sscore = _shift_onset(v - expected, scale, n, learn, rest, zalpha, zshift, wshift,
                                  fs, ist)
        # ---- combine, rest, glaring points -----------------------------------------
        raw, kind = _combine(newrange, cnov * novelty, tscore, rscore, dscore, sscore, kind,
                             agree, mature, n)
        score, raw, fired, resting = _rest_and_fire(raw, kind, n, learn, rest, escalate,
                                           esc_factor, soft_rest, cal,
                                           fire, fs, ist)
        if size_at > 0.0 and n >= learn:
            score, kind = _glaring(v, expected, width, newrange, raw, score, kind, fired, n,
                                   rest, size_at, size_esc, cal, fs, ist)
        # ---- why a point that stood out scored low --------------------------------
        quiet = QUIET_NONE
        if score < QUIET_BELOW and n >= learn and abs(v - expected) > width:
            undamped = max(range_undamped, cnov * novelty_undamped, tod_undamped)
            if resting and (raw >= fire or undamped >= fire):
                quiet = QUIET_RESTING
            elif undamped >= fire:
                quiet = QUIET_RARITY
            else:
                quiet = QUIET_SEEN
        klevel = _stuck(raw_v, n, learn, rest, count_flag, fs, ist) if stuck_on else 0.0
        if klevel > 0.0:
            kscore = 1.0 - math.exp(-LN2 * klevel)
            if kscore > score:
                score = kscore
                kind = K_STUCK
        slevel = 0.0
        if silence_on:  # like an onset, a silence waits out a rest; an outage holds it
            quiet_now = n - ist[I_LAST_FIRE] > rest and out[O_ALARM] == 0.0
            slevel = _silence(raw_v, n, learn, count_flag, day_b, quiet_now, out, tref)
        if slevel > 0.0:
            out[O_LAST_T] = t  # one event: the outage rule's hourly clock starts here
            ist[I_LAST_FIRE] = n  # ... and a rest, so onsets do not report it again
            fs[F_FIRE_RAW] = cal * LN2 * slevel
            fs[F_FIRE_SIZE] = 0.0
            sscore2 = 1.0 - math.exp(-LN2 * slevel)
            if sscore2 > score:
                score = sscore2
                kind = K_SILENCE
        olevel = _outage(t, raw_v, n, learn, lo, outage_share, day_b, fs[F_EWDT], out, tref)
        if out[O_ALARM] > 0.0:
            # one event: while it lasts only its (hourly) reports score, and the
            # expectation is the time-of-day reference
            if olevel > 0.0:
                if out[O_SIL_UP] > 0.0:
                    olevel = OUTAGE_REPEAT_LEVEL  # the silence reported was the news
                score = max(score, 1.0 - math.exp(-LN2 * olevel))
                kind = K_OUTAGE
            elif slevel == 0.0:  # (a silence reported on this point stands)
                score = 0.0
                quiet = QUIET_OUTAGE
        if out[O_ALARM] > 0.0 or kind == K_SILENCE:  # judged against the time of day
            ctx = CTX_DAY
            ref = tref[R_MEAN, day_b]
            half = OUTAGE_DEV_SIGMAS * tref[R_DEV, day_b]
            out_exp[j] = ref
            out_lo[j] = max(ref - half, 0.0)
            out_hi[j] = ref + half
        if score <= 0.0:
            kind = K_NONE
        out_score[j] = score
        out_kind[j] = kind + CTX_MUL * ctx + QUIET_MUL * quiet
        # ---- learn -----------------------------------------------------------------
        if not (out_freeze and out[O_ALARM] > 0.0):  # an outage is not the new normal
            _learn_baseline(v, n, day_b, week_b, alpha, drate, fs,
                            dprof, dcnt, wprof, wcnt)
        ist[I_N] = n + 1
        ist[I_NSEEN] += 1
