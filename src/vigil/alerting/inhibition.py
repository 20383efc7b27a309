"""Inhibition: a firing source alert mutes matching target alerts with equal labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vigil.alerting.config import InhibitRuleConfig
from vigil.alerting.matchers import Matcher, matches_all, parse_matchers


@dataclass(frozen=True)
class InhibitRule:
    """Compiled inhibit rule."""

    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    @classmethod
    def from_config(cls, cfg: InhibitRuleConfig) -> InhibitRule:
        """Compile a configured rule."""
        return cls(parse_matchers(cfg.source_matchers), parse_matchers(cfg.target_matchers),
                   tuple(cfg.equal))


def inhibited(rules: Iterable[InhibitRule],
              firing: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Fingerprints of firing alerts muted by another firing alert, mapped to the source's.

    `firing` maps fingerprint → labels. An alert never inhibits itself (as in Alertmanager).
    """
    muted: dict[str, str] = {}
    for rule in rules:
        sources: dict[tuple[str, ...], list[str]] = {}
        for fp, labels in firing.items():
            if matches_all(rule.source, labels):
                key = tuple(labels.get(n, "") for n in rule.equal)
                sources.setdefault(key, []).append(fp)
        if not sources:
            continue
        for fp, labels in firing.items():
            if fp in muted or not matches_all(rule.target, labels):
                continue
            key = tuple(labels.get(n, "") for n in rule.equal)
            by = [s for s in sources.get(key, []) if s != fp]
            if by:
                muted[fp] = by[0]
    return muted
