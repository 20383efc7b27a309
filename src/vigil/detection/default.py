"""Vigil's default detector: range, contextual and time-of-day novelty with rarity.

One configuration serves every series (see `DefaultConfig`); nothing looks at
labels or at the future. How it works and how it scores on NAB is in
docs/detection.md.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from vigil.detection import kernel as K
from vigil.detection.base import (
    K_DRIFT,
    K_NEW_HIGH,
    K_NEW_LOW,
    K_OUTAGE,
    K_PATTERN,
    K_RESIDUAL,
    K_SHIFT,
    K_SILENCE,
    K_SIZE,
    K_STUCK,
    K_TIME_OF_DAY,
    BatchResult,
    DetectionResult,
    Detector,
    band_cap_note,
    explain_generic,
)
from vigil.detection.state import STATE_FORMAT, StateError, dump_state, load_state

_log = logging.getLogger(__name__)
_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True, slots=True)
class DefaultConfig:
    """The knobs of the default detector; the defaults are the one fixed configuration.

    Every series uses these same values (nothing is set per series or per file).
    Knobs marked "off" were tried and did not help on NAB (docs/detection.md); they
    stay so that the table of experiments can be reproduced.
    """

    # warm-up, rest and calibration
    learn: int = 150                  # points before scores are emitted
    rest: int = 30                    # points held at 0 after an alert
    fire_at: float = 0.1              # raw score that starts a rest
    escalate: bool = True             # a stronger event breaks through the rest
    escalate_factor: float = 1.0      # ... when its raw score is this many times higher
    # glaring points: this many band half-widths beyond the band, and further out
    # than ever before, is at least a warning (score 0.5; 0.9 at 3.3 times),
    # whatever rest and rarity say (0: off; see kernel.py)
    size_at: float = 3.0
    size_escalate: float = 3.0        # through a rest: this many times the resting size
    calibration: float = 0.135        # score = 1 - exp(-raw / calibration)
    agreement: float = 1.0            # share of the noisy-or of all components added
    # range novelty
    range_saturation: float = 20.0    # exceedance of 1/20 of the range scores fully
    range_rarity: float = 100.0       # rarity time constant (points)
    range_noise_sigmas: float = 0.0   # off: also require this many noise sigmas
    # contextual (pattern) novelty
    pattern_weight: float = 0.75
    pattern_rarity: float = 600.0
    context_order: int = 3
    grid1: int = 5
    grid2: int = 10
    jump_weight: float = 1.0          # share of the pattern score that needs a jump
    jump_full: float = 0.15           # jump (fraction of the range) that counts fully
    novelty_min: bool = False         # off: minimum instead of mean over the grids
    # time-of-day novelty
    time_of_day_weight: float = 0.5
    time_of_day_rarity: float = 1500.0
    time_of_day_min_days: int = 2
    time_of_day_levels: int = 6
    time_of_day_distance: float = 0.0  # off: weight by distance to levels seen then
    # seasonal baseline, band, residual and drift onsets
    baseline_rate: float = 0.05
    band_sigmas: float = 3.0
    residual_weight: float = 0.3
    residual_z: float = 4.0
    residual_span: float = 72.0     # points (6 until the synthetic corpus: it fired on noise)
    drift_weight: float = 0.3
    drift_sigmas: float = 4.0
    drift_rate: float = 0.002
    # outages: a never-negative series whose recent mean (half an hour) stays below
    # this share of its usual level for the time of day is reported hourly (0: off)
    outage_share: float = 0.1
    outage_freezes_baseline: bool = False  # the seasonal baseline does not learn an outage
    stuck_values: bool = True  # report one non-zero value repeated improbably long
    # count series (every value of the warm-up a non-negative integer) are modelled
    # in a space where their noise does not grow with the level: 1 = 2 sqrt(x + 3/8)
    # (Anscombe), 2 = log(1 + x); 0: off
    count_model: int = 0
    # level-shift onset: the EW mean of the signed residual (span `residual_span`)
    # beyond `shift_usual` times its own usual size on this series; its weight is
    # calibration x ln 2, so it scores 0.5 (warning), like a glaring point (0: off)
    shift_weight: float = 0.0936
    shift_usual: float = 5.0
    # off: report a count series at 0 for a run less likely than one in a million
    # under its own per-half-hour zero rates, deeper than any run before and missing
    # at least 20 expected events (0.75, warning); better synthetic CV scores, a
    # little worse on nab-dev (docs/detection.md)
    silences: bool = False
    # input handling
    gap_steps: float = 12.0           # a gap of this many typical steps resets the context
    counters: bool = True             # score the rate of monotone counters
    # off by default
    soft_rest: float = 0.0
    maturity: float = 0.0

    def params(self) -> npt.NDArray[np.float64]:
        """The configuration as the kernel's parameter vector (from `PARAM_TABLE`)."""
        p = np.zeros(K.N_PARAMS)
        for index, name, convert in PARAM_TABLE:
            p[index] = convert(getattr(self, name))
        return p


