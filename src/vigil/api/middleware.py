"""Pure-ASGI middleware: request metrics and the request-body size limit."""

from __future__ import annotations

import re
import time
from typing import Any

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigil.api.problems import PROBLEM_JSON, TYPE_BASE
from vigil.telemetry.logging import log_event
from vigil.telemetry.metrics import HTTP_ERRORS, HTTP_LATENCY, HTTP_REQUESTS

CLIENT_CLOSED_REQUEST = 499
"""The status counted for a request whose client disconnected before it was answered (nginx)."""


async def send_problem(send: Send, status: int, kind: str, title: str, detail: str, *,
                       close: bool = False, with_body: bool = True) -> None:
    """Answer with an RFC 9457 problem straight from middleware (before any route runs)."""
    data = orjson.dumps({"type": TYPE_BASE + kind, "title": title, "status": status,
                         "detail": detail})
    headers = [(b"content-type", PROBLEM_JSON.encode()),
               (b"content-length", str(len(data)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data if with_body else b""})


class ResponseTracker:
    """Wraps `send` and remembers whether the response has started (then no error can)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def send(self, message: Message) -> None:
        """Pass the message on, noting the start of the response."""
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _template_patterns(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """(regex, template) for every path of the app's OpenAPI schema."""
    paths = app.openapi().get("paths", {}) if hasattr(app, "openapi") else {}
    return [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), path)
            for path in paths]


class MetricsMiddleware:
    """Count requests and observe latency by route template (not raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._patterns: list[tuple[re.Pattern[str], str]] | None = None

    def _template(self, scope: Scope) -> str:
        """The route template; matched here when a middleware answered before routing."""
        route = scope.get("route")
        if route is not None:
            return getattr(route, "path", None) or "unmatched"
        if "app" not in scope:
            return "unmatched"
        if self._patterns is None:
            self._patterns = _template_patterns(scope["app"])
        path = scope.get("path", "")
        return next((t for pattern, t in self._patterns if pattern.match(path)), "unmatched")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except ClientDisconnect:  # the client left mid-body: nobody to answer, nothing broke
            status = CLIENT_CLOSED_REQUEST
            log_event("client_disconnected", "INFO", method=scope.get("method", ""),
                      path=scope.get("path", ""), status=status)
        finally:
            template = self._template(scope)
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_LATENCY.labels(method, template).observe(time.perf_counter() - started)
            if status >= 400:
                HTTP_ERRORS.labels(template, f"{status // 100}xx").inc()


class BodyTooLarge(Exception):
    """Raised inside receive() when a body passes the limit."""


class BodyLimitMiddleware:
    """Answer 413 when a request body exceeds the limit, by header or by counting.

    `status_by_path` overrides the status for exact paths: Prometheus' remote_write
    endpoint answers 400, the status its protocol gives every request that will
    never succeed.
    """

    def __init__(self, app: ASGIApp, max_bytes: int,
                 status_by_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.status_by_path = status_by_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reject(scope, send)
                    return
        seen = 0
        tracker = ResponseTracker(send)

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counting_receive, tracker.send)
        except BodyTooLarge:
            if not tracker.started:
                await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        status = self.status_by_path.get(scope.get("path", ""), 413)
        await send_problem(send, status, "payload-too-large", "Payload too large",
                           f"the request body exceeds {self.max_bytes} bytes", close=True)


API_PREFIX = "/api/v1"


class AuthMiddleware:
    """Authenticate every `/api/v1` request before anything reads its body.

    An unauthenticated caller gets its 401 (logged as AUTH_FAILED and counted against
    its address) or 429 (address locked out) without the server parsing, decompressing
    or even receiving a byte of its body. The principal goes to `request.state`, where
    `require_role` checks the role.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        from sqlalchemy.exc import SQLAlchemyError
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request

        from vigil.api.deps import authenticate_request
        from vigil.api.problems import ProblemError, database_problem, problem_response

        try:
            principal = await run_in_threadpool(authenticate_request, Request(scope))
        except SQLAlchemyError as exc:
            await database_problem(path, exc)(scope, receive, send)
            return
        except ProblemError as exc:
            response = problem_response(exc.status, exc.type, exc.title, exc.detail,
                                        headers={**(exc.headers or {}), "Connection": "close"},
                                        instance=path)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


class BodyTimeout(Exception):
    """Raised inside receive() when a request body takes longer than allowed to arrive."""


class BodyTimeoutMiddleware:
    """Answer 408 when a request body is not fully received within `seconds` of the first read.

    A client that trickles its body otherwise holds a connection, a task and the
    bytes so far for as long as it likes (nginx's `client_body_timeout`).
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import anyio

        deadline: float | None = None
        tracker = ResponseTracker(send)

        async def timed_receive() -> Message:
            nonlocal deadline
            if deadline is None:
                deadline = anyio.current_time() + self.seconds
            remaining = deadline - anyio.current_time()
            with anyio.move_on_after(max(remaining, 0.0)) as scope_:
                message = await receive()
            if scope_.cancelled_caught:
                raise BodyTimeout()
            return message

        try:
            await self.app(scope, timed_receive, tracker.send)
        except BodyTimeout:
            log_event("http_body_timeout", "INFO", path=scope.get("path", ""),
                      timeout_seconds=self.seconds)
            if not tracker.started:
                await send_problem(send, 408, "request-timeout", "Request timeout",
                                   f"the request body did not arrive within "
                                   f"{self.seconds:g} s", close=True)


MAX_URL_BYTES = 8192
"""The longest path plus query string accepted (nginx's default large header buffer)."""


class HeadAndUrlMiddleware:
    """HEAD on a GET route answers like GET without a body; an oversize URL gets 414.

    Starlette routes declared for GET refuse HEAD with 405; HTTP says HEAD is GET
    without the body (RFC 9110 §9.3.2), which is what monitors and caches send.
    """

    def __init__(self, app: ASGIApp, max_url_bytes: int = MAX_URL_BYTES) -> None:
        self.app = app
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_bytes = len(scope.get("raw_path") or scope.get("path", "").encode()) \
            + len(scope.get("query_string", b""))
        if url_bytes > self.max_url_bytes:
            await send_problem(send, 414, "uri-too-long", "URI too long",
                               f"the URL is {url_bytes} bytes; at most "
                               f"{self.max_url_bytes} are accepted",
                               with_body=scope.get("method") != "HEAD")
            return
        if scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless_send(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless_send)
