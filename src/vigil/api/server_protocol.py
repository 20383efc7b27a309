"""Uvicorn's HTTP/1.1 protocol with a request-header timeout, as reverse proxies have.

Uvicorn closes idle keep-alive connections, but a client that sends a request's
headers one byte at a time keeps its connection (and a slot) forever. Here every
connection must finish a request's headers within `header_timeout` seconds of
connecting, or of the previous response; otherwise it gets 408 and is closed
(nginx's `client_header_timeout`, HAProxy's `timeout http-request`).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import h11
import orjson
from uvicorn.protocols.http.h11_impl import H11Protocol

from vigil.telemetry.logging import log_event

_TIMEOUT_BODY = b"request headers took too long"
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\n"
                     b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                     % (len(_TIMEOUT_BODY), _TIMEOUT_BODY))


class HeaderTimeoutProtocol(H11Protocol):
    """H11Protocol that closes connections whose request headers do not arrive in time."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        log_event("http_header_timeout", "INFO",
                  client_ip=self.client[0] if self.client else None,
                  timeout_seconds=self.header_timeout)
        self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm_header_timer()

    def handle_events(self) -> None:
        """Stop the clock once a request's headers are in."""
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()

    def on_response_complete(self) -> None:
        """Start the clock for the next request's headers on this connection."""
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse (e.g. a request line or headers over its size limit)
        gets problem+json like every other error, then the connection closes."""
        body = orjson.dumps({"type": "https://vigil.dev/problems/bad-request",
                             "title": "Bad request", "status": 400,
                             "detail": "the request could not be read: malformed, or its URL "
                                       "and headers are too large"})
        self.transport.write(b"HTTP/1.1 400 Bad Request\r\n"
                             b"content-type: application/problem+json\r\n"
                             b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                             % (len(body), body))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the clock of a closed connection."""
        self._cancel_header_timer()
        super().connection_lost(exc)


class EnvironmentHeaderTimeoutProtocol(HeaderTimeoutProtocol):
    """The protocol of `vigil serve --workers N`, timeout from VIGIL_HEADER_TIMEOUT_SECONDS."""

    header_timeout = float(os.environ.get("VIGIL_HEADER_TIMEOUT_SECONDS", "") or 10.0)


def protocol_with_header_timeout(seconds: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class to give `uvicorn.run(http=...)` for this header timeout."""
    return type("VigilH11Protocol", (HeaderTimeoutProtocol,), {"header_timeout": seconds})