def _at_least(floor: float) -> Callable[[float], float]:
    """Conversion: the value, never below `floor`."""
    return lambda x: max(float(x), floor)


def _flag(x: bool) -> float:
    """Conversion: 1.0 for True, 0.0 for False."""
    return 1.0 if x else 0.0


def _same(x: float) -> float:
    """Conversion: the value as it is."""
    return float(x)


_TINY = 1e-9  # time constants and divisors are kept positive

# kernel parameter index <- DefaultConfig field, through a conversion (clamps and flags)
PARAM_TABLE: tuple[tuple[int, str, Callable[[Any], float]], ...] = (
    (K.P_LEARN, "learn", _at_least(1)),
    (K.P_REST, "rest", _same),
    (K.P_REXP, "range_saturation", _same),
    (K.P_CNOV, "pattern_weight", _same),
    (K.P_TAU, "pattern_rarity", _at_least(_TINY)),
    (K.P_TAU_R, "range_rarity", _at_least(_TINY)),
    (K.P_WTOD, "time_of_day_weight", _same),
    (K.P_MINDAYS, "time_of_day_min_days", _same),
    (K.P_TAU_T, "time_of_day_rarity", _at_least(_TINY)),
    (K.P_K, "context_order", lambda x: min(max(x, 1), K.MAX_K)),
    (K.P_G1, "grid1", _at_least(2)),
    (K.P_G2, "grid2", lambda x: x if x >= 2 else 0),
    (K.P_TODLEV, "time_of_day_levels", _at_least(2)),
    (K.P_ALPHA, "baseline_rate", _same),
    (K.P_BANDK, "band_sigmas", _same),
    (K.P_CAL, "calibration", _at_least(_TINY)),
    (K.P_GAP, "gap_steps", _same),
    (K.P_FIRE, "fire_at", _same),
    (K.P_WRES, "residual_weight", _same),
    (K.P_ZRES, "residual_z", _at_least(_TINY)),
    (K.P_COUNTER, "counters", _flag),
    (K.P_NOVAGG, "novelty_min", _flag),
    (K.P_JUMPW, "jump_weight", _same),
    (K.P_JUMPS, "jump_full", _at_least(_TINY)),
    (K.P_TODDIST, "time_of_day_distance", _same),
    (K.P_RNOISE, "range_noise_sigmas", _same),
    (K.P_ZSPAN, "residual_span", _same),
    (K.P_ESCALATE, "escalate", _flag),
    (K.P_WDRIFT, "drift_weight", _same),
    (K.P_ZDRIFT, "drift_sigmas", _same),
    (K.P_DRIFT_RATE, "drift_rate", _same),
    (K.P_ESC_FACTOR, "escalate_factor", _same),
    (K.P_SOFT_REST, "soft_rest", _same),
    (K.P_AGREE, "agreement", _same),
    (K.P_MATURE, "maturity", _same),
    (K.P_SIZE_AT, "size_at", _at_least(0.0)),
    (K.P_SIZE_ESC, "size_escalate", _same),
    (K.P_OUTAGE, "outage_share", _at_least(0.0)),
    (K.P_WSHIFT, "shift_weight", _same),
    (K.P_ZSHIFT, "shift_usual", _at_least(_TINY)),
    (K.P_SILENCE, "silences", _flag),
    (K.P_OUT_FREEZE, "outage_freezes_baseline", _flag),
    (K.P_STUCK, "stuck_values", _flag),
    (K.P_COUNTS, "count_model", lambda x: float(min(max(int(x), 0), 2))),
)


