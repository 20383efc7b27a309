"""A seeded generator of operations-like series with labelled anomaly windows (NAB layout).

`write_corpus(out, seed, traces)` writes `data/<category>/<file>.csv` and
`labels/combined_windows.json` under `out`, the same layout as NAB, so the
same harness and scoring rules apply (`vigil bench synth`). No detector was
tuned on it. The first three recipes were written once, before any detector
was run on them; synthBursts was revised once (shorter labelled surges, longer
files, both from issue 10's description of the held-out tweets) after a first
look at the default's score, and synthNews was added after comparing CAD OSE
on synthBursts (below). The generator is deterministic for a seed.

* synthCounts: counts every 5 minutes (Poisson or negative-binomial around a
  daily and weekly profile, levels from 0.3 to 300 a step: many zeros at the
  low end, heavy tails), with surges, dips (towards 0) and level shifts.
* synthGauges: CPU (%), memory (%), latency (ms, log-normal), with level
  shifts, variance changes, slow drifts towards a limit, stuck values and gaps
  (missing rows).
* synthBursts: mention volumes every 5 minutes (social-media-like counts):
  a small daily and weekly level (0.5 to 30 a step, many zeros) with frequent
  unlabelled bursts whose peaks are Pareto-distributed (heavy-tailed, some as
  large as the labelled ones) and decay within minutes; the labelled anomalies
  are news-like surges, larger and a little longer (decaying over 10 minutes
  to an hour), or a level that stays raised for half a day to two days. Files
  are 8 weeks long, like NAB's. Added after the other categories, from its own
  random stream, so they are unchanged for a seed.
* synthNews: the same recipe with lighter-tailed unlabelled bursts (Pareto
  index 2.5-4), so the labelled surges are most often a file's largest events.
  Added after synthBursts, on which CAD OSE (the issue's reference detector)
  scored well below Vigil, unlike on the held-out tweets. Its own random
  stream too.
* synthTraces (when a traces folder is given): the per-minute request-rate
  traces summed to 5 minutes, with a surge, a dip and a level shift injected;
  long runs of zeros already in a trace (an outage, a collection gap) are
  labelled as anomalies too.

Label windows follow NAB: a file's windows share 10 % of its rows, each centred
on the start of its anomaly.

Corpus versions (`version`, recorded in labels/synth.json). Version 2 (the
default) fixes one fault of version 1, which stays available so its recorded
figures can be reproduced: a level shift of a gauge was ±(3-6) standard
deviations of its noise, added. A downward one could take the gauge below its
floor (0 % CPU, 0.1 ms latency: the noise of latency is log-normal and wide),
where it was clipped and stayed flat for the rest of the file, an unlabelled
"outage" of days (41 of the 312 gauge files of seeds 0-51 sat at the floor for
an hour or more). In version 2 latency shifts multiply by (or divide by)
1 + (3-6) × its noise's coefficient of variation, the same size at its mean
level, and a CPU or memory shift that would reach the floor goes up instead.
Everything else is identical for a seed, as it draws the same random numbers.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
STEP_S = 300.0                      # 5 minutes
DAY_STEPS = int(86400 / STEP_S)     # 288
START = datetime(2024, 1, 1, tzinfo=UTC).timestamp()  # a Monday
WINDOW_SHARE = 0.10                 # NAB: windows share 10 % of a file's rows
TRACE_FILES = {  # file -> (value column, first minute's UTC time)
    "nasa_http_1995_per_minute.csv": ("requests", datetime(1995, 7, 1, 4, tzinfo=UTC)),
    "twitter_stream_per_minute.csv": ("events", datetime(2021, 8, 1, tzinfo=UTC)),
}
NEWS_TAIL = (2.5, 4.0)              # synthNews: lighter-tailed unlabelled bursts
ZERO_RUN_STEPS = 12                 # a trace at 0 for an hour or more is an outage
GAUGE_EVENTS = {"shift": "level shift", "variance": "variance change",
                "drift": "drift to a limit", "stuck": "stuck value"}
TRACE_EVENTS = {"surge": "surge", "dip": "dip", "shift": "level shift up"}
KINDS_FILE = "synth_kinds.json"     # labels/: the kind of each labelled anomaly, per file
CORPUS_VERSION = 2                  # the default; 1 reproduces figures recorded before it
CORPUS_VERSIONS = (1, 2)


@dataclass(slots=True)
class SynthSeries:
    """One generated series: timestamps, values, and the rows where anomalies start."""

    name: str
    seconds: FloatArray
    values: FloatArray
    onsets: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # what each onset is, same order


def _profile(rng: np.random.Generator, n: int) -> FloatArray:
    """A positive daily × weekly shape with mean about 1 (random phase and depth)."""
    t = np.arange(n)
    day = 2 * np.pi * t / DAY_STEPS
    depth = rng.uniform(0.3, 0.9)
    phase = rng.uniform(0, 2 * np.pi)
    daily = 1 + depth * np.sin(day + phase) + 0.3 * depth * np.sin(2 * day + 2 * phase)
    weekday = (t // DAY_STEPS) % 7
    weekend = np.where(weekday >= 5, rng.uniform(0.4, 0.9), 1.0)
    shape = np.maximum(daily, 0.05) * weekend
    return np.asarray(shape / shape.mean(), dtype=np.float64)


def _onsets(rng: np.random.Generator, n: int, k: int, min_gap: int) -> list[int]:
    """k anomaly starts after NAB's probationary period, at least min_gap apart."""
    lo = int(0.2 * n)
    while True:
        starts = sorted(int(x) for x in rng.integers(lo, n - min_gap, k))
        if all(b - a >= min_gap for a, b in itertools.pairwise(starts)):
            return starts


