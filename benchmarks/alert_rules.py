"""Benchmark: alert rule evaluation for 10,000 series × 20 rules per cycle (target ≤ 1 s).

Prints one JSON object per result (name, figure, unit, notes):
- in-memory evaluation (the part that scales with series × rules), two layouts:
  20 rules spread over 10 metrics of 1,000 series each, and 20 rules all on one metric of
  10,000 series (every rule scans every series; half of them with a label selector);
- a full `evaluate_alerts` cycle on a SQLite file (and with --postgres on PostgreSQL)
  with 10,000 series (latest-sample query, life cycle, escalation, grouping; no receivers),
  fresh jittered samples written between cycles (untimed), steady state after the first.

Usage: .venv/bin/python benchmarks/alert_rules.py [--cycles N] [--skip-db] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from vigil.alerting.config import AlertingConfig
from vigil.alerting.rules import LatestSample, RuleSet, SeriesTable

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
N_SERIES = 10_000
N_RULES = 20


def machine() -> str:
    """Short machine description for the notes."""
    return f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}"


def samples(metrics: list[str], rng: np.random.Generator) -> list[LatestSample]:
    """10,000 fresh series spread evenly over the metrics, values 0..100."""
    per = N_SERIES // len(metrics)
    out = []
    for m_i, metric in enumerate(metrics):
        values = rng.uniform(0, 100, per)
        for j in range(per):
            sid = m_i * per + j
            labels = {"host": f"h{j % 500}", "zone": f"z{j % 7}", "service": f"s{j % 40}"}
            out.append(LatestSample(sid, metric, labels, NOW.timestamp() - 10, float(values[j])))
    return out


def rules_for(metrics: list[str]) -> AlertingConfig:
    """20 threshold rules: warning + critical per metric, or 20 on one metric."""
    rules = []
    for i in range(N_RULES):
        metric = metrics[i % len(metrics)]
        sev = "warning" if i % 2 == 0 else "critical"
        rule = {"name": f"R{i}", "metric": metric, "threshold": 90 + (i % 10) * 0.5,
                "severity": sev, "annotations": {"summary": "{series} is {value}"}}
        if len(metrics) == 1 and i % 2 == 1:
            rule["selector"] = [f'zone=~"z[0-{i % 7}]"']
        rules.append(rule)
    return AlertingConfig.model_validate({"use_defaults": False, "rules": rules})


def bench_in_memory(name: str, metrics: list[str], cycles: int) -> dict[str, object]:
    """Time table build + evaluation of all rules, median over cycles."""
    rng = np.random.default_rng(7)
    data = samples(metrics, rng)
    cfg = rules_for(metrics)
    ruleset = RuleSet(cfg.rules)
    times, fired = [], 0
    for _ in range(cycles):
        t0 = time.perf_counter()
        obs = ruleset.evaluate(SeriesTable(data), [], NOW, timedelta(minutes=10))
        times.append(time.perf_counter() - t0)
        fired = len(obs)
    return {"name": name, "figure": round(statistics.median(times), 4), "unit": "s/cycle",
            "notes": f"{N_SERIES} series x {N_RULES} rules over {len(metrics)} metric(s); "
                     f"{fired} breaches; median of {cycles}; first (cold-cache) cycle "
                     f"{times[0]:.4f} s, max {max(times):.4f} s; target <= 1 s; load "
                     f"{os.getloadavg()[0]:.1f}; {machine()}"}


@contextmanager
def database_url(kind: str) -> Iterator[str]:
    """A migrated throw-away database: a SQLite file, or a PostgreSQL database (127.0.0.1)."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from vigil.storage.engine import make_engine
    from vigil.storage.migrate import alembic_config

    def migrate(url: str) -> None:
        engine = make_engine(url)
        with engine.begin() as conn:
            acfg = alembic_config(url)
            acfg.attributes["connection"] = conn
            command.upgrade(acfg, "0004_alerting")
        engine.dispose()

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            migrate(url)
            yield url
        return
    name = f"vigil_alerting_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_full_cycle(cycles: int, kind: str = "sqlite") -> dict[str, object]:
    """`evaluate_alerts` against a database holding 10,000 series."""
    from vigil.config import Settings
    from vigil.services.alerting import evaluate_alerts
    from vigil.storage.database import open_database
    from vigil.storage.models import SampleRow, SeriesRow

    metrics = [f"metric_{i}" for i in range(10)]
    rng = np.random.default_rng(11)
    data = samples(metrics, rng)
    cfg = rules_for(metrics)
    with database_url(kind) as url:
        db = open_database(Settings(database_url=url))
        with db.session() as s:
            s.add_all(SeriesRow(id=x.series_id + 1, name=x.name, labels=dict(x.labels),
                                labels_key=",".join(f"{k}={v}" for k, v in x.labels.items()),
                                created_at=NOW) for x in data)
        with db.session() as s:
            for back in (60.0, 30.0, 10.0):  # three samples per series
                s.add_all(SampleRow(series_id=x.series_id + 1, ts=NOW.timestamp() - back,
                                    value=x.value) for x in data)
        evaluate_alerts(db, None, cfg, NOW)  # first cycle creates the alerts
        times = []
        report = None
        for i in range(cycles):
            at = NOW + timedelta(seconds=15 * (i + 1))
            with db.session() as s:  # untimed: a new sample per series, values jitter
                jitter = rng.normal(0, 0.5, len(data))
                s.add_all(SampleRow(series_id=x.series_id + 1, ts=at.timestamp() - 1,
                                    value=x.value + float(jitter[k]))
                          for k, x in enumerate(data))
            t0 = time.perf_counter()
            report = evaluate_alerts(db, None, cfg, at)
            times.append(time.perf_counter() - t0)
        db.dispose()
    assert report is not None
    return {"name": f"alert_rules_full_cycle_{kind}",
            "figure": round(statistics.median(times), 4), "unit": "s/cycle",
            "notes": f"evaluate_alerts on {kind}, {N_SERIES} series x {N_RULES} rules, "
                     f"fresh jittered samples every cycle, {report.observations} breaching "
                     f"series kept up to date; median of {cycles}, max {max(times):.3f} s; "
                     f"load {os.getloadavg()[0]:.1f}; {machine()}"}


def main() -> int:
    """Run the benchmarks and print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--skip-db", action="store_true", help="only the in-memory figures")
    parser.add_argument("--postgres", action="store_true",
                        help="also run the full cycle on PostgreSQL at 127.0.0.1:5432")
    args = parser.parse_args()
    metrics10 = [f"metric_{i}" for i in range(10)]
    print(json.dumps(bench_in_memory("alert_rules_eval_10_metrics", metrics10, args.cycles)))
    print(json.dumps(bench_in_memory("alert_rules_eval_1_metric", ["metric_0"], args.cycles)))
    if not args.skip_db:
        print(json.dumps(bench_full_cycle(max(3, args.cycles // 2))))
        if args.postgres:
            print(json.dumps(bench_full_cycle(max(3, args.cycles // 2), "postgresql")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