_REASONS = {
    K_NEW_HIGH: "above every value seen before",
    K_NEW_LOW: "below every value seen before",
    K_PATTERN: "a sequence of values not seen before",
    K_TIME_OF_DAY: "a level never seen at this time of day",
    K_RESIDUAL: "far from the seasonal expectation",
    K_DRIFT: "the level has drifted far from its usual value",
    K_SIZE: "far outside the expected band",
    K_SILENCE: "no events for longer than ever before, although some were expected "
               "at this time of day (less likely than one in a million)",
    K_SHIFT: "the recent level has shifted {direction} the expected one, further than "
             "this series usually strays",
    K_OUTAGE: "far below the usual level for this time of day for a while (an outage?); "
              "repeated at most hourly while it lasts",
    K_STUCK: "the same value again and again, for longer than ever before on this series "
             "(less likely than one in a million at its own rate of repeats): stuck?",
}


# Why a point that stood out scored low (the kernel's QUIET_* reasons).
_QUIET = {
    K.QUIET_RESTING: "not scored: resting after an alert (one alert per event; "
                     "a stronger event breaks through)",
    K.QUIET_RARITY: "damped: this series had a similar novelty recently (rarity)",
    K.QUIET_OUTAGE: "held: the outage reported above goes on (reminders hourly)",
    K.QUIET_SEEN: "outside the band, but values like it were seen before in this series",
}


def context_label(ts: float, ctx: int) -> str:
    """Human name of the seasonal context of a timestamp ("Tuesdays 14:00 UTC")."""
    if ctx == K.CTX_FLAT or not np.isfinite(ts):
        return "recent values"
    d = datetime.fromtimestamp(ts, tz=UTC)
    half = 30 if d.minute >= 30 else 0
    if ctx == K.CTX_WEEK:
        return f"{_DAYS[d.weekday()]} {d.hour:02d}:{half:02d} UTC"
    return f"{d.hour:02d}:{half:02d} UTC"


def _grow(arr: npt.NDArray[np.generic] | None, fresh: npt.NDArray[np.generic], old_len: int,
          fill: float) -> npt.NDArray[np.generic] | None:
    """An older 1-D state array of `old_len` entries, grown to `fresh`'s length with `fill`."""
    if arr is None or arr.shape != (old_len,) or arr.dtype != fresh.dtype:
        return arr  # malformed: the shape check of `from_state` reports it
    grown = np.full(fresh.shape, fill, dtype=fresh.dtype)
    grown[:old_len] = arr
    return grown


def _config_from_meta(meta: dict[str, Any]) -> DefaultConfig:
    """The configuration a state was saved with; StateError when it is not one.

    Knobs added since the state was written take their defaults (a format-1 state gets
    the glaring-point rule: it fixes missed alerts); a knob of the wrong type is
    corruption, never guessed at.
    """
    raw = meta.get("config", {})
    if not isinstance(raw, dict):
        raise StateError("corrupt detector state: its configuration is not an object")
    default = DefaultConfig()
    cfg: dict[str, Any] = {}
    for f in fields(DefaultConfig):
        if f.name not in raw:
            continue
        value, kind = raw[f.name], type(getattr(default, f.name))
        fits = (type(value) is kind or
                (kind is float and type(value) is int))  # JSON writes 2.0 as 2 at times
        if not fits:
            raise StateError(f"corrupt detector state: configuration {f.name!r} is {value!r}")
        cfg[f.name] = kind(value)
    return replace(default, **cfg)


