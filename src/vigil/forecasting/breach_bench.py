"""`vigil bench breach`: seeded resource-exhaustion series and how alerting methods score.

A generator makes labelled series at 5-minute steps: disks that fill (with daily cycles,
rotation sawtooth, cleanups, sudden growth), memory leaks, latency creep, and as many
look-alikes that never breach (growth that flattens, sawtooth below the limit, levels
that move at deploys, busy daily cycles below the limit). Every method is evaluated
causally at ticks: Vigil's time-to-breach, `predict_linear` over 6 h projected 4 h and
24 h with the node-exporter mixin's guard and `for: 1h`, and a static threshold.

Scoring: a breach is warned when an alert episode is active `REQUIRED_LEAD` before it;
its lead is the time from the episode's start to the breach. An episode that neither
warns nor starts within `REQUIRED_LEAD` of a breach is a false episode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.forecasting.breach import Direction, predict_breach_grid
from vigil.forecasting.errors import ForecastInputError
from vigil.forecasting.grid import RegularSeries

FloatArray = npt.NDArray[np.float64]

STEP = 300.0
HOUR = 3600.0
DAY = 86_400.0
DAYS = 10
WARMUP_DAYS = 3
TICK = HOUR
REQUIRED_LEAD = HOUR
HISTORY = 3 * DAY
METHODS = ("vigil", "predict_linear_4h", "predict_linear_24h", "static")
FIRE_PROBABILITY = 0.1
CLEAR_PROBABILITY = 0.02
"""Chosen on seeds 1 and 2 (see docs/forecasting.md); the forecasting config's defaults."""


@dataclass(frozen=True)
class LabelledSeries:
    """One generated series, its threshold and horizon, and when (if ever) it breaches."""

    kind: str
    values: FloatArray
    threshold: float
    horizon: float
    breach_index: int | None

    @property
    def end_index(self) -> int:
        """The last index evaluated: the breach, or the end of the series."""
        return self.breach_index if self.breach_index is not None else len(self.values) - 1


def _daily(n: int, rng: np.random.Generator, amp: float) -> FloatArray:
    phase = rng.uniform(0, 2 * np.pi)
    out: FloatArray = amp * np.sin(2 * np.pi * np.arange(n) * STEP / DAY + phase)
    return out


def _breach_at(rng: np.random.Generator, n: int) -> int:
    """A breach index in days 5..9.5 (after warm-up plus room for a lead)."""
    per_day = int(DAY / STEP)
    return int(rng.integers(5 * per_day, int(9.5 * per_day)))


def _linear_to(n: int, start: float, target: float, at: int) -> FloatArray:
    slope = (target - start) / at
    out: FloatArray = (start + slope * np.arange(n)).astype(np.float64)
    return out


