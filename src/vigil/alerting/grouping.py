"""Routing and grouping: which receivers get an alert, and in which notification group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vigil.alerting.config import RouteConfig
from vigil.alerting.matchers import Matcher, matches_all, parse_matchers


@dataclass(frozen=True)
class Route:
    """A compiled route."""

    index: int
    cfg: RouteConfig
    matchers: tuple[Matcher, ...]

    def group_key(self, labels: Mapping[str, str]) -> str:
        """The group an alert falls in on this route: receiver, route and group_by values."""
        parts = ",".join(f'{k}="{labels.get(k, "")}"' for k in self.cfg.group_by)
        return f"{self.cfg.receiver}/{self.index}:{{{parts}}}"


def compile_routes(cfgs: list[RouteConfig]) -> list[Route]:
    """Compile configured routes in order."""
    return [Route(i, c, parse_matchers(c.matchers)) for i, c in enumerate(cfgs)]


def routes_for(routes: list[Route], labels: Mapping[str, str]) -> list[Route]:
    """The routes an alert takes: matching routes in order, stopping at one without `continue`."""
    out = []
    for route in routes:
        if matches_all(route.matchers, labels):
            out.append(route)
            if not route.cfg.continue_:
                break
    return out