def _migrate(fmt: int, arrays: dict[str, npt.NDArray[np.generic]],
             fresh: dict[str, Any]) -> dict[str, npt.NDArray[np.generic]]:
    """Arrays of state format `fmt` (1-4) in the current layout.

    Format 1 lacked the glaring-point floats (F_FIRE_SIZE, F_SIZE_MAX: 0, so the
    next glaring point is a record); formats 1-2 the outage state (fresh: the
    time-of-day reference re-learns); formats 1-3 the level-shift floats (0: the
    statistic re-learns its usual size), the count-model flag (plain: what was
    learned is in the series' own units, never read as a count space; this also
    keeps the silence rule off) and the silence state (fresh); formats 1-4 the
    stuck-value state (fresh: no run yet, the rate of repeats re-learns).
    """
    out = dict(arrays)
    fs = out.get("fs")
    if fmt == 4:
        grown4 = _grow(fs, fresh["fs"], K.F_RUN_V, math.nan)
        ist4 = _grow(out.get("ist"), fresh["ist"], K.I_RUN, 0.0)
        out4 = _grow(out.get("out"), fresh["out"], K.O_SIL_MASS, 0.0)
        for key, value in (("fs", grown4), ("ist", ist4), ("out", out4)):
            if value is not None:
                out[key] = value
        return out
    if fmt == 1:
        fs = _grow(fs, fresh["fs"][:K.F_MEW], K.F_FIRE_SIZE, 0.0)
    if fmt in (1, 2):
        out["out"], out["tref"] = fresh["out"], fresh["tref"]
    else:
        grown_out = _grow(out.get("out"), fresh["out"], K.O_SIL, 0.0)
        if grown_out is not None:
            out["out"] = grown_out
        tref = out.get("tref")
        if tref is not None and tref.shape == (K.R_ZEROS, K.DAY_BINS) and tref.dtype == np.float64:
            out["tref"] = np.vstack([tref, fresh["tref"][K.R_ZEROS:]])
    grown = _grow(fs, fresh["fs"], K.F_MEW, 0.0)
    if grown is not None and grown is not fs:
        grown[K.F_RUN_V] = math.nan  # no run yet
    ist = _grow(out.get("ist"), fresh["ist"], K.I_COUNTS, float(K.COUNTS_NO))
    for key, value in (("fs", grown), ("ist", ist)):
        if value is not None:
            out[key] = value
    return out


