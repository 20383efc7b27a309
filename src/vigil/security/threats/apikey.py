"""Brute force against Vigil's own API keys, from its AUTH_FAILED events."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.model import AuthEvent, Threat
from vigil.security.threats.windows import clusters, max_in_window

TECHNIQUE = "T1110"


class ApiKeyDetector:
    """Counts AUTH_FAILED per client; `threshold` within `window` is a brute force.

    Each threat is built from its own burst's failures: their count, the distinct key
    prefixes tried and the first lines as evidence.
    """

    def __init__(self, config: ThreatsConfig) -> None:
        """Use the `api_key_bruteforce` rule of `config`."""
        self.config = config
        self._failures: dict[str, list[tuple[float, str, str]]] = defaultdict(list)

    def observe(self, ev: AuthEvent) -> None:
        """Record one failed API authentication: its time, key prefix and line."""
        self._failures[ev.source_ip].append((ev.time.timestamp(), ev.user,
                                             ev.lines[0] if ev.lines else ""))

    def prune(self, cutoff: float) -> None:
        """Forget clients whose last failure is older than `cutoff` (Unix seconds)."""
        for ip in [ip for ip, seen in self._failures.items()
                   if max((f[0] for f in seen), default=0.0) < cutoff]:
            del self._failures[ip]

    def finish(self) -> list[Threat]:
        """Threats for every client over the threshold."""
        rule = self.config.api_key_bruteforce
        if not rule.enabled:
            return []
        out = []
        for ip, seen in self._failures.items():
            seen.sort(key=lambda f: f[0])
            times = [f[0] for f in seen]
            for lo, hi in clusters(times, rule.window):
                if max_in_window(times, rule.window, lo, hi) < rule.threshold:
                    continue
                burst = seen[lo:hi]
                prefixes = sorted({f[1] for f in burst})
                evidence = [f[2] for f in burst if f[2]][: self.config.evidence_limit]
                out.append(Threat("api_key_brute_force", ip,
                                  datetime.fromtimestamp(times[lo], UTC),
                                  datetime.fromtimestamp(times[hi - 1], UTC), hi - lo, TECHNIQUE,
                                  rule.priority, "api_key_bruteforce", prefixes[:50], evidence,
                                  {"distinct_key_prefixes": len(prefixes)}))
        return out
