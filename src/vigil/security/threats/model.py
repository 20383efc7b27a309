"""Plain data of threat detection: parsed events, threats and parse statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vigil.core.types import Priority

# Kinds of authentication events.
AUTH_FAILURE = "failure"
AUTH_SUCCESS = "success"


@dataclass(slots=True)
class AuthEvent:
    """One authentication attempt (not one line): a failure or a success."""

    time: datetime
    source_ip: str
    user: str
    kind: str = AUTH_FAILURE
    service: str = "sshd"
    invalid_user: bool = False
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form used by `--events`."""
        return {"time": self.time.isoformat(), "source_ip": self.source_ip, "user": self.user,
                "kind": self.kind, "service": self.service, "invalid_user": self.invalid_user}


@dataclass(slots=True)
class HttpEvent:
    """One HTTP request from an access log (path already split from the query)."""

    time: datetime
    source_ip: str
    method: str
    path: str
    query: str
    status: int
    user_agent: str
    line: str
    ts: float = 0.0

    def __post_init__(self) -> None:
        """Fill the Unix time when the parser did not."""
        if not self.ts:
            self.ts = self.time.timestamp()

    def as_fields(self) -> dict[str, Any]:
        """Field view used by Sigma rules (webserver taxonomy names)."""
        return {"c-ip": self.source_ip, "cs-method": self.method, "cs-uri-stem": self.path,
                "cs-uri-query": self.query, "sc-status": self.status,
                "cs-user-agent": self.user_agent, "source_ip": self.source_ip}


@dataclass(slots=True)
class Threat:
    """A detected threat with its evidence, ATT&CK technique and priority."""

    type: str
    source_ip: str
    first_seen: datetime
    last_seen: datetime
    count: int
    technique: str
    priority: Priority
    rule: str
    targets: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form shared by the CLI, the API and storage."""
        return {"type": self.type, "source_ip": self.source_ip,
                "first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
                "count": self.count, "technique": self.technique,
                "priority": self.priority.value, "rule": self.rule, "targets": self.targets,
                "evidence": self.evidence, "details": self.details}


@dataclass(slots=True)
class ParseStats:
    """How many lines were read, recognised, ignored as irrelevant, or unparseable."""

    lines: int = 0
    auth_events: int = 0
    http_events: int = 0
    unparseable: int = 0
    unparseable_samples: list[str] = field(default_factory=list)

    def bad(self, line: str, keep: int = 5) -> None:
        """Count one unparseable line and keep a few samples for the report."""
        self.unparseable += 1
        if len(self.unparseable_samples) < keep:
            self.unparseable_samples.append(line[:300])

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"lines": self.lines, "auth_events": self.auth_events,
                "http_events": self.http_events, "unparseable": self.unparseable,
                "unparseable_samples": self.unparseable_samples}
