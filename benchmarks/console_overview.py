"""Console overview speed: GET / with a logged-in session against a seeded PostgreSQL.

Issue #14's target: the overview renders in <= 300 ms with 10,000 series, 100,000 alerts
and 1 million anomalies in PostgreSQL. Seed the database first with the analytics seeder
(`benchmarks/seed_analytics.py`), or pass `--seed` to run it from here:

    .venv/bin/python benchmarks/console_overview.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/bench [--seed] [--repeats 30]

The request goes through the whole app in process (middleware, session lookup, the
overview queries, template rendering), without a network hop. Prints one JSON object per
result: {"name", "figure", "unit", "notes"}; the target is reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

NOTES = f"{platform.machine()} {platform.python_version()} cpus={os.cpu_count()}"
TARGET_MS = 300.0


def emit(name: str, figure: float, unit: str, notes: str = "") -> None:
    """Print one result line."""
    print(json.dumps({"name": name, "figure": round(figure, 3), "unit": unit,
                      "notes": f"{NOTES}; {notes}" if notes else NOTES}), flush=True)


def _row_counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                    for t in ("series", "alerts", "anomaly_detections")}
    finally:
        engine.dispose()


def main() -> int:
    """Time the overview page; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", action="store_true",
                        help="seed first with benchmarks/seed_analytics.py (empties its tables)")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        print("the target is about PostgreSQL: pass a postgresql+psycopg:// URL",
              file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if args.seed:
        from benchmarks.seed_analytics import seed  # written by the analytics work (#14)

        report = seed(args.database_url)
        emit("console_seed", report.seconds, "s", json.dumps(report.counts))

    from fastapi.testclient import TestClient

    from vigil.api.app import create_app
    from vigil.config import OperatorConfig, Settings
    from vigil.core.types import Role
    from vigil.services.keys import create_key
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(args.database_url)
    counts = _row_counts(args.database_url)
    scale = ", ".join(f"{n} {t}" for t, n in counts.items())
    settings = Settings(database_url=args.database_url, scheduler_enabled=False,
                        data_dir=Path(tempfile.mkdtemp(prefix="console-bench-")))
    db = open_database(settings)
    key = create_key(db, "console-benchmark", Role.VIEWER, actor="benchmark").secret
    app = create_app(settings, db=db, config=OperatorConfig(), background=False)
    with TestClient(app, base_url="https://bench") as client:
        form = client.get("/login").text
        token = re.search(r'name="login_csrf" value="([^"]+)"', form)
        assert token is not None
        client.post("/login", data={"api_key": key, "login_csrf": token.group(1)})
        times: list[float] = []
        for i in range(args.repeats + 3):
            started = time.perf_counter()
            page = client.get("/")
            elapsed = (time.perf_counter() - started) * 1000.0
            if page.status_code != 200 or "Open alerts" not in page.text:
                print(f"GET / answered {page.status_code}", file=sys.stderr)
                return 1
            if i >= 3:  # the first requests warm the connection pool and template cache
                times.append(elapsed)
    db.dispose()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    notes = f"{scale}; {args.repeats} requests after 3 warm-up; target <= {TARGET_MS:g} ms"
    emit("console_overview_median", statistics.median(times), "ms", notes)
    emit("console_overview_p95", p95, "ms", notes)
    emit("console_overview_max", times[-1], "ms", notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