def _counts(rng: np.random.Generator, name: str, n: int) -> SynthSeries:
    """A count series with surges, dips and a level shift."""
    level = float(np.exp(rng.uniform(np.log(0.3), np.log(300))))
    mean = level * _profile(rng, n)
    onsets = _onsets(rng, n, 3, DAY_STEPS)
    kinds = rng.permutation(["surge", "dip", "shift"])
    labels: list[str] = []
    for start, kind in zip(onsets, kinds, strict=True):
        if kind == "surge":
            length = int(rng.integers(2, 13))
            mean[start:start + length] *= rng.uniform(4, 20) + 3 / max(level, 0.1)
            labels.append("surge")
        elif kind == "dip":
            length = int(rng.integers(12, 72))
            mean[start:start + length] *= rng.uniform(0.0, 0.1)
            labels.append("dip")
        else:
            factor = rng.choice([rng.uniform(1.8, 3.0), rng.uniform(0.25, 0.5)])
            mean[start:] *= factor
            labels.append("level shift up" if factor > 1 else "level shift down")
    if rng.uniform() < 0.5:
        values = rng.poisson(mean).astype(np.float64)
    else:  # negative binomial (gamma-Poisson): over-dispersed, heavier tail
        shape = rng.uniform(0.5, 3.0)
        values = rng.poisson(rng.gamma(shape, mean / shape)).astype(np.float64)
    seconds = np.asarray(START + STEP_S * np.arange(n), dtype=np.float64)
    return SynthSeries(name, seconds, values, onsets, labels)


def _decaying(n: int, start: int, peak: float, tau: float) -> FloatArray:
    """A burst that jumps to `peak` at `start` and decays with time constant `tau` steps."""
    out = np.zeros(n)
    t = np.arange(n - start, dtype=np.float64)
    out[start:] = peak * np.exp(-t / tau)
    return out


