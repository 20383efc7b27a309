"""Brute force against Vigil's own API keys, from its AUTH_FAILED events."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.model import AuthEvent, Threat
from vigil.security.threats.windows import clusters, max_in_window

TECHNIQUE = "T1110"


class ApiKeyDetector:
    """Counts AUTH_FAILED per client; `threshold` within `window` is a brute force."""

    def __init__(self, config: ThreatsConfig) -> None:
        """Use the `api_key_bruteforce` rule of `config`."""
        self.config = config
        self._times: dict[str, list[float]] = defaultdict(list)
        self._prefixes: dict[str, set[str]] = defaultdict(set)
        self._evidence: dict[str, list[str]] = defaultdict(list)

    def observe(self, ev: AuthEvent) -> None:
        """Record one failed API authentication."""
        self._times[ev.source_ip].append(ev.time.timestamp())
        if len(self._prefixes[ev.source_ip]) < 1000:
            self._prefixes[ev.source_ip].add(ev.user)
        evidence = self._evidence[ev.source_ip]
        if len(evidence) < self.config.evidence_limit:
            evidence.extend(ev.lines[:1])

    def prune(self, cutoff: float) -> None:
        """Forget clients whose last failure is older than `cutoff` (Unix seconds)."""
        for ip in [ip for ip, times in self._times.items() if max(times, default=0.0) < cutoff]:
            for table in (self._times, self._prefixes, self._evidence):
                table.pop(ip, None)

    def finish(self) -> list[Threat]:
        """Threats for every client over the threshold."""
        rule = self.config.api_key_bruteforce
        if not rule.enabled:
            return []
        out = []
        for ip, times in self._times.items():
            times.sort()
            for lo, hi in clusters(times, rule.window):
                if max_in_window(times, rule.window, lo, hi) < rule.threshold:
                    continue
                prefixes = sorted(self._prefixes[ip])
                out.append(Threat("api_key_brute_force", ip,
                                  datetime.fromtimestamp(times[lo], UTC),
                                  datetime.fromtimestamp(times[hi - 1], UTC), hi - lo, TECHNIQUE,
                                  rule.priority, "api_key_bruteforce", prefixes[:50],
                                  list(self._evidence[ip]),
                                  {"distinct_key_prefixes": len(prefixes)}))
        return out
