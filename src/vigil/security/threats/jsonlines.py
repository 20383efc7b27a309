"""JSON-lines events: Vigil's own AUTH_FAILED events and generic auth / HTTP JSON events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from vigil.security.threats.model import AUTH_FAILURE, AUTH_SUCCESS, AuthEvent, HttpEvent

VIGIL_SERVICE = "vigil-api"
_TIME_KEYS = ("ts", "time", "timestamp", "@timestamp")
_IP_KEYS = ("client_ip", "source_ip", "src_ip", "remote_addr", "ip")
_FAIL_WORDS = {"auth_failed", "authentication_failure", "login_failed", "failure", "failed"}
_OK_WORDS = {"auth_ok", "authentication_success", "login_success", "success", "accepted"}
# AUTH_FAILED reasons that are not a key guess: no key at all, or a valid key lacking the role.
NOT_GUESSES = frozenset({"missing", "forbidden"})


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 string or Unix seconds to an aware datetime; None when unreadable."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str) and value:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def auth_failed_event(record: dict[str, Any], line: str = "") -> AuthEvent | None:
    """Vigil's AUTH_FAILED log record to an attempt (user = key prefix); None if incomplete."""
    when = parse_time(record.get("ts"))
    ip = record.get("client_ip")
    if when is None or not isinstance(ip, str) or not ip:
        return None
    prefix = record.get("key_prefix") or "(none)"
    return AuthEvent(when, ip, str(prefix), AUTH_FAILURE, VIGIL_SERVICE, False,
                     [line or orjson.dumps(record).decode()])


def event_from_record(record: dict[str, Any], line: str) -> AuthEvent | HttpEvent | None:
    """Map one JSON object to an event: AUTH_FAILED, generic auth outcome, or HTTP request."""
    if record.get("event") == "AUTH_FAILED":
        if record.get("reason") in NOT_GUESSES:
            return None
        return auth_failed_event(record, line)
    when = next((t for k in _TIME_KEYS if (t := parse_time(record.get(k))) is not None), None)
    ip = next((str(record[k]) for k in _IP_KEYS if record.get(k)), "")
    if when is None or not ip:
        return None
    if "status" in record and ("path" in record or "url" in record or "request" in record):
        target = str(record.get("path") or record.get("url") or record.get("request") or "")
        path, _, query = target.partition("?")
        try:
            status = int(record["status"])
        except (TypeError, ValueError, OverflowError):
            return None
        return HttpEvent(when, ip, str(record.get("method", "GET")), path,
                         str(record.get("query", query)), status,
                         str(record.get("user_agent", record.get("http_user_agent", ""))), line)
    outcome = str(record.get("outcome", record.get("event", ""))).lower()
    if outcome in _FAIL_WORDS or outcome in _OK_WORDS:
        kind = AUTH_FAILURE if outcome in _FAIL_WORDS else AUTH_SUCCESS
        return AuthEvent(when, ip, str(record.get("user", "")), kind,
                         str(record.get("service", "json")), False, [line])
    return None


def journal_message(line: str) -> tuple[datetime, str, str, str, str] | None:
    """(time, host, program, pid, message) of a `journalctl -o json` record, else None."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(record, dict):
        return None
    msg = record.get("MESSAGE")
    prog = record.get("SYSLOG_IDENTIFIER") or record.get("_COMM")
    stamp = record.get("__REALTIME_TIMESTAMP") or record.get("_SOURCE_REALTIME_TIMESTAMP")
    if not isinstance(msg, str) or not isinstance(prog, str) or not stamp:
        return None
    try:
        when = datetime.fromtimestamp(int(stamp) / 1_000_000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    pid = record.get("SYSLOG_PID") or record.get("_PID") or ""
    return when, str(record.get("_HOSTNAME", "")), prog, str(pid), msg


def parse_json_line(line: str) -> AuthEvent | HttpEvent | bool | None:
    """Parse a JSON line: an event, None when valid JSON but not an event, False if not JSON."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(record, dict):
        return False
    return event_from_record(record, line)
