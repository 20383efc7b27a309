"""HTTP detections: credential stuffing on login endpoints, vulnerability scanning and
injection attempts (SQL injection, XSS, path traversal, command injection)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.security.threats.botsearch import bot_search
from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.model import HttpEvent, Threat
from vigil.security.threats.web_patterns import analyse, decode, scanner_of
from vigil.security.threats.windows import clusters, max_in_window

T_STUFFING = "T1110.004"
T_SCAN = "T1595.002"
T_EXPLOIT = "T1190"
_COMMON_METHODS = frozenset({"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})


@dataclass(slots=True)
class _Hits:
    """Matches of one kind from one source: times, targets and a few evidence lines."""

    times: list[float] = field(default_factory=list)
    targets: Counter[str] = field(default_factory=Counter)
    evidence: list[str] = field(default_factory=list)

    def add(self, ts: float, target: str, line: str, limit: int) -> None:
        """Record one match."""
        self.times.append(ts)
        if len(self.targets) < 200 or target in self.targets:
            self.targets[target] += 1
        if len(self.evidence) < limit:
            self.evidence.append(line)


@dataclass(slots=True)
class _Source:
    """What one client did: login requests, scan signals, injections by family."""

    login: _Hits = field(default_factory=_Hits)
    scan: _Hits = field(default_factory=_Hits)
    errors: list[float] = field(default_factory=list)
    scanners: Counter[str] = field(default_factory=Counter)
    probes: int = 0
    injections: dict[str, _Hits] = field(default_factory=lambda: defaultdict(_Hits))


class WebDetector:
    """Accumulates HTTP events per source; `finish` yields threats."""

    def __init__(self, config: ThreatsConfig) -> None:
        """Use the HTTP rules of `config`."""
        self.config = config
        stuffing = config.credential_stuffing
        self._login = re.compile("|".join(f"(?:{p})" for p in stuffing.paths), re.IGNORECASE)
        self._methods = {m.upper() for m in stuffing.methods}
        self._sources: dict[str, _Source] = defaultdict(_Source)
        self.limit = config.evidence_limit
        self._ua_cache: dict[str, str | None] = {}

    def observe(self, ev: HttpEvent) -> None:
        """Record one request."""
        src = self._sources[ev.source_ip]
        ts = ev.ts
        path = ev.path
        target = path + "?" + ev.query if ev.query else path
        text = decode(target)
        if ev.method in self._methods and self._login.search(path):
            src.login.add(ts, path, ev.line, self.limit)
        ua = self._ua_cache.get(ev.user_agent, "")
        if ua == "":
            if len(self._ua_cache) > 10_000:
                self._ua_cache.clear()
            ua = self._ua_cache[ev.user_agent] = scanner_of(ev.user_agent)
        payload_scanner, injections = analyse(text)
        scanner = ua or payload_scanner
        if scanner is None and ev.method not in _COMMON_METHODS:
            scanner = scanner_of(ev.method)
        lower_path = text.partition("?")[0]
        probe = bot_search(lower_path, ev.status)
        client_error = 400 <= ev.status < 500
        if scanner:
            src.scanners[scanner] += 1
        if probe:
            src.probes += 1
        if client_error:
            src.errors.append(ts)
        if scanner or probe or client_error:
            src.scan.add(ts, path, ev.line, self.limit)
        for kind in injections:
            src.injections[kind].add(ts, path, ev.line, self.limit)

    def prune(self, cutoff: float) -> None:
        """Forget clients whose last recorded request is older than `cutoff` (Unix seconds)."""
        for ip in [ip for ip, src in self._sources.items() if _last(src) < cutoff]:
            del self._sources[ip]

    def finish(self) -> list[Threat]:
        """Evaluate credential stuffing, scanning and injection rules."""
        out: list[Threat] = []
        for ip, src in self._sources.items():
            out.extend(self._stuffing(ip, src))
            out.extend(self._scan(ip, src))
            out.extend(self._injections(ip, src))
        return out

    def _stuffing(self, ip: str, src: _Source) -> list[Threat]:
        rule = self.config.credential_stuffing
        if not rule.enabled or len(src.login.times) < rule.threshold:
            return []
        times = sorted(src.login.times)
        out = []
        for lo, hi in clusters(times, rule.window):
            if max_in_window(times, rule.window, lo, hi) >= rule.threshold:
                out.append(Threat("http_credential_stuffing", ip, _dt(times[lo]),
                                  _dt(times[hi - 1]), hi - lo, T_STUFFING, rule.priority,
                                  "credential_stuffing", _top(src.login.targets),
                                  list(src.login.evidence), {"threshold": rule.threshold}))
        return out

    def _scan(self, ip: str, src: _Source) -> list[Threat]:
        rule = self.config.web_scan
        if not rule.enabled or not src.scan.times:
            return []
        errors = sorted(src.errors)
        burst = max_in_window(errors, rule.window) if errors else 0
        reasons = []
        if src.scanners:
            reasons.append("scanner fingerprint")
        if src.probes >= rule.probe_threshold:
            reasons.append("probe paths")
        if burst >= rule.four_xx_threshold:
            reasons.append("4xx burst")
        if not reasons:
            return []
        times = src.scan.times
        return [Threat("web_vulnerability_scan", ip, _dt(min(times)), _dt(max(times)),
                       len(times), T_SCAN, rule.priority, "web_scan", _top(src.scan.targets),
                       list(src.scan.evidence),
                       {"scanners": [s for s, _ in src.scanners.most_common()],
                        "reasons": reasons, "probe_requests": src.probes,
                        "client_errors": len(errors), "max_4xx_in_window": burst})]

    def _injections(self, ip: str, src: _Source) -> list[Threat]:
        rule = self.config.injection
        if not rule.enabled:
            return []
        out = []
        for kind, hits in src.injections.items():
            if len(hits.times) < rule.min_count:
                continue
            out.append(Threat(kind, ip, _dt(min(hits.times)), _dt(max(hits.times)),
                              len(hits.times), T_EXPLOIT, rule.priority, "injection",
                              _top(hits.targets), list(hits.evidence), {}))
        return out


def _last(src: _Source) -> float:
    lists = [src.login.times, src.scan.times, src.errors,
             *(hits.times for hits in src.injections.values())]
    return max((max(times) for times in lists if times), default=0.0)


def _top(targets: Counter[str], n: int = 20) -> list[str]:
    return [t for t, _ in targets.most_common(n)]


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
