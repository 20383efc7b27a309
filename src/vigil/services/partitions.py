"""Claim partitions of the series space with PostgreSQL advisory locks, no coordinator.

Every worker process holds one "slot" lock, so the number of live workers is the number
of granted slot locks in `pg_locks` for this database (advisory locks are per database,
while `pg_locks` shows the whole server: other Vigil databases on it must not count).
Each worker then holds at most ceil(P / workers) partition locks, releasing extras and
claiming free ones on every refresh; a worker that dies loses its locks with its
connection and the others take its partitions over.
On SQLite there is one process by design, and it owns every partition.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from sqlalchemy import Connection, text

from vigil.storage.database import Database
from vigil.telemetry.logging import log_event

SLOT_NAMESPACE = 0x56494731  # "VIG1"
PARTITION_NAMESPACE = 0x56494732  # "VIG2"
# Other users of the claims (the PromQL sources) pass namespaces of their own, so their
# slots and partitions are counted and claimed apart from the detection worker's.
MAX_SLOTS = 1024


class PartitionClaims:
    """The partitions this process owns, kept fair across live workers."""

    def __init__(self, db: Database, partitions: int, slot_namespace: int = SLOT_NAMESPACE,
                 partition_namespace: int = PARTITION_NAMESPACE) -> None:
        self._db = db
        self.partitions = partitions
        self._slot_ns = slot_namespace
        self._partition_ns = partition_namespace
        self.owned: set[int] = set(range(partitions)) if db.dialect != "postgresql" else set()
        self._conn: Connection | None = None
        self._slot: int | None = None
        self._busy = threading.Lock()  # refresh() and release() never share the connection

    def owns(self, series_id: int) -> bool:
        """True when this process scores the series."""
        return series_id % self.partitions in self.owned

    def owns_partition(self, partition: int) -> bool:
        """True when this process owns the partition."""
        return partition in self.owned

    def refresh(self) -> set[int]:
        """Rebalance: keep a fair share of partitions, claim free ones, release extras."""
        if self._db.dialect != "postgresql":
            return self.owned
        with self._busy:
            try:
                self._rebalance()
            except Exception as exc:  # connection lost: every lock went with it
                log_event("partition_claims_lost", "WARNING",
                          error=str(exc).splitlines()[0][:200])
                self._reset()
            return self.owned

    def _scalar(self, sql: str, **params: Any) -> Any:
        assert self._conn is not None
        value = self._conn.execute(text(sql), params).scalar()
        self._conn.commit()
        return value

    def _rebalance(self) -> None:
        if self._conn is None:
            self._conn = self._db.engine.connect()
        if self._slot is None:
            for slot in range(MAX_SLOTS):
                if self._scalar("SELECT pg_try_advisory_lock(:ns, :k)", ns=self._slot_ns, k=slot):
                    self._slot = slot
                    break
            else:
                raise RuntimeError("no free worker slot")
        live = int(self._scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = :ns AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())",
            ns=self._slot_ns) or 1)
        target = math.ceil(self.partitions / max(live, 1))
        for partition in sorted(self.owned, reverse=True)[: max(0, len(self.owned) - target)]:
            self._scalar("SELECT pg_advisory_unlock(:ns, :k)", ns=self._partition_ns,
                         k=partition)
            self.owned.discard(partition)
        for partition in range(self.partitions):
            if len(self.owned) >= target:
                break
            if partition not in self.owned and self._scalar(
                    "SELECT pg_try_advisory_lock(:ns, :k)", ns=self._partition_ns, k=partition):
                self.owned.add(partition)

    def _reset(self) -> None:
        self.owned = set()
        self._slot = None
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def release(self, wait: float = 5.0) -> None:
        """Give every lock back (on shutdown) before returning.

        The locks are unlocked on the connection first: closing it alone frees them only
        when the server's backend process has exited, which happens after the close
        returns (later still on a loaded machine), so a peer refreshing right after
        would still count this worker and find its partitions taken.

        A refresh still running in another thread (a worker whose stop timed out) keeps
        the connection for up to `wait` seconds; after that it is closed without the
        unlock, and its locks go when the server notices.
        """
        if self._db.dialect != "postgresql":
            return
        free = self._busy.acquire(timeout=wait)
        try:
            if free and self._conn is not None and self._slot is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
                    self._conn.commit()
                except Exception as exc:  # connection already lost: its locks went with it
                    log_event("partition_release_failed", "WARNING",
                              error=str(exc).splitlines()[0][:200])
            self._reset()
        finally:
            if free:
                self._busy.release()
