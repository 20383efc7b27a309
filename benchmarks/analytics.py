"""Benchmark: the weekly report over 10,000 series, 100,000 alerts, 1,000,000 anomalies in
PostgreSQL (target ≤ 5 s), and the daily report.

Seeds the database with `benchmarks/seed_analytics.py` unless --no-seed, then builds each
report `--repeats` times (wall clock, the whole `build_report` + HTML rendering), and
prints one JSON object per figure.

Usage: .venv/bin/python benchmarks/analytics.py postgresql+psycopg://postgres@127.0.0.1/bench
       [--no-seed] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.seed_analytics import seed

from vigil.analytics.render_html import render_html
from vigil.config import OperatorConfig, Settings
from vigil.services.reports import build_report
from vigil.services.reports.periods import daily_period, weekly_period
from vigil.storage.database import open_database


def main(argv: list[str] | None = None) -> int:
    """Seed (optionally), then time the weekly and daily reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    end = datetime(2026, 12, 3, 12, tzinfo=UTC)
    if not args.no_seed:
        seeded = seed(args.database_url, end=end)
        print(json.dumps({"name": "seed", "figure": round(seeded.seconds, 1), "unit": "s",
                          "notes": seeded.counts}))
    settings = Settings(database_url=args.database_url)
    db = open_database(settings)
    config = OperatorConfig()
    machine = f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}"
    # the last complete week of the seeded history, with its 8-week trends
    periods = {"weekly": weekly_period(None, end), "daily": daily_period(None, end)}
    for kind, period in periods.items():
        times, cpu = [], []
        for _ in range(args.repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            report = build_report(db, settings, config, period, end + timedelta(minutes=1))
            render_html(report)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        print(json.dumps({
            "name": f"{kind}_report", "figure": round(statistics.median(times), 3), "unit": "s",
            "notes": {"period": period.label, "max": round(max(times), 3),
                      "min": round(min(times), 3), "repeats": args.repeats,
                      "client_cpu_median": round(statistics.median(cpu), 3),
                      "alerts_in_period": report["incidents"]["total"]["alerts"],
                      "anomalies_in_period": report["noise"]["anomalies"],
                      "machine": machine, "load": os.getloadavg()[0]}}))
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