def _gen_disk_fill(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    at = _breach_at(rng, n)
    base = _linear_to(n, rng.uniform(30, 60), 96.0, at)
    return base + _daily(n, rng, rng.uniform(0.5, 2.0)) + rng.normal(0, 0.3, n), 95.0, DAY


def _gen_disk_sawtooth_fill(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    at = _breach_at(rng, n)
    cycle = int(rng.integers(72, 300))  # rotation every 6 h .. 25 h
    amp = rng.uniform(5, 15)
    saw = amp * ((np.arange(n) % cycle) / cycle)
    base = _linear_to(n, rng.uniform(30, 50), 96.0 - amp, at)
    return base + saw + rng.normal(0, 0.3, n), 95.0, DAY


def _gen_disk_sudden_growth(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    at = _breach_at(rng, n)
    onset = at - int(rng.integers(24, 96))  # a runaway writer starts 2..8 h before
    level = rng.uniform(55, 75)
    y = level + _daily(n, rng, 1.0) + rng.normal(0, 0.3, n)
    for c in rng.integers(0, onset, size=3):  # a few cleanups before
        y[c:] -= rng.uniform(1, 4)
    ramp = np.clip(np.arange(n) - onset, 0, None).astype(np.float64)
    rate = (96.0 - y[onset]) / (at - onset)
    return y + rate * ramp, 95.0, DAY


def _gen_memory_leak(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    at = _breach_at(rng, n)
    base = _linear_to(n, rng.uniform(40, 60), 96.0, at)
    gc = rng.uniform(0.5, 2.0) * ((np.arange(n) % int(rng.integers(3, 12))) > 0)
    return base + gc + rng.normal(0, 0.5, n), 95.0, 4 * HOUR


def _gen_latency_creep(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    at = _breach_at(rng, n)
    start = rng.uniform(150, 250)
    growth = np.log(520.0 / start) / at
    base: FloatArray = start * np.exp(growth * np.arange(n))
    seasonal = 1 + 0.05 * _daily(n, rng, 1.0)
    return base * seasonal * np.exp(rng.normal(0, 0.03, n)), 500.0, 6 * HOUR


def _gen_growth_flattens(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    start, top = rng.uniform(30, 50), rng.uniform(82, 90)
    tau = rng.uniform(0.5, 2.0) * DAY / STEP
    onset = int(rng.integers(2 * 288, 5 * 288))
    k = np.clip(np.arange(n) - onset, 0, None)
    y = start + (top - start) * (1 - np.exp(-k / tau))
    return y + rng.normal(0, 0.3, n), 95.0, DAY


def _gen_sawtooth_below(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    cycle = int(rng.integers(72, 300))
    low, high = rng.uniform(40, 70), rng.uniform(80, 91)
    saw = (np.arange(n) % cycle) / cycle
    return low + (high - low) * saw + rng.normal(0, 0.3, n), 95.0, DAY


def _gen_deploy_steps(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    y = np.full(n, rng.uniform(45, 60))
    for d in np.sort(rng.integers(288, n, size=int(rng.integers(4, 9)))):
        y[d:] += rng.uniform(-4, 7)
    y = np.clip(y, 20, 88)
    return y + rng.normal(0, 0.5, n), 95.0, 4 * HOUR


def _gen_busy_daily(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    amp = rng.uniform(10, 20)
    mean = rng.uniform(88, 91) - amp
    return mean + _daily(n, rng, amp) + rng.normal(0, 0.8, n), 95.0, 4 * HOUR


def _gen_latency_spiky(rng: np.random.Generator, n: int) -> tuple[FloatArray, float, float]:
    base = rng.uniform(150, 250) * (1 + 0.2 * _daily(n, rng, 1.0))
    y = base * np.exp(rng.normal(0, 0.08, n))
    return y, 500.0, 6 * HOUR


GENERATORS: dict[str, tuple[Callable[[np.random.Generator, int], tuple[FloatArray, float,
                                                                         float]], bool]] = {
    "disk_fill": (_gen_disk_fill, True),
    "disk_sawtooth_fill": (_gen_disk_sawtooth_fill, True),
    "disk_sudden_growth": (_gen_disk_sudden_growth, True),
    "memory_leak": (_gen_memory_leak, True),
    "latency_creep": (_gen_latency_creep, True),
    "growth_flattens": (_gen_growth_flattens, False),
    "sawtooth_below": (_gen_sawtooth_below, False),
    "deploy_steps": (_gen_deploy_steps, False),
    "busy_daily": (_gen_busy_daily, False),
    "latency_spiky": (_gen_latency_spiky, False),
}


def generate(seed: int, per_kind: int = 3) -> list[LabelledSeries]:
    """The labelled series of one seed (breaching kinds and as many look-alikes)."""
    rng = np.random.default_rng(seed)
    n = int(DAYS * DAY / STEP)
    warm = int(WARMUP_DAYS * DAY / STEP)
    out: list[LabelledSeries] = []
    for kind, (make, breaches) in GENERATORS.items():
        for _ in range(per_kind):
            values, thr, horizon = make(rng, n)
            if not breaches:
                values = np.minimum(values, thr - 0.5)  # look-alikes never touch the limit
            hit = np.flatnonzero(values >= thr)
            hit = hit[hit >= warm]
            if breaches and hit.size == 0:
                values = values.copy()
                values[-1] = thr
                hit = np.array([n - 1])
            out.append(LabelledSeries(kind, values, thr, horizon,
                                      int(hit[0]) if breaches else None))
    return out


# --- methods: each returns the alert state at each tick index ----------------------------

def _ticks(s: LabelledSeries) -> npt.NDArray[np.int64]:
    start = int(WARMUP_DAYS * DAY / STEP)
    return np.arange(start, s.end_index, int(TICK / STEP), dtype=np.int64)


def static_method(s: LabelledSeries, ticks: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Alert while the value is at or above 90% of the threshold (a warning level)."""
    out: npt.NDArray[np.bool_] = s.values[ticks] >= 0.9 * s.threshold
    return out


def _for(active: npt.NDArray[np.bool_], ticks_needed: int) -> npt.NDArray[np.bool_]:
    """Prometheus `for:`: fire once the condition held for this many consecutive ticks."""
    out = np.zeros_like(active)
    run = 0
    for i, a in enumerate(active):
        run = run + 1 if a else 0
        out[i] = run >= ticks_needed
    return out


def predict_linear_method(ahead: float, guard: float
                          ) -> Callable[[LabelledSeries, npt.NDArray[np.int64]],
                                        npt.NDArray[np.bool_]]:
    """predict_linear(x[6h], ahead) >= threshold and x >= (1 - guard) * threshold, for 1h."""
    window = int(6 * HOUR / STEP)

    def method(s: LabelledSeries, ticks: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        active = np.zeros(ticks.size, dtype=bool)
        x = np.arange(window, dtype=np.float64) * STEP
        for i, t in enumerate(ticks):
            y = s.values[t - window + 1:t + 1]
            slope, intercept = np.polyfit(x, y, 1)
            projected = intercept + slope * (x[-1] + ahead)
            active[i] = projected >= s.threshold and y[-1] >= (1 - guard) * s.threshold
        return _for(active, int(HOUR / TICK) + 1)

    return method


def hysteresis(probability: FloatArray, fire: float, clear: float) -> npt.NDArray[np.bool_]:
    """Alert from `fire` on, until the probability falls below `clear` (resolve)."""
    out = np.zeros(probability.size, dtype=bool)
    on = False
    for i, p in enumerate(probability):
        on = bool(p >= (clear if on else fire))
        out[i] = on
    return out


def vigil_method(fire: float = FIRE_PROBABILITY, clear: float = CLEAR_PROBABILITY
                 ) -> Callable[[LabelledSeries, npt.NDArray[np.int64]], npt.NDArray[np.bool_]]:
    """Vigil's time-to-breach on the last HISTORY: fire at `fire`, resolve under `clear`."""
    hist = int(HISTORY / STEP)

    def method(s: LabelledSeries, ticks: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        prob = np.zeros(ticks.size)
        for i, t in enumerate(ticks):
            lo = max(0, t + 1 - hist)
            grid = RegularSeries(lo * STEP, STEP, s.values[lo:t + 1],
                                 np.ones(t + 1 - lo, dtype=bool))
            try:
                prob[i] = predict_breach_grid(grid, s.threshold, Direction.ABOVE,
                                              s.horizon).probability
            except ForecastInputError:
                continue
        return hysteresis(prob, fire, clear)

    return method


@dataclass(frozen=True)
class MethodScore:
    """The output contract's figures for one method."""

    method: str
    recall: float
    median_lead_minutes: float | None
    false_episodes_per_series_week: float
    series: int

    def to_json(self) -> dict[str, object]:
        """The JSON object `vigil bench breach --format json` prints."""
        return {"method": self.method, "recall": round(self.recall, 4),
                "median_lead_minutes": (None if self.median_lead_minutes is None
                                        else round(self.median_lead_minutes, 1)),
                "false_episodes_per_series_week": round(self.false_episodes_per_series_week, 4),
                "series": self.series}


def _episodes(active: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, last) tick positions of each run of active ticks."""
    out: list[tuple[int, int]] = []
    start = None
    for i, a in enumerate(active):
        if a and start is None:
            start = i
        elif not a and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(active) - 1))
    return out


def score(name: str, series: Sequence[LabelledSeries],
          states: Sequence[npt.NDArray[np.bool_]]) -> MethodScore:
    """Recall, median lead and false episodes per series-week of one method."""
    warned = 0
    breaches = 0
    leads: list[float] = []
    false = 0
    weeks = 0.0
    for s, active in zip(series, states, strict=True):
        ticks = _ticks(s)
        weeks += (s.end_index - ticks[0]) * STEP / (7 * DAY) if ticks.size else 0.0
        eps = _episodes(active)
        if s.breach_index is None:
            false += len(eps)
            continue
        breaches += 1
        deadline = s.breach_index - REQUIRED_LEAD / STEP
        found = False
        for a, b in eps:
            start, end = ticks[a], ticks[b] + TICK / STEP  # active until the next tick
            if start <= deadline < end and not found:
                found = True
                leads.append((s.breach_index - start) * STEP / 60.0)
            elif start > deadline:
                continue  # late but right: not counted either way
            elif end <= deadline:
                false += 1
        warned += found
    return MethodScore(name, warned / breaches if breaches else 0.0,
                       float(np.median(leads)) if leads else None,
                       false / weeks if weeks else 0.0, len(series))


def run_breach_bench(seed: int, per_kind: int = 3, fire: float = FIRE_PROBABILITY,
                     clear: float = CLEAR_PROBABILITY) -> list[MethodScore]:
    """Generate the seed's series and score every method on them."""
    series = generate(seed, per_kind)
    methods = {"vigil": vigil_method(fire, clear),
               "predict_linear_4h": predict_linear_method(4 * HOUR, 0.10),
               "predict_linear_24h": predict_linear_method(24 * HOUR, 0.15),
               "static": static_method}
    out = []
    for name in METHODS:
        states = [methods[name](s, _ticks(s)) for s in series]
        out.append(score(name, series, states))
    return out
