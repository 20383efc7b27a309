"""Opaque pagination cursors and shared query parsing for list endpoints."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

import orjson

from vigil.api.problems import ProblemError
from vigil.core.ingest import parse_timestamp


def encode_cursor(value: Any) -> str:
    """Wrap a position in an opaque, URL-safe cursor."""
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    """Unwrap a cursor made by encode_cursor; 422 when it was tampered with."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise ProblemError(422, "invalid-cursor", "Invalid input", "the cursor is not valid",
                           [{"in": "query", "path": "cursor", "message": "not a valid cursor"}]) \
            from None


def query_time(raw: str | None, name: str) -> float | None:
    """Parse a start/end query parameter (RFC 3339 or Unix seconds)."""
    if raw is None or raw == "":
        return None
    try:
        return parse_timestamp(raw)
    except ValueError as exc:
        raise ProblemError(422, "invalid-input", "Invalid input", str(exc),
                           [{"in": "query", "path": name, "message": str(exc)}]) from None


def to_datetime(ts: float | None) -> datetime | None:
    """Unix seconds to an aware UTC datetime (clamped to the representable range)."""
    if ts is None:
        return None
    ts = min(max(ts, 0.0), 253402300799.0)
    return datetime.fromtimestamp(ts, UTC)


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 text with a Z suffix."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
