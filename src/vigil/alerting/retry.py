"""Retry with exponential back-off: pure logic.

Two forms: `Backoff` spaces the attempts of a delivery over later evaluation cycles (the
cycle never waits), and `with_retry` retries at once with the caller's `sleep`, for
`vigil notify test` and forwarding to Alertmanager, which run outside the cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

_MAX_EXPONENT = 64


class DeliveryError(RuntimeError):
    """A notification could not be delivered; `retryable` says whether trying again may help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry: attempts, first delay, factor and cap (seconds)."""

    attempts: int = 4
    initial_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 10.0

    def delays(self) -> list[float]:
        """The sleeps between attempts (one fewer than the attempts)."""
        out: list[float] = []
        delay = self.initial_delay
        for _ in range(max(0, self.attempts - 1)):
            out.append(min(delay, self.max_delay))
            delay *= self.factor
        return out


@dataclass(frozen=True)
class Backoff:
    """How long a failed delivery waits before a later cycle tries it again (exponential)."""

    initial: timedelta = timedelta(seconds=15)
    factor: float = 2.0
    maximum: timedelta = timedelta(minutes=5)

    def delay(self, failures: int) -> timedelta:
        """The wait after `failures` consecutive failed attempts (none before a failure)."""
        if failures <= 0:
            return timedelta(0)
        seconds = self.initial.total_seconds() * self.factor ** min(failures - 1, _MAX_EXPONENT)
        return timedelta(seconds=min(seconds, self.maximum.total_seconds()))


@dataclass
class RetryOutcome:
    """What happened: number of attempts made and the last error (None on success)."""

    attempts: int
    error: str | None

    @property
    def ok(self) -> bool:
        """True when the delivery succeeded."""
        return self.error is None


def with_retry(
    send: Callable[[], None],
    policy: RetryPolicy | None,
    sleep: Callable[[float], None],
) -> RetryOutcome:
    """Call `send` until it succeeds, retrying retryable DeliveryErrors with back-off."""
    policy = policy or RetryPolicy()
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            send()
            return RetryOutcome(attempt, None)
        except DeliveryError as exc:
            if not exc.retryable or attempt > len(delays):
                return RetryOutcome(attempt, str(exc))
            sleep(delays[attempt - 1])