def _bursts(rng: np.random.Generator, name: str, n: int,
            tail: tuple[float, float] = (1.2, 2.0),
            levels: tuple[float, float] = (0.5, 30.0)) -> SynthSeries:
    """Mention volumes: unlabelled bursts (Pareto tail index drawn from `tail`),
    labelled news surges, around a daily × weekly level drawn log-uniformly from `levels`."""
    level = float(np.exp(rng.uniform(np.log(levels[0]), np.log(levels[1]))))
    mean = level * _profile(rng, n)
    per_day = rng.uniform(1, 6)
    alpha = rng.uniform(*tail)
    scale = rng.uniform(1, 3)
    for burst in np.flatnonzero(rng.uniform(size=n) < per_day / DAY_STEPS):
        peak = level * scale * (1 + rng.pareto(alpha))
        mean += _decaying(n, int(burst), peak, rng.uniform(1, 6))
    onsets = _onsets(rng, n, int(rng.integers(2, 4)), DAY_STEPS)
    labels: list[str] = []
    for start in onsets:
        if rng.uniform() < 0.75:
            peak = level * rng.uniform(10, 40) + 10
            mean += _decaying(n, start, peak, rng.uniform(2, 12))
            labels.append("news surge")
        else:
            length = int(rng.integers(DAY_STEPS // 2, 2 * DAY_STEPS))
            mean[start:start + length] *= rng.uniform(2, 4)
            labels.append("raised level")
    shape = rng.uniform(2, 10)
    values = rng.poisson(rng.gamma(shape, mean / shape)).astype(np.float64)
    seconds = np.asarray(START + STEP_S * np.arange(n), dtype=np.float64)
    return SynthSeries(name, seconds, values, onsets, labels)


def _gauge(rng: np.random.Generator, name: str, n: int, kind: str,
           version: int = CORPUS_VERSION) -> SynthSeries:
    """A CPU, memory or latency gauge with level shifts, variance changes, drifts,
    stuck values and gaps."""
    shape = _profile(rng, n)
    onsets = _onsets(rng, n, 3, DAY_STEPS)
    events = list(rng.choice(["shift", "variance", "drift", "stuck"], 3, replace=False))
    if kind == "cpu":
        base = rng.uniform(10, 50) * shape ** rng.uniform(0.3, 1.0)
        noise = rng.normal(0, rng.uniform(1, 4), n)
    elif kind == "memory":
        base = rng.uniform(30, 60) + 2 * shape
        noise = rng.normal(0, rng.uniform(0.2, 1.0), n)
    else:
        base = rng.uniform(20, 200) * shape ** 0.3
        noise = base * (rng.lognormal(0, rng.uniform(0.2, 0.5), n) - 1)
    values = base + noise
    limit = 100.0 if kind != "latency" else float(np.max(values)) * 3
    for start, ev in zip(onsets, events, strict=True):
        if ev == "shift":
            sign, size = rng.choice([-1, 1]), rng.uniform(3, 6)
            if version >= 2:
                _shift_within_range(values[start:], kind, int(sign), size, noise, base)
            else:
                values[start:] += sign * size * np.std(noise)
        elif ev == "variance":
            length = int(rng.integers(DAY_STEPS // 4, DAY_STEPS))
            values[start:start + length] += noise[start:start + length] * rng.uniform(3, 6)
        elif ev == "drift":
            length = int(rng.integers(DAY_STEPS // 2, 2 * DAY_STEPS))
            end = min(start + length, n)
            ramp = np.linspace(0, 1, end - start)
            values[start:end] += ramp * (0.9 * limit - values[start:end])
            values[end:] = np.nan  # the process died at its limit: no data any more
        else:
            length = int(rng.integers(24, 96))
            values[start:start + length] = values[start]
    values = np.clip(values, 0, 100) if kind != "latency" else np.maximum(values, 0.1)
    seconds = np.asarray(START + STEP_S * np.arange(n), dtype=np.float64)
    # gaps: a few runs of missing rows (not anomalies: a collector restarting)
    keep = ~np.isnan(values)
    for _ in range(int(rng.integers(1, 4))):
        a = int(rng.integers(0, n - 30))
        keep[a:a + int(rng.integers(2, 24))] = False
    for o in onsets:
        keep[o] = True  # an anomaly's first row stays, so its window is anchored
    keep &= ~np.isnan(values)
    index = np.flatnonzero(keep)
    kept = [(o, ev) for o, ev in zip(onsets, events, strict=True) if keep[o]]
    remap = np.searchsorted(index, [o for o, _ in kept])
    return SynthSeries(name, seconds[index], values[index], [int(r) for r in remap],
                       [GAUGE_EVENTS[str(ev)] for _, ev in kept])


def _read_trace(path: Path) -> FloatArray:
    """Second column of a per-minute trace CSV (minute_index,value)."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return np.array([float(r[1]) for r in rows if len(r) >= 2], dtype=np.float64)


def _trace(rng: np.random.Generator, path: Path, start: datetime) -> SynthSeries:
    """A request-rate trace summed to 5 minutes, with injected surge, dip and shift."""
    per_minute = _read_trace(path)
    m = len(per_minute) // 5 * 5
    values = np.asarray(per_minute[:m].reshape(-1, 5).sum(axis=1), dtype=np.float64)
    n = len(values)
    zero = values == 0
    edges = np.diff(np.r_[0, zero.astype(np.int8), 0])
    runs = [(int(a), int(b)) for a, b in zip(np.flatnonzero(edges == 1),
                                             np.flatnonzero(edges == -1), strict=True)
            if b - a >= ZERO_RUN_STEPS]
    onsets = [a for a, _ in runs]
    labels = ["outage (the trace's own zeros)"] * len(onsets)
    injected = _onsets(rng, n, 3, 3 * DAY_STEPS)
    for o, kind in zip(injected, ("surge", "dip", "shift"), strict=True):
        if any(a - 3 * DAY_STEPS <= o <= b + DAY_STEPS for a, b in runs):
            continue  # keep injections away from the trace's own outages
        onsets.append(o)
        labels.append(TRACE_EVENTS[kind])
        if kind == "surge":
            values[o:o + 6] *= rng.uniform(3, 8)
        elif kind == "dip":
            values[o:o + 36] = np.round(values[o:o + 36] * rng.uniform(0.0, 0.15))
        else:
            end = min(o + 2 * DAY_STEPS, n)
            values[o:end] = np.round(values[o:end] * rng.uniform(1.8, 2.5))
    seconds = np.asarray(start.timestamp() + STEP_S * np.arange(n), dtype=np.float64)
    order = sorted(range(len(onsets)), key=onsets.__getitem__)
    return SynthSeries(path.stem.replace("_per_minute", ""), seconds, values,
                       [onsets[i] for i in order], [labels[i] for i in order])


def _shift_within_range(after: FloatArray, kind: str, sign: int, size: float,
                        noise: FloatArray, base: FloatArray) -> None:
    """Shift a gauge's values from the onset on (in place) by `size` noise deviations,
    never below its floor: latency by a factor (its noise is relative), CPU and
    memory by a step that goes up if going down would reach 0."""
    if kind == "latency":
        factor = 1.0 + size * float(np.std(noise)) / float(np.mean(base))
        after *= factor if sign > 0 else 1.0 / factor
        return
    step = size * float(np.std(noise))
    if sign < 0 and float(np.quantile(after, 0.05)) - step <= 0.0:
        sign = 1  # CPU at 10 % cannot fall by 20 points: the shift goes up
    after += sign * step


def generate(seed: int = 0, traces: Path | None = None, n: int = 4032,
             version: int = CORPUS_VERSION) -> dict[str, list[SynthSeries]]:
    """The corpus by category (deterministic for a seed and version); `n` rows per
    generated file, 4 n (8 weeks at the default) for the burst categories."""
    if version not in CORPUS_VERSIONS:
        raise ValueError(f"corpus version {version}: known versions are "
                         f"{', '.join(map(str, CORPUS_VERSIONS))}")
    rng = np.random.default_rng(seed)
    corpus: dict[str, list[SynthSeries]] = {
        "synthCounts": [_counts(rng, f"counts_{i}", n) for i in range(8)],
        "synthGauges": [_gauge(rng, f"{kind}_{i}", n, kind, version)
                        for i in range(2) for kind in ("cpu", "memory", "latency")],
    }
    if traces is not None:
        found = [(traces / f, start) for f, (_, start) in TRACE_FILES.items()
                 if (traces / f).is_file()]
        if found:
            corpus["synthTraces"] = [_trace(rng, p, start) for p, start in found]
    burst_rng = np.random.default_rng([seed, 1])
    corpus["synthBursts"] = [_bursts(burst_rng, f"mentions_{i}", 4 * n) for i in range(8)]
    news_rng = np.random.default_rng([seed, 2])
    corpus["synthNews"] = [_bursts(news_rng, f"news_{i}", 4 * n, NEWS_TAIL)
                           for i in range(8)]
    return corpus


def burst_series(seed: int, files: int, n: int, tail: tuple[float, float],
                 levels: tuple[float, float]) -> list[SynthSeries]:
    """`files` mention-volume series like synthBursts' with the given tail and level
    range (for diagnostics; the corpus itself is `generate`)."""
    rng = np.random.default_rng([seed, 7])
    return [_bursts(rng, f"bursts_{i}", n, tail, levels) for i in range(files)]


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def windows_of(s: SynthSeries) -> list[tuple[int, int]]:
    """NAB-style label windows (row ranges) centred on each anomaly's first row."""
    if not s.onsets:
        return []
    width = max(int(WINDOW_SHARE * len(s.values) / len(s.onsets)), 2)
    return [(max(o - width // 2, 0), min(o + width // 2, len(s.values) - 1))
            for o in s.onsets]


def write_corpus(out: Path, seed: int = 0, traces: Path | None = None,
                 on_file: Callable[[str], None] | None = None,
                 version: int = CORPUS_VERSION) -> int:
    """Write the corpus under `out` in NAB layout; returns the number of files."""
    labels: dict[str, list[list[str]]] = {}
    kinds: dict[str, list[str]] = {}  # per file, the kind of each window, in window order
    for category, items in generate(seed, traces, version=version).items():
        folder = out / "data" / category
        folder.mkdir(parents=True, exist_ok=True)
        for s in items:
            name = f"{category}/{s.name}.csv"
            with (out / "data" / name).open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["timestamp", "value"])
                for t, v in zip(s.seconds, s.values, strict=True):
                    w.writerow([_stamp(float(t)), repr(round(float(v), 6))])
            kinds[name] = list(s.kinds)
            labels[name] = [[_stamp(float(s.seconds[a])) + ".000000",
                             _stamp(float(s.seconds[b])) + ".000000"]
                            for a, b in windows_of(s)]
            if on_file is not None:
                on_file(name)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    (out / "labels" / "combined_windows.json").write_text(
        json.dumps(labels, indent=1, sort_keys=True))
    (out / "labels" / KINDS_FILE).write_text(json.dumps(kinds, indent=1, sort_keys=True))
    (out / "labels" / "synth.json").write_text(json.dumps(
        {"seed": seed, "traces": bool(traces), "version": version}))
    return len(labels)
