"""Where rate-limit counters and lockouts live: Redis (shared by replicas) or this process.

Both stores have the same four operations on string keys: count a hit in a window,
lock a key for some seconds, ask how long a key stays locked, and list or clear locks.
Redis keys are namespaced under `vigil:limits:`; every one of them expires by itself.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

PREFIX = "vigil:limits:"


@dataclass(frozen=True, slots=True)
class Lock:
    """A lockout: what is locked (e.g. `auth:203.0.113.9`) and for how many more seconds."""

    key: str
    remaining_seconds: float


class LimitStore(Protocol):
    """Counters with windows and expiring locks."""

    def hit(self, key: str, window_seconds: float) -> tuple[int, float]:
        """Count one hit on `key` in its window: (the window's count, seconds it has left)."""

    def lock(self, key: str, seconds: float) -> None:
        """Lock `key` for `seconds`."""

    def locked_for(self, key: str) -> float | None:
        """Seconds `key` stays locked, or None when it is not locked."""

    def locks(self) -> list[Lock]:
        """Every active lock."""

    def clear(self, key: str | None = None) -> int:
        """Lift one lock (and its counter), or every lock when `key` is None; how many."""


class MemoryLimitStore:
    """The in-process store: exact for one process, not shared between replicas."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[float, int]] = {}
        self._locks: dict[str, float] = {}

    def _prune(self, now: float) -> None:
        if len(self._counters) > 10_000:
            self._counters = {k: v for k, v in self._counters.items() if v[0] > now}
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v > now}

    def hit(self, key: str, window_seconds: float) -> tuple[int, float]:
        """Count one hit on `key` in its window: (the window's count, seconds it has left)."""
        now = self._clock()
        with self._lock:
            self._prune(now)
            ends, count = self._counters.get(key, (0.0, 0))
            if ends <= now:
                ends, count = now + window_seconds, 0
            self._counters[key] = (ends, count + 1)
            return count + 1, ends - now

    def lock(self, key: str, seconds: float) -> None:
        """Lock `key` for `seconds`."""
        with self._lock:
            self._locks[key] = self._clock() + seconds

    def locked_for(self, key: str) -> float | None:
        """Seconds `key` stays locked, or None when it is not locked."""
        with self._lock:
            until = self._locks.get(key)
            if until is None:
                return None
            remaining: float = until - self._clock()
            if remaining <= 0:
                del self._locks[key]
                return None
            return remaining

    def locks(self) -> list[Lock]:
        """Every active lock."""
        now = self._clock()
        with self._lock:
            return sorted((Lock(k, until - now) for k, until in self._locks.items() if until > now),
                          key=lambda lock: lock.key)

    def clear(self, key: str | None = None) -> int:
        """Lift one lock (and its counter), or every lock when `key` is None; how many."""
        with self._lock:
            if key is None:
                count = len(self._locks)
                self._locks.clear()
                self._counters.clear()
                return count
            self._counters.pop(key, None)
            return 1 if self._locks.pop(key, None) is not None else 0


class RedisLimitStore:
    """The shared store: counters and locks in Redis, so limits hold across replicas."""

    def __init__(self, url: str, timeout_seconds: float = 0.5) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_connect_timeout=timeout_seconds,
                                            socket_timeout=timeout_seconds)

    def hit(self, key: str, window_seconds: float) -> tuple[int, float]:
        """Count one hit on `key` in its window: (the window's count, seconds it has left)."""
        name = PREFIX + "count:" + key
        pipe = self._client.pipeline()
        pipe.incr(name)
        pipe.pexpire(name, max(1, int(window_seconds * 1000)), nx=True)
        pipe.pttl(name)
        count, _, ttl = pipe.execute()
        return int(count), max(int(ttl), 0) / 1000.0

    def lock(self, key: str, seconds: float) -> None:
        """Lock `key` for `seconds`."""
        self._client.set(PREFIX + "lock:" + key, "1", px=max(1, int(seconds * 1000)))

    def locked_for(self, key: str) -> float | None:
        """Seconds `key` stays locked, or None when it is not locked."""
        ttl = int(self._client.pttl(PREFIX + "lock:" + key))
        return ttl / 1000.0 if ttl > 0 else None

    def locks(self) -> list[Lock]:
        """Every active lock."""
        found: list[Lock] = []
        for name in self._client.scan_iter(match=PREFIX + "lock:*", count=500):
            text = name.decode() if isinstance(name, bytes) else str(name)
            ttl = int(self._client.pttl(text))
            if ttl > 0:
                found.append(Lock(text[len(PREFIX + "lock:"):], ttl / 1000.0))
        return sorted(found, key=lambda lock: lock.key)

    def clear(self, key: str | None = None) -> int:
        """Lift one lock (and its counter), or every lock when `key` is None; how many."""
        if key is not None:
            self._client.delete(PREFIX + "count:" + key)
            return int(self._client.delete(PREFIX + "lock:" + key))
        cleared = 0
        for pattern in ("lock:*", "count:*"):
            names = list(self._client.scan_iter(match=PREFIX + pattern, count=500))
            if names:
                deleted = int(self._client.delete(*names))
                cleared += deleted if pattern == "lock:*" else 0
        return cleared

    def ping(self) -> None:
        """Raise redis.RedisError when Redis does not answer."""
        self._client.ping()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
