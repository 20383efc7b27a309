"""Operator-tunable threat rules (the `threats:` section of the YAML config)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vigil.core.types import Priority

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class _Rule(BaseModel):
    """Fields every built-in rule has."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    priority: Priority = Priority.P2
    allowlist: list[str] = Field(default_factory=list)

    @field_validator("allowlist")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value


class SshBruteForceRule(_Rule):
    """fail2ban semantics: `maxretry` failed attempts within `findtime` seconds per source."""

    maxretry: int = Field(default=5, ge=1)
    findtime: float = Field(default=600.0, gt=0)
    bantime: float = Field(default=600.0, gt=0)


class SshEnumerationRule(_Rule):
    """Many distinct users from one source within `window`: enumeration or spraying."""

    min_users: int = Field(default=5, ge=2)
    window: float = Field(default=3600.0, gt=0)
    max_attempts_per_user: int = Field(default=3, ge=1)


class SuccessAfterFailuresRule(_Rule):
    """A successful login from a source that failed `min_failures` times within `window`."""

    priority: Priority = Priority.P1
    min_failures: int = Field(default=5, ge=1)
    window: float = Field(default=600.0, gt=0)


class CredentialStuffingRule(_Rule):
    """Login-endpoint requests from one source: `threshold` within `window` seconds."""

    threshold: int = Field(default=20, ge=1)
    window: float = Field(default=300.0, gt=0)
    methods: list[str] = Field(default_factory=lambda: ["POST"])
    paths: list[str] = Field(default_factory=lambda: [
        r"/(wp-)?login(\.php)?$", r"/sign-?in$", r"/user/login", r"/auth(entication)?(/|$)",
        r"/session(s)?$", r"/oauth/token", r"/administrator/index\.php$", r"/j_security_check",
        r"login\.php$",
    ])

    @field_validator("paths")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                re.compile(item)
            except re.error as exc:
                raise ValueError(f"{item!r} is not a valid regular expression: {exc}") from None
        return value


class ApiKeyBruteForceRule(_Rule):
    """Vigil's own AUTH_FAILED events per client: `threshold` within `window` seconds."""

    threshold: int = Field(default=10, ge=1)
    window: float = Field(default=300.0, gt=0)


class WebScanRule(_Rule):
    """Vulnerability scanning: scanner user agents, probe paths, or a burst of 4xx."""

    priority: Priority = Priority.P3
    four_xx_threshold: int = Field(default=50, ge=1)
    window: float = Field(default=60.0, gt=0)
    probe_threshold: int = Field(default=3, ge=1)


class InjectionRule(_Rule):
    """SQL injection, XSS, path traversal and command injection in request lines."""

    min_count: int = Field(default=1, ge=1)


class ResponseConfig(BaseModel):
    """Automatic response: off by default; when on, Vigil only maintains an nginx deny file."""

    model_config = ConfigDict(extra="forbid")

    apply: bool = False
    min_priority: Priority = Priority.P2
    nginx_deny_file: str | None = None


class ThreatsConfig(BaseModel):
    """Built-in detections as data, Sigma rule files, allowlists and response settings."""

    model_config = ConfigDict(extra="forbid")

    allowlist: list[str] = Field(default_factory=list)
    # Which auth-log forms count as attempts, as fail2ban's modes define them: `normal`
    # (authentication failures), `ddos` (+ pre-auth noise), `aggressive` (ddos + extra).
    mode: Literal["normal", "aggressive", "ddos"] = "normal"
    evidence_limit: int = Field(default=20, ge=1, le=1000)
    ssh_bruteforce: SshBruteForceRule = Field(default_factory=SshBruteForceRule)
    ssh_enumeration: SshEnumerationRule = Field(default_factory=SshEnumerationRule)
    success_after_failures: SuccessAfterFailuresRule = Field(
        default_factory=SuccessAfterFailuresRule)
    credential_stuffing: CredentialStuffingRule = Field(default_factory=CredentialStuffingRule)
    api_key_bruteforce: ApiKeyBruteForceRule = Field(default_factory=ApiKeyBruteForceRule)
    web_scan: WebScanRule = Field(default_factory=WebScanRule)
    injection: InjectionRule = Field(default_factory=InjectionRule)
    sigma_rules: list[str] = Field(default_factory=list)
    response: ResponseConfig = Field(default_factory=ResponseConfig)

    @field_validator("allowlist")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @cached_property
    def networks(self) -> tuple[IpNetwork, ...]:
        """The global allowlist as parsed networks."""
        return tuple(ipaddress.ip_network(c, strict=False) for c in self.allowlist)


def allowed(source: str, networks: tuple[IpNetwork, ...], extra: Sequence[str] = ()) -> bool:
    """True when `source` is an IP inside any allowlisted network (hostnames never are)."""
    if not networks and not extra:
        return False
    try:
        ip = ipaddress.ip_address(source)
    except ValueError:
        return False
    nets = list(networks) + [ipaddress.ip_network(c, strict=False) for c in extra]
    return any(ip in net for net in nets)
