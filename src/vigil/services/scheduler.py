"""A small in-process scheduler; on PostgreSQL each job runs on one replica at a time.

Jobs register with a name, an interval and a callable taking the current time. On
PostgreSQL a run first takes `pg_try_advisory_lock` keyed by the job name, so any number of
replicas cooperate without a coordinator; on SQLite there is one process by design.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text

from vigil.storage.database import Database
from vigil.storage.jobs_repo import last_started, record_finish, record_start
from vigil.telemetry.logging import log_event
from vigil.telemetry.metrics import JOB_DURATION, JOB_RUNS

JobFunc = Callable[[datetime], str | None]


@dataclass
class Job:
    """A registered job: what to run and how often (seconds)."""

    name: str
    interval: float
    func: JobFunc
    next_run: float = field(default=0.0)
    exclusive: bool = True


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name."""
    digest = hashlib.sha256(f"vigil-job:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(db: Database, name: str, wait_seconds: float = 0.0) -> Iterator[bool]:
    """Hold job `name`'s lock while the block runs; yields False when another holder kept it.

    On PostgreSQL this is the advisory lock every replica's scheduler takes before running
    the job, tried again every 0.2 s for up to `wait_seconds`; on SQLite (one process by
    design) it is always granted.
    """
    if db.dialect != "postgresql":
        yield True
        return
    key = advisory_key(name)
    deadline = time.monotonic() + wait_seconds
    with db.engine.connect() as conn:
        while True:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            if got or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


class Scheduler:
    """Runs registered jobs on their intervals in one background thread."""

    def __init__(self, db: Database, tick: float = 1.0) -> None:
        self._db = db
        self._jobs: dict[str, Job] = {}
        self._tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, name: str, interval: float, func: JobFunc, delay: float = 0.0,
                 exclusive: bool = True) -> None:
        """Add a job; its first run is `delay` seconds after start.

        An exclusive job runs on one replica at a time (PostgreSQL advisory lock); a
        non-exclusive one runs on every replica (e.g. recording each replica's own metrics).
        """
        self._jobs[name] = Job(name, interval, func, time.monotonic() + delay, exclusive)

    @property
    def jobs(self) -> list[str]:
        """Names of the registered jobs."""
        return sorted(self._jobs)

    def start(self) -> None:
        """Start the background thread."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="vigil-scheduler",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for the job in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for job in list(self._jobs.values()):
                if job.next_run <= now and not self._stop.is_set():
                    job.next_run = now + job.interval
                    self.run_due(job.name)
            self._stop.wait(self._tick)

    def run_due(self, name: str) -> str:
        """Run a job whose interval has passed here, unless another replica ran it lately.

        Replicas keep their own clocks, so without this check N replicas would each run
        an exclusive job once per interval, one after the other: N runs per interval.
        """
        return self.run_now(name, skip_if_recent=True)

    def run_now(self, name: str, skip_if_recent: bool = False) -> str:
        """Run one job now (if this replica gets its lock); returns the outcome."""
        job = self._jobs[name]
        if self._db.dialect != "postgresql" or not job.exclusive:
            return self._execute(job)
        try:
            with job_lock(self._db, name) as got:
                last = last_started(self._db, name) if got and skip_if_recent else None
                if not got or (last is not None and (datetime.now(UTC) - last).total_seconds()
                               < job.interval / 2):
                    JOB_RUNS.labels(job=name, outcome="skipped").inc()
                    return "skipped"
                return self._execute(job)
        except Exception as exc:  # a job must never kill the scheduler thread
            log_event("ERROR", "ERROR", job=name, message=f"scheduler could not run job: {exc}")
            return "error"

    def _execute(self, job: Job) -> str:
        started = time.perf_counter()
        now = datetime.now(UTC)
        try:
            record_start(self._db, job.name, now)
            detail = job.func(now)
            outcome = "ok"
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}"
            outcome = "error"
            log_event("ERROR", "ERROR", job=job.name, message=f"job failed: {detail}")
        JOB_RUNS.labels(job=job.name, outcome=outcome).inc()
        JOB_DURATION.labels(job=job.name).observe(time.perf_counter() - started)
        try:
            record_finish(self._db, job.name, datetime.now(UTC), outcome, detail)
        except Exception as exc:
            log_event("ERROR", "ERROR", job=job.name, message=f"could not record job run: {exc}")
        return outcome
