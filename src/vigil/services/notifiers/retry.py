"""HTTP delivery helpers for notifiers; retry logic lives in `vigil.alerting.retry`."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from vigil.alerting.retry import DeliveryError, RetryOutcome, RetryPolicy
from vigil.alerting.retry import with_retry as _with_retry

__all__ = ["DeliveryError", "RetryOutcome", "RetryPolicy", "check_response", "post_json",
           "with_retry"]


def with_retry(send: Callable[[], None], policy: RetryPolicy | None = None,
               sleep: Callable[[float], None] = time.sleep) -> RetryOutcome:
    """`vigil.alerting.retry.with_retry` with real sleeping by default."""
    return _with_retry(send, policy, sleep)


def check_response(response: httpx.Response) -> None:
    """Raise DeliveryError for a failed HTTP response: 5xx and 429 are retryable, 4xx are not."""
    if response.status_code < 300:
        return
    retryable = response.status_code >= 500 or response.status_code == 429
    body = response.text[:200]
    raise DeliveryError(f"HTTP {response.status_code}: {body}", retryable=retryable)


def post_json(url: str, payload: object, timeout: float = 10.0,
              headers: dict[str, str] | None = None) -> None:
    """POST a JSON body once; raise DeliveryError on transport errors or non-2xx answers."""
    try:
        response = httpx.post(url, json=payload, timeout=timeout, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
    check_response(response)
