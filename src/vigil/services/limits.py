"""Brute-force and cost limits: lock out addresses that fail authentication, cap expensive calls.

Counters live in Redis when `VIGIL_REDIS_URL` is set, so every replica sees the same
limits; otherwise, and whenever Redis does not answer, in this process (the limits
still hold per replica, and readiness reports "degraded"). Lockouts expire by
themselves; `vigil limits list|clear` and `GET/DELETE /api/v1/limits` show and lift them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from vigil.config import Settings
from vigil.storage.limits_store import LimitStore, Lock, MemoryLimitStore, RedisLimitStore
from vigil.telemetry.logging import log_event

T = TypeVar("T")
REDIS_RETRY_SECONDS = 5.0
"""After Redis fails, use the local store this long before trying Redis again."""


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """How many failures lock an address out, and how many expensive calls a key may make."""

    auth_failures: int = 20
    auth_window_seconds: float = 60.0
    lockout_seconds: float = 300.0
    per_minute: tuple[tuple[str, int], ...] = (("detect", 60), ("scan", 30),
                                               ("remote_write", 1200))

    def rate(self, kind: str) -> int:
        """Calls per minute allowed for one key on routes of `kind` (0: unlimited)."""
        return dict(self.per_minute).get(kind, 0)


def policy_from(settings: Settings) -> LimitPolicy:
    """The limit policy configured in the settings."""
    return LimitPolicy(auth_failures=settings.auth_failure_limit,
                       auth_window_seconds=float(settings.auth_failure_window_seconds),
                       lockout_seconds=float(settings.auth_lockout_seconds),
                       per_minute=(("detect", settings.detect_rate_per_minute),
                                   ("scan", settings.scan_rate_per_minute),
                                   ("remote_write", settings.remote_write_rate_per_minute)))


class Limiter:
    """Rate limits and lockouts on Redis with an in-process fallback."""

    def __init__(self, policy: LimitPolicy, redis_url: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.local = MemoryLimitStore(clock)
        self.shared: RedisLimitStore | None = RedisLimitStore(redis_url) if redis_url else None
        self._clock = clock
        self._retry_at = 0.0
        self._guard = threading.Lock()

    def _call(self, action: Callable[[LimitStore], T]) -> T:
        """Run on Redis when it answers, otherwise on the local store."""
        import redis

        if self.shared is not None and self._clock() >= self._retry_at:
            try:
                result = action(self.shared)
            except redis.RedisError as exc:
                with self._guard:
                    first = self._retry_at == 0.0 or self._clock() - self._retry_at > 60
                    self._retry_at = self._clock() + REDIS_RETRY_SECONDS
                if first:
                    log_event("limits_redis_unavailable", "WARNING", error=str(exc)[:200],
                              fallback="in-process limits")
            else:
                self._retry_at = 0.0
                return result
        return action(self.local)

    @property
    def backend(self) -> str:
        """"redis", "memory" (no Redis configured) or "degraded" (Redis is not answering)."""
        if self.shared is None:
            return "memory"
        return "degraded" if self._retry_at > 0.0 else "redis"

    def auth_locked(self, address: str) -> float | None:
        """Seconds an address stays locked out after failed authentications, or None."""
        return self._call(lambda store: store.locked_for("auth:" + address))

    def auth_failed(self, address: str) -> float | None:
        """Count a failed authentication; the lockout in seconds when this one tripped it."""
        count, _left = self._call(
            lambda store: store.hit("auth:" + address, self.policy.auth_window_seconds))
        if count < self.policy.auth_failures:
            return None
        self._call(lambda store: store.lock("auth:" + address, self.policy.lockout_seconds))
        if count == self.policy.auth_failures:
            log_event("AUTH_LOCKOUT", "WARNING", client_ip=address, failures=count,
                      lockout_seconds=self.policy.lockout_seconds)
        return self.policy.lockout_seconds

    def spend(self, kind: str, key_id: int) -> float | None:
        """Count one call of `kind` by a key; seconds to wait when it is over its rate."""
        allowed = self.policy.rate(kind)
        if allowed <= 0:
            return None
        count, left = self._call(lambda store: store.hit(f"rate:{kind}:key{key_id}", 60.0))
        return max(1.0, math.ceil(left)) if count > allowed else None

    def locks(self) -> list[Lock]:
        """Active lockouts."""
        return self._call(lambda store: store.locks())

    def clear(self, key: str | None = None) -> int:
        """Lift one lockout (`auth:<address>`) or all of them; how many were lifted."""
        return self._call(lambda store: store.clear(key))

    def close(self) -> None:
        """Release the Redis connection pool."""
        if self.shared is not None:
            self.shared.close()
