"""Scaling policies on each half of each trace (the same settings as `vigil bench scaling`).

    .venv/bin/python benchmarks/scaling.py /work/shared/data/traces/*.csv

Prints one JSON object per trace half × start-up delay × policy, plus the ratios the
issue's target is stated in (predictive ÷ hpa under-provisioned time and pod-hours).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from vigil.scaling.bench import run_bench
from vigil.scaling.trace import parse_trace


def main(paths: list[str]) -> None:
    """Run the halves of every trace."""
    for name in paths:
        with Path(name).open(newline="") as fh:
            trace = parse_trace(csv.reader(fh), Path(name).name)
        n = len(trace.load)
        halves = [trace.slice(0, n // 2, f"{trace.name}[first half]"),
                  trace.slice(n // 2, n, f"{trace.name}[second half]")]
        for half in halves:
            rows = list(run_bench([half]))
            for row in rows:
                print(json.dumps(row), flush=True)
            for minutes in sorted({float(str(r["startup_minutes"])) for r in rows}):
                by = {r["policy"]: r for r in rows if float(str(r["startup_minutes"])) == minutes}
                hpa, pred = by["hpa"], by["predictive"]
                under = float(str(pred["under_provisioned_pct"]))
                base = float(str(hpa["under_provisioned_pct"])) or 1e-9
                print(json.dumps({"name": "scaling_ratio", "trace": half.name,
                                  "startup_minutes": minutes,
                                  "under_provisioned_ratio": round(under / base, 3),
                                  "pod_hours_ratio": round(float(str(pred["pod_hours"]))
                                                           / float(str(hpa["pod_hours"])), 3)}),
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