class NoveltyDetector(Detector):
    """The default detector (NAB name "vigil"); see the module docstring."""

    name: ClassVar[str] = "vigil"

    def __init__(self, config: DefaultConfig | None = None) -> None:
        """Create a fresh detector with `config` (the fixed defaults when None)."""
        self.config = config or DefaultConfig()
        self._params = self.config.params()
        self._arrays = K.new_state(int(self._params[K.P_K]))
        self._one: BatchResult | None = None  # reusable buffers of the streaming path

    def update_batch(self, timestamps: npt.ArrayLike, values: npt.ArrayLike) -> BatchResult:
        """Score and learn a batch of points in order (the compiled loop)."""
        ts = np.ascontiguousarray(timestamps, dtype=np.float64).reshape(-1)
        xs = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
        if ts.shape != xs.shape:
            raise ValueError(f"{len(ts)} timestamps but {len(xs)} values")
        n = len(xs)
        observed = np.zeros(n)
        out = BatchResult(ts, xs, np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
                          np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.int64), observed)
        if n:
            a = self._arrays
            K.run(ts, xs, self._params, a["fs"], a["ist"], a["hist"], a["table"], a["ttab"],
                  a["tdays"], a["tlastday"], a["dprof"], a["dcnt"], a["wprof"], a["wcnt"],
                  a["out"], a["tref"], out.scores, out.expected, out.lower, out.upper,
                  out.warming_up, out.kinds, observed)
        return out

    def update(self, timestamp: float, value: float) -> DetectionResult:
        """Score and learn one point (same numbers as update_batch, less overhead)."""
        one = self._one
        if one is None:
            one = self._one = BatchResult(
                np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1),
                np.zeros(1, dtype=np.bool_), np.zeros(1, dtype=np.int64), np.zeros(1))
        one.timestamps[0] = timestamp
        one.values[0] = value
        a = self._arrays
        assert one.observed is not None
        K.run(one.timestamps, one.values, self._params, a["fs"], a["ist"], a["hist"], a["table"],
              a["ttab"], a["tdays"], a["tlastday"], a["dprof"], a["dcnt"], a["wprof"], a["wcnt"],
              a["out"], a["tref"], one.scores, one.expected, one.lower, one.upper,
              one.warming_up, one.kinds, one.observed)
        return one.result(0, self.explain)

    def explain(self, batch: BatchResult, i: int) -> str:
        """One line: value vs expected band in its seasonal context, and why."""
        code = int(batch.kinds[i])
        kind, ctx, quiet = code & 15, (code >> K.CTX_SHIFT) & 15, code >> K.QUIET_SHIFT
        unit = "/s" if self.is_counter else ""
        text = explain_generic(batch, i, context_label(float(batch.timestamps[i]), ctx), unit)
        reason = _REASONS.get(kind)
        if reason and float(batch.scores[i]) > 0.0:
            direction = "above" if batch.scored_value(i) >= batch.expected[i] else "below"
            text += ": " + reason.replace("{direction}", direction)
        elif quiet in _QUIET:
            text += f": {_QUIET[quiet]}"
        return text + band_cap_note(batch, i)

    @property
    def points_seen(self) -> int:
        """Valid points learned so far."""
        return int(self._arrays["ist"][K.I_NSEEN])

    @property
    def is_counter(self) -> bool:
        """True once the series was recognised as a monotone counter (its rate is scored)."""
        return int(self._arrays["ist"][K.I_COUNTER]) == 1

    def expected_now(self) -> float:
        """Current baseline level (without season)."""
        return float(self._arrays["fs"][K.F_LEVEL])

    def get_state(self) -> bytes:
        """Configuration and every state array, as bytes."""
        return dump_state(self.name, {"config": asdict(self.config)}, self._arrays)

    @classmethod
    def from_state(cls, state: bytes) -> NoveltyDetector:
        """Rebuild from get_state() bytes."""
        kind, meta, arrays, fmt = load_state(state)
        if kind != cls.name:
            raise StateError(f"state of a {kind!r} detector, not {cls.name!r}")
        det = cls(_config_from_meta(meta))
        expected = K.new_state(int(det._params[K.P_K]))
        if fmt < STATE_FORMAT:
            arrays = _migrate(fmt, arrays, expected)
            if fmt == 4:
                _log.info("detector state format 4 upgraded to %d: stuck values are "
                          "judged from new points (runs and the rate of repeats re-learn)",
                          STATE_FORMAT)
            else:
                _log.info("detector state format %d upgraded to %d: %sthe level-shift "
                          "statistic re-learns from new points, the series keeps its "
                          "own units (no count model), and stuck values are judged from "
                          "new points", fmt, STATE_FORMAT,
                          "outage reference re-learns from new points, " if fmt < 3 else "")
        for key, ref in expected.items():
            arr = arrays.get(key)
            if arr is None or arr.shape != ref.shape or arr.dtype != ref.dtype:
                raise StateError(f"state array {key!r} missing or malformed")
            det._arrays[key] = np.ascontiguousarray(arr)
        return det
