"""Structured JSON-lines logging on stderr: one object per event with event, level and ts."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
_lock = threading.Lock()
_state: dict[str, Any] = {"level": 20, "stream": None}


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Set the minimum level and, optionally, the stream (stderr by default)."""
    _state["level"] = _LEVELS.get(level.upper(), 20)
    _state["stream"] = stream


def log_event(event: str, level: str = "INFO", **context: Any) -> None:
    """Write one structured event; `event` is the grep-able name (e.g. AUTH_FAILED)."""
    level = level.upper()
    if _LEVELS.get(level, 20) < _state["level"]:
        return
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": level,
              "event": event, **context}
    line = orjson.dumps(record, default=str).decode()
    stream = _state["stream"] or sys.stderr
    with _lock:
        stream.write(line + "\n")
        stream.flush()
