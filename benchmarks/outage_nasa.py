"""Is the NASA-KSC hurricane outage caught? (issue 10: a warning within its first 3 hours).

Runs the default detector (or `--detector`) over the per-minute NASA trace (minute 0 = 1995-07-01
00:00 EDT) and prints one JSON object per figure: delay of the first warning
into the 37-hour outage from minute 40,585, reports during it, warnings
elsewhere, and negative lower bounds (there must be none: the series is never
negative).

    .venv/bin/python benchmarks/outage_nasa.py /work/shared/data/traces [--step-minutes 5] \
        [--detector vigilevents]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from detection import emit

from vigil.core.types import Severity
from vigil.detection import make_detector

OUTAGE_START = 40_585  # minutes
OUTAGE_MINUTES = 2_263


def main() -> None:
    """Run the check."""
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", type=Path)
    ap.add_argument("--step-minutes", type=int, default=1)
    ap.add_argument("--detector", default="vigil", help="a registered detector's name")
    args = ap.parse_args()
    raw = np.loadtxt(args.traces / "nasa_http_1995_per_minute.csv", delimiter=",", skiprows=1)
    step = args.step_minutes
    values = raw[:, 1][: len(raw) // step * step].reshape(-1, step).sum(axis=1)
    t0 = datetime(1995, 7, 1, 4, tzinfo=UTC).timestamp()
    ts = t0 + 60.0 * step * np.arange(len(values))
    batch = make_detector(args.detector).update_batch(ts, values)
    alert = [s is not None and s.rank >= Severity.WARNING.rank for s in batch.severities()]
    a, b = OUTAGE_START // step, (OUTAGE_START + OUTAGE_MINUTES) // step
    inside = [i for i in range(a, b) if alert[i]]
    notes = f"NASA trace, {step}-minute steps"
    emit("outage.first_warning_delay", (inside[0] - a) * step / 60 if inside else -1, "h", notes)
    emit("outage.reports_during", len(inside), "warnings", notes + ", 37 h outage")
    emit("outage.warnings_elsewhere", sum(alert) - len(inside), "warnings",
         f"{notes}, {len(values) - (b - a):,} other points")
    emit("outage.negative_lower_bounds", int(np.sum(batch.lower < 0)), "points", notes)


if __name__ == "__main__":
    main()
