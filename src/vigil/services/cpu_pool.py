"""A bounded pool for CPU-heavy request work (on-demand detection, scans).

Without it, four large `/detect` calls keep every core and the event loop busy and
`/health` waits seconds. The pool admits at most `workers + queue` jobs; beyond that
`submit` raises `PoolSaturated` at once (the API answers 503 with Retry-After)
instead of queueing without limit. In "process" mode the work runs in worker
processes, so it never holds the server's GIL; "thread" mode bounds work that needs
this process's state (a database handle, caches).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from prometheus_client import Counter, Gauge

T = TypeVar("T")

POOL_BUSY = Gauge("vigil_cpu_pool_jobs", "CPU-heavy jobs admitted (running or queued).",
                  ["pool"])
POOL_REFUSED = Counter("vigil_cpu_pool_refused_total",
                       "CPU-heavy requests refused with 503 because the pool was full.", ["pool"])


class PoolSaturated(Exception):
    """Every slot of the pool is taken; retry after `retry_after` seconds."""

    def __init__(self, pool: str, retry_after: int) -> None:
        super().__init__(f"the {pool} pool is busy")
        self.pool = pool
        self.retry_after = retry_after


def _warm_up() -> None:
    """Load the detectors (numba) in a fresh worker process before the first job."""
    import vigil.detection.registry  # noqa: F401


class CpuPool:
    """At most `workers` jobs run and `queue` wait; more are refused, never queued."""

    def __init__(self, name: str, workers: int, queue: int, mode: str = "process",
                 retry_after: int = 2) -> None:
        self.name = name
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self.mode = mode
        self.retry_after = retry_after
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def _get_executor(self) -> Executor:
        with self._lock:
            if self._executor is None:
                if self.mode == "process":
                    self._executor = ProcessPoolExecutor(
                        self.workers, mp_context=multiprocessing.get_context("spawn"),
                        initializer=_warm_up)
                else:
                    self._executor = ThreadPoolExecutor(self.workers,
                                                        thread_name_prefix=f"vigil-{self.name}")
            return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in the pool, or raise PoolSaturated when every slot is taken."""
        if not self._slots.acquire(blocking=False):
            POOL_REFUSED.labels(self.name).inc()
            raise PoolSaturated(self.name, self.retry_after)
        POOL_BUSY.labels(self.name).inc()
        try:
            future = self._get_executor().submit(fn, *args)
        except BaseException:
            self._release()
            raise
        # the slot is freed when the job ends, even if the client went away before
        future.add_done_callback(lambda _f: self._release())
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        POOL_BUSY.labels(self.name).dec()
        self._slots.release()

    def shutdown(self) -> None:
        """Stop the workers (running jobs finish first)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
