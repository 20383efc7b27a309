"""The alerting configuration compiled once: rules, priorities, routes, mutes and senders.

Compiling parses matchers, builds the rule index and the receivers' send functions; the
evaluation cycle runs every 30 s, so the compiled form is cached per configuration object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.alerting.config import AlertingConfig, PriorityConfig
from vigil.alerting.grouping import Route, compile_routes
from vigil.alerting.inhibition import InhibitRule
from vigil.alerting.matchers import parse_matchers
from vigil.alerting.priority import PriorityMapper
from vigil.alerting.rules import RuleSet
from vigil.alerting.silences import MaintenanceWindow, WeeklyInterval
from vigil.services.notifiers.dispatch import Sender, build_sender
from vigil.storage.alerting_repo import SeriesLabels

_CACHE_LIMIT = 16


@dataclass
class CompiledAlerting:
    """The configuration compiled once: rules, mappings, routes, windows, senders."""

    cfg: AlertingConfig
    rules: RuleSet
    priorities: PriorityMapper
    inhibit_rules: list[InhibitRule]
    routes: list[Route]
    windows: list[MaintenanceWindow]
    senders: dict[str, Sender] = field(default_factory=dict)
    series: SeriesLabels = field(default_factory=SeriesLabels)

    @classmethod
    def of(cls, cfg: AlertingConfig) -> CompiledAlerting:
        """Compile a validated configuration."""
        return cls(
            cfg=cfg,
            rules=RuleSet(cfg.rules, cfg.anomaly_rules),
            priorities=PriorityMapper(cfg.priorities or PriorityConfig()),
            inhibit_rules=[InhibitRule.from_config(r) for r in cfg.inhibit_rules or []],
            routes=compile_routes(cfg.routes),
            windows=[MaintenanceWindow(
                w.name, parse_matchers(w.matchers), w.start, w.end, w.comment,
                WeeklyInterval.parse(w.weekly.weekdays, w.weekly.start_time, w.weekly.end_time)
                if w.weekly else None) for w in cfg.maintenance_windows],
            senders={name: build_sender(r, cfg.external_url) for name, r in cfg.receivers.items()},
        )


_COMPILED: dict[int, tuple[AlertingConfig, CompiledAlerting]] = {}


def compiled_alerting(cfg: AlertingConfig) -> CompiledAlerting:
    """The compiled form of a configuration, cached per configuration object."""
    cached = _COMPILED.get(id(cfg))
    if cached is not None and cached[0] is cfg:
        return cached[1]
    compiled = CompiledAlerting.of(cfg)
    if len(_COMPILED) > _CACHE_LIMIT:
        _COMPILED.clear()
    _COMPILED[id(cfg)] = (cfg, compiled)
    return compiled
