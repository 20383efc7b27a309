"""A client of the Prometheus HTTP API's `query_range`, with retries and backoff.

Transport errors, timeouts, 429 and 5xx answers are retried (`retries` times, waiting
0.5 s, 1 s, 2 s, ...); a 4xx answer is the query's fault (bad PromQL, too many points)
and raises `QueryError` at once with the server's message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import orjson

from vigil.services.sources.http import make_client
from vigil.sources.config import SourceConfig
from vigil.sources.response import FetchedSeries, QueryError, parse_query_range
from vigil.sources.timing import TimeRange

RETRY_BASE_SECONDS = 0.5


class SourceUnavailable(RuntimeError):
    """The store could not be reached (or kept failing) after every retry."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A query's answer for one time range, and how long it took."""

    series: list[FetchedSeries]
    seconds: float


class PrometheusClient:
    """`query_range` against one source."""

    def __init__(self, source: SourceConfig,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.source = source
        self._client = make_client(source.auth, source.timeout)
        self._sleep = sleep

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def query_range(self, query: str, span: TimeRange) -> Fetched:
        """The series of `query` at span's timestamps; QueryError or SourceUnavailable."""
        params = {"query": query, "start": str(span.start), "end": str(span.end),
                  "step": str(span.step)}
        url = f"{self.source.url}/api/v1/query_range"
        started = time.perf_counter()
        last = ""
        for attempt in range(self.source.retries + 1):
            if attempt:
                self._sleep(RETRY_BASE_SECONDS * 2 ** (attempt - 1))
            try:
                response = self._client.post(url, data=params)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}: {_error_text(response)}"
                continue
            if response.status_code >= 400:
                raise QueryError(f"HTTP {response.status_code}: {_error_text(response)}")
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                raise QueryError("the answer is not JSON") from None
            return Fetched(parse_query_range(body), time.perf_counter() - started)
        raise SourceUnavailable(f"{self.source.url}: {last} (after {self.source.retries + 1} "
                                "attempts)")


def _error_text(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:300].strip() or response.reason_phrase
    if isinstance(body, dict) and body.get("error"):
        return f"{body.get('errorType', 'error')}: {body['error']}"[:500]
    return response.reason_phrase
